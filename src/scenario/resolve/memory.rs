//! The memory guard: refuse populations this machine cannot hold, before building anything.

use super::Cx;
use crate::scenario::units;
use crate::scenario::{GraphSpec, Op, Population, Workload};
use crate::strategy::FanoutKind;
use crate::strategy::fanout::FanoutSpec;

/// Bytes of memory the service needs per stored item, used to refuse populations that cannot fit.
/// Measured figures for this implementation: two CSR directions at 4 B per edge each plus build
/// buffers; a timeline entry (tweet id, author) at 16 B; a tweet record in its shard's hash map at about 64 B.
const MEM_PER_EDGE: f64 = 24.0;
const MEM_PER_TIMELINE_ENTRY: f64 = 16.0;
const MEM_PER_TWEET: f64 = 72.0;
const MEM_PER_USER: f64 = 160.0;

/// The memory of this machine, from /proc/meminfo (16 GiB if it cannot be read).
pub fn machine_memory_bytes() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map_or(16.0 * 1_073_741_824.0, |kb| kb * 1024.0)
}

/// What a run is estimated to hold: the items counted and the bytes they take.
pub(super) struct Need {
    pub(super) bytes: f64,
    edges: f64,
    tweets: f64,
    timeline_entries: f64,
}

/// Estimates the memory a run needs: the graph, the tweets preloaded and posted during `run_ns`,
/// the pushed timeline entries and the users.
pub(super) fn need(population: &Population, workload: &Workload, fanout: &FanoutSpec, run_ns: u64) -> Need {
    let users = population.users;
    let follows = match &population.graph {
        GraphSpec::PowerLaw { mean_follows, .. } | GraphSpec::Uniform { mean_follows } => *mean_follows,
        GraphSpec::File { path, .. } => {
            std::fs::metadata(path).map(|m| m.len() as f64 / 10.0).unwrap_or(0.0) / users as f64
        }
    };
    let edges = users as f64 * follows + population.celebrities.map_or(0.0, |c| c.count as f64 * c.followers as f64);
    let post_rate = workload.op(Op::PostTweet).rate * workload.pattern.max_multiplier(Op::PostTweet);
    let tweets = users as f64 * population.tweets_per_user as f64 + post_rate * run_ns as f64 / 1e9;
    let pushes = !matches!(fanout.strategy, FanoutKind::Pull);
    let timeline_entries =
        if pushes { (tweets * follows).min(users as f64 * fanout.timeline_length as f64) } else { 0.0 };
    let bytes = edges * MEM_PER_EDGE
        + tweets * MEM_PER_TWEET
        + timeline_entries * MEM_PER_TIMELINE_ENTRY
        + users as f64 * MEM_PER_USER;
    Need { bytes, edges, tweets, timeline_entries }
}

/// The memory a run may take: 80% of this machine's.
pub(super) fn allowed_bytes() -> f64 {
    machine_memory_bytes() * 0.8
}

/// Refuses a run whose estimated memory ([`need`]) is above [`allowed_bytes`]; `advice` says
/// what to change.
pub(super) fn check(
    cx: &mut Cx,
    population: &Population,
    workload: &Workload,
    fanout: &FanoutSpec,
    run_ns: u64,
    advice: &str,
) {
    let Need { bytes, edges, tweets, timeline_entries } = need(population, workload, fanout, run_ns);
    let have = allowed_bytes();
    if bytes > have {
        cx.problem(
            "population.users",
            format!(
                "this population needs about {} of memory ({} users, {edges:.0} follow edges, {tweets:.0} tweets, {timeline_entries:.0} timeline entries); this machine allows {} (80% of its memory). {advice}",
                units::human_bytes(bytes),
                population.users,
                units::human_bytes(have)
            ),
        );
    }
}
