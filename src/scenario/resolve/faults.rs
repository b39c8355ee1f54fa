//! `faults:`: what goes wrong during the run, on which nodes, when and for how long.

use super::Cx;
use crate::scenario::file::{FaultFile, FaultKindFile};
use crate::scenario::{Fault, FaultKind, Model, System, suggest, topology, topology_with};
use crate::tier::Tier;

/// What a fault is checked against: the nodes of each tier and the run's length.
pub(super) struct Run<'a> {
    /// `None` when the model could not be loaded: faults on the tiers it sizes are not checked.
    pub(super) model: Option<&'a Model>,
    pub(super) system: &'a System,
    pub(super) duration_ns: u64,
    pub(super) warmup_ns: u64,
}

pub(super) fn resolve(cx: &mut Cx, faults: &[FaultFile], run: &Run) -> Vec<Fault> {
    faults.iter().enumerate().filter_map(|(i, written)| fault(cx, &format!("faults[{i}]"), written, run)).collect()
}

/// One fault, or `None` where its target or kind is wrong.
fn fault(cx: &mut Cx, path: &str, fault: &FaultFile, run: &Run) -> Option<Fault> {
    let (tier, first, count) = fault_target(cx, path, fault, |tier| nodes_of(tier, run))?;
    let at_ns = cx.duration_ns(&format!("{path}.at"), &fault.at).unwrap_or(0);
    if at_ns >= run.duration_ns && run.duration_ns > 0 {
        cx.problem(
            &format!("{path}.at"),
            "is at or after the end of the run; faults start within `duration` (counted from the end of warm-up)",
        );
    }
    let for_ns = fault_length_ns(cx, path, fault);
    let kind = fault_kind(cx, path, fault, tier)?;
    Some(Fault { kind, target: fault.target.clone(), tier, first, count, at_ns: at_ns + run.warmup_ns, for_ns })
}

/// The nodes `tier` has in this run; `None` for a tier the model sizes when there is no model.
fn nodes_of(tier: Tier, run: &Run) -> Option<u32> {
    match run.model {
        Some(model) => Some(topology(model, run.system).nodes(tier)),
        None if matches!(tier, Tier::App | Tier::Blob | Tier::Fanout) => None,
        None => Some(topology_with(run.system, 0, 0, 0).nodes(tier)),
    }
}

/// How long the fault lasts; 0 for an instantaneous `cache_flush`.
fn fault_length_ns(cx: &mut Cx, path: &str, fault: &FaultFile) -> u64 {
    match (fault.kind, &fault.length) {
        (FaultKindFile::CacheFlush, Some(_)) => {
            cx.problem(&format!("{path}.for"), "cache_flush is instantaneous; leave `for` out");
            0
        }
        (FaultKindFile::CacheFlush, None) => 0,
        (_, Some(v)) => cx.positive_duration_ns(&format!("{path}.for"), v).unwrap_or(0),
        (_, None) => {
            cx.problem(path, "needs `for`: how long the fault lasts, e.g. `for: 10s`");
            0
        }
    }
}

/// The kind with its `factor`, or `None` where the two do not fit (or a flush is not on a cache).
fn fault_kind(cx: &mut Cx, path: &str, fault: &FaultFile, tier: Tier) -> Option<FaultKind> {
    match (fault.kind, fault.factor) {
        (FaultKindFile::SlowNode, Some(factor)) if factor > 0.0 && factor <= 1000.0 => {
            Some(FaultKind::SlowNode { factor })
        }
        (FaultKindFile::SlowNode, Some(factor)) => {
            cx.problem(
                &format!("{path}.factor"),
                format!("{factor} is not allowed; expected above 0 and at most 1000"),
            );
            None
        }
        (FaultKindFile::SlowNode, None) => {
            cx.problem(path, "slow_node needs `factor`: how many times longer each service time is, e.g. `factor: 5`");
            None
        }
        (_, Some(_)) => {
            cx.problem(&format!("{path}.factor"), "applies only to kind: slow_node");
            None
        }
        (FaultKindFile::NodeDown, None) => Some(FaultKind::NodeDown),
        (FaultKindFile::CacheFlush, None) => {
            if !tier.is_cache() {
                let layers: Vec<&str> = Tier::ALL.iter().filter(|t| t.is_cache()).map(|t| t.name()).collect();
                cx.problem(
                    &format!("{path}.target"),
                    format!("cache_flush applies to a cache layer: {}, optionally with [node]", layers.join(", ")),
                );
                return None;
            }
            Some(FaultKind::CacheFlush)
        }
    }
}

/// The tier and nodes a fault's `target` names: `tier` (all its nodes) or `tier[i]`.
fn fault_target(
    cx: &mut Cx,
    path: &str,
    fault: &FaultFile,
    nodes_of: impl Fn(Tier) -> Option<u32>,
) -> Option<(Tier, u32, u32)> {
    let names: Vec<&str> = Tier::ALL.iter().map(|t| t.name()).collect();
    let help = format!("expected a tier ({}), optionally with a node index such as `shard[3]`", names.join(", "));
    let target = fault.target.trim();
    let (name, index) = match target.split_once('[') {
        Some((name, rest)) => match rest.strip_suffix(']').map(|i| i.trim().parse::<u32>()) {
            Some(Ok(i)) => (name.trim(), Some(i)),
            _ => {
                cx.problem(&format!("{path}.target"), format!("`{target}` is not a target; {help}"));
                return None;
            }
        },
        None => (target, None),
    };
    let Some(&tier) = Tier::ALL.iter().find(|t| t.name() == name) else {
        cx.problem(&format!("{path}.target"), format!("`{name}` is not a tier{}; {help}", suggest(name, &names)));
        return None;
    };
    let nodes = nodes_of(tier)?;
    if nodes == 0 {
        cx.problem(
            &format!("{path}.target"),
            format!("the scenario has no `{name}` nodes (add the cache layer under system.caches)"),
        );
        return None;
    }
    match index {
        Some(i) if i >= nodes => {
            cx.problem(
                &format!("{path}.target"),
                format!("node {i} does not exist; `{name}` has nodes 0 to {}", nodes - 1),
            );
            None
        }
        Some(i) => Some((tier, i, 1)),
        None => Some((tier, 0, nodes)),
    }
}
