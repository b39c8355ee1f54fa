//! The schema of report.json: the `Report` struct and one struct per section, as serde writes
//! and reads them, with the conventions every section shares: latencies in microseconds,
//! sizes in bytes, rates per second, fractions rounded to 3 or 6 decimals, and latency
//! histograms as HdrHistogram V2-deflate in base64 so that reports merge exactly.
//!
//! It knows nothing of how a run fills these fields (that is [`super::build`]'s business) nor of
//! the files they are written to.

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Serializer as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{faults, live};
use crate::estimate::Estimate;
use crate::service::Counts;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

impl Latency {
    /// From a histogram in nanoseconds, in microseconds.
    pub fn of(h: &Histogram<u64>) -> Latency {
        let us = |ns: u64| ns as f64 / 1000.0;
        if h.is_empty() {
            return Latency { p50: 0.0, p90: 0.0, p99: 0.0, p999: 0.0, max: 0.0, mean: 0.0 };
        }
        Latency {
            p50: us(h.value_at_quantile(0.5)),
            p90: us(h.value_at_quantile(0.9)),
            p99: us(h.value_at_quantile(0.99)),
            p999: us(h.value_at_quantile(0.999)),
            max: us(h.max()),
            mean: round3(h.mean() / 1000.0),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OpReport {
    pub count: u64,
    /// Requests that failed: a fault left one of their visits no live node.
    #[serde(default)]
    pub failed: u64,
    /// Shard nodes each request visited before its response (scatter-gather width).
    #[serde(default)]
    pub shards_touched: Spread,
    pub throughput_per_s: f64,
    pub latency_us: Latency,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PopulationReport {
    /// The fleet's users (`population.users`).
    pub users: u32,
    /// Users simulated: all of them, or a slice (`population.sample`).
    #[serde(default)]
    pub simulated_users: u32,
    /// The fraction of the fleet simulated, 1/k (1: the whole fleet).
    #[serde(default = "one")]
    pub sample: f64,
    pub follow_edges: u64,
    pub max_followers: u32,
    pub mean_follows: f64,
    pub graph_bytes: u64,
    pub graph_bytes_per_edge: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub p99: f64,
    pub max: f64,
}

/// How the partitioning spreads load and data over the shard nodes, and what moves when one is
/// added or removed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PartitionReport {
    pub strategy: String,
    pub shards: u32,
    /// Each shard node's share of the shard tier's busy time in the window.
    pub load_share: Vec<f64>,
    pub load_max_over_mean: f64,
    /// Each shard's share of the stored bytes (primary copies, images excluded).
    pub storage_share: Vec<f64>,
    pub storage_max_over_mean: f64,
    /// Fractions of users (their data) and of a sample of tweets that change shard when one
    /// shard is added; `null` for one of removal with a single shard.
    pub moved_on_add: Moved,
    pub moved_on_remove: Option<Moved>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Moved {
    pub users: f64,
    pub tweets: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LagReport {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FanoutReport {
    pub strategy: String,
    pub tweets: u64,
    pub deliveries: u64,
    /// Fraction of the follow graph's edges along which tweets are pushed (1 under push, 0 under
    /// pull; per author under hybrid, per edge under cost_based).
    #[serde(default)]
    pub pushed_edge_share: f64,
    /// Read cost: shard nodes a home timeline read visits, on average.
    #[serde(default)]
    pub home_read_shards: f64,
    /// Total work: busy servers, summed over every tier, on average over the window.
    #[serde(default)]
    pub busy_servers: f64,
    pub deliveries_per_tweet: Spread,
    pub lag_us: LagReport,
    /// The lag histogram in nanoseconds, encoded as `histograms` are (empty without deliveries).
    #[serde(default)]
    pub lag_histogram: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StorageReport {
    pub total_bytes: u64,
    pub replicated_bytes: u64,
    pub by_kind: BTreeMap<String, u64>,
    pub by_shard: Vec<u64>,
    /// Growth over the run (warm-up included), scaled to a day.
    pub growth_per_day_bytes: f64,
    /// The same per kind.
    #[serde(default)]
    pub growth_per_day_by_kind: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TierBandwidth {
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Highest rate over one time-series interval, bytes per second.
    pub peak_bps: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BandwidthReport {
    pub total_bytes: u64,
    pub by_tier: BTreeMap<String, TierBandwidth>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CacheReport {
    pub policy: String,
    pub nodes: u32,
    pub capacity_per_node: u64,
    pub hits: u64,
    pub misses: u64,
    pub hit_ratio: f64,
    pub evictions: u64,
    pub bytes: u64,
    /// Bytes the hits served, which the tier behind did not: the bandwidth the cache saves it.
    #[serde(default)]
    pub hit_bytes: u64,
    /// hit_bytes / (hit_bytes + bytes the misses left to the tier behind).
    #[serde(default)]
    pub byte_hit_ratio: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Utilisation {
    pub mean: f64,
    pub max: f64,
    /// The least busy node: with `max`, the spread the balancer or partitioner leaves.
    #[serde(default)]
    pub min: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NodeReport {
    pub count: u32,
    pub servers: u32,
    pub utilisation: Utilisation,
    pub max_over_mean: f64,
    /// Work offered over the capacity of the busiest node; above 1 the queue grows without bound.
    pub offered_load_max: f64,
    pub unstable: bool,
    pub visits: u64,
    /// Utilisation of each node, in node order (6 decimals).
    #[serde(default)]
    pub per_node: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SloReport {
    pub stat: String,
    pub target_us: f64,
    pub actual_us: f64,
    pub met: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimeSeries {
    pub interval_s: f64,
    /// Operations per second in each interval.
    pub throughput: BTreeMap<String, Vec<f64>>,
    pub p99_us: BTreeMap<String, Vec<f64>>,
    /// Bytes moved per second in each interval, per tier (a cache's miss storm shows on the
    /// tier behind it).
    #[serde(default)]
    pub bytes_per_s: BTreeMap<String, Vec<f64>>,
    /// Failed requests per interval, for the operations that had any.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failed: BTreeMap<String, Vec<u64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub scenario: String,
    pub description: String,
    pub file_sha256: String,
    pub tool_version: String,
    pub seed: u64,
    pub mode: String,
    pub simulated_seconds: f64,
    pub warmup_seconds: f64,
    /// Wall-clock time of the run: the one figure that differs between identical runs, so it is
    /// written to timing.json beside report.json, not into it (older reports that carry it still
    /// read).
    #[serde(default, skip_serializing)]
    pub wall_seconds: f64,
    /// The resolved scenario that ran, overrides applied.
    pub plan: serde_json::Value,
    pub population: PopulationReport,
    pub operations: BTreeMap<String, OpReport>,
    pub fanout: FanoutReport,
    pub storage: StorageReport,
    pub bandwidth: BandwidthReport,
    pub caches: BTreeMap<String, CacheReport>,
    pub nodes: BTreeMap<String, NodeReport>,
    pub partitioning: Option<PartitionReport>,
    pub slo: BTreeMap<String, Vec<SloReport>>,
    pub estimate: Estimate,
    /// What the service did in the measured window.
    pub counts: Counts,
    /// Requests still in flight when the run stopped draining (an overloaded system).
    pub incomplete_requests: u64,
    /// Requests answered whose fan-out or cache fills were still running at the end.
    pub incomplete_background: u64,
    pub requests_simulated: u64,
    pub warnings: Vec<String>,
    pub timeseries: TimeSeries,
    /// What each injected fault did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<faults::FaultReport>,
    /// Latency histograms in nanoseconds, HdrHistogram V2 + deflate, base64: merge exactly across runs.
    pub histograms: BTreeMap<String, String>,
    /// Live mode only: rates, service time, schedule lag, saturation and invariants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<live::LiveReport>,
}

impl Report {
    /// Whether every SLO is met.
    pub fn slo_met(&self) -> bool {
        self.slo.values().flatten().all(|c| c.met)
    }
}

/// Encodes a histogram as HdrHistogram V2-deflate, base64.
pub fn encode_histogram(h: &Histogram<u64>) -> String {
    let mut buf = Vec::new();
    let mut ser = hdrhistogram::serialization::V2DeflateSerializer::new();
    match ser.serialize(h, &mut buf) {
        Ok(_) => base64::engine::general_purpose::STANDARD.encode(&buf),
        Err(_) => String::new(),
    }
}

/// Decodes a histogram written by [`encode_histogram`].
pub fn decode_histogram(text: &str) -> Option<Histogram<u64>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text).ok()?;
    let mut de = hdrhistogram::serialization::Deserializer::new();
    de.deserialize(&mut std::io::Cursor::new(bytes)).ok()
}

/// Rounds to 3 decimals, as the report's means and ratios are.
pub(super) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Rounds to 6 decimals, as the report's utilisations and shares are.
pub(super) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
