//! A slice of the fleet (`population.sample`): what it stands for, and the arithmetic of the
//! zipf actor it keeps faithful. The rules that decide whether a scenario can be sliced, and the
//! slicing of its figures, are in `resolve/slice.rs`.
//!
//! # The actor in a slice
//!
//! Under a zipf actor the user at real rank `r` (0-based) acts with weight `(r + 1)^-s` among
//! the fleet's `N` users. A slice keeps the top `h` ranks whole, each with its real weight (so
//! with its real rate), and samples the rest one in `k`: slice rank `h + j` stands for the `k`
//! real ranks `h + j k .. h + (j + 1) k` and acts with their mean weight. The slice's rates
//! are then the fleet's times [`Sample::rate_factor`]: `(H + T / k) / (H + T)`, where `H` is the
//! weight of the head and `T` of the tail.

/// A slice of the fleet (`population.sample: 1/k`): the run simulates 1/k of the users, of every
/// operation's rate and of every tier's nodes, with everything per user and per node real, so
/// that each simulated node carries what a real one carries. The resolved scenario holds the
/// slice's figures (`users`, rates, node counts); this says what they stand for.
///
/// A few users are kept whole rather than sampled (the celebrities and the
/// [`active_heads`](Sample::active_heads)): each stands for
/// itself, every other simulated user for `k` real ones. Figures for the fleet weigh what each
/// request did by whom it stands for (see `docs/slice.md`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Sample {
    /// The fleet is `k` times the slice; 1 when the whole fleet runs.
    pub k: u32,
    /// Users of the real population.
    pub fleet_users: u32,
    /// The most active users (the top ranks of a zipf actor), kept whole with their real rates.
    pub active_heads: u32,
}

impl Sample {
    /// No slice: the whole population runs.
    pub fn whole(users: u32) -> Sample {
        Sample { k: 1, fleet_users: users, active_heads: 0 }
    }

    pub fn is_whole(&self) -> bool {
        self.k == 1
    }

    /// The fraction of the fleet simulated, 1/k.
    pub fn fraction(&self) -> f64 {
        1.0 / self.k as f64
    }

    /// The actor's weight at each slice rank (0-based) under a zipf actor of exponent `s`, for
    /// `ranks` simulated users; see the module's notes. Whole: `(r + 1)^-s`.
    pub fn zipf_weights(&self, s: f64, ranks: u32) -> Vec<f64> {
        let h = self.active_heads.min(ranks);
        let k = u64::from(self.k);
        (0..u64::from(ranks))
            .map(|i| {
                if self.k == 1 || i < u64::from(h) {
                    ((i + 1) as f64).powf(-s)
                } else {
                    zipf_mass(s, u64::from(h) + (i - u64::from(h)) * k, k) / k as f64
                }
            })
            .collect()
    }

    /// How much of the fleet's rate of an operation the slice runs: `1 / k` for a uniform actor;
    /// under a zipf actor more, since the heads act at their real rates (see the module's notes).
    pub fn rate_factor(&self, zipf: Option<f64>) -> f64 {
        match zipf {
            Some(s) if self.k > 1 => {
                let h = u64::from(self.active_heads);
                let head = zipf_mass(s, 0, h);
                let tail = zipf_mass(s, h, u64::from(self.fleet_users).saturating_sub(h));
                (head + tail / self.k as f64) / (head + tail)
            }
            _ => self.fraction(),
        }
    }
}

/// `sum over r in first..first + len of (r + 1)^-s`: the terms of ranks below 4096 exactly, the
/// rest as the midpoint integral (relative error below 1e-8 there), so that a block far down the
/// ranking costs one `powf` pair whatever its length.
pub fn zipf_mass(s: f64, first: u64, len: u64) -> f64 {
    const EXACT: u64 = 4096;
    let end = first + len;
    let exact_end = end.min(EXACT.max(first));
    let mut sum: f64 = (first..exact_end).map(|r| ((r + 1) as f64).powf(-s)).sum();
    if end > exact_end {
        // The terms are x^-s for x = a..=b (1-based ranks); their sum is close to the integral
        // of x^-s from a - 1/2 to b + 1/2.
        let a = (exact_end + 1) as f64 - 0.5;
        let b = end as f64 + 0.5;
        sum += if (s - 1.0).abs() < 1e-12 { (b / a).ln() } else { (b.powf(1.0 - s) - a.powf(1.0 - s)) / (1.0 - s) };
    }
    sum
}

