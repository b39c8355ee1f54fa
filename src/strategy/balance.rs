//! Load balancing: which of `n` equivalent nodes (replicas of a shard, app nodes, fan-out
//! workers) serves a visit. The engine keeps one balancer per group of candidates, made by the
//! [`Balancers`] it is handed, and asks it when the visit is sent, so a load-aware policy sees
//! the queues as they are at that moment. The replica read policy is a balancer too: under
//! `read_policy: primary` a shard's reads go to [`Primary`].

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{BalanceKind, ReadPolicy};
use crate::seed::{mix, stream_seed};
use crate::tier::Tier;

/// What a balancer may know about a candidate: `None` when it is down, else its outstanding
/// visits (queued plus in service).
pub type Load<'a> = &'a mut dyn FnMut(u32) -> Option<u32>;

pub trait Balancer: Send {
    /// A live candidate in 0..n, or `None` when every candidate is down. A balancer serves one
    /// group of nodes, so `n` is the same on every call.
    fn pick(&mut self, n: u32, load: Load) -> Option<u32>;
    /// As `pick` when every candidate is live and their loads are not asked for (the engine's
    /// common case, so a policy can skip asking).
    fn pick_all_live(&mut self, n: u32) -> u32 {
        self.pick(n, &mut |_| Some(0)).unwrap_or(0)
    }
    /// Whether `pick` looks at outstanding visits (the engine only tracks them then).
    fn needs_load(&self) -> bool {
        false
    }
}

/// Each visit to the next live node in turn.
#[derive(Default)]
pub struct RoundRobin {
    next: Turn,
}

impl Balancer for RoundRobin {
    fn pick(&mut self, n: u32, load: Load) -> Option<u32> {
        around(self.next.take(n), n).find(|&i| load(i).is_some())
    }

    fn pick_all_live(&mut self, n: u32) -> u32 {
        self.next.take(n)
    }
}

/// Where the next pick of a group starts: the picks so far modulo the group's size `n` (the
/// same on every pick), kept wrapped so that a pick needs no division.
#[derive(Default)]
struct Turn(u32);

impl Turn {
    /// This pick's start, in 0..n; moves on for the next pick.
    #[inline]
    fn take(&mut self, n: u32) -> u32 {
        let start = if self.0 < n { self.0 } else { self.0 % n };
        self.0 = if start + 1 == n { 0 } else { start + 1 };
        start
    }
}

/// The candidates 0..n in turn from `start`, wrapping around.
#[inline]
fn around(start: u32, n: u32) -> impl Iterator<Item = u32> {
    (start..n).chain(0..start)
}

/// A live node uniformly at random.
pub struct Random {
    rng: Xoshiro256PlusPlus,
}

impl Balancer for Random {
    fn pick(&mut self, n: u32, load: Load) -> Option<u32> {
        let live = (0..n).filter(|&i| load(i).is_some()).count() as u32;
        if live == 0 {
            return None;
        }
        let k = self.rng.random_range(0..live);
        (0..n).filter(|&i| load(i).is_some()).nth(k as usize)
    }
}

/// The live node with the fewest outstanding visits; ties go to the first one at or after a
/// point that moves on each pick, so equal nodes share the load.
#[derive(Default)]
pub struct LeastOutstanding {
    next: Turn,
}

impl Balancer for LeastOutstanding {
    fn pick(&mut self, n: u32, load: Load) -> Option<u32> {
        let mut best: Option<(u32, u32)> = None;
        for i in around(self.next.take(n), n) {
            if let Some(l) = load(i)
                && best.is_none_or(|(_, b)| l < b)
            {
                best = Some((i, l));
            }
        }
        best.map(|(i, _)| i)
    }

    fn needs_load(&self) -> bool {
        true
    }
}

/// Power of two choices: two distinct live nodes at random, the one with fewer outstanding
/// visits (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing", 2001).
pub struct PowerOfTwo {
    rng: Xoshiro256PlusPlus,
}

