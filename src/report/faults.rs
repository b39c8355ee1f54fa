//! What each injected fault did, read off the recorder's time series: requests that failed or
//! were slowed, the p99 before and during the fault, and how long after it the system was back
//! to its pre-fault latency.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::metrics::Recorder;
use crate::scenario::{Fault, Op};

/// A latency counts as recovered when it is at most this many times the pre-fault p99.
pub const RECOVERED_FACTOR: f64 = 1.2;
/// ... in this many consecutive intervals (or all that are left).
pub const RECOVERED_INTERVALS: usize = 3;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FaultReport {
    pub kind: String,
    pub target: String,
    /// From the end of warm-up, seconds.
    pub at_s: f64,
    pub for_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// Requests that arrived from the fault's start (less one interval: a request can fail in a
    /// later stage) until recovery (or the end) and failed.
    pub failed_requests: u64,
    /// Requests in that span answered more slowly than `RECOVERED_FACTOR` × their pre-fault p99.
    pub slowed_requests: u64,
    /// The operation the latency figures follow: the one with the most requests.
    pub op: String,
    /// Median over the intervals before the fault of that operation's p99, µs.
    pub p99_before_us: Option<f64>,
    /// Highest interval p99 from the fault's start until recovery, µs.
    pub p99_worst_us: f64,
    /// From the fault's end (its start, for a flush) until every operation's interval p99 was
    /// back within `RECOVERED_FACTOR` × its pre-fault p99 with no failures, for
    /// `RECOVERED_INTERVALS` intervals in a row; `None` when it never was, or there was no
    /// interval before the fault to compare with.
    pub recovery_s: Option<f64>,
}

/// The report of each fault, in scenario order.
pub fn reports(faults: &[Fault], rec: &Recorder, active_ops: &[Op]) -> Vec<FaultReport> {
    faults.iter().map(|f| report(f, rec, active_ops)).collect()
}

fn p99(h: &Histogram<u64>) -> Option<f64> {
    (!h.is_empty()).then(|| h.value_at_quantile(0.99) as f64)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

fn report(f: &Fault, rec: &Recorder, ops: &[Op]) -> FaultReport {
    let interval = rec.interval_ns;
    let intervals = rec.series_count.len();
    // Interval indices: the first one the fault touches, and the first one after it is over.
    let at = f.at_ns.saturating_sub(rec.window_start_ns);
    let first = ((at / interval) as usize).min(intervals);
    let end = (at + f.for_ns).div_ceil(interval).max(first as u64 + 1) as usize;
    let end = end.min(intervals);

    // Each operation's normal p99: the median of its interval p99s before the fault.
    let before: Vec<Option<f64>> = ops
        .iter()
        .map(|op| median(rec.series_latency[..first].iter().filter_map(|h| p99(&h[op.index()])).collect()))
        .collect();
    let healthy = |i: usize| {
        rec.series_failed[i].iter().all(|&n| n == 0)
            && ops.iter().zip(&before).all(|(op, b)| match (p99(&rec.series_latency[i][op.index()]), b) {
                (Some(p), Some(b)) => p <= RECOVERED_FACTOR * b,
                (None, _) => true,
                (Some(_), None) => false,
            })
    };
    let baseline_known = first > 0 && before.iter().all(Option::is_some);
    let recovered_at = baseline_known
        .then(|| (end..intervals).find(|&i| (i..(i + RECOVERED_INTERVALS).min(intervals)).all(&healthy)))
        .flatten();
    let span = first..recovered_at.unwrap_or(intervals);

    let main = ops.iter().copied().max_by_key(|op| (rec.latency[op.index()].len(), std::cmp::Reverse(*op)));
    // Requests that arrived just before the fault can fail in a later stage: count from one
    // interval earlier.
    let failed_requests = (first.saturating_sub(1)..span.end).map(|i| rec.series_failed[i].iter().sum::<u64>()).sum();
    let slowed_requests = ops
        .iter()
        .zip(&before)
        .filter_map(|(op, b)| b.map(|b| (op, (RECOVERED_FACTOR * b) as u64)))
        .map(|(op, limit)| {
            span.clone()
                .map(|i| {
                    let h = &rec.series_latency[i][op.index()];
                    h.len() - h.count_between(0, limit)
                })
                .sum::<u64>()
        })
        .sum();
    let us = |ns: f64| (ns / 1000.0).round();
    let main_before = main.and_then(|m| before[ops.iter().position(|&o| o == m)?]);
    let worst = main
        .map(|m| span.clone().filter_map(|i| p99(&rec.series_latency[i][m.index()])).fold(0.0, f64::max))
        .unwrap_or(0.0);
    let fault_end = at + f.for_ns;
    FaultReport {
        kind: f.kind.name().to_owned(),
        target: f.target.clone(),
        at_s: at as f64 / 1e9,
        for_s: f.for_ns as f64 / 1e9,
        factor: f.kind.factor(),
        failed_requests,
        slowed_requests,
        op: main.map_or_else(String::new, |m| m.name().to_owned()),
        p99_before_us: main_before.map(us),
        p99_worst_us: us(worst),
        recovery_s: recovered_at.map(|i| (i as u64 * interval).saturating_sub(fault_end) as f64 / 1e9),
    }
}
