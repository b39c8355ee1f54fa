//! The regression gate behind `tweetcap check`: every shipped scenario re-run at a CI size,
//! its deterministic metrics compared with a committed baseline under per-metric tolerances.
//!
//! This module owns the CI size ([`ci_overrides`]), the metrics that are compared ([`metrics`]),
//! their tolerances ([`tolerance`]), the baseline file ([`Baseline`]) and the comparison
//! ([`compare`]). It runs scenarios through [`crate::run::simulate`] like `tweetcap run` does
//! and knows nothing of the engine or the strategies.
//!
//! A run is exact for its scenario and seed, so a tolerance does not absorb noise: it is the
//! room a code change gets to move a metric (a cost changed a little, a rounding changed) before
//! it counts as a regression. Counts, fixed by the seeded graph and request stream, are exact.
//! A change that reorders random draws moves most metrics beyond their tolerances and is
//! recorded on purpose with `--update` (docs/reference.md §7 gives the figures).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::report::{Report, write_atomic};
use crate::run::RunError;
use crate::scenario::{self, GraphSpec, Op, Overrides, Scenario, ScenarioError};

/// Generated populations above this many users are scaled down to it for the check.
pub const CI_MAX_USERS: u32 = 200_000;
/// The simulated requests (warm-up included) a CI-size run aims at, at most.
pub const CI_REQUEST_BUDGET: f64 = 1_000_000.0;
/// The longest measured window of a CI-size run.
pub const CI_MAX_DURATION_NS: u64 = 20_000_000_000;
/// Measured windows a CI-size run may use: the longest that fits the budget is taken.
const DURATION_LADDER_NS: [u64; 8] = [
    20_000_000_000,
    10_000_000_000,
    5_000_000_000,
    2_000_000_000,
    1_000_000_000,
    500_000_000,
    200_000_000,
    100_000_000,
];

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The scenarios folder could not be listed: check the path given to --scenarios.
    #[error("{}: cannot list scenarios: {source}", path.display())]
    Scenarios { path: PathBuf, source: std::io::Error },
    /// A name given to --only is not a scenario in the folder.
    #[error("--only {name}: no scenario {name}.yaml in {}; scenarios: {}", dir.display(), known.join(", "))]
    UnknownScenario { name: String, dir: PathBuf, known: Vec<String> },
    /// A shipped scenario does not load: fix the file (`tweetcap validate` lists its problems).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A shipped scenario does not run: its graph file cannot be loaded or disagrees with it.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A baseline file exists but cannot be read or parsed.
    #[error(
        "{}: not a readable baseline: {message}; fix or delete it, or rewrite it with `tweetcap check --update`",
        path.display()
    )]
    BaselineRead { path: PathBuf, message: String },
    /// A baseline could not be written or removed: check permissions and space.
    #[error("{}: cannot write the baseline: {message}", path.display())]
    BaselineWrite { path: PathBuf, message: String },
}

