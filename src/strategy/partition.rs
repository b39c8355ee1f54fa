//! Partitioning: which shard holds a user's data and which holds a tweet.
//!
//! Replicas of shard `s` sit on shard nodes `s, s+1, ... s+replication-1` (mod shards), so
//! every replica of a shard is on a distinct node.

use super::PartitionKind;
use crate::ids;
use crate::seed::{bucket, mix};

/// The partitioning a scenario configures (`system.partitioning`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct PartitionSpec {
    pub strategy: PartitionKind,
    pub shards: u32,
    pub replication: u32,
    /// Points per shard on the ring of `consistent_hash` (0 for other strategies).
    pub vnodes: u32,
    pub read_policy: super::ReadPolicy,
    /// Length of a time bucket (`time_range`, `user_time`), nanoseconds.
    pub time_bucket_ns: u64,
    /// Shards per user group (`user_time`; 1 for other strategies).
    pub group_size: u32,
}

pub trait Partitioner: Send + Sync {
    /// The shard of a user's own data: their tweet index, home timeline, favourites, follows.
    fn user_shard(&self, user: u32) -> u32;
    /// The shard holding a tweet's body and like count.
    fn tweet_shard(&self, tweet: u64, author: u32) -> u32;
    fn shards(&self) -> u32;
    /// Whether every tweet is on its author's shard (`tweet_shard(t, a) == user_shard(a)` for
    /// all t), so that a page's shards are found once per author rather than once per tweet.
    fn tweets_with_author(&self) -> bool {
        false
    }
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
    fn tweets_with_author(&self) -> bool {
        true
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
    fn tweets_with_author(&self) -> bool {
        true
    }
}

/// Tweets by the time bucket of their id: bucket b on shard b mod N. User data by hash(user).
/// The newest bucket takes every new tweet and most reads: one hot shard at a time.
pub struct TimeRange {
    pub shards: u32,
    pub bucket_ms: u64,
}

impl Partitioner for TimeRange {
    #[inline]
    fn user_shard(&self, user: u32) -> u32 {
        bucket(mix(user as u64), self.shards)
    }
    #[inline]
    fn tweet_shard(&self, tweet: u64, _author: u32) -> u32 {
        ((ids::millis(tweet) / self.bucket_ms) % self.shards as u64) as u32
    }
    fn shards(&self) -> u32 {
        self.shards
    }
}

/// Users hashed to a group of `group_size` consecutive shards; inside the group, a user's data
/// on one shard by hash and their tweets by time bucket. A user's timeline reads stay within
/// one group, and the hot newest bucket is spread over every group.
pub struct UserTime {
    pub shards: u32,
    pub group_size: u32,
    pub bucket_ms: u64,
}

impl UserTime {
    #[inline]
    fn group(&self, user: u32) -> u32 {
        bucket(mix(user as u64), self.shards / self.group_size)
    }
}

impl Partitioner for UserTime {
    #[inline]
    fn user_shard(&self, user: u32) -> u32 {
        self.group(user) * self.group_size + bucket(mix(user as u64 ^ 0x2545_f491_4f6c_dd1d), self.group_size)
    }
    #[inline]
    fn tweet_shard(&self, tweet: u64, author: u32) -> u32 {
        let b = ((ids::millis(tweet) / self.bucket_ms) % self.group_size as u64) as u32;
        self.group(author) * self.group_size + b
    }
    fn shards(&self) -> u32 {
        self.shards
    }
}

/// A partitioner of `kind` over `shards` with the scenario defaults for everything else
/// (`vnodes` points per shard on a ring, 1h time buckets, groups of up to 4 shards).
pub fn of_kind(kind: PartitionKind, shards: u32, vnodes: u32) -> Box<dyn Partitioner> {
    let group_size = (1..=shards.min(4)).rev().find(|g| shards.is_multiple_of(*g)).unwrap_or(1);
    build(&PartitionSpec {
        strategy: kind,
        shards,
        replication: 1,
        vnodes,
        read_policy: super::ReadPolicy::Balanced,
        time_bucket_ns: 3_600_000_000_000,
        group_size,
    })
}

/// The partitioner a scenario names.
pub fn build(p: &PartitionSpec) -> Box<dyn Partitioner> {
    with_shards(p, p.shards)
}

/// The partitioner a scenario names, with another number of shards (to measure what moves
/// when a shard is added or removed). `user_time` keeps its group size where it divides
/// `shards`, else uses groups of one.
pub fn with_shards(p: &PartitionSpec, shards: u32) -> Box<dyn Partitioner> {
    let bucket_ms = (p.time_bucket_ns / 1_000_000).max(1);
    match p.strategy {
        PartitionKind::UserHash => Box::new(UserHash { shards }),
        PartitionKind::TweetHash => Box::new(TweetHash { shards }),
        PartitionKind::ConsistentHash => Box::new(ConsistentHash::new(shards, p.vnodes)),
        PartitionKind::TimeRange => Box::new(TimeRange { shards, bucket_ms }),
        PartitionKind::UserTime => {
            let group_size = if shards.is_multiple_of(p.group_size) { p.group_size } else { 1 };
            Box::new(UserTime { shards, group_size, bucket_ms })
        }
    }
}

/// Of the `keys` (user or tweet with author), the fraction whose shard differs between `a`
/// and `b`: users by `user_shard`, tweets by `tweet_shard`.
pub fn moved_fraction(a: &dyn Partitioner, b: &dyn Partitioner, users: u32, tweets: &[(u64, u32)]) -> (f64, f64) {
    let moved_users = (0..users).filter(|&u| a.user_shard(u) != b.user_shard(u)).count();
    let moved_tweets = tweets.iter().filter(|&&(t, au)| a.tweet_shard(t, au) != b.tweet_shard(t, au)).count();
    let frac = |m: usize, n: usize| if n == 0 { 0.0 } else { m as f64 / n as f64 };
    (frac(moved_users, users as usize), frac(moved_tweets, tweets.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::ReadPolicy;

    fn spec(strategy: PartitionKind) -> PartitionSpec {
        PartitionSpec {
            strategy,
            shards: 8,
            replication: 1,
            vnodes: 100,
            read_policy: ReadPolicy::Balanced,
            time_bucket_ns: 3_600_000_000_000,
            group_size: 4,
        }
    }

    /// An id made at `ms` milliseconds.
    fn id_at(ms: u64) -> u64 {
        ms << (ids::WORKER_BITS + ids::SEQUENCE_BITS)
    }

    #[test]
    fn time_range_puts_each_hour_on_the_next_shard() {
        let p = TimeRange { shards: 4, bucket_ms: 3_600_000 };
        let hour = 3_600_000;
        let shards: Vec<u32> = (0..6).map(|h| p.tweet_shard(id_at(h * hour + 17), 99)).collect();
        assert_eq!(shards, [0, 1, 2, 3, 0, 1]);
        // Every tweet of one hour, whoever wrote it, on one shard: the hot one.
        assert!((0..1000).all(|a| p.tweet_shard(id_at(5 * hour + a as u64), a) == 1));
    }

    #[test]
    fn user_time_keeps_a_user_in_one_group_and_spreads_buckets_inside_it() {
        let p = UserTime { shards: 12, group_size: 3, bucket_ms: 1000 };
        for user in 0..500u32 {
            let home = p.user_shard(user);
            let group = home / 3;
            let tweets: Vec<u32> = (0..6).map(|b| p.tweet_shard(id_at(b * 1000), user)).collect();
            assert!(tweets.iter().all(|&s| s / 3 == group), "user {user}: {home} vs {tweets:?}");
            assert_eq!(tweets, [0, 1, 2, 0, 1, 2].map(|i| group * 3 + i));
        }
        // The groups are used about evenly.
        let mut groups = [0u32; 4];
        for u in 0..40_000 {
            groups[(p.user_shard(u) / 3) as usize] += 1;
        }
        assert!(groups.iter().all(|&g| (9_000..11_000).contains(&g)), "{groups:?}");
    }

    #[test]
    fn moved_fraction_counts_users_and_tweets() {
        let a = UserHash { shards: 4 };
        let tweets: Vec<(u64, u32)> = (0..100).map(|u| (u as u64, u)).collect();
        assert_eq!(moved_fraction(&a, &a, 100, &tweets), (0.0, 0.0));
        // Adding a shard to a modulo-style hash moves most keys; tweets follow their authors.
        let b = UserHash { shards: 5 };
        let (users, tw) = moved_fraction(&a, &b, 100, &tweets);
        assert!(users > 0.5 && users == tw, "{users} {tw}");
        // Tweets of time_range move only when their bucket's shard changes.
        let t4 = TimeRange { shards: 4, bucket_ms: 1 };
        let t5 = TimeRange { shards: 5, bucket_ms: 1 };
        let tweets: Vec<(u64, u32)> = (0..20).map(|ms| (id_at(ms), 0)).collect();
        let (_, tw) = moved_fraction(&t4, &t5, 0, &tweets);
        // Buckets 0..4 keep their shard (b mod 4 == b mod 5 for b < 4): 4 of 20 stay.
        assert_eq!(tw, 16.0 / 20.0);
    }

    /// `tweets_with_author` is what each partitioner does: true exactly when no tweet of a
    /// sample (many authors, ids over several days) is off its author's shard.
    #[test]
    fn tweets_with_author_says_what_each_partitioner_does() {
        use PartitionKind::*;
        let hour = 3_600_000;
        for kind in [UserHash, TweetHash, ConsistentHash, TimeRange, UserTime] {
            let p = of_kind(kind, 8, 100);
            let off = (0..2000u32)
                .filter(|&a| {
                    let tweet = id_at(a as u64 * 7 * hour / 100 + a as u64) | ((a as u64 % 1024) << ids::SEQUENCE_BITS);
                    p.tweet_shard(tweet, a) != p.user_shard(a)
                })
                .count();
            assert_eq!(p.tweets_with_author(), off == 0, "{kind:?}: {off} of 2000 tweets off their author's shard");
        }
    }

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
        for p in [with_shards(&spec(PartitionKind::UserHash), 8), with_shards(&spec(PartitionKind::TweetHash), 8)] {
            let mut counts = [0u32; 8];
            for t in 0..80_000u64 {
                counts[p.tweet_shard(t << 22, t as u32) as usize] += 1;
            }
            let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            assert!((*max as f64 / *min as f64) < 1.1, "{counts:?}");
        }
    }
}
