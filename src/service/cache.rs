//! The cache layers in front of the shards and the blob tier: nodes that each hold a policy
//! and what it counted, the key-to-node map, nodes taken down and flushed by faults, and the
//! layer's counts. The service decides what to look up and fill; the policy what to keep.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use super::{Lock, Locks, Service, lock};
use crate::seed::{bucket, mix};
use crate::strategy::cache::{self, Cache, CacheSpec};
use crate::tier::Tier;

/// One node of a cache layer: its policy, and what it counted, under the node's lock (so that a
/// lookup changes no shared counter of its own).
struct CacheNode {
    cache: Box<dyn Cache>,
    /// Hits, misses and evictions here (`bytes` unused: the policy holds that).
    counts: CacheStats,
}

impl CacheNode {
    /// `weight` lookups of `bytes` bytes hit or missed here.
    #[inline]
    fn count(&mut self, hit: bool, bytes: u64, weight: u32) {
        let c = &mut self.counts;
        let w = u64::from(weight);
        if hit {
            c.hits += w;
            c.hit_bytes += bytes * w;
        } else {
            c.misses += w;
            c.miss_bytes += bytes * w;
        }
    }
}

/// A cache layer: its nodes, and which of them are down.
///
/// A key's node is one of the fleet's `spec.nodes`; in a slice of the fleet (see
/// `scenario::slice`) fewer nodes are simulated, and fleet node `n` is kept by simulated node
/// `n mod nodes`, which then holds the keys of one real node's worth of users. Node numbers
/// given out (and taken by faults' `first..first + count`, which name simulated nodes) are as
/// the methods say.
pub(super) struct CacheLayer<L: Locks> {
    /// The simulated nodes.
    nodes: Vec<L::Lock<CacheNode>>,
    /// Nodes that are down (a fault): their keys miss and nothing is stored on them.
    down: Vec<AtomicBool>,
    spec: CacheSpec,
}

impl<L: Locks> CacheLayer<L> {
    /// The layer's nodes in the fleet (keys are placed on these).
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.spec.nodes as usize
    }

    /// A layer of `spec.nodes` nodes in the fleet, of which `simulated` are simulated (all of
    /// them but in a slice).
    pub(super) fn new(spec: &Option<CacheSpec>, simulated: u32) -> Option<CacheLayer<L>> {
        let spec = spec.as_ref()?;
        let simulated = simulated.clamp(1, spec.nodes.max(1));
        let nodes = (0..simulated)
            .map(|_| {
                let cache = cache::build(spec.policy, spec.capacity_per_node)?;
                Some(Lock::new(CacheNode { cache, counts: CacheStats::default() }))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CacheLayer { nodes, down: (0..simulated).map(|_| AtomicBool::new(false)).collect(), spec: spec.clone() })
    }

    /// The fleet node of `key`.
    #[inline]
    fn node(&self, key: u64) -> u32 {
        bucket(mix(key ^ 0x9e37_79b9_7f4a_7c15), self.spec.nodes)
    }

    /// The simulated node that keeps fleet node `n`.
    #[inline]
    fn kept_by(&self, n: u32) -> usize {
        let simulated = self.nodes.len() as u32;
        (if n >= simulated { n % simulated } else { n }) as usize
    }

    /// Whether fleet node `n` is up (its simulated node is).
    #[inline]
    fn is_up(&self, n: u32) -> bool {
        !self.down[self.kept_by(n)].load(Relaxed)
    }

    /// The fleet node of `key`, down or not.
    #[inline]
    pub(super) fn placed(&self, key: u64) -> u32 {
        self.node(key)
    }

    /// The fleet node of `key`, unless it is down.
    #[inline]
    pub(super) fn live_node(&self, key: u64) -> Option<u32> {
        let n = self.node(key);
        self.is_up(n).then_some(n)
    }

    /// Looks up `key`, whose value is `bytes` long: its node (`None` when the node is down, so
    /// nothing is visited) and whether it hit. A down node counts as a miss; the lookup counts
    /// as `weight` (the real lookups it stands for, see [`super::Plan::weight`]).
    pub(super) fn get(&self, key: u64, bytes: u64, weight: u32) -> (Option<u32>, bool) {
        let n = self.node(key);
        let mut node = lock(&self.nodes[self.kept_by(n)]);
        let up = self.is_up(n);
        let hit = up && node.cache.get(key);
        node.count(hit, bytes, weight);
        (up.then_some(n), hit)
    }

    /// A hint that `key` is about to be looked up (see [`Cache::prefetch`]); only where locks
    /// are free ([`Locks::HINTS`]).
    #[inline]
    pub(super) fn prefetch(&self, key: u64) {
        if L::HINTS {
            lock(&self.nodes[self.kept_by(self.node(key))]).cache.prefetch(key);
        }
    }

    /// A later hint that `key` is about to be looked up (see [`Cache::prefetch_neighbours`]).
    #[inline]
    pub(super) fn prefetch_neighbours(&self, key: u64) {
        if L::HINTS {
            lock(&self.nodes[self.kept_by(self.node(key))]).cache.prefetch_neighbours(key);
        }
    }

    /// Counts, per node, how many of `keys` it is up and holds (`per_node[n]`), without
    /// touching what the policies keep. The keys are grouped by node first, so that each node
    /// is locked once rather than once per key (a fan-out checks every follower).
    pub(super) fn count_held(&self, keys: &[u32], per_node: &mut [u32]) {
        let mut by_node: Vec<(u32, u32)> = keys.iter().map(|&k| (self.node(k as u64), k)).collect();
        by_node.sort_unstable_by_key(|&(n, _)| n);
        for group in by_node.chunk_by(|a, b| a.0 == b.0) {
            let n = group[0].0;
            if self.is_up(n) {
                let node = lock(&self.nodes[self.kept_by(n)]);
                per_node[n as usize] += group.iter().filter(|&&(_, k)| node.cache.contains(k as u64)).count() as u32;
            }
        }
    }

    /// Stores `key`; returns the node, or `None` when it is down.
    pub(super) fn insert(&self, key: u64, bytes: u64) -> Option<u32> {
        let n = self.live_node(key)?;
        let mut node = lock(&self.nodes[self.kept_by(n)]);
        node.counts.evictions += node.cache.insert(key, bytes);
        Some(n)
    }

    /// Empties simulated nodes `first..first + count` (a restart or a flush).
    fn flush(&self, first: u32, count: u32) {
        for n in first..first + count {
            if let Some(fresh) = cache::build(self.spec.policy, self.spec.capacity_per_node) {
                lock(&self.nodes[n as usize]).cache = fresh;
            }
        }
    }

    fn set_down(&self, first: u32, count: u32, down: bool) {
        for n in first..first + count {
            self.down[n as usize].store(down, Relaxed);
        }
    }

    /// The layer's counts: its nodes' summed.
    fn stats(&self) -> CacheStats {
        let mut total = CacheStats::default();
        for node in &self.nodes {
            let node = lock(node);
            let c = &node.counts;
            total.hits += c.hits;
            total.misses += c.misses;
            total.evictions += c.evictions;
            total.hit_bytes += c.hit_bytes;
            total.miss_bytes += c.miss_bytes;
            total.bytes += node.cache.bytes();
        }
        total
    }
}

