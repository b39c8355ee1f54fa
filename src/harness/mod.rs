//! The live harness: the in-memory service, built as `run` builds it, driven in wall-clock
//! time by tokio worker tasks sharing it, open loop, then reconciled ([`invariants`]).
//!
//! The request stream is the simulator's ([`workload::Generator`]: Poisson arrivals at each
//! operation's rate × `rate_scale` × the rate pattern, the same actors and targets), produced
//! on the fly under one lock: a free worker takes the next arrival, waits for its intended
//! start (tokio's timer for the bulk of the wait, a short sleep and spin for the last fraction
//! of a millisecond, since tokio's timer is only millisecond-precise), runs it on the service
//! and records its latency **from the intended start**. When the service stalls, or every
//! worker is busy, the requests behind the stall start late and each is charged the delay, as
//! wrk2 does: no coordinated omission. The time from the actual start (the uncorrected service
//! time) and the schedule lag are recorded beside it.
//!
//! Each worker has its own [`Recorder`] and [`Ledger`]; they are merged at the end, so that
//! recording takes no lock. Warm-up is excluded as in the simulator: a request counts when its
//! intended start is inside the measured window. After the window, the backlog is drained for
//! at most `DRAIN_LIMIT_NS` (or the window's length if shorter); requests not started by then
//! are counted as unanswered: the one each worker holds exactly, the rest of the schedule by
//! its expected number (the rate integrated over what remained of it), so that an absurd rate
//! cannot keep the harness counting.
//!
//! The harness knows the service only through its API; it never reads simulated node costs.

pub mod invariants;

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use crate::assembly::{self, RunError};
use crate::metrics::{Recorder, latency_histogram};
use crate::pool::cores;
use crate::report::live::{LiveOpReport, LiveReport};
use crate::report::{self, BandwidthReport, Latency, Report, encode_histogram};
use crate::scenario::{Op, Scenario};
use crate::service::{Plan, Service, Snapshot};
use crate::workload::{self, Executed, Generator, Request};
pub use invariants::{InvariantReport, Ledger};

/// Longest drain after the measured window.
pub const DRAIN_LIMIT_NS: u64 = 10_000_000_000;
/// An operation is saturated when it achieves less than this share of its requested rate.
pub const ACHIEVED_THRESHOLD: f64 = 0.95;
/// ... counted only for operations with at least this many requests in the window.
pub const MIN_REQUESTS: u64 = 200;
/// The lag grows when the median of the interval p99 lags over the window's last quarter is
/// above this (ns) and more than `LAG_GROWTH` times that over its first quarter.
pub const LAG_LIMIT_NS: f64 = 10_000_000.0;
pub const LAG_GROWTH: f64 = 2.0;

/// A stall injected into the service for tests: when the request with this sequence number
/// (0-based, in schedule order) runs, the whole service stops for `duration` (a stop-the-world
/// pause, as a long lock hold or a collector would cause); every request then in flight or
/// due waits behind it.
#[derive(Clone, Copy, Debug)]
pub struct Pause {
    pub at_request: u64,
    pub duration: Duration,
}

/// How to drive the service.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker tasks, and threads of the multi-thread runtime.
    pub workers: usize,
    /// Multiplies every operation's rate.
    pub rate_scale: f64,
    pub pause: Option<Pause>,
}

impl Options {
    /// One worker per core, the scenario's rates.
    pub fn new() -> Options {
        Options { workers: cores(), rate_scale: 1.0, pause: None }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::new()
    }
}

/// The scenario with every operation's rate multiplied by `scale`.
pub fn scaled(s: &Scenario, scale: f64) -> Scenario {
    let mut s = s.clone();
    for op in s.workload.ops.iter_mut() {
        op.rate *= scale;
    }
    s
}

