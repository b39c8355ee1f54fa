//! W-TinyLFU (Einziger, Friedman and Manes, 2017) as the reference simulator libCacheSim runs
//! it: a window LRU of 1% of the capacity in front of a main segmented LRU (SLRU) of the rest,
//! and a frequency sketch that decides which of two candidates the main keeps.
//!
//! - **Main.** Two LRU segments, probation (1/5 of the main) and protected (4/5). An object
//!   enters the lowest segment with room for it; if neither has room, the main evicts until
//!   the object fits and it enters probation (which may then hold more than its share). A hit
//!   in protected moves the object to the front; a hit in probation moves it to the front of
//!   protected, and while protected is over its share its least recent object goes to the
//!   front of probation; while probation is over its share, its least recent object is
//!   evicted. The main's victim is the least recent object of the lowest non-empty segment.
//! - **Sketch.** A counting Bloom filter: 10 counters per key out of ⌈14.38 × main capacity⌉
//!   (the size for 0.1% error, in the cache's unit: objects, or bytes), at most 2^22; the
//!   positions are `(a + i·b) mod 2^32 mod counters` for i < 10, with a and b the low 32 bits
//!   of XXH64 of the key at two seeds. Adding a key adds 1 to all 10; its estimate is the
//!   least of them. After 32 × main capacity hits in the main, every counter is halved. Unlike
//!   Caffeine's sketch there is no doorkeeper and counters are 32-bit, as in libCacheSim.
//! - **Lookup.** A hit in the window moves the object to the front of the window and counts
//!   nothing; a hit in the main is an SLRU hit and adds the key to the sketch.
//! - **Miss.** An object larger than the window, or than the probation segment, is not
//!   admitted. Otherwise, while window and main together have no room for it, one object is
//!   made to leave (below); then it enters the front of the window and is added to the sketch.
//! - **Making room.** The window's least recent object v moves to the main while the main has
//!   room for it. Once the main is full, v competes with the main's victim m: if the sketch
//!   estimates v strictly more frequent, m is evicted and v enters the main; otherwise v is
//!   evicted. Either way v is then added to the sketch. With the window empty, the main
//!   evicts its victim.
//!
//! A lookup can evict (a promotion that leaves probation over its share); such evictions are
//! reported by the next insert.
//!
//! The window holds at least one unit: libCacheSim's window of ⌊1% of the capacity⌋ is empty
//! below 100 units and then admits nothing. The sketch's cap bounds its memory to 16 MiB,
//! where libCacheSim, counting bytes, would allocate up to 8 GiB.

use super::Cache;
use lru::LruCache;
use rustc_hash::FxBuildHasher;

type List = LruCache<u64, u64, FxBuildHasher>;

fn list() -> List {
    LruCache::unbounded_with_hasher(FxBuildHasher)
}

/// The window's share of the capacity.
const WINDOW: f64 = 0.01;
/// The most counters a sketch has: 16 MiB of 32-bit counters.
const MAX_COUNTERS: usize = 1 << 22;

pub struct WTinyLfu {
    capacity: u64,
    window: List,
    window_cap: u64,
    window_used: u64,
    main: Slru,
    sketch: Sketch,
    /// Hits in the main since the sketch was last halved, and how many halve it.
    main_hits: u64,
    halve_after: u64,
    /// Objects evicted by lookups (a promotion that overflows probation), not yet reported.
    evicted_by_lookups: u64,
}

impl WTinyLfu {
    pub fn new(capacity: u64) -> WTinyLfu {
        let window_cap = ((capacity as f64 * WINDOW) as u64).max(1).min(capacity);
        let main_cap = capacity - window_cap;
        WTinyLfu {
            capacity,
            window: list(),
            window_cap,
            window_used: 0,
            main: Slru::new(main_cap),
            sketch: Sketch::new(main_cap),
            main_hits: 0,
            halve_after: main_cap.saturating_mul(32),
            evicted_by_lookups: 0,
        }
    }

