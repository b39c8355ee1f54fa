//! Speed of each strategy's hot path, isolated: partitioner lookups, load-balancer picks,
//! push fan-out delivery, and the engine's event queue. `cargo bench --bench strategies`;
//! criterion's throughput counts lookups, picks, deliveries and queue operations per second.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

mod support;

use tweetcap::strategy::{BalanceKind, PartitionKind, balance, partition};

fn partitioners(c: &mut Criterion) {
    let users = 100_000;
    let mut group = c.benchmark_group("partition");
    // Each user is looked up twice: its own shard and its tweet's.
    group.throughput(Throughput::Elements(2 * users as u64));
    for kind in [
        PartitionKind::UserHash,
        PartitionKind::TweetHash,
        PartitionKind::ConsistentHash,
        PartitionKind::TimeRange,
        PartitionKind::UserTime,
    ] {
        let p = partition::of_kind(kind, 64, 100);
        group.bench_function(format!("{kind:?}"), |b| b.iter(|| support::lookups(p.as_ref(), users)));
    }
    group.finish();
}

/// Every load-balancing policy.
const BALANCERS: &[BalanceKind] =
    &[BalanceKind::RoundRobin, BalanceKind::Random, BalanceKind::LeastOutstanding, BalanceKind::P2c];

fn balancers(c: &mut Criterion) {
    let picks = 100_000;
    let mut group = c.benchmark_group("balance");
    group.throughput(Throughput::Elements(picks as u64));
    for &kind in BALANCERS {
        let mut b = balance::build(kind, 1);
        group.bench_function(format!("{kind:?}"), |bench| bench.iter(|| support::picks(b.as_mut(), 8, picks)));
    }
    group.finish();
}

fn fanout(c: &mut Criterion) {
    // Quickstart's population under push: the most-followed user's tweets, each delivered to
    // every follower's home timeline.
    let s = support::scenario("quickstart.yaml", &[]);
    let (service, author) = support::fanout_input(s);
    let tweets = 20;
    let deliveries = support::post(&service, author, 1);
    let mut group = c.benchmark_group("fanout");
    group.throughput(Throughput::Elements(deliveries * tweets as u64));
    group.bench_function("push_most_followed", |b| b.iter(|| support::post(&service, author, tweets)));
    group.finish();
}

fn event_queue(c: &mut Criterion) {
    let (pending, ops) = (1_000, 100_000);
    let mut group = c.benchmark_group("event_queue");
    group.throughput(Throughput::Elements(ops as u64));
    group.bench_function("hold_1000", |b| {
        b.iter_batched(
            || support::hold_input(pending, ops),
            |(mut q, delays)| support::hold(&mut q, &delays),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, partitioners, balancers, fanout, event_queue);
criterion_main!(benches);
