//! The recorder both modes feed: an HdrHistogram of latency per operation, fan-out lag and
//! deliveries, per-node busy time and bytes, and a time series of throughput and p99.
//! Everything is recorded only inside the measured window (after warm-up).

use hdrhistogram::Histogram;

use crate::scenario::Op;
use crate::tier::{Tier, Topology};

/// Highest latency the histograms hold: one hour, in nanoseconds (larger values saturate).
pub const MAX_LATENCY_NS: u64 = 3_600_000_000_000;

pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3).expect("valid bounds")
}

/// Busy time and traffic of one node.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeMetrics {
    pub busy_ns: u64,
    /// Service time offered to the node (started or still queued at the end).
    pub offered_ns: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub visits: u64,
}

/// A distribution of small whole numbers (shards touched per request), one counter per value:
/// recording is an increment, and the statistics are exact.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SmallCounts {
    counts: Vec<u64>,
    total: u64,
}

impl SmallCounts {
    #[inline]
    pub fn record(&mut self, value: u32) {
        let v = value as usize;
        if v >= self.counts.len() {
            self.counts.resize(v + 1, 0);
        }
        self.counts[v] += 1;
        self.total += 1;
    }

    pub fn add(&mut self, other: &SmallCounts) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.counts.iter().enumerate().map(|(v, &c)| v as f64 * c as f64).sum::<f64>() / self.total as f64
    }

    /// The smallest value with at least a share `q` of the records at or below it.
    pub fn value_at_quantile(&self, q: f64) -> u64 {
        let want = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (v, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= want {
                return v as u64;
            }
        }
        self.max()
    }

    pub fn max(&self) -> u64 {
        self.counts.iter().rposition(|&c| c > 0).unwrap_or(0) as u64
    }
}

pub struct Recorder {
    pub window_start_ns: u64,
    pub window_end_ns: u64,
    pub latency: Vec<Histogram<u64>>,
    pub failed: Vec<u64>,
    pub lag: Histogram<u64>,
    pub deliveries: Histogram<u64>,
    pub tweets: u64,
    pub delivered: u64,
    /// Per tier, per node.
    pub nodes: Vec<Vec<NodeMetrics>>,
    pub interval_ns: u64,
    /// Per interval: completions per op, and one latency histogram per op (2 significant digits).
    pub series_count: Vec<Vec<u64>>,
    pub series_latency: Vec<Vec<Histogram<u64>>>,
    /// Per interval, per tier: bytes moved.
    pub series_bytes: Vec<Vec<u64>>,
    /// Per interval: requests failed per op (a fault left a visit nowhere to go).
    pub series_failed: Vec<Vec<u64>>,
    /// Per op: shard nodes the foreground of each request visited.
    pub width: Vec<SmallCounts>,
    /// Writes a down replica missed (its other replicas took them).
    pub lost_replica_writes: u64,
    /// Background visits (deliveries, cache fills) dropped because their node was down.
    pub lost_background_visits: u64,
    /// Requests without a response when the run stopped draining.
    pub incomplete: u64,
    /// Of those, the ones that arrived in the measured window, per operation.
    pub unanswered: Vec<u64>,
    /// Requests answered whose background work (fan-out, cache fills) was still running.
    pub incomplete_background: u64,
}

impl Recorder {
    pub fn new(topology: &Topology, window_start_ns: u64, window_end_ns: u64) -> Recorder {
        let duration = window_end_ns - window_start_ns;
        // About 100 points, on a round interval.
        let raw = (duration / 100).max(1);
        let interval_ns = [
            1_000_000u64,
            10_000_000,
            100_000_000,
            1_000_000_000,
            10_000_000_000,
            60_000_000_000,
            600_000_000_000,
            3_600_000_000_000,
        ]
        .into_iter()
        .find(|&i| i >= raw)
        .unwrap_or(raw);
        let intervals = duration.div_ceil(interval_ns) as usize;
        Recorder {
            window_start_ns,
            window_end_ns,
            latency: Op::ALL.iter().map(|_| latency_histogram()).collect(),
            failed: vec![0; Op::ALL.len()],
            lag: latency_histogram(),
            deliveries: Histogram::new(3).expect("valid"),
            tweets: 0,
            delivered: 0,
            nodes: Tier::ALL.iter().map(|&t| vec![NodeMetrics::default(); topology.nodes(t) as usize]).collect(),
            interval_ns,
            series_count: (0..intervals).map(|_| vec![0; Op::ALL.len()]).collect(),
            series_latency: (0..intervals)
                .map(|_| {
                    Op::ALL.iter().map(|_| Histogram::new_with_bounds(1, MAX_LATENCY_NS, 2).expect("valid")).collect()
                })
                .collect(),
            series_bytes: (0..intervals).map(|_| vec![0; Tier::ALL.len()]).collect(),
            series_failed: (0..intervals).map(|_| vec![0; Op::ALL.len()]).collect(),
            width: Op::ALL.iter().map(|_| SmallCounts::default()).collect(),
            lost_replica_writes: 0,
            lost_background_visits: 0,
            incomplete: 0,
            unanswered: vec![0; Op::ALL.len()],
            incomplete_background: 0,
        }
    }