impl PowerOfTwo {
    /// Two distinct indices in 0..m.
    fn two(&mut self, m: u32) -> (u32, u32) {
        let a = self.rng.random_range(0..m);
        let mut b = self.rng.random_range(0..m - 1);
        if b >= a {
            b += 1;
        }
        (a, b)
    }
}

impl Balancer for PowerOfTwo {
    fn pick(&mut self, n: u32, load: Load) -> Option<u32> {
        if n == 1 {
            return load(0).map(|_| 0);
        }
        // Usually both samples are live; otherwise sample among the live ones only.
        let (a, b) = self.two(n);
        if let (Some(la), Some(lb)) = (load(a), load(b)) {
            return Some(if lb < la { b } else { a });
        }
        let live: smallvec::SmallVec<[(u32, u32); 16]> = (0..n).filter_map(|i| load(i).map(|l| (i, l))).collect();
        match live.len() {
            0 => None,
            1 => Some(live[0].0),
            m => {
                let (a, b) = self.two(m as u32);
                let (a, b) = (live[a as usize], live[b as usize]);
                Some(if b.1 < a.1 { b.0 } else { a.0 })
            }
        }
    }

    fn needs_load(&self) -> bool {
        true
    }
}

/// The first live candidate: a shard's primary while it is up, else the next live replica
/// (`read_policy: primary`).
pub struct Primary;

impl Balancer for Primary {
    fn pick(&mut self, n: u32, load: Load) -> Option<u32> {
        (0..n).find(|&i| load(i).is_some())
    }

    fn pick_all_live(&mut self, _n: u32) -> u32 {
        0
    }
}

/// What makes the balancer of each group of nodes: the scenario's policy for every group,
/// except a shard's replicas under `read_policy: primary`. Each group's balancer has a seed of
/// its own, derived from the master seed and the group (tier and first node), so groups do not
/// share a random stream.
#[derive(Clone, Copy, Debug)]
pub struct Balancers {
    kind: BalanceKind,
    read_policy: ReadPolicy,
    seed: u64,
}

impl Balancers {
    pub fn new(kind: BalanceKind, read_policy: ReadPolicy, master_seed: u64) -> Balancers {
        Balancers { kind, read_policy, seed: stream_seed(master_seed, "balance") }
    }

    /// The balancer of the group of `tier`'s nodes that starts at node `first`.
    pub fn group(&self, tier: Tier, first: u32) -> Box<dyn Balancer> {
        if tier == Tier::Shard && self.read_policy == ReadPolicy::Primary {
            return Box::new(Primary);
        }
        let group = ((tier.index() as u64) << 32) | first as u64;
        build(self.kind, self.seed ^ mix(group))
    }

    /// Whether the balancers look at outstanding visits (then the engine tracks them).
    pub fn needs_load(&self) -> bool {
        build(self.kind, 0).needs_load()
    }
}

