//! The same scenario and seed give a byte-identical report.json, report.md, report.html, CSV
//! files and plots; the wall-clock time is in timing.json beside them.

use super::util::{repo, tweetcap};

fn run(out: &std::path::Path, seed: &str) -> String {
    let o = tweetcap(
        &repo(""),
        &[
            "run",
            "scenarios/quickstart.yaml",
            "--out",
            out.to_str().unwrap(),
            "--seed",
            seed,
            "--set",
            "duration=10s",
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(out.join("report.json")).expect("report.json")
}

#[test]
fn same_seed_same_report_other_seed_other_report() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(&dir.path().join("a"), "7");
    let b = run(&dir.path().join("b"), "7");
    let c = run(&dir.path().join("c"), "8");
    assert!(a == b, "same seed, different reports");
    assert_ne!(a, c, "another seed gave the same report");
    assert!(a.contains("\"seed\": 7"));
    // Every other view is drawn from the report alone: identical too.
    let mut files = vec!["report.md".to_owned(), "report.html".to_owned()];
    files.extend(["operations", "nodes", "caches", "storage"].map(|t| format!("{t}.csv")));
    for name in ["latency", "timeseries", "fanout-lag", "storage", "utilisation"] {
        files.extend(["svg", "png"].map(|ext| format!("plots/{name}.{ext}")));
    }
    for file in files {
        let read = |run: &str| std::fs::read(dir.path().join(run).join(&file)).expect("report file");
        assert!(read("a") == read("b"), "{file} differs between two runs with the same seed");
    }
    // The wall-clock time is beside the report, not in it.
    assert!(!a.contains("wall_seconds"));
    let timing: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a/timing.json")).unwrap()).unwrap();
    assert!(timing["wall_seconds"].as_f64().is_some_and(|s| s > 0.0), "{timing}");
}

/// The history a run preloads (`workload::preload`, which delivers it home by home, on all
/// cores) leaves the state that posting it request by request leaves: every home timeline as
/// held (entries and ring), every user's tweets, storage, counts. Rings wrap (more posts reach
/// a home than it holds), and every fan-out strategy decides who is pushed to.
#[test]
fn a_preloaded_history_is_the_history_posted_one_by_one() {
    use tweetcap::service::{HISTORY_MS, Plan};
    for fanout in ["push", "pull", "hybrid", "cost_based"] {
        let mut set = vec![
            "population.users=3000".to_string(),
            "population.tweets_per_user=30".to_string(),
            format!("system.fanout.strategy={fanout}"),
        ];
        if fanout == "hybrid" {
            set.push("system.fanout.celebrity_followers=40".to_string());
        }
        let s = tweetcap::scenario::load(
            &repo("scenarios/quickstart.yaml"),
            &tweetcap::scenario::Overrides { seed: None, set },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let graph = tweetcap::assembly::build_graph(&s).unwrap();
        let mut fast = tweetcap::assembly::simulated_service(&s, graph.clone());
        tweetcap::workload::preload(&s, &mut fast);

        // The same posts, as preload draws them, one request each.
        let slow = tweetcap::assembly::simulated_service(&s, graph);
        let users = slow.users() as u64;
        let total = users * 30;
        let mut rng = tweetcap::seed::rng(s.seed, "preload");
        let spec = s.workload.op(tweetcap::scenario::Op::PostTweet);
        let mut plan = Plan::default();
        for i in 0..total {
            let at_ms = -(HISTORY_MS as i64) + (i as u128 * HISTORY_MS as u128 / total as u128) as i64;
            let text = spec.text_bytes.sample(&mut rng).round().max(0.0) as u32;
            slow.post_tweet(at_ms, (i % users) as u32, text, 0, &mut plan);
        }

        assert_eq!(fast.counts(), slow.counts(), "{fanout}");
        assert!(fast.counts().tweets == total);
        assert_eq!(fast.storage(), slow.storage(), "{fanout}");
        assert_eq!(fast.heap_bytes(), slow.heap_bytes(), "{fanout}: the rings' sizes");
        for u in 0..users as u32 {
            assert_eq!(fast.stored_timeline(u), slow.stored_timeline(u), "{fanout}: home of {u}");
            assert_eq!(fast.tweets_of(u), slow.tweets_of(u), "{fanout}: tweets of {u}");
        }
        assert_eq!(fast.recent_tweet(12345), slow.recent_tweet(12345));
    }
}
