//! A batch of replays, as `tweetcap cache-replay` runs one: the sizes asked for (`--size`, or
//! the points of `--curve`) resolved against a trace's working set, every policy replayed at
//! every size, and the table of the results.

use std::fmt::Write as _;

use super::{Replay, SizeMode, Trace, TraceError, curve_fractions, replay, working_set};
use crate::scenario::units::{human_bytes, parse_size_bytes};
use crate::strategy::CacheKind;
use crate::strategy::cache::S3FifoParams;

/// The fewest and most points of a miss-ratio curve (`--curve`).
pub const CURVE_POINTS: std::ops::RangeInclusive<u32> = 2..=200;

/// The sizes of a miss-ratio curve of `points` points, as `--size` takes them: percentages of
/// the working set spaced evenly on a log scale from 0.1% to 100%.
pub fn curve_sizes(points: u32) -> Result<Vec<String>, TraceError> {
    if !CURVE_POINTS.contains(&points) {
        return Err(TraceError::Curve(points));
    }
    Ok(curve_fractions(points).iter().map(|f| format!("{}%", f * 100.0)).collect())
}

/// A cache capacity, in objects or bytes as the batch counts them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Capacity {
    pub capacity: u64,
    /// The fraction of the working set it was given as (`5%`), if it was.
    pub fraction: Option<f64>,
}

/// Reads one `--size`: a percentage of `working_set` (`5%`, rounded down), a number of objects
/// or bytes (`1000`), or with `by` bytes a size such as `64MB`. A size that comes to 0 is refused.
pub fn capacity(text: &str, working_set: u64, by: SizeMode) -> Result<Capacity, TraceError> {
    let text = text.trim();
    let parsed = if let Some(pct) = text.strip_suffix('%') {
        pct.trim()
            .parse::<f64>()
            .ok()
            .filter(|p| *p > 0.0 && *p <= 100.0)
            .map(|p| Capacity { capacity: (working_set as f64 * p / 100.0).floor() as u64, fraction: Some(p / 100.0) })
    } else if let Ok(n) = text.parse::<u64>() {
        Some(Capacity { capacity: n, fraction: None })
    } else if by == SizeMode::Bytes {
        parse_size_bytes(text).ok().map(|b| Capacity { capacity: b as u64, fraction: None })
    } else {
        None
    };
    parsed.filter(|c| c.capacity > 0).ok_or_else(|| TraceError::Size { text: text.to_owned(), by })
}

/// Checks S3-FIFO's parameters: a small-FIFO share strictly between 0 and 1, a ghost share from
/// 0 to 10.
pub fn check_s3fifo(s3: &S3FifoParams) -> Result<(), TraceError> {
    let ok = s3.small_ratio > 0.0 && s3.small_ratio < 1.0 && (0.0..=10.0).contains(&s3.ghost_ratio);
    if ok { Ok(()) } else { Err(TraceError::S3fifo) }
}

/// What a batch replays: each policy at each size.
#[derive(Clone, Debug)]
pub struct Batch {
    pub policies: Vec<CacheKind>,
    /// As given to `--size`.
    pub sizes: Vec<String>,
    pub by: SizeMode,
    pub s3fifo: S3FifoParams,
}

impl Batch {
    /// The capacities of the batch's sizes for `trace`, in the order given.
    pub fn capacities(&self, trace: &Trace) -> Result<Vec<Capacity>, TraceError> {
        let ws = working_set(trace, self.by);
        self.sizes.iter().map(|text| capacity(text, ws, self.by)).collect()
    }

    /// Replays `trace` through every policy at every capacity: policy by policy, each at the
    /// capacities in order.
    pub fn replay(&self, trace: &Trace, capacities: &[Capacity]) -> Vec<Replay> {
        let mut results = Vec::with_capacity(self.policies.len() * capacities.len());
        for &kind in &self.policies {
            for c in capacities {
                let mut r = replay(trace, kind, c.capacity, self.by, self.s3fifo);
                r.size_fraction = c.fraction;
                results.push(r);
            }
        }
        results
    }
}

