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

/// Twitter 2012 on a small fleet (1.6M users, a slice of 50K): the published ratios hold for
/// the fleet the report speaks for.
#[test]
fn twitter_2012_on_a_small_fleet_keeps_its_ratios() {
    let r = run("scenarios/twitter-2012.yaml", &["population.users=1600000", "duration=2s", "warmup=1s"]);
    assert_eq!((r.population.users, r.population.simulated_users), (1_600_000, 50_000));
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

#[test]
fn partition_by_user_keeps_profiles_on_one_shard_and_by_tweet_scatters_them() {
    let small = ["population.users=20000", "duration=4s", "warmup=1s"];
    let user = run("scenarios/partition-user-vs-tweet.yaml", &small);
    let mut set = small.to_vec();
    set.push("system.partitioning.strategy=tweet_hash");
    let tweet = run("scenarios/partition-user-vs-tweet.yaml", &set);
    let width = |r: &Report, op: &str| r.operations[op].shards_touched.clone();
    // user_hash: a profile page is the author's shard alone; tweet_hash: the page's tweets
    // are spread over the shards of their ids.
    assert_eq!((width(&user, "user_timeline").mean, width(&user, "user_timeline").max), (1.0, 1.0));
    assert!(width(&tweet, "user_timeline").mean > 5.0, "{:?}", width(&tweet, "user_timeline"));
    assert!(width(&tweet, "home_timeline").mean > width(&user, "home_timeline").mean);
    // A post writes one shard under user_hash; under tweet_hash the body and the author's
    // index usually land on two.
    assert_eq!(width(&user, "post_tweet").max, 1.0);
    assert!(width(&tweet, "post_tweet").mean > 1.8);
    // Scatter-gather is more work in total for the shard tier.
    let work = |r: &Report| r.nodes["shard"].utilisation.mean;
    assert!(work(&tweet) > 1.5 * work(&user), "{} vs {}", work(&tweet), work(&user));
    for r in [&user, &tweet] {
        let p = r.partitioning.as_ref().unwrap();
        assert_eq!(p.load_share.len(), 16);
        assert!((p.load_share.iter().sum::<f64>() - 1.0).abs() < 1e-4);
        assert!((p.storage_share.iter().sum::<f64>() - 1.0).abs() < 1e-4);
    }
}

#[test]
fn a_hot_user_makes_one_shard_hot_under_user_hash_only() {
    let small = ["population.users=20000", "population.graph.celebrities.followers=16000", "duration=4s", "warmup=1s"];
    let user = run("scenarios/hot-user.yaml", &small);
    let mut set = small.to_vec();
    set.push("system.partitioning.strategy=tweet_hash");
    let tweet = run("scenarios/hot-user.yaml", &set);
    let (u, t) = (user.partitioning.unwrap(), tweet.partitioning.unwrap());
    assert!(u.load_max_over_mean > 1.4, "{u:?}");
    assert!(t.load_max_over_mean < 1.2, "{t:?}");
    assert!(user.nodes["shard"].utilisation.max > 1.4 * user.nodes["shard"].utilisation.mean);
}

#[test]
fn push_pull_and_hybrid_trade_deliveries_for_read_work() {
    let small = ["population.users=20000", "duration=4s", "warmup=1s"];
    let variant = |strategy: &str, extra: &[&'static str]| {
        let s = format!("system.fanout.strategy={strategy}");
        let mut set: Vec<&str> = small.to_vec();
        set.push(&s);
        set.extend(extra);
        run("scenarios/fanout-push-vs-pull.yaml", &set)
    };
    let push = variant("push", &[]);
    let pull = variant("pull", &[]);
    let hybrid = variant("hybrid", &["system.fanout.celebrity_followers=500"]);
    assert_eq!((pull.fanout.deliveries, pull.storage.by_kind["timelines"]), (0, 0));
    assert!(push.fanout.deliveries > 0 && push.fanout.lag_us.p99 > 0.0);
    assert!(hybrid.fanout.deliveries > 0 && hybrid.fanout.deliveries < push.fanout.deliveries);
    assert!(hybrid.storage.by_kind["timelines"] < push.storage.by_kind["timelines"]);
    // Pull reads gather from more shards and cost the shard tier more.
    let home = |r: &Report| r.operations["home_timeline"].shards_touched.mean;
    assert!(home(&pull) > home(&push), "{} vs {}", home(&pull), home(&push));
    assert!(
        pull.operations["home_timeline"].latency_us.p99 > push.operations["home_timeline"].latency_us.p99,
        "pull reads merge at read time"
    );
}

#[test]
fn the_tweet_cache_takes_its_hits_off_the_shards() {
    let small = ["population.users=20000", "duration=4s", "warmup=2s"];
    let with = |policy: &str| {
        let s = format!("system.caches.tweet.policy={policy}");
        let mut set: Vec<&str> = small.to_vec();
        set.push(&s);
        run("scenarios/cache-policy.yaml", &set)
    };
    let none = with("none");
    let out = |r: &Report| r.bandwidth.by_tier["shard"].bytes_out as f64;
    for policy in ["lru", "s3fifo", "sieve"] {
        let r = with(policy);
        let c = &r.caches["tweet"];
        assert!(c.hit_ratio > 0.5 && c.byte_hit_ratio > 0.5, "{policy}: {c:?}");
        // What the shards no longer serve is what the cache served.
        let saved = out(&none) - out(&r);
        assert!((saved / c.hit_bytes as f64 - 1.0).abs() < 0.03, "{policy}: saved {saved}, hits {}", c.hit_bytes);
    }
}

/// The user-record cache and the image edge of twitter-2012: switching either off sends
/// exactly the bytes its hits served to the tier behind (the shards, the blob store).
#[test]
fn the_user_cache_and_the_image_edge_take_their_hits_off_the_tiers_behind() {
    let small = ["population.users=1600000", "duration=2s", "warmup=1s"];
    let with = |extra: &[&str]| run("scenarios/twitter-2012.yaml", &[&small[..], extra].concat());
    let (both, no_user, no_image) =
        (with(&[]), with(&["system.caches.user.policy=none"]), with(&["system.caches.image.policy=none"]));
    let out = |r: &Report, tier: &str| r.bandwidth.by_tier[tier].bytes_out as f64;
    let (user, image) = (&both.caches["user"], &both.caches["image"]);
    assert!(user.hit_ratio > 0.9 && image.hit_ratio > 0.5, "{user:?} {image:?}");
    let saved = out(&no_user, "shard") - out(&both, "shard");
    assert!((saved / user.hit_bytes as f64 - 1.0).abs() < 0.03, "shard: saved {saved}, hits {}", user.hit_bytes);
    let saved = out(&no_image, "blob") - out(&both, "blob");
    assert!((saved / image.hit_bytes as f64 - 1.0).abs() < 0.03, "blob: saved {saved}, hits {}", image.hit_bytes);
    // Without the edge every image view is a blob read: the blob tier works far harder.
    let busy = |r: &Report| r.nodes["blob"].utilisation.mean;
    assert!(busy(&no_image) > 5.0 * busy(&both), "{} vs {}", busy(&no_image), busy(&both));
    // The requests are the same in all three.
    assert_eq!(both.operations["home_timeline"].count, no_image.operations["home_timeline"].count);
}

#[test]
fn time_range_makes_the_newest_bucket_the_hot_shard_and_user_time_spreads_it() {
    let small = ["population.users=20000", "duration=4s", "warmup=1s"];
    let variant = |strategy: &str| {
        let s = format!("system.partitioning.strategy={strategy}");
        let mut set: Vec<&str> = small.to_vec();
        set.push(&s);
        run("scenarios/partition-user-vs-tweet.yaml", &set)
    };
    let (time, user_time, tweet) = (variant("time_range"), variant("user_time"), variant("tweet_hash"));
    // Every tweet of the run is in the current hour: one shard takes all new bodies, and the
    // reads of recent tweets that dominate timelines.
    let hot = |r: &Report| r.partitioning.as_ref().unwrap().load_max_over_mean;
    // (The authors' user records hydrated with each page are spread by user and dilute it: 1.42
    // against 1.19 and 1.07 at this seed.)
    assert!(hot(&time) > 1.3, "{}", hot(&time));
    assert!(hot(&user_time) < hot(&time) && hot(&tweet) < 1.3, "{} {}", hot(&user_time), hot(&tweet));
    // user_time keeps a profile page within the author's group of 4 shards.
    assert!(user_time.operations["user_timeline"].shards_touched.max <= 4.0);
}

/// Feeding Frenzy's claim on the shipped question: choosing per edge costs no more than the
/// better of all-push and all-pull.
#[test]
fn cost_based_does_no_more_work_than_the_better_of_push_and_pull() {
    let small = ["population.users=20000", "duration=4s", "warmup=1s"];
    let variant = |strategy: &str| {
        let s = format!("system.fanout.strategy={strategy}");
        let mut set: Vec<&str> = small.to_vec();
        set.push(&s);
        run("scenarios/fanout-push-vs-pull.yaml", &set)
    };
    let (push, pull, cost) = (variant("push"), variant("pull"), variant("cost_based"));
    assert_eq!((push.fanout.pushed_edge_share, pull.fanout.pushed_edge_share), (1.0, 0.0));
    let share = cost.fanout.pushed_edge_share;
    assert!(share > 0.5 && share < 1.0, "{share}");
    let best = push.fanout.busy_servers.min(pull.fanout.busy_servers);
    assert!(
        cost.fanout.busy_servers <= best,
        "cost_based {} vs push {} and pull {}",
        cost.fanout.busy_servers,
        push.fanout.busy_servers,
        pull.fanout.busy_servers
    );
    assert!(cost.fanout.deliveries < push.fanout.deliveries);
}

/// A cache that evicted nothing while most lookups missed is named as still filling: its hit
/// ratio is a cold start's. Once it is small enough to fill and evict, it is not.
#[test]
fn a_cache_still_filling_is_named() {
    let small = ["population.users=20000", "population.graph.celebrities.followers=15000", "duration=2s", "warmup=0s"];
    let filling = |r: &Report| r.warnings.iter().any(|w| w.starts_with("cache.timeline: still filling from empty"));
    let cold = run("scenarios/celebrity.yaml", &small);
    assert!(cold.caches["timeline"].evictions == 0 && cold.caches["timeline"].hit_ratio < 0.9);
    assert!(filling(&cold), "{:?}", cold.warnings);
    let tight =
        run("scenarios/celebrity.yaml", &[&small[..], &["system.caches.timeline.capacity_per_node=20KB"]].concat());
    assert!(tight.caches["timeline"].evictions > 0);
    assert!(!filling(&tight), "{:?}", tight.warnings);
}

#[test]
fn a_thrashing_cache_is_named_and_the_tables_are_written_as_csv() {
    let r = run("scenarios/quickstart.yaml", &["duration=5s", "system.caches.timeline.capacity_per_node=20KB"]);
    assert!(r.warnings.iter().any(|w| w.starts_with("cache.timeline: thrashing")), "{:?}", r.warnings);
    let normal = run("scenarios/quickstart.yaml", &["duration=5s"]);
    assert!(!normal.warnings.iter().any(|w| w.contains("thrashing")), "{:?}", normal.warnings);

    let dir = tempfile::tempdir().unwrap();
    r.write(dir.path()).unwrap();
    let ops = std::fs::read_to_string(dir.path().join("operations.csv")).unwrap();
    let mut lines = ops.lines();
    assert_eq!(
        lines.next().unwrap(),
        "operation,count,failed,throughput_per_s,p50_us,p90_us,p99_us,p999_us,max_us,mean_us"
    );
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let o = &r.operations[cells[0]];
        assert_eq!(cells[1].parse::<u64>().unwrap(), o.count);
        assert_eq!(cells[6].parse::<f64>().unwrap(), o.latency_us.p99);
    }
    let nodes = std::fs::read_to_string(dir.path().join("nodes.csv")).unwrap();
    assert_eq!(nodes.lines().count(), r.nodes.len() + 1);
    let caches = std::fs::read_to_string(dir.path().join("caches.csv")).unwrap();
    assert!(caches.lines().nth(1).unwrap().starts_with("timeline,lru,2,20000,"));
    let storage = std::fs::read_to_string(dir.path().join("storage.csv")).unwrap();
    let total: u64 = storage.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(total, r.storage.by_kind.values().sum::<u64>());
}
