//! What the live harness needs beyond the API: the fan-out decision for one edge, a user's
//! followers as they are now (to reconcile the state after a run), and hooks that corrupt a
//! like count or a home timeline so that tests can show the reconciliation fails when it should.

use super::{Service, lock};

impl Service {
    /// Whether a post by `author`, while `author` has `followers` followers, is pushed into the
    /// home timeline of `follower` (the fan-out strategy's decision for that edge).
    pub fn pushes_to(&self, author: u32, followers: u32, follower: u32) -> bool {
        self.fanout.push(followers) && (!self.fanout.per_edge() || self.fanout.push_to(author, follower))
    }

    /// The users who follow `user` now, sorted.
    pub fn followers(&self, user: u32) -> Vec<u32> {
        let mut out = Vec::new();
        self.followers_into(user, &mut out);
        out.sort_unstable();
        out
    }

    /// The timeline length: how many entries a home timeline keeps before trimming the oldest.
    pub fn timeline_length(&self) -> usize {
        self.timeline_length
    }

    /// Test hook: adds one to a tweet's like count without any favourite behind it (a corrupted
    /// state). Returns false if there is no such tweet. Nothing but tests calls it.
    #[doc(hidden)]
    pub fn corrupt_like_count(&self, tweet: u64) -> bool {
        let mut store = lock(&self.tweets[self.stripe(tweet)]);
        let store = &mut *store;
        match store.index.get(&tweet) {
            Some(&slot) => {
                store.records[slot as usize].likes += 1;
                true
            }
            None => false,
        }
    }

    /// Test hook: removes the newest entry of `user`'s home timeline without touching the
    /// storage counters (a lost delivery). Returns the tweet removed. Nothing but tests calls it.
    #[doc(hidden)]
    pub fn corrupt_drop_newest_delivery(&self, user: u32) -> Option<u64> {
        lock(&self.homes[user as usize]).pop_back().map(|t| t.id)
    }
}
