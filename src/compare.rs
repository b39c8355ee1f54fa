//! Comparisons: several scenarios, or every combination of a scenario's `matrix:`, run side by
//! side (in parallel), as one table of the headline metrics with each column's delta against
//! the first, and the knee-style overlay of throughput and p99 per variant.

use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::path::Path;

use crate::report::doc::{Doc, Line, Table, link, verdict};
use crate::report::{Report, ReportError, plots, write_atomic};
use crate::scenario::{self, Overrides, Scenario, ScenarioError};

/// One variant: what to call it and the scenario it runs.
pub struct Variant {
    pub label: String,
    pub scenario: Scenario,
}

/// The variants of the given files: each file once, or once per combination of its matrix.
pub fn variants(paths: &[&Path], base: &Overrides) -> Result<Vec<Variant>, ScenarioError> {
    let mut out = Vec::new();
    for path in paths {
        let s = scenario::load(path, base)?;
        for combination in s.matrix_combinations() {
            if combination.is_empty() {
                out.push(Variant { label: s.name.clone(), scenario: s.clone() });
                continue;
            }
            let mut set = base.set.clone();
            set.extend(combination.iter().cloned());
            let v = scenario::load(path, &Overrides { seed: base.seed, set })?;
            let short: Vec<String> = combination
                .iter()
                .map(|c| {
                    let (k, v) = c.split_once('=').unwrap_or((c, ""));
                    format!("{}={v}", k.rsplit('.').next().unwrap_or(k))
                })
                .collect();
            let label = if paths.len() == 1 { short.join(" ") } else { format!("{} {}", s.name, short.join(" ")) };
            out.push(Variant { label, scenario: v });
        }
    }
    Ok(out)
}

/// One row of the comparison: a metric and its value in each variant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub metric: String,
    pub values: Vec<Option<f64>>,
    /// (value − first) / first, per variant; `None` where either is missing or the first is 0.
    pub delta: Vec<Option<f64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    pub variants: Vec<String>,
    pub rows: Vec<Row>,
    /// Per variant: every SLO met.
    pub slo_met: Vec<bool>,
}

/// The compared metrics of a report, in display order.
fn metrics(r: &Report) -> Vec<(String, f64)> {
    let mut m = Vec::new();
    for (op, o) in &r.operations {
        m.push((format!("{op} throughput/s"), o.throughput_per_s));
        m.push((format!("{op} p50 µs"), o.latency_us.p50));
        m.push((format!("{op} p99 µs"), o.latency_us.p99));
        m.push((format!("{op} p99.9 µs"), o.latency_us.p999));
        if o.failed > 0 {
            m.push((format!("{op} failed"), o.failed as f64));
        }
    }
    m.push(("fan-out deliveries".into(), r.fanout.deliveries as f64));
    m.push(("fan-out lag p99 µs".into(), r.fanout.lag_us.p99));
    m.push(("busy servers (total work)".into(), r.fanout.busy_servers));
    m.push(("storage bytes".into(), r.storage.total_bytes as f64));
    m.push(("storage growth bytes/day".into(), r.storage.growth_per_day_bytes));
    m.push(("bandwidth bytes".into(), r.bandwidth.total_bytes as f64));
    for (layer, c) in &r.caches {
        m.push((format!("cache.{layer} hit ratio"), c.hit_ratio));
    }
    for (tier, n) in &r.nodes {
        m.push((format!("{tier} utilisation max"), n.utilisation.max));
    }
    m
}

