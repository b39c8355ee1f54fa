//! Sweeps: one scenario run at several values of one key (and with several independent seeds
//! per value), in parallel on all cores. The result is a knee curve per operation (throughput
//! and latency against the varied value), 95% confidence intervals across the replications,
//! and the smallest value that meets every SLO, with the reason each smaller one failed.
//!
//! Runs are independent and each is deterministic, so the result does not depend on the number
//! of threads or the order they finish in.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::report::doc::{Doc, Span, Table, code, link, strong, text};
use crate::report::plots::{Knee, PlotError, Rendered};
use crate::report::{Report, ReportError, plots, write_atomic};
use crate::run::RunError;
use crate::scenario::{self, Overrides, ScenarioError};

/// A confidence interval: the mean over replications and the half-width of its 95% interval
/// (Student's t; 0 with one replication).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Ci {
    pub mean: f64,
    pub half_width: f64,
}

impl Ci {
    pub fn of(xs: &[f64]) -> Ci {
        let n = xs.len();
        if n == 0 {
            return Ci::default();
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Ci { mean, half_width: 0.0 };
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = t_quantile_975(n - 1);
        Ci { mean: round3(mean), half_width: round3(t * (var / n as f64).sqrt()) }
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
fn t_quantile_975(df: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df as f64).map(|t| t.inverse_cdf(0.975)).unwrap_or(1.96)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One operation at one point of the sweep.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OpPoint {
    pub throughput_per_s: Ci,
    pub p50_us: Ci,
    pub p99_us: Ci,
    pub p999_us: Ci,
    pub failed: Ci,
}

/// One value of the varied key.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Point {
    pub value: String,
    pub seeds: Vec<u64>,
    pub operations: BTreeMap<String, OpPoint>,
    /// Per tier: the busiest node's utilisation.
    pub utilisation_max: BTreeMap<String, Ci>,
    /// Whether every SLO was met, judged on the mean over replications.
    pub slo_met: bool,
    /// Why not: each missed target, unstable tier or failed request, in words.
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Sweep {
    pub scenario: String,
    pub key: String,
    pub replications: u32,
    pub points: Vec<Point>,
    /// The first value, in the order swept, that meets every SLO (`None` if none does or the
    /// scenario has no SLO).
    pub smallest_meeting_slos: Option<String>,
    pub has_slos: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Run(#[from] RunError),
    #[error("--vary {0}: expected key.path=value1,value2,... with at least one value")]
    Vary(String),
    #[error("--replications must be at least 1")]
    Replications,
    /// The output folder could not be created: check the path and permissions.
    #[error("{}: {source}", path.display())]
    Folder { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// What to sweep: `key` over `values`, `replications` seeds per value.
pub struct Spec {
    pub key: String,
    pub values: Vec<String>,
    pub replications: u32,
    /// Threads to run on (at least 1).
    pub jobs: usize,
}

impl Spec {
    /// Parses `key.path=v1,v2,...`.
    pub fn parse(vary: &str, replications: u32, jobs: usize) -> Result<Spec, SweepError> {
        let (key, values) = vary.split_once('=').ok_or_else(|| SweepError::Vary(vary.to_owned()))?;
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
        if key.trim().is_empty() || values.is_empty() {
            return Err(SweepError::Vary(vary.to_owned()));
        }
        if replications == 0 {
            return Err(SweepError::Replications);
        }
        Ok(Spec { key: key.trim().to_owned(), values, replications, jobs: jobs.max(1) })
    }
}

/// The seed of replication `i` of a scenario whose seed is `seed`: the scenario's own for the
/// first, independent streams for the others.
pub fn replication_seed(seed: u64, i: u32) -> u64 {
    if i == 0 { seed } else { crate::seed::stream_seed(seed, &format!("replication-{i}")) }
}

/// Runs the sweep. Every point's scenario is loaded (and so validated) before any runs, so a
/// bad value fails fast. `done` is called after each run with (runs done, runs in all).
pub fn sweep(
    path: &Path,
    base: &Overrides,
    spec: &Spec,
    done: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Sweep, Vec<Vec<Report>>), SweepError> {
    let mut scenarios = Vec::new();
    for value in &spec.values {
        let mut set = base.set.clone();
        set.push(format!("{}={value}", spec.key));
        let first = scenario::load(path, &Overrides { seed: base.seed, set: set.clone() })?;
        let seed = first.seed;
        for i in 0..spec.replications {
            let s = if i == 0 {
                first.clone()
            } else {
                scenario::load(path, &Overrides { seed: Some(replication_seed(seed, i)), set: set.clone() })?
            };
            scenarios.push(s);
        }
    }
    let reports = run_all(&scenarios, spec.jobs, done)?;
    let per_point: Vec<Vec<Report>> =
        reports.chunks(spec.replications as usize).map(|c| c.to_vec()).collect::<Vec<_>>();
    let points: Vec<Point> = spec.values.iter().zip(&per_point).map(|(v, rs)| point(v, rs)).collect();
    let has_slos = per_point.first().and_then(|rs| rs.first()).is_some_and(|r| !r.slo.is_empty());
    let smallest_meeting_slos =
        if has_slos { points.iter().find(|p| p.slo_met).map(|p| p.value.clone()) } else { None };
    let name = per_point.first().and_then(|rs| rs.first()).map(|r| r.scenario.clone()).unwrap_or_default();
    Ok((
        Sweep {
            scenario: name,
            key: spec.key.clone(),
            replications: spec.replications,
            points,
            smallest_meeting_slos,
            has_slos,
        },
        per_point,
    ))
}

/// Runs every scenario on up to `jobs` threads; the reports come back in the scenarios' order.
/// The runs with the most requests start first, so that a long one does not start last and run
/// alone. `done` is called after each run with (runs done, runs in all).
pub fn run_all(
    scenarios: &[crate::scenario::Scenario],
    jobs: usize,
    done: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Report>, RunError> {
    let total = scenarios.len();
    let mut order: Vec<usize> = (0..total).collect();
    order.sort_by(|&a, &b| expected_requests(&scenarios[b]).total_cmp(&expected_requests(&scenarios[a])));
    let finished = AtomicUsize::new(0);
    let ran = crate::pool::map_in_order(jobs, &order, |&i| {
        let r = crate::run::simulate(&scenarios[i], &mut |_| {});
        done(finished.fetch_add(1, Ordering::Relaxed) + 1, total);
        r
    });
    // Back from the order they started in to the scenarios' order.
    let mut reports: Vec<(usize, Result<Report, RunError>)> = order.into_iter().zip(ran).collect();
    reports.sort_unstable_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// The folder of a value's report in a sweep's output: `KEY=VALUE`.
fn value_dir(key: &str, value: &str) -> String {
    format!("{key}={value}").replace(['/', ' '], "_")
}

/// Writes a sweep into `out` (created if needed): sweep.json, sweep.md and sweep.html (the
/// tables, the answer, the knee plot and links to each value's report), the knee plot (knee.svg,
/// knee.png, with the first run's p99 targets) and the first replication's report of each value
/// in `KEY=VALUE/`. The plot is drawn before anything is written; each file is written
/// atomically.
pub fn write(out: &Path, sweep: &Sweep, reports: &[Vec<Report>]) -> Result<(), SweepError> {
    let targets: Vec<(String, f64)> = reports
        .first()
        .and_then(|rs| rs.first())
        .map(|r| {
            r.slo
                .iter()
                .flat_map(|(op, cs)| cs.iter().filter(|c| c.stat == "p99").map(|c| (op.clone(), c.target_us)))
                .collect()
        })
        .unwrap_or_default();
    let knee = knee(sweep, &targets).map_err(ReportError::from)?;
    let json = serde_json::to_vec_pretty(sweep).unwrap_or_default();
    std::fs::create_dir_all(out).map_err(|source| SweepError::Folder { path: out.to_path_buf(), source })?;
    write_atomic(&out.join("sweep.json"), &json)?;
    let dirs: Vec<String> = sweep.points.iter().map(|p| value_dir(&sweep.key, &p.value)).collect();
    let mut page = sweep.page();
    page.heading(2, "knee", "Knee curves");
    page.plot("knee", "Knee curves");
    page.heading(2, "values", "Each value's report");
    page.list(
        sweep
            .points
            .iter()
            .zip(&dirs)
            .map(|(p, dir)| link(format!("{} = {}", sweep.key, p.value), format!("{dir}/report"))),
    );
    let html = page.to_html(std::slice::from_ref(&knee));
    write_atomic(&out.join("sweep.md"), page.to_markdown().as_bytes())?;
    write_atomic(&out.join("sweep.html"), html.as_bytes())?;
    plots::write_rendered(out, &[knee])?;
    for (dir, rs) in dirs.iter().zip(reports) {
        if let Some(r) = rs.first() {
            r.write(&out.join(dir))?;
        }
    }
    Ok(())
}

/// The requests a run will simulate at the scenario's mean rates, warm-up included.
fn expected_requests(s: &crate::scenario::Scenario) -> f64 {
    let rate: f64 = crate::scenario::Op::ALL.iter().map(|&op| s.workload.op(op).rate).sum();
    rate * (s.warmup_ns + s.duration_ns) as f64 / 1e9
}

/// Summarises the replications of one point.
pub fn point(value: &str, rs: &[Report]) -> Point {
    let mut operations = BTreeMap::new();
    let ops: Vec<String> = rs.first().map(|r| r.operations.keys().cloned().collect()).unwrap_or_default();
    for op in &ops {
        let stat = |f: &dyn Fn(&crate::report::OpReport) -> f64| {
            Ci::of(&rs.iter().filter_map(|r| r.operations.get(op)).map(f).collect::<Vec<_>>())
        };
        operations.insert(
            op.clone(),
            OpPoint {
                throughput_per_s: stat(&|o| o.throughput_per_s),
                p50_us: stat(&|o| o.latency_us.p50),
                p99_us: stat(&|o| o.latency_us.p99),
                p999_us: stat(&|o| o.latency_us.p999),
                failed: stat(&|o| o.failed as f64),
            },
        );
    }
    let mut utilisation_max = BTreeMap::new();
    if let Some(first) = rs.first() {
        for tier in first.nodes.keys() {
            let xs: Vec<f64> = rs.iter().filter_map(|r| r.nodes.get(tier)).map(|n| n.utilisation.max).collect();
            utilisation_max.insert(tier.clone(), Ci::of(&xs));
        }
    }
    // SLOs on the mean over replications; unstable tiers, unanswered and failed requests fail.
    let mut reasons = Vec::new();
    if let Some(first) = rs.first() {
        for (op, checks) in &first.slo {
            for (i, c) in checks.iter().enumerate() {
                let actual =
                    rs.iter().filter_map(|r| r.slo.get(op)?.get(i)).map(|c| c.actual_us).sum::<f64>() / rs.len() as f64;
                if actual > c.target_us {
                    reasons.push(format!(
                        "{op} {} {} > target {}",
                        c.stat,
                        crate::scenario::units::human_us(actual),
                        crate::scenario::units::human_us(c.target_us)
                    ));
                }
            }
        }
        for (tier, n) in &first.nodes {
            if rs.iter().any(|r| r.nodes.get(tier).is_some_and(|n| n.unstable)) {
                reasons.push(format!("{tier} tier unstable (busiest node offered {:.0}%)", n.offered_load_max * 100.0));
            }
        }
        let failed: u64 = rs.iter().flat_map(|r| r.operations.values()).map(|o| o.failed).sum();
        if failed > 0 {
            reasons.push(format!("{failed} requests failed"));
        }
        let unanswered: u64 = rs.iter().map(|r| r.incomplete_requests).sum();
        if unanswered > 0 {
            reasons.push(format!("{unanswered} requests unanswered at the end"));
        }
    }
    Point {
        value: value.to_owned(),
        seeds: rs.iter().map(|r| r.seed).collect(),
        operations,
        utilisation_max,
        slo_met: reasons.is_empty(),
        reasons,
    }
}

impl Sweep {
    /// A reviewer's page: the knee table per operation, with 95% intervals, and the answer.
    pub fn page(&self) -> Doc {
        let us = crate::scenario::units::human_us;
        let ci_us =
            |c: &Ci| if c.half_width > 0.0 { format!("{} ± {}", us(c.mean), us(c.half_width)) } else { us(c.mean) };
        let mut d = Doc::default();
        d.heading(1, "sweep", vec![text("Sweep of "), code(&self.scenario), text(format!(": {}", self.key))]);
        d.para(format!(
            "{} values × {} replication{} (independent seeds); ± is the half-width of a 95% confidence interval.",
            self.points.len(),
            self.replications,
            if self.replications == 1 { "" } else { "s" }
        ));
        d.heading(2, "answer", "Answer");
        match (&self.smallest_meeting_slos, self.has_slos) {
            (_, false) => d.para("The scenario has no SLO, so no setting is picked."),
            (Some(v), true) => d.para(vec![
                text("The smallest setting that meets every SLO: "),
                strong(format!("{} = {v}", self.key)),
                text("."),
            ]),
            (None, true) => d.para(Span::Bad("No setting swept meets every SLO.".to_owned())),
        }
        let failed: Vec<String> = self
            .points
            .iter()
            .take_while(|p| Some(&p.value) != self.smallest_meeting_slos.as_ref())
            .filter(|p| !p.reasons.is_empty())
            .map(|p| format!("{} = {}: {}", self.key, p.value, p.reasons.join("; ")))
            .collect();
        if !failed.is_empty() {
            d.list(failed);
        }
        let ops: Vec<&String> = self.points.first().map(|p| p.operations.keys().collect()).unwrap_or_default();
        for op in ops {
            d.heading(2, op, op.as_str());
            let mut t = Table::new([self.key.as_str(), "throughput/s", "p50", "p99", "p99.9", "failed"], "lrrrrr");
            for p in &self.points {
                let Some(x) = p.operations.get(op) else { continue };
                t.row([
                    p.value.clone(),
                    format!("{:.1}", x.throughput_per_s.mean),
                    ci_us(&x.p50_us),
                    ci_us(&x.p99_us),
                    ci_us(&x.p999_us),
                    format!("{:.0}", x.failed.mean),
                ]);
            }
            d.table(t);
        }
        let tiers: Vec<&String> = self.points.first().map(|p| p.utilisation_max.keys().collect()).unwrap_or_default();
        if !tiers.is_empty() {
            d.heading(2, "utilisation", "Busiest node's utilisation");
            let mut head = vec![self.key.as_str()];
            head.extend(tiers.iter().map(|t| t.as_str()));
            let mut t = Table::new(head, &format!("l{}", "r".repeat(tiers.len())));
            for p in &self.points {
                let mut row = vec![p.value.clone()];
                row.extend(tiers.iter().map(|t| {
                    p.utilisation_max.get(*t).map_or("–".to_owned(), |c| format!("{:.1}%", c.mean * 100.0))
                }));
                t.row(row);
            }
            d.table(t);
        }
        d
    }

    pub fn markdown(&self) -> String {
        self.page().to_markdown()
    }
}

/// The knee curves of a sweep, drawn; `targets` are the scenario's p99 targets by operation.
pub fn knee(sweep: &Sweep, targets: &[(String, f64)]) -> Result<Rendered, PlotError> {
    knee_titled(sweep, targets, format!("Sweep of {}: {}", sweep.scenario, sweep.key))
}

/// As [`knee`], with its own title (a comparison draws its variants as the points).
pub fn knee_titled(sweep: &Sweep, targets: &[(String, f64)], title: String) -> Result<Rendered, PlotError> {
    let values: Vec<String> = sweep.points.iter().map(|p| p.value.clone()).collect();
    let ops: Vec<String> = sweep.points.first().map(|p| p.operations.keys().cloned().collect()).unwrap_or_default();
    let series = ops
        .iter()
        .map(|op| {
            let pts = sweep
                .points
                .iter()
                .map(|p| {
                    p.operations
                        .get(op)
                        .map_or((0.0, 0.0, 0.0), |o| (o.throughput_per_s.mean, o.p99_us.mean, o.p99_us.half_width))
                })
                .collect();
            (op.clone(), pts)
        })
        .collect();
    plots::knee(&Knee {
        title,
        key: sweep.key.clone(),
        picked: sweep.smallest_meeting_slos.as_ref().and_then(|v| values.iter().position(|x| x == v)),
        values,
        series,
        targets: targets.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_interval_by_hand() {
        // Mean 2, sample sd 1, n 3: t(2, 0.975) = 4.302653, half-width 4.302653 / sqrt(3).
        let c = Ci::of(&[1.0, 2.0, 3.0]);
        assert_eq!(c.mean, 2.0);
        assert!((c.half_width - 2.484).abs() < 0.001, "{c:?}");
        assert_eq!(Ci::of(&[5.0]), Ci { mean: 5.0, half_width: 0.0 });
        assert!((t_quantile_975(1000) - 1.962).abs() < 0.001);
    }

    #[test]
    fn spec_parsing() {
        let s = Spec::parse("system.partitioning.shards=4, 8,16", 2, 3).unwrap();
        assert_eq!((s.key.as_str(), s.values.len(), s.replications, s.jobs), ("system.partitioning.shards", 3, 2, 3));
        assert!(Spec::parse("shards", 1, 1).is_err());
        assert!(Spec::parse("shards=", 1, 1).is_err());
        assert!(Spec::parse("shards=1", 0, 1).is_err());
    }
}
