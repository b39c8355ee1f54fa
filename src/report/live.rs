//! The live section of a report (`mode: "live"`): requested against achieved rates, the
//! latency a caller saw measured from each request's intended start (coordinated omission
//! corrected) beside the uncorrected service time, the schedule lag, the saturation verdict,
//! and the reconciliation of the state after the run.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::Latency;

/// One operation under live load.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LiveOpReport {
    /// The scenario's rate × rate_scale, averaged over the window's rate pattern.
    pub nominal_per_s: f64,
    /// Requests the open-loop schedule asked for in the window, per second.
    pub requested_per_s: f64,
    /// Responses given inside the window, per second.
    pub achieved_per_s: f64,
    /// achieved_per_s / requested_per_s.
    pub achieved_ratio: f64,
    /// Requests scheduled in the window, and of those the ones answered and never answered.
    pub scheduled: u64,
    pub answered: u64,
    pub unanswered: u64,
    /// Time from the request's actual start to its response: what a harness that does not
    /// correct for coordinated omission would report.
    pub service_time_us: Latency,
    /// How late each request started against its intended start.
    pub schedule_lag_us: Latency,
}

/// The outcome of reconciling the service's state after the run.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct InvariantReport {
    pub passed: bool,
    pub acknowledged_posts: u64,
    pub acknowledged_likes: u64,
    pub acknowledged_follow_changes: u64,
    pub tweets_checked: u64,
    pub users_checked: u64,
    /// (post, follower) pairs whose delivery was certain and checked exactly.
    pub deliveries_checked: u64,
    /// (post, follower) pairs held to bounds: the follow edge changed while the post ran.
    pub deliveries_uncertain: u64,
    /// Differences found, all counted.
    pub mismatches: u64,
    /// The first of them (at most 20), in plain words.
    pub first_differences: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LiveReport {
    /// Worker tasks (and runtime threads) that drove the service, and the cores available.
    pub workers: u32,
    pub cores: u32,
    pub rate_scale: f64,
    pub requested_per_s: f64,
    pub achieved_per_s: f64,
    pub operations: BTreeMap<String, LiveOpReport>,
    /// Schedule lag over all operations.
    pub schedule_lag_us: Latency,
    /// p99 schedule lag in each time-series interval (µs): growing lag means a growing backlog.
    pub schedule_lag_p99_us: Vec<f64>,
    pub saturated: bool,
    /// One sentence: keeps up, or saturated and why.
    pub verdict: String,
    pub saturation_reasons: Vec<String>,
    pub invariants: InvariantReport,
    /// Uncorrected service-time histograms per operation (ns, HdrHistogram V2 + deflate, base64).
    pub service_time_histograms: BTreeMap<String, String>,
}
