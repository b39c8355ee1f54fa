//! Stage 2: from the file form to the resolved `Scenario`, with every problem located.

use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::file::{self, FaultKindFile, Generator, GraphFormat, PatternKind, ScenarioFile};
use super::units::{self, parse_bandwidth_bytes_per_s, parse_duration_ns, parse_size_bytes};
use super::yaml::{Document, MAX_FILE_BYTES, Origin};
use super::*;
use crate::service::Tier;

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

#[derive(Clone, Copy)]
enum Unit {
    Duration,
    Size,
    Count,
}

struct Cx<'a> {
    doc: &'a Document,
    file: &'a Path,
    problems: Vec<Problem>,
}

impl<'a> Cx<'a> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        let origin = self.doc.origin(path);
        let message = message.into();
        let message = if path.is_empty() { message } else { format!("{path}: {message}") };
        self.problems.push(Problem { file: self.file.to_path_buf(), origin, message });
    }

    fn quantity(&mut self, path: &str, v: &Value, unit: Unit) -> Option<f64> {
        match parse_unit(v, unit) {
            Ok(x) => Some(x),
            Err(e) => {
                self.problem(path, e);
                None
            }
        }
    }

    fn duration_ns(&mut self, path: &str, v: &Value) -> Option<u64> {
        self.quantity(path, v, Unit::Duration).map(|x| x.round() as u64)
    }

    fn positive_duration_ns(&mut self, path: &str, v: &Value) -> Option<u64> {
        let d = self.duration_ns(path, v)?;
        if d == 0 {
            self.problem(path, "must be greater than 0");
            return None;
        }
        Some(d)
    }

    fn dist(&mut self, path: &str, v: &Value, unit: Unit) -> Option<Dist> {
        match dist::parse(v, &|x| parse_unit(x, unit)) {
            Ok(Dist::Zipf { .. }) => {
                self.problem(path, "zipf is for choosing actors (workload.actor); use constant, uniform, exponential, lognormal or pareto here");
                None
            }
            Ok(d) => Some(d),
            Err((key, e)) => {
                let p = key.map_or(path.to_owned(), |k| format!("{path}.{k}"));
                self.problem(&p, e);
                None
            }
        }
    }

    fn at_least(&mut self, path: &str, v: f64, min: f64, what: &str) -> bool {
        if v.is_nan() || v < min || !v.is_finite() {
            self.problem(path, format!("{v} is not allowed; {what}"));
            return false;
        }
        true
    }
}

/// Largest mean size of one tweet's text or image (each is held in 32 bits, at most 4 GiB).
const MAX_OBJECT_BYTES: f64 = 1_073_741_824.0;

/// The longest duration accepted anywhere (run length, warm-up, service times): a year.
const MAX_DURATION_NS: f64 = 365.0 * 86_400e9;

fn parse_unit(v: &Value, unit: Unit) -> Result<f64, String> {
    match (v, unit) {
        (Value::String(s), Unit::Duration) => parse_duration_ns(s).and_then(|ns| {
            if ns > MAX_DURATION_NS {
                Err(format!("`{s}` is longer than this tool simulates; durations are at most 365d"))
            } else {
                Ok(ns)
            }
        }),
        (Value::String(s), Unit::Size) => parse_size_bytes(s),
        (Value::Number(n), Unit::Count) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if x >= 0.0 { Ok(x) } else { Err(format!("{x} is negative; expected a count >= 0")) }
        }
        (Value::Number(n), _) if n.as_f64() == Some(0.0) => Ok(0.0),
        (other, Unit::Duration) => Err(format!("{other} is not {}", units::DURATION_HELP)),
        (other, Unit::Size) => Err(format!("{other} is not {}", units::SIZE_HELP)),
        (other, Unit::Count) => Err(format!("{other} is not a number")),
    }
}

fn invalid(file: &Path, origin: Origin, message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Problem { file: file.to_path_buf(), origin, message }])
}

pub(super) fn read(path: &Path) -> Result<String, ScenarioError> {
    let meta = std::fs::metadata(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(invalid(
            path,
            Origin::Unknown,
            format!("file is {} bytes; scenario and model files are limited to {MAX_FILE_BYTES} bytes", meta.len()),
        ));
    }
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    String::from_utf8(bytes).map_err(|e| invalid(path, Origin::Unknown, format!("file is not UTF-8 text ({e})")))
}

pub(super) fn parse_doc(path: &Path, text: &str) -> Result<Document, ScenarioError> {
    let doc = Document::parse(text).map_err(|e| {
        let origin = if e.line > 0 { Origin::File { line: e.line, column: e.column } } else { Origin::Unknown };
        invalid(path, origin, e.message)
    })?;
    if !doc.value.is_object() {
        return Err(invalid(
            path,
            Origin::File { line: 1, column: 1 },
            "expected a mapping of keys (name:, duration:, ...) at the top level".into(),
        ));
    }
    Ok(doc)
}