/// The `--set` overrides that turn a scenario into its CI size.
///
/// - The measured window is the longest of 20s, 10s, 5s, 2s, 1s, 500ms, 200ms, 100ms that is no longer
///   than the scenario's own and keeps the run within [`CI_REQUEST_BUDGET`] requests at the
///   scenario's mean rates (100ms at the least).
/// - The warm-up is the scenario's, but at most a fifth of that window.
/// - A generated population larger than [`CI_MAX_USERS`] is scaled down to it, its celebrities'
///   follower counts by the same factor; the rates, the mean follows and the system stay.
///   A population from a graph file keeps its size.
///
/// - Faults are scaled with the window: a fault at 20s for 15s of a 60s window is at 20/3s for
///   5s of a 20s one.
///
/// Spikes scheduled after the CI window (a spike at 30s, say) are not exercised.
pub fn ci_overrides(s: &Scenario) -> Vec<String> {
    let mut set = Vec::new();
    let mut users = s.population.users;
    let generated = matches!(s.population.graph, GraphSpec::PowerLaw { .. } | GraphSpec::Uniform { .. });
    if generated && users > CI_MAX_USERS {
        let factor = CI_MAX_USERS as f64 / users as f64;
        users = CI_MAX_USERS;
        set.push(format!("population.users={users}"));
        if let Some(c) = s.population.celebrities {
            let followers = ((c.followers as f64 * factor).round() as u32).clamp(1, users - 1);
            set.push(format!("population.graph.celebrities.followers={followers}"));
        }
    }
    let rate: f64 = Op::ALL.iter().map(|&op| s.workload.op(op).rate).sum();
    // Warm-up is at most a fifth of the window, so the window gets 5/6 of the budget.
    let fits_ns = if rate > 0.0 { CI_REQUEST_BUDGET / rate * 1e9 * 5.0 / 6.0 } else { f64::INFINITY };
    let bound = s.duration_ns.min(CI_MAX_DURATION_NS) as f64;
    let duration = DURATION_LADDER_NS
        .iter()
        .copied()
        .find(|&d| d as f64 <= bound.min(fits_ns))
        .unwrap_or(DURATION_LADDER_NS[DURATION_LADDER_NS.len() - 1])
        .min(s.duration_ns);
    let warmup = s.warmup_ns.min(duration / 5);
    if duration != s.duration_ns {
        set.push(format!("duration={}", duration_text(duration)));
    }
    if warmup != s.warmup_ns {
        set.push(format!("warmup={}", duration_text(warmup)));
    }
    // Faults are what a fault scenario is about: they keep their place in the shorter window,
    // their start and length scaled with it (to the millisecond).
    if duration != s.duration_ns && !s.faults.is_empty() {
        let k = duration as f64 / s.duration_ns as f64;
        let scaled = |ns: u64| duration_text(((ns as f64 * k / 1e6).round() as u64).max(1) * 1_000_000);
        let faults: Vec<String> = s
            .faults
            .iter()
            .map(|f| {
                let at = scaled(f.at_ns.saturating_sub(s.warmup_ns));
                let kind = f.kind.name();
                let extra = f.kind.factor().map(|x| format!(", factor: {x}")).unwrap_or_default();
                let length = if f.for_ns > 0 { format!(", for: {}", scaled(f.for_ns)) } else { String::new() };
                format!("{{kind: {kind}, target: \"{}\", at: {at}{length}{extra}}}", f.target)
            })
            .collect();
        set.push(format!("faults=[{}]", faults.join(", ")));
    }
    set
}

/// A duration in the scenario syntax, in the largest unit that keeps it whole.
fn duration_text(ns: u64) -> String {
    match ns {
        0 => "0s".to_owned(),
        ns if ns % 1_000_000_000 == 0 => format!("{}s", ns / 1_000_000_000),
        ns if ns % 1_000_000 == 0 => format!("{}ms", ns / 1_000_000),
        ns if ns % 1_000 == 0 => format!("{}us", ns / 1_000),
        ns => format!("{ns}ns"),
    }
}

/// The compared metrics of a report, by dotted name. Counts are exact; latencies in µs, sizes in
/// bytes, ratios and utilisations as fractions. Histograms and time series are left out.
pub fn metrics(r: &Report) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let mut put = |k: String, v: f64| {
        m.insert(k, v);
    };
    put("population.follow_edges".into(), r.population.follow_edges as f64);
    put("population.max_followers".into(), r.population.max_followers as f64);
    for (op, o) in &r.operations {
        let l = &o.latency_us;
        put(format!("operations.{op}.count"), o.count as f64);
        for (stat, v) in
            [("p50", l.p50), ("p90", l.p90), ("p99", l.p99), ("p999", l.p999), ("max", l.max), ("mean", l.mean)]
        {
            put(format!("operations.{op}.latency_us.{stat}"), v);
        }
    }
    let f = &r.fanout;
    put("fanout.tweets".into(), f.tweets as f64);
    put("fanout.deliveries".into(), f.deliveries as f64);
    put("fanout.lag_us.p50".into(), f.lag_us.p50);
    put("fanout.lag_us.p99".into(), f.lag_us.p99);
    put("fanout.lag_us.max".into(), f.lag_us.max);
    put("storage.total_bytes".into(), r.storage.total_bytes as f64);
    put("storage.replicated_bytes".into(), r.storage.replicated_bytes as f64);
    for (kind, b) in &r.storage.by_kind {
        put(format!("storage.by_kind.{kind}"), *b as f64);
    }
    put("bandwidth.total_bytes".into(), r.bandwidth.total_bytes as f64);
    for (tier, b) in &r.bandwidth.by_tier {
        put(format!("bandwidth.by_tier.{tier}.bytes_in"), b.bytes_in as f64);
        put(format!("bandwidth.by_tier.{tier}.bytes_out"), b.bytes_out as f64);
        put(format!("bandwidth.by_tier.{tier}.peak_bps"), b.peak_bps);
    }
    for (layer, c) in &r.caches {
        put(format!("caches.{layer}.hit_ratio"), c.hit_ratio);
        put(format!("caches.{layer}.evictions"), c.evictions as f64);
    }
    for (tier, n) in &r.nodes {
        put(format!("nodes.{tier}.visits"), n.visits as f64);
        put(format!("nodes.{tier}.utilisation.mean"), n.utilisation.mean);
        put(format!("nodes.{tier}.utilisation.max"), n.utilisation.max);
    }
    put("incomplete_requests".into(), r.incomplete_requests as f64);
    m
}

