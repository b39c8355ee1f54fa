//! Comparisons: a scenario's matrix expands to every combination, each column is that
//! variant's own report, and the deltas are against the first column.

use super::util::{repo, shipped_scenario_text, tweetcap, write};
use tweetcap::compare::Comparison;
use tweetcap::report::Report;

#[test]
fn a_matrix_runs_every_combination_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let text = shipped_scenario_text("scenarios/fanout-push-vs-pull.yaml");
    let scenario = write(
        dir.path(),
        "m.yaml",
        &format!("{text}matrix:\n  system.fanout.strategy: [push, pull]\n  system.partitioning.shards: [4, 8]\n"),
    );
    let out = dir.path().join("out");
    let o = tweetcap(
        dir.path(),
        &[
            "compare",
            scenario.to_str().unwrap(),
            "--set",
            "population.users=5000",
            "--set",
            "duration=2s",
            "--set",
            "warmup=1s",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: Comparison = serde_json::from_slice(&std::fs::read(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(
        c.variants,
        ["strategy=push shards=4", "strategy=push shards=8", "strategy=pull shards=4", "strategy=pull shards=8"]
    );
    // Each column is its variant's report.
    let reports: Vec<Report> = (0..4)
        .map(|i| Report::read(&out.join(format!("{}-{}/report.json", i + 1, c.variants[i].replace(' ', "_")))).unwrap())
        .collect();
    assert_eq!(reports[2].plan["system"]["fanout"]["strategy"], "pull");
    assert_eq!(reports[1].plan["system"]["partitioning"]["shards"], 8);
    let row = |name: &str| c.rows.iter().find(|r| r.metric == name).unwrap_or_else(|| panic!("{name}"));
    let deliveries = row("fan-out deliveries");
    for (v, r) in deliveries.values.iter().zip(&reports) {
        assert_eq!(*v, Some(r.fanout.deliveries as f64));
    }
    assert_eq!(deliveries.values[2], Some(0.0), "pull delivers nothing");
    assert_eq!(deliveries.delta[2], Some(-1.0));
    let p99 = row("home_timeline p99 µs");
    let (first, third) =
        (reports[0].operations["home_timeline"].latency_us.p99, reports[2].operations["home_timeline"].latency_us.p99);
    let want = ((third - first) / first * 1e4).round() / 1e4;
    assert_eq!(p99.delta[2], Some(want));
    assert_eq!(p99.delta[0], Some(0.0));
    // The CSV and the page carry the same table; the overlay is drawn.
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert_eq!(csv.lines().count(), c.rows.len() + 1);
    assert!(csv.lines().next().unwrap().contains("\"strategy=pull shards=8\""));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("| fan-out deliveries |") && md.contains("(-100.0%)"), "{md}");
    assert!(std::fs::metadata(out.join("knee.svg")).unwrap().len() > 5000);
}

#[test]
fn two_files_compare_and_a_bad_matrix_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = tweetcap(
        &repo(""),
        &[
            "compare",
            "scenarios/mm1.yaml",
            "scenarios/mm1.yaml",
            "--set",
            "duration=2s",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: Comparison = serde_json::from_slice(&std::fs::read(out.join("compare.json")).unwrap()).unwrap();
    // The same scenario twice: identical columns, every delta zero.
    assert!(c.rows.iter().all(|r| r.values[0] == r.values[1]));
    assert!(c.rows.iter().all(|r| r.delta[1].is_none_or(|d| d == 0.0)));

    let text = shipped_scenario_text("scenarios/mm1.yaml");
    for (matrix, needle) in [
        ("matrix:\n  system.partitioning.shards: []\n", "an empty list"),
        ("matrix:\n  system.partitioning.shards: [{a: 1}]\n", "matrix values are single values"),
        ("matrix:\n  system.partitioning.shards: [0, 1]\n", "system.partitioning.shards: 0 is not allowed"),
    ] {
        let bad = write(dir.path(), "bad.yaml", &format!("{text}{matrix}"));
        let o =
            tweetcap(dir.path(), &["compare", bad.to_str().unwrap(), "--out", dir.path().join("x").to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{matrix}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(needle),
            "{matrix}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!dir.path().join("x").exists());
    }
}