/// Rewrites serde's messages into ones that say what is allowed and suggest the nearest key.
fn explain(message: &str) -> String {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    for (prefix, what) in [("unknown field", "key"), ("unknown variant", "value")] {
        if message.starts_with(prefix) && !quoted.is_empty() {
            let bad = quoted[0];
            let allowed = &quoted[1..];
            return format!("unknown {what} `{bad}`{}; allowed: {}", suggest(bad, allowed), allowed.join(", "));
        }
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return format!("missing required key `{key}`");
    }
    message
        .replace("expected u32", "expected a whole number (0 to 4294967295)")
        .replace("expected u64", "expected a whole number >= 0")
        .replace("expected f64", "expected a number")
        .replace("expected a string", "expected text")
}

fn from_doc<T: DeserializeOwned>(doc: &Document, file: &Path) -> Result<T, ScenarioError> {
    serde_path_to_error::deserialize(doc.value.clone()).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let inner = e.inner().to_string();
        let message = explain(&inner);
        let origin = if inner.starts_with("unknown field") { doc.key_origin(&path) } else { doc.origin(&path) };
        let message = if path.is_empty() { message } else { format!("{path}: {message}") };
        invalid(file, origin, message)
    })
}

pub(super) fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let text = read(path)?;
    let mut doc = parse_doc(path, &text)?;
    if let Some(seed) = overrides.seed {
        doc.apply_override(&format!("seed={seed}")).map_err(|m| invalid(path, Origin::Unknown, m))?;
    }
    // `model.KEY=...` sets a key of the model file (`model=PATH` names another model file).
    let (model_sets, scenario_sets): (Vec<&String>, Vec<&String>) =
        overrides.set.iter().partition(|a| a.trim_start().starts_with("model."));
    for assignment in scenario_sets {
        doc.apply_override(assignment).map_err(|m| invalid(path, Origin::Unknown, m))?;
    }
    let f: ScenarioFile = from_doc(&doc, path)?;
    let mut cx = Cx { doc: &doc, file: path, problems: Vec::new() };
    let base = path.parent().unwrap_or(Path::new("."));

    if f.name.is_empty() || !f.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        cx.problem(
            "name",
            format!("`{}` is not allowed; a name uses only a-z, 0-9 and - (it names the report folder)", f.name),
        );
    }
    let duration_ns = cx.positive_duration_ns("duration", &f.duration).unwrap_or(1);
    let warmup_ns = f.warmup.as_ref().and_then(|w| cx.duration_ns("warmup", w)).unwrap_or(0);

    // The model.
    let model_path = base.join(&f.model);
    let model = match std::fs::metadata(&model_path) {
        Err(e) => {
            cx.problem("model", format!("cannot read model file {}: {e}", model_path.display()));
            None
        }
        Ok(_) => match load_model_with(&model_path, &model_sets) {
            Ok(m) => Some(m),
            Err(ScenarioError::Invalid(ps)) => {
                cx.problems.extend(ps);
                None
            }
            Err(e) => {
                cx.problem("model", e.to_string());
                None
            }
        },
    };

    // Population.
    let users = f.population.users;
    if users == 0 || users > u32::MAX as u64 / 2 {
        cx.problem("population.users", format!("{users} is not allowed; expected 1 to {}", u32::MAX / 2));
    }
    let users = users.clamp(1, u32::MAX as u64 / 2) as u32;
    let g = &f.population.graph;
    let mean_follows_of = |cx: &mut Cx, v: Option<f64>| -> f64 {
        match v {
            None => {
                cx.problem("population.graph", "this generator needs `mean_follows` (mean followees per user)");
                1.0
            }
            Some(m) if m.is_nan() || m <= 0.0 || m >= users as f64 => {
                cx.problem(
                    "population.graph.mean_follows",
                    format!("{m} is not allowed; expected more than 0 and less than population.users ({users})"),
                );
                1.0
            }
            Some(m) => m,
        }
    };
    let graph = match g.generator {
        Generator::PowerLaw => {
            let mean_follows = mean_follows_of(&mut cx, g.mean_follows);
            let follower_exponent = g.follower_exponent.unwrap_or(2.2);
            if !(2.0..=10.0).contains(&follower_exponent) {
                cx.problem(
                    "population.graph.follower_exponent",
                    format!("{follower_exponent} is not allowed; expected 2 to 10 (below 2 a power law has no finite mean, so no mean_follows could hold; 2.0 to 2.5 is typical of follower graphs)"),
                );
            }
            GraphSpec::PowerLaw { mean_follows, follower_exponent }
        }
        Generator::Uniform => GraphSpec::Uniform { mean_follows: mean_follows_of(&mut cx, g.mean_follows) },
        Generator::File => match &g.path {
            None => {
                cx.problem(
                    "population.graph",
                    "generator: file needs `path` (an edge list or .mtx file, relative to this scenario)",
                );
                GraphSpec::Uniform { mean_follows: 1.0 }
            }
            Some(p) => {
                let gp = base.join(p);
                if !gp.is_file() {
                    cx.problem("population.graph.path", format!("graph file {} not found", gp.display()));
                }
                let format =
                    g.format.unwrap_or(if p.ends_with(".mtx") { GraphFormat::Mtx } else { GraphFormat::Edgelist });
                GraphSpec::File { path: gp, format, undirected: g.undirected.unwrap_or(false) }
            }
        },
    };
    if g.generator == Generator::File && g.mean_follows.is_some() {
        cx.problem(
            "population.graph.mean_follows",
            "applies only to generated graphs; a file graph has the follows it lists",
        );
    }
    if g.generator != Generator::File && (g.path.is_some() || g.format.is_some() || g.undirected.is_some()) {
        cx.problem("population.graph", "path, format and undirected apply only to generator: file");
    }
    let celebrities = g.celebrities.as_ref().and_then(|c| {
        if c.count == 0 || c.count > 1000 || c.count >= users {
            cx.problem(
                "population.graph.celebrities.count",
                format!("{} is not allowed; expected 1 to 1000, and fewer than population.users", c.count),
            );
            return None;
        }
        if c.followers == 0 || c.followers >= users as u64 {
            cx.problem(
                "population.graph.celebrities.followers",
                format!("{} is not allowed; expected 1 to population.users - 1 ({})", c.followers, users - 1),
            );
            return None;
        }
        Some(Celebrities { count: c.count, followers: c.followers as u32 })
    });
    if g.generator != Generator::PowerLaw && g.follower_exponent.is_some() {
        cx.problem("population.graph.follower_exponent", "applies only to generator: power_law");
    }

    // Workload.
    let w = &f.workload;
    let actor = match &w.actor {
        None => Actor::Uniform,
        Some(Value::String(s)) if s == "uniform" => Actor::Uniform,
        Some(v) => match dist::parse(v, &|x| parse_unit(x, Unit::Count)) {
            Ok(Dist::Zipf { s }) => Actor::Zipf { s },
            _ if v.is_string() || matches!(v.get("dist"), Some(Value::String(d)) if d == "uniform") => {
                cx.problem("workload.actor", "expected `uniform` or { dist: zipf, s: 0.8 }");
                Actor::Uniform
            }
            Ok(_) => {
                cx.problem("workload.actor", "expected `uniform` or { dist: zipf, s: 0.8 }");
                Actor::Uniform
            }
            Err((key, e)) => {
                let p = key.map_or("workload.actor".to_owned(), |k| format!("workload.actor.{k}"));
                cx.problem(&p, e);
                Actor::Uniform
            }
        },
    };
    let mut pattern = Pattern { diurnal: None, spikes: Vec::new() };
    if let Some(p) = &w.pattern {
        match p.kind.unwrap_or(PatternKind::Constant) {
            PatternKind::Constant => {
                if p.peak_to_mean.is_some() || p.period.is_some() {
                    cx.problem("workload.pattern", "peak_to_mean and period apply only to kind: diurnal");
                }
            }
            PatternKind::Diurnal => {
                let peak = p.peak_to_mean.unwrap_or(1.5);
                if !(1.0..=2.0).contains(&peak) {
                    cx.problem("workload.pattern.peak_to_mean", format!("{peak} is not allowed; expected 1 to 2 (the rate swings between 2 - peak and peak times the mean)"));
                }
                let period = match &p.period {
                    Some(v) => cx.positive_duration_ns("workload.pattern.period", v).unwrap_or(1),
                    None => 86_400_000_000_000,
                };
                pattern.diurnal = Some((peak, period));
            }
        }
        for (i, s) in p.spikes.iter().enumerate() {
            let path = format!("workload.pattern.spikes[{i}]");
            let at_ns = cx.duration_ns(&format!("{path}.at"), &s.at).unwrap_or(0);
            let for_ns = cx.positive_duration_ns(&format!("{path}.for"), &s.length).unwrap_or(0);
            if !(s.multiplier >= 0.0 && s.multiplier <= 10_000.0) {
                cx.problem(
                    &format!("{path}.multiplier"),
                    format!("{} is not allowed; expected 0 to 10000", s.multiplier),
                );
            }
            if s.ops.as_ref().is_some_and(|o| o.is_empty()) {
                cx.problem(
                    &format!("{path}.ops"),
                    "an empty list; name the operations, or leave `ops` out for all of them",
                );
            }
            let ops = s.ops.clone().unwrap_or_default();
            // Spike times are written relative to the measured run; the engine's clock starts at warm-up.
            pattern.spikes.push(Spike { at_ns: at_ns + warmup_ns, for_ns, multiplier: s.multiplier, ops });
        }
    }
    let default_spec = || OpSpec {
        rate: 0.0,
        page_size: 20,
        text_bytes: Dist::constant(140.0),
        image_probability: 0.0,
        image_bytes: Dist::constant(0.0),
        celebrity_share: 0.0,
    };
    let mut ops: Vec<OpSpec> = Op::ALL.iter().map(|_| default_spec()).collect();
    let o = &w.ops;
    let mut rate = |cx: &mut Cx, op: Op, r: f64| {
        let path = format!("workload.ops.{}.rate", op.name());
        if cx.at_least(&path, r, 0.0, "a rate is a number of operations per second, >= 0") {
            if r > 1e9 {
                cx.problem(&path, format!("{r} per second is beyond what this tool simulates; expected at most 1e9"));
            }
            ops[op.index()].rate = r;
        }
    };
    if let Some(p) = &o.post_tweet {
        rate(&mut cx, Op::PostTweet, p.rate);
    }
    for (op, r) in [(Op::HomeTimeline, &o.home_timeline), (Op::UserTimeline, &o.user_timeline)] {
        if let Some(r) = r {
            rate(&mut cx, op, r.rate);
        }
    }
    for (op, r) in [(Op::LikeTweet, &o.like_tweet), (Op::Follow, &o.follow), (Op::Unfollow, &o.unfollow)] {
        if let Some(r) = r {
            rate(&mut cx, op, r.rate);
        }
    }
    if let Some(p) = &o.post_tweet {
        let spec = &mut ops[Op::PostTweet.index()];
        if let Some(d) =
            p.text_bytes.as_ref().and_then(|t| cx.dist("workload.ops.post_tweet.text_bytes", t, Unit::Count))
        {
            spec.text_bytes = d;
        }
        if let Some(ip) = p.image_probability {
            if !(0.0..=1.0).contains(&ip) {
                cx.problem(
                    "workload.ops.post_tweet.image_probability",
                    format!("{ip} is not a probability; expected 0 to 1"),
                );
            } else {
                spec.image_probability = ip;
            }
        }
        if let Some(share) = p.celebrity_share {
            if !(0.0..=1.0).contains(&share) {
                cx.problem(
                    "workload.ops.post_tweet.celebrity_share",
                    format!("{share} is not a probability; expected 0 to 1"),
                );
            } else if celebrities.is_none() && share > 0.0 {
                cx.problem(
                    "workload.ops.post_tweet.celebrity_share",
                    "needs population.graph.celebrities (who the celebrities are)",
                );
            } else {
                spec.celebrity_share = share;
            }
        }
        match &p.image_bytes {
            Some(v) => {
                if let Some(d) = cx.dist("workload.ops.post_tweet.image_bytes", v, Unit::Size) {
                    spec.image_bytes = d;
                }
            }
            None if spec.image_probability > 0.0 => {
                cx.problem(
                    "workload.ops.post_tweet",
                    "image_probability > 0 needs image_bytes (e.g. { dist: lognormal, median: 200KB, p99: 2MB })",
                );
            }
            None => {}
        }
        for (key, d) in [("text_bytes", &spec.text_bytes), ("image_bytes", &spec.image_bytes)] {
            if d.mean().is_some_and(|m| m > MAX_OBJECT_BYTES) {
                cx.problem(
                    &format!("workload.ops.post_tweet.{key}"),
                    "has a mean above 1 GiB; sizes of one tweet's text or image are at most 4 GiB",
                );
            }
        }
    }
    for (op, r) in [(Op::HomeTimeline, &o.home_timeline), (Op::UserTimeline, &o.user_timeline)] {
        if let Some(ps) = r.as_ref().and_then(|r| r.page_size) {
            if ps == 0 {
                cx.problem(&format!("workload.ops.{}.page_size", op.name()), "must be at least 1");
            }
            ops[op.index()].page_size = ps.max(1);
        }
    }
    if ops.iter().all(|s| s.rate == 0.0) {
        cx.problem("workload.ops", "at least one operation needs a rate above 0 (post_tweet, home_timeline, user_timeline, like_tweet, follow, unfollow)");
    }

    // System.
    let s = &f.system;
    let shards = s.partitioning.shards;
    if shards == 0 || shards > 65_536 {
        cx.problem("system.partitioning.shards", format!("{shards} is not allowed; expected 1 to 65536"));
    }
    let replication = s.partitioning.replication.unwrap_or(1);
    let shards_ok = (1..=65_536).contains(&shards);
    if shards_ok && (replication == 0 || replication > shards) {
        cx.problem(
            "system.partitioning.replication",
            format!("{replication} is not allowed; expected 1 to the number of shards ({shards}): replicas of a shard sit on distinct shard nodes"),
        );
    }
    let vnodes = match (s.partitioning.strategy, s.partitioning.vnodes) {
        (PartitionKind::ConsistentHash, v) => {
            let v = v.unwrap_or(100);
            if v == 0 || v > 10_000 || shards as u64 * v as u64 > 10_000_000 {
                cx.problem(
                    "system.partitioning.vnodes",
                    format!("{v} is not allowed; expected 1 to 10000, and shards × vnodes at most 10,000,000"),
                );
            }
            v
        }
        (_, Some(_)) => {
            cx.problem("system.partitioning.vnodes", "applies only to strategy: consistent_hash");
            0
        }
        (_, None) => 0,
    };
    let timed = matches!(s.partitioning.strategy, PartitionKind::TimeRange | PartitionKind::UserTime);
    let time_bucket_ns = match (&s.partitioning.time_bucket, timed) {
        (Some(v), true) => cx.positive_duration_ns("system.partitioning.time_bucket", v).unwrap_or(1),
        (None, true) => 3_600_000_000_000,
        (Some(_), false) => {
            cx.problem("system.partitioning.time_bucket", "applies only to strategy: time_range or user_time");
            0
        }
        (None, false) => 0,
    };
    if timed && time_bucket_ns > 0 && time_bucket_ns < 1_000_000 {
        cx.problem("system.partitioning.time_bucket", "must be at least 1ms (tweet ids count milliseconds)");
    }
    let group_size = match (s.partitioning.group_size, s.partitioning.strategy) {
        (g, PartitionKind::UserTime) => {
            let g = g.unwrap_or(shards.clamp(1, 4));
            if shards_ok && (g == 0 || g > shards || !shards.is_multiple_of(g)) {
                cx.problem(
                    "system.partitioning.group_size",
                    format!("{g} is not allowed; expected a divisor of the number of shards ({shards})"),
                );
            }
            g.max(1)
        }
        (Some(_), _) => {
            cx.problem("system.partitioning.group_size", "applies only to strategy: user_time");
            1
        }
        (None, _) => 1,
    };
    let timeline_length = s.fanout.timeline_length.unwrap_or(800);
    if timeline_length == 0 {
        cx.problem("system.fanout.timeline_length", "must be at least 1");
    }
    // A home timeline page comes from the materialised timeline, which keeps timeline_length.
    let home = &ops[Op::HomeTimeline.index()];
    if home.rate > 0.0
        && s.fanout.strategy != FanoutKind::Pull
        && timeline_length > 0
        && home.page_size > timeline_length
    {
        cx.problem(
            "workload.ops.home_timeline.page_size",
            format!(
                "{} is above system.fanout.timeline_length ({timeline_length}); a page cannot be longer than the timeline kept",
                home.page_size
            ),
        );
    }
    let celebrity_followers = match (s.fanout.strategy, s.fanout.celebrity_followers) {
        (FanoutKind::Hybrid, None) => {
            cx.problem(
                "system.fanout",
                "strategy: hybrid needs `celebrity_followers` (authors with more followers are pulled at read time)",
            );
            0
        }
        (FanoutKind::Hybrid, Some(c)) => c,
        (_, Some(_)) => {
            cx.problem("system.fanout.celebrity_followers", "applies only to strategy: hybrid");
            0
        }
        (_, None) => 0,
    };
    let cache = |cx: &mut Cx, layer: &str, c: Option<&file::CacheFile>| -> Option<CacheSpec> {
        let c = c?;
        if c.policy == CacheKind::None {
            return None;
        }
        let path = format!("system.caches.{layer}");
        let nodes = c.nodes.unwrap_or(1);
        if nodes == 0 || nodes > 65_536 {
            cx.problem(&format!("{path}.nodes"), format!("{nodes} is not allowed; expected 1 to 65536"));
        }
        let Some(capacity) = &c.capacity_per_node else {
            cx.problem(&path, "a cache needs `capacity_per_node` (a size such as 16GB)");
            return None;
        };
        let cap = cx.quantity(&format!("{path}.capacity_per_node"), capacity, Unit::Size).unwrap_or(0.0);
        if cap < 1.0 {
            cx.problem(&format!("{path}.capacity_per_node"), "must be greater than 0 bytes");
        }
        Some(CacheSpec { policy: c.policy, nodes: nodes.max(1), capacity_per_node: cap as u64 })
    };
    let caches = s.caches.as_ref();
    let timeline_cache = cache(&mut cx, "timeline", caches.and_then(|c| c.timeline.as_ref()));
    let tweet_cache = cache(&mut cx, "tweet", caches.and_then(|c| c.tweet.as_ref()));
    let user_cache = cache(&mut cx, "user", caches.and_then(|c| c.user.as_ref()));
    let image_cache = cache(&mut cx, "image", caches.and_then(|c| c.image.as_ref()));

    let mut faults = Vec::new();
    for (i, fault) in f.faults.iter().enumerate() {
        let path = format!("faults[{i}]");
        let nodes_of = |tier: Tier| -> Option<u32> {
            let m = model.as_ref();
            Some(match tier {
                Tier::App => m?.app.as_ref().map_or(1, |t| t.count),
                Tier::Shard => shards,
                Tier::TimelineCache => timeline_cache.as_ref().map_or(0, |c| c.nodes),
                Tier::TweetCache => tweet_cache.as_ref().map_or(0, |c| c.nodes),
                Tier::UserCache => user_cache.as_ref().map_or(0, |c| c.nodes),
                Tier::ImageCache => image_cache.as_ref().map_or(0, |c| c.nodes),
                Tier::Blob => m?.blob.as_ref().map_or(1, |t| t.count),
                Tier::Fanout => m?.fanout.as_ref().map_or(1, |t| t.count),
            })
        };
        let Some(resolved) = fault_target(&mut cx, &path, fault, nodes_of) else { continue };
        let (tier, first, count) = resolved;
        let at_ns = cx.duration_ns(&format!("{path}.at"), &fault.at).unwrap_or(0);
        if at_ns >= duration_ns && duration_ns > 0 {
            cx.problem(
                &format!("{path}.at"),
                "is at or after the end of the run; faults start within `duration` (counted from the end of warm-up)",
            );
        }
        let for_ns = match (fault.kind, &fault.length) {
            (FaultKindFile::CacheFlush, Some(_)) => {
                cx.problem(&format!("{path}.for"), "cache_flush is instantaneous; leave `for` out");
                0
            }
            (FaultKindFile::CacheFlush, None) => 0,
            (_, Some(v)) => cx.positive_duration_ns(&format!("{path}.for"), v).unwrap_or(0),
            (_, None) => {
                cx.problem(&path, "needs `for`: how long the fault lasts, e.g. `for: 10s`");
                0
            }
        };
        let kind = match (fault.kind, fault.factor) {
            (FaultKindFile::SlowNode, Some(x)) if x > 0.0 && x <= 1000.0 => FaultKind::SlowNode { factor: x },
            (FaultKindFile::SlowNode, Some(x)) => {
                cx.problem(&format!("{path}.factor"), format!("{x} is not allowed; expected above 0 and at most 1000"));
                continue;
            }
            (FaultKindFile::SlowNode, None) => {
                cx.problem(
                    &path,
                    "slow_node needs `factor`: how many times longer each service time is, e.g. `factor: 5`",
                );
                continue;
            }
            (_, Some(_)) => {
                cx.problem(&format!("{path}.factor"), "applies only to kind: slow_node");
                continue;
            }
            (FaultKindFile::NodeDown, None) => FaultKind::NodeDown,
            (FaultKindFile::CacheFlush, None) => {
                if !tier.is_cache() {
                    let layers: Vec<&str> = Tier::ALL.iter().filter(|t| t.is_cache()).map(|t| t.name()).collect();
                    cx.problem(
                        &format!("{path}.target"),
                        format!("cache_flush applies to a cache layer: {}, optionally with [node]", layers.join(", ")),
                    );
                    continue;
                }
                FaultKind::CacheFlush
            }
        };
        faults.push(Fault { kind, target: fault.target.clone(), tier, first, count, at_ns: at_ns + warmup_ns, for_ns });
    }

    let mut matrix = Vec::new();
    let mut combinations = 1usize;
    for (key, values) in &f.matrix {
        let path = format!("matrix.{key}");
        if key.starts_with("matrix") || key.contains(['[', ']']) || key.split('.').any(str::is_empty) {
            cx.problem(
                &path,
                format!("`{key}` is not allowed; a matrix key is a key path such as system.partitioning.shards"),
            );
            continue;
        }
        if values.is_empty() {
            cx.problem(&path, "an empty list; give the values to compare");
            continue;
        }
        let mut texts = Vec::new();
        for v in values {
            match v {
                Value::String(s) => texts.push(s.clone()),
                Value::Number(n) => texts.push(n.to_string()),
                Value::Bool(b) => texts.push(b.to_string()),
                other => cx.problem(
                    &path,
                    format!("{other} is not allowed; matrix values are single values (numbers, names, sizes)"),
                ),
            }
        }
        combinations = combinations.saturating_mul(values.len());
        matrix.push((key.clone(), texts));
    }
    if combinations > 64 {
        cx.problem("matrix", format!("{combinations} combinations; at most 64 are allowed"));
    }

    let mut slo = BTreeMap::new();
    for (name, target) in &f.slo {
        let op = *name;
        if ops[op.index()].rate == 0.0 {
            cx.problem(
                &format!("slo.{}", op.name()),
                "this operation has no rate in workload.ops, so its SLO could never be checked",
            );
        }
        let mut t = Slo::default();
        for (stat, v, slot) in [
            ("p50", &target.p50, &mut t.p50_us),
            ("p90", &target.p90, &mut t.p90_us),
            ("p99", &target.p99, &mut t.p99_us),
            ("p999", &target.p999, &mut t.p999_us),
            ("mean", &target.mean, &mut t.mean_us),
        ] {
            if let Some(v) = v {
                *slot = cx.positive_duration_ns(&format!("slo.{}.{stat}", op.name()), v).map(|ns| ns as f64 / 1000.0);
            }
        }
        slo.insert(op, t);
    }

    // Memory: refuse populations this machine cannot hold, before building anything.
    let follows = match &graph {
        GraphSpec::PowerLaw { mean_follows, .. } | GraphSpec::Uniform { mean_follows } => *mean_follows,
        GraphSpec::File { path, .. } => {
            std::fs::metadata(path).map(|m| m.len() as f64 / 10.0).unwrap_or(0.0) / users as f64
        }
    };
    let edges = users as f64 * follows + celebrities.map_or(0.0, |c| c.count as f64 * c.followers as f64);
    let post_rate = ops[Op::PostTweet.index()].rate * pattern.max_multiplier(Op::PostTweet);
    let tweets =
        users as f64 * f.population.tweets_per_user as f64 + post_rate * (duration_ns + warmup_ns) as f64 / 1e9;
    let pushes = !matches!(s.fanout.strategy, FanoutKind::Pull);
    let timeline_entries = if pushes { (tweets * follows).min(users as f64 * timeline_length as f64) } else { 0.0 };
    let need = edges * MEM_PER_EDGE
        + tweets * MEM_PER_TWEET
        + timeline_entries * MEM_PER_TIMELINE_ENTRY
        + users as f64 * MEM_PER_USER;
    let have = machine_memory_bytes() * 0.8;
    if need > have {
        cx.problem(
            "population.users",
            format!(
                "this population needs about {} of memory ({users} users, {:.0} follow edges, {:.0} tweets, {:.0} timeline entries); this machine allows {} (80% of its memory). Scale the population down.",
                units::human_bytes(need),
                edges,
                tweets,
                timeline_entries,
                units::human_bytes(have)
            ),
        );
    }

    let model = match model {
        Some(m) if cx.problems.is_empty() => m,
        _ => return Err(ScenarioError::Invalid(cx.problems)),
    };
    if !cx.problems.is_empty() {
        return Err(ScenarioError::Invalid(cx.problems));
    }

    Ok(Scenario {
        name: f.name,
        description: f.description.unwrap_or_default().trim().to_owned(),
        path: path.to_path_buf(),
        file_sha256: hex(&sha2::Sha256::digest(text.as_bytes())),
        overrides: overrides.set.clone(),
        seed: f.seed.unwrap_or(0),
        duration_ns,
        warmup_ns,
        model,
        population: Population { users, graph, tweets_per_user: f.population.tweets_per_user, celebrities },
        workload: Workload { actor, pattern, ops },
        system: System {
            partitioning: Partitioning {
                strategy: s.partitioning.strategy,
                shards,
                replication,
                vnodes,
                read_policy: s.partitioning.read_policy.unwrap_or(ReadPolicy::Balanced),
                time_bucket_ns,
                group_size,
            },
            fanout: Fanout { strategy: s.fanout.strategy, celebrity_followers, timeline_length },
            timeline_cache,
            tweet_cache,
            user_cache,
            image_cache,
            load_balancing: s.load_balancing.unwrap_or(BalanceKind::RoundRobin),
        },
        faults,
        slo,
        matrix,
    })
}

