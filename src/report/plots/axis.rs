//! Axis mappings and tick labels shared by the plots. Log axes are drawn as linear axes over
//! log10 of the value, so the ticks and their labels are chosen here, not by plotters.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use std::ops::Range;

/// A linear f64 axis whose ticks are given, not computed (labels come from the chart's
/// formatter).
pub struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

/// A linear axis over `range` with ticks at `ticks` (those outside the range are dropped).
pub fn ticked(range: Range<f64>, ticks: Vec<f64>) -> Ticked {
    let ticks = ticks.into_iter().filter(|t| *t >= range.start - 1e-9 && *t <= range.end + 1e-9).collect();
    Ticked { inner: range.into(), ticks }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// The percentile axis of a latency spectrum: quantile q (0 ≤ q < 1) at log10(1 / (1 − q)),
/// so that 50%, 90%, 99%, 99.9%, 99.99% are evenly spread (at log10 2, 1, 2, 3, 4).
pub fn percentile_x(q: f64) -> f64 {
    -(1.0 - q).log10()
}

/// The quantile at a position of the percentile axis (inverse of [`percentile_x`]).
pub fn percentile_q(x: f64) -> f64 {
    1.0 - 10f64.powf(-x)
}

/// The label of a position of the percentile axis: `50%`, `90%`, `99%`, `99.9%`, `99.99%`.
pub fn percentile_label(x: f64) -> String {
    let pct = percentile_q(x) * 100.0;
    // Enough decimals to tell 99.9% from 99.99%: x = k needs k − 2 of them.
    let decimals = (x.ceil() as i64 - 2).clamp(0, 9) as usize;
    let text = format!("{pct:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
    format!("{text}%")
}

/// Tick positions of the percentile axis up to `x_max`: 0%, 50%, then every power of ten.
pub fn percentile_ticks(x_max: f64) -> Vec<f64> {
    let mut ticks = vec![0.0, 2f64.log10()];
    ticks.extend((1..=x_max.floor() as i32).map(f64::from));
    ticks
}

/// Decades spanned by positive values: (floor log10 of the smallest, ceil log10 of the
/// largest), at least one decade apart.
pub fn decades(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values.into_iter().filter(|v| *v > 0.0 && v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return None;
    }
    let a = lo.log10().floor();
    let b = hi.log10().ceil().max(a + 1.0);
    Some((a, b))
}

/// Ticks of a log axis from `lo` to `hi` (log10 positions): each power of ten, and 2× and 5×
/// between them when the axis spans at most two decades.
pub fn decade_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let steps: &[f64] = if hi - lo <= 2.0 + 1e-9 { &[1.0, 2.0, 5.0] } else { &[1.0] };
    let mut ticks = Vec::new();
    for d in lo.floor() as i32..=hi.ceil() as i32 {
        for m in steps {
            let t = f64::from(d) + m.log10();
            if t >= lo - 1e-9 && t <= hi + 1e-9 {
                ticks.push(t);
            }
        }
    }
    ticks
}

/// A count at a log10 position, shortened: 1, 10, 100, 1k, 10k, 1M.
pub fn si_count(log10: f64) -> String {
    let v = 10f64.powf(log10);
    let (div, suffix) = if v >= 1e9 {
        (1e9, "G")
    } else if v >= 1e6 {
        (1e6, "M")
    } else if v >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    trim_number(v / div, 2) + suffix
}

/// A number with at most `decimals` decimals, trailing zeros dropped.
pub fn trim_number(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// The unit to show latencies in, from the largest latency in microseconds: (µs per unit, name).
pub fn time_unit(max_us: f64) -> (f64, &'static str) {
    if max_us >= 2_000_000.0 {
        (1e6, "s")
    } else if max_us >= 2_000.0 {
        (1e3, "ms")
    } else {
        (1.0, "µs")
    }
}

/// A duration at a log10 position of microseconds: `500 µs`, `2 ms`, `1.5 s`.
pub fn duration_at(log10_us: f64) -> String {
    let us = 10f64.powf(log10_us);
    let (div, unit) = if us >= 1e6 {
        (1e6, "s")
    } else if us >= 1e3 {
        (1e3, "ms")
    } else {
        (1.0, "µs")
    };
    format!("{} {unit}", trim_number(us / div, 2))
}

/// The unit to show bytes in, from the largest value: (bytes per unit, name), decimal.
pub fn byte_unit(max_bytes: f64) -> (f64, &'static str) {
    [(1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")]
        .into_iter()
        .find(|(d, _)| max_bytes >= *d)
        .unwrap_or((1.0, "B"))
}

/// An upper bound of an axis from 0: `max` with 5% headroom rounded up to a round number
/// (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten); 1 when there is nothing.
pub fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let target = max * 1.05;
    let p = 10f64.powf(target.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|v| *v >= target)
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_axis_spreads_the_nines_evenly() {
        // Hand values: 1/(1−q) is 2, 10, 100, 1000, 10000 at these quantiles.
        for (q, x) in [(0.0, 0.0), (0.5, 2f64.log10()), (0.9, 1.0), (0.99, 2.0), (0.999, 3.0), (0.9999, 4.0)] {
            assert!((percentile_x(q) - x).abs() < 1e-9, "q {q}: {} != {x}", percentile_x(q));
            assert!((percentile_q(x) - q).abs() < 1e-12, "x {x}: back to {}", percentile_q(x));
        }
        // Each nine adds one unit, whatever came before.
        assert!((percentile_x(0.99999) - percentile_x(0.9999) - 1.0).abs() < 1e-6);
        // Monotonic: a higher quantile is further right.
        let xs: Vec<f64> = (0..1000).map(|i| percentile_x(i as f64 / 1000.0)).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn percentile_labels() {
        let labels: Vec<String> = percentile_ticks(5.0).into_iter().map(percentile_label).collect();
        assert_eq!(labels, ["0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
        assert_eq!(percentile_ticks(4.7).len(), 6, "ticks stop at the last whole nine inside the axis");
    }

    #[test]
    fn log_axes_and_units() {
        assert_eq!(decades([3.0, 4000.0, 0.0]), Some((0.0, 4.0)));
        assert_eq!(decades([100.0]), Some((2.0, 3.0)));
        assert_eq!(decades([0.0, f64::NAN]), None);
        assert_eq!(decade_ticks(0.0, 3.0), [0.0, 1.0, 2.0, 3.0]);
        let short: Vec<String> = decade_ticks(2.0, 3.0).into_iter().map(si_count).collect();
        assert_eq!(short, ["100", "200", "500", "1k"]);
        let labels: Vec<String> = [0.0, 1.0, 3.0, 4.0, 6.0].into_iter().map(si_count).collect();
        assert_eq!(labels, ["1", "10", "1k", "10k", "1M"]);
        assert_eq!(duration_at(2.0), "100 µs");
        assert_eq!(duration_at(3.0), "1 ms");
        assert_eq!(duration_at(6.5), "3.16 s");
        assert_eq!(time_unit(1500.0), (1.0, "µs"));
        assert_eq!(time_unit(25_000.0), (1e3, "ms"));
        assert_eq!(byte_unit(3.2e9), (1e9, "GB"));
        assert_eq!(byte_unit(10.0), (1.0, "B"));
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(90.0), 100.0);
        assert_eq!(nice_ceiling(96.0), 120.0);
        assert_eq!(nice_ceiling(2.2), 2.5);
        assert!((nice_ceiling(0.03) - 0.04).abs() < 1e-12);
    }
}
