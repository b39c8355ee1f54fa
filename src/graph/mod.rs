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
//! # Determinism
//!
//! The generators choose followees with `Rng::next_u64` and their own arithmetic only, so a given
//! RNG state always yields the same graph (up to `powf` rounding on exotic platforms, which can
//! flip a rare rejection test). The uniform generator's out-degrees come from
//! `rand_distr::Poisson`, pinned by `Cargo.lock`.
//!
//! # Limitations
//!
//! Ids are `u32`, so a graph holds at most `u32::MAX` users. Loaders read the whole file into
//! memory before parsing it. Matrix Market values are checked for syntax and then ignored: every
//! stored entry is one follow edge, whatever its value.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rand::Rng;
use rand_distr::{Distribution, Poisson};

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

/// A graph read from a file, with what the file itself contained.
#[derive(Debug, Clone)]
pub struct LoadedGraph {
    pub graph: FollowGraph,
    /// Distinct nodes: ids seen in an edge list, or `max(rows, cols)` of a Matrix Market file.
    pub nodes: u32,
    /// Edge lines (edge list) or entries (Matrix Market) read, before dropping self loops and
    /// duplicates and before adding reverse edges.
    pub lines: u64,
}

/// What went wrong reading a graph file. Every variant names the file; those about its content
/// also name the 1-based line and byte column, `path:line:column: message`.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The file could not be read: check the path and its permissions.
    #[error("{}: cannot read graph file: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line does not have the expected shape; `message` says what was expected and what was
    /// found. Fix the line or point at a file in the format the loader expects.
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Parse { path: PathBuf, line: u64, column: u64, message: String },
    /// A count or id is larger than the graph can hold (ids are `u32`). Such a graph does not
    /// fit this simulator; use a smaller one.
    #[error("{}:{line}:{column}: {what} is {value}, more than the supported maximum {max}", .path.display())]
    TooLarge { path: PathBuf, line: u64, column: u64, what: &'static str, value: u64, max: u64 },
    /// A Matrix Market file's size line declares a different number of entries than the file
    /// holds: the file is truncated or its header is wrong. Points at the `nnz` on the size line.
    #[error(
        "{}:{line}:{column}: the size line declares {declared} entries but the file has {found}",
        .path.display()
    )]
    EntryCount { path: PathBuf, line: u64, column: u64, declared: u64, found: u64 },
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

