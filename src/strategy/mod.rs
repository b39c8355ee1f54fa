//! The swappable strategies, one module per family, one small trait per family and one type
//! per policy. A scenario names a policy by its `*Kind`; `build` turns the kind into the
//! boxed strategy. The service only sees the traits; strategies never know about time.

pub mod balance;
pub mod cache;
pub mod fanout;
pub mod partition;

use serde::{Deserialize, Serialize};

pub use balance::Balancer;
pub use cache::Cache;
pub use fanout::FanoutPolicy;
pub use partition::Partitioner;

/// Partitioning policies (`system.partitioning.strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionKind {
    /// Everything of a user (tweets, timelines, likes, graph) on the shard of hash(user).
    UserHash,
    /// Tweets on the shard of hash(tweet id); per-user data on the shard of hash(user).
    TweetHash,
    /// Everything of a user on the shard that owns the user's point on a hash ring
    /// (`vnodes` points per shard): adding a shard moves about 1/N of the users.
    ConsistentHash,
    /// Tweets by time bucket (bucket b on shard b mod N); per-user data on hash(user).
    TimeRange,
    /// Users hashed to a group of `group_size` shards; their tweets by time bucket inside it.
    UserTime,
}

/// Fan-out policies (`system.fanout.strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FanoutKind {
    Push,
    Pull,
    Hybrid,
    /// Per follow edge, push or pull by which costs less (Feeding Frenzy).
    CostBased,
}

/// Cache policies (`system.caches.<layer>.policy`, and `cache-replay --policy` under the same
/// names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum CacheKind {
    #[value(skip)]
    None,
    Lru,
    Fifo,
    Lfu,
    Sieve,
    S3fifo,
    Arc,
    /// W-TinyLFU: a window LRU, a segmented LRU main and a frequency sketch for admission.
    Wtinylfu,
}

/// Load-balancing policies (`system.load_balancing`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceKind {
    RoundRobin,
    Random,
    LeastOutstanding,
    /// Power of two choices.
    P2c,
}

/// Which replica of a shard serves a read (`system.partitioning.read_policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadPolicy {
    /// Any live replica, chosen by the load balancer.
    Balanced,
    /// The primary while it is up; the next live replica when it is down.
    Primary,
}

/// The name a scenario file uses for a policy (`user_hash`, `s3fifo`, ...).
pub fn name(kind: impl Serialize) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
