//! The follow graph: who follows whom, stored compactly, and every way to obtain one.
//!
//! This module owns the in-memory social graph ([`FollowGraph`]: user ids are dense `0..users`,
//! an edge `(a, b)` means "a follows b"), the synthetic generators ([`FollowGraph::power_law`],
//! [`FollowGraph::uniform`]) and the loaders for real graphs on disk (SNAP-style edge lists and
//! Matrix Market files). It must not know about timelines, fanout, caches or scenarios: callers
//! hand it sizes, an RNG stream derived from the scenario seed, or a path, and read the graph
//! back through slices of sorted ids.
//!
//! # Representation
//!
//! Both directions are kept as CSR arrays (an offset per user plus one `u32` per edge), so
//! `followees(u)` and `followers(u)` are borrowed, sorted slices and the graph costs about
//! 8 bytes per follow edge plus 16 bytes per user. Building peaks at about 10 bytes per edge:
//! the generators write followees straight into CSR form and derive followers through a buffer
//! of a quarter of the edges; [`FollowGraph::from_edges`] (used by the loaders) peaks at 12,
//! counting the `(u32, u32)` list it consumes. Generating 2M users × 100 mean follows takes
//! about 6 s (power law) or 4 s (uniform) on a 2-vCPU VM in release, much of it page faults
//! and per-row sorting.
//!
//! # Limitations
//!
//! Ids are `u32`, so a graph holds at most `u32::MAX` users. Loaders read the whole file into
//! memory before parsing it. Matrix Market values are checked for syntax and then ignored: every
//! stored entry is one follow edge, whatever its value.
//!
//! The generators are in `generate.rs`, the loaders and their errors in `load.rs`.

mod generate;
mod load;

use std::fmt;

pub use generate::Thinning;
pub use load::{GraphError, LoadedGraph, MAX_NODES};

/// The follow graph: user ids are dense `0..users`. An edge `(a, b)` means "a follows b"
/// (a is the follower, b the followee). Stored as two CSR arrays: followees (out) and
/// followers (in). Self loops and duplicate edges never occur.
#[derive(Clone, PartialEq, Eq)]
pub struct FollowGraph {
    users: u32,
    /// Row `u` lists the users `u` follows.
    followees: Csr,
    /// Row `u` lists the users following `u`.
    followers: Csr,
}

/// One direction of the graph in compressed sparse row form.
#[derive(Clone, PartialEq, Eq)]
struct Csr {
    /// `users + 1` entries; row `u` is `targets[offsets[u]..offsets[u + 1]]`.
    offsets: Vec<u64>,
    /// Every row sorted ascending, without duplicates.
    targets: Vec<u32>,
}

