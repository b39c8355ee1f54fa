//! `workload:`: who acts (`actor`), how rates move over time (`pattern`, `spikes`) and the
//! operations (`ops`).

use serde_json::Value;

use super::{Cx, Unit, parse_unit};
use crate::scenario::file::{OpsFile, PatternFile, PatternKind, PostFile, SpikeFile, WorkloadFile};
use crate::scenario::{Actor, Dist, Op, OpSpec, Pattern, Population, Spike, Workload, dist};

/// Largest mean size of one tweet's text or image (each is held in 32 bits, at most 4 GiB).
const MAX_OBJECT_BYTES: f64 = 1_073_741_824.0;

pub(super) fn resolve(cx: &mut Cx, workload: &WorkloadFile, population: &Population, warmup_ns: u64) -> Workload {
    let actor = actor(cx, workload.actor.as_ref());
    let pattern = match &workload.pattern {
        Some(written) => pattern(cx, written, warmup_ns),
        None => Pattern { diurnal: None, spikes: Vec::new() },
    };
    let ops = ops(cx, &workload.ops, population.celebrities.is_some());
    Workload { actor, pattern, ops }
}

fn actor(cx: &mut Cx, actor: Option<&Value>) -> Actor {
    let Some(written) = actor else { return Actor::Uniform };
    match written {
        Value::String(s) if s == "uniform" => Actor::Uniform,
        _ => match dist::parse(written, &|x| parse_unit(x, Unit::Count)) {
            Ok(Dist::Zipf { s }) => Actor::Zipf { s },
            _ if written.is_string() || matches!(written.get("dist"), Some(Value::String(d)) if d == "uniform") => {
                cx.problem("workload.actor", "expected `uniform` or { dist: zipf, s: 0.8 }");
                Actor::Uniform
            }
            Ok(_) => {
                cx.problem("workload.actor", "expected `uniform` or { dist: zipf, s: 0.8 }");
                Actor::Uniform
            }
            Err((key, e)) => {
                let path = key.map_or("workload.actor".to_owned(), |k| format!("workload.actor.{k}"));
                cx.problem(&path, e);
                Actor::Uniform
            }
        },
    }
}

fn pattern(cx: &mut Cx, pattern: &PatternFile, warmup_ns: u64) -> Pattern {
    let diurnal = match pattern.kind.unwrap_or(PatternKind::Constant) {
        PatternKind::Constant => {
            if pattern.peak_to_mean.is_some() || pattern.period.is_some() {
                cx.problem("workload.pattern", "peak_to_mean and period apply only to kind: diurnal");
            }
            None
        }
        PatternKind::Diurnal => Some(diurnal(cx, pattern)),
    };
    let spikes = pattern.spikes.iter().enumerate().map(|(i, written)| spike(cx, i, written, warmup_ns)).collect();
    Pattern { diurnal, spikes }
}

/// `(peak_to_mean, period_ns)` of a diurnal pattern.
fn diurnal(cx: &mut Cx, pattern: &PatternFile) -> (f64, u64) {
    let peak = pattern.peak_to_mean.unwrap_or(1.5);
    if !(1.0..=2.0).contains(&peak) {
        cx.problem(
            "workload.pattern.peak_to_mean",
            format!(
                "{peak} is not allowed; expected 1 to 2 (the rate swings between 2 - peak and peak times the mean)"
            ),
        );
    }
    let period = match &pattern.period {
        Some(v) => cx.positive_duration_ns("workload.pattern.period", v).unwrap_or(1),
        None => 86_400_000_000_000,
    };
    (peak, period)
}

fn spike(cx: &mut Cx, index: usize, spike: &SpikeFile, warmup_ns: u64) -> Spike {
    let path = format!("workload.pattern.spikes[{index}]");
    let at_ns = cx.duration_ns(&format!("{path}.at"), &spike.at).unwrap_or(0);
    let for_ns = cx.positive_duration_ns(&format!("{path}.for"), &spike.length).unwrap_or(0);
    if !(spike.multiplier >= 0.0 && spike.multiplier <= 10_000.0) {
        cx.problem(&format!("{path}.multiplier"), format!("{} is not allowed; expected 0 to 10000", spike.multiplier));
    }
    if spike.ops.as_ref().is_some_and(|o| o.is_empty()) {
        cx.problem(&format!("{path}.ops"), "an empty list; name the operations, or leave `ops` out for all of them");
    }
    let ops = spike.ops.clone().unwrap_or_default();
    // Spike times are written relative to the measured run; the engine's clock starts at warm-up.
    Spike { at_ns: at_ns + warmup_ns, for_ns, multiplier: spike.multiplier, ops }
}

