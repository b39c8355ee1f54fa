//! Posting the users' history before a run (`population.tweets_per_user`) at once rather than
//! tweet by tweet. Posting a history of `m` tweets per user one by one delivers each tweet to
//! every follower it is pushed to: `m` times the edges in random writes, about 190 ns each at
//! the twitter shape, which made the set-up of a large population cost more than its run. A
//! home timeline only holds its newest entries (see `home`), so each is built instead from
//! its followees' newest tweets, and the others are counted: the tweets, the timelines, their
//! storage and the deliveries come out as posting one by one leaves them.

use rayon::prelude::*;
use smallvec::SmallVec;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::tweets::TweetStripe;
use super::{Kind, Service, TIMELINE_ENTRY_BYTES, TweetRef, lock};
use crate::graph::FollowGraph;
use crate::strategy::{FanoutPolicy, Partitioner};

impl Service {
    /// Posts `per_user` tweets for every user of a service that has none yet, in rounds: tweet
    /// `i` is by user `i mod users`, posted at `tweet(i).0` (milliseconds, non-decreasing in `i`)
    /// with `tweet(i).1` bytes of text and no image. The result is that of
    /// [`post_tweet`](Service::post_tweet) for each `i` in order, with its plan discarded.
    pub fn post_history(&self, per_user: u32, mut tweet: impl FnMut(u64) -> (i64, u32)) {
        let users = u64::from(self.users());
        let total = u64::from(per_user) * users;
        if total == 0 {
            return;
        }
        // The last round's tweets, user by user: the newest entries of most home timelines.
        let mut last = Vec::with_capacity(users as usize);
        for i in 0..total {
            let (at_ms, text) = tweet(i);
            let entry = self.store_tweet(at_ms, (i % users) as u32, text, 0).entry;
            if i >= total - users {
                last.push(entry);
            }
        }
        let deliveries = self.deliver_history(per_user, &last);
        let mut c = lock(&self.counts);
        c.tweets += total;
        c.deliveries += deliveries;
    }

    /// Fills every home timeline with what the history posted by [`post_history`]
    /// (Service::post_history) delivered to it, and counts its storage; returns the deliveries.
    ///
    /// In the history, user `a`'s `r`-th tweet is tweet `r * users + a`, so a home receives, in
    /// order, round by round, one tweet of each followee that pushes to it, in followee order.
    /// Its newest entries are then the last round's tweets of its highest followees (`last`,
    /// by user), then the round before's, and so on: each a step back along the followee's
    /// chain of tweets.
    fn deliver_history(&self, per_user: u32, last: &[TweetRef]) -> u64 {
        let users = self.users();
        let guards: Vec<_> = self.tweets.iter().map(lock).collect();
        let stripes: Vec<&TweetStripe> = guards.iter().map(|g| &**g).collect();
        // Whether each author pushes at all: the policy's decision on their follower count.
        let pushes: Vec<bool> = (0..users).map(|a| self.fanout.push(self.follower_count(a))).collect();
        let per_edge = self.fanout.per_edge();
        let history = History {
            graph: &self.graph,
            fanout: &*self.fanout,
            partitioner: &*self.partitioner,
            // Then every followee pushes to every follower, and nothing needs checking.
            everyone: !per_edge && pushes.iter().all(|&p| p),
            pushes: &pushes,
            per_edge,
            per_user: u64::from(per_user),
            length: self.timeline_length as u64,
            depth: self.held_entries,
            last,
            newest: &self.newest,
            stripes: &stripes,
        };
        let mut grown = vec![0u64; self.topology.shards as usize];
        let mut deliveries = 0u64;
        // Homes are worked out in parallel a block at a time (reading only what is shared) and
        // filled from this thread, so the service need not be shared across threads.
        const BLOCK: u32 = 1 << 16;
        let mut homes: Vec<(u64, SmallVec<[TweetRef; 32]>)> = Vec::new();
        for first in (0..users).step_by(BLOCK as usize) {
            let block = first..(first + BLOCK).min(users);
            block.clone().into_par_iter().map(|h| history.home(h)).collect_into_vec(&mut homes);
            for (h, (received, newest)) in block.zip(homes.drain(..)) {
                if received == 0 {
                    continue;
                }
                deliveries += received;
                let stored = received.min(history.length);
                grown[self.partitioner.user_shard(h) as usize] += stored;
                let mut home = lock(&self.homes[h as usize]);
                debug_assert_eq!(home.len(), 0, "a history is posted before anything else");
                for &e in newest.iter().rev() {
                    home.push(e, history.depth, self.timeline_length);
                }
                home.count_to(stored as usize);
            }
        }
        drop(guards);
        for (shard, &entries) in grown.iter().enumerate() {
            if entries > 0 {
                self.add_bytes(Kind::Timelines, shard as u32, (entries * TIMELINE_ENTRY_BYTES) as i64);
            }
        }
        deliveries
    }
}

/// What working out a home timeline's history reads, all of it shareable across threads.
struct History<'a> {
    graph: &'a FollowGraph,
    fanout: &'a dyn FanoutPolicy,
    partitioner: &'a dyn Partitioner,
    /// Every followee pushes to every follower.
    everyone: bool,
    /// Whether each author pushes at all.
    pushes: &'a [bool],
    per_edge: bool,
    per_user: u64,
    /// Entries a timeline counts at most, and holds at most.
    length: u64,
    depth: usize,
    /// The last round's tweet of each user.
    last: &'a [TweetRef],
    newest: &'a [AtomicU32],
    stripes: &'a [&'a TweetStripe],
}

impl History<'_> {
    /// The deliveries home `h` received, and its newest held entries, newest first.
    fn home(&self, h: u32) -> (u64, SmallVec<[TweetRef; 32]>) {
        let followees = self.graph.followees(h);
        let filtered: SmallVec<[u32; 128]>;
        let pushed: &[u32] = if self.everyone {
            followees
        } else {
            filtered = followees
                .iter()
                .copied()
                .filter(|&a| self.pushes[a as usize] && (!self.per_edge || self.fanout.push_to(a, h)))
                .collect();
            &filtered
        };
        let received = self.per_user * pushed.len() as u64;
        // Round by round from the last, followees from the highest. Only the `width` highest
        // followees are reached when one round fills the held entries.
        let held = (received.min(self.length) as usize).min(self.depth);
        let width = pushed.len().min(held);
        let highest = pushed[pushed.len() - width..].iter().rev();
        let mut newest: SmallVec<[TweetRef; 32]> = highest.clone().map(|&a| self.last[a as usize]).collect();
        if newest.len() < held {
            // Each followee's slot of its second newest tweet, in its stripe, then back.
            let mut cursors: SmallVec<[(u32, u32); 32]> = highest
                .map(|&a| {
                    let stripe = self.partitioner.user_shard(a) as usize & (self.stripes.len() - 1);
                    (stripe as u32, self.stripes[stripe].get(self.newest[a as usize].load(Relaxed) as usize).prev)
                })
                .collect();
            'rounds: loop {
                for (stripe, slot) in &mut cursors {
                    if newest.len() == held {
                        break 'rounds;
                    }
                    let store = self.stripes[*stripe as usize];
                    newest.push(store.entry(*slot as usize));
                    *slot = store.get(*slot as usize).prev;
                }
            }
        }
        (received, newest)
    }
}