/// The side-by-side table of `reports` (one per variant, in order).
pub fn compare(labels: &[String], reports: &[Report]) -> Comparison {
    let per: Vec<Vec<(String, f64)>> = reports.iter().map(metrics).collect();
    let mut names: Vec<String> = Vec::new();
    for m in &per {
        for (name, _) in m {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let rows = names
        .into_iter()
        .map(|metric| {
            let values: Vec<Option<f64>> =
                per.iter().map(|m| m.iter().find(|(n, _)| *n == metric).map(|(_, v)| *v)).collect();
            let first = values.first().copied().flatten();
            let delta = values
                .iter()
                .map(|v| match (first, v) {
                    (Some(f), Some(v)) if f != 0.0 => Some(((v - f) / f * 1e4).round() / 1e4),
                    _ => None,
                })
                .collect();
            Row { metric, values, delta }
        })
        .collect();
    Comparison { variants: labels.to_vec(), rows, slo_met: reports.iter().map(Report::slo_met).collect() }
}

fn number(x: f64) -> String {
    if x == x.round() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}").trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

impl Comparison {
    /// The comparison's page: one table, a column per variant, deltas against the first.
    pub fn page(&self) -> Doc {
        let mut d = Doc::default();
        d.heading(1, "comparison", format!("Comparison of {} variants", self.variants.len()));
        d.para("Deltas are against the first column.");
        let mut head = vec!["metric".to_owned()];
        head.extend(self.variants.iter().enumerate().map(|(i, v)| format!("{}: {v}", i + 1)));
        let mut t = Table::new(head, &format!("l{}", "r".repeat(self.variants.len())));
        for r in &self.rows {
            let mut row = vec![r.metric.clone()];
            row.extend(r.values.iter().zip(&r.delta).enumerate().map(|(i, (v, d))| match (v, d) {
                (None, _) => "–".to_owned(),
                (Some(v), Some(d)) if i > 0 => format!("{} ({:+.1}%)", number(*v), d * 100.0),
                (Some(v), _) => number(*v),
            }));
            t.row(row);
        }
        let mut slos = vec![Line::from("SLOs")];
        slos.extend(self.slo_met.iter().map(|m| Line::from(verdict(*m, "met", "missed"))));
        t.row(slos);
        d.table(t);
        d
    }

    pub fn markdown(&self) -> String {
        self.page().to_markdown()
    }

    /// The table as CSV: metric, then one column per variant.
    pub fn csv(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut o = String::new();
        let _ = writeln!(o, "metric,{}", self.variants.iter().map(|v| quote(v)).collect::<Vec<_>>().join(","));
        for r in &self.rows {
            let cells: Vec<String> = r.values.iter().map(|v| v.map(|x| x.to_string()).unwrap_or_default()).collect();
            let _ = writeln!(o, "{},{}", quote(&r.metric), cells.join(","));
        }
        o
    }
}

/// The folder of variant `i` (from 0) in a comparison's output: `N-LABEL`, numbered as in the
/// table.
pub fn variant_dir(i: usize, label: &str) -> String {
    format!("{}-{}", i + 1, label.replace(['/', ' '], "_"))
}

/// Writes a comparison into `out` (created if needed): compare.md and compare.html (the table,
/// the overlay and links to each variant's report), compare.json, compare.csv, the overlay of
/// throughput and p99 per variant (knee.svg, knee.png) and each variant's report in `N-LABEL/`.
/// The overlay is drawn before anything is written; each file is written atomically.
pub fn write(out: &Path, cmp: &Comparison, reports: &[Report]) -> Result<(), ReportError> {
    // The overlay: each variant a point of a one-replication sweep, numbered as in the table.
    let overlay = crate::sweep::Sweep {
        scenario: String::new(),
        key: "variant (numbered as in the table)".into(),
        replications: 1,
        points: reports
            .iter()
            .enumerate()
            .map(|(i, r)| crate::sweep::point(&(i + 1).to_string(), std::slice::from_ref(r)))
            .collect(),
        smallest_meeting_slos: None,
        has_slos: false,
    };
    let title = format!("Comparison of {} variants: throughput and p99", reports.len());
    let plot = crate::sweep::knee_titled(&overlay, &[], title)?;
    let mut page = cmp.page();
    page.plot("knee", "Throughput and p99 per variant");
    page.heading(2, "variants", "Each variant's report");
    page.list(
        cmp.variants
            .iter()
            .enumerate()
            .map(|(i, v)| link(format!("{}: {v}", i + 1), format!("{}/report", variant_dir(i, v)))),
    );
    std::fs::create_dir_all(out).map_err(|source| ReportError::Write { path: out.to_path_buf(), source })?;
    let json = serde_json::to_string_pretty(cmp).unwrap_or_default();
    write_atomic(&out.join("compare.json"), json.as_bytes())?;
    write_atomic(&out.join("compare.csv"), cmp.csv().as_bytes())?;
    write_atomic(&out.join("compare.md"), page.to_markdown().as_bytes())?;
    write_atomic(&out.join("compare.html"), page.to_html(std::slice::from_ref(&plot)).as_bytes())?;
    plots::write_rendered(out, &[plot])?;
    for (i, (r, label)) in reports.iter().zip(&cmp.variants).enumerate() {
        r.write(&out.join(variant_dir(i, label)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_print_short() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.12345), "0.1235");
        assert_eq!(number(1234.567), "1234.6");
        assert_eq!(number(0.5), "0.5");
    }
}
