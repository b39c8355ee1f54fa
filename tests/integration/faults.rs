//! Faults and load balancing: a failed node's traffic is redirected or missed as configured,
//! and the report's time series shows the dip and the recovery.

use super::util::{load, shipped_scenario_text, write};
use tweetcap::report::Report;

fn run_scenario(s: &tweetcap::scenario::Scenario) -> Report {
    tweetcap::run::simulate(s, &mut |_| {}).expect("run")
}

/// A shipped scenario with its `faults:` list replaced (`--set` cannot index into lists).
fn run(file: &str, faults: &str, set: &[&str]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let text = shipped_scenario_text(file);
    let start = text.find("\nfaults:\n").expect("the scenario has faults") + 1;
    let end = text[start..].find("\nslo:").map_or(text.len(), |e| start + e + 1);
    let text = format!("{}faults:\n{faults}\n{}", &text[..start], &text[end..]);
    let path = write(dir.path(), "variant.yaml", &text);
    run_scenario(&load(&path, set))
}

const SHARD_DOWN: &str = "  - { kind: node_down, target: \"shard[3]\", at: 3s, for: 3s }";

/// shard-loss at its full rates, shortened: the shard dies 3 s into a 12 s window, for 3 s.
const SHORT_SHARD_LOSS: [&str; 3] = ["duration=12s", "warmup=2s", "population.users=20000"];

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

/// Interval indices wholly before the fault, during it, and wholly after it (plus one to drain).
fn spans(
    r: &Report,
    at_s: f64,
    for_s: f64,
) -> (std::ops::Range<usize>, std::ops::Range<usize>, std::ops::Range<usize>) {
    let i = r.timeseries.interval_s;
    let n = r.timeseries.p99_us.values().next().map_or(0, Vec::len);
    let first = (at_s / i) as usize;
    let end = ((at_s + for_s) / i).ceil() as usize;
    (0..first.saturating_sub(1), first + 1..end, (end + 2).min(n)..n)
}

#[test]
fn two_replicas_fail_over_and_lose_no_request() {
    let r = run("scenarios/shard-loss.yaml", SHARD_DOWN, &SHORT_SHARD_LOSS);
    let f = &r.faults[0];
    assert_eq!((f.kind.as_str(), f.target.as_str(), f.at_s, f.for_s), ("node_down", "shard[3]", 3.0, 3.0));
    assert_eq!(f.failed_requests, 0, "{f:?}");
    assert!(r.operations.values().all(|o| o.failed == 0));
    assert!(r.timeseries.failed.is_empty());
    // Writes to the dead replica went to its partner only, and the report says so.
    assert!(r.warnings.iter().any(|w| w.contains("did not reach a replica that was down")), "{:?}", r.warnings);
    // The dead node served nothing for a quarter of the window: it is the least busy.
    let u = &r.nodes["shard"].utilisation;
    assert!(u.min < 0.8 * u.mean, "{u:?}");
    // Least-outstanding balancing spreads the lost node's reads: latency barely moves.
    let before = f.p99_before_us.expect("intervals before the fault");
    assert!(f.p99_worst_us < 1.5 * before, "{f:?}");
    assert_eq!(f.recovery_s, Some(0.0), "{f:?}");
}

#[test]
fn without_replicas_requests_fail_during_the_fault_only() {
    let r =
        run("scenarios/shard-loss.yaml", SHARD_DOWN, &with(&SHORT_SHARD_LOSS, &["system.partitioning.replication=1"]));
    let f = &r.faults[0];
    assert!(f.failed_requests > 1000, "{f:?}");
    let failed = &r.timeseries.failed["home_timeline"];
    let (before, during, after) = spans(&r, 3.0, 3.0);
    assert!(failed[before.clone()].iter().all(|&n| n == 0), "{failed:?}");
    assert!(failed[during.clone()].iter().all(|&n| n > 0), "{failed:?}");
    assert!(failed[after.clone()].iter().all(|&n| n == 0), "{failed:?}");
    // Each failed request is counted once: per operation, by interval, and per fault.
    let total: u64 = r.operations.values().map(|o| o.failed).sum();
    let series: u64 = r.timeseries.failed.values().flatten().sum();
    assert_eq!(total, series);
    assert_eq!(total, f.failed_requests);
    // The dip: answered home timelines per second fall while the shard is down, then return.
    let tput = &r.timeseries.throughput["home_timeline"];
    let mean = |s: std::ops::Range<usize>| tput[s.clone()].iter().sum::<f64>() / s.len() as f64;
    let (b, d, a) = (mean(before), mean(during), mean(after));
    assert!(d < 0.9 * b && a > 0.95 * b, "before {b}, during {d}, after {a}");
    assert!(r.warnings.iter().any(|w| w.contains("requests failed")), "{:?}", r.warnings);
}

