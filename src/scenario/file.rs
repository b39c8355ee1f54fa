//! Stage 1: the file forms, close to the YAML. Every struct denies unknown keys; values with
//! units and distributions stay raw (`serde_json::Value`) and are resolved in stage 2
//! (`scenario::resolve`), which knows their paths and so their positions.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::Op;
use crate::strategy::{BalanceKind, CacheKind, FanoutKind, PartitionKind, ReadPolicy};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub duration: Value,
    pub warmup: Option<Value>,
    pub model: String,
    pub population: PopulationFile,
    pub workload: WorkloadFile,
    pub system: SystemFile,
    #[serde(default)]
    pub faults: Vec<FaultFile>,
    #[serde(default)]
    pub slo: BTreeMap<Op, SloFile>,
    /// Variants to compare: key path → values (`tweetcap compare` runs every combination).
    #[serde(default)]
    pub matrix: BTreeMap<String, Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationFile {
    pub users: u64,
    pub graph: GraphFile,
    #[serde(default)]
    pub tweets_per_user: u32,
    /// The slice of the fleet to simulate: 1, a fraction 1/k (`1/32` or `0.03125`), or `auto`.
    pub sample: Option<Value>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Generator {
    PowerLaw,
    Uniform,
    File,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GraphFormat {
    Edgelist,
    Mtx,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphFile {
    pub generator: Generator,
    pub mean_follows: Option<f64>,
    pub follower_exponent: Option<f64>,
    pub path: Option<String>,
    pub format: Option<GraphFormat>,
    /// Each line of the file is a mutual follow (a→b and b→a), as DeathStarBench loads its graphs.
    pub undirected: Option<bool>,
    /// Accounts (users 0..count) given `followers` followers each, chosen at random.
    pub celebrities: Option<CelebritiesFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CelebritiesFile {
    pub count: u32,
    pub followers: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadFile {
    pub actor: Option<Value>,
    pub pattern: Option<PatternFile>,
    pub ops: OpsFile,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    Constant,
    Diurnal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternFile {
    pub kind: Option<PatternKind>,
    pub peak_to_mean: Option<f64>,
    pub period: Option<Value>,
    #[serde(default)]
    pub spikes: Vec<SpikeFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeFile {
    pub at: Value,
    #[serde(rename = "for")]
    pub length: Value,
    pub multiplier: f64,
    pub ops: Option<Vec<Op>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsFile {
    pub post_tweet: Option<PostFile>,
    pub home_timeline: Option<ReadFile>,
    pub user_timeline: Option<ReadFile>,
    pub like_tweet: Option<RateFile>,
    pub follow: Option<RateFile>,
    pub unfollow: Option<RateFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostFile {
    pub rate: f64,
    pub text_bytes: Option<Value>,
    pub image_probability: Option<f64>,
    pub image_bytes: Option<Value>,
    /// Probability that a post's author is one of `population.graph.celebrities`.
    pub celebrity_share: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadFile {
    pub rate: f64,
    pub page_size: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateFile {
    pub rate: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemFile {
    pub partitioning: PartitioningFile,
    pub fanout: FanoutFile,
    pub caches: Option<CachesFile>,
    pub load_balancing: Option<BalanceKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitioningFile {
    pub strategy: PartitionKind,
    pub shards: u32,
    pub replication: Option<u32>,
    /// Points per shard on the ring (consistent_hash only).
    pub vnodes: Option<u32>,
    pub read_policy: Option<ReadPolicy>,
    /// Length of a time bucket (time_range, user_time).
    pub time_bucket: Option<Value>,
    /// Shards per user group (user_time).
    pub group_size: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FanoutFile {
    pub strategy: FanoutKind,
    pub celebrity_followers: Option<u64>,
    pub timeline_length: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CachesFile {
    pub timeline: Option<CacheFile>,
    pub tweet: Option<CacheFile>,
    pub user: Option<CacheFile>,
    pub image: Option<CacheFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheFile {
    pub policy: CacheKind,
    pub nodes: Option<u32>,
    pub capacity_per_node: Option<Value>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum FaultKindFile {
    NodeDown,
    SlowNode,
    CacheFlush,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultFile {
    pub kind: FaultKindFile,
    pub target: String,
    pub at: Value,
    #[serde(rename = "for")]
    pub length: Option<Value>,
    /// slow_node: service times are multiplied by this.
    pub factor: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloFile {
    pub p50: Option<Value>,
    pub p90: Option<Value>,
    pub p99: Option<Value>,
    pub p999: Option<Value>,
    pub mean: Option<Value>,
}

// ---- model file ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub name: String,
    pub description: Option<String>,
    pub network: Option<NetworkFile>,
    #[serde(default)]
    pub nodes: NodesFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    pub rtt: Value,
    pub bandwidth: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NodesFile {
    pub app: Option<AppFile>,
    pub shard: Option<ShardFile>,
    pub cache: Option<CacheTierFile>,
    pub blob: Option<BlobFile>,
    pub fanout: Option<FanoutTierFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppFile {
    pub count: Option<u32>,
    pub servers: u32,
    pub service: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    pub servers: u32,
    pub read: Value,
    pub write: Value,
    pub per_item: Option<Value>,
    pub storage: Option<Value>,
    pub memory: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheTierFile {
    pub servers: u32,
    pub get: Value,
    pub set: Value,
    pub per_item: Option<Value>,
    pub memory: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobFile {
    pub count: Option<u32>,
    pub servers: u32,
    pub read: Value,
    pub write: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FanoutTierFile {
    pub count: Option<u32>,
    pub servers: u32,
    pub per_delivery: Value,
}