/// Most users a Matrix Market file may declare: its arrays are sized from the declaration.
pub const MAX_NODES: u32 = 100_000_000;

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
        debug_assert!(follower_exponent > 1.0, "follower exponent {follower_exponent} must be above 1");
        let offsets = draw_out_degrees(users, rng, |rng| geometric(rng, mean_follows));
        let exponent = if follower_exponent.is_nan() { 1.1 } else { follower_exponent.max(1.1) };
        let pick = PowerLawPick::new(users, 1.0 / (exponent - 1.0), rng);
        sample_followees(users, offsets, &pick, rng)
    }

    /// A graph where each user follows a Poisson number of others with mean `mean_follows`
    /// (capped at `users - 1`; non-finite or negative means give no edges), chosen uniformly
    /// without repetition. Follower counts are then close to Poisson too: no heavy tail.
    pub fn uniform(users: u32, mean_follows: f64, rng: &mut impl Rng) -> FollowGraph {
        let poisson =
            if mean_follows.is_finite() && mean_follows > 0.0 { Poisson::new(mean_follows).ok() } else { None };
        let offsets = draw_out_degrees(users, rng, |rng| poisson.as_ref().map_or(0.0, |p| p.sample(rng)));
        sample_followees(users, offsets, &UniformPick { users }, rng)
    }

    /// Loads a SNAP-style edge list: `#` or `%` comment lines, blank lines, and one `u v` per
    /// line (whitespace separated, non-negative integers, `\r\n` accepted; columns after the
    /// second are ignored). `u v` reads as "u follows v". Ids are remapped to `0..n` in order of
    /// first appearance. If `undirected`, each line gives both `u → v` and `v → u`.
    pub fn load_edgelist(path: &Path, undirected: bool) -> Result<LoadedGraph, GraphError> {
        let data = read_file(path)?;
        let at = Pos { path };
        let mut dense: HashMap<u64, u32> = HashMap::new();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut lines = 0u64;
        for (line_no, line) in Lines::new(&data) {
            let Some(first) = next_token(line, 0) else {
                continue;
            };
            if matches!(line[first.start], b'#' | b'%') {
                continue;
            }
            let a = at.int(line_no, line, first, "the follower id (first column)")?;
            let second = at.require(line_no, line, first, "a second node id (the followee)")?;
            let b = at.int(line_no, line, second, "the followee id (second column)")?;
            let a = at.dense(&mut dense, a, line_no, first)?;
            let b = at.dense(&mut dense, b, line_no, second)?;
            edges.push((a, b));
            if undirected {
                edges.push((b, a));
            }
            lines += 1;
        }
        // `dense` never holds more than u32::MAX ids, checked by `Pos::dense`.
        let nodes = dense.len() as u32;
        drop(dense);
        Ok(LoadedGraph { graph: FollowGraph::from_edges(nodes, edges), nodes, lines })
    }

    /// Loads a Matrix Market coordinate file
    /// (`%%MatrixMarket matrix coordinate pattern|integer|real general|symmetric`): `%`
    /// comments, a size line `rows cols nnz`, then `nnz` entries `i j [value]` with 1-based ids.
    /// Entry `i j` reads as "i follows j"; users are `max(rows, cols)`. A `symmetric` file, or
    /// `undirected`, gives both directions. Values are checked for syntax and ignored.
    pub fn load_mtx(path: &Path, undirected: bool) -> Result<LoadedGraph, GraphError> {
        let data = read_file(path)?;
        let at = Pos { path };
        let mut lines_iter = Lines::new(&data);

        let (banner_no, banner) = lines_iter.next().unwrap_or((1, &[]));
        let header = at.mtx_banner(banner_no, banner)?;
        let both = undirected || header.symmetric;

        let mut size = None;
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut entries = 0u64;
        let mut last_line = banner_no;
        for (line_no, line) in lines_iter {
            last_line = line_no;
            let Some(first) = next_token(line, 0) else {
                continue;
            };
            if line[first.start] == b'%' {
                continue;
            }
            let Some(size) = size else {
                let parsed = at.mtx_size(line_no, line, first)?;
                let per_entry = if both { 2 } else { 1 };
                // Trust nnz for the reservation only as far as the file could hold it.
                let cap = parsed.nnz.min(data.len() as u64 / 4) as usize;
                edges.reserve(cap.saturating_mul(per_entry));
                size = Some(parsed);
                continue;
            };
            let i = at.mtx_index(line_no, line, first, "row", size.rows)?;
            let second = at.require(line_no, line, first, "a column index")?;
            let j = at.mtx_index(line_no, line, second, "column", size.cols)?;
            if header.field != Field::Pattern {
                let value = at.require(line_no, line, second, header.field.expected())?;
                at.mtx_value(line_no, line, value, header.field)?;
            }
            edges.push((i, j));
            if both {
                edges.push((j, i));
            }
            entries += 1;
        }
        let Some(size) = size else {
            return Err(at.parse(
                last_line + 1,
                1,
                "expected the size line `rows cols nnz`, found end of file".to_string(),
            ));
        };
        if entries != size.nnz {
            return Err(GraphError::EntryCount {
                path: path.to_path_buf(),
                line: size.line,
                column: size.nnz_column,
                declared: size.nnz,
                found: entries,
            });
        }
        let nodes = size.rows.max(size.cols);
        Ok(LoadedGraph { graph: FollowGraph::from_edges(nodes, edges), nodes, lines: entries })
    }
}

