//! What the live harness needs beyond the API: the fan-out decision for one edge and a user's
//! followers as they are now, to reconcile the state after a run.

use super::{Locks, Service};

impl<L: Locks> Service<L> {
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
}
