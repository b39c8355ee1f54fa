//! Partitioning: which shard holds a user's data and which holds a tweet.
//!
//! Replicas of shard `s` sit on shard nodes `s, s+1, ... s+replication-1` (mod shards), so
//! every replica of a shard is on a distinct node.

use super::{PartitionKind, bucket, mix};

pub trait Partitioner: Send + Sync {
    /// The shard of a user's own data: their tweet index, home timeline, favourites, follows.
    fn user_shard(&self, user: u32) -> u32;
    /// The shard holding a tweet's body and like count.
    fn tweet_shard(&self, tweet: u64, author: u32) -> u32;
    fn shards(&self) -> u32;
}

/// All of a user's data, tweets included, on the shard of hash(user).
pub struct UserHash {
    pub shards: u32,
}

impl Partitioner for UserHash {
    #[inline]
    fn user_shard(&self, user: u32) -> u32 {
        bucket(mix(user as u64), self.shards)
    }
    #[inline]
    fn tweet_shard(&self, _tweet: u64, author: u32) -> u32 {
        self.user_shard(author)
    }
    fn shards(&self) -> u32 {
        self.shards
    }
}

/// Tweets spread by hash(tweet id); a user's index and timeline by hash(user).
pub struct TweetHash {
    pub shards: u32,
}

impl Partitioner for TweetHash {
    #[inline]
    fn user_shard(&self, user: u32) -> u32 {
        bucket(mix(user as u64), self.shards)
    }
    #[inline]
    fn tweet_shard(&self, tweet: u64, _author: u32) -> u32 {
        bucket(mix(tweet), self.shards)
    }
    fn shards(&self) -> u32 {
        self.shards
    }
}

/// Users (and their tweets) placed on a hash ring: each shard owns `vnodes` points, and a user
/// belongs to the first point at or after the user's hash. Adding or removing a shard moves
/// only the users between its points and their predecessors: about 1/N of them.
pub struct ConsistentHash {
    shards: u32,
    /// (point, shard), sorted by point.
    ring: Vec<(u64, u32)>,
}

impl ConsistentHash {
    pub fn new(shards: u32, vnodes: u32) -> ConsistentHash {
        let mut ring: Vec<(u64, u32)> = (0..shards)
            .flat_map(|s| (0..vnodes).map(move |v| (mix(((s as u64) << 32) | (v as u64 ^ 0x5bd1_e995)), s)))
            .collect();
        ring.sort_unstable();
        ConsistentHash { shards, ring }
    }

    #[inline]
    fn owner(&self, hash: u64) -> u32 {
        let i = self.ring.partition_point(|&(point, _)| point < hash);
        self.ring.get(i).unwrap_or(&self.ring[0]).1
    }
}

impl Partitioner for ConsistentHash {
    #[inline]
    fn user_shard(&self, user: u32) -> u32 {
        self.owner(mix(user as u64))
    }
    #[inline]
    fn tweet_shard(&self, _tweet: u64, author: u32) -> u32 {
        self.user_shard(author)
    }
    fn shards(&self) -> u32 {
        self.shards
    }
}

/// The partitioner a scenario names; `vnodes` is used by `consistent_hash` only.
pub fn build(kind: PartitionKind, shards: u32, vnodes: u32) -> Box<dyn Partitioner> {
    match kind {
        PartitionKind::UserHash => Box::new(UserHash { shards }),
        PartitionKind::TweetHash => Box::new(TweetHash { shards }),
        PartitionKind::ConsistentHash => Box::new(ConsistentHash::new(shards, vnodes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_hash_keeps_tweets_with_author() {
        let p = UserHash { shards: 16 };
        for u in 0..1000 {
            assert_eq!(p.tweet_shard(u as u64 * 7919, u), p.user_shard(u));
        }
    }

    #[test]
    fn ring_moves_about_one_nth_of_the_users() {
        let users = 100_000u32;
        let moved = |a: &ConsistentHash, b: &ConsistentHash| {
            (0..users).filter(|&u| a.user_shard(u) != b.user_shard(u)).count() as f64 / users as f64
        };
        let ring16 = ConsistentHash::new(16, 200);
        // Adding a 17th shard moves the users it takes over, about 1/17, and only to it.
        let ring17 = ConsistentHash::new(17, 200);
        let added = moved(&ring16, &ring17);
        assert!((added - 1.0 / 17.0).abs() < 0.015, "{added}");
        assert!((0..users).all(|u| ring16.user_shard(u) == ring17.user_shard(u) || ring17.user_shard(u) == 16));
        // A modulo hash would move almost everything.
        let (h16, h17) = (UserHash { shards: 16 }, UserHash { shards: 17 });
        let modulo = (0..users).filter(|&u| h16.user_shard(u) != h17.user_shard(u)).count() as f64 / users as f64;
        assert!(modulo > 0.5, "{modulo}");
        // With 200 points per shard the load is within 25% of even.
        let mut counts = [0u32; 16];
        for u in 0..users {
            counts[ring16.user_shard(u) as usize] += 1;
        }
        let mean = users as f64 / 16.0;
        assert!(counts.iter().all(|&c| (c as f64 / mean - 1.0).abs() < 0.25), "{counts:?}");
    }

    #[test]
    fn hashing_spreads_evenly() {
        for p in [build(PartitionKind::UserHash, 8, 0), build(PartitionKind::TweetHash, 8, 0)] {
            let mut counts = [0u32; 8];
            for t in 0..80_000u64 {
                counts[p.tweet_shard(t << 22, t as u32) as usize] += 1;
            }
            let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            assert!((*max as f64 / *min as f64) < 1.1, "{counts:?}");
        }
    }
}