    /// Adds what `other` recorded (same window and topology) to this recorder: the live
    /// harness keeps one recorder per worker and merges them at the end, so that recording
    /// takes no lock. Histograms merge exactly.
    pub fn merge(&mut self, other: &Recorder) {
        fn add_all(a: &mut [Histogram<u64>], b: &[Histogram<u64>]) {
            for (x, y) in a.iter_mut().zip(b) {
                let _ = x.add(y);
            }
        }
        fn sum(a: &mut [u64], b: &[u64]) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        add_all(&mut self.latency, &other.latency);
        sum(&mut self.failed, &other.failed);
        let _ = self.lag.add(&other.lag);
        let _ = self.deliveries.add(&other.deliveries);
        self.tweets += other.tweets;
        self.delivered += other.delivered;
        for (tier, theirs) in self.nodes.iter_mut().zip(&other.nodes) {
            for (n, m) in tier.iter_mut().zip(theirs) {
                n.busy_ns += m.busy_ns;
                n.offered_ns += m.offered_ns;
                n.bytes_in += m.bytes_in;
                n.bytes_out += m.bytes_out;
                n.visits += m.visits;
            }
        }
        for (a, b) in self.series_count.iter_mut().zip(&other.series_count) {
            sum(a, b);
        }
        for (a, b) in self.series_latency.iter_mut().zip(&other.series_latency) {
            add_all(a, b);
        }
        for (a, b) in self.series_bytes.iter_mut().zip(&other.series_bytes) {
            sum(a, b);
        }
        for (a, b) in self.series_failed.iter_mut().zip(&other.series_failed) {
            sum(a, b);
        }
        for (a, b) in self.width.iter_mut().zip(&other.width) {
            a.add(b);
        }
        self.lost_replica_writes += other.lost_replica_writes;
        self.lost_background_visits += other.lost_background_visits;
        self.incomplete += other.incomplete;
        sum(&mut self.unanswered, &other.unanswered);
        self.incomplete_background += other.incomplete_background;
    }

    #[inline]
    pub fn in_window(&self, t_ns: u64) -> bool {
        t_ns >= self.window_start_ns && t_ns < self.window_end_ns
    }

    #[inline]
    fn interval(&self, t_ns: u64) -> Option<usize> {
        self.in_window(t_ns).then(|| ((t_ns - self.window_start_ns) / self.interval_ns) as usize)
    }

    /// An operation that arrived at `start_ns` answered at `end_ns`.
    #[inline]
    pub fn record_op(&mut self, op: Op, start_ns: u64, end_ns: u64) {
        if !self.in_window(start_ns) {
            return;
        }
        let latency = (end_ns - start_ns).clamp(1, MAX_LATENCY_NS);
        self.latency[op.index()].saturating_record(latency);
        if let Some(i) = self.interval(start_ns) {
            self.series_count[i][op.index()] += 1;
            self.series_latency[i][op.index()].saturating_record(latency);
        }
    }

    /// An operation that arrived at `start_ns` failed at `_end_ns`: a visit had no live node.
    #[inline]
    pub fn record_failed(&mut self, op: Op, start_ns: u64, _end_ns: u64) {
        if let Some(i) = self.interval(start_ns) {
            self.failed[op.index()] += 1;
            self.series_failed[i][op.index()] += 1;
        }
    }

    /// A request that arrived at `start_ns` visited `shards` shard nodes before its response.
    #[inline]
    pub fn record_width(&mut self, op: Op, start_ns: u64, shards: u32) {
        if self.in_window(start_ns) {
            self.width[op.index()].record(shards);
        }
    }

