//! `tweetcap check`, the regression gate: passes on a clean tree, fails (exit 1, naming the
//! metric) on a baseline moved beyond its tolerance, passes within it, fails on a missing
//! baseline, and treats an unreadable baseline as bad input (exit 2).

use super::util::{repo, tweetcap};
use std::path::{Path, PathBuf};
use std::process::Output;
use tweetcap::check::{self, Baseline, Options, Outcome, Verdict};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A scenarios folder holding only the shipped mm1 scenario (the cheapest), with its model.
fn mm1_tree(dir: &Path) -> PathBuf {
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("mkdir");
    std::fs::create_dir_all(dir.join("models")).expect("mkdir");
    std::fs::copy(repo("scenarios/mm1.yaml"), scenarios.join("mm1.yaml")).expect("copy scenario");
    std::fs::copy(repo("models/single-exponential.yaml"), dir.join("models/single-exponential.yaml"))
        .expect("copy model");
    scenarios
}

/// Runs `tweetcap check` on the mm1-only tree with baselines in `dir/baselines`.
fn check_mm1(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", "--scenarios", "scenarios", "--baselines", "baselines"];
    args.extend(extra);
    tweetcap(dir, &args)
}

/// Rewrites one metric of a baseline file.
fn perturb(path: &Path, metric: &str, f: impl Fn(f64) -> f64) -> f64 {
    let mut b = Baseline::read(path).expect("readable").expect("exists");
    let names: Vec<String> = b.metrics.keys().cloned().collect();
    let v = b.metrics.get_mut(metric).unwrap_or_else(|| panic!("no {metric} in {names:?}"));
    *v = f(*v);
    let moved = *v;
    b.write(path).expect("write");
    moved
}

#[test]
fn every_scenario_passes_against_baselines_it_just_wrote() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = |update| Options {
        scenarios: repo("scenarios"),
        baselines: dir.path().join("baselines"),
        update,
        only: Vec::new(),
        threads: 2,
    };
    let written = check::check(&options(true)).expect("update");
    assert_eq!(written.exit_code(), 0, "{}", check::render(&written));
    let shipped = check::scenarios(&repo("scenarios")).expect("list").len();
    assert_eq!(written.results.len(), shipped);
    for (name, outcome) in &written.results {
        assert!(matches!(outcome, Outcome::Updated { .. }), "{name}: {outcome:?}");
        assert!(dir.path().join(format!("baselines/{name}.json")).exists());
    }
    // The runs are deterministic: a second run matches every metric exactly.
    let checked = check::check(&options(false)).expect("check");
    assert_eq!(checked.exit_code(), 0, "{}", check::render(&checked));
    for (name, outcome) in &checked.results {
        let Outcome::Compared { rows, .. } = outcome else { panic!("{name}: {outcome:?}") };
        assert!(rows.len() > 20, "{name}: only {} metrics", rows.len());
        assert!(rows.iter().all(|r| r.verdict == Verdict::Same), "{name}: {}", check::table(rows));
    }
}

#[test]
fn committed_baseline_of_a_cheap_scenario_passes() {
    let o = tweetcap(&repo(""), &["check", "--only", "mm1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("mm1: ok"), "{}", text(&o));
}

#[test]
fn a_regression_beyond_tolerance_fails_and_names_the_metric() {
    let dir = tempfile::tempdir().expect("tempdir");
    mm1_tree(dir.path());
    let o = check_mm1(dir.path(), &["--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let baseline = dir.path().join("baselines/mm1.json");
    let p99 = "operations.user_timeline.latency_us.p99";

    // A baseline 10% lower than now: now is 11% higher, beyond the 5% allowed.
    perturb(&baseline, p99, |v| v / 1.10);
    let o = check_mm1(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    let row = out.lines().find(|l| l.contains(p99)).unwrap_or_else(|| panic!("no row for {p99}:\n{out}"));
    assert!(row.contains("REGRESSED") && row.contains("+10.00%") && row.contains("+5%"), "{row}");
    assert!(out.contains("tweetcap check --update --only mm1"), "{out}");

    // An exact count moved by one: a change of behaviour either way.
    check_mm1(dir.path(), &["--update"]);
    perturb(&baseline, "operations.user_timeline.count", |v| v + 1.0);
    let o = check_mm1(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).lines().any(|l| l.contains("operations.user_timeline.count") && l.contains("CHANGED")));
}

#[test]
fn a_move_within_tolerance_or_for_the_better_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    mm1_tree(dir.path());
    check_mm1(dir.path(), &["--update"]);
    let baseline = dir.path().join("baselines/mm1.json");
    // Now 2% above the baseline (5% allowed), and the mean 20% below it (an improvement).
    perturb(&baseline, "operations.user_timeline.latency_us.p99", |v| v / 1.02);
    perturb(&baseline, "operations.user_timeline.latency_us.mean", |v| v * 1.25);
    let o = check_mm1(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.lines().any(|l| l.contains("latency_us.p99") && l.trim_end().ends_with(" ok")), "{out}");
    assert!(out.lines().any(|l| l.contains("latency_us.mean") && l.contains("improved")), "{out}");
}

#[test]
fn a_missing_baseline_fails_and_says_how_to_make_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    mm1_tree(dir.path());
    let o = check_mm1(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no baseline") && text(&o).contains("tweetcap check --update"), "{}", text(&o));
    // --update makes it, atomically (no temporary file left), and the check then passes.
    let o = check_mm1(dir.path(), &["--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let files: Vec<_> = std::fs::read_dir(dir.path().join("baselines")).expect("dir").flatten().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(check_mm1(dir.path(), &[]).status.code(), Some(0));
}

#[test]
fn bad_baselines_and_names_are_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    mm1_tree(dir.path());
    std::fs::create_dir_all(dir.path().join("baselines")).expect("mkdir");
    std::fs::write(dir.path().join("baselines/mm1.json"), "{ not json").expect("write");
    let o = check_mm1(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("mm1.json: not a readable baseline"), "{}", text(&o));

    let o = check_mm1(dir.path(), &["--only", "nosuch"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--only nosuch") && text(&o).contains("mm1"), "{}", text(&o));

    let o = tweetcap(dir.path(), &["check", "--scenarios", "no-such-folder"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!text(&o).contains("panicked"), "{}", text(&o));
}

#[test]
fn a_baseline_without_its_scenario_is_reported_and_removed_by_update() {
    let dir = tempfile::tempdir().expect("tempdir");
    mm1_tree(dir.path());
    check_mm1(dir.path(), &["--update"]);
    let gone = dir.path().join("baselines/retired.json");
    std::fs::copy(dir.path().join("baselines/mm1.json"), &gone).expect("copy");
    let o = check_mm1(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("retired.json has no scenario"), "{}", text(&o));
    assert!(gone.exists());
    let o = check_mm1(dir.path(), &["--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!gone.exists(), "{}", text(&o));
}