/// Hits, misses, evictions and bytes held by one cache layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub bytes: u64,
    /// Bytes the hits served: what the tier behind did not have to.
    pub hit_bytes: u64,
    /// Bytes the misses left to the tier behind.
    pub miss_bytes: u64,
}

impl CacheStats {
    /// The counts since `before` (bytes held stay as they are now).
    pub fn since(&self, before: &CacheStats) -> CacheStats {
        CacheStats {
            hits: self.hits - before.hits,
            misses: self.misses - before.misses,
            evictions: self.evictions - before.evictions,
            bytes: self.bytes,
            hit_bytes: self.hit_bytes - before.hit_bytes,
            miss_bytes: self.miss_bytes - before.miss_bytes,
        }
    }
}

impl<L: Locks> Service<L> {
    /// The counters now.
    fn cache_layer(&self, tier: Tier) -> Option<&CacheLayer<L>> {
        match tier {
            Tier::TimelineCache => self.timeline_cache.as_ref(),
            Tier::TweetCache => self.tweet_cache.as_ref(),
            Tier::UserCache => self.user_cache.as_ref(),
            Tier::ImageCache => self.image_cache.as_ref(),
            _ => None,
        }
    }

    /// Empties cache nodes `first..first + count` of a cache tier (a cold restart).
    pub fn flush_cache(&self, tier: Tier, first: u32, count: u32) {
        if let Some(c) = self.cache_layer(tier) {
            c.flush(first, count);
        }
    }

    /// Takes cache nodes down (their keys miss, nothing is stored) or back up. A node comes back
    /// empty.
    pub fn set_cache_down(&self, tier: Tier, first: u32, count: u32, down: bool) {
        if let Some(c) = self.cache_layer(tier) {
            c.set_down(first, count, down);
            if !down {
                c.flush(first, count);
            }
        }
    }

    /// The counters of the cache layer of `tier` (`None` without one).
    pub fn cache_stats(&self, tier: Tier) -> Option<CacheStats> {
        self.cache_layer(tier).map(|c| c.stats())
    }
}