/// Which way a metric gets worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Worse {
    /// Higher is worse (latency, bytes, utilisation); lower beyond the tolerance is an improvement.
    Higher,
    /// Lower is worse (hit ratio).
    Lower,
    /// Any change is a change of behaviour (counts).
    Either,
}

/// How far a metric may move from its baseline: `max(relative × |baseline|, absolute)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub relative: f64,
    pub absolute: f64,
    pub worse: Worse,
}

impl Tolerance {
    const EXACT: Tolerance = Tolerance { relative: 0.0, absolute: 0.0, worse: Worse::Either };

    /// The allowed distance from `baseline`.
    pub fn allowed(&self, baseline: f64) -> f64 {
        (self.relative * baseline.abs()).max(self.absolute)
    }

    /// How the tolerance reads in the table: `exact`, `±5%`, `±0.005`, with `↑`/`↓` marking
    /// the direction that fails.
    pub fn label(&self) -> String {
        let size = if self.relative == 0.0 && self.absolute == 0.0 {
            return "exact".to_owned();
        } else if self.relative > 0.0 {
            format!("{}%", self.relative * 100.0)
        } else {
            format!("{}", self.absolute)
        };
        match self.worse {
            Worse::Higher => format!("+{size}"),
            Worse::Lower => format!("-{size}"),
            Worse::Either => format!("±{size}"),
        }
    }
}

/// The tolerance of a metric, by its name (see [`metrics`]); docs/reference.md lists them with
/// the reasons.
pub fn tolerance(metric: &str) -> Tolerance {
    let last = metric.rsplit('.').next().unwrap_or(metric);
    let rel = |relative: f64, absolute: f64, worse: Worse| Tolerance { relative, absolute, worse };
    if metric.contains(".latency_us.") || metric.starts_with("fanout.lag_us.") {
        // A few percent for the body of the distribution; more for its extreme tail, which a
        // handful of requests set. 1µs absorbs histogram rounding near zero.
        return match last {
            "p999" | "max" => rel(0.10, 1.0, Worse::Higher),
            _ => rel(0.05, 1.0, Worse::Higher),
        };
    }
    if metric.starts_with("storage.") {
        return rel(0.005, 0.0, Worse::Higher);
    }
    if metric.starts_with("bandwidth.") {
        return match last {
            "peak_bps" => rel(0.05, 0.0, Worse::Higher),
            _ => rel(0.01, 0.0, Worse::Higher),
        };
    }
    if metric.starts_with("caches.") {
        return match last {
            "hit_ratio" => rel(0.0, 0.005, Worse::Lower),
            _ => rel(0.02, 0.0, Worse::Higher),
        };
    }
    if metric.contains(".utilisation.") {
        return rel(0.03, 0.001, Worse::Higher);
    }
    Tolerance::EXACT
}

/// A committed baseline: the compared metrics of one scenario's CI-size run and how it was made.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub scenario: String,
    /// SHA-256 of the scenario file the baseline was made from.
    pub file_sha256: String,
    pub seed: u64,
    /// The CI-size overrides the run was made with (informational: the check derives its own).
    pub overrides: Vec<String>,
    pub tool_version: String,
    pub metrics: BTreeMap<String, f64>,
}