struct Dispatch {
    generator: Generator,
    next_seq: u64,
    end_ns: u64,
    /// Set when the drain ends: no more requests are handed out.
    closed: bool,
    /// The requests the schedule still held then, per operation: their expected number (the
    /// Poisson stream's rate integrated over the rest of the schedule), in the window and in
    /// all. Counting them one by one could take longer than the run at an absurd rate.
    tail_in_window: [u64; 6],
    tail_all: u64,
}

struct Shared {
    scenario: Scenario,
    service: Service,
    dispatch: Mutex<Dispatch>,
    t0: Instant,
    window_start_ns: u64,
    window_end_ns: u64,
    hard_end_ns: u64,
    topology: crate::tier::Topology,
    pause: Option<Pause>,
    /// Readers: requests running; the writer: a pause.
    gate: RwLock<()>,
    baseline: OnceLock<Snapshot>,
    executed: AtomicU64,
}

impl Shared {
    #[inline]
    fn now_ns(&self) -> u64 {
        self.t0.elapsed().as_nanos() as u64
    }

    fn next(&self) -> Option<(u64, u64, Request)> {
        let mut d = self.dispatch.lock().unwrap_or_else(|e| e.into_inner());
        if d.closed {
            return None;
        }
        let end = d.end_ns;
        let (t, req) = d.generator.next(end)?;
        let seq = d.next_seq;
        d.next_seq += 1;
        Some((seq, t, req))
    }

    /// Ends the schedule (the drain is over) and counts what it still held.
    fn close(&self, s: &Scenario) {
        let mut d = self.dispatch.lock().unwrap_or_else(|e| e.into_inner());
        if d.closed {
            return;
        }
        d.closed = true;
        let from = d.generator.now_ns().min(self.window_end_ns);
        for op in Op::ALL {
            let rate = s.workload.op(op).rate;
            if rate <= 0.0 {
                continue;
            }
            let in_window = expected(s, op, from.max(self.window_start_ns), self.window_end_ns);
            let before = expected(s, op, from, self.window_start_ns.max(from));
            d.tail_in_window[op.index()] = in_window.round() as u64;
            d.tail_all += (in_window + before).round() as u64;
        }
    }
}

/// The expected number of arrivals of `op` in [from, to) ns: its rate times the integral of
/// the rate pattern's multiplier (midpoint rule, at most 20,000 steps).
fn expected(s: &Scenario, op: Op, from: u64, to: u64) -> f64 {
    if to <= from {
        return 0.0;
    }
    const STEPS: u64 = 20_000;
    let span = (to - from) as f64;
    let steps = STEPS.min((to - from).div_ceil(1_000_000)).max(1);
    let step = span / steps as f64;
    let sum: f64 = (0..steps).map(|i| s.workload.pattern.multiplier(op, from + ((i as f64 + 0.5) * step) as u64)).sum();
    s.workload.op(op).rate * sum * step / 1e9
}

/// What one worker measured and acknowledged.
struct WorkerOut {
    recorder: Recorder,
    service_time: Vec<Histogram<u64>>,
    lag: Vec<Histogram<u64>>,
    lag_series: Vec<Histogram<u64>>,
    scheduled: [u64; 6],
    answered_in_window: [u64; 6],
    ledger: Ledger,
}

/// Waits until `t_ns` on the run's clock: tokio's (millisecond) timer while more than 2 ms are
/// left, then a short thread sleep, then a spin for the last 100 µs.
async fn wait_until(sh: &Shared, t_ns: u64) {
    loop {
        let now = sh.now_ns();
        if now >= t_ns {
            return;
        }
        let left = t_ns - now;
        if left > 2_000_000 {
            tokio::time::sleep(Duration::from_nanos(left - 1_500_000)).await;
        } else if left > 200_000 {
            std::thread::sleep(Duration::from_nanos(left - 100_000));
        } else {
            std::hint::spin_loop();
        }
    }
}