/// A balancer of `kind`; `seed` feeds the random ones.
pub fn build(kind: BalanceKind, seed: u64) -> Box<dyn Balancer> {
    match kind {
        BalanceKind::RoundRobin => Box::new(RoundRobin::default()),
        BalanceKind::Random => Box::new(Random { rng: Xoshiro256PlusPlus::seed_from_u64(seed) }),
        BalanceKind::LeastOutstanding => Box::new(LeastOutstanding::default()),
        BalanceKind::P2c => Box::new(PowerOfTwo { rng: Xoshiro256PlusPlus::seed_from_u64(seed) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_reads_take_the_first_live_replica() {
        let mut p = Primary;
        assert_eq!(p.pick_all_live(3), 0);
        assert_eq!(p.pick(3, &mut |i| (i != 0).then_some(5)), Some(1));
        assert_eq!(p.pick(3, &mut |i| (i == 2).then_some(0)), Some(2));
        assert_eq!(p.pick(3, &mut |_| None), None);
    }

    #[test]
    fn balancers_follow_the_read_policy_on_shards_only() {
        let b = Balancers::new(BalanceKind::RoundRobin, ReadPolicy::Primary, 7);
        let mut shard = b.group(Tier::Shard, 4);
        assert_eq!((0..3).map(|_| shard.pick_all_live(3)).collect::<Vec<_>>(), [0, 0, 0]);
        let mut app = b.group(Tier::App, 0);
        assert_eq!((0..3).map(|_| app.pick_all_live(3)).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(!b.needs_load());
        assert!(Balancers::new(BalanceKind::LeastOutstanding, ReadPolicy::Balanced, 7).needs_load());
    }

    fn all_up(_: u32) -> Option<u32> {
        Some(0)
    }

    #[test]
    fn round_robin_cycles_and_skips_down_nodes() {
        let mut b = RoundRobin::default();
        let picks: Vec<u32> = (0..7).map(|_| b.pick(3, &mut all_up).unwrap()).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2, 0]);
        let mut one_down = |i: u32| (i != 1).then_some(0);
        let picks: Vec<u32> = (0..4).map(|_| b.pick(3, &mut one_down).unwrap()).collect();
        // The counter stands at 7: starts 1 (down, so 2), 2, 0, 1 (down, so 2).
        assert_eq!(picks, [2, 2, 0, 2]);
        assert_eq!(b.pick(3, &mut |_| None), None);
        // The counter stands at 12: all live, the picks go on from 0 as `pick`'s would.
        let picks: Vec<u32> = (0..4).map(|_| b.pick_all_live(3)).collect();
        assert_eq!(picks, [0, 1, 2, 0]);
    }

    #[test]
    fn least_outstanding_takes_the_shortest_queue_and_shares_ties() {
        let loads = [5, 2, 2, 9];
        let mut b = LeastOutstanding::default();
        let picks: Vec<u32> = (0..4).map(|_| b.pick(4, &mut |i| Some(loads[i as usize])).unwrap()).collect();
        // Starts 0,1,2,3: the first minimum at or after the start.
        assert_eq!(picks, [1, 1, 2, 1]);
        assert_eq!(b.pick(4, &mut |i| (i == 3).then_some(9)), Some(3));
    }

    #[test]
    fn random_picks_only_live_nodes_roughly_evenly() {
        let mut b = build(BalanceKind::Random, 7);
        let mut counts = [0u32; 4];
        for _ in 0..40_000 {
            counts[b.pick(4, &mut |i| (i != 2).then_some(0)).unwrap() as usize] += 1;
        }
        assert_eq!(counts[2], 0);
        for c in [counts[0], counts[1], counts[3]] {
            assert!((12_800..13_900).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn p2c_never_picks_the_most_loaded_of_many() {
        // With two distinct samples the most loaded node can only win against itself.
        let loads = [1, 3, 8, 2];
        let mut b = build(BalanceKind::P2c, 1);
        let mut counts = [0u32; 4];
        for _ in 0..10_000 {
            counts[b.pick(4, &mut |i| Some(loads[i as usize])).unwrap() as usize] += 1;
        }
        assert_eq!(counts[2], 0, "{counts:?}");
        // The least loaded wins every pair it is in: 3 of the 6 pairs, half the picks.
        assert!((4_700..5_300).contains(&counts[0]), "{counts:?}");
    }

    /// Balls into bins, with each ball staying: the classic result that two choices cut the
    /// maximum load from about ln n / ln ln n above the mean to ln ln n / ln 2.
    #[test]
    fn p2c_gives_a_lower_maximum_than_random() {
        let n = 100u32;
        let max_load = |kind| {
            let mut b = build(kind, 3);
            let mut bins = vec![0u32; n as usize];
            for _ in 0..(n * 100) {
                let i = b.pick(n, &mut |i| Some(bins[i as usize])).unwrap();
                bins[i as usize] += 1;
            }
            *bins.iter().max().unwrap()
        };
        let (random, p2c) = (max_load(BalanceKind::Random), max_load(BalanceKind::P2c));
        assert!(p2c <= 103 && random >= 115, "random {random}, p2c {p2c}");
    }
}
