//! The committed reports of the shipped scenarios: `tweetcap reports` regenerates them, and the
//! test suite regenerates them into a temporary folder and fails when a committed one differs
//! ([`stale`]), so that `reports/` always shows what the code produces.
//!
//! Each scenario in the scenarios folder gives one folder under the reports folder, named as
//! `run` and `compare` name their default output: `<name>/`, what `tweetcap run
//! scenarios/<file>` writes, or for a scenario with a `matrix:`, `compare-<name>/`, what
//! `tweetcap compare scenarios/<file>` writes (the comparison, and each variant's report).
//! A report echoes the scenario path it was given (`plan.path`), so the scenarios folder is
//! named as the README's commands name it, relative to the current folder.
//!
//! Of what a run writes, the PNG plots (the SVGs are committed; the PNGs are bitmaps of them)
//! and timing.json (wall-clock time) are not committed: see [`committed`].

use std::path::{Path, PathBuf};

use crate::check::CheckError;
use crate::compare;
use crate::report::{Report, ReportError};
use crate::run::RunError;
use crate::scenario::{self, Overrides, ScenarioError};

/// The command that regenerates the committed reports, as the docs and messages give it.
pub const REGENERATE: &str = "cargo run --release -- reports";

#[derive(Debug, thiserror::Error)]
pub enum ShippedError {
    /// The scenarios folder could not be listed (run from the checkout's root), or a name given
    /// to --only is not a scenario in it.
    #[error(transparent)]
    Select(#[from] CheckError),
    /// A shipped scenario does not load: `tweetcap validate` lists its problems.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Two scenarios would write the same folder, or one would write a folder the reports
    /// folder keeps for something else.
    #[error("{}: its report folder `{folder}` {why}; rename the scenario (its `name:`)", path.display())]
    Folder { path: PathBuf, folder: String, why: String },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A report folder could not be put in place: check permissions and space.
    #[error("{}: cannot replace the report folder: {source}", path.display())]
    Replace { path: PathBuf, source: std::io::Error },
}

/// What `tweetcap reports` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// The scenarios folder, as the README names it (`scenarios`).
    pub scenarios: PathBuf,
    /// The reports folder (`reports`).
    pub out: PathBuf,
    /// Runs at once.
    pub jobs: usize,
    /// File names without `.yaml` to regenerate; empty means all.
    pub only: Vec<String>,
}

/// Folders under the reports folder that are not a scenario's report.
const RESERVED: [&str; 1] = ["baselines"];

/// One shipped scenario and where its committed report lives.
struct Shipped {
    path: PathBuf,
    /// The folder under the reports folder.
    folder: String,
    /// Labels and scenarios of its runs: one for a plain scenario, one per combination of a
    /// matrix.
    variants: Vec<compare::Variant>,
    matrix: bool,
}

fn shipped(o: &Options) -> Result<Vec<Shipped>, ShippedError> {
    let (chosen, _) = crate::check::chosen(&o.scenarios, &o.only)?;
    let mut out: Vec<Shipped> = Vec::new();
    for (_, path) in chosen {
        let s = scenario::load(&path, &Overrides::default())?;
        let matrix = !s.matrix.is_empty();
        let folder = if matrix { format!("compare-{}", s.name) } else { s.name.clone() };
        let clash = |why: String| ShippedError::Folder { path: path.clone(), folder: folder.clone(), why };
        if RESERVED.contains(&folder.as_str()) {
            return Err(clash("holds the regression baselines".to_owned()));
        }
        if let Some(other) = out.iter().find(|x| x.folder == folder) {
            return Err(clash(format!("is also the folder of {}", other.path.display())));
        }
        let variants = if matrix {
            compare::variants(&[path.as_path()], &Overrides::default())?
        } else {
            vec![compare::Variant { label: s.name.clone(), scenario: s }]
        };
        out.push(Shipped { path, folder, variants, matrix });
    }
    Ok(out)
}

