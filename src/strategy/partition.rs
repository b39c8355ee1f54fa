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

pub fn build(kind: PartitionKind, shards: u32) -> Box<dyn Partitioner> {
    match kind {
        PartitionKind::UserHash => Box::new(UserHash { shards }),
        PartitionKind::TweetHash => Box::new(TweetHash { shards }),
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
    fn hashing_spreads_evenly() {
        for p in [build(PartitionKind::UserHash, 8), build(PartitionKind::TweetHash, 8)] {
            let mut counts = [0u32; 8];
            for t in 0..80_000u64 {
                counts[p.tweet_shard(t << 22, t as u32) as usize] += 1;
            }
            let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            assert!((*max as f64 / *min as f64) < 1.1, "{counts:?}");
        }
    }
}
