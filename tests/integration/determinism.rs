//! The same scenario and seed give a byte-identical report.json, wall-clock time aside, and
//! byte-identical plots.

use super::util::{repo, tweetcap};

fn report_without_wall_clock(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    // The one wall-clock figure sits on its own line; everything else must match byte for byte.
    text.lines().filter(|l| !l.trim_start().starts_with("\"wall_seconds\"")).collect::<Vec<_>>().join("\n")
}

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
    report_without_wall_clock(out)
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
    // The plots are drawn from the report alone, wall-clock time aside: identical too.
    for name in ["latency", "timeseries", "fanout-lag", "storage", "utilisation"] {
        for ext in ["svg", "png"] {
            let file = format!("plots/{name}.{ext}");
            let read = |run: &str| std::fs::read(dir.path().join(run).join(&file)).expect("plot file");
            assert!(read("a") == read("b"), "{file} differs between two runs with the same seed");
        }
    }
    // Only wall_seconds was left out.
    let full = std::fs::read_to_string(dir.path().join("a/report.json")).unwrap();
    assert_eq!(full.lines().count(), a.lines().count() + 1);
}
