//! Posting the users' history before a run (`population.tweets_per_user`) at once rather than
//! tweet by tweet. Posting a history of `m` tweets per user one by one delivers each tweet to
//! every follower it is pushed to: `m` times the edges in random writes, about 190 ns each at
//! the twitter shape, which made the set-up of a large population cost more than its run. A
//! home timeline only holds its newest entries (see `home`), so each is built instead from
//! its followees' newest tweets, and the others are counted: the tweets, the timelines, their
//! storage and the deliveries come out as posting one by one leaves them.

use rayon::prelude::*;
use smallvec::SmallVec;
use std::sync::atomic::Ordering::Relaxed;

use super::tweets::TweetStripe;
use super::{Kind, Service, TIMELINE_ENTRY_BYTES, TweetRef, lock};

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
        // Then every followee pushes to every follower, and nothing needs checking.
        let everyone = !per_edge && pushes.iter().all(|&p| p);
        let (length, depth) = (self.timeline_length as u64, self.held_entries);
        let shards = self.topology.shards as usize;

        let (grown, deliveries) = (0..users)
            .into_par_iter()
            .with_min_len(1 << 14)
            .fold(
                || (vec![0u64; shards], 0u64),
                |(mut grown, mut deliveries), h| {
                    let followees = self.graph.followees(h);
                    let filtered: SmallVec<[u32; 128]>;
                    let pushed: &[u32] = if everyone {
                        followees
                    } else {
                        filtered = followees
                            .iter()
                            .copied()
                            .filter(|&a| pushes[a as usize] && (!per_edge || self.fanout.push_to(a, h)))
                            .collect();
                        &filtered
                    };
                    let received = u64::from(per_user) * pushed.len() as u64;
                    if received == 0 {
                        return (grown, deliveries);
                    }
                    deliveries += received;
                    let stored = received.min(length);
                    grown[self.partitioner.user_shard(h) as usize] += stored;

                    // The newest `held` entries, newest first: round by round from the last,
                    // followees from the highest. Only the `width` highest followees are
                    // reached when one round fills them.
                    let held = (stored as usize).min(depth);
                    let width = pushed.len().min(held);
                    let highest = pushed[pushed.len() - width..].iter().rev();
                    let mut newest: SmallVec<[TweetRef; 32]> = highest.clone().map(|&a| last[a as usize]).collect();
                    if newest.len() < held {
                        self.deliver_earlier_rounds(highest, held, &stripes, &mut newest);
                    }
                    let mut home = lock(&self.homes[h as usize]);
                    debug_assert_eq!(home.len(), 0, "a history is posted before anything else");
                    for &e in newest.iter().rev() {
                        home.push(e, depth, self.timeline_length);
                    }
                    home.count_to(stored as usize);
                    (grown, deliveries)
                },
            )
            .reduce(
                || (vec![0u64; shards], 0u64),
                |(mut a, da), (b, db)| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    (a, da + db)
                },
            );
        drop(guards);
        for (shard, &entries) in grown.iter().enumerate() {
            if entries > 0 {
                self.add_bytes(Kind::Timelines, shard as u32, (entries * TIMELINE_ENTRY_BYTES) as i64);
            }
        }
        deliveries
    }

    /// Appends to `newest` (the last round's tweets of `followees`, highest first) the rounds
    /// before, round by round, until it holds `held` entries.
    fn deliver_earlier_rounds<'a>(
        &self,
        followees: impl Iterator<Item = &'a u32>,
        held: usize,
        stripes: &[&TweetStripe],
        newest: &mut SmallVec<[TweetRef; 32]>,
    ) {
        // Each followee's slot of its second newest tweet, in its stripe.
        let mut cursors: SmallVec<[(u32, u32); 32]> = followees
            .map(|&a| {
                let stripe = self.user_stripe(a);
                (stripe as u32, stripes[stripe].get(self.newest[a as usize].load(Relaxed) as usize).prev)
            })
            .collect();
        loop {
            for (stripe, slot) in &mut cursors {
                if newest.len() == held {
                    return;
                }
                let store = stripes[*stripe as usize];
                newest.push(store.entry(*slot as usize));
                *slot = store.get(*slot as usize).prev;
            }
        }
    }
}
