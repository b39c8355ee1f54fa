//! ARC (Megiddo and Modha, FAST 2003), sizes counted in bytes or objects. T1 holds objects
//! seen once recently, T2 objects seen at least twice; B1 and B2 remember the ids evicted from
//! each. A miss found in B1 grows the target size p of T1, one found in B2 shrinks it, and the
//! object goes into T2; any other miss goes into T1. REPLACE evicts T1's least recent object
//! into B1 when T1 is above p (or at p, for a B2 hit), else T2's into B2.

use super::Cache;
use lru::LruCache;
use rustc_hash::FxBuildHasher;

type List = LruCache<u64, u64, FxBuildHasher>;

fn list() -> List {
    LruCache::unbounded_with_hasher(FxBuildHasher)
}

pub struct Arc {
    t1: List,
    t2: List,
    b1: List,
    b2: List,
    /// Bytes in each list.
    t1_size: u64,
    t2_size: u64,
    b1_size: u64,
    b2_size: u64,
    /// Target size of T1.
    p: u64,
    capacity: u64,
}

impl Arc {
    pub fn new(capacity: u64) -> Arc {
        Arc {
            t1: list(),
            t2: list(),
            b1: list(),
            b2: list(),
            t1_size: 0,
            t2_size: 0,
            b1_size: 0,
            b2_size: 0,
            p: 0,
            capacity,
        }
    }

    /// Moves the least recent object of T1 to B1, or of T2 to B2.
    fn replace(&mut self, hit_in_b2: bool) {
        let from_t1 = self.t1_size > 0 && (self.t1_size > self.p || (self.t1_size == self.p && hit_in_b2));
        if from_t1 || self.t2.is_empty() {
            if let Some((k, s)) = self.t1.pop_lru() {
                self.t1_size -= s;
                self.b1.put(k, s);
                self.b1_size += s;
            }
        } else if let Some((k, s)) = self.t2.pop_lru() {
            self.t2_size -= s;
            self.b2.put(k, s);
            self.b2_size += s;
        }
    }

    /// Makes room for `incoming` bytes (the case of a miss in no list, as in the paper).
    fn evict(&mut self, incoming: u64) {
        let c = self.capacity;
        if self.t1_size + self.b1_size + incoming > c {
            if self.t1_size < c {
                if let Some((_, s)) = self.b1.pop_lru() {
                    self.b1_size -= s;
                }
                self.replace(false);
            } else if let Some((_, s)) = self.t1.pop_lru() {
                self.t1_size -= s;
            }
        } else {
            if self.t1_size + self.b1_size + self.t2_size + self.b2_size >= 2 * c
                && let Some((_, s)) = self.b2.pop_lru()
            {
                self.b2_size -= s;
            }
            self.replace(false);
        }
    }
}

impl Cache for Arc {
    fn get(&mut self, key: u64) -> bool {
        if let Some(s) = self.t1.pop(&key) {
            self.t1_size -= s;
            self.t2.put(key, s);
            self.t2_size += s;
            return true;
        }
        self.t2.get(&key).is_some()
    }
    fn contains(&self, key: u64) -> bool {
        self.t1.contains(&key) || self.t2.contains(&key)
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some(s) = self.t1.pop(&key) {
            self.t1_size -= s;
        }
        if let Some(s) = self.t2.pop(&key) {
            self.t2_size -= s;
        }
        let cached_before = self.t1.len() + self.t2.len();
        // A miss remembered in a ghost list adapts p and evicts once before anything else.
        let ghost = if let Some(s) = self.b1.pop(&key) {
            let delta = (self.b2_size / (self.b1_size.max(1))).max(1);
            self.b1_size -= s;
            self.p = (self.p + delta).min(self.capacity);
            self.replace(false);
            true
        } else if let Some(s) = self.b2.pop(&key) {
            let delta = (self.b1_size / (self.b2_size.max(1))).max(1);
            self.b2_size -= s;
            self.p = self.p.saturating_sub(delta);
            self.replace(true);
            true
        } else {
            false
        };
        if bytes <= self.capacity {
            while self.t1_size + self.t2_size + bytes > self.capacity && !(self.t1.is_empty() && self.t2.is_empty()) {
                self.evict(bytes);
            }
            if ghost {
                self.t2.put(key, bytes);
                self.t2_size += bytes;
            } else {
                self.t1.put(key, bytes);
                self.t1_size += bytes;
            }
        }
        let cached_after = self.t1.len() + self.t2.len();
        (cached_before + 1).saturating_sub(cached_after) as u64
    }
    fn bytes(&self) -> u64 {
        self.t1_size + self.t2_size
    }
}

#[cfg(test)]
mod tests {
    use super::super::misses;
    use super::*;

    #[test]
    fn arc_by_hand() {
        // Capacity 2: a b a c b.
        // a, b miss → T1 = [b, a]. a hits → T2 = [a], T1 = [b]. c misses: |T1|+|B1| = 1 < 2 and
        // the total 2 < 4, so REPLACE: |T1| = 1 > p = 0 → b goes to B1. T1 = [c].
        // b misses but is in B1: p grows to 1, REPLACE: |T1| = 1 = p, not a B2 hit → T2's a
        // goes to B2; b enters T2. Misses: a b c b = 4; c and b are cached.
        let mut c = Arc::new(2);
        assert_eq!(misses(&mut c, &[1, 2, 1, 3, 2]), 4);
        assert!(c.contains(3) && c.contains(2) && !c.contains(1));
        assert_eq!(c.p, 1);
    }

    #[test]
    fn arc_keeps_the_frequent_set_through_a_scan() {
        // Capacity 4: 1 and 2 are used twice, then a scan of 10 new keys passes through T1.
        let mut c = Arc::new(4);
        misses(&mut c, &[1, 2, 1, 2]);
        misses(&mut c, &(100..110).collect::<Vec<_>>());
        assert!(c.contains(1) && c.contains(2), "a scan does not flush T2");
        assert_eq!(c.bytes(), 4);
    }
}