/// The operations, indexed by `Op::index()`; an operation left out has rate 0.
fn ops(cx: &mut Cx, ops_file: &OpsFile, has_celebrities: bool) -> Vec<OpSpec> {
    let mut ops: Vec<OpSpec> = Op::ALL.iter().map(|_| default_op()).collect();
    let rates = [
        (Op::PostTweet, ops_file.post_tweet.as_ref().map(|p| p.rate)),
        (Op::HomeTimeline, ops_file.home_timeline.as_ref().map(|r| r.rate)),
        (Op::UserTimeline, ops_file.user_timeline.as_ref().map(|r| r.rate)),
        (Op::LikeTweet, ops_file.like_tweet.as_ref().map(|r| r.rate)),
        (Op::Follow, ops_file.follow.as_ref().map(|r| r.rate)),
        (Op::Unfollow, ops_file.unfollow.as_ref().map(|r| r.rate)),
    ];
    for (op, rate) in rates {
        if let Some(rate) = rate {
            set_rate(cx, &mut ops[op.index()], op, rate);
        }
    }
    if let Some(post) = &ops_file.post_tweet {
        post_tweet(cx, &mut ops[Op::PostTweet.index()], post, has_celebrities);
    }
    for (op, read) in [(Op::HomeTimeline, &ops_file.home_timeline), (Op::UserTimeline, &ops_file.user_timeline)] {
        if let Some(page_size) = read.as_ref().and_then(|r| r.page_size) {
            if page_size == 0 {
                cx.problem(&format!("workload.ops.{}.page_size", op.name()), "must be at least 1");
            }
            ops[op.index()].page_size = page_size.max(1);
        }
    }
    if ops.iter().all(|s| s.rate == 0.0) {
        cx.problem("workload.ops", "at least one operation needs a rate above 0 (post_tweet, home_timeline, user_timeline, like_tweet, follow, unfollow)");
    }
    ops
}

fn default_op() -> OpSpec {
    OpSpec {
        rate: 0.0,
        page_size: 20,
        text_bytes: Dist::constant(140.0),
        image_probability: 0.0,
        image_bytes: Dist::constant(0.0),
        celebrity_share: 0.0,
    }
}

/// Sets `spec.rate` to `rate` unless it is negative or not a number.
fn set_rate(cx: &mut Cx, spec: &mut OpSpec, op: Op, rate: f64) {
    let path = format!("workload.ops.{}.rate", op.name());
    if cx.at_least(&path, rate, 0.0, "a rate is a number of operations per second, >= 0") {
        if rate > 1e9 {
            cx.problem(&path, format!("{rate} per second is beyond what this tool simulates; expected at most 1e9"));
        }
        spec.rate = rate;
    }
}

/// What a post carries: text, an image with some probability, a celebrity author.
fn post_tweet(cx: &mut Cx, spec: &mut OpSpec, post: &PostFile, has_celebrities: bool) {
    if let Some(text_bytes) =
        post.text_bytes.as_ref().and_then(|written| cx.dist("workload.ops.post_tweet.text_bytes", written, Unit::Count))
    {
        spec.text_bytes = text_bytes;
    }
    if let Some(probability) = post.image_probability {
        if !(0.0..=1.0).contains(&probability) {
            cx.problem(
                "workload.ops.post_tweet.image_probability",
                format!("{probability} is not a probability; expected 0 to 1"),
            );
        } else {
            spec.image_probability = probability;
        }
    }
    if let Some(share) = post.celebrity_share {
        if !(0.0..=1.0).contains(&share) {
            cx.problem(
                "workload.ops.post_tweet.celebrity_share",
                format!("{share} is not a probability; expected 0 to 1"),
            );
        } else if !has_celebrities && share > 0.0 {
            cx.problem(
                "workload.ops.post_tweet.celebrity_share",
                "needs population.graph.celebrities (who the celebrities are)",
            );
        } else {
            spec.celebrity_share = share;
        }
    }
    match &post.image_bytes {
        Some(written) => {
            if let Some(image_bytes) = cx.dist("workload.ops.post_tweet.image_bytes", written, Unit::Size) {
                spec.image_bytes = image_bytes;
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
    for (key, sizes) in [("text_bytes", &spec.text_bytes), ("image_bytes", &spec.image_bytes)] {
        if sizes.mean().is_some_and(|mean| mean > MAX_OBJECT_BYTES) {
            cx.problem(
                &format!("workload.ops.post_tweet.{key}"),
                "has a mean above 1 GiB; sizes of one tweet's text or image are at most 4 GiB",
            );
        }
    }
}