impl Csr {
    fn row(&self, u: u32) -> &[u32] {
        let u = u as usize;
        &self.targets[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    fn degree(&self, u: u32) -> u32 {
        let u = u as usize;
        // A row holds distinct ids below `users`, so its length fits in u32.
        (self.offsets[u + 1] - self.offsets[u]) as u32
    }

    fn degrees(&self) -> impl Iterator<Item = u32> + '_ {
        self.offsets.windows(2).map(|w| (w[1] - w[0]) as u32)
    }

    fn heap_bytes(&self) -> u64 {
        (self.offsets.capacity() * size_of::<u64>() + self.targets.capacity() * size_of::<u32>()) as u64
    }

    /// The reverse direction: row `v` of the result lists, ascending, every `u` whose row holds
    /// `v`.
    ///
    /// Scattering edges straight to their rows misses the cache on nearly every write once the
    /// graph outgrows it, so edges go through a buffer, grouped by blocks of target rows
    /// (at most [`TRANSPOSE_BUCKETS`]), and each block is then filled while its slice of the
    /// result stays in cache. The buffer holds a quarter of the edges at a time (8 bytes each),
    /// processed in source order, so rows come out sorted.
    fn transpose(&self) -> Csr {
        let n = self.offsets.len() - 1;
        let edges = self.targets.len();
        // Counting in u32 (a row holds fewer than `users` ids) keeps twice as many counters in
        // cache as u64 would.
        let mut counts = vec![0u32; n];
        for &t in &self.targets {
            counts[t as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0u64);
        let mut total = 0u64;
        for &c in &counts {
            total += u64::from(c);
            offsets.push(total);
        }
        drop(counts);
        let mut cursor = offsets[..n].to_vec();
        let mut targets = vec![0u32; edges];

        let mut shift = 0u32;
        while (n >> shift) >= TRANSPOSE_BUCKETS {
            shift += 1;
        }
        let buckets = (n >> shift) + 1;
        let chunk = (edges / 4).max(1 << 20).min(edges);
        // Every chunk overwrites the slots it uses, so the buffer is zeroed (lazily) only once.
        let mut buffer: Vec<(u32, u32)> = vec![(0, 0); chunk];
        let mut fill = vec![0usize; buckets + 1];
        let mut first = 0usize;
        while first < n {
            // Rows first..last: at least one, at most `chunk` edges unless one row alone has more.
            let begin = self.offsets[first];
            let mut last = first + 1;
            while last < n && self.offsets[last + 1] - begin <= chunk as u64 {
                last += 1;
            }
            let sources = &self.targets[begin as usize..self.offsets[last] as usize];
            fill.fill(0);
            for &t in sources {
                fill[(t >> shift) as usize + 1] += 1;
            }
            for b in 1..=buckets {
                fill[b] += fill[b - 1];
            }
            let pairs = &mut buffer[..sources.len()];
            for u in first..last {
                for &t in self.row(u as u32) {
                    let slot = &mut fill[(t >> shift) as usize];
                    pairs[*slot] = (t, u as u32);
                    *slot += 1;
                }
            }
            for &(t, u) in pairs.iter() {
                let slot = &mut cursor[t as usize];
                targets[*slot as usize] = u;
                *slot += 1;
            }
            first = last;
        }
        Csr { offsets, targets }
    }
}

/// Upper bound on the row blocks [`Csr::transpose`] groups edges by: enough that one block's
/// slice of a 200M-edge graph fits in a core's cache, few enough that the buffer's write
/// positions stay cached too.
const TRANSPOSE_BUCKETS: usize = 1024;

/// Sorts `row` and moves its distinct values to the front; returns how many there are.
fn sort_dedup(row: &mut [u32]) -> usize {
    row.sort_unstable();
    let mut kept = 0;
    for read in 0..row.len() {
        if kept == 0 || row[kept - 1] != row[read] {
            row[kept] = row[read];
            kept += 1;
        }
    }
    kept
}

/// Turns per-row counts stored at `offsets[u + 1]` into running offsets.
fn prefix_sum(offsets: &mut [u64]) {
    let mut total = 0u64;
    for o in offsets.iter_mut() {
        total += *o;
        *o = total;
    }
}

impl FollowGraph {
    /// Builds the graph from `(follower, followee)` pairs, dropping self loops and duplicates.
    /// Every id must be below `users`.
    pub fn from_edges(users: u32, edges: Vec<(u32, u32)>) -> FollowGraph {
        let n = users as usize;
        let mut offsets = vec![0u64; n + 1];
        for &(a, b) in &edges {
            debug_assert!(a < users && b < users, "edge ({a}, {b}) names a user outside 0..{users}");
            if a != b {
                offsets[a as usize + 1] += 1;
            }
        }
        prefix_sum(&mut offsets);
        let mut targets = vec![0u32; offsets[n] as usize];
        let mut cursor = offsets[..n].to_vec();
        for &(a, b) in &edges {
            if a != b {
                let slot = &mut cursor[a as usize];
                targets[*slot as usize] = b;
                *slot += 1;
            }
        }
        drop(cursor);
        drop(edges);

        // Sort each row and compact it, without duplicates, towards the front. `offsets[u + 1]`
        // still holds the old end of row `u` when row `u` is processed.
        let mut write = 0usize;
        let mut start = 0usize;
        for u in 0..n {
            let end = offsets[u + 1] as usize;
            let kept = sort_dedup(&mut targets[start..end]);
            targets.copy_within(start..start + kept, write);
            offsets[u] = write as u64;
            write += kept;
            start = end;
        }
        offsets[n] = write as u64;
        targets.truncate(write);
        targets.shrink_to_fit();

        let followees = Csr { offsets, targets };
        let followers = followees.transpose();
        FollowGraph { users, followees, followers }
    }

    /// Number of users; ids are `0..users()`.
    pub fn users(&self) -> u32 {
        self.users
    }

    /// Number of distinct follow edges.
    pub fn edges(&self) -> u64 {
        self.followees.targets.len() as u64
    }

    /// The users `u` follows, sorted ascending.
    pub fn followees(&self, u: u32) -> &[u32] {
        self.followees.row(u)
    }

    /// The users following `u`, sorted ascending.
    pub fn followers(&self, u: u32) -> &[u32] {
        self.followers.row(u)
    }

    /// How many users follow `u` (its in-degree).
    pub fn follower_count(&self, u: u32) -> u32 {
        self.followers.degree(u)
    }

    /// How many users `u` follows (its out-degree).
    pub fn followee_count(&self, u: u32) -> u32 {
        self.followees.degree(u)
    }

    /// The largest follower count (0 for an empty graph). Scans all users.
    pub fn max_followers(&self) -> u32 {
        self.followers.degrees().max().unwrap_or(0)
    }

    /// The largest followee count (0 for an empty graph). Scans all users.
    pub fn max_followees(&self) -> u32 {
        self.followees.degrees().max().unwrap_or(0)
    }

    /// Mean follows per user, `edges / users` (0 without users).
    pub fn mean_follows(&self) -> f64 {
        if self.users == 0 { 0.0 } else { self.edges() as f64 / f64::from(self.users) }
    }

    /// The nearest-rank `q`-quantile of follower counts over all users, `q` in `0.0..=1.0`
    /// (clamped; NaN reads as 0): the smallest count such that at least `q` of the users have
    /// at most that many followers. 0 for an empty graph.
    pub fn follower_percentile(&self, q: f64) -> u32 {
        let mut counts: Vec<u32> = self.followers.degrees().collect();
        if counts.is_empty() {
            return 0;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        let rank = ((q * counts.len() as f64).ceil() as usize).clamp(1, counts.len());
        *counts.select_nth_unstable(rank - 1).1
    }

    /// Heap bytes held by both CSR structures.
    pub fn memory_bytes(&self) -> u64 {
        self.followees.heap_bytes() + self.followers.heap_bytes()
    }

    /// [`memory_bytes`](Self::memory_bytes) per follow edge (0 without edges).
    pub fn bytes_per_edge(&self) -> f64 {
        match self.edges() {
            0 => 0.0,
            e => self.memory_bytes() as f64 / e as f64,
        }
    }
}

impl fmt::Debug for FollowGraph {
    /// A summary; the adjacency arrays are far too long to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FollowGraph").field("users", &self.users).field("edges", &self.edges()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    pub(super) fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    /// Every edge appears in both directions' rows, rows are sorted and duplicate free, and
    /// no row holds its own user.
    pub(super) fn assert_consistent(g: &FollowGraph) {
        let mut from_out = Vec::new();
        let mut from_in = Vec::new();
        for u in 0..g.users() {
            let out = g.followees(u);
            let inc = g.followers(u);
            assert!(out.windows(2).all(|w| w[0] < w[1]), "followees of {u}");
            assert!(inc.windows(2).all(|w| w[0] < w[1]), "followers of {u}");
            assert!(!out.contains(&u) && !inc.contains(&u), "self loop at {u}");
            assert_eq!(g.follower_count(u) as usize, inc.len());
            assert_eq!(g.followee_count(u) as usize, out.len());
            from_out.extend(out.iter().map(|&v| (u, v)));
            from_in.extend(inc.iter().map(|&v| (v, u)));
        }
        from_in.sort_unstable();
        assert_eq!(from_out, from_in);
        assert_eq!(from_out.len() as u64, g.edges());
    }

    #[test]
    fn from_edges_dedupes_and_drops_self_loops() {
        let edges = vec![(0, 1), (0, 2), (0, 1), (2, 2), (3, 0), (1, 0), (3, 0), (3, 2)];
        let g = FollowGraph::from_edges(5, edges);
        assert_eq!(g.users(), 5);
        assert_eq!(g.edges(), 5);
        assert_eq!(g.followees(0), &[1, 2]);
        assert_eq!(g.followees(1), &[0]);
        assert_eq!(g.followees(2), &[] as &[u32]);
        assert_eq!(g.followees(3), &[0, 2]);
        assert_eq!(g.followers(0), &[1, 3]);
        assert_eq!(g.followers(2), &[0, 3]);
        assert_eq!(g.followers(4), &[] as &[u32]);
        assert_eq!(g.max_followers(), 2);
        assert_eq!(g.max_followees(), 2);
        assert_eq!(g.mean_follows(), 1.0);
        // Follower counts 2, 1, 2, 0, 0: nearest rank.
        assert_eq!(g.follower_percentile(0.0), 0);
        assert_eq!(g.follower_percentile(0.5), 1);
        assert_eq!(g.follower_percentile(1.0), 2);
        assert!(g.memory_bytes() >= 2 * (6 * 8 + 5 * 4));
        assert!(g.bytes_per_edge() > 0.0);
        assert_consistent(&g);
    }

    #[test]
    fn empty_graphs() {
        let g = FollowGraph::from_edges(0, Vec::new());
        assert_eq!((g.users(), g.edges(), g.max_followers()), (0, 0, 0));
        assert_eq!(g.bytes_per_edge(), 0.0);
        assert_eq!(g.mean_follows(), 0.0);
        assert_eq!(g.follower_percentile(0.5), 0);
        for users in [0, 1] {
            assert_eq!(FollowGraph::power_law(users, 10.0, 2.2, &mut rng(1)).edges(), 0);
            assert_eq!(FollowGraph::uniform(users, 10.0, &mut rng(1)).edges(), 0);
        }
        assert_eq!(FollowGraph::uniform(100, 0.0, &mut rng(1)).edges(), 0);
        assert_eq!(FollowGraph::power_law(100, f64::NAN, 2.2, &mut rng(1)).edges(), 0);
    }
}
