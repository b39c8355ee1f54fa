//! A slice of the fleet predicts the whole (`population.sample`, docs/slice.md): the check
//! scenario at 400K users (the documented command runs it at 2M) run whole, and as 1/8 of the
//! fleet, each averaged over seeds (see the test) so that what is compared is the model rather
//! than two draws of it. Held to: per-tier mean and max
//! utilisation within 3% (relative), cache hit ratios within 1 percentage point, p50 and p99 of
//! each operation with at least 5,000 requests within 5%, storage and bandwidth totals within
//! 1%, deliveries per tweet within 3% (2% at 2M users, where the most active user weighs less).

use std::collections::BTreeMap;

use tweetcap::report::Report;

use super::util::*;

/// The check scenario at 400K users: per-user rates as written (Twitter's 2012), 32 shards,
/// 8 timeline-cache nodes, caches a fifth of the 2M size.
const AT_400K: [&str; 12] = [
    "population.users=400000",
    "workload.ops.post_tweet.rate=12.27",
    "workload.ops.home_timeline.rate=800",
    "workload.ops.user_timeline.rate=80",
    "workload.ops.like_tweet.rate=26.67",
    "workload.ops.follow.rate=0.533",
    "workload.ops.unfollow.rate=0.133",
    "system.partitioning.shards=32",
    "system.caches.timeline.nodes=8",
    "system.caches.timeline.capacity_per_node=64MB",
    "system.caches.tweet.capacity_per_node=32MB",
    "system.caches.user.capacity_per_node=16MB",
];

fn run(set: &[&str]) -> Report {
    let s = load(&repo("tests/scenarios/slice-vs-whole.yaml"), set);
    tweetcap::run::simulate(&s, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// The figures compared, by name (and each operation's count, which says whether its
/// percentiles are compared).
fn figures(r: &Report) -> BTreeMap<String, f64> {
    let mut f = BTreeMap::new();
    for (tier, n) in &r.nodes {
        if n.utilisation.mean > 1e-4 {
            f.insert(format!("{tier} utilisation mean"), n.utilisation.mean);
            f.insert(format!("{tier} utilisation max"), n.utilisation.max);
        }
    }
    for (layer, c) in &r.caches {
        f.insert(format!("cache.{layer} hit ratio"), c.hit_ratio);
    }
    for (op, o) in &r.operations {
        f.insert(format!("{op} count"), o.count as f64);
        f.insert(format!("{op} p50"), o.latency_us.p50);
        f.insert(format!("{op} p99"), o.latency_us.p99);
    }
    f.insert("storage total".into(), r.storage.total_bytes as f64);
    f.insert("bandwidth total".into(), r.bandwidth.total_bytes as f64);
    f.insert("deliveries per tweet".into(), r.fanout.deliveries_per_tweet.mean);
    f
}

/// How far the slice may be from the whole on `name` (and whether that is in percentage points
/// rather than relative), or `None` where it is not held.
fn tolerance(name: &str, whole: &BTreeMap<String, f64>) -> Option<(f64, bool)> {
    let op_requests = |name: &str| whole.get(&name.replace(" p50", " count").replace(" p99", " count"));
    if name.contains("utilisation") {
        Some((0.03, false))
    } else if name.ends_with("hit ratio") {
        Some((0.01, true))
    } else if name.ends_with(" p50") || name.ends_with(" p99") {
        op_requests(name).filter(|&&n| n >= 5000.0).map(|_| (0.05, false))
    } else if name.starts_with("storage") || name.starts_with("bandwidth") {
        Some((0.01, false))
    } else if name == "deliveries per tweet" {
        // The 2% holds at 2M users (docs/slice.md). At 400K one user acts in 1.6% of
        // the requests, and its follower count alone moves a run's deliveries per tweet by
        // about 2%: with 3 runs of the whole the comparison's own noise is about 1.5%.
        Some((0.03, false))
    } else {
        None
    }
}

#[test]
fn a_slice_predicts_the_whole() {
    // The figures of each, averaged over seeds: 3 of the whole, 16 of the slice (twice as many
    // simulated requests). A single user acts in 1.6% of the requests here (zipf 0.8 over 400K
    // users), so one run's deliveries per tweet move by about 2% with that user's follower count
    // alone: averaging is what lets the comparison be of the model rather than of two draws.
    let average = |set: &[&str], seeds: u64, check: &dyn Fn(&Report)| {
        let mut mean: BTreeMap<String, f64> = BTreeMap::new();
        for seed in 7..7 + seeds {
            let seed = format!("seed={seed}");
            let set: Vec<&str> = AT_400K.iter().chain(set).copied().chain([seed.as_str()]).collect();
            let r = run(&set);
            check(&r);
            for (name, v) in figures(&r) {
                *mean.entry(name).or_default() += v / seeds as f64;
            }
        }
        mean
    };
    let whole = average(&[], 3, &|r| assert_eq!(r.population.sample, 1.0));
    let slice = average(&["population.sample=1/8"], 16, &|r| {
        assert_eq!((r.population.users, r.population.simulated_users, r.population.sample), (400_000, 50_000, 0.125));
    });
    let mut table = String::from("figure | whole, mean of 3 seeds | 1/8 slice, mean of 16 seeds | difference\n");
    let mut misses = Vec::new();
    for (name, &w) in &whole {
        let s = slice.get(name).copied().unwrap_or(f64::NAN);
        let Some((tol, absolute)) = tolerance(name, &whole) else { continue };
        let diff = if absolute { s - w } else { (s - w) / w };
        table.push_str(&format!(
            "{name} | {w:.6} | {s:.6} | {:+.2}{}\n",
            diff * 100.0,
            if absolute { " pp" } else { "%" }
        ));
        if diff.is_nan() || diff.abs() > tol {
            misses.push(name.clone());
        }
    }
    eprintln!("{table}");
    assert!(misses.is_empty(), "the slice is off the whole on {misses:?}:\n{table}");
}
