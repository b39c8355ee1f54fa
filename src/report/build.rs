//! Building the report of a simulated run: [`build`] reads the recorder, the service's state
//! and the scenario, and fills one section of the [`Report`] per function below.
//!
//! It knows what a run measured, not how the report is written or drawn.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;

use super::faults;
use super::schema::{
    BandwidthReport, CacheReport, FanoutReport, LagReport, Latency, Moved, NodeReport, OpReport, PartitionReport,
    PopulationReport, Report, SloReport, Spread, StorageReport, TierBandwidth, TimeSeries, Utilisation,
    encode_histogram, round3, round6,
};
use crate::estimate::Estimate;
use crate::graph::FollowGraph;
use crate::metrics::Recorder;
use crate::scenario::{Op, Scenario};
use crate::service::{Local, Locks, Service, Storage};
use crate::strategy;
use crate::tier::Tier;

/// Inputs of a simulated report besides the recorder.
pub struct RunFacts<'a, L: Locks = Local> {
    pub scenario: &'a Scenario,
    pub service: &'a Service<L>,
    pub storage_before: &'a Storage,
    /// Counters when the measured window began.
    pub baseline: &'a crate::service::Snapshot,
    pub estimate: Estimate,
    pub wall_seconds: f64,
    pub requests: u64,
}

/// Builds the report of a simulated run.
pub fn build<L: Locks>(facts: RunFacts<L>, rec: &Recorder) -> Report {
    let s = facts.scenario;
    let svc = facts.service;
    let operations = operations(s, rec);
    let active_ops: Vec<Op> = Op::ALL.into_iter().filter(|op| operations.contains_key(op.name())).collect();
    let st = svc.storage();
    let bandwidth = bandwidth(rec);
    let caches = caches(s, svc, facts.baseline);
    let (nodes, load_warnings) = nodes(s, svc, rec);
    let warnings = warnings(load_warnings, &caches, rec);
    let slo = slo(s, &operations, rec);
    let timeseries = timeseries(rec, &active_ops, &bandwidth);
    let histograms = histograms(&active_ops, rec);
    Report {
        scenario: s.name.clone(),
        description: s.description.clone(),
        file_sha256: s.file_sha256.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        seed: s.seed,
        mode: "sim".to_owned(),
        simulated_seconds: s.duration_ns as f64 / 1e9,
        warmup_seconds: s.warmup_ns as f64 / 1e9,
        wall_seconds: facts.wall_seconds,
        plan: serde_json::to_value(s).unwrap_or(serde_json::Value::Null),
        population: population(s, svc.graph()),
        operations,
        fanout: fanout(s, svc, rec),
        storage: storage(s, &st, facts.storage_before),
        bandwidth,
        caches,
        nodes,
        partitioning: partition_report(s, svc, rec, &st),
        slo,
        estimate: facts.estimate,
        counts: svc.counts().since(&facts.baseline.counts),
        incomplete_requests: rec.incomplete,
        incomplete_background: rec.incomplete_background,
        requests_simulated: facts.requests,
        warnings,
        timeseries,
        faults: faults::reports(&s.faults, rec, &active_ops),
        histograms,
        live: None,
    }
}

/// Every operation with a rate or with requests: counts, throughput and latency.
fn operations(s: &Scenario, rec: &Recorder) -> BTreeMap<String, OpReport> {
    let window_s = s.duration_ns as f64 / 1e9;
    let mut operations = BTreeMap::new();
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
    }
    operations
}

/// The latency histogram of each operation reported.
fn histograms(active_ops: &[Op], rec: &Recorder) -> BTreeMap<String, String> {
    active_ops.iter().map(|op| (op.name().to_owned(), encode_histogram(&rec.latency[op.index()]))).collect()
}

