//! The instruction-count gate: the engine's hot paths run under Callgrind (gungraun), and each
//! fails the run when it executes more instructions than its committed baseline in
//! `benches/instructions.json` allows (`limit_percent` above it, a gungraun hard limit).
//! Instruction counts do not depend on the machine's load, so the gate is deterministic.
//!
//! `cargo bench --bench instructions` needs valgrind and `gungraun-runner` of the same version
//! as the `gungraun` dev-dependency. To record new baselines after an intended change:
//! `TWEETCAP_INSTRUCTIONS_RECORD=1 cargo bench --bench instructions -- --output-format=json |
//! cargo run --example instructions-baseline` (README, "Benchmarks").

use gungraun::{Callgrind, EventKind, LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};
use std::hint::black_box;

mod support;

use tweetcap::sim::Engine;
use tweetcap::sim::events::EventQueue;
use tweetcap::strategy::cache::{Lru, S3Fifo};
use tweetcap::strategy::{Cache, Partitioner, partition};

/// The committed baselines.
#[derive(serde::Deserialize)]
struct Baselines {
    limit_percent: f64,
    instructions: std::collections::BTreeMap<String, u64>,
}

/// A benchmark's config: a hard limit on its instructions, `limit_percent` above its baseline.
fn limit(name: &str) -> LibraryBenchmarkConfig {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/instructions.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let b: Baselines = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut config = LibraryBenchmarkConfig::default();
    if std::env::var_os("TWEETCAP_INSTRUCTIONS_RECORD").is_some() {
        // Recording new baselines: no limits.
        return config;
    }
    let Some(&ir) = b.instructions.get(name) else {
        panic!("{path} has no baseline for `{name}`: record one (README, \"Benchmarks\")");
    };
    let allowed = (ir as f64 * (1.0 + b.limit_percent / 100.0)).floor() as u64;
    config.tool(Callgrind::default().hard_limits([(EventKind::Ir, allowed)]));
    config
}

fn quickstart_engine(duration: &str) -> Engine<'static> {
    // 20,000 users, the quickstart mix, a short window: about 12,000 requests.
    let s = support::scenario("quickstart.yaml", &[&format!("duration={duration}"), "warmup=100ms"]);
    support::engine(s)
}

#[library_benchmark]
#[bench::quickstart_2s(args = ("2s"), setup = quickstart_engine, config = limit("engine_run.quickstart_2s"))]
fn engine_run(e: Engine<'static>) -> u64 {
    black_box(support::run(e))
}

fn hold_input(ops: u32) -> (EventQueue, Vec<u64>) {
    support::hold_input(1_000, ops)
}

#[library_benchmark]
#[bench::hold_1000(args = (100_000), setup = hold_input, config = limit("queue_hold.hold_1000"))]
fn queue_hold(input: (EventQueue, Vec<u64>)) -> u64 {
    let (mut q, delays) = input;
    black_box(support::hold(&mut q, &delays))
}

fn lru_input(requests: usize) -> (Box<dyn Cache>, Vec<u64>) {
    // 10,000 objects of 200 bytes, a cache of 1,000 of them.
    (Box::new(Lru::new(200_000)), support::zipf_keys(10_000, requests))
}

fn s3fifo_input(requests: usize) -> (Box<dyn Cache>, Vec<u64>) {
    (Box::new(S3Fifo::new(200_000, S3Fifo::DEFAULT)), support::zipf_keys(10_000, requests))
}

#[library_benchmark]
#[bench::lru(args = (100_000), setup = lru_input, config = limit("cache_loop.lru"))]
#[bench::s3fifo(args = (100_000), setup = s3fifo_input, config = limit("cache_loop.s3fifo"))]
fn cache_loop(input: (Box<dyn Cache>, Vec<u64>)) -> u64 {
    let (mut c, keys) = input;
    black_box(support::get_insert(c.as_mut(), &keys))
}

fn ring(vnodes: u32) -> Box<dyn Partitioner> {
    partition::of_kind(tweetcap::strategy::PartitionKind::ConsistentHash, 64, vnodes)
}

fn user_hash(_: u32) -> Box<dyn Partitioner> {
    partition::of_kind(tweetcap::strategy::PartitionKind::UserHash, 64, 0)
}

#[library_benchmark]
#[bench::user_hash(args = (0), setup = user_hash, config = limit("partition_lookup.user_hash"))]
#[bench::consistent_hash(args = (100), setup = ring, config = limit("partition_lookup.consistent_hash"))]
fn partition_lookup(p: Box<dyn Partitioner>) -> u64 {
    black_box(support::lookups(p.as_ref(), 100_000))
}

library_benchmark_group!(name = hot_paths, benchmarks = [engine_run, queue_hold, cache_loop, partition_lookup]);

main!(library_benchmark_groups = hot_paths);