/// The tier and nodes a fault's `target` names: `tier` (all its nodes) or `tier[i]`.
fn fault_target(
    cx: &mut Cx,
    path: &str,
    fault: &file::FaultFile,
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
    let n = nodes_of(tier)?;
    if n == 0 {
        cx.problem(
            &format!("{path}.target"),
            format!("the scenario has no `{name}` nodes (add the cache layer under system.caches)"),
        );
        return None;
    }
    match index {
        Some(i) if i >= n => {
            cx.problem(
                &format!("{path}.target"),
                format!("node {i} does not exist; `{name}` has nodes 0 to {}", n - 1),
            );
            None
        }
        Some(i) => Some((tier, i, 1)),
        None => Some((tier, 0, n)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Loads a model file on its own (also used by `validate` on model files).
pub fn load_model(path: &Path) -> Result<Model, ScenarioError> {
    load_model_with(path, &[])
}

/// Loads a model file with `model.KEY.PATH=VALUE` overrides applied (the `model.` prefix is
/// the scenario's view of the model file).
fn load_model_with(path: &Path, sets: &[&String]) -> Result<Model, ScenarioError> {
    let text = read(path)?;
    let mut doc = parse_doc(path, &text)?;
    for assignment in sets {
        let inner = assignment.trim_start().trim_start_matches("model.");
        doc.apply_override_shown(inner, assignment)
            .map_err(|m| invalid(path, Origin::Unknown, m.replacen(inner, assignment, 1)))?;
    }
    let f: file::ModelFile = from_doc(&doc, path)?;
    let mut cx = Cx { doc: &doc, file: path, problems: Vec::new() };
    let (rtt_ns, bandwidth) = match &f.network {
        None => (0.0, None),
        Some(n) => {
            let rtt = cx.quantity("network.rtt", &n.rtt, Unit::Duration).unwrap_or(0.0);
            let bw = n.bandwidth.as_ref().and_then(|b| match b {
                Value::String(s) => match parse_bandwidth_bytes_per_s(s) {
                    Ok(x) if x > 0.0 => Some(x),
                    Ok(_) => {
                        cx.problem("network.bandwidth", "must be greater than 0 (leave it out for unlimited)");
                        None
                    }
                    Err(e) => {
                        cx.problem("network.bandwidth", e);
                        None
                    }
                },
                other => {
                    cx.problem("network.bandwidth", format!("{other} is not {}", units::BANDWIDTH_HELP));
                    None
                }
            });
            (rtt, bw)
        }
    };
    let tier = |cx: &mut Cx,
                name: &str,
                count: Option<u32>,
                servers: u32,
                read: (&str, &Value),
                write: (&str, &Value),
                per_item: Option<(&str, &Value)>|
     -> TierModel {
        let p = format!("nodes.{name}");
        if servers == 0 || servers > 100_000 {
            cx.problem(
                &format!("{p}.servers"),
                format!("{servers} is not allowed; expected 1 to 100000 (concurrent requests a node serves)"),
            );
        }
        let count = count.unwrap_or(1);
        if count == 0 || count > 100_000 {
            cx.problem(&format!("{p}.count"), format!("{count} is not allowed; expected 1 to 100000"));
        }
        let read_dist = cx.dist(&format!("{p}.{}", read.0), read.1, Unit::Duration);
        let write_dist = if write.0 == read.0 {
            read_dist.clone()
        } else {
            cx.dist(&format!("{p}.{}", write.0), write.1, Unit::Duration)
        };
        let read = read_dist.unwrap_or(Dist::constant(0.0));
        let write = write_dist.unwrap_or(Dist::constant(0.0));
        let per_item_ns =
            per_item.and_then(|(k, v)| cx.quantity(&format!("{p}.{k}"), v, Unit::Duration)).unwrap_or(0.0);
        TierModel {
            count: count.max(1),
            servers: servers.max(1),
            read,
            write,
            per_item_ns,
            memory_bytes: None,
            storage_bytes: None,
        }
    };
    let n = &f.nodes;
    let app = n
        .app
        .as_ref()
        .map(|a| tier(&mut cx, "app", a.count, a.servers, ("service", &a.service), ("service", &a.service), None));
    let shard = n.shard.as_ref().map(|s| {
        let mut t = tier(
            &mut cx,
            "shard",
            None,
            s.servers,
            ("read", &s.read),
            ("write", &s.write),
            s.per_item.as_ref().map(|v| ("per_item", v)),
        );
        t.storage_bytes = s.storage.as_ref().and_then(|v| cx.quantity("nodes.shard.storage", v, Unit::Size));
        t.memory_bytes = s.memory.as_ref().and_then(|v| cx.quantity("nodes.shard.memory", v, Unit::Size));
        t
    });
    let cache = n.cache.as_ref().map(|c| {
        let mut t = tier(
            &mut cx,
            "cache",
            None,
            c.servers,
            ("get", &c.get),
            ("set", &c.set),
            c.per_item.as_ref().map(|v| ("per_item", v)),
        );
        t.memory_bytes = c.memory.as_ref().and_then(|v| cx.quantity("nodes.cache.memory", v, Unit::Size));
        t
    });
    let blob = n
        .blob
        .as_ref()
        .map(|b| tier(&mut cx, "blob", b.count, b.servers, ("read", &b.read), ("write", &b.write), None));
    let fanout = n.fanout.as_ref().map(|fo| {
        let zero = Value::from(0);
        tier(
            &mut cx,
            "fanout",
            fo.count,
            fo.servers,
            ("per_delivery", &zero),
            ("per_delivery", &zero),
            Some(("per_delivery", &fo.per_delivery)),
        )
    });
    if !cx.problems.is_empty() {
        return Err(ScenarioError::Invalid(cx.problems));
    }
    Ok(Model {
        name: f.name,
        path: PathBuf::from(path),
        rtt_ns,
        bandwidth_bytes_per_s: bandwidth,
        app,
        shard,
        cache,
        blob,
        fanout,
    })
}