    /// A visit at `t_ns` was dropped: a background one, or a write to one down replica.
    #[inline]
    pub fn record_lost_visit(&mut self, t_ns: u64, background: bool) {
        if self.in_window(t_ns) {
            if background {
                self.lost_background_visits += 1;
            } else {
                self.lost_replica_writes += 1;
            }
        }
    }

    /// A post that arrived at `start_ns` finished its last delivery at `end_ns`.
    #[inline]
    pub fn record_fanout(&mut self, start_ns: u64, end_ns: u64, deliveries: u32) {
        if !self.in_window(start_ns) {
            return;
        }
        self.tweets += 1;
        self.delivered += deliveries as u64;
        let _ = self.deliveries.record(deliveries as u64);
        if deliveries > 0 {
            self.lag.saturating_record((end_ns - start_ns).clamp(1, MAX_LATENCY_NS));
        }
    }

    /// The time-series interval of `t_ns`, if it is inside the window (for `record_served`).
    #[inline]
    pub fn interval_of(&self, t_ns: u64) -> Option<usize> {
        self.interval(t_ns)
    }

    /// A node served a visit from `started_ns` for `service_ns`: its busy time, clipped to the
    /// window; and if the visit arrived in the window, in interval `interval` (see
    /// `interval_of`), the work it offered and the bytes it moved.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn record_served(
        &mut self,
        tier: Tier,
        node: u32,
        interval: Option<usize>,
        started_ns: u64,
        service_ns: u64,
        bytes_in: u64,
        bytes_out: u64,
    ) {
        let n = &mut self.nodes[tier.index()][node as usize];
        if let Some(i) = interval {
            n.offered_ns += service_ns;
            n.bytes_in += bytes_in;
            n.bytes_out += bytes_out;
            n.visits += 1;
            self.series_bytes[i][tier.index()] += bytes_in + bytes_out;
        }
        let a = started_ns.max(self.window_start_ns);
        let b = (started_ns + service_ns).min(self.window_end_ns);
        if b > a {
            n.busy_ns += b - a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_recorders_equal_one_that_recorded_everything() {
        let topology = Topology {
            app: 1,
            shards: 2,
            replication: 1,
            timeline_cache: 0,
            tweet_cache: 0,
            user_cache: 0,
            image_cache: 0,
            blob: 1,
            fanout: 1,
        };
        let (start, end) = (1_000_000_000, 3_000_000_000);
        let mut all = Recorder::new(&topology, start, end);
        let mut parts = [Recorder::new(&topology, start, end), Recorder::new(&topology, start, end)];
        for i in 0..1000u64 {
            let (op, t) = (Op::ALL[(i % 6) as usize], 500_000_000 + i * 2_700_000);
            let latency = 1000 + i * i;
            all.record_op(op, t, t + latency);
            parts[(i % 2) as usize].record_op(op, t, t + latency);
            if op == Op::PostTweet {
                all.record_fanout(t, t + latency, i as u32);
                parts[(i % 2) as usize].record_fanout(t, t + latency, i as u32);
            }
            if i % 7 == 0 && all.in_window(t) {
                all.unanswered[op.index()] += 1;
                parts[(i % 2) as usize].unanswered[op.index()] += 1;
            }
        }
        let [mut merged, other] = parts;
        merged.merge(&other);
        assert_eq!(merged.latency, all.latency);
        assert_eq!(merged.series_count, all.series_count);
        assert_eq!(merged.series_latency, all.series_latency);
        assert_eq!((merged.tweets, merged.delivered), (all.tweets, all.delivered));
        assert_eq!(merged.lag, all.lag);
        assert_eq!(merged.unanswered, all.unanswered);
        assert!(all.latency.iter().map(|h| h.len()).sum::<u64>() > 500, "the window held most requests");
    }
}

#[cfg(test)]
mod small_counts_tests {
    use super::SmallCounts;

    #[test]
    fn statistics_by_hand_agree_with_hdrhistogram() {
        let mut c = SmallCounts::default();
        let mut h = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        for v in [1u32, 1, 2, 3, 3, 3, 8, 0, 5, 4, 4, 4, 4, 2, 1, 16] {
            c.record(v);
            h.record(v as u64).unwrap();
        }
        assert_eq!(c.len(), 16);
        assert_eq!(c.mean(), h.mean());
        assert_eq!(c.max(), 16);
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(c.value_at_quantile(q), h.value_at_quantile(q), "q {q}");
        }
        let mut d = SmallCounts::default();
        d.record(40);
        c.add(&d);
        assert_eq!((c.len(), c.max()), (17, 40));
    }
}