/// The number of top zipf ranks a 1/k slice keeps whole: the first always (the hottest key),
/// and the next ones while the load they would pile onto the slice's nodes stays small. A head
/// kept whole sits on one of 1/k as many nodes as in the fleet, so it lands beside the hottest
/// user k times as often: rank `i` adds `(k - 1) x share(i)` of a node's mean load to the
/// hottest node. Ranks are added while that sum stays within 1%, and at most 64.
pub fn active_heads(s: f64, fleet_users: u32, k: u32) -> u32 {
    if k <= 1 || fleet_users < 2 {
        return 0;
    }
    let total = zipf_mass(s, 0, u64::from(fleet_users));
    let mut extra = 0.0;
    let mut heads = 1u32;
    while heads < 64.min(fleet_users / 2) {
        extra += (k - 1) as f64 * ((heads + 1) as f64).powf(-s) / total;
        if extra > 0.01 {
            break;
        }
        heads += 1;
    }
    heads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zipf_mass_matches_a_direct_sum() {
        for s in [0.5, 0.8, 1.0, 1.3] {
            let direct: f64 = (0..1_000_000u64).map(|r| ((r + 1) as f64).powf(-s)).sum();
            let mass = zipf_mass(s, 0, 1_000_000);
            assert!((mass - direct).abs() / direct < 1e-9, "s={s}: {mass} against {direct}");
            let direct_tail: f64 = (5000..205_000u64).map(|r| ((r + 1) as f64).powf(-s)).sum();
            assert!((zipf_mass(s, 5000, 200_000) - direct_tail).abs() / direct_tail < 1e-9);
        }
    }

    #[test]
    fn a_whole_sample_keeps_the_plain_zipf_weights() {
        let whole = Sample::whole(1000);
        let w = whole.zipf_weights(0.8, 1000);
        assert_eq!(w[0], 1.0);
        assert_eq!(w[9], 10f64.powf(-0.8));
        assert_eq!(whole.rate_factor(Some(0.8)), 1.0);
    }

    #[test]
    fn a_slice_keeps_the_heads_real_and_the_tail_a_one_in_k_sample() {
        // 1,600,000 users, 1/16: 100,000 simulated.
        let (n, k, s) = (1_600_000u32, 16u32, 0.8);
        let sample = Sample { k, fleet_users: n, active_heads: active_heads(s, n, k) };
        assert_eq!(sample.active_heads, 1, "one head: the next rank alone would add more than 1%");
        let ranks = n / k;
        let w = sample.zipf_weights(s, ranks);
        let fleet = zipf_mass(s, 0, u64::from(n));
        let slice: f64 = w.iter().sum();
        // The head acts at its real rate: its share of the slice's rate equals its fleet rate.
        let factor = sample.rate_factor(Some(s));
        // (The slice's ranks stand for n - (n - h) k real ones fewer than the fleet's: 15 here.)
        let head_rate = factor * w[0] / slice;
        assert!((head_rate * fleet - 1.0).abs() < 1e-5, "{head_rate} against {}", 1.0 / fleet);
        // Each tail rank acts at the mean rate of the k real ranks it stands for, so the tail's
        // weight times k is the fleet's tail.
        let tail: f64 = w[1..].iter().sum::<f64>() * f64::from(k);
        assert!((tail + 1.0 - fleet).abs() / fleet < 1e-3, "{tail} + 1 against {fleet}");
        // The slice runs more than 1/k of the fleet's rate: the head's at full.
        assert!(factor > 1.0 / 16.0 && factor < 1.0 / 16.0 + 1.0 / fleet);
    }

    #[test]
    fn a_mild_skew_keeps_more_heads() {
        assert_eq!(active_heads(0.8, 1000, 1), 0);
        let mild = active_heads(0.3, 150_000_000, 16);
        let steep = active_heads(0.8, 150_000_000, 16);
        assert!(mild > steep, "{mild} heads at s=0.3 against {steep} at s=0.8");
        assert!(mild <= 64);
    }
}