/// The population: the fleet's users and follows, and the slice of them simulated. In a slice
/// each simulated user's follows are real, so the fleet has k times the edges; a celebrity kept
/// whole has 1/k of its real followers (see `scenario::slice`).
fn population(s: &Scenario, graph: &FollowGraph) -> PopulationReport {
    let sample = s.population.sample;
    let k = u64::from(sample.k);
    let celebrity_followers = s.population.celebrities.map_or(0, |c| u64::from(c.followers) * k);
    PopulationReport {
        users: sample.fleet_users,
        simulated_users: graph.users(),
        sample: round6(sample.fraction()),
        follow_edges: graph.edges() * k,
        max_followers: u64::from(graph.max_followers()).max(celebrity_followers).min(u64::from(u32::MAX)) as u32,
        mean_follows: round3(graph.mean_follows()),
        graph_bytes: graph.memory_bytes(),
        graph_bytes_per_edge: round3(graph.bytes_per_edge()),
    }
}

/// Tweets delivered, how widely, how late, and what the fan-out strategy costs reads and work.
fn fanout<L: Locks>(s: &Scenario, svc: &Service<L>, rec: &Recorder) -> FanoutReport {
    let d = &rec.deliveries;
    FanoutReport {
        strategy: strategy::name(s.system.fanout.strategy),
        tweets: rec.tweets,
        deliveries: rec.delivered,
        pushed_edge_share: round6(svc.pushed_edge_share()),
        home_read_shards: {
            let w = &rec.width[Op::HomeTimeline.index()];
            if w.is_empty() { 0.0 } else { round3(w.mean()) }
        },
        busy_servers: round3(
            rec.nodes.iter().flatten().map(|n| n.fleet_busy_ns as f64).sum::<f64>() / s.duration_ns as f64,
        ),
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
    }
}

/// Stored bytes at the end, by kind and shard, and their growth over the run scaled to a day:
/// the fleet's (k times the slice's, each simulated shard standing for k), and per shard as
/// simulated.
fn storage(s: &Scenario, st: &Storage, before: &Storage) -> StorageReport {
    let run_days = (s.warmup_ns + s.duration_ns) as f64 / 1e9 / 86_400.0;
    let k = u64::from(s.population.sample.k);
    StorageReport {
        total_bytes: st.total_bytes * k,
        replicated_bytes: st.replicated_bytes * k,
        by_kind: st.by_kind.iter().map(|(kind, b)| (kind.name().to_owned(), *b * k)).collect(),
        by_shard: fold(&st.by_shard, s.topology.shards),
        growth_per_day_bytes: ((st.total_bytes as f64 - before.total_bytes as f64) * k as f64 / run_days).round(),
        growth_per_day_by_kind: st
            .by_kind
            .iter()
            .map(|(kind, b)| {
                let before = before.by_kind.iter().find(|(kb, _)| kb == kind).map_or(0, |(_, b)| *b);
                (kind.name().to_owned(), ((*b as f64 - before as f64) * k as f64 / run_days).round())
            })
            .collect(),
    }
}

/// Per simulated shard: the bytes of the fleet's shards it keeps (fleet shard `i` is kept by
/// simulated shard `i mod shards`; see `service::Config::simulated`). The same in the whole fleet.
fn fold(by_fleet_shard: &[u64], shards: u32) -> Vec<u64> {
    let n = shards.max(1) as usize;
    let mut out = vec![0; n];
    for (i, b) in by_fleet_shard.iter().enumerate() {
        out[i % n] += b;
    }
    out
}

/// Bytes in and out of each tier that moved any or was visited, and its peak rate.
fn bandwidth(rec: &Recorder) -> BandwidthReport {
    let mut by_tier = BTreeMap::new();
    let mut total_bytes = 0;
    for tier in Tier::ALL {
        let nodes = &rec.nodes[tier.index()];
        if nodes.is_empty() {
            continue;
        }
        let bytes_in: u64 = nodes.iter().map(|n| n.fleet_bytes_in).sum();
        let bytes_out: u64 = nodes.iter().map(|n| n.fleet_bytes_out).sum();
        if bytes_in + bytes_out == 0 && nodes.iter().all(|n| n.visits == 0) {
            continue;
        }
        total_bytes += bytes_in + bytes_out;
        let peak =
            rec.series_bytes.iter().map(|b| b[tier.index()]).max().unwrap_or(0) as f64 / (rec.interval_ns as f64 / 1e9);
        by_tier.insert(tier.name().to_owned(), TierBandwidth { bytes_in, bytes_out, peak_bps: peak.round() });
    }
    BandwidthReport { total_bytes, by_tier }
}