/// Runs every shipped scenario (every variant of a matrix), `jobs` at a time, and writes each
/// one's report folder under `o.out`, replacing what was there: the folder holds exactly what
/// this run wrote. Returns the folders written. `done` is called after each run with (runs done,
/// runs in all). Nothing is written unless every run succeeded.
pub fn regenerate(o: &Options, done: &(dyn Fn(usize, usize) + Sync)) -> Result<Vec<PathBuf>, ShippedError> {
    let shipped = shipped(o)?;
    let scenarios: Vec<scenario::Scenario> =
        shipped.iter().flat_map(|s| s.variants.iter().map(|v| v.scenario.clone())).collect();
    let mut reports = crate::sweep::run_all(&scenarios, o.jobs, done)?.into_iter();
    let mut written = Vec::new();
    for s in &shipped {
        let mine: Vec<Report> = reports.by_ref().take(s.variants.len()).collect();
        let dir = o.out.join(&s.folder);
        replace_dir(&dir, |tmp| {
            if s.matrix {
                let labels: Vec<String> = s.variants.iter().map(|v| v.label.clone()).collect();
                compare::write(tmp, &compare::compare(&labels, &mine), &mine)
            } else {
                mine[0].write(tmp)
            }
        })?;
        written.push(dir);
    }
    Ok(written)
}

/// Writes a folder's new contents beside it, then swaps it into place.
fn replace_dir(dir: &Path, fill: impl FnOnce(&Path) -> Result<(), ReportError>) -> Result<(), ShippedError> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let pid = std::process::id();
    let tmp = dir.with_file_name(format!(".{name}.new{pid}"));
    let old = dir.with_file_name(format!(".{name}.old{pid}"));
    let _ = std::fs::remove_dir_all(&tmp);
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e.into());
    }
    let replace = |source| ShippedError::Replace { path: dir.to_path_buf(), source };
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(replace)?;
    }
    std::fs::rename(&tmp, dir).map_err(replace)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Whether a file of a report folder (its path relative to the folder) is committed: every
/// file but the PNG plots, timing.json and temporary files.
pub fn committed(rel: &Path) -> bool {
    let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    !(name.starts_with('.') || name == Report::TIMING_FILE || rel.extension().is_some_and(|x| x == "png"))
}

/// A committed report that differs from the one the code produces now.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The report folder, under the reports folder.
    pub folder: String,
    /// The file, relative to the folder (empty when the folder itself is missing).
    pub file: String,
    /// What differs: the first differing field of a JSON file, else the first differing line.
    pub what: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.file.is_empty() {
            write!(f, "{}: {}", self.folder, self.what)
        } else {
            write!(f, "{}/{}: {}", self.folder, self.file, self.what)
        }
    }
}

/// Compares the committed report folders under `committed_root` with freshly generated ones
/// under `fresh_root` (each folder `fresh_root` holds): the first difference of each folder
/// that differs, in folder order. Only committed files count ([`committed`]).
pub fn stale(committed_root: &Path, fresh_root: &Path) -> std::io::Result<Vec<Difference>> {
    let mut folders: Vec<String> = std::fs::read_dir(fresh_root)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    folders.sort();
    let mut out = Vec::new();
    for folder in folders {
        let (old, new) = (committed_root.join(&folder), fresh_root.join(&folder));
        if !old.is_dir() {
            out.push(Difference { folder, file: String::new(), what: "no committed report".to_owned() });
            continue;
        }
        let (old_files, new_files) = (files(&old)?, files(&new)?);
        let mut all: Vec<&PathBuf> = old_files.iter().chain(&new_files).collect();
        all.sort();
        all.dedup();
        for rel in all {
            let file = rel.to_string_lossy().into_owned();
            let what = match (old_files.contains(rel), new_files.contains(rel)) {
                (false, _) => Some("not committed, but the code writes it".to_owned()),
                (_, false) => Some("committed, but the code no longer writes it".to_owned()),
                _ => first_difference(&std::fs::read(old.join(rel))?, &std::fs::read(new.join(rel))?, rel),
            };
            if let Some(what) = what {
                out.push(Difference { folder, file, what });
                break;
            }
        }
    }
    Ok(out)
}

/// The committed files below `dir`, relative to it, sorted.
fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        for e in std::fs::read_dir(dir.join(&rel))? {
            let e = e?;
            let path = rel.join(e.file_name());
            if e.file_type()?.is_dir() {
                todo.push(path);
            } else if committed(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// How two versions of a file differ, or `None` when they are the same bytes.
fn first_difference(old: &[u8], new: &[u8], rel: &Path) -> Option<String> {
    if old == new {
        return None;
    }
    if rel.extension().is_some_and(|x| x == "json")
        && let (Ok(a), Ok(b)) = (serde_json::from_slice(old), serde_json::from_slice(new))
        && let Some(d) = json_difference(&a, &b, String::new())
    {
        return Some(d);
    }
    let (a, b) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let (mut la, mut lb) = (a.lines(), b.lines());
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (None, None) => return Some("the same lines, other bytes (line endings?)".to_owned()),
            (x, y) => {
                let show = |l: Option<&str>| l.map_or_else(|| "end of file".to_owned(), |l| format!("`{}`", clip(l)));
                return Some(format!("line {n}: committed {}, now {}", show(x), show(y)));
            }
        }
    }
}

