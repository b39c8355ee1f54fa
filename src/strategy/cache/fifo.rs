//! First in, first out: a hit changes nothing; eviction takes the oldest insertion.

use super::Cache;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

pub struct Fifo {
    /// Insertion order; an entry whose sequence number no longer matches the map is stale
    /// (its key was replaced) and is skipped.
    queue: VecDeque<(u64, u64)>,
    /// Key → (bytes, sequence number of its insertion).
    map: FxHashMap<u64, (u64, u64)>,
    capacity: u64,
    used: u64,
    seq: u64,
}

impl Fifo {
    pub fn new(capacity: u64) -> Fifo {
        Fifo { queue: VecDeque::new(), map: FxHashMap::default(), capacity, used: 0, seq: 0 }
    }
}

impl Cache for Fifo {
    #[inline]
    fn get(&mut self, key: u64) -> bool {
        self.map.contains_key(&key)
    }
    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some((old, _)) = self.map.remove(&key) {
            self.used -= old;
        }
        if bytes > self.capacity {
            return 0;
        }
        let mut evictions = 0;
        while self.used + bytes > self.capacity {
            let Some((k, seq)) = self.queue.pop_front() else { break };
            if self.map.get(&k).is_some_and(|&(_, s)| s == seq) {
                let (size, _) = self.map.remove(&k).expect("just found");
                self.used -= size;
                evictions += 1;
            }
        }
        self.seq += 1;
        self.queue.push_back((key, self.seq));
        self.map.insert(key, (bytes, self.seq));
        self.used += bytes;
        evictions
    }
    fn bytes(&self) -> u64 {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::super::misses;
    use super::*;

    #[test]
    fn fifo_by_hand() {
        // Capacity 3: a b c a d a b. d evicts a (oldest, though just hit), a then misses and
        // evicts b, b misses and evicts c: misses a b c d a b = 6.
        let mut c = Fifo::new(3);
        assert_eq!(misses(&mut c, &[1, 2, 3, 1, 4, 1, 2]), 6);
        assert!(c.contains(4) && c.contains(1) && c.contains(2) && !c.contains(3));
    }

    #[test]
    fn fifo_bytes() {
        let mut c = Fifo::new(10);
        c.insert(1, 4);
        c.insert(2, 4);
        // 8 + 6 > 10: evict the oldest (1); 4 + 6 = 10 fits.
        assert_eq!(c.insert(3, 6), 1);
        assert!(!c.contains(1) && c.contains(2) && c.contains(3));
        assert_eq!(c.bytes(), 10);
        // Replacing a key frees its old size first.
        assert_eq!(c.insert(2, 1), 0);
        assert_eq!(c.bytes(), 7);
    }
}