impl fmt::Debug for FollowGraph {
    /// A summary; the adjacency arrays are far too long to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FollowGraph").field("users", &self.users).field("edges", &self.edges()).finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

fn read_file(path: &Path) -> Result<Vec<u8>, GraphError> {
    std::fs::read(path).map_err(|source| GraphError::Io { path: path.to_path_buf(), source })
}

/// Lines of a byte buffer with their 1-based numbers, without the `\n` or `\r\n` ending.
struct Lines<'a> {
    rest: &'a [u8],
    line: u64,
    done: bool,
}

impl<'a> Lines<'a> {
    fn new(data: &'a [u8]) -> Lines<'a> {
        Lines { rest: data, line: 0, done: data.is_empty() }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<(u64, &'a [u8])> {
        if self.done {
            return None;
        }
        self.line += 1;
        let mut line = match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let line = &self.rest[..i];
                self.rest = &self.rest[i + 1..];
                self.done = self.rest.is_empty();
                line
            }
            None => {
                self.done = true;
                self.rest
            }
        };
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        Some((self.line, line))
    }
}

/// A whitespace-separated token: `line[start..end]`.
#[derive(Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
}

impl Token {
    /// 1-based byte column of the token's first byte.
    fn column(self) -> u64 {
        self.start as u64 + 1
    }
}

fn next_token(line: &[u8], from: usize) -> Option<Token> {
    let start = from + line[from..].iter().position(|b| !b.is_ascii_whitespace())?;
    let end = line[start..].iter().position(|b| b.is_ascii_whitespace()).map_or(line.len(), |i| start + i);
    Some(Token { start, end })
}

/// A token for an error message, shortened if long.
fn shown(line: &[u8], token: Token) -> String {
    let text = String::from_utf8_lossy(&line[token.start..token.end]);
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.into_owned()
    }
}

enum IntError {
    NotDigits,
    Overflow,
}

fn parse_u64(bytes: &[u8]) -> Result<u64, IntError> {
    if bytes.is_empty() {
        return Err(IntError::NotDigits);
    }
    let mut value = 0u64;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(IntError::NotDigits);
        }
        value = value.checked_mul(10).and_then(|v| v.checked_add(u64::from(digit))).ok_or(IntError::Overflow)?;
    }
    Ok(value)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Pattern,
    Integer,
    Real,
}

impl Field {
    fn expected(self) -> &'static str {
        match self {
            Field::Pattern => "nothing",
            Field::Integer => "an integer value (third column, field `integer`)",
            Field::Real => "a real value (third column, field `real`)",
        }
    }
}

struct MtxHeader {
    field: Field,
    symmetric: bool,
}

#[derive(Clone, Copy)]
struct MtxSize {
    rows: u32,
    cols: u32,
    nnz: u64,
    line: u64,
    nnz_column: u64,
}

/// Builds positioned errors for one file.
struct Pos<'p> {
    path: &'p Path,
}

