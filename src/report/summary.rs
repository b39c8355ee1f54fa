//! The short text summaries printed after a run: a report's headline figures (one line per
//! operation, fan-out and storage, one per tier, the SLO verdicts and the warnings) and, for a
//! live run, requested against achieved rates, the verdict and the reconciliation. They are
//! views of the report, as report.md is; the command line prints them as they are.

use std::fmt::Write as _;

use super::Report;
use super::live::{InvariantReport, LiveReport};
use crate::scenario::units::{human_bytes, human_us};

impl Report {
    /// The summary `run` and `load` print: what ran and how long it took, then a line per
    /// operation (count, throughput, p50, p99, p99.9), fan-out and storage, a line per tier,
    /// each SLO and each warning. Every line ends with a newline.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} s {} ({} requests) in {:.2} s wall",
            self.scenario,
            self.simulated_seconds,
            if self.mode == "live" { "measured live" } else { "simulated" },
            self.requests_simulated,
            self.wall_seconds
        );
        let _ = writeln!(
            out,
            "{:<14} {:>10} {:>12} {:>10} {:>10} {:>10}",
            "operation", "count", "per second", "p50", "p99", "p99.9"
        );
        for (name, o) in &self.operations {
            let l = &o.latency_us;
            let _ = writeln!(
                out,
                "{:<14} {:>10} {:>12.1} {:>10} {:>10} {:>10}",
                name,
                o.count,
                o.throughput_per_s,
                human_us(l.p50),
                human_us(l.p99),
                human_us(l.p999)
            );
        }
        let _ = writeln!(
            out,
            "fan-out {}: {:.1} deliveries/tweet, lag p99 {}; storage {} ({} with replicas)",
            self.fanout.strategy,
            self.fanout.deliveries_per_tweet.mean,
            human_us(self.fanout.lag_us.p99),
            human_bytes(self.storage.total_bytes as f64),
            human_bytes(self.storage.replicated_bytes as f64)
        );
        for (tier, n) in &self.nodes {
            let _ = writeln!(
                out,
                "{:<14} {} × {} servers, utilisation mean {:.1}% max {:.1}%{}",
                tier,
                n.count,
                n.servers,
                n.utilisation.mean * 100.0,
                n.utilisation.max * 100.0,
                if n.unstable { "  UNSTABLE" } else { "" }
            );
        }
        for (op, checks) in &self.slo {
            for c in checks {
                let _ = writeln!(
                    out,
                    "SLO {op} {} {} (target {}): {}",
                    c.stat,
                    human_us(c.actual_us),
                    human_us(c.target_us),
                    if c.met { "met" } else { "MISSED" }
                );
            }
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

impl LiveReport {
    /// What `load` prints after the report's summary: a blank line, requested against achieved
    /// rate, service-time p99 and schedule-lag p99 per operation, the verdict, and when the
    /// invariants hold, what was reconciled. Every line ends with a newline.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\n{:<14} {:>12} {:>12} {:>9} {:>14} {:>12}",
            "operation", "requested/s", "achieved/s", "achieved", "service p99", "lag p99"
        );
        for (name, o) in &self.operations {
            let _ = writeln!(
                out,
                "{:<14} {:>12.1} {:>12.1} {:>8.1}% {:>14} {:>12}",
                name,
                o.requested_per_s,
                o.achieved_per_s,
                o.achieved_ratio * 100.0,
                human_us(o.service_time_us.p99),
                human_us(o.schedule_lag_us.p99)
            );
        }
        let _ = writeln!(out, "{}", self.verdict);
        let inv = &self.invariants;
        if inv.passed {
            let _ = writeln!(
                out,
                "invariants hold: {} posts, {} likes, {} follow changes acknowledged; {} tweets, {} users and {} deliveries reconciled",
                inv.acknowledged_posts,
                inv.acknowledged_likes,
                inv.acknowledged_follow_changes,
                inv.tweets_checked,
                inv.users_checked,
                inv.deliveries_checked
            );
        }
        out
    }
}

impl InvariantReport {
    /// When the invariants failed: how many differences, then the first ones, one per
    /// indented line (no newline at the end). `None` when they hold.
    pub fn failure(&self) -> Option<String> {
        if self.passed {
            return None;
        }
        let mut out = format!("invariants FAILED: {} differences; the first:", self.mismatches);
        for d in &self.first_differences {
            let _ = write!(out, "\n  {d}");
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_invariants_count_and_list_the_differences() {
        let mut inv = InvariantReport { passed: true, ..Default::default() };
        assert_eq!(inv.failure(), None);
        inv.passed = false;
        inv.mismatches = 7;
        inv.first_differences = vec!["tweet 3 missing".into(), "user 5: 2 likes, 1 acknowledged".into()];
        assert_eq!(
            inv.failure().unwrap(),
            "invariants FAILED: 7 differences; the first:\n  tweet 3 missing\n  user 5: 2 likes, 1 acknowledged"
        );
    }
}
