//! The synthetic follow graphs: [`FollowGraph::power_law`] and [`FollowGraph::uniform`], and
//! the pick tables they draw followees from (uniform, power-law ranks through an alias table).
//!
//! # Determinism
//!
//! The generators choose followees with `Rng::next_u64` and their own arithmetic only, so a given
//! RNG state always yields the same graph (up to `powf` rounding on exotic platforms, which can
//! flip a rare rejection test). The uniform generator's out-degrees come from
//! `rand_distr::Poisson`, pinned by `Cargo.lock`.

use rand::Rng;
use rand_distr::{Distribution, Poisson};

use super::{Csr, FollowGraph, sort_dedup};

impl FollowGraph {
    /// A graph whose follower counts have a power-law tail.
    ///
    /// Each user follows a geometric number of others with mean `mean_follows` (capped at
    /// `users - 1`; non-finite or negative means give no edges). Followees are drawn without
    /// repetition with probability proportional to a weight `(i + 1)^(-1 / (exponent - 1))`,
    /// where `i` is the user's rank in a random permutation, so follower counts follow a power
    /// law with density exponent `follower_exponent` (2.2 gives a few accounts with huge
    /// follower counts), bounded by `users - 1`. The exponent must be above 1; smaller values
    /// are raised to 1.1. Same RNG state, same graph.
    pub fn power_law(users: u32, mean_follows: f64, follower_exponent: f64, rng: &mut impl Rng) -> FollowGraph {
        FollowGraph::power_law_thinned(users, mean_follows, follower_exponent, Thinning::NONE, rng)
    }

    /// [`power_law`](FollowGraph::power_law) with the users of `thinning` followed `k` times
    /// less often than their weight says.
    pub fn power_law_thinned(
        users: u32,
        mean_follows: f64,
        follower_exponent: f64,
        thinning: Thinning,
        rng: &mut impl Rng,
    ) -> FollowGraph {
        debug_assert!(follower_exponent > 1.0, "follower exponent {follower_exponent} must be above 1");
        let offsets = draw_out_degrees(users, rng, |rng| geometric(rng, mean_follows));
        let exponent = if follower_exponent.is_nan() { 1.1 } else { follower_exponent.max(1.1) };
        let pick = PowerLawPick::new(users, 1.0 / (exponent - 1.0), rng);
        thinning.sample(users, offsets, pick, rng)
    }

    /// A graph where each user follows a Poisson number of others with mean `mean_follows`
    /// (capped at `users - 1`; non-finite or negative means give no edges), chosen uniformly
    /// without repetition. Follower counts are then close to Poisson too: no heavy tail.
    pub fn uniform(users: u32, mean_follows: f64, rng: &mut impl Rng) -> FollowGraph {
        FollowGraph::uniform_thinned(users, mean_follows, Thinning::NONE, rng)
    }

    /// [`uniform`](FollowGraph::uniform) with the users of `thinning` followed `k` times less
    /// often than the others.
    pub fn uniform_thinned(users: u32, mean_follows: f64, thinning: Thinning, rng: &mut impl Rng) -> FollowGraph {
        let poisson =
            if mean_follows.is_finite() && mean_follows > 0.0 { Poisson::new(mean_follows).ok() } else { None };
        let offsets = draw_out_degrees(users, rng, |rng| poisson.as_ref().map_or(0.0, |p| p.sample(rng)));
        thinning.sample(users, offsets, UniformPick { users }, rng)
    }
}

/// Users followed `k` times less often than the generator's weights say: in a slice of the
/// fleet (see `scenario::slice`), the users kept whole, whose followers are sampled one in k
/// like everyone else, so that each has 1/k of its real followers.
#[derive(Clone, Copy, Debug)]
pub struct Thinning<'a> {
    /// Sorted.
    pub users: &'a [u32],
    pub k: u32,
}

impl Thinning<'_> {
    /// No user thinned.
    pub const NONE: Thinning<'static> = Thinning { users: &[], k: 1 };

    fn sample<R: Rng + ?Sized, P: Pick>(self, users: u32, offsets: Vec<u64>, pick: P, rng: &mut R) -> FollowGraph {
        if self.k <= 1 || self.users.is_empty() {
            sample_followees(users, offsets, &pick, rng)
        } else {
            let keys = pick.keys_of(self.users);
            sample_followees(users, offsets, &Thinned { inner: pick, thinning: self, keys }, rng)
        }
    }
}

