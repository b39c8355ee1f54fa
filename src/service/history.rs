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

use super::home::Home;
use super::plan::Plan;
use super::tweets::TweetStripe;
use super::{Kind, Lock, Locks, Service, TIMELINE_ENTRY_BYTES, TweetRef, lock};
use crate::graph::FollowGraph;
use crate::strategy::{FanoutPolicy, Partitioner};

impl<L: Locks> Service<L> {
    /// Posts `per_user` tweets for every user of a service that has none yet, in rounds: tweet
    /// `i` is by user `i mod users`, posted at `tweet(i).0` (milliseconds, non-decreasing in `i`)
    /// with `tweet(i).1` bytes of text and no image. The result is that of
    /// [`post_tweet`](Service::post_tweet) for each `i` in order, with its plan discarded.
    pub fn post_history(&mut self, per_user: u32, mut tweet: impl FnMut(u64) -> (i64, u32)) {
        let users = u64::from(self.users());
        let total = u64::from(per_user) * users;
        if total == 0 {
            return;
        }
        // The last round's tweets, user by user: the newest entries of most home timelines.
        let mut last = Vec::with_capacity(users as usize);
        let mut plan = Plan::default();
        for i in 0..total {
            let (at_ms, text) = tweet(i);
            plan.clear();
            let entry = self.store_tweet(at_ms, (i % users) as u32, text, 0, &mut plan);
            if i >= total - users {
                last.push(entry);
            }
        }
        let deliveries = self.deliver_history(per_user, &last);
        let mut c = lock(&self.counts);
        c.tweets += total;
        c.deliveries += deliveries;
    }

    /// Fills every home timeline with what the history posted by
    /// [`post_history`](Service::post_history) delivered to it, and counts its storage; returns
    /// the deliveries.
    ///
    /// In the history, user `a`'s `r`-th tweet is tweet `r * users + a`, so a home receives, in
    /// order, round by round, one tweet of each followee that pushes to it, in followee order.
    /// Its newest entries are then the last round's tweets of its highest followees (`last`,
    /// by user), then the round before's, and so on: each a step back along the followee's
    /// chain of tweets.
    fn deliver_history(&mut self, per_user: u32, last: &[TweetRef]) -> u64 {
        let users = self.users();
        // Whether each author pushes at all: the policy's decision on their follower count.
        let pushes: Vec<bool> = (0..users).map(|a| self.fanout.push(self.follower_count(a))).collect();
        let per_edge = self.fanout.per_edge();
        let shards = self.topology.shards as usize;
        let (depth, length) = (self.held_entries, self.timeline_length);
        let stripes: Vec<&TweetStripe> = self.tweets.iter_mut().map(|t| &*t.get_mut()).collect();
        let history = History {
            graph: &self.graph,
            fanout: &*self.fanout,
            partitioner: &*self.partitioner,
            // Then every followee pushes to every follower, and nothing needs checking.
            everyone: !per_edge && pushes.iter().all(|&p| p),
            pushes: &pushes,
            per_edge,
            per_user: u64::from(per_user),
            length: length as u64,
            depth,
            last,
            newest: &self.newest,
            stripes: &stripes,
        };
        // Homes are independent: each is worked out from shared, read-only state and written
        // once, on all cores. The counts are sums, the same in any order.
        let (grown, deliveries) = self
            .homes
            .par_iter_mut()
            .enumerate()
            .with_min_len(1 << 12)
            .map(|(h, slot)| {
                let h = h as u32;
                let (received, newest) = history.home(h);
                if received > 0 {
                    *slot.get_mut() =
                        Home::after_pushes(newest.iter().rev().copied(), received as usize, depth, length);
                }
                (history.partitioner.user_shard(h), received.min(history.length), received)
            })
            .fold(
                || (vec![0u64; shards], 0u64),
                |(mut grown, total), (shard, stored, received)| {
                    grown[shard as usize] += stored;
                    (grown, total + received)
                },
            )
            .reduce(
                || (vec![0u64; shards], 0u64),
                |(mut a, x), (b, y)| {
                    a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                    (a, x + y)
                },
            );
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
