//! Hooks that corrupt the state behind the API's back (a like count, a home timeline), so that
//! tests can show the live harness's reconciliation fails when it should. Built only with the
//! `test-hooks` feature, which the crate's own tests turn on; no build of the tool has them.

use super::{Locks, Service, lock};

impl<L: Locks> Service<L> {
    /// Test hook: adds one to a tweet's like count without any favourite behind it (a corrupted
    /// state). Returns false if there is no such tweet.
    pub fn corrupt_like_count(&self, tweet: u64) -> bool {
        let mut store = lock(&self.tweets[self.stripe(tweet)]);
        match store.slot(tweet) {
            Some(slot) => {
                store.get_mut(slot).likes += 1;
                true
            }
            None => false,
        }
    }

    /// Test hook: removes the newest entry of `user`'s home timeline without touching the
    /// storage counters (a lost delivery). Returns the tweet removed.
    pub fn corrupt_drop_newest_delivery(&self, user: u32) -> Option<u64> {
        lock(&self.homes[user as usize]).drop_newest().map(|t| t.id)
    }
}