/// A pick that keeps a draw of a thinned user one time in k (and draws again otherwise), which
/// divides that user's weight by k.
struct Thinned<'a, P> {
    inner: P,
    thinning: Thinning<'a>,
    /// The thinned users' keys, sorted: a draw is checked without finding its user.
    keys: Vec<u32>,
}

impl<P: Pick> Pick for Thinned<'_, P> {
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        loop {
            let key = self.inner.draw(rng);
            let thinned = self.keys.binary_search(&key).is_ok();
            if !thinned || below(rng, self.thinning.k) == 0 {
                return key;
            }
        }
    }

    fn user(&self, key: u32) -> u32 {
        self.inner.user(key)
    }

    fn keys_of(&self, users: &[u32]) -> Vec<u32> {
        self.inner.keys_of(users)
    }

    fn for_each_weight(&self, mut f: impl FnMut(u32, f64)) {
        let k = f64::from(self.thinning.k);
        self.inner.for_each_weight(|v, w| f(v, if self.thinning.users.binary_search(&v).is_ok() { w / k } else { w }));
    }
}

/// Draws every user's out-degree (rounded down, capped at `users - 1`) in user order and returns
/// them as CSR offsets, so the followee array can be allocated exactly once.
fn draw_out_degrees<R: Rng + ?Sized>(users: u32, rng: &mut R, mut draw: impl FnMut(&mut R) -> f64) -> Vec<u64> {
    let cap = f64::from(users.saturating_sub(1));
    let mut offsets = Vec::with_capacity(users as usize + 1);
    offsets.push(0u64);
    let mut total = 0u64;
    for _ in 0..users {
        let d = draw(rng);
        // `as` saturates and maps NaN to 0; the cap keeps a row within the other users.
        total += if d > 0.0 { d.min(cap) as u64 } else { 0 };
        offsets.push(total);
    }
    offsets
}

/// A geometric count (failures before the first success) with the given mean, by inversion.
fn geometric<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> f64 {
    if !(mean.is_finite() && mean > 0.0) {
        return 0.0;
    }
    // P(k) = p (1 - p)^k with p = 1 / (1 + mean); k = floor(ln U / ln(1 - p)), U in (0, 1].
    let log_q = (mean / (1.0 + mean)).ln();
    (open_unit(rng).ln() / log_q).floor()
}

/// A uniform `f64` in `(0, 1]` from the top 53 bits of one `next_u64`.
fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform id in `0..n` (`n > 0`) by multiply-high; the bias is below `n / 2^64`.
fn below<R: Rng + ?Sized>(rng: &mut R, n: u32) -> u32 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u32
}

/// How a generator chooses followees.
trait Pick {
    /// One followee key, drawn with probability proportional to its user's weight.
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> u32;

    /// The user a key from [`draw`](Pick::draw) stands for. Kept apart so a row's keys can be
    /// resolved in one tight loop, where the lookups' cache misses overlap.
    fn user(&self, key: u32) -> u32;

    /// The keys that stand for `users` (sorted), sorted.
    fn keys_of(&self, users: &[u32]) -> Vec<u32>;

    /// Calls `f(user, weight)` for every user, in a fixed order.
    fn for_each_weight(&self, f: impl FnMut(u32, f64));
}

/// Every user equally likely.
struct UniformPick {
    users: u32,
}

impl Pick for UniformPick {
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        below(rng, self.users)
    }

    fn user(&self, key: u32) -> u32 {
        key
    }

    fn keys_of(&self, users: &[u32]) -> Vec<u32> {
        users.to_vec()
    }

    fn for_each_weight(&self, mut f: impl FnMut(u32, f64)) {
        for v in 0..self.users {
            f(v, 1.0);
        }
    }
}

/// Power-law popularity: the user at position `rank` of a random permutation has weight
/// `(rank + 1)^-alpha`.
///
/// Sampling is exact and touches no per-user table except the permutation: ranks are grouped
/// into blocks whose length is at most 1/16 of their first rank (so the first 32 ranks stand
/// alone and a 2M-user graph has about 210 blocks), a block is chosen with an alias table in
/// proportion to `len × weight(first rank)`, a rank uniformly inside it, and the rank is kept
/// with probability `weight(rank) / weight(first rank)`. That ratio is at least
/// `(17/16)^-alpha` (0.95 for exponent 2.2), so draws are rarely rejected and a precomputed
/// lower bound spares the `powf` for most of them.
struct PowerLawPick {
    /// `order[rank]` is the user with that popularity rank.
    order: Vec<u32>,
    alpha: f64,
    blocks: Vec<RankBlock>,
    table: AliasTable,
}

