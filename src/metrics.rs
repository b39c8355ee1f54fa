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
    /// In a slice of the fleet, the busy time and bytes weighted by the real users each visit
    /// stands for (see `scenario::slice`); equal to the plain figures in the whole fleet.
    pub fleet_busy_ns: u64,
    /// In a slice, the busy time of a real node like this one, times k: every visit counts k
    /// times but a user kept whole's visits elsewhere than on its own data's nodes, whose load
    /// spreads over k times as many nodes in the fleet (see `Engine`). `busy_ns` in the whole
    /// fleet.
    pub node_busy_ns: u64,
    pub fleet_bytes_in: u64,
    pub fleet_bytes_out: u64,
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
        self.record_n(value, 1);
    }

    /// Records `value` `n` times.
    #[inline]
    pub fn record_n(&mut self, value: u32, n: u32) {
        let v = value as usize;
        if v >= self.counts.len() {
            self.counts.resize(v + 1, 0);
        }
        self.counts[v] += u64::from(n);
        self.total += u64::from(n);
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
    /// The fleet is `k` times what was simulated (1 unless a slice ran; see `scenario::slice`).
    /// Counts and histograms hold what the fleet would have done: each request is recorded
    /// with the real users it stands for, each fan-out delivery for k.
    pub k: u32,
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
            k: 1,
        }
    }

    /// This recorder for a slice of 1/k of the fleet.
    pub fn for_slice(mut self, k: u32) -> Recorder {
        self.k = k.max(1);
        self
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
                n.fleet_busy_ns += m.fleet_busy_ns;
                n.node_busy_ns += m.node_busy_ns;
                n.fleet_bytes_in += m.fleet_bytes_in;
                n.fleet_bytes_out += m.fleet_bytes_out;
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

    /// An operation that arrived at `start_ns` answered at `end_ns`, standing for `weight`
    /// real requests.
    #[inline]
    pub fn record_op(&mut self, op: Op, start_ns: u64, end_ns: u64, weight: u32) {
        if !self.in_window(start_ns) {
            return;
        }
        let latency = (end_ns - start_ns).clamp(1, MAX_LATENCY_NS);
        let w = u64::from(weight);
        self.latency[op.index()].saturating_record_n(latency, w);
        if let Some(i) = self.interval(start_ns) {
            self.series_count[i][op.index()] += w;
            self.series_latency[i][op.index()].saturating_record_n(latency, w);
        }
    }

    /// An operation that arrived at `start_ns` failed at `_end_ns`: a visit had no live node.
    #[inline]
    pub fn record_failed(&mut self, op: Op, start_ns: u64, _end_ns: u64, weight: u32) {
        if let Some(i) = self.interval(start_ns) {
            self.failed[op.index()] += u64::from(weight);
            self.series_failed[i][op.index()] += u64::from(weight);
        }
    }

    /// A request that arrived at `start_ns` visited `shards` shard nodes before its response.
    #[inline]
    pub fn record_width(&mut self, op: Op, start_ns: u64, shards: u32, weight: u32) {
        if self.in_window(start_ns) {
            self.width[op.index()].record_n(shards, weight);
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

    /// A post that arrived at `start_ns`, standing for `weight` real posts, finished its last
    /// delivery at `end_ns`. Its followers are sampled one in k (a user kept whole has 1/k of
    /// its real followers), so each delivery stands for k.
    #[inline]
    pub fn record_fanout(&mut self, start_ns: u64, end_ns: u64, deliveries: u32, weight: u32) {
        if !self.in_window(start_ns) {
            return;
        }
        let (k, w) = (u64::from(self.k), u64::from(weight));
        self.tweets += w;
        self.delivered += deliveries as u64 * k;
        let _ = self.deliveries.record_n(deliveries as u64 * k / w.max(1), w);
        if deliveries > 0 {
            self.lag.saturating_record_n((end_ns - start_ns).clamp(1, MAX_LATENCY_NS), w);
        }
    }

    /// The time-series interval of `t_ns`, if it is inside the window (for `record_served`).
    #[inline]
    pub fn interval_of(&self, t_ns: u64) -> Option<usize> {
        self.interval(t_ns)
    }

    /// A node served a visit from `started_ns` for `service_ns`: its busy time, clipped to the
    /// window; and if the visit arrived in the window, in interval `interval` (see
    /// `interval_of`), the work it offered and the bytes it moved. The visit stands for
    /// `weight` real ones in the fleet and for `node_weight` / k on a node like this one (see
    /// [`NodeMetrics::fleet_busy_ns`] and [`NodeMetrics::node_busy_ns`]).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn record_served(
        &mut self,
        tier: Tier,
        node: u32,
        interval: Option<usize>,
        started_ns: u64,
        service_ns: u64,
        (bytes_in, bytes_out): (u64, u64),
        (weight, node_weight): (u32, u32),
    ) {
        let w = u64::from(weight);
        let n = &mut self.nodes[tier.index()][node as usize];
        if let Some(i) = interval {
            n.offered_ns += service_ns;
            n.bytes_in += bytes_in;
            n.bytes_out += bytes_out;
            n.fleet_bytes_in += bytes_in * w;
            n.fleet_bytes_out += bytes_out * w;
            n.visits += 1;
            self.series_bytes[i][tier.index()] += (bytes_in + bytes_out) * w;
        }
        let a = started_ns.max(self.window_start_ns);
        let b = (started_ns + service_ns).min(self.window_end_ns);
        if b > a {
            n.busy_ns += b - a;
            n.fleet_busy_ns += (b - a) * w;
            n.node_busy_ns += (b - a) * u64::from(node_weight);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_shards() -> Topology {
        Topology {
            app: 1,
            shards: 2,
            replication: 1,
            timeline_cache: 0,
            tweet_cache: 0,
            user_cache: 0,
            image_cache: 0,
            blob: 1,
            fanout: 1,
        }
    }

    #[test]
    fn merged_recorders_equal_one_that_recorded_everything() {
        let topology = two_shards();
        let (start, end) = (1_000_000_000, 3_000_000_000);
        let mut all = Recorder::new(&topology, start, end);
        let mut parts = [Recorder::new(&topology, start, end), Recorder::new(&topology, start, end)];
        for i in 0..1000u64 {
            let (op, t) = (Op::ALL[(i % 6) as usize], 500_000_000 + i * 2_700_000);
            let latency = 1000 + i * i;
            all.record_op(op, t, t + latency, 1);
            parts[(i % 2) as usize].record_op(op, t, t + latency, 1);
            if op == Op::PostTweet {
                all.record_fanout(t, t + latency, i as u32, 1);
                parts[(i % 2) as usize].record_fanout(t, t + latency, i as u32, 1);
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

    #[test]
    fn a_slice_records_what_the_fleet_would_have_done() {
        let topology = two_shards();
        let mut rec = Recorder::new(&topology, 0, 1_000_000_000).for_slice(8);
        // A sampled user's request stands for 8; one by a user kept whole for itself.
        rec.record_op(Op::HomeTimeline, 10, 1010, 8);
        rec.record_op(Op::HomeTimeline, 20, 3020, 1);
        assert_eq!(rec.latency[Op::HomeTimeline.index()].len(), 9);
        assert_eq!(rec.latency[Op::HomeTimeline.index()].count_at(1000), 8);
        // A sampled poster's 50 deliveries: 8 posts of 50 each. A poster kept whole has 1/8 of
        // its followers in the slice: its 50 deliveries are 400 in the fleet.
        rec.record_fanout(10, 2010, 50, 8);
        rec.record_fanout(20, 2020, 50, 1);
        assert_eq!((rec.tweets, rec.delivered), (9, 800));
        assert_eq!(rec.deliveries.count_at(50), 8);
        assert_eq!(rec.deliveries.count_at(400), 1);
        // Busy time and bytes: the node's own, and weighed for the fleet.
        // A sampled user's visit, a visit of a user kept whole to its own data's node (a real
        // hot spot) and one elsewhere (spread over 8 times as many nodes in the fleet).
        rec.record_served(Tier::Shard, 0, Some(0), 100, 1000, (10, 20), (8, 8));
        rec.record_served(Tier::Shard, 0, Some(0), 2000, 1000, (10, 20), (1, 8));
        rec.record_served(Tier::Shard, 0, Some(0), 4000, 1000, (0, 0), (1, 1));
        let n = &rec.nodes[Tier::Shard.index()][0];
        assert_eq!((n.busy_ns, n.fleet_busy_ns, n.node_busy_ns), (3000, 10_000, 17_000));
        assert_eq!((n.bytes_in, n.fleet_bytes_in, n.fleet_bytes_out), (20, 90, 180));
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