impl Baseline {
    pub fn of(s: &Scenario, overrides: &[String], report: &Report) -> Baseline {
        Baseline {
            scenario: s.name.clone(),
            file_sha256: s.file_sha256.clone(),
            seed: s.seed,
            overrides: overrides.to_vec(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            metrics: metrics(report),
        }
    }

    /// Reads a baseline; `Ok(None)` when the file does not exist.
    pub fn read(path: &Path) -> Result<Option<Baseline>, CheckError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CheckError::BaselineRead { path: path.to_path_buf(), message: e.to_string() }),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| CheckError::BaselineRead { path: path.to_path_buf(), message: e.to_string() })
    }

    /// Writes the baseline atomically (a temporary sibling renamed into place).
    pub fn write(&self, path: &Path) -> Result<(), CheckError> {
        let err = |message: String| CheckError::BaselineWrite { path: path.to_path_buf(), message };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        text.push('\n');
        write_atomic(path, text.as_bytes()).map_err(|e| err(e.to_string()))
    }
}

/// What became of one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Same,
    /// Moved, within its tolerance.
    Within,
    /// Moved beyond its tolerance in the better direction: passes; `--update` records it.
    Improved,
    /// Moved beyond its tolerance in the worse direction.
    Regressed,
    /// An exact metric changed.
    Changed,
    /// In the baseline, not in this run.
    Missing,
    /// In this run, not in the baseline.
    New,
}

impl Verdict {
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Regressed | Verdict::Changed | Verdict::Missing | Verdict::New)
    }

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Within => "ok",
            Verdict::Improved => "improved",
            Verdict::Regressed => "REGRESSED",
            Verdict::Changed => "CHANGED",
            Verdict::Missing => "MISSING",
            Verdict::New => "NEW",
        }
    }
}

/// One metric compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub metric: String,
    pub baseline: Option<f64>,
    pub now: Option<f64>,
    pub tolerance: Tolerance,
    pub verdict: Verdict,
}

/// Compares this run's metrics with a baseline's, metric by metric, in name order.
pub fn compare(baseline: &BTreeMap<String, f64>, now: &BTreeMap<String, f64>) -> Vec<Row> {
    let mut names: Vec<&String> = baseline.keys().chain(now.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let tolerance = tolerance(name);
            let (b, n) = (baseline.get(name).copied(), now.get(name).copied());
            let verdict = match (b, n) {
                (Some(b), Some(n)) => judge(b, n, tolerance),
                (Some(_), None) => Verdict::Missing,
                _ => Verdict::New,
            };
            Row { metric: name.clone(), baseline: b, now: n, tolerance, verdict }
        })
        .collect()
}

fn judge(baseline: f64, now: f64, t: Tolerance) -> Verdict {
    let delta = now - baseline;
    if delta == 0.0 {
        return Verdict::Same;
    }
    if delta.abs() <= t.allowed(baseline) {
        return Verdict::Within;
    }
    match (t.worse, delta > 0.0) {
        (Worse::Either, _) => Verdict::Changed,
        (Worse::Higher, true) | (Worse::Lower, false) => Verdict::Regressed,
        _ => Verdict::Improved,
    }
}

/// Scenario files as `(name, path)`, the name being the file stem.
pub type Named = Vec<(String, PathBuf)>;

/// The scenarios of a folder, sorted by name.
pub fn scenarios(dir: &Path) -> Result<Named, CheckError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CheckError::Scenarios { path: dir.to_path_buf(), source })?;
    let mut found = Vec::new();
    for e in entries {
        let path = e.map_err(|source| CheckError::Scenarios { path: dir.to_path_buf(), source })?.path();
        if path.extension().is_some_and(|x| x == "yaml" || x == "yml")
            && path.is_file()
            && let Some(stem) = path.file_stem()
        {
            found.push((stem.to_string_lossy().into_owned(), path));
        }
    }
    found.sort();
    Ok(found)
}

/// What `tweetcap check` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    pub scenarios: PathBuf,
    pub baselines: PathBuf,
    pub update: bool,
    /// Scenario names to check; empty means all.
    pub only: Vec<String>,
    /// Scenarios run at once (each run is single-threaded).
    pub threads: usize,
}