#[test]
fn round_robin_queues_behind_a_lost_shard_where_least_outstanding_does_not() {
    let rr =
        run("scenarios/shard-loss.yaml", SHARD_DOWN, &with(&SHORT_SHARD_LOSS, &["system.load_balancing=round_robin"]));
    let lo = run("scenarios/shard-loss.yaml", SHARD_DOWN, &SHORT_SHARD_LOSS);
    let (rr, lo) = (&rr.faults[0], &lo.faults[0]);
    // Round robin keeps sending half of each neighbour group's reads to one survivor, which is
    // then offered more than it can serve: its queue grows for the whole fault, then drains.
    assert!(rr.p99_worst_us > 20.0 * rr.p99_before_us.unwrap(), "{rr:?}");
    assert!(rr.recovery_s.is_some_and(|s| s > 0.5), "{rr:?}");
    assert!(lo.p99_worst_us * 10.0 < rr.p99_worst_us, "{lo:?} vs {rr:?}");
    assert!(lo.slowed_requests * 10 < rr.slowed_requests, "{lo:?} vs {rr:?}");
}

#[test]
fn a_slow_node_slows_and_recovers() {
    let slow = "  - { kind: slow_node, target: \"shard[0]\", at: 3s, for: 3s, factor: 4 }";
    let set = ["system.partitioning.replication=1", "workload.ops.home_timeline.rate=5000"];
    let r = run("scenarios/shard-loss.yaml", slow, &with(&SHORT_SHARD_LOSS, &set));
    let f = &r.faults[0];
    assert_eq!((f.kind.as_str(), f.factor), ("slow_node", Some(4.0)));
    assert_eq!(f.failed_requests, 0);
    assert!(f.p99_worst_us > 2.0 * f.p99_before_us.unwrap(), "{f:?}");
    assert!(f.recovery_s.is_some(), "{f:?}");
    let p99 = &r.timeseries.p99_us["home_timeline"];
    let (before, during, after) = spans(&r, 3.0, 3.0);
    let worst = |s: std::ops::Range<usize>| p99[s].iter().copied().fold(0.0, f64::max);
    assert!(worst(during) > 2.0 * worst(before.clone()), "{p99:?}");
    assert!(worst(after) < 1.5 * worst(before), "{p99:?}");
}

/// cache-cold-start, small and short.
const SHORT_COLD_START: [&str; 5] = [
    "population.users=20000",
    "duration=8s",
    "warmup=3s",
    "workload.ops.home_timeline.rate=8000",
    "system.caches.tweet.capacity_per_node=32MB",
];
const FLUSH_ALL: &str = "  - { kind: cache_flush, target: cache.timeline, at: 4s }\n  \
     - { kind: cache_flush, target: cache.tweet, at: 4s }\n  - { kind: cache_flush, target: cache.user, at: 4s }";

#[test]
fn a_cache_flush_sends_a_miss_storm_to_the_shards() {
    let r = run("scenarios/cache-cold-start.yaml", FLUSH_ALL, &SHORT_COLD_START);
    assert_eq!(r.faults.len(), 3);
    assert!(r.faults.iter().all(|f| f.kind == "cache_flush" && f.failed_requests == 0));
    let shard = &r.timeseries.bytes_per_s["shard"];
    let at = (4.0 / r.timeseries.interval_s) as usize;
    let (before, storm) = (shard[at - 1], shard[at]);
    assert!(storm > 3.0 * before, "{shard:?}");
    // The cache warms up again: traffic behind it falls back.
    assert!(*shard.last().unwrap() < 0.5 * storm, "{shard:?}");
}

