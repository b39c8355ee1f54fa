//! `population.sample`: whether the fleet the scenario describes can be simulated as a slice,
//! which slice (`auto`: the largest that fits this machine), and the slice's figures.
//!
//! The rules, each refused with what to change:
//! - every tier's node count (shards, each cache layer's nodes, the model's app, blob and fan-out
//!   counts) is a multiple of k, so that each simulated node stands for k real ones and carries
//!   what one of them carries; replicas still sit on distinct shards;
//! - `time_range` partitioning puts every new tweet on one shard, whose load is the whole
//!   fleet's, so it cannot be sliced; `user_time` needs the slice's shards to hold whole groups;
//!   `consistent_hash` keeps its points per shard (its balance depends on those, not on the
//!   fleet's size) and the report computes keys moved on a resize for the fleet's shard count;
//! - a graph file runs whole: its users are the ones it lists;
//! - a fault hits a whole tier (a fault on one node would hit k in a slice).

use serde_json::Value;

use super::{Cx, memory};
use crate::scenario::slice::{Sample, active_heads};
use crate::scenario::{Actor, Fault, GraphSpec, Model, Op, Population, System, Workload};
use crate::strategy::PartitionKind;

const PATH: &str = "population.sample";
const ALLOWED: &str =
    "expected 1 (the whole fleet), a fraction 1/k for a whole k >= 2 (`1/32` or `0.03125`), or `auto`";
/// The largest k a slice may have.
const MAX_K: u32 = 1 << 20;

/// What `population.sample` asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Choice {
    Whole,
    Slice(u32),
    Auto,
}

/// Reads `population.sample`.
pub(super) fn choice(cx: &mut Cx, written: Option<&Value>) -> Choice {
    let Some(v) = written else { return Choice::Whole };
    let x = match v {
        Value::String(s) if s.trim() == "auto" => return Choice::Auto,
        Value::String(s) => match fraction(s) {
            Some(x) => x,
            None => {
                cx.problem(PATH, format!("`{s}` is not a fraction; {ALLOWED}"));
                return Choice::Whole;
            }
        },
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        other => {
            cx.problem(PATH, format!("{other} is not a fraction; {ALLOWED}"));
            return Choice::Whole;
        }
    };
    if !(x > 0.0 && x <= 1.0) {
        cx.problem(PATH, format!("{x} is outside (0, 1]; {ALLOWED}"));
        return Choice::Whole;
    }
    let k = (1.0 / x).round();
    if k > f64::from(MAX_K) {
        cx.problem(PATH, format!("{x} is a slice of 1/{k:.0}; the smallest allowed is 1/{MAX_K}"));
        return Choice::Whole;
    }
    if (1.0 / k - x).abs() > 1e-9 * x {
        let (below, above) = ((1.0 / x).floor(), (1.0 / x).ceil());
        cx.problem(
            PATH,
            format!(
                "{x} is not 1/k for a whole k (each simulated node stands for k real ones); the nearest slices are 1/{below:.0} and 1/{above:.0}"
            ),
        );
        return Choice::Whole;
    }
    if k == 1.0 { Choice::Whole } else { Choice::Slice(k as u32) }
}

/// `a/b` or a decimal, as a number.
fn fraction(s: &str) -> Option<f64> {
    match s.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
            (b != 0.0).then_some(a / b)
        }
        None => s.trim().parse::<f64>().ok(),
    }
}

/// The parts of a resolved scenario a slice changes, as resolved for the whole fleet.
pub(super) struct Fleet<'a> {
    pub(super) population: &'a mut Population,
    pub(super) workload: &'a mut Workload,
    pub(super) system: &'a mut System,
    pub(super) model: Option<&'a mut Model>,
    pub(super) faults: &'a mut [Fault],
    /// Warm-up and duration, for the memory guard.
    pub(super) run_ns: u64,
}