/// One scenario's outcome.
#[derive(Debug)]
pub enum Outcome {
    /// Compared with its baseline; `file_changed` when the scenario file is not the one the
    /// baseline was made from.
    Compared { rows: Vec<Row>, overrides: Vec<String>, file_changed: bool },
    /// No baseline file.
    NoBaseline { path: PathBuf },
    /// `--update` wrote the baseline; `rows` compare it with the one it replaced, if any.
    Updated { path: PathBuf, rows: Vec<Row>, overrides: Vec<String> },
    /// The scenario or its baseline is bad input.
    Bad(CheckError),
}

/// The result of a check: one outcome per scenario, and baselines without a scenario.
#[derive(Debug)]
pub struct Summary {
    pub results: Vec<(String, Outcome)>,
    /// Baselines whose scenario is gone: left alone (and reported) by a check, deleted by `--update`.
    pub orphans: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
}

impl Summary {
    /// 2 for bad input, 1 for a regression or a missing baseline, 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        let bad = self.results.iter().any(|(_, o)| matches!(o, Outcome::Bad(_)));
        let failed = self.results.iter().any(|(_, o)| match o {
            Outcome::Compared { rows, .. } => rows.iter().any(|r| r.verdict.fails()),
            Outcome::NoBaseline { .. } => true,
            _ => false,
        });
        if bad {
            2
        } else if failed {
            1
        } else {
            0
        }
    }
}

/// The scenarios of a folder named in `only` (all of them when it is empty), as [`scenarios`]
/// lists them, and the names of every scenario there; a name that is not there is an error.
pub fn chosen(dir: &Path, only: &[String]) -> Result<(Named, Vec<String>), CheckError> {
    let all = scenarios(dir)?;
    let known: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
    if let Some(name) = only.iter().find(|n| !known.contains(n)) {
        return Err(CheckError::UnknownScenario { name: name.clone(), dir: dir.to_path_buf(), known });
    }
    Ok((all.into_iter().filter(|(n, _)| only.is_empty() || only.contains(n)).collect(), known))
}

/// Runs the check (or the update) over the scenarios asked for, `threads` at a time.
pub fn check(o: &Options) -> Result<Summary, CheckError> {
    let (chosen, known) = chosen(&o.scenarios, &o.only)?;

    let outcomes = crate::pool::map_in_order(o.threads, &chosen, |(name, path)| one(o, name, path));
    let results: Vec<(String, Outcome)> = chosen.into_iter().map(|(name, _)| name).zip(outcomes).collect();

    // Baselines whose scenario is gone (only when every scenario was asked for).
    let mut orphans = Vec::new();
    let mut removed = Vec::new();
    if o.only.is_empty() && o.baselines.is_dir() {
        let entries = std::fs::read_dir(&o.baselines)
            .map_err(|e| CheckError::BaselineRead { path: o.baselines.clone(), message: e.to_string() })?;
        let mut stale: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter(|p| p.file_stem().is_some_and(|s| !known.iter().any(|k| k.as_str() == s)))
            .collect();
        stale.sort();
        for p in stale {
            if o.update {
                std::fs::remove_file(&p)
                    .map_err(|e| CheckError::BaselineWrite { path: p.clone(), message: e.to_string() })?;
                removed.push(p);
            } else {
                orphans.push(p);
            }
        }
    }
    Ok(Summary { results, orphans, removed })
}

/// Loads, sizes, runs and compares (or records) one scenario.
fn one(o: &Options, name: &str, path: &Path) -> Outcome {
    let baseline_path = o.baselines.join(format!("{name}.json"));
    let old = match Baseline::read(&baseline_path) {
        Ok(b) => b,
        Err(e) if !o.update => return Outcome::Bad(e),
        Err(_) => None,
    };
    if old.is_none() && !o.update {
        return Outcome::NoBaseline { path: baseline_path };
    }
    let (s, overrides, report) = match run_ci(path) {
        Ok(x) => x,
        Err(e) => return Outcome::Bad(e),
    };
    let now = metrics(&report);
    let rows = old.as_ref().map(|b| compare(&b.metrics, &now)).unwrap_or_default();
    if o.update {
        let b = Baseline::of(&s, &overrides, &report);
        return match b.write(&baseline_path) {
            Ok(()) => Outcome::Updated { path: baseline_path, rows, overrides },
            Err(e) => Outcome::Bad(e),
        };
    }
    let file_changed = old.is_some_and(|b| b.file_sha256 != s.file_sha256);
    Outcome::Compared { rows, overrides, file_changed }
}