#[derive(Clone, Copy)]
struct RankBlock {
    start: u32,
    len: u32,
    /// A coin (32 bits) below this keeps any rank of the block without computing its ratio.
    sure: u32,
}

impl PowerLawPick {
    fn new<R: Rng + ?Sized>(users: u32, alpha: f64, rng: &mut R) -> PowerLawPick {
        let mut order: Vec<u32> = (0..users).collect();
        // Fisher-Yates, from the back.
        for i in (1..order.len()).rev() {
            let j = below(rng, i as u32 + 1) as usize;
            order.swap(i, j);
        }
        let mut blocks = Vec::new();
        let mut weights = Vec::new();
        let mut start = 0u32;
        while start < users {
            let len = (start / 16).clamp(1, users - start);
            let last = start + len - 1;
            let sure = (ratio(alpha, start, last) * TWO_POW_32).min(u32::MAX as f64) as u32;
            blocks.push(RankBlock { start, len, sure: sure.saturating_sub(1) });
            weights.push(f64::from(len) * (f64::from(start) + 1.0).powf(-alpha));
            start += len;
        }
        let table = AliasTable::new(&weights);
        PowerLawPick { order, alpha, blocks, table }
    }
}

/// `weight(rank) / weight(start)` for weights `(rank + 1)^-alpha`.
fn ratio(alpha: f64, start: u32, rank: u32) -> f64 {
    ((f64::from(start) + 1.0) / (f64::from(rank) + 1.0)).powf(alpha)
}

const TWO_POW_32: f64 = 4_294_967_296.0;

impl Pick for PowerLawPick {
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        loop {
            let block = self.blocks[self.table.sample(rng) as usize];
            let wide = u128::from(rng.next_u64()) * u128::from(block.len);
            let rank = block.start + (wide >> 64) as u32;
            let coin = ((wide as u64) >> 32) as u32;
            if coin < block.sure || f64::from(coin) < ratio(self.alpha, block.start, rank) * TWO_POW_32 {
                return rank;
            }
        }
    }

    fn user(&self, rank: u32) -> u32 {
        self.order[rank as usize]
    }

    fn keys_of(&self, users: &[u32]) -> Vec<u32> {
        // Ranks come out in order.
        (0..self.order.len() as u32).filter(|&rank| users.binary_search(&self.order[rank as usize]).is_ok()).collect()
    }

    fn for_each_weight(&self, mut f: impl FnMut(u32, f64)) {
        for (rank, &user) in self.order.iter().enumerate() {
            f(user, ((rank + 1) as f64).powf(-self.alpha));
        }
    }
}

/// Walker/Vose alias table: O(1) weighted sampling with one `next_u64` per draw.
struct AliasTable {
    /// `(threshold, alias)`: pick slot `i` if the draw's fraction is below `threshold / 2^32`,
    /// else `alias`.
    slots: Vec<(u32, u32)>,
}

impl AliasTable {
    /// Needs at least one positive weight.
    fn new(weights: &[f64]) -> AliasTable {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let scale = n as f64 / total;
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * scale).collect();
        let mut small = Vec::new();
        let mut large = Vec::new();
        for (i, &p) in scaled.iter().enumerate() {
            if p < 1.0 {
                small.push(i as u32);
            } else {
                large.push(i as u32);
            }
        }
        let mut slots = vec![(u32::MAX, 0u32); n];
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            let p = scaled[s as usize];
            slots[s as usize] = ((p * TWO_POW_32).min(u32::MAX as f64) as u32, l);
            scaled[l as usize] = (scaled[l as usize] + p) - 1.0;
            if scaled[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers have probability 1 up to rounding: they always pick themselves.
        for i in small.into_iter().chain(large) {
            slots[i as usize] = (u32::MAX, i);
        }
        AliasTable { slots }
    }

    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        // The high word of `r * n` is a uniform slot; the low word is where `r` fell inside that
        // slot's range, itself uniform, so its top 32 bits serve as the biased coin.
        let wide = u128::from(rng.next_u64()) * self.slots.len() as u128;
        let slot = (wide >> 64) as usize;
        let coin = ((wide as u64) >> 32) as u32;
        let (threshold, alias) = self.slots[slot];
        if coin < threshold { slot as u32 } else { alias }
    }
}

