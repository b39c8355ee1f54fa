//! The report: one serde struct, the source of truth, written as report.json; report.md and
//! report.html are views of it for people, the CSV files its tables and the plots its figures.
//! Files are written atomically (a temporary file renamed into place), so a reader never sees
//! half a report and a failed run leaves none.

pub mod doc;
pub mod faults;
pub mod live;
pub mod page;
pub mod plots;
mod summary;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Serializer as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::estimate::Estimate;
use crate::metrics::Recorder;
use crate::scenario::{Op, Scenario};
use crate::service::{Counts, Service, Storage, Tier};
use crate::strategy;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output folder or a file in it could not be written: check permissions and space.
    #[error("{}: cannot write: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    /// A report file could not be read back or parsed.
    #[error("{}: not a tweetcap report: {message}", path.display())]
    Read { path: PathBuf, message: String },
    /// A plot could not be drawn from the report.
    #[error(transparent)]
    Plot(#[from] plots::PlotError),
}

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

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
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
    pub users: u32,
    pub follow_edges: u64,
    pub max_followers: u32,
    pub mean_follows: f64,
    pub graph_bytes: u64,
    pub graph_bytes_per_edge: f64,
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

/// Encodes a histogram as HdrHistogram V2-deflate, base64.
pub fn encode_histogram(h: &Histogram<u64>) -> String {
    let mut buf = Vec::new();
    let mut ser = hdrhistogram::serialization::V2DeflateSerializer::new();
    match ser.serialize(h, &mut buf) {
        Ok(_) => base64::engine::general_purpose::STANDARD.encode(&buf),
        Err(_) => String::new(),
    }
}

/// Shares of load and data per shard node, and the keys that move with one shard more or less.
fn partition_report(s: &Scenario, svc: &Service, rec: &Recorder, st: &Storage) -> Option<PartitionReport> {
    let p = &s.system.partitioning;
    let busy: Vec<f64> = rec.nodes[Tier::Shard.index()].iter().map(|n| n.busy_ns as f64).collect();
    let shares = |v: &[f64]| -> (Vec<f64>, f64) {
        let total: f64 = v.iter().sum();
        if total <= 0.0 || v.is_empty() {
            return (vec![0.0; v.len()], 0.0);
        }
        let share: Vec<f64> = v.iter().map(|x| round6(x / total)).collect();
        let max = v.iter().copied().fold(0.0, f64::max);
        (share, round3(max / (total / v.len() as f64)))
    };
    let (load_share, load_max_over_mean) = shares(&busy);
    let stored: Vec<f64> = st.by_shard.iter().map(|&b| b as f64).collect();
    let (storage_share, storage_max_over_mean) = shares(&stored);
    let users = svc.users();
    let tweets = svc.tweet_sample(100_000);
    let here = svc.partitioner();
    let moved = |shards: u32| {
        let other = strategy::partition::with_shards(p, shards);
        let (u, t) = strategy::partition::moved_fraction(here, &*other, users, &tweets);
        Moved { users: round6(u), tweets: round6(t) }
    };
    Some(PartitionReport {
        strategy: strategy::name(p.strategy),
        shards: p.shards,
        load_share,
        load_max_over_mean,
        storage_share,
        storage_max_over_mean,
        moved_on_add: moved(p.shards + 1),
        moved_on_remove: (p.shards > 1).then(|| moved(p.shards - 1)),
    })
}

/// Decodes a histogram written by [`encode_histogram`].
pub fn decode_histogram(text: &str) -> Option<Histogram<u64>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text).ok()?;
    let mut de = hdrhistogram::serialization::Deserializer::new();
    de.deserialize(&mut std::io::Cursor::new(bytes)).ok()
}

/// Inputs of a simulated report besides the recorder.
pub struct RunFacts<'a> {
    pub scenario: &'a Scenario,
    pub service: &'a Service,
    pub storage_before: &'a Storage,
    /// Counters when the measured window began.
    pub baseline: &'a crate::service::Snapshot,
    pub estimate: Estimate,
    pub wall_seconds: f64,
    pub requests: u64,
}

