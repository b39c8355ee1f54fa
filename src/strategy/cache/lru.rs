//! Least recently used: a hit moves the key to the front; eviction takes the back.

use super::Cache;
use rustc_hash::FxBuildHasher;

/// Least recently used, bounded in bytes.
pub struct Lru {
    map: lru::LruCache<u64, u64, FxBuildHasher>,
    capacity: u64,
    used: u64,
}

impl Lru {
    pub fn new(capacity: u64) -> Lru {
        Lru { map: lru::LruCache::unbounded_with_hasher(FxBuildHasher), capacity, used: 0 }
    }
}

impl Cache for Lru {
    #[inline]
    fn get(&mut self, key: u64) -> bool {
        self.map.get(&key).is_some()
    }
    fn contains(&self, key: u64) -> bool {
        self.map.contains(&key)
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some(old) = self.map.pop(&key) {
            self.used -= old;
        }
        if bytes > self.capacity {
            return 0;
        }
        let mut evictions = 0;
        while self.used + bytes > self.capacity {
            match self.map.pop_lru() {
                Some((_, b)) => {
                    self.used -= b;
                    evictions += 1;
                }
                None => break,
            }
        }
        self.map.put(key, bytes);
        self.used += bytes;
        evictions
    }
    fn bytes(&self) -> u64 {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_by_hand() {
        // Capacity 3 objects of 1 byte: a b c a d → d evicts b (least recently used).
        let mut c = Lru::new(3);
        for k in [1, 2, 3] {
            assert!(!c.get(k));
            assert_eq!(c.insert(k, 1), 0);
        }
        assert!(c.get(1));
        assert_eq!(c.insert(4, 1), 1);
        assert!(!c.contains(2));
        assert!(c.contains(1) && c.contains(3) && c.contains(4));
        assert_eq!(c.bytes(), 3);
    }

    #[test]
    fn lru_bytes_and_oversize() {
        let mut c = Lru::new(10);
        c.insert(1, 6);
        c.insert(2, 4);
        assert_eq!(c.insert(3, 5), 1, "evicts 1 (6 bytes) to make room");
        assert_eq!(c.bytes(), 9);
        assert_eq!(c.insert(4, 11), 0);
        assert!(!c.contains(4), "larger than the cache: not inserted");
        c.insert(2, 1);
        assert_eq!(c.bytes(), 6, "replacing a key updates its size");
    }
}