#[test]
fn a_down_cache_node_misses_to_the_tier_behind_and_comes_back_empty() {
    let base = run("scenarios/cache-cold-start.yaml", "  []", &SHORT_COLD_START);
    let down = run(
        "scenarios/cache-cold-start.yaml",
        "  - { kind: node_down, target: \"cache.tweet[1]\", at: 3s, for: 2s }\n  \
         - { kind: node_down, target: \"cache.timeline[3]\", at: 3s, for: 2s }\n  \
         - { kind: node_down, target: \"cache.user[0]\", at: 3s, for: 2s }",
        &SHORT_COLD_START,
    );
    assert!(down.operations.values().all(|o| o.failed == 0), "a cache node down fails nothing");
    for layer in ["tweet", "user"] {
        let (b, d) = (&base.caches[layer], &down.caches[layer]);
        assert_eq!(b.hits + b.misses, d.hits + d.misses, "{layer}: the same lookups");
        assert!(d.misses > b.misses + (b.hits + b.misses) / 20, "{layer}: base {b:?}, down {d:?}");
    }
    assert!(down.storage == base.storage, "a cache fault changes no stored data");
}

/// A model with ten single-server app nodes in front of a fast shard, and a scenario that
/// keeps them about half busy; one app node runs three times slower from 2 s to 8 s.
fn skewed_app_tier(dir: &std::path::Path, balancer: &str) -> tweetcap::scenario::Scenario {
    write(
        dir,
        "model.yaml",
        "name: app-ten\nnodes:\n  app: { count: 10, servers: 1, service: { dist: exponential, mean: 1ms } }\n  shard: { servers: 64, read: 10us, write: 10us }\n",
    );
    let path = write(
        dir,
        "skewed.yaml",
        &format!(
            "name: skewed\nseed: 3\nduration: 10s\nwarmup: 1s\nmodel: model.yaml\npopulation: {{ users: 1000, graph: {{ generator: uniform, mean_follows: 5 }}, tweets_per_user: 1 }}\nworkload:\n  ops:\n    user_timeline: {{ rate: 5000, page_size: 1 }}\nsystem:\n  partitioning: {{ strategy: user_hash, shards: 1 }}\n  fanout: {{ strategy: push, timeline_length: 10 }}\n  load_balancing: {balancer}\nfaults:\n  - {{ kind: slow_node, target: \"app[4]\", at: 2s, for: 6s, factor: 3 }}\n"
        ),
    );
    load(&path, &[])
}

#[test]
fn p2c_gives_a_lower_maximum_utilisation_than_random_on_a_skewed_tier() {
    let dir = tempfile::tempdir().unwrap();
    let random = run_scenario(&skewed_app_tier(dir.path(), "random"));
    let p2c = run_scenario(&skewed_app_tier(dir.path(), "p2c"));
    let lo = run_scenario(&skewed_app_tier(dir.path(), "least_outstanding"));
    let (r, p, l) = (&random.nodes["app"], &p2c.nodes["app"], &lo.nodes["app"]);
    // Random sends the slow node a tenth of the load, 1.5 times what it can serve.
    assert!(r.utilisation.max > 0.85 && r.offered_load_max > 1.0 && r.unstable, "{r:?}");
    assert!(p.utilisation.max < 0.9 * r.utilisation.max, "p2c {p:?}, random {r:?}");
    assert!(l.utilisation.max < 0.9 * r.utilisation.max, "least_outstanding {l:?}, random {r:?}");
    let p99 = |x: &Report| x.operations["user_timeline"].latency_us.p99;
    assert!(p99(&p2c) * 5.0 < p99(&random), "{} vs {}", p99(&p2c), p99(&random));
}