    /// Makes one object leave the cache, moving window objects to the main while it has room;
    /// returns the objects evicted (none only when the cache is empty).
    fn make_room(&mut self) -> u64 {
        let mut evicted = 0;
        loop {
            let Some((&v, &v_bytes)) = self.window.peek_lru() else {
                return evicted + self.main.evict();
            };
            self.window.pop(&v);
            self.window_used -= v_bytes;
            if self.main.used() + v_bytes <= self.main.capacity {
                evicted += self.main.insert(v, v_bytes);
                self.sketch.add(v);
                continue;
            }
            match self.main.victim() {
                Some(m) if self.sketch.estimate(v) > self.sketch.estimate(m) => {
                    evicted += self.main.evict();
                    evicted += self.main.insert(v, v_bytes);
                }
                _ => evicted += 1,
            }
            self.sketch.add(v);
            return evicted;
        }
    }
}

impl Cache for WTinyLfu {
    fn get(&mut self, key: u64) -> bool {
        if self.window.get(&key).is_some() {
            return true;
        }
        let Some(evicted) = self.main.hit(key) else { return false };
        self.evicted_by_lookups += evicted;
        self.sketch.add(key);
        self.main_hits += 1;
        if self.main_hits >= self.halve_after {
            self.main_hits = 0;
            self.sketch.halve();
        }
        true
    }
    fn contains(&self, key: u64) -> bool {
        self.window.contains(&key) || self.main.contains(key)
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some(b) = self.window.pop(&key) {
            self.window_used -= b;
        }
        self.main.remove(key);
        let mut evicted = std::mem::take(&mut self.evicted_by_lookups);
        if bytes > self.window_cap || bytes > self.main.max[0] {
            return evicted;
        }
        while self.bytes() + bytes > self.capacity {
            match self.make_room() {
                0 => break,
                n => evicted += n,
            }
        }
        self.window.put(key, bytes);
        self.window_used += bytes;
        self.sketch.add(key);
        evicted
    }
    fn bytes(&self) -> u64 {
        self.window_used + self.main.used()
    }
}

/// A segmented LRU of two segments: 0 is probation, 1 is protected.
struct Slru {
    segments: [List; 2],
    used: [u64; 2],
    max: [u64; 2],
    capacity: u64,
}

impl Slru {
    fn new(capacity: u64) -> Slru {
        let c = capacity as f64;
        Slru {
            segments: [list(), list()],
            used: [0; 2],
            max: [(1.0 / 5.0 * c) as u64, (4.0 / 5.0 * c) as u64],
            capacity,
        }
    }

    fn used(&self) -> u64 {
        self.used[0] + self.used[1]
    }

    fn contains(&self, key: u64) -> bool {
        self.segments[0].contains(&key) || self.segments[1].contains(&key)
    }

    /// The least recent object of the lowest non-empty segment.
    fn victim(&self) -> Option<u64> {
        self.segments.iter().find_map(|s| s.peek_lru().map(|(&k, _)| k))
    }

    /// Evicts the victim; returns the objects evicted.
    fn evict(&mut self) -> u64 {
        for (segment, used) in self.segments.iter_mut().zip(&mut self.used) {
            if let Some((_, b)) = segment.pop_lru() {
                *used -= b;
                return 1;
            }
        }
        0
    }

    fn remove(&mut self, key: u64) {
        for (segment, used) in self.segments.iter_mut().zip(&mut self.used) {
            if let Some(b) = segment.pop(&key) {
                *used -= b;
            }
        }
    }