impl Pos<'_> {
    fn parse(&self, line: u64, column: u64, message: String) -> GraphError {
        GraphError::Parse { path: self.path.to_path_buf(), line, column, message }
    }

    fn too_large(&self, line: u64, column: u64, what: &'static str, value: u64) -> GraphError {
        GraphError::TooLarge { path: self.path.to_path_buf(), line, column, what, value, max: u64::from(u32::MAX) }
    }

    fn too_many_nodes(&self, line: u64, column: u64, what: &'static str, value: u64) -> GraphError {
        GraphError::TooLarge { path: self.path.to_path_buf(), line, column, what, value, max: u64::from(MAX_NODES) }
    }

    /// The token after `prev`, or an error at the end of the line naming what was `expected`.
    fn require(&self, line_no: u64, line: &[u8], prev: Token, expected: &str) -> Result<Token, GraphError> {
        next_token(line, prev.end).ok_or_else(|| {
            self.parse(
                line_no,
                line.len() as u64 + 1,
                format!("expected {expected} after `{}`, found end of line", shown(line, prev)),
            )
        })
    }

    fn int(&self, line_no: u64, line: &[u8], token: Token, what: &str) -> Result<u64, GraphError> {
        parse_u64(&line[token.start..token.end]).map_err(|e| {
            let found = shown(line, token);
            let message = match e {
                IntError::NotDigits => {
                    format!("expected {what} as a non-negative integer, found `{found}`")
                }
                IntError::Overflow => format!("{what} `{found}` does not fit in 64 bits"),
            };
            self.parse(line_no, token.column(), message)
        })
    }

    /// The dense id of file id `id`, assigning the next one on first appearance.
    fn dense(&self, dense: &mut HashMap<u64, u32>, id: u64, line_no: u64, token: Token) -> Result<u32, GraphError> {
        let next = dense.len();
        if let Some(&d) = dense.get(&id) {
            return Ok(d);
        }
        if next >= u32::MAX as usize {
            return Err(self.too_large(line_no, token.column(), "the node count", next as u64 + 1));
        }
        dense.insert(id, next as u32);
        Ok(next as u32)
    }

    fn mtx_banner(&self, line_no: u64, line: &[u8]) -> Result<MtxHeader, GraphError> {
        const SHAPE: &str = "`%%MatrixMarket matrix coordinate pattern|integer|real general|symmetric`";
        let mut tokens = Vec::new();
        let mut from = 0;
        while let Some(t) = next_token(line, from) {
            tokens.push(t);
            from = t.end;
        }
        let text = |t: Token| String::from_utf8_lossy(&line[t.start..t.end]).to_ascii_lowercase();
        let Some(&first) = tokens.first() else {
            return Err(self.parse(
                line_no,
                1,
                format!("expected the Matrix Market banner {SHAPE}, found an empty line"),
            ));
        };
        if text(first) != "%%matrixmarket" {
            return Err(self.parse(
                line_no,
                first.column(),
                format!("expected the Matrix Market banner {SHAPE}, found `{}`", shown(line, first)),
            ));
        }
        let expectations: [(&str, &[&str]); 4] = [
            ("the object", &["matrix"]),
            ("the format", &["coordinate"]),
            ("the field", &["pattern", "integer", "real"]),
            ("the symmetry", &["general", "symmetric"]),
        ];
        let mut words = Vec::new();
        for (k, (what, allowed)) in expectations.iter().enumerate() {
            let Some(&token) = tokens.get(k + 1) else {
                return Err(self.parse(
                    line_no,
                    line.len() as u64 + 1,
                    format!("expected {what} ({}) in the banner, found end of line", allowed.join(" or ")),
                ));
            };
            let word = text(token);
            if !allowed.contains(&word.as_str()) {
                return Err(self.parse(
                    line_no,
                    token.column(),
                    format!(
                        "expected {what} to be {}, found `{}` (only {SHAPE} is supported)",
                        allowed.join(" or "),
                        shown(line, token)
                    ),
                ));
            }
            words.push(word);
        }
        let field = match words[2].as_str() {
            "pattern" => Field::Pattern,
            "integer" => Field::Integer,
            _ => Field::Real,
        };
        Ok(MtxHeader { field, symmetric: words[3] == "symmetric" })
    }

    fn mtx_size(&self, line_no: u64, line: &[u8], first: Token) -> Result<MtxSize, GraphError> {
        let rows = self.int(line_no, line, first, "the row count (size line `rows cols nnz`)")?;
        let second = self.require(line_no, line, first, "the column count (size line)")?;
        let cols = self.int(line_no, line, second, "the column count (size line)")?;
        let third = self.require(line_no, line, second, "the entry count nnz (size line)")?;
        let nnz = self.int(line_no, line, third, "the entry count nnz (size line)")?;
        // Arrays are sized from the declared dimensions, so they are bounded before anything is built.
        let narrow = |value: u64, token: Token, what| {
            if value > u64::from(MAX_NODES) {
                return Err(self.too_many_nodes(line_no, token.column(), what, value));
            }
            u32::try_from(value).map_err(|_| self.too_large(line_no, token.column(), what, value))
        };
        Ok(MtxSize {
            rows: narrow(rows, first, "the row count")?,
            cols: narrow(cols, second, "the column count")?,
            nnz,
            line: line_no,
            nnz_column: third.column(),
        })
    }

    /// A 1-based row or column index, checked against its bound, as a 0-based id.
    fn mtx_index(&self, line_no: u64, line: &[u8], token: Token, what: &str, bound: u32) -> Result<u32, GraphError> {
        let value = self.int(line_no, line, token, &format!("a {what} index"))?;
        if value == 0 || value > u64::from(bound) {
            return Err(self.parse(
                line_no,
                token.column(),
                format!("expected a {what} index in 1..={bound}, found {value}"),
            ));
        }
        Ok((value - 1) as u32)
    }

    fn mtx_value(&self, line_no: u64, line: &[u8], token: Token, field: Field) -> Result<(), GraphError> {
        let text = std::str::from_utf8(&line[token.start..token.end]).unwrap_or("");
        let ok = match field {
            Field::Pattern => true,
            Field::Integer => text.parse::<i64>().is_ok(),
            Field::Real => text.parse::<f64>().is_ok(),
        };
        if ok {
            Ok(())
        } else {
            Err(self.parse(
                line_no,
                token.column(),
                format!("expected {}, found `{}`", field.expected(), shown(line, token)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use std::io::Write;

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    fn temp_file(contents: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("create temp file");
        file.write_all(contents.as_bytes()).expect("write temp file");
        file
    }

    /// Every edge appears in both directions' rows, rows are sorted and duplicate free, and
    /// no row holds its own user.
    fn assert_consistent(g: &FollowGraph) {
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

    #[test]
    fn edgelist_comments_remapping_and_extra_columns() {
        let file =
            temp_file("# SNAP header\n% also a comment\n\n  30\t1412 extra 7\r\n30 7\n7 30\n\n1412 1412\n30 7\n");
        let loaded = FollowGraph::load_edgelist(file.path(), false).expect("valid file");
        // 30 → 0, 1412 → 1, 7 → 2.
        assert_eq!(loaded.nodes, 3);
        assert_eq!(loaded.lines, 5);
        let g = &loaded.graph;
        assert_eq!(g.edges(), 3);
        assert_eq!(g.followees(0), &[1, 2]);
        assert_eq!(g.followees(2), &[0]);
        assert_eq!(g.followers(0), &[2]);
        assert_consistent(g);

        let loaded = FollowGraph::load_edgelist(file.path(), true).expect("valid file");
        assert_eq!(loaded.graph.edges(), 4);
        assert_eq!(loaded.graph.followers(1), &[0]);
        assert_eq!(loaded.graph.followees(1), &[0]);
    }

    #[test]
    fn edgelist_errors_name_line_and_column() {
        let cases = [
            ("1 2\n3 x4\n", 2, 3, "expected the followee id"),
            ("1 2\n# ok\n  -1 2\n", 3, 3, "non-negative integer, found `-1`"),
            ("1 2\n5\n", 2, 2, "expected a second node id"),
            ("99999999999999999999 1\n", 1, 1, "does not fit in 64 bits"),
        ];
        for (text, line, column, needle) in cases {
            let file = temp_file(text);
            let err = FollowGraph::load_edgelist(file.path(), false).expect_err(text);
            let GraphError::Parse { line: l, column: c, .. } = &err else {
                panic!("{err:?}");
            };
            assert_eq!((*l, *c), (line, column), "{err}");
            let shown = err.to_string();
            assert!(shown.contains(needle), "{shown}");
            let prefix = format!("{}:{line}:{column}: ", file.path().display());
            assert!(shown.starts_with(&prefix), "{shown}");
        }
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let path = std::env::temp_dir().join("tweetcap-graph-no-such-file.txt");
        let err = FollowGraph::load_edgelist(&path, false).expect_err("missing");
        assert!(matches!(err, GraphError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("tweetcap-graph-no-such-file"));
        let err = FollowGraph::load_mtx(&path, false).expect_err("missing");
        assert!(matches!(err, GraphError::Io { .. }), "{err:?}");
    }

    #[test]
    fn mtx_general_and_symmetric() {
        let general = "%%MatrixMarket matrix coordinate pattern general\n% comment\n3 4 3\n1 2\n2 1\n4 4\n";
        // Row count 3 but an entry in row 4: rejected.
        let file = temp_file(general);
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("row 4 of 3");
        assert!(matches!(err, GraphError::Parse { line: 6, column: 1, .. }), "{err}");

        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n3 4 3\n1 2\n2 1\n3 4\n");
        let loaded = FollowGraph::load_mtx(file.path(), false).expect("valid");
        assert_eq!((loaded.nodes, loaded.lines, loaded.graph.edges()), (4, 3, 3));
        assert_eq!(loaded.graph.followees(2), &[3]);
        assert_eq!(loaded.graph.followers(0), &[1]);

        let file =
            temp_file("%%MatrixMarket matrix coordinate real symmetric\n%\n4 4 4\n2 1 0.5\n3 1 -1e3\n4 2 7\n4 4 1\n");
        let loaded = FollowGraph::load_mtx(file.path(), false).expect("valid");
        assert_eq!((loaded.nodes, loaded.lines), (4, 4));
        // The diagonal entry is a self loop and is dropped.
        assert_eq!(loaded.graph.edges(), 6);
        assert_eq!(loaded.graph.followees(0), &[1, 2]);
        assert_eq!(loaded.graph.followers(0), &[1, 2]);
        assert_consistent(&loaded.graph);

        let file = temp_file("%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 2 5\n");
        let loaded = FollowGraph::load_mtx(file.path(), true).expect("valid");
        assert_eq!(loaded.graph.edges(), 2);
    }

    #[test]
    fn mtx_wrong_nnz_points_at_the_size_line() {
        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n% c\n3 3  5\n1 2\n2 3\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("nnz 5, 2 entries");
        assert!(matches!(err, GraphError::EntryCount { line: 3, column: 6, declared: 5, found: 2, .. }), "{err:?}");
        assert!(err.to_string().contains(":3:6: the size line declares 5 entries but the file has 2"));

        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2\n2 3\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("nnz 1, 2 entries");
        assert!(matches!(err, GraphError::EntryCount { found: 2, .. }), "{err:?}");
    }

    #[test]
    fn mtx_bad_headers_and_entries() {
        let cases = [
            ("1 2\n", 1, 1, "expected the Matrix Market banner"),
            ("%%MatrixMarket matrix array real general\n", 1, 23, "expected the format"),
            ("%%MatrixMarket matrix coordinate complex general\n", 1, 34, "expected the field"),
            ("%%MatrixMarket matrix coordinate real hermitian\n", 1, 39, "expected the symmetry"),
            ("%%MatrixMarket matrix coordinate\n", 1, 33, "found end of line"),
            ("%%MatrixMarket matrix coordinate pattern general\n% only comments\n", 3, 1, "size line"),
            ("%%MatrixMarket matrix coordinate pattern general\n3 3\n", 2, 4, "entry count"),
            ("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 2\n", 3, 4, "real value"),
            ("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 2 abc\n", 3, 5, "found `abc`"),
            ("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n0 2\n", 3, 1, "1..=3"),
        ];
        for (text, line, column, needle) in cases {
            let file = temp_file(text);
            let err = FollowGraph::load_mtx(file.path(), false).expect_err(text);
            let GraphError::Parse { line: l, column: c, .. } = &err else {
                panic!("{err:?}");
            };
            assert_eq!((*l, *c), (line, column), "{err}");
            assert!(err.to_string().contains(needle), "{err}");
        }
        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n5000000000 3 0\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("too many rows");
        assert!(matches!(err, GraphError::TooLarge { line: 2, column: 1, .. }), "{err:?}");
        // Regression: a three-line file declaring 2e9 rows tried to allocate 16 GB before any check.
        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n2000000000 3 1\n1 2\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("declared too many rows");
        assert!(matches!(err, GraphError::TooLarge { line: 2, column: 1, max: 100_000_000, .. }), "{err:?}");
    }
}