async fn worker(sh: Arc<Shared>) -> WorkerOut {
    let interval_hist = || Histogram::new_with_bounds(1, crate::metrics::MAX_LATENCY_NS, 2).expect("valid bounds");
    let recorder = Recorder::new(&sh.topology, sh.window_start_ns, sh.window_end_ns);
    let intervals = recorder.series_count.len();
    let mut out = WorkerOut {
        recorder,
        service_time: Op::ALL.iter().map(|_| latency_histogram()).collect(),
        lag: Op::ALL.iter().map(|_| latency_histogram()).collect(),
        lag_series: (0..intervals).map(|_| interval_hist()).collect(),
        scheduled: [0; 6],
        answered_in_window: [0; 6],
        ledger: Ledger::default(),
    };
    let mut plan = Plan::default();
    let mut page = Vec::new();
    while let Some((seq, t, req)) = sh.next() {
        let op = req.op.index();
        let rec = &mut out.recorder;
        let in_window = rec.in_window(t);
        if in_window {
            out.scheduled[op] += 1;
        }
        if t >= sh.window_start_ns {
            sh.baseline.get_or_init(|| sh.service.snapshot());
        }
        if sh.now_ns() >= sh.hard_end_ns {
            // Past the drain: never sent, nor is the rest of the schedule.
            rec.incomplete += 1;
            if in_window {
                rec.unanswered[op] += 1;
            }
            sh.close(&sh.scenario);
            break;
        }
        wait_until(&sh, t).await;
        let started = sh.now_ns();
        let executed = {
            let _gate = match sh.pause {
                None => None,
                Some(p) if p.at_request == seq => {
                    let w = sh.gate.write().unwrap_or_else(|e| e.into_inner());
                    std::thread::sleep(p.duration);
                    drop(w);
                    None
                }
                Some(_) => Some(sh.gate.read().unwrap_or_else(|e| e.into_inner())),
            };
            workload::execute(&sh.service, t, &req, &mut plan, &mut page)
        };
        let end = sh.now_ns();
        sh.executed.fetch_add(1, Ordering::Relaxed);
        let rec = &mut out.recorder;
        rec.record_op(req.op, t, end, req.weight);
        if in_window {
            let _ = out.service_time[op].record((end - started).max(1));
            let lag = (started - t).max(1);
            let _ = out.lag[op].record(lag);
            if let Some(i) = rec.interval_of(t) {
                let _ = out.lag_series[i].record(lag);
            }
        }
        if rec.in_window(end) {
            out.answered_in_window[op] += 1;
        }
        if let Executed::Posted { deliveries, .. } = executed {
            rec.record_fanout(t, end, deliveries, req.weight);
        }
        out.ledger.record(&executed, started, end);
    }
    out
}