/// Runs a scenario at its CI size: the scenario as resolved with the CI overrides, the
/// overrides, and the report.
pub fn run_ci(path: &Path) -> Result<(Scenario, Vec<String>, Report), CheckError> {
    let full = scenario::load(path, &Overrides::default())?;
    let set = ci_overrides(&full);
    let s = scenario::load(path, &Overrides { seed: None, set: set.clone() })?;
    let report = crate::run::simulate(&s, &mut |_| {})?;
    Ok((s, set, report))
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{x:.0}") } else { format!("{x:.3}") }
}

/// The table of what changed: every metric that moved, with its baseline, value now, delta,
/// tolerance and verdict.
pub fn table(rows: &[Row]) -> String {
    let moved: Vec<&Row> = rows.iter().filter(|r| r.verdict != Verdict::Same).collect();
    let mut out = String::new();
    if moved.is_empty() {
        return out;
    }
    let width = moved.iter().map(|r| r.metric.len()).max().unwrap_or(6).max(6);
    let _ = writeln!(
        out,
        "  {:<width$} {:>14} {:>14} {:>10} {:>10}  verdict",
        "metric", "baseline", "now", "delta", "tolerance"
    );
    for r in moved {
        let show = |v: Option<f64>| v.map_or("-".to_owned(), number);
        let delta = match (r.baseline, r.now) {
            (Some(b), Some(n)) if b != 0.0 => format!("{:+.2}%", (n - b) / b.abs() * 100.0),
            (Some(b), Some(n)) => format!("{}{}", if n > b { "+" } else { "" }, number(n - b)),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {:<width$} {:>14} {:>14} {:>10} {:>10}  {}",
            r.metric,
            show(r.baseline),
            show(r.now),
            delta,
            r.tolerance.label(),
            r.verdict.word()
        );
    }
    out
}