/// Each configured cache layer over the measured window.
fn caches<L: Locks>(s: &Scenario, svc: &Service<L>, b: &crate::service::Snapshot) -> BTreeMap<String, CacheReport> {
    let mut caches = BTreeMap::new();
    for (layer, stats, before, spec) in [
        ("timeline", svc.cache_stats(Tier::TimelineCache), b.timeline_cache, &s.system.timeline_cache),
        ("tweet", svc.cache_stats(Tier::TweetCache), b.tweet_cache, &s.system.tweet_cache),
        ("user", svc.cache_stats(Tier::UserCache), b.user_cache, &s.system.user_cache),
        ("image", svc.cache_stats(Tier::ImageCache), b.image_cache, &s.system.image_cache),
    ] {
        if let (Some(c), Some(spec)) = (stats, spec) {
            // Lookups are counted for the real requests they stand for; evictions and bytes
            // held are the slice's nodes', k times over.
            let k = u64::from(s.population.sample.k);
            let mut c = c.since(&before.unwrap_or_default());
            c.evictions *= k;
            c.bytes *= k;
            let total = c.hits + c.misses;
            caches.insert(
                layer.to_owned(),
                CacheReport {
                    policy: strategy::name(spec.policy),
                    nodes: spec.nodes * k as u32,
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
    caches
}

/// Utilisation and offered load of each tier with nodes, and a warning for each tier that is
/// unstable or above 80% busy, in tier order.
fn nodes<L: Locks>(s: &Scenario, svc: &Service<L>, rec: &Recorder) -> (BTreeMap<String, NodeReport>, Vec<String>) {
    let topo = svc.simulated();
    let mut warnings = Vec::new();
    let mut nodes = BTreeMap::new();
    let window_ns = s.duration_ns as f64;
    for tier in Tier::ALL {
        let (Some(model), count) = (s.model.tier(tier), topo.nodes(tier)) else { continue };
        if count == 0 {
            continue;
        }
        let ms = &rec.nodes[tier.index()];
        let cap = window_ns * model.servers as f64;
        // Each node as a real one like it (the users kept whole in a slice make their hot spots
        // on their own data's nodes, and spread the rest of their load as in the fleet; see
        // `NodeMetrics::node_busy_ns`), and the fleet's mean: each visit's busy time weighed by
        // the real visits it stands for. Both are the nodes' own in the whole fleet.
        let k = s.population.sample.k;
        let utils: Vec<f64> = ms.iter().map(|n| n.node_busy_ns as f64 / k as f64 / cap).collect();
        let mean = ms.iter().map(|n| n.fleet_busy_ns as f64 / k as f64 / cap).sum::<f64>() / utils.len() as f64;
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
                count: count * k,
                servers: model.servers,
                utilisation: Utilisation { mean: round6(mean), max: round6(max), min: round6(min) },
                max_over_mean: if mean > 0.0 { round3(max / mean) } else { 0.0 },
                offered_load_max: round6(offered),
                unstable,
                visits: ms.iter().map(|n| n.visits).sum::<u64>() * u64::from(k),
                per_node: utils.iter().map(|u| round6(*u)).collect(),
            },
        );
    }
    (nodes, warnings)
}

/// Each SLO target of an operation reported, against what it measured.
fn slo(s: &Scenario, operations: &BTreeMap<String, OpReport>, rec: &Recorder) -> BTreeMap<String, Vec<SloReport>> {
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
    slo
}

/// Shares of load and data per shard node, and the keys that move with one shard more or less.
fn partition_report<L: Locks>(s: &Scenario, svc: &Service<L>, rec: &Recorder, st: &Storage) -> Option<PartitionReport> {
    let busy: Vec<f64> = rec.nodes[Tier::Shard.index()].iter().map(|n| n.node_busy_ns as f64).collect();
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
    let stored: Vec<f64> = fold(&st.by_shard, s.topology.shards).iter().map(|&b| b as f64).collect();
    let (storage_share, storage_max_over_mean) = shares(&stored);
    let users = svc.users();
    let tweets = svc.tweet_sample(100_000);
    // What moves on a resize depends on the fleet's shard count, not the slice's: the service
    // places keys on the fleet's shards.
    let p = &s.fleet().system.partitioning;
    let fleet_shards = p.shards;
    let here = svc.partitioner();
    let moved = |shards: u32| {
        let other = strategy::partition::with_shards(p, shards);
        let (u, t) = strategy::partition::moved_fraction(here, &*other, users, &tweets);
        Moved { users: round6(u), tweets: round6(t) }
    };
    Some(PartitionReport {
        strategy: strategy::name(p.strategy),
        shards: fleet_shards,
        load_share,
        load_max_over_mean,
        storage_share,
        storage_max_over_mean,
        moved_on_add: moved(fleet_shards + 1),
        moved_on_remove: (fleet_shards > 1).then(|| moved(fleet_shards - 1)),
    })
}

/// The tiers' load warnings, then what the run left unfinished, caches that thrash, and
/// requests, writes and visits that faults lost.
fn warnings(mut warnings: Vec<String>, caches: &BTreeMap<String, CacheReport>, rec: &Recorder) -> Vec<String> {
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
    for (layer, c) in caches {
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
    for (layer, c) in caches {
        // Nothing was evicted and many lookups missed: the misses are mostly first reads of a
        // key into a cache still filling, and the hit ratio is not yet the steady state's.
        if c.hits + c.misses >= 1000 && c.hit_ratio < 0.9 && c.evictions == 0 {
            let capacity = c.nodes as f64 * c.capacity_per_node as f64;
            warnings.push(format!(
                "cache.{layer}: still filling from empty when the run ended (it evicted nothing and holds {:.1}% of its {} nodes × {} bytes): {:.1}% of lookups hit, most misses being first reads of a key. In steady state it would hit more; lengthen warmup (simulated time before the measured window) until it evicts to measure that.",
                if capacity > 0.0 { c.bytes as f64 / capacity * 100.0 } else { 0.0 },
                c.nodes,
                c.capacity_per_node,
                c.hit_ratio * 100.0,
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
    warnings
}

/// Per interval: each operation's throughput and p99, each tier's bytes per second, and the
/// failed requests of the operations that had any.
fn timeseries(rec: &Recorder, active_ops: &[Op], bandwidth: &BandwidthReport) -> TimeSeries {
    let interval_s = rec.interval_ns as f64 / 1e9;
    let mut failed = BTreeMap::new();
    for &op in active_ops {
        if rec.failed[op.index()] > 0 {
            failed.insert(op.name().to_owned(), rec.series_failed.iter().map(|f| f[op.index()]).collect());
        }
    }
    let mut bytes_per_s = BTreeMap::new();
    for tier in Tier::ALL {
        if bandwidth.by_tier.contains_key(tier.name()) {
            bytes_per_s.insert(
                tier.name().to_owned(),
                rec.series_bytes.iter().map(|b| (b[tier.index()] as f64 / interval_s).round()).collect(),
            );
        }
    }
    let mut throughput = BTreeMap::new();
    let mut p99_us = BTreeMap::new();
    for &op in active_ops {
        throughput.insert(
            op.name().to_owned(),
            rec.series_count.iter().map(|c| round3(c[op.index()] as f64 / interval_s)).collect(),
        );
        p99_us.insert(op.name().to_owned(), rec.series_latency.iter().map(|h| p99_or_zero(&h[op.index()])).collect());
    }
    TimeSeries { interval_s, throughput, p99_us, bytes_per_s, failed }
}

/// The p99 of a histogram in nanoseconds, in microseconds; 0 when it is empty.
fn p99_or_zero(h: &Histogram<u64>) -> f64 {
    if h.is_empty() { 0.0 } else { h.value_at_quantile(0.99) as f64 / 1000.0 }
}