/// Drives the scenario live (rates × `opts.rate_scale`) and returns its report, with
/// `mode: "live"` and the live section, invariants included. The run passes when
/// `report.live.invariants.passed`.
pub fn run(s: &Scenario, opts: &Options) -> Result<Report, RunError> {
    let started = Instant::now();
    let s = scaled(s, opts.rate_scale);
    let graph = assembly::build_graph(&s)?;
    let mean_followers = graph.mean_follows();
    let mut service = assembly::service(&s, graph);
    workload::preload(&s, &mut service);
    let storage_before = service.storage();
    let before = service.counts();
    let workers = opts.workers.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("tweetcap-load")
        .enable_time()
        .build()
        .map_err(RunError::Runtime)?;

    let window_start_ns = s.warmup_ns;
    let window_end_ns = s.warmup_ns + s.duration_ns;
    let users = service.users();
    let shared = Arc::new(Shared {
        dispatch: Mutex::new(Dispatch {
            generator: Generator::new(&s, users),
            next_seq: 0,
            end_ns: window_end_ns,
            closed: false,
            tail_in_window: [0; 6],
            tail_all: 0,
        }),
        scenario: s.clone(),
        topology: service.topology(),
        service,
        t0: Instant::now(),
        window_start_ns,
        window_end_ns,
        hard_end_ns: window_end_ns + s.duration_ns.min(DRAIN_LIMIT_NS),
        pause: opts.pause,
        gate: RwLock::new(()),
        baseline: OnceLock::new(),
        executed: AtomicU64::new(0),
    });
    let handles: Vec<_> = (0..workers).map(|_| runtime.spawn(worker(Arc::clone(&shared)))).collect();
    let outs: Vec<WorkerOut> = runtime.block_on(async {
        let mut outs = Vec::with_capacity(handles.len());
        for h in handles {
            match h.await {
                Ok(o) => outs.push(o),
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        outs
    });
    drop(runtime);

    // Merge the workers' figures.
    let mut outs = outs.into_iter();
    let mut total = outs.next().expect("at least one worker");
    for o in outs {
        total.recorder.merge(&o.recorder);
        for (a, b) in total.service_time.iter_mut().zip(&o.service_time) {
            let _ = a.add(b);
        }
        for (a, b) in total.lag.iter_mut().zip(&o.lag) {
            let _ = a.add(b);
        }
        for (a, b) in total.lag_series.iter_mut().zip(&o.lag_series) {
            let _ = a.add(b);
        }
        for i in 0..6 {
            total.scheduled[i] += o.scheduled[i];
            total.answered_in_window[i] += o.answered_in_window[i];
        }
        total.ledger.merge(o.ledger);
    }
    {
        let d = shared.dispatch.lock().unwrap_or_else(|e| e.into_inner());
        let rec = &mut total.recorder;
        rec.incomplete += d.tail_all;
        for op in 0..6 {
            rec.unanswered[op] += d.tail_in_window[op];
            total.scheduled[op] += d.tail_in_window[op];
        }
    }
    let svc = &shared.service;
    let invariants = invariants::check(svc, &total.ledger, &before);
    let baseline = shared.baseline.get().copied().unwrap_or_else(|| svc.snapshot());

    let facts = report::RunFacts {
        scenario: &s,
        service: svc,
        storage_before: &storage_before,
        baseline: &baseline,
        estimate: crate::estimate::estimate(&s, mean_followers),
        wall_seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        requests: shared.executed.load(Ordering::Relaxed),
    };
    let mut r = report::build(facts, &total.recorder);
    live_report(&s, opts, workers, &total, invariants, &mut r);
    Ok(r)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Turns a report built from the live recorder into a live report: the simulated-only
/// sections (node utilisation, bandwidth, partition load, faults) are left out, throughput is
/// what was achieved, and the live section is added.
fn live_report(s: &Scenario, opts: &Options, workers: usize, w: &WorkerOut, inv: InvariantReport, r: &mut Report) {
    let window_s = s.duration_ns as f64 / 1e9;
    r.mode = "live".to_owned();
    r.nodes.clear();
    r.bandwidth = BandwidthReport { total_bytes: 0, by_tier: BTreeMap::new() };
    r.partitioning = None;
    r.fanout.busy_servers = 0.0;
    r.timeseries.bytes_per_s.clear();
    r.faults.clear();
    if !s.faults.is_empty() {
        r.warnings.push(format!(
            "the scenario's {} faults act on simulated nodes; the live run does not inject them",
            s.faults.len()
        ));
    }
    let mut operations = BTreeMap::new();
    let mut service_time_histograms = BTreeMap::new();
    let mut all_lag = latency_histogram();
    let (mut requested_total, mut achieved_total) = (0.0, 0.0);
    let mut reasons = Vec::new();
    for op in Op::ALL {
        let Some(o) = r.operations.get_mut(op.name()) else { continue };
        let i = op.index();
        let requested = w.scheduled[i] as f64 / window_s;
        let achieved = w.answered_in_window[i] as f64 / window_s;
        o.throughput_per_s = round3(achieved);
        requested_total += requested;
        achieved_total += achieved;
        let ratio = if requested > 0.0 { achieved / requested } else { 1.0 };
        let unanswered = w.recorder.unanswered[i];
        if w.scheduled[i] >= MIN_REQUESTS && ratio < ACHIEVED_THRESHOLD {
            reasons.push(format!(
                "{}: achieved {:.1}/s of {:.1}/s requested ({:.1}%)",
                op.name(),
                achieved,
                requested,
                ratio * 100.0
            ));
        }
        let _ = all_lag.add(&w.lag[i]);
        service_time_histograms.insert(op.name().to_owned(), encode_histogram(&w.service_time[i]));
        operations.insert(
            op.name().to_owned(),
            LiveOpReport {
                nominal_per_s: round3(expected(s, op, s.warmup_ns, s.warmup_ns + s.duration_ns) / window_s),
                requested_per_s: round3(requested),
                achieved_per_s: round3(achieved),
                achieved_ratio: round3(ratio),
                scheduled: w.scheduled[i],
                answered: w.scheduled[i] - unanswered,
                unanswered,
                service_time_us: Latency::of(&w.service_time[i]),
                schedule_lag_us: Latency::of(&w.lag[i]),
            },
        );
    }
    let total_ratio = if requested_total > 0.0 { achieved_total / requested_total } else { 1.0 };
    let scheduled: u64 = w.scheduled.iter().sum();
    if scheduled >= MIN_REQUESTS && total_ratio < ACHIEVED_THRESHOLD {
        reasons.insert(
            0,
            format!(
                "all operations: achieved {achieved_total:.1}/s of {requested_total:.1}/s requested ({:.1}%)",
                total_ratio * 100.0
            ),
        );
    }
    let unanswered: u64 = w.recorder.unanswered.iter().sum();
    if unanswered > 0 {
        reasons.push(format!("{unanswered} requests of the window were not answered before the drain ended"));
    }
    let lag_p99: Vec<f64> =
        w.lag_series.iter().map(|h| if h.is_empty() { 0.0 } else { h.value_at_quantile(0.99) as f64 }).collect();
    let quarter = (lag_p99.len() / 4).max(1);
    if lag_p99.len() >= 4 {
        // Medians, so that a few intervals hit by a hiccup of the machine are not a trend.
        let median = |v: &[f64]| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let first = median(&lag_p99[..quarter]);
        let last = median(&lag_p99[lag_p99.len() - quarter..]);
        if last > LAG_LIMIT_NS && last > LAG_GROWTH * first {
            reasons.push(format!(
                "the schedule lag grows: interval p99 {:.1} ms over the first quarter of the window, {:.1} ms over the last (medians)",
                first / 1e6,
                last / 1e6
            ));
        }
    }
    let saturated = !reasons.is_empty();
    let lag = Latency::of(&all_lag);
    let verdict = if saturated {
        format!(
            "SATURATED: this machine cannot keep up with {requested_total:.0} requests/s with {workers} workers ({})",
            reasons.join("; ")
        )
    } else {
        format!(
            "keeps up: achieved {:.1}% of the requested {requested_total:.0} requests/s with {workers} workers; schedule lag p99 {:.0} µs",
            total_ratio * 100.0,
            lag.p99
        )
    };
    if saturated {
        r.warnings.insert(0, verdict.clone());
    }
    if !inv.passed {
        r.warnings.insert(
            0,
            format!("INVARIANTS FAILED: {} differences between the state and what was acknowledged", inv.mismatches),
        );
    }
    r.live = Some(LiveReport {
        workers: workers as u32,
        cores: cores() as u32,
        rate_scale: opts.rate_scale,
        requested_per_s: round3(requested_total),
        achieved_per_s: round3(achieved_total),
        operations,
        schedule_lag_us: lag,
        schedule_lag_p99_us: lag_p99.iter().map(|ns| round3(ns / 1000.0)).collect(),
        saturated,
        verdict,
        saturation_reasons: reasons,
        invariants: inv,
        service_time_histograms,
    });
}