/// The whole report of a check, as printed.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let plan = |set: &[String]| {
        if set.is_empty() {
            "full size".to_owned()
        } else {
            set.iter().map(|s| format!("--set {s}")).collect::<Vec<_>>().join(" ")
        }
    };
    let mut failed = 0;
    for (name, outcome) in &summary.results {
        match outcome {
            Outcome::Compared { rows, overrides, file_changed } => {
                let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
                let bad = rows.iter().filter(|r| r.verdict.fails()).count();
                failed += usize::from(bad > 0);
                let _ = writeln!(
                    out,
                    "{name}: {} ({}): {} metrics, {} same, {} within tolerance, {} improved, {} failed",
                    if bad > 0 { "FAILED" } else { "ok" },
                    plan(overrides),
                    rows.len(),
                    count(Verdict::Same),
                    count(Verdict::Within),
                    count(Verdict::Improved),
                    bad
                );
                out.push_str(&table(rows));
                if *file_changed {
                    let _ = writeln!(out, "  note: the scenario file changed since this baseline was made");
                }
                if bad > 0 || count(Verdict::Improved) > 0 {
                    let _ = writeln!(
                        out,
                        "  if the change is intended: tweetcap check --update --only {name}, and commit the baseline"
                    );
                }
            }
            Outcome::NoBaseline { path } => {
                failed += 1;
                let _ = writeln!(
                    out,
                    "{name}: FAILED: no baseline {}; create it with `tweetcap check --update --only {name}` and commit it",
                    path.display()
                );
            }
            Outcome::Updated { path, rows, overrides } => {
                let _ = writeln!(out, "{name}: wrote {} ({})", path.display(), plan(overrides));
                out.push_str(&table(rows));
            }
            Outcome::Bad(e) => {
                failed += 1;
                let _ = writeln!(out, "{name}: ERROR: {e}");
            }
        }
    }
    for p in &summary.orphans {
        let _ = writeln!(
            out,
            "note: {} has no scenario any more and guards nothing; `tweetcap check --update` deletes it",
            p.display()
        );
    }
    for p in &summary.removed {
        let _ = writeln!(out, "removed {}: its scenario is gone", p.display());
    }
    let n = summary.results.len();
    let _ = match summary.exit_code() {
        0 => writeln!(out, "check: {n} scenarios, none regressed"),
        _ => writeln!(out, "check: {failed} of {n} scenarios FAILED"),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn verdicts_follow_tolerance_and_direction() {
        let p99 = "operations.home_timeline.latency_us.p99";
        let base = map(&[(p99, 1000.0), ("fanout.deliveries", 50.0), ("caches.timeline.hit_ratio", 0.9)]);
        let verdict = |k: &str, v: f64| {
            let mut now = base.clone();
            now.insert(k.to_owned(), v);
            compare(&base, &now).into_iter().find(|r| r.metric == k).map(|r| r.verdict)
        };
        assert_eq!(verdict(p99, 1000.0), Some(Verdict::Same));
        assert_eq!(verdict(p99, 1049.0), Some(Verdict::Within));
        assert_eq!(verdict(p99, 1051.0), Some(Verdict::Regressed));
        assert_eq!(verdict(p99, 900.0), Some(Verdict::Improved));
        assert_eq!(verdict("fanout.deliveries", 51.0), Some(Verdict::Changed));
        assert_eq!(verdict("fanout.deliveries", 49.0), Some(Verdict::Changed));
        assert_eq!(verdict("caches.timeline.hit_ratio", 0.896), Some(Verdict::Within));
        assert_eq!(verdict("caches.timeline.hit_ratio", 0.89), Some(Verdict::Regressed));
        assert_eq!(verdict("caches.timeline.hit_ratio", 0.91), Some(Verdict::Improved));
        let rows = compare(&base, &map(&[(p99, 1000.0), ("nodes.app.visits", 3.0)]));
        let v: Vec<Verdict> = rows.iter().map(|r| r.verdict).collect();
        assert_eq!(v, [Verdict::Missing, Verdict::Missing, Verdict::New, Verdict::Same]);
    }

    #[test]
    fn table_shows_only_what_moved() {
        let base = map(&[("incomplete_requests", 0.0), ("fanout.tweets", 10.0)]);
        let now = map(&[("incomplete_requests", 3.0), ("fanout.tweets", 10.0)]);
        let t = table(&compare(&base, &now));
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2, "{t}");
        assert!(lines[1].contains("incomplete_requests") && lines[1].contains("+3"), "{t}");
        assert!(lines[1].contains("exact") && lines[1].ends_with("CHANGED"), "{t}");
        assert_eq!(table(&compare(&base, &base)), "");
    }

    #[test]
    fn faults_are_scaled_with_the_ci_window() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/shard-loss.yaml");
        let s = scenario::load(&path, &Overrides::default()).expect("shard-loss loads");
        // 60s with a fault at 20s for 15s; the CI window is 20s, a third.
        let set = ci_overrides(&s);
        assert!(set.contains(&"duration=20s".to_owned()), "{set:?}");
        assert!(
            set.contains(&"faults=[{kind: node_down, target: \"shard[3]\", at: 6667ms, for: 5s}]".to_owned()),
            "{set:?}"
        );
        // The overrides load: the fault is inside the shorter window.
        let ci = scenario::load(&path, &Overrides { seed: None, set }).expect("CI size loads");
        assert_eq!((ci.faults[0].at_ns - ci.warmup_ns, ci.faults[0].for_ns), (6_667_000_000, 5_000_000_000));
    }

    #[test]
    fn durations_print_in_scenario_units() {
        assert_eq!(duration_text(5_000_000_000), "5s");
        assert_eq!(duration_text(500_000_000), "500ms");
        assert_eq!(duration_text(1_500), "1500ns");
        assert_eq!(duration_text(0), "0s");
    }

    #[test]
    fn tolerance_labels() {
        assert_eq!(tolerance("fanout.deliveries").label(), "exact");
        assert_eq!(tolerance("operations.post_tweet.latency_us.p50").label(), "+5%");
        assert_eq!(tolerance("caches.tweet.hit_ratio").label(), "-0.005");
    }
}
