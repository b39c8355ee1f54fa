//! Scenario and model files: loading, units, distributions and validation.
//!
//! `load` reads a scenario (and the model it names), applies `--seed` and `--set` overrides,
//! parses it into the file form (`file`, unknown keys refused) and validates it into the
//! resolved [`Scenario`] that the rest of the tool runs. Every problem found is reported as
//! `file:line:column: message`; nothing downstream re-checks input.

pub mod dist;
pub mod file;
pub mod slice;
pub mod units;
pub mod yaml;

mod resolve;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use dist::Dist;
pub use file::GraphFormat;
pub use resolve::{load_model, machine_memory_bytes};
pub use slice::Sample;

use crate::strategy::BalanceKind;
use crate::strategy::cache::CacheSpec;
use crate::strategy::fanout::FanoutSpec;
use crate::strategy::partition::PartitionSpec;
use crate::tier::{Tier, Topology};

/// The operations of the service API, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    PostTweet,
    HomeTimeline,
    UserTimeline,
    LikeTweet,
    Follow,
    Unfollow,
}

impl Op {
    pub const ALL: [Op; 6] =
        [Op::PostTweet, Op::HomeTimeline, Op::UserTimeline, Op::LikeTweet, Op::Follow, Op::Unfollow];

    pub fn name(self) -> &'static str {
        match self {
            Op::PostTweet => "post_tweet",
            Op::HomeTimeline => "home_timeline",
            Op::UserTimeline => "user_timeline",
            Op::LikeTweet => "like_tweet",
            Op::Follow => "follow",
            Op::Unfollow => "unfollow",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One problem in an input file, with its position where one exists.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    pub origin: yaml::Origin,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            yaml::Origin::File { line, column } => {
                write!(f, "{}:{line}:{column}: {}", self.file.display(), self.message)
            }
            yaml::Origin::Override(a) => write!(f, "{}: --set {a}: {}", self.file.display(), self.message),
            yaml::Origin::Unknown => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Everything that can be wrong with a scenario. Each problem names file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read: check the path (relative paths are relative to the file naming them).
    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The file has problems; each one says where and what is allowed.
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Overrides applied before validation.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub seed: Option<u64>,
    /// `key.path=value` assignments, as given to `--set`.
    pub set: Vec<String>,
}

/// The follow graph to build or load.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "generator", rename_all = "snake_case")]
pub enum GraphSpec {
    PowerLaw { mean_follows: f64, follower_exponent: f64 },
    Uniform { mean_follows: f64 },
    File { path: PathBuf, format: GraphFormat, undirected: bool },
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Population {
    pub users: u32,
    pub graph: GraphSpec,
    pub tweets_per_user: u32,
    /// Users 0..count are celebrities with `followers` followers each, on top of the graph.
    pub celebrities: Option<Celebrities>,
    /// The slice of the fleet this run simulates (`population.sample`); whole by default.
    #[serde(skip_serializing_if = "Sample::is_whole")]
    pub sample: Sample,
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Celebrities {
    pub count: u32,
    pub followers: u32,
}

/// Who acts: uniform over users, or Zipf over a fixed random ranking of users.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Actor {
    Uniform,
    Zipf { s: f64 },
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Spike {
    pub at_ns: u64,
    pub for_ns: u64,
    pub multiplier: f64,
    /// Operations the spike applies to; empty means all.
    pub ops: Vec<Op>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Pattern {
    /// `None` for constant; `Some((peak_to_mean, period_ns))` for diurnal.
    pub diurnal: Option<(f64, u64)>,
    pub spikes: Vec<Spike>,
}

impl Pattern {
    /// The multiplier of `op`'s rate at simulated time `t_ns` (measured from the start of warm-up).
    pub fn multiplier(&self, op: Op, t_ns: u64) -> f64 {
        let mut m = match self.diurnal {
            None => 1.0,
            Some((peak, period)) => {
                let phase = (t_ns % period) as f64 / period as f64;
                1.0 + (peak - 1.0) * (2.0 * std::f64::consts::PI * phase).sin()
            }
        };
        for s in &self.spikes {
            if t_ns >= s.at_ns && t_ns < s.at_ns + s.for_ns && (s.ops.is_empty() || s.ops.contains(&op)) {
                m *= s.multiplier;
            }
        }
        m
    }

    /// The highest `multiplier(op, t)` over all t: the diurnal peak times the largest product
    /// of spikes active at one moment (found by sweeping the spikes' start and end points).
    pub fn max_multiplier(&self, op: Op) -> f64 {
        let base = self.diurnal.map_or(1.0, |(peak, _)| peak);
        let applies: Vec<&Spike> = self.spikes.iter().filter(|s| s.ops.is_empty() || s.ops.contains(&op)).collect();
        let spikes = applies
            .iter()
            .map(|at| {
                // The product of the spikes active at the start of this one (spikes that
                // lower the rate are left out: the bound is for the highest rate).
                applies
                    .iter()
                    .filter(|s| s.at_ns <= at.at_ns && at.at_ns < s.at_ns + s.for_ns)
                    .map(|s| s.multiplier.max(1.0))
                    .product::<f64>()
            })
            .fold(1.0, f64::max);
        base * spikes
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct OpSpec {
    pub rate: f64,
    pub page_size: u32,
    pub text_bytes: Dist,
    pub image_probability: f64,
    pub image_bytes: Dist,
    /// Probability that a post is by a celebrity (post_tweet only).
    pub celebrity_share: f64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Workload {
    pub actor: Actor,
    pub pattern: Pattern,
    /// Indexed by `Op::index()`.
    pub ops: Vec<OpSpec>,
}

impl Workload {
    pub fn op(&self, op: Op) -> &OpSpec {
        &self.ops[op.index()]
    }
}

/// What a fault does to its nodes.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaultKind {
    /// The nodes serve nothing: reads fail over to another replica or node, a cache node's keys
    /// miss (and it comes back empty), and a visit with nowhere else to go fails its request.
    NodeDown,
    /// Service times at the nodes are multiplied by `factor`.
    SlowNode { factor: f64 },
    /// The cache nodes lose their contents at `at` (a cold restart).
    CacheFlush,
}

impl FaultKind {
    /// The name a scenario file uses (`node_down`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::NodeDown => "node_down",
            FaultKind::SlowNode { .. } => "slow_node",
            FaultKind::CacheFlush => "cache_flush",
        }
    }

    /// The slow-down factor of a `slow_node`.
    pub fn factor(self) -> Option<f64> {
        match self {
            FaultKind::SlowNode { factor } => Some(factor),
            _ => None,
        }
    }
}

/// A fault injected into the run (`faults:`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Fault {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// As written: `shard[3]`, `cache.timeline`, ...
    pub target: String,
    #[serde(skip)]
    pub tier: Tier,
    /// The nodes of the tier hit: `first..first + count`.
    pub first: u32,
    pub count: u32,
    /// On the engine's clock (warm-up included), nanoseconds.
    pub at_ns: u64,
    /// 0 for an instantaneous fault (cache_flush).
    pub for_ns: u64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct System {
    pub partitioning: PartitionSpec,
    pub fanout: FanoutSpec,
    pub timeline_cache: Option<CacheSpec>,
    pub tweet_cache: Option<CacheSpec>,
    pub user_cache: Option<CacheSpec>,
    pub image_cache: Option<CacheSpec>,
    pub load_balancing: BalanceKind,
}

/// A latency target for one operation; any subset of the statistics, in microseconds.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Slo {
    pub p50_us: Option<f64>,
    pub p90_us: Option<f64>,
    pub p99_us: Option<f64>,
    pub p999_us: Option<f64>,
    pub mean_us: Option<f64>,
}

/// Cost of one kind of node. Missing tiers in the model cost nothing (their visits are free).
#[derive(Clone, Debug, serde::Serialize)]
pub struct TierModel {
    pub count: u32,
    pub servers: u32,
    /// Service time of a read (app: a request; cache: a get), nanoseconds.
    pub read: Dist,
    /// Service time of a write (cache: a set), nanoseconds.
    pub write: Dist,
    /// Added per item touched (fan-out tier: per delivery), nanoseconds.
    pub per_item_ns: f64,
    pub memory_bytes: Option<f64>,
    pub storage_bytes: Option<f64>,
}

/// The node count of each tier: the model's counts (one node where the model leaves a tier
/// out), the system's shards and cache layers (none where a layer is left out). The one place
/// this mapping is written.
pub fn topology(model: &Model, system: &System) -> Topology {
    let count = |t: &Option<TierModel>| t.as_ref().map_or(1, |t| t.count);
    topology_with(system, count(&model.app), count(&model.blob), count(&model.fanout))
}

/// The topology of `system`, with the node counts of the tiers the model sizes given.
pub(crate) fn topology_with(system: &System, app: u32, blob: u32, fanout: u32) -> Topology {
    let nodes = |layer: &Option<CacheSpec>| layer.as_ref().map_or(0, |c| c.nodes);
    Topology {
        app,
        shards: system.partitioning.shards,
        replication: system.partitioning.replication,
        timeline_cache: nodes(&system.timeline_cache),
        tweet_cache: nodes(&system.tweet_cache),
        user_cache: nodes(&system.user_cache),
        image_cache: nodes(&system.image_cache),
        blob,
        fanout,
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Model {
    pub name: String,
    pub path: PathBuf,
    pub rtt_ns: f64,
    /// Bytes per second of each node's link; `None` means unlimited.
    pub bandwidth_bytes_per_s: Option<f64>,
    pub app: Option<TierModel>,
    pub shard: Option<TierModel>,
    pub cache: Option<TierModel>,
    pub blob: Option<TierModel>,
    pub fanout: Option<TierModel>,
}

impl Model {
    /// What a node of `tier` costs (every cache layer uses the cache model); `None` when the
    /// model leaves the tier out.
    pub fn tier(&self, tier: Tier) -> Option<&TierModel> {
        match tier {
            Tier::App => self.app.as_ref(),
            Tier::Shard => self.shard.as_ref(),
            Tier::TimelineCache | Tier::TweetCache | Tier::UserCache | Tier::ImageCache => self.cache.as_ref(),
            Tier::Blob => self.blob.as_ref(),
            Tier::Fanout => self.fanout.as_ref(),
        }
    }
}

/// A validated scenario with every unit resolved: the one canonical plan of a run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    /// sha256 of the scenario file's bytes, hex.
    pub file_sha256: String,
    pub overrides: Vec<String>,
    pub seed: u64,
    pub duration_ns: u64,
    pub warmup_ns: u64,
    pub model: Model,
    pub population: Population,
    pub workload: Workload,
    pub system: System,
    pub faults: Vec<Fault>,
    pub slo: BTreeMap<Op, Slo>,
    /// The `matrix:` of the file: key paths and their values as `--set` would take them.
    pub matrix: Vec<(String, Vec<String>)>,
    /// How many nodes each tier has, resolved once from the system and the model. (Not part
    /// of the plan a report prints: it is the system and the model's node counts restated.)
    #[serde(skip)]
    pub topology: Topology,
    /// In a slice (`population.sample` below 1), the whole fleet it stands for, as written:
    /// what the estimate is computed for. `None` when the whole fleet runs.
    #[serde(skip)]
    pub fleet: Option<Box<Scenario>>,
}

impl Scenario {
    /// The whole fleet: this scenario, or the fleet a slice stands for.
    pub fn fleet(&self) -> &Scenario {
        self.fleet.as_deref().unwrap_or(self)
    }
}

impl Scenario {
    /// Every combination of the matrix as `--set` assignments, in order (the last key varies
    /// fastest); one empty combination without a matrix.
    pub fn matrix_combinations(&self) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = vec![Vec::new()];
        for (key, values) in &self.matrix {
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut c = prefix.clone();
                        c.push(format!("{key}={v}"));
                        c
                    })
                })
                .collect();
        }
        out
    }
}