/// Fills each user's row with `offsets`-many distinct followees (never the user itself) from
/// `pick`, then builds the follower side. A row draws all it wants, drops repeats by sorting,
/// then tops up one draw at a time. The rare row still short after `4 × want + 64` top-up draws
/// (its user wants most of the popular accounts) is finished by exact weighted sampling
/// without replacement.
fn sample_followees<R: Rng + ?Sized, P: Pick>(users: u32, offsets: Vec<u64>, pick: &P, rng: &mut R) -> FollowGraph {
    let n = users as usize;
    // Rows never hold more than they want, so this never reallocates.
    let mut targets: Vec<u32> = Vec::with_capacity(offsets[n] as usize);
    for u in 0..users {
        let want = (offsets[u as usize + 1] - offsets[u as usize]) as usize;
        if want == 0 {
            continue;
        }
        let row_start = targets.len();
        if want >= n - 1 {
            targets.extend((0..users).filter(|&v| v != u));
            continue;
        }
        targets.extend((0..want).map(|_| pick.draw(rng)));
        for key in &mut targets[row_start..] {
            *key = pick.user(*key);
        }
        let kept = sort_dedup(&mut targets[row_start..]);
        targets.truncate(row_start + kept);
        if let Ok(i) = targets[row_start..].binary_search(&u) {
            targets.remove(row_start + i);
        }
        let mut budget = 4 * want + 64;
        while targets.len() - row_start < want {
            if budget == 0 {
                let missing = want - (targets.len() - row_start);
                finish_row(&mut targets, row_start, u, missing, pick, rng);
                break;
            }
            budget -= 1;
            let v = pick.user(pick.draw(rng));
            if v != u
                && let Err(i) = targets[row_start..].binary_search(&v)
            {
                targets.insert(row_start + i, v);
            }
        }
    }
    let followees = Csr { offsets, targets };
    let followers = followees.transpose();
    FollowGraph { users, followees, followers }
}

