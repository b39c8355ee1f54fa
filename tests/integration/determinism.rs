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
