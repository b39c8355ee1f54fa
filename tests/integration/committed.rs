//! The committed reports in reports/ are what the code produces: every shipped scenario is
//! regenerated at full size into a temporary folder and compared with its committed report.
//! `tweetcap reports` writes a matrix scenario's comparison, replaces a folder whole, and
//! refuses bad input.

use std::path::Path;

use super::util::{repo, root, shipped_scenario_text, tweetcap, write};
use tweetcap::shipped;

#[test]
fn committed_reports_are_what_the_code_writes() {
    // A report records the scenario path it was given, as `tweetcap reports` gives it from the
    // checkout's root: Cargo runs the tests there.
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(cwd.canonicalize().unwrap(), root().canonicalize().unwrap(), "the tests must run from the crate root");
    let fresh = tempfile::tempdir().unwrap();
    let options = shipped::Options {
        scenarios: "scenarios".into(),
        out: fresh.path().to_path_buf(),
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        only: Vec::new(),
    };
    let started = std::time::Instant::now();
    let written = shipped::regenerate(&options, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("regenerated {} reports in {:.1} s", written.len(), started.elapsed().as_secs_f64());
    let scenarios = std::fs::read_dir(repo("scenarios")).unwrap().count();
    assert_eq!(written.len(), scenarios, "a report per shipped scenario");

    let stale = shipped::stale(&repo("reports"), fresh.path()).unwrap();
    assert!(
        stale.is_empty(),
        "committed reports differ from what the code writes now (the first difference of each):\n{}\n\nRegenerate them from the checkout's root with `{}` and commit reports/.",
        stale.iter().map(|d| format!("  reports/{d}")).collect::<Vec<_>>().join("\n"),
        shipped::REGENERATE
    );
}

/// A checkout-like folder: `models/` copied, and `scenarios/` with the given files.
fn checkout(scenarios: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("models")).unwrap();
    for e in std::fs::read_dir(repo("models")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join("models").join(e.file_name())).unwrap();
    }
    for (name, text) in scenarios {
        write(dir.path(), &format!("scenarios/{name}"), text);
    }
    dir
}

/// Quickstart, small and short, under another name, with `extra` appended.
fn small(name: &str, extra: &str) -> String {
    let text = std::fs::read_to_string(repo("scenarios/quickstart.yaml")).unwrap();
    let text = text.replacen("name: quickstart", &format!("name: {name}"), 1);
    let text = text.replace("duration: 60s", "duration: 2s").replace("users: 20000", "users: 2000");
    format!("{text}{extra}")
}

/// The files below `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> =
        walk(dir).iter().map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned()).collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn reports_writes_each_scenario_and_a_matrix_as_its_comparison() {
    let dir = checkout(&[
        ("plain.yaml", &small("plain", "")),
        ("grid.yaml", &small("grid", "matrix:\n  system.fanout.strategy: [push, pull]\n")),
    ]);
    // A file left in a report folder by hand is gone afterwards: the folder is replaced whole.
    write(dir.path(), "reports/plain/old.txt", "left over");
    write(dir.path(), "reports/README.md", "kept");
    let o = tweetcap(dir.path(), &["reports", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("reports/compare-grid") && stdout.contains("reports/plain"), "{stdout}");

    let reports = dir.path().join("reports");
    let plain = files(&reports.join("plain"));
    for f in ["report.json", "report.md", "report.html", "operations.csv", "plots/latency.svg", "timing.json"] {
        assert!(plain.iter().any(|p| p == f), "reports/plain has no {f}: {plain:?}");
    }
    assert!(!plain.iter().any(|p| p == "old.txt"), "{plain:?}");
    assert_eq!(std::fs::read_to_string(reports.join("README.md")).unwrap(), "kept");
    // The path the report records is the one the README's commands give.
    let r = tweetcap::report::Report::read(&reports.join("plain/report.json")).unwrap();
    assert_eq!(r.plan["path"], "scenarios/plain.yaml");

    let grid = files(&reports.join("compare-grid"));
    for f in ["compare.md", "compare.html", "compare.json", "compare.csv", "knee.svg", "1-strategy=push/report.json"] {
        assert!(grid.iter().any(|p| p == f), "reports/compare-grid has no {f}: {grid:?}");
    }
    assert!(!reports.join("grid").exists(), "a matrix scenario writes its comparison only");
    let page = std::fs::read_to_string(reports.join("compare-grid/compare.md")).unwrap();
    assert!(page.contains("[2: strategy=pull](2-strategy=pull/report.md)"), "{page}");

    // Again: the same committed files, byte for byte; nothing stale.
    let before = tempfile::tempdir().unwrap();
    let o = tweetcap(dir.path(), &["reports", "--out", before.path().to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(shipped::stale(&reports, before.path()).unwrap(), vec![]);

    // A changed scenario makes its committed report stale, and says where.
    write(dir.path(), "scenarios/plain.yaml", &small("plain", "").replace("seed: 42", "seed: 43"));
    let after = tempfile::tempdir().unwrap();
    let o = tweetcap(dir.path(), &["reports", "--only", "plain", "--out", after.path().to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stale = shipped::stale(&reports, after.path()).unwrap();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!((stale[0].folder.as_str(), stale[0].file.as_str()), ("plain", "caches.csv"), "{}", stale[0]);
}

#[test]
fn reports_refuses_bad_input_without_writing() {
    let shipped_text = shipped_scenario_text("scenarios/quickstart.yaml");
    // No scenarios folder.
    let empty = tempfile::tempdir().unwrap();
    let o = tweetcap(empty.path(), &["reports"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("scenarios: cannot list scenarios"));
    // An unknown --only name, a bad scenario, a name that would overwrite the baselines.
    for (files, args, says) in [
        (vec![("a.yaml", shipped_text.clone())], vec!["reports", "--only", "b"], "--only b: no scenario b.yaml"),
        (vec![("a.yaml", shipped_text.replace("duration: 60s", "duration: 60 parsecs"))], vec!["reports"], "duration"),
        (
            vec![("a.yaml", shipped_text.replace("name: quickstart", "name: baselines"))],
            vec!["reports"],
            "report folder `baselines` holds the regression baselines",
        ),
    ] {
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let dir = checkout(&files);
        let o = tweetcap(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!dir.path().join("reports").exists(), "{args:?} wrote reports");
    }
}