    /// Inserts into the lowest segment with room, else makes room and uses probation.
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        let mut evicted = 0;
        let segment = match (0..2).find(|&i| self.used[i] + bytes <= self.max[i]) {
            Some(i) => i,
            None => {
                while self.used() + bytes > self.capacity && self.used() > 0 {
                    evicted += self.evict();
                }
                0
            }
        };
        self.segments[segment].put(key, bytes);
        self.used[segment] += bytes;
        evicted
    }

    /// A lookup: `None` on a miss, else the objects its promotion evicted.
    fn hit(&mut self, key: u64) -> Option<u64> {
        if self.segments[1].get(&key).is_some() {
            return Some(0);
        }
        let bytes = self.segments[0].pop(&key)?;
        self.used[0] -= bytes;
        self.segments[1].put(key, bytes);
        self.used[1] += bytes;
        let mut evicted = 0;
        // Cool protected while it is over its share (the promoted object, at its front, is
        // moved down only if everything behind it was).
        loop {
            let segment = if self.segments[1].contains(&key) {
                1
            } else if self.segments[0].contains(&key) {
                0
            } else {
                break;
            };
            if self.used[segment] <= self.max[segment] {
                break;
            }
            evicted += self.cool(segment);
        }
        Some(evicted)
    }

    /// Moves a segment's least recent object down a segment (evicts it from probation), then
    /// cools the segment below while it is over its share.
    fn cool(&mut self, segment: usize) -> u64 {
        if segment == 0 {
            return self.evict();
        }
        let Some((k, b)) = self.segments[segment].pop_lru() else { return 0 };
        self.used[segment] -= b;
        self.segments[segment - 1].put(k, b);
        self.used[segment - 1] += b;
        let mut evicted = 0;
        while self.used[segment - 1] > self.max[segment - 1] {
            evicted += self.cool(segment - 1);
        }
        evicted
    }
}

/// libCacheSim's counting Bloom filter ("minimal increment CBF" with error 0.001).
struct Sketch {
    counters: Vec<u32>,
}

const HASHES: u32 = 10;
const SEEDS: [u64; 2] = [0x1234_5678, 0x1234_4321];

impl Sketch {
    fn new(entries: u64) -> Sketch {
        // Counters per entry for a 0.1% error: -ln(0.001) / ln(2)^2; ln(2) of them per key,
        // rounded up, is 10.
        let per_entry = -(0.001f64.ln()) / 0.480453013918201;
        debug_assert_eq!((std::f64::consts::LN_2 * per_entry).ceil() as u32, HASHES);
        let n = (per_entry * entries as f64).ceil().min(MAX_COUNTERS as f64) as usize;
        let n = if n < HASHES as usize { 2 * HASHES as usize } else { n };
        Sketch { counters: vec![0; n] }
    }

    #[inline]
    fn positions(&self, key: u64) -> impl Iterator<Item = usize> + use<> {
        let a = xxh64(key, SEEDS[0]) as u32;
        let b = xxh64(key, SEEDS[1]) as u32;
        // At most MAX_COUNTERS, so 32-bit arithmetic is exact (and its division is quicker).
        let n = self.counters.len() as u32;
        (0..HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % n) as usize)
    }

    fn estimate(&self, key: u64) -> u32 {
        self.positions(key).map(|p| self.counters[p]).min().unwrap_or(0)
    }

    fn add(&mut self, key: u64) {
        for p in self.positions(key) {
            self.counters[p] = self.counters[p].saturating_add(1);
        }
    }

    fn halve(&mut self) {
        for c in &mut self.counters {
            *c >>= 1;
        }
    }
}

/// XXH64 of a key's 8 little-endian bytes, as libCacheSim hashes object ids.
#[inline]
fn xxh64(key: u64, seed: u64) -> u64 {
    xxhash_rust::xxh64::xxh64(&key.to_le_bytes(), seed)
}

#[cfg(test)]
mod tests {
    use super::super::misses;
    use super::*;

    #[test]
    fn xxh64_matches_the_reference_library() {
        // Digests of the 8 little-endian bytes of each key from the xxhash library (XXH64).
        for (key, seed, digest) in [
            (0u64, 0u64, 0x34c9_6acd_cadb_1bbbu64),
            (1, 0x1234_5678, 0x071b_9484_a237_4097),
            (1, 0x1234_4321, 0x83e9_f36f_cb58_54bf),
            (u64::MAX, 0x1234_5678, 0x60b3_8a7d_6d1e_7ea9),
            (123_456_789_012_345, 0x1234_4321, 0x9e12_5a56_306a_c4ed),
        ] {
            assert_eq!(xxh64(key, seed), digest, "{key} {seed:#x}");
        }
    }