/// The first field in which two JSON values differ, as `path: committed X, now Y`.
fn json_difference(a: &serde_json::Value, b: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => json_difference(p, q, at(k)),
                (Some(_), None) => Some(format!("{}: committed, but the code no longer writes it", at(k))),
                (None, _) => Some(format!("{}: not committed, but the code writes it", at(k))),
            })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| json_difference(p, q, format!("{path}[{i}]"))).or_else(
                || (x.len() != y.len()).then(|| format!("{path}: committed {} entries, now {}", x.len(), y.len())),
            )
        }
        _ if a == b => None,
        _ => Some(format!(
            "{}: committed {}, now {}",
            if path.is_empty() { "the whole file" } else { &path },
            clip(&a.to_string()),
            clip(&b.to_string())
        )),
    }
}

/// A long line or value cut to a readable length.
fn clip(s: &str) -> String {
    const MAX: usize = 160;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_files_leave_out_bitmaps_timing_and_temporaries() {
        assert!(committed(Path::new("report.json")));
        assert!(committed(Path::new("plots/latency.svg")));
        assert!(committed(Path::new("1-push/report.html")));
        assert!(!committed(Path::new("plots/latency.png")));
        assert!(!committed(Path::new("knee.png")));
        assert!(!committed(Path::new("timing.json")));
        assert!(!committed(Path::new("1-push/timing.json")));
        assert!(!committed(Path::new(".report.json.tmp12")));
    }

    #[test]
    fn json_differences_name_the_first_field() {
        let a: serde_json::Value =
            serde_json::json!({"ops": {"home": {"p99": 5.0, "p50": 1.0}}, "list": [1, 2], "gone": 1});
        let mut b = a.clone();
        b["ops"]["home"]["p99"] = serde_json::json!(6.0);
        assert_eq!(json_difference(&a, &b, String::new()).unwrap(), "ops.home.p99: committed 5.0, now 6.0");
        let mut c = a.clone();
        c["list"] = serde_json::json!([1, 2, 3]);
        assert_eq!(json_difference(&a, &c, String::new()).unwrap(), "list: committed 2 entries, now 3");
        c["list"] = serde_json::json!([1, 4]);
        assert_eq!(json_difference(&a, &c, String::new()).unwrap(), "list[1]: committed 2, now 4");
        let mut d = a.clone();
        d.as_object_mut().unwrap().remove("gone");
        assert_eq!(
            json_difference(&a, &d, String::new()).unwrap(),
            "gone: committed, but the code no longer writes it"
        );
        assert_eq!(json_difference(&a, &a.clone(), String::new()), None);
    }

    #[test]
    fn text_differences_name_the_first_line() {
        let rel = Path::new("report.md");
        assert_eq!(first_difference(b"a\nb\nc\n", b"a\nb\nc\n", rel), None);
        assert_eq!(first_difference(b"a\nb\nc\n", b"a\nB\nc\n", rel).unwrap(), "line 2: committed `b`, now `B`");
        assert_eq!(first_difference(b"a\n", b"a\nb\n", rel).unwrap(), "line 2: committed end of file, now `b`");
        // A JSON file that does not parse is compared as text.
        assert_eq!(
            first_difference(b"{\n1\n", b"{\n2\n", Path::new("x.json")).unwrap(),
            "line 2: committed `1`, now `2`"
        );
    }

    #[test]
    fn stale_reports_compare_committed_files_only() {
        let root = tempfile::tempdir().unwrap();
        let (old, new) = (root.path().join("old"), root.path().join("new"));
        let put = |dir: &Path, rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        for dir in [&old, &new] {
            put(dir, "a/report.md", "same\n");
            put(dir, "b/report.md", "same\n");
        }
        // Bitmaps and timing may differ.
        put(&old, "a/plots/x.png", "1");
        put(&new, "a/plots/x.png", "2");
        put(&new, "a/timing.json", "{}");
        assert_eq!(stale(&old, &new).unwrap(), vec![]);
        put(&new, "b/plots/x.svg", "<svg/>");
        put(&new, "c/report.md", "new\n");
        let found: Vec<String> = stale(&old, &new).unwrap().iter().map(|d| d.to_string()).collect();
        assert_eq!(found, ["b/plots/x.svg: not committed, but the code writes it", "c: no committed report"]);
    }
}
