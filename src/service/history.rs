//! A history posted before the run (`population.tweets_per_user`), built faster than posting
//! it request by request and to the same state. The tweets are stored one after another, as
//! posts store them (their ids depend on the order); the fan-out is then done home timeline by
//! home timeline rather than post by post: each home gathers what its followees posted, in
//! posting order, and keeps the newest entries as the pushes would have left them. A home is
//! written once, from memory read in order, and homes are independent, so they are built on
//! all cores; the counts they add up to are sums, the same in any order.

use rayon::prelude::*;

use super::home::Home;
use super::plan::Plan;
use super::{Kind, Lock, Locks, Service, TIMELINE_ENTRY_BYTES, TweetRef, lock};

/// One post of a history: when (milliseconds, as [`Service::post_tweet`] takes them), by whom,
/// and its text bytes.
#[derive(Clone, Copy, Debug)]
pub struct PastPost {
    pub at_ms: i64,
    pub author: u32,
    pub text_bytes: u32,
}

impl<L: Locks> Service<L> {
    /// Posts `posts` in order, without images, leaving the state that posting each with
    /// [`Service::post_tweet`] leaves. For a service that has served no request (the follow
    /// graph as built: no follows or unfollows yet).
    pub fn post_history(&mut self, posts: &[PastPost]) {
        debug_assert_eq!(self.counts().follows + self.counts().unfollows, 0, "a history comes first");
        assert!(u32::try_from(posts.len()).is_ok(), "a history of at most 2^32 posts");
        let mut plan = Plan::default();
        let stored: Vec<TweetRef> = posts
            .iter()
            .map(|p| {
                plan.clear();
                self.store_tweet(p.at_ms, p.author, p.text_bytes, 0, &mut plan)
            })
            .collect();
        let by_author = PostsByAuthor::new(posts, self.users());
        // Whether each author's posts are pushed, by its follower count (which the history
        // does not change).
        let pushed: Vec<bool> = (0..self.users()).map(|a| self.fanout.push(self.follower_count(a))).collect();

        let (graph, fanout, partitioner) = (&self.graph, &*self.fanout, &*self.partitioner);
        let (depth, length) = (self.held_entries, self.timeline_length);
        let shards = self.topology.shards as usize;
        // Per shard: timeline entries counted; and deliveries in all.
        let (timelines, deliveries) = self
            .homes
            .par_iter_mut()
            .enumerate()
            .map_init(Vec::new, |delivered, (home, slot)| {
                let home = home as u32;
                delivered.clear();
                for &a in graph.followees(home) {
                    if pushed[a as usize] && (!fanout.per_edge() || fanout.push_to(a, home)) {
                        by_author.extend(a, delivered);
                    }
                }
                let n = delivered.len();
                // The newest `depth` (or all), in posting order: the ones a ring keeps.
                if n > depth {
                    delivered.select_nth_unstable(n - depth - 1);
                    delivered.drain(..n - depth);
                }
                delivered.sort_unstable();
                let newest = delivered.iter().map(|&i| stored[i as usize]);
                *slot.get_mut() = Home::after_pushes(newest, n, depth, length);
                (partitioner.user_shard(home), n.min(length) as u64, n as u64)
            })
            .fold(
                || (vec![0u64; shards], 0u64),
                |(mut by_shard, total), (shard, counted, n)| {
                    by_shard[shard as usize] += counted;
                    (by_shard, total + n)
                },
            )
            .reduce(
                || (vec![0u64; shards], 0u64),
                |(mut a, x), (b, y)| {
                    a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                    (a, x + y)
                },
            );
        for (shard, &entries) in timelines.iter().enumerate() {
            if entries > 0 {
                self.add_bytes(Kind::Timelines, shard as u32, (entries * TIMELINE_ENTRY_BYTES) as i64);
            }
        }
        let mut c = lock(&self.counts);
        c.tweets += posts.len() as u64;
        c.deliveries += deliveries;
    }
}

/// The posts of a history by author, each author's in posting order (indices into it).
enum PostsByAuthor {
    /// Post `i` is by user `i mod users` (a preloaded history): author `a`'s posts are
    /// `a, a + users, a + 2 users, ...`, found without a table.
    RoundRobin { users: u32, rounds: u32 },
    /// Author `a`'s posts are `posts[starts[a]..starts[a + 1]]`.
    Lists { starts: Vec<u32>, posts: Vec<u32> },
}

impl PostsByAuthor {
    fn new(history: &[PastPost], users: u32) -> PostsByAuthor {
        let round_robin = users > 0
            && history.len().is_multiple_of(users as usize)
            && history.iter().enumerate().all(|(i, p)| p.author as usize == i % users as usize);
        if round_robin {
            return PostsByAuthor::RoundRobin { users, rounds: (history.len() / users as usize) as u32 };
        }
        PostsByAuthor::lists(history, users)
    }

    /// Each author's list of posts, for any history.
    fn lists(history: &[PastPost], users: u32) -> PostsByAuthor {
        let mut starts = vec![0u32; users as usize + 1];
        for p in history {
            starts[p.author as usize + 1] += 1;
        }
        for a in 0..users as usize {
            starts[a + 1] += starts[a];
        }
        let mut next = starts.clone();
        let mut posts = vec![0u32; history.len()];
        for (i, p) in history.iter().enumerate() {
            posts[next[p.author as usize] as usize] = i as u32;
            next[p.author as usize] += 1;
        }
        PostsByAuthor::Lists { starts, posts }
    }

    /// Appends `author`'s posts to `out`.
    #[inline]
    fn extend(&self, author: u32, out: &mut Vec<u32>) {
        match self {
            PostsByAuthor::RoundRobin { users, rounds } => out.extend((0..*rounds).map(|r| r * users + author)),
            PostsByAuthor::Lists { starts, posts } => {
                out.extend_from_slice(&posts[starts[author as usize] as usize..starts[author as usize + 1] as usize])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posts(authors: impl IntoIterator<Item = u32>) -> Vec<PastPost> {
        authors.into_iter().map(|author| PastPost { at_ms: 0, author, text_bytes: 1 }).collect()
    }

    fn each(p: &PostsByAuthor, users: u32) -> Vec<Vec<u32>> {
        (0..users)
            .map(|a| {
                let mut out = Vec::new();
                p.extend(a, &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn posts_by_author_in_posting_order() {
        // Round robin over 5 users, 3 rounds: found without a table, as the lists have them.
        let history = posts((0..15).map(|i| i % 5));
        let fast = PostsByAuthor::new(&history, 5);
        assert!(matches!(fast, PostsByAuthor::RoundRobin { users: 5, rounds: 3 }));
        assert_eq!(each(&fast, 5), each(&PostsByAuthor::lists(&history, 5), 5));
        assert_eq!(each(&fast, 5)[2], [2, 7, 12]);
        // Any other order: lists.
        let history = posts([3, 0, 3, 1, 0]);
        let p = PostsByAuthor::new(&history, 4);
        assert!(matches!(p, PostsByAuthor::Lists { .. }));
        assert_eq!(each(&p, 4), [vec![1, 4], vec![3], vec![], vec![0, 2]]);
    }
}