    #[test]
    fn sketch_size_counts_and_halving() {
        // 9 entries: ⌈14.3776 × 9⌉ = 130 counters; a tiny main gets twice the hash count.
        assert_eq!(Sketch::new(9).counters.len(), 130);
        assert_eq!(Sketch::new(0).counters.len(), 20);
        assert_eq!(Sketch::new(u64::MAX).counters.len(), MAX_COUNTERS);
        let mut s = Sketch::new(99);
        for _ in 0..5 {
            s.add(7);
        }
        s.add(8);
        assert_eq!((s.estimate(7), s.estimate(8), s.estimate(9)), (5, 1, 0));
        s.halve();
        assert_eq!((s.estimate(7), s.estimate(8)), (2, 0));
    }

    /// Capacity 10 objects: window 1 (⌊0.1⌋ would be 0), main 9 with probation 1 and protected
    /// 7 (⌊1.8⌋, ⌊7.2⌋). Sketch estimates are checked where a decision depends on them.
    #[test]
    fn window_admission_and_probation_by_hand() {
        let mut c = WTinyLfu::new(10);
        assert_eq!((c.window_cap, c.main.capacity, c.main.max), (1, 9, [1, 7]));
        // 1..10 miss; the cache is not full, so all wait in the window.
        assert_eq!(misses(&mut c, &(1..=10).collect::<Vec<_>>()), 10);
        assert_eq!((c.window.len(), c.main.used()), (10, 0));
        // 11 needs room: the window's oldest move to the main while it has room: 1 to
        // probation, 2..8 to protected, 9 to probation (neither segment has room, the main
        // does). Then 10 competes with probation's oldest, 1: 10 was added once (insert), 1
        // twice (insert, move) → 10 is evicted, and added again.
        assert_eq!((c.sketch.estimate(10), c.sketch.estimate(1)), (1, 1));
        assert!(!c.get(11));
        assert_eq!(c.insert(11, 1), 1);
        assert!(!c.contains(10));
        assert_eq!((c.sketch.estimate(10), c.sketch.estimate(1)), (2, 2));
        assert_eq!(c.segment_keys(0), [1, 9], "probation, oldest first, over its share");
        assert_eq!(c.segment_keys(1), [2, 3, 4, 5, 6, 7, 8]);
        // A window hit counts nothing in the sketch.
        assert!(c.get(11));
        assert_eq!(c.sketch.estimate(11), 1);
        // 10 again: 11 (1) loses to 1 (2) and is evicted; 10 enters the window (3 adds).
        assert_eq!(misses(&mut c, &[10]), 1);
        assert!(!c.contains(11));
        assert_eq!(c.sketch.estimate(10), 3);
        // 12: now 10 (3) beats 1 (2): 1 is evicted and 10 enters probation.
        assert_eq!(misses(&mut c, &[12]), 1);
        assert!(!c.contains(1) && c.contains(10) && c.contains(12));
        assert_eq!(c.segment_keys(0), [9, 10]);
        // A hit on 9 promotes it; protected (8 > 7) pushes its oldest, 2, down to probation,
        // which is then over its share (2 > 1) and evicts its oldest, 10. That eviction is
        // reported by the next insert.
        assert!(c.get(9));
        assert!(!c.contains(10) && c.contains(2));
        assert_eq!(c.segment_keys(0), [2]);
        assert_eq!(c.segment_keys(1), [3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(c.bytes(), 9);
        assert_eq!(c.insert(13, 1), 1, "the lookup's eviction; the cache had room for 13");
        assert_eq!(c.bytes(), 10);
    }

    #[test]
    fn a_tie_keeps_the_main_victim() {
        // As above up to 11: window [11] (seen once), probation's oldest 1 (seen twice).
        let mut c = WTinyLfu::new(10);
        misses(&mut c, &(1..=11).collect::<Vec<_>>());
        assert_eq!(c.segment_keys(0), [1, 9]);
        c.sketch.add(11);
        assert_eq!((c.sketch.estimate(11), c.sketch.estimate(1)), (2, 2));
        // 12: a tie, so 11 is evicted and 1 stays; a candidate estimated above it wins.
        assert_eq!(misses(&mut c, &[12]), 1);
        assert!(!c.contains(11) && c.contains(1));
        c.sketch.add(12);
        c.sketch.add(12);
        assert_eq!((c.sketch.estimate(12), c.sketch.estimate(1)), (3, 2));
        assert_eq!(misses(&mut c, &[13]), 1);
        assert!(c.contains(12) && !c.contains(1));
    }

    #[test]
    fn a_scan_does_not_flush_the_main() {
        // Capacity 100: window 1, main 99 (probation 19, protected 79). 1..100 fill the cache
        // and 101 moves 1..99 to the main: 1..19 and 99 to probation, 20..98 to protected.
        let mut c = WTinyLfu::new(100);
        misses(&mut c, &(1..=101).collect::<Vec<_>>());
        assert_eq!(c.segment_keys(1), (20..=98).collect::<Vec<_>>());
        // 20..29 are used often; then a scan of 500 keys never seen before. A scan key enters
        // the window and, when the next arrives, either loses to probation's oldest or
        // replaces it in probation; protected only changes on hits in the main.
        for _ in 0..3 {
            for k in 20..30 {
                assert!(c.get(k));
            }
        }
        let protected = c.segment_keys(1);
        let scan: Vec<u64> = (1000..1500).collect();
        assert_eq!(misses(&mut c, &scan), 500);
        assert!((20..30).all(|k| c.contains(k)), "the frequently used keys stay");
        assert_eq!(c.segment_keys(1), protected, "protected is untouched");
        assert!(c.contains(1499), "the newest scan key is in the window");
        assert_eq!(c.bytes(), 100);
        // LRU of the same size keeps none of them.
        let mut lru = super::super::Lru::new(100);
        misses(&mut lru, &(1..=101).collect::<Vec<_>>());
        for _ in 0..3 {
            misses(&mut lru, &(20..30).collect::<Vec<_>>());
        }
        misses(&mut lru, &scan);
        assert!(!(20..30).any(|k| lru.contains(k)));
    }

    #[test]
    fn the_sketch_is_halved_after_32_main_capacities_of_main_hits() {
        let mut c = WTinyLfu::new(10);
        misses(&mut c, &(1..=11).collect::<Vec<_>>());
        assert_eq!(c.halve_after, 288);
        assert_eq!(c.sketch.estimate(2), 2);
        for _ in 0..287 {
            assert!(c.get(2));
        }
        assert_eq!(c.sketch.estimate(2), 289);
        assert!(c.get(2));
        assert_eq!((c.sketch.estimate(2), c.main_hits), (145, 0));
        // Window hits do not count toward the halving.
        assert!(c.get(11));
        assert_eq!(c.main_hits, 0);
    }

    #[test]
    fn bytes_admission_replacement_and_tiny_caches() {
        // 1000 bytes: window 10, main 990 (probation 198, protected 792).
        let mut c = WTinyLfu::new(1000);
        assert_eq!(c.insert(1, 11), 0);
        assert!(!c.contains(1), "larger than the window: not admitted");
        c.insert(2, 10);
        c.insert(3, 600);
        assert!(!c.contains(3));
        assert_eq!(c.bytes(), 10);
        c.insert(2, 4);
        assert_eq!(c.bytes(), 4, "replacing a key updates its size");
        for k in 10..400 {
            c.insert(k, 5);
        }
        assert!(c.bytes() <= 1000);
        // Under 6 objects probation has no room for one: nothing is admitted.
        let mut tiny = WTinyLfu::new(5);
        assert_eq!(misses(&mut tiny, &[1, 1, 1]), 3);
        let mut six = WTinyLfu::new(6);
        assert_eq!(misses(&mut six, &[1, 1, 1]), 1);
    }

    impl WTinyLfu {
        /// A main segment's keys, least recent first.
        fn segment_keys(&self, segment: usize) -> Vec<u64> {
            self.main.segments[segment].iter().rev().map(|(&k, _)| k).collect()
        }
    }
}