/// The results as `cache-replay` prints them: a line about the trace, then one row per replay
/// (policy, size as given, capacity, misses, miss ratio, byte miss ratio).
pub fn table(trace: &Trace, results: &[Replay], by: SizeMode) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} requests, {} objects, working set {} ({} requested); capacity in {}",
        trace.path.display(),
        trace.requests.len(),
        trace.unique_objects,
        human_bytes(trace.unique_bytes as f64),
        human_bytes(trace.requested_bytes as f64),
        by.unit()
    );
    let _ = writeln!(
        out,
        "{:<8} {:>7} {:>14} {:>10} {:>11} {:>16}",
        "policy", "size", "capacity", "misses", "miss ratio", "byte miss ratio"
    );
    for r in results {
        let size = r.size_fraction.map_or("-".to_owned(), |f| {
            let pct = format!("{:.3}", f * 100.0);
            format!("{}%", pct.trim_end_matches('0').trim_end_matches('.'))
        });
        let _ = writeln!(
            out,
            "{:<8} {:>7} {:>14} {:>10} {:>11.4} {:>16.4}",
            r.policy, size, r.capacity, r.misses, r.miss_ratio, r.byte_miss_ratio
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Request;
    use std::path::PathBuf;

    #[test]
    fn sizes_as_percentages_counts_and_bytes() {
        let c = |text: &str, by| capacity(text, 1000, by);
        assert_eq!(c("5%", SizeMode::Objects).unwrap(), Capacity { capacity: 50, fraction: Some(0.05) });
        assert_eq!(c(" 50% ", SizeMode::Objects).unwrap(), Capacity { capacity: 500, fraction: Some(0.5) });
        assert_eq!(c("64", SizeMode::Objects).unwrap(), Capacity { capacity: 64, fraction: None });
        assert_eq!(c("1KB", SizeMode::Bytes).unwrap(), Capacity { capacity: 1000, fraction: None });
        for bad in ["0.01%", "0", "101%", "1KB", "x"] {
            let e = c(bad, SizeMode::Objects).unwrap_err().to_string();
            assert!(e.starts_with(&format!("--size: `{bad}` is not a cache size")), "{e}");
            assert!(e.contains("a number of objects, or a larger size"), "{e}");
        }
        let e = c("lots", SizeMode::Bytes).unwrap_err().to_string();
        assert!(e.contains("a number of bytes or a size such as 64MB, or"), "{e}");
    }

    #[test]
    fn curves_of_two_to_two_hundred_points() {
        let two = curve_sizes(2).unwrap();
        assert_eq!((two.len(), two[1].as_str()), (2, "100%"));
        assert_eq!(curve_sizes(200).unwrap().len(), 200);
        assert_eq!(curve_sizes(1).unwrap_err().to_string(), "--curve: 1 points is not allowed; expected 2 to 200");
        assert!(curve_sizes(201).is_err());
    }

    #[test]
    fn a_batch_replays_each_policy_at_each_size() {
        let t = Trace::new(PathBuf::from("hand"), [1, 2, 1, 3].iter().map(|&id| Request { id, size: 10 }).collect());
        let b = Batch {
            policies: vec![CacheKind::Lru, CacheKind::Fifo],
            sizes: vec!["100%".into(), "1".into()],
            by: SizeMode::Objects,
            s3fifo: crate::strategy::cache::S3Fifo::DEFAULT,
        };
        let caps = b.capacities(&t).unwrap();
        let rs = b.replay(&t, &caps);
        let got: Vec<(&str, u64, Option<f64>)> =
            rs.iter().map(|r| (r.policy.as_str(), r.capacity, r.size_fraction)).collect();
        assert_eq!(got, [("lru", 3, Some(1.0)), ("lru", 1, None), ("fifo", 3, Some(1.0)), ("fifo", 1, None)]);
        let table = table(&t, &rs, SizeMode::Objects);
        assert!(table.starts_with("hand: 4 requests, 3 objects"), "{table}");
        assert_eq!(table.lines().count(), 6, "{table}");
    }
}