/// Loads and validates a scenario file and its model.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    resolve::load(path, overrides)
}

/// What a file of this tool holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Scenario,
    Model,
}

/// The top-level keys of a model file.
pub const MODEL_KEYS: [&str; 4] = ["name", "description", "network", "nodes"];

/// Tells a model file from a scenario file by its top-level keys: a model has at least one,
/// and only [`MODEL_KEYS`]; any other mapping is a scenario. The file is read and parsed as
/// [`load`] reads it, so an unreadable file or invalid YAML gives the same located error.
pub fn file_kind(path: &Path) -> Result<FileKind, ScenarioError> {
    let doc = resolve::parse_doc(path, &resolve::read(path)?)?;
    let keys = doc.value.as_object().map(|m| m.keys().collect::<Vec<_>>()).unwrap_or_default();
    let model = !keys.is_empty() && keys.iter().all(|k| MODEL_KEYS.contains(&k.as_str()));
    Ok(if model { FileKind::Model } else { FileKind::Scenario })
}

/// The nearest of `allowed` to `word`, as a ` (did you mean `x`?)` suffix, or empty.
pub fn suggest(word: &str, allowed: &[&str]) -> String {
    allowed
        .iter()
        .map(|a| (strsim::levenshtein(word, a), *a))
        .filter(|(d, a)| *d <= 3.max(a.len() / 3) && *d < a.len())
        .min()
        .map(|(_, a)| format!(" (did you mean `{a}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spike(at_s: u64, for_s: u64, multiplier: f64) -> Spike {
        Spike { at_ns: at_s * 1_000_000_000, for_ns: for_s * 1_000_000_000, multiplier, ops: Vec::new() }
    }

    #[test]
    fn models_and_scenarios_told_apart_by_their_top_level_keys() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(file_kind(&root.join("models/commodity-2012.yaml")).unwrap(), FileKind::Model);
        assert_eq!(file_kind(&root.join("scenarios/quickstart.yaml")).unwrap(), FileKind::Scenario);
        let dir = tempfile::tempdir().unwrap();
        let kind = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            file_kind(&p)
        };
        // A flow mapping on one line, and comments, are read as YAML reads them.
        assert_eq!(kind("flow.yaml", "{name: m, nodes: {}}\n").unwrap(), FileKind::Model);
        assert_eq!(kind("commented.yaml", "# duration: 5s\nname: m\n").unwrap(), FileKind::Model);
        assert_eq!(kind("scenario.yaml", "name: s\nduration: 5s\n").unwrap(), FileKind::Scenario);
        assert_eq!(kind("empty.yaml", "{}\n").unwrap(), FileKind::Scenario);
        let e = kind("bad.yaml", "name: m\nnodes: [1, 2\n").unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}:", dir.path().join("bad.yaml").display())), "{e}");
        assert!(e.split(':').nth(1).is_some_and(|line| line.parse::<u32>().is_ok()), "located: {e}");
        assert!(kind("list.yaml", "- a\n").is_err());
        assert!(file_kind(&dir.path().join("missing.yaml")).is_err());
    }

    #[test]
    fn highest_multiplier_counts_only_spikes_that_overlap() {
        // Regression: three separate ×10 spikes were taken as ×1000, so the arrival generator
        // drew a thousand candidates per kept arrival.
        let p = Pattern { diurnal: None, spikes: vec![spike(10, 1, 10.0), spike(20, 1, 10.0), spike(30, 1, 10.0)] };
        assert_eq!(p.max_multiplier(Op::PostTweet), 10.0);
        let p = Pattern {
            diurnal: Some((1.5, 86_400_000_000_000)),
            spikes: vec![spike(10, 10, 3.0), spike(15, 10, 2.0), spike(40, 1, 5.0)],
        };
        assert_eq!(p.max_multiplier(Op::PostTweet), 1.5 * 6.0);
        // Inside both overlapping spikes the rate is six times what it is just before them.
        let ratio =
            p.multiplier(Op::PostTweet, 16_000_000_000) / p.multiplier(Op::PostTweet, 16_000_000_000 - 7_000_000_000);
        assert!((ratio - 6.0).abs() < 0.01, "{ratio}");
    }
}
