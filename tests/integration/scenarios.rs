//! The shipped scenarios answer their questions: each runs (scaled down where it is large) and
//! its report shows the answer.

use super::util::{load, repo};
use tweetcap::report::Report;

fn run(file: &str, set: &[&str]) -> Report {
    let s = load(&repo(file), set);
    tweetcap::run::simulate(&s, &mut |_| {}).expect("run")
}

/// 60,000 users on 8 shards, the celebrity followed by 50,000 of them.
const SMALL_CELEBRITY: [&str; 5] = [
    "population.users=60000",
    "population.graph.celebrities.followers=50000",
    "system.partitioning.shards=8",
    "duration=5s",
    "warmup=1s",
];

#[test]
fn celebrity_push_against_hybrid() {
    let push = run("scenarios/celebrity.yaml", &SMALL_CELEBRITY);
    let mut set = SMALL_CELEBRITY.to_vec();
    set.extend(["system.fanout.strategy=hybrid", "system.fanout.celebrity_followers=10000"]);
    let hybrid = run("scenarios/celebrity.yaml", &set);

    // The celebrity (50,000 followers) tweets about once a second: push delivers each tweet to
    // every follower, hybrid to none of them.
    assert!(push.fanout.deliveries_per_tweet.max >= 50_000.0, "{:?}", push.fanout);
    assert!(hybrid.fanout.deliveries_per_tweet.max < 10_000.0, "{:?}", hybrid.fanout);
    assert!(
        hybrid.fanout.deliveries * 3 < push.fanout.deliveries,
        "{} vs {}",
        hybrid.fanout.deliveries,
        push.fanout.deliveries
    );
    assert!(hybrid.storage.by_kind["timelines"] * 3 < push.storage.by_kind["timelines"]);
    // The write storm shows as delivery lag.
    assert!(
        push.fanout.lag_us.max > 2.0 * hybrid.fanout.lag_us.max,
        "{:?} vs {:?}",
        push.fanout.lag_us,
        hybrid.fanout.lag_us
    );
    // Hybrid pays at read time: every follower's read merges the celebrity's tweets.
    let reads = |r: &Report| r.nodes["shard"].visits;
    assert!(reads(&hybrid) > reads(&push));
    assert!(hybrid.operations["home_timeline"].latency_us.mean > push.operations["home_timeline"].latency_us.mean);
    // Same workload, same seed: the requests are the same.
    assert_eq!(push.operations["home_timeline"].count, hybrid.operations["home_timeline"].count);
}

#[test]
fn twitter_2012_scaled_down_keeps_its_ratios() {
    let r = run("scenarios/twitter-2012-scaled.yaml", &["population.users=50000", "duration=2s", "warmup=1s"]);
    let ops = &r.operations;
    let ratio = ops["home_timeline"].throughput_per_s / ops["post_tweet"].throughput_per_s;
    assert!((ratio / (300_000.0 / 4_600.0) - 1.0).abs() < 0.05, "read/write ratio {ratio}");
    // Mean fan-out about 75 (power law with mean follows 75).
    assert!((r.fanout.deliveries_per_tweet.mean / 75.0 - 1.0).abs() < 0.25, "{:?}", r.fanout);
    assert!(r.nodes.values().all(|n| !n.unstable), "{:?}", r.nodes);
    assert!(r.slo_met(), "{:?}", r.slo);
}

#[test]
fn quickstart_meets_its_slos_and_matches_its_estimate() {
    let r = run("scenarios/quickstart.yaml", &["duration=20s"]);
    assert!(r.slo_met(), "{:?}", r.slo);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // The back-of-envelope and the simulation agree on what they both count: a Poisson count
    // over 20 s lies within 4 standard deviations of its mean.
    for (op, qps) in &r.estimate.mean_qps {
        let sim = r.operations[op].throughput_per_s;
        let sd = (qps * r.simulated_seconds).sqrt() / r.simulated_seconds;
        assert!((sim - qps).abs() < 4.0 * sd, "{op}: simulated {sim} vs estimated {qps}");
    }
    let est = r.estimate.deliveries_per_tweet;
    assert!(
        (r.fanout.deliveries_per_tweet.mean / est - 1.0).abs() < 0.2,
        "{} vs {est}",
        r.fanout.deliveries_per_tweet.mean
    );
    // Every request is accounted for, and the storage reconciles across shards and kinds.
    assert_eq!(r.incomplete_requests, 0);
    assert_eq!(r.storage.by_shard.iter().sum::<u64>() + r.storage.by_kind["images"], r.storage.total_bytes);
    assert_eq!(r.storage.by_kind.values().sum::<u64>(), r.storage.total_bytes);
}

#[test]
fn consistent_hashing_runs_and_keeps_users_whole() {
    let r = run(
        "scenarios/quickstart.yaml",
        &["duration=5s", "system.partitioning.strategy=consistent_hash", "system.partitioning.vnodes=200"],
    );
    assert!(r.slo_met(), "{:?}", r.slo);
    // A user's tweets sit with the user: every user_timeline read is one shard visit, so
    // the shard tier is visited no more than under user_hash for the same requests.
    let user_hash = run("scenarios/quickstart.yaml", &["duration=5s"]);
    assert_eq!(r.operations["user_timeline"].count, user_hash.operations["user_timeline"].count);
    let skew = |r: &Report| {
        let s = &r.storage.by_shard;
        *s.iter().max().unwrap() as f64 / (s.iter().sum::<u64>() as f64 / s.len() as f64)
    };
    assert!(skew(&r) < 1.3, "storage max/mean {}", skew(&r));
}