/// Appends `missing` users that are neither `u` nor already in the sorted row starting at
/// `row_start`, by weighted sampling without replacement (Efraimidis-Spirakis: keep the largest
/// `ln(U) / w`), and sorts the row again.
fn finish_row<R: Rng + ?Sized, P: Pick>(
    targets: &mut Vec<u32>,
    row_start: usize,
    u: u32,
    missing: usize,
    pick: &P,
    rng: &mut R,
) {
    let row = &targets[row_start..];
    let mut keyed: Vec<(f64, u32)> = Vec::new();
    pick.for_each_weight(|v, w| {
        if v != u && row.binary_search(&v).is_err() {
            let key = if w > 0.0 { open_unit(rng).ln() / w } else { f64::NEG_INFINITY };
            keyed.push((key, v));
        }
    });
    let take = missing.min(keyed.len());
    if take > 0 {
        keyed.select_nth_unstable_by(take - 1, |a, b| b.0.total_cmp(&a.0));
        targets.extend(keyed[..take].iter().map(|&(_, v)| v));
    }
    targets[row_start..].sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{assert_consistent, rng};

    /// With 20,000 users and a mean of 20 follows, the geometric (sd ≈ 20) and Poisson
    /// (sd ≈ 4.5) sample means have standard errors of 0.14 and 0.03: a 5% tolerance (1.0) is
    /// over 7 standard errors.
    #[test]
    fn power_law_has_the_mean_and_a_heavy_tail() {
        let mean = 20.0;
        let g = FollowGraph::power_law(20_000, mean, 2.2, &mut rng(7));
        assert_consistent(&g);
        assert!((g.mean_follows() - mean).abs() < 1.0, "{}", g.mean_follows());
        // The top weight is about 1/26 of the total: the top account gets thousands of
        // followers, a uniform choice would give about 20.
        assert!(g.max_followers() > 50 * mean as u32, "{}", g.max_followers());
        // Most users have few followers.
        assert!(g.follower_percentile(0.5) < mean as u32);
        assert!(g.bytes_per_edge() < 10.0, "{}", g.bytes_per_edge());

        let u = FollowGraph::uniform(20_000, mean, &mut rng(7));
        assert_consistent(&u);
        assert!((u.mean_follows() - mean).abs() < 1.0, "{}", u.mean_follows());
        // Poisson(20) over 20,000 users: the max is near 40; 4x the mean is far out of reach.
        assert!(u.max_followers() < 4 * mean as u32, "{}", u.max_followers());
    }

    #[test]
    fn generators_are_deterministic() {
        let a = FollowGraph::power_law(3_000, 15.0, 2.2, &mut rng(42));
        let b = FollowGraph::power_law(3_000, 15.0, 2.2, &mut rng(42));
        let c = FollowGraph::power_law(3_000, 15.0, 2.2, &mut rng(43));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let a = FollowGraph::uniform(3_000, 15.0, &mut rng(42));
        let b = FollowGraph::uniform(3_000, 15.0, &mut rng(42));
        assert_eq!(a, b);
    }

    /// Out-degrees beyond what rejection sampling can reach fall back to exact sampling; a
    /// mean far above the user count makes nearly everyone follow everyone.
    #[test]
    fn dense_graphs_are_capped_and_exact() {
        let g = FollowGraph::power_law(30, 1_000.0, 2.2, &mut rng(3));
        assert_consistent(&g);
        assert!(g.max_followees() == 29);
        assert!(g.edges() > 25 * 30, "{}", g.edges());
        let g = FollowGraph::power_law(200, 120.0, 1.5, &mut rng(4));
        assert_consistent(&g);
        let g = FollowGraph::uniform(30, 1_000.0, &mut rng(3));
        assert_eq!(g.edges(), 30 * 29);
    }

    #[test]
    fn alias_table_matches_weights() {
        let weights = [1.0, 2.0, 3.0, 4.0, 0.0];
        let table = AliasTable::new(&weights);
        let mut counts = [0u32; 5];
        let mut r = rng(9);
        let draws = 100_000;
        for _ in 0..draws {
            counts[table.sample(&mut r) as usize] += 1;
        }
        // Binomial sd at p = 0.4 is 155 draws: 1,000 is over 6 sd.
        for (k, &w) in weights.iter().enumerate() {
            let expected = draws as f64 * w / 10.0;
            assert!((f64::from(counts[k]) - expected).abs() < 1_000.0, "{counts:?}");
        }
        assert_eq!(counts[4], 0);
    }

    /// The blocked rejection sampler must reproduce the weights exactly, both for ranks that
    /// stand alone and inside long blocks. 2M draws; each bin is checked to 5 standard
    /// deviations of its binomial count (about 1 in 1.7M chance of a false alarm per bin).
    #[test]
    fn power_law_pick_matches_rank_weights() {
        let users = 1_000u32;
        let alpha = 1.0 / 1.2;
        let pick = PowerLawPick::new(users, alpha, &mut rng(5));
        let mut order = pick.order.clone();
        order.sort_unstable();
        assert!(order.iter().copied().eq(0..users), "order is a permutation");

        let draws = 2_000_000u32;
        let mut counts = vec![0u32; users as usize];
        let mut r = rng(6);
        for _ in 0..draws {
            counts[pick.draw(&mut r) as usize] += 1;
        }
        let weight = |rank: u32| f64::from(rank + 1).powf(-alpha);
        let total: f64 = (0..users).map(weight).sum();
        let bins = [
            (0, 1),
            (1, 2),
            (5, 6),
            (31, 32),
            (32, 34),
            (100, 106),
            (100, 103),
            (200, 300),
            (500, 562),
            (562, 600),
            (900, 1_000),
        ];
        for (lo, hi) in bins {
            let p: f64 = (lo..hi).map(weight).sum::<f64>() / total;
            let expected = f64::from(draws) * p;
            let sd = (expected * (1.0 - p)).sqrt();
            let observed: u32 = counts[lo as usize..hi as usize].iter().sum();
            assert!(
                (f64::from(observed) - expected).abs() < 5.0 * sd,
                "ranks {lo}..{hi}: {observed} drawn, {expected:.0} expected"
            );
        }
        let mut seen = 0u32;
        pick.for_each_weight(|user, w| {
            let rank = pick.order.iter().position(|&v| v == user).expect("user");
            assert!((w - weight(rank as u32)).abs() < 1e-12);
            seen += 1;
        });
        assert_eq!(seen, users);
    }
}