/// Decides the slice, checks it can be modelled faithfully and against this machine's memory,
/// and turns the fleet's figures into the slice's.
pub(super) fn apply(cx: &mut Cx, choice: Choice, fleet: Fleet) {
    let tiers = node_counts(fleet.model.as_deref(), fleet.system);
    let k = match choice {
        Choice::Whole => {
            let advice = || whole_advice(&fleet, &tiers);
            memory::check(cx, fleet.population, fleet.workload, &fleet.system.fanout, fleet.run_ns, advice);
            return;
        }
        Choice::Slice(k) => k,
        Choice::Auto => match auto(&fleet, &tiers) {
            Ok(k) => k,
            Err(message) => {
                cx.problem(PATH, message);
                return;
            }
        },
    };
    if k == 1 {
        memory::check(cx, fleet.population, fleet.workload, &fleet.system.fanout, fleet.run_ns, String::new);
        return;
    }
    let problems = rules(k, &fleet, &tiers);
    if !problems.is_empty() {
        for (path, message) in problems {
            cx.problem(path, message);
        }
        return;
    }
    let sliced = slice(k, fleet.population, fleet.workload);
    memory::check(cx, &sliced.0, &sliced.1, &fleet.system.fanout, fleet.run_ns, || {
        format!("Take a smaller slice (population.sample below 1/{k}) or `auto`.")
    });
    (*fleet.population, *fleet.workload) = sliced;
    divide_nodes(k, fleet.system, fleet.model, fleet.faults);
}

/// Every node count a slice divides, with the key that sets it.
fn node_counts(model: Option<&Model>, system: &System) -> Vec<(String, u32)> {
    let mut counts = vec![("system.partitioning.shards".to_owned(), system.partitioning.shards)];
    for (name, layer) in [
        ("timeline", &system.timeline_cache),
        ("tweet", &system.tweet_cache),
        ("user", &system.user_cache),
        ("image", &system.image_cache),
    ] {
        if let Some(c) = layer {
            counts.push((format!("system.caches.{name}.nodes"), c.nodes));
        }
    }
    if let Some(m) = model {
        for (name, tier) in [("app", &m.app), ("blob", &m.blob), ("fanout", &m.fanout)] {
            if let Some(t) = tier {
                counts.push((format!("the model's nodes.{name}.count"), t.count));
            }
        }
    }
    counts
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The slices the node counts allow: the divisors of their greatest common divisor, ascending.
fn allowed_ks(tiers: &[(String, u32)]) -> Vec<u32> {
    let g = tiers.iter().fold(0, |g, (_, n)| gcd(g, *n)).max(1);
    (1..=g).filter(|k| g.is_multiple_of(*k)).collect()
}

fn list(ks: &[u32]) -> String {
    let slices: Vec<String> = ks.iter().filter(|&&k| k > 1).map(|k| format!("1/{k}")).collect();
    if slices.is_empty() { "none (their counts share no factor)".to_owned() } else { slices.join(", ") }
}

/// Why a 1/k slice of this fleet cannot be modelled faithfully: (key, message) per reason.
fn rules(k: u32, fleet: &Fleet, tiers: &[(String, u32)]) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let population = &*fleet.population;
    if let GraphSpec::File { .. } = population.graph {
        problems.push((
            PATH,
            "a graph file runs whole: its users are the ones it lists, and a sample of them would lose the follows between the rest; use sample: 1 (or a generated graph)".to_owned(),
        ));
    }
    if let Some((key, n)) = tiers.iter().find(|(_, n)| !n.is_multiple_of(k)) {
        problems.push((
            PATH,
            format!(
                "a 1/{k} slice needs every tier's node count to be a multiple of {k} (each simulated node stands for {k} real ones), but {key} is {n}; slices these counts allow: {}",
                list(&allowed_ks(tiers))
            ),
        ));
        return problems;
    }
    let p = &fleet.system.partitioning;
    let shards = p.shards / k;
    if p.replication > shards {
        problems.push((
            PATH,
            format!("a 1/{k} slice has {shards} shards, fewer than the {} replicas of each", p.replication),
        ));
    }
    match p.strategy {
        PartitionKind::TimeRange => problems.push((
            PATH,
            "time_range puts every new tweet on one shard, so that shard carries the whole fleet's writes, which a slice cannot: use sample: 1 or another partitioning".to_owned(),
        )),
        PartitionKind::UserTime if !shards.is_multiple_of(p.group_size) => problems.push((
            PATH,
            format!("a 1/{k} slice has {shards} shards, which do not hold whole groups of {}", p.group_size),
        )),
        _ => {}
    }
    let users = f64::from(slice_users(population.users, k));
    let mean_follows = match population.graph {
        GraphSpec::PowerLaw { mean_follows, .. } | GraphSpec::Uniform { mean_follows } => mean_follows,
        GraphSpec::File { .. } => 0.0,
    };
    if users < 2.0 || users <= mean_follows {
        problems.push((
            PATH,
            format!(
                "a 1/{k} slice of {} users has {users} users, too few for {mean_follows} follows each",
                population.users
            ),
        ));
    }
    if let Some(c) = population.celebrities
        && f64::from(c.count) >= users
    {
        problems.push((PATH, format!("a 1/{k} slice has {users} users, not more than its {} celebrities", c.count)));
    }
    for f in fleet.faults.iter() {
        let whole_tier = tiers_nodes(fleet, f.tier).is_some_and(|n| f.first == 0 && f.count == n);
        if !whole_tier {
            problems.push((
                PATH,
                format!(
                    "the fault on `{}` hits part of a tier; in a 1/{k} slice each node stands for {k}, so it would hit {k} times as many: target a whole tier or use sample: 1",
                    f.target
                ),
            ));
        }
    }
    problems
}

