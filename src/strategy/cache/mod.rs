//! Caches: a byte-bounded store of keys per cache node. The service decides what to look up
//! and what to fill; a policy decides what to keep. One file per policy.
//!
//! The semantics are those of the reference cache simulator libCacheSim (see
//! `../shared/data/cache-traces/README.md`): a miss always tries to insert, the policy evicts
//! until the object fits, and an object larger than the whole cache is not inserted.

mod arc;
mod fifo;
mod lfu;
mod lru;
mod s3fifo;
mod sieve;
mod wtinylfu;

pub use arc::Arc;
pub use fifo::Fifo;
pub use lfu::Lfu;
pub use lru::Lru;
pub use s3fifo::{S3Fifo, S3FifoParams};
pub use sieve::Sieve;
pub use wtinylfu::WTinyLfu;

use super::CacheKind;
use crate::prefetch::prefetch;

/// One cache layer a scenario configures (`system.caches.<layer>`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CacheSpec {
    pub policy: CacheKind,
    pub nodes: u32,
    pub capacity_per_node: u64,
}

pub trait Cache: Send {
    /// Looks a key up; a hit updates what the policy keeps about it.
    fn get(&mut self, key: u64) -> bool;
    /// Whether the key is cached, without touching what the policy keeps.
    fn contains(&self, key: u64) -> bool;
    /// Inserts a key of `bytes` bytes that is not cached (replacing it if it is), evicting as
    /// the policy says; returns the evictions. An object larger than the cache is not inserted.
    fn insert(&mut self, key: u64, bytes: u64) -> u64;
    /// Bytes held.
    fn bytes(&self) -> u64;
    /// A hint that `key` is about to be looked up: the policy may ask the processor to fetch
    /// the memory the lookup reads first. Changes nothing; by default does nothing.
    #[inline]
    fn prefetch(&self, _key: u64) {}
    /// A hint that `key`, whose lookup's first memory should be fetched by now (see
    /// [`Cache::prefetch`]), is about to be looked up: the policy may ask for the memory a hit
    /// changes next (a list's neighbours). Changes nothing; by default does nothing.
    #[inline]
    fn prefetch_neighbours(&self, _key: u64) {}
}

/// A cache policy for a node of `capacity` bytes; `None` for the policy `none`.
pub fn build(kind: CacheKind, capacity: u64) -> Option<Box<dyn Cache>> {
    build_with(kind, capacity, S3Fifo::DEFAULT)
}

/// As [`build`], with S3-FIFO's parameters.
pub fn build_with(kind: CacheKind, capacity: u64, s3fifo: S3FifoParams) -> Option<Box<dyn Cache>> {
    Some(match kind {
        CacheKind::None => return None,
        CacheKind::Lru => Box::new(Lru::new(capacity)),
        CacheKind::Fifo => Box::new(Fifo::new(capacity)),
        CacheKind::Lfu => Box::new(Lfu::new(capacity)),
        CacheKind::Sieve => Box::new(Sieve::new(capacity)),
        CacheKind::Arc => Box::new(Arc::new(capacity)),
        CacheKind::S3fifo => Box::new(S3Fifo::new(capacity, s3fifo)),
        CacheKind::Wtinylfu => Box::new(WTinyLfu::new(capacity)),
    })
}

/// Replays `keys` (each of size 1) through a cache and returns the misses; for tests.
#[cfg(test)]
pub(crate) fn misses(cache: &mut dyn Cache, keys: &[u64]) -> usize {
    keys.iter()
        .filter(|&&k| {
            let hit = cache.get(k);
            if !hit {
                cache.insert(k, 1);
            }
            !hit
        })
        .count()
}