/// Builds the report of a simulated run.
pub fn build(facts: RunFacts, rec: &Recorder) -> Report {
    let s = facts.scenario;
    let svc = facts.service;
    let window_s = s.duration_ns as f64 / 1e9;
    let graph = svc.graph();

    let mut operations = BTreeMap::new();
    let mut histograms = BTreeMap::new();
    for op in Op::ALL {
        let h = &rec.latency[op.index()];
        if s.workload.op(op).rate == 0.0 && h.is_empty() {
            continue;
        }
        operations.insert(
            op.name().to_owned(),
            OpReport {
                count: h.len(),
                failed: rec.failed[op.index()],
                shards_touched: {
                    let w = &rec.width[op.index()];
                    if w.is_empty() {
                        Spread::default()
                    } else {
                        Spread { mean: round3(w.mean()), p99: w.value_at_quantile(0.99) as f64, max: w.max() as f64 }
                    }
                },
                throughput_per_s: round3(h.len() as f64 / window_s),
                latency_us: Latency::of(h),
            },
        );
        histograms.insert(op.name().to_owned(), encode_histogram(h));
    }

    let d = &rec.deliveries;
    let fanout = FanoutReport {
        strategy: strategy::name(s.system.fanout.strategy),
        tweets: rec.tweets,
        deliveries: rec.delivered,
        pushed_edge_share: round6(svc.pushed_edge_share()),
        home_read_shards: {
            let w = &rec.width[Op::HomeTimeline.index()];
            if w.is_empty() { 0.0 } else { round3(w.mean()) }
        },
        busy_servers: round3(rec.nodes.iter().flatten().map(|n| n.busy_ns as f64).sum::<f64>() / s.duration_ns as f64),
        deliveries_per_tweet: Spread {
            mean: if d.is_empty() { 0.0 } else { round3(d.mean()) },
            p99: if d.is_empty() { 0.0 } else { d.value_at_quantile(0.99) as f64 },
            max: d.max() as f64,
        },
        lag_us: {
            let l = Latency::of(&rec.lag);
            LagReport { p50: l.p50, p99: l.p99, max: l.max }
        },
        lag_histogram: if rec.lag.is_empty() { String::new() } else { encode_histogram(&rec.lag) },
    };

    let st = svc.storage();
    let run_days = (s.warmup_ns + s.duration_ns) as f64 / 1e9 / 86_400.0;
    let storage = StorageReport {
        total_bytes: st.total_bytes,
        replicated_bytes: st.replicated_bytes,
        by_kind: st.by_kind.iter().map(|(k, b)| (k.name().to_owned(), *b)).collect(),
        by_shard: st.by_shard.clone(),
        growth_per_day_bytes: ((st.total_bytes as f64 - facts.storage_before.total_bytes as f64) / run_days).round(),
        growth_per_day_by_kind: st
            .by_kind
            .iter()
            .map(|(k, b)| {
                let before = facts.storage_before.by_kind.iter().find(|(kb, _)| kb == k).map_or(0, |(_, b)| *b);
                (k.name().to_owned(), ((*b as f64 - before as f64) / run_days).round())
            })
            .collect(),
    };

    let mut by_tier = BTreeMap::new();
    let mut total_bytes = 0;
    let topo = svc.topology();
    for tier in Tier::ALL {
        let nodes = &rec.nodes[tier.index()];
        if nodes.is_empty() {
            continue;
        }
        let bytes_in: u64 = nodes.iter().map(|n| n.bytes_in).sum();
        let bytes_out: u64 = nodes.iter().map(|n| n.bytes_out).sum();
        if bytes_in + bytes_out == 0 && nodes.iter().all(|n| n.visits == 0) {
            continue;
        }
        total_bytes += bytes_in + bytes_out;
        let peak =
            rec.series_bytes.iter().map(|b| b[tier.index()]).max().unwrap_or(0) as f64 / (rec.interval_ns as f64 / 1e9);
        by_tier.insert(tier.name().to_owned(), TierBandwidth { bytes_in, bytes_out, peak_bps: peak.round() });
    }

    let mut caches = BTreeMap::new();
    let b = facts.baseline;
    for (layer, stats, before, spec) in [
        ("timeline", svc.cache_stats(Tier::TimelineCache), b.timeline_cache, &s.system.timeline_cache),
        ("tweet", svc.cache_stats(Tier::TweetCache), b.tweet_cache, &s.system.tweet_cache),
        ("user", svc.cache_stats(Tier::UserCache), b.user_cache, &s.system.user_cache),
        ("image", svc.cache_stats(Tier::ImageCache), b.image_cache, &s.system.image_cache),
    ] {
        if let (Some(c), Some(spec)) = (stats, spec) {
            let c = c.since(&before.unwrap_or_default());
            let total = c.hits + c.misses;
            caches.insert(
                layer.to_owned(),
                CacheReport {
                    policy: strategy::name(spec.policy),
                    nodes: spec.nodes,
                    capacity_per_node: spec.capacity_per_node,
                    hits: c.hits,
                    misses: c.misses,
                    hit_ratio: if total == 0 { 0.0 } else { round6(c.hits as f64 / total as f64) },
                    evictions: c.evictions,
                    bytes: c.bytes,
                    hit_bytes: c.hit_bytes,
                    byte_hit_ratio: {
                        let all = c.hit_bytes + c.miss_bytes;
                        if all == 0 { 0.0 } else { round6(c.hit_bytes as f64 / all as f64) }
                    },
                },
            );
        }
    }

    let mut warnings = Vec::new();
    let mut nodes = BTreeMap::new();
    let window_ns = s.duration_ns as f64;
    for tier in Tier::ALL {
        let (Some(model), count) = (tier.model(&s.model), topo.nodes(tier)) else { continue };
        if count == 0 {
            continue;
        }
        let ms = &rec.nodes[tier.index()];
        let cap = window_ns * model.servers as f64;
        let utils: Vec<f64> = ms.iter().map(|n| n.busy_ns as f64 / cap).collect();
        let mean = utils.iter().sum::<f64>() / utils.len() as f64;
        let max = utils.iter().copied().fold(0.0, f64::max);
        let min = utils.iter().copied().fold(f64::INFINITY, f64::min);
        let offered = ms.iter().map(|n| n.offered_ns as f64 / cap).fold(0.0, f64::max);
        let unstable = offered > 1.0;
        let name = tier.name();
        if unstable {
            warnings.push(format!(
                "UNSTABLE: the busiest {name} node was offered {:.0}% of what it can serve; its queue grows without bound and latencies depend on the run length. Add {name} nodes or servers, or lower the load.",
                offered * 100.0
            ));
        } else if max > 0.8 {
            warnings.push(format!(
                "{name}: the busiest node is {:.0}% utilised (above 80%); queueing delay rises steeply from here.",
                max * 100.0
            ));
        }
        nodes.insert(
            name.to_owned(),
            NodeReport {
                count,
                servers: model.servers,
                utilisation: Utilisation { mean: round6(mean), max: round6(max), min: round6(min) },
                max_over_mean: if mean > 0.0 { round3(max / mean) } else { 0.0 },
                offered_load_max: round6(offered),
                unstable,
                visits: ms.iter().map(|n| n.visits).sum(),
                per_node: utils.iter().map(|u| round6(*u)).collect(),
            },
        );
    }
    if rec.incomplete > 0 {
        warnings.push(format!(
            "{} requests were still waiting for a response when the run stopped draining; their latencies are missing from the figures above.",
            rec.incomplete
        ));
    }
    if rec.incomplete_background > 0 {
        warnings.push(format!(
            "{} requests were answered but their background work (fan-out deliveries, cache fills) was still running when the run stopped draining.",
            rec.incomplete_background
        ));
    }

    let mut slo = BTreeMap::new();
    for (op, target) in &s.slo {
        let Some(o) = operations.get(op.name()) else { continue };
        let l = &o.latency_us;
        let mut checks = Vec::new();
        for (stat, t, actual) in [
            ("p50", target.p50_us, l.p50),
            ("p90", target.p90_us, l.p90),
            ("p99", target.p99_us, l.p99),
            ("p999", target.p999_us, l.p999),
            ("mean", target.mean_us, l.mean),
        ] {
            if let Some(t) = t {
                // Nothing measured, or requests never answered, cannot meet a target.
                let answered = o.count > 0 && rec.unanswered[op.index()] == 0;
                checks.push(SloReport {
                    stat: stat.to_owned(),
                    target_us: t,
                    actual_us: actual,
                    met: answered && actual <= t,
                });
            }
        }
        slo.insert(op.name().to_owned(), checks);
    }

    let partitioning = partition_report(s, svc, rec, &st);

    for (layer, c) in &caches {
        // Almost every lookup misses and almost every fill evicts: the working set does not fit.
        if c.hits + c.misses >= 1000 && c.hit_ratio < 0.1 && c.evictions as f64 >= 0.9 * c.misses as f64 {
            warnings.push(format!(
                "cache.{layer}: thrashing: {:.1}% of lookups hit and nearly every fill evicts an entry; its {} nodes × {} bytes hold too little of the working set to help.",
                c.hit_ratio * 100.0,
                c.nodes,
                c.capacity_per_node
            ));
        }
    }
    let failed_total: u64 = rec.failed.iter().sum();
    if failed_total > 0 {
        warnings.push(format!(
            "{failed_total} requests failed: a fault left one of their visits no live node (see faults and timeseries.failed)."
        ));
    }
    if rec.lost_replica_writes > 0 {
        warnings.push(format!(
            "{} writes did not reach a replica that was down; the other replicas took them (no repair is modelled).",
            rec.lost_replica_writes
        ));
    }
    if rec.lost_background_visits > 0 {
        warnings.push(format!(
            "{} background visits (fan-out deliveries, cache fills) were dropped because their node was down.",
            rec.lost_background_visits
        ));
    }
    let active_ops: Vec<Op> = Op::ALL.into_iter().filter(|op| operations.contains_key(op.name())).collect();
    let faults = faults::reports(&s.faults, rec, &active_ops);

    let interval_s = rec.interval_ns as f64 / 1e9;
    let mut failed = BTreeMap::new();
    for &op in &active_ops {
        if rec.failed[op.index()] > 0 {
            failed.insert(op.name().to_owned(), rec.series_failed.iter().map(|f| f[op.index()]).collect());
        }
    }
    let mut bytes_per_s = BTreeMap::new();
    for tier in Tier::ALL {
        if by_tier.contains_key(tier.name()) {
            bytes_per_s.insert(
                tier.name().to_owned(),
                rec.series_bytes.iter().map(|b| (b[tier.index()] as f64 / interval_s).round()).collect(),
            );
        }
    }
    let mut throughput = BTreeMap::new();
    let mut p99_us = BTreeMap::new();
    for op in Op::ALL {
        if !operations.contains_key(op.name()) {
            continue;
        }
        throughput.insert(
            op.name().to_owned(),
            rec.series_count.iter().map(|c| round3(c[op.index()] as f64 / interval_s)).collect(),
        );
        p99_us.insert(
            op.name().to_owned(),
            rec.series_latency
                .iter()
                .map(|h| {
                    let h = &h[op.index()];
                    if h.is_empty() { 0.0 } else { h.value_at_quantile(0.99) as f64 / 1000.0 }
                })
                .collect(),
        );
    }

    Report {
        scenario: s.name.clone(),
        description: s.description.clone(),
        file_sha256: s.file_sha256.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        seed: s.seed,
        mode: "sim".to_owned(),
        simulated_seconds: window_s,
        warmup_seconds: s.warmup_ns as f64 / 1e9,
        wall_seconds: facts.wall_seconds,
        plan: serde_json::to_value(s).unwrap_or(serde_json::Value::Null),
        population: PopulationReport {
            users: graph.users(),
            follow_edges: graph.edges(),
            max_followers: graph.max_followers(),
            mean_follows: round3(graph.mean_follows()),
            graph_bytes: graph.memory_bytes(),
            graph_bytes_per_edge: round3(graph.bytes_per_edge()),
        },
        operations,
        fanout,
        storage,
        bandwidth: BandwidthReport { total_bytes, by_tier },
        caches,
        nodes,
        partitioning,
        slo,
        estimate: facts.estimate,
        counts: svc.counts().since(&b.counts),
        incomplete_requests: rec.incomplete,
        incomplete_background: rec.incomplete_background,
        requests_simulated: facts.requests,
        warnings,
        timeseries: TimeSeries { interval_s, throughput, p99_us, bytes_per_s, failed },
        faults,
        histograms,
        live: None,
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Report {
    /// Whether every SLO is met.
    pub fn slo_met(&self) -> bool {
        self.slo.values().flatten().all(|c| c.met)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a report.json back.
    pub fn read(path: &Path) -> Result<Report, ReportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ReportError::Read { path: path.to_path_buf(), message: e.to_string() })?;
        serde_json::from_str(&text).map_err(|e| ReportError::Read { path: path.to_path_buf(), message: e.to_string() })
    }

    /// Where report.md links the plots, relative to it.
    pub const PLOTS_DIR: &'static str = "plots";

    /// The file beside report.json that holds the run's wall-clock time.
    pub const TIMING_FILE: &'static str = "timing.json";

    /// Writes report.json, report.md, report.html, the CSV tables, the plots (in `plots/`) and
    /// timing.json into `dir`, each file atomically; the plots are drawn before anything is
    /// written.
    pub fn write(&self, dir: &Path) -> Result<(), ReportError> {
        let drawn = plots::render_report(self)?;
        let page = page::page(self);
        std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_path_buf(), source })?;
        write_atomic(&dir.join("report.json"), self.to_json().as_bytes())?;
        write_atomic(&dir.join("report.md"), page.to_markdown().as_bytes())?;
        write_atomic(&dir.join("report.html"), page.to_html(&drawn).as_bytes())?;
        for (name, text) in self.csv_tables() {
            write_atomic(&dir.join(name), text.as_bytes())?;
        }
        plots::write_rendered(&dir.join(Self::PLOTS_DIR), &drawn)?;
        let timing = serde_json::json!({ "wall_seconds": self.wall_seconds });
        write_atomic(&dir.join(Self::TIMING_FILE), format!("{timing:#}\n").as_bytes())?;
        Ok(())
    }

    /// The report's tables as CSV, for spreadsheets: (file name, contents). Latencies in µs,
    /// utilisations and ratios as fractions, sizes in bytes.
    pub fn csv_tables(&self) -> Vec<(&'static str, String)> {
        use std::fmt::Write as _;
        let mut ops =
            String::from("operation,count,failed,throughput_per_s,p50_us,p90_us,p99_us,p999_us,max_us,mean_us\n");
        for (name, o) in &self.operations {
            let l = &o.latency_us;
            let _ = writeln!(
                ops,
                "{name},{},{},{},{},{},{},{},{},{}",
                o.count, o.failed, o.throughput_per_s, l.p50, l.p90, l.p99, l.p999, l.max, l.mean
            );
        }
        let mut nodes = String::from(
            "tier,count,servers,utilisation_min,utilisation_mean,utilisation_max,offered_load_max,unstable,visits\n",
        );
        for (tier, n) in &self.nodes {
            let u = &n.utilisation;
            let _ = writeln!(
                nodes,
                "{tier},{},{},{},{},{},{},{},{}",
                n.count, n.servers, u.min, u.mean, u.max, n.offered_load_max, n.unstable, n.visits
            );
        }
        let mut caches = String::from(
            "layer,policy,nodes,capacity_per_node,hits,misses,hit_ratio,hit_bytes,byte_hit_ratio,evictions,bytes\n",
        );
        for (layer, c) in &self.caches {
            let _ = writeln!(
                caches,
                "{layer},{},{},{},{},{},{},{},{},{},{}",
                c.policy,
                c.nodes,
                c.capacity_per_node,
                c.hits,
                c.misses,
                c.hit_ratio,
                c.hit_bytes,
                c.byte_hit_ratio,
                c.evictions,
                c.bytes
            );
        }
        let mut storage = String::from("kind,bytes\n");
        for (kind, b) in &self.storage.by_kind {
            let _ = writeln!(storage, "{kind},{b}");
        }
        vec![("operations.csv", ops), ("nodes.csv", nodes), ("caches.csv", caches), ("storage.csv", storage)]
    }
}

/// Writes a file by writing a temporary sibling and renaming it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |source| ReportError::Write { path: path.to_path_buf(), source };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}