/// The fleet's node count of `tier`, where the scenario or the model sets one.
fn tiers_nodes(fleet: &Fleet, tier: crate::tier::Tier) -> Option<u32> {
    fleet.model.as_deref().map(|m| crate::scenario::topology(m, fleet.system).nodes(tier))
}

/// The smallest slice (largest fraction) the node counts allow whose estimate fits this
/// machine, or why there is none.
fn auto(fleet: &Fleet, tiers: &[(String, u32)]) -> Result<u32, String> {
    let allowed = allowed_ks(tiers);
    let fits = |k: u32| {
        let (population, workload) = slice(k, fleet.population, fleet.workload);
        memory::estimate_bytes(&population, &workload, &fleet.system.fanout, fleet.run_ns).total_bytes
            <= memory::allowed_bytes()
    };
    let ok = |k: u32| k == 1 || rules(k, fleet, tiers).is_empty();
    match allowed.iter().copied().find(|&k| ok(k) && fits(k)) {
        Some(k) => Ok(k),
        None => Err(format!(
            "auto: no slice these node counts allow fits this machine (slices allowed: {}); make the counts multiples of a larger power of two, or shrink the population",
            list(&allowed)
        )),
    }
}

/// The advice of a whole population that does not fit: the slice that would.
fn whole_advice(fleet: &Fleet, tiers: &[(String, u32)]) -> String {
    match auto(fleet, tiers) {
        Ok(k) if k > 1 => format!(
            "Simulate a slice of the fleet instead: population.sample: 1/{k} (or `auto`) runs 1/{k} of the users, rates and nodes, each node carrying what a real one carries."
        ),
        _ => "Scale the population down, or simulate a slice of it (population.sample, with node counts that it divides).".to_owned(),
    }
}

/// The users a 1/k slice of `fleet_users` simulates.
fn slice_users(fleet_users: u32, k: u32) -> u32 {
    (f64::from(fleet_users) / f64::from(k)).round() as u32
}

/// The slice's population and workload: 1/k of the users, celebrities with 1/k of their
/// followers (each stands for itself, so it reaches the same share of the slice as of the
/// fleet), and each operation's rate as the slice's users make it (see `scenario::slice`).
fn slice(k: u32, population: &Population, workload: &Workload) -> (Population, Workload) {
    let mut p = population.clone();
    let fleet_users = population.users;
    p.users = slice_users(fleet_users, k).max(2);
    let zipf = match workload.actor {
        Actor::Zipf { s } => Some(s),
        Actor::Uniform => None,
    };
    p.sample = Sample { k, fleet_users, active_heads: zipf.map_or(0, |s| active_heads(s, fleet_users, k)) };
    if let Some(c) = &mut p.celebrities {
        c.followers = ((f64::from(c.followers) / f64::from(k)).round() as u32).max(1);
    }
    let factor = p.sample.rate_factor(zipf);
    let mut w = workload.clone();
    for op in Op::ALL {
        let spec = &mut w.ops[op.index()];
        let share = spec.celebrity_share;
        // Celebrities post at their real rate; everyone else as the actor's factor says.
        let kept = (1.0 - share) * factor + share;
        spec.rate *= kept;
        if share > 0.0 {
            spec.celebrity_share = share / kept;
        }
    }
    (p, w)
}

/// Divides every tier's node count (and the faults on whole tiers) by k.
fn divide_nodes(k: u32, system: &mut System, model: Option<&mut Model>, faults: &mut [Fault]) {
    system.partitioning.shards /= k;
    for c in [&mut system.timeline_cache, &mut system.tweet_cache, &mut system.user_cache, &mut system.image_cache]
        .into_iter()
        .flatten()
    {
        c.nodes /= k;
    }
    if let Some(m) = model {
        for t in [&mut m.app, &mut m.blob, &mut m.fanout].into_iter().flatten() {
            t.count /= k;
        }
    }
    for f in faults {
        f.count /= k;
    }
}
