//! `slo:`: latency targets per operation, in microseconds.

use std::collections::BTreeMap;

use super::Cx;
use crate::scenario::file::SloFile;
use crate::scenario::{Op, Slo, Workload};

/// `workload` is there to refuse a target on an operation that never runs.
pub(super) fn resolve(cx: &mut Cx, targets: &BTreeMap<Op, SloFile>, workload: &Workload) -> BTreeMap<Op, Slo> {
    let mut slo = BTreeMap::new();
    for (&op, target) in targets {
        if workload.op(op).rate == 0.0 {
            cx.problem(
                &format!("slo.{}", op.name()),
                "this operation has no rate in workload.ops, so its SLO could never be checked",
            );
        }
        let mut resolved = Slo::default();
        for (stat, written, slot) in [
            ("p50", &target.p50, &mut resolved.p50_us),
            ("p90", &target.p90, &mut resolved.p90_us),
            ("p99", &target.p99, &mut resolved.p99_us),
            ("p999", &target.p999, &mut resolved.p999_us),
            ("mean", &target.mean, &mut resolved.mean_us),
        ] {
            if let Some(v) = written {
                *slot = cx.positive_duration_ns(&format!("slo.{}.{stat}", op.name()), v).map(|ns| ns as f64 / 1000.0);
            }
        }
        slo.insert(op, resolved);
    }
    slo
}
