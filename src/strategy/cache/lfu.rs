//! Least frequently used: a cached object's frequency starts at 1 and grows by 1 per hit;
//! nothing is remembered after eviction. Eviction takes the lowest frequency, and among equal
//! frequencies the object that reached it earliest.

use super::Cache;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

pub struct Lfu {
    /// (frequency, when it reached that frequency, key), smallest first.
    order: BTreeSet<(u64, u64, u64)>,
    /// Key → (frequency, when it reached it, bytes).
    map: FxHashMap<u64, (u64, u64, u64)>,
    capacity: u64,
    used: u64,
    clock: u64,
}

impl Lfu {
    pub fn new(capacity: u64) -> Lfu {
        Lfu { order: BTreeSet::new(), map: FxHashMap::default(), capacity, used: 0, clock: 0 }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

impl Cache for Lfu {
    fn get(&mut self, key: u64) -> bool {
        let Some(&(freq, at, size)) = self.map.get(&key) else { return false };
        let now = self.tick();
        self.order.remove(&(freq, at, key));
        self.order.insert((freq + 1, now, key));
        self.map.insert(key, (freq + 1, now, size));
        true
    }
    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some((freq, at, size)) = self.map.remove(&key) {
            self.order.remove(&(freq, at, key));
            self.used -= size;
        }
        if bytes > self.capacity {
            return 0;
        }
        let mut evictions = 0;
        while self.used + bytes > self.capacity {
            let Some((_, _, victim)) = self.order.pop_first() else { break };
            let (_, _, size) = self.map.remove(&victim).expect("order and map agree");
            self.used -= size;
            evictions += 1;
        }
        let now = self.tick();
        self.order.insert((1, now, key));
        self.map.insert(key, (1, now, bytes));
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
    fn lfu_by_hand() {
        // Capacity 2: a a b c a b b c.
        // a miss (a:1), a hit (a:2), b miss (b:1), c miss evicts b (lowest) → {a:2, c:1},
        // a hit (a:3), b miss evicts c → {a:3, b:1}, b hit (b:2), c miss evicts b (2 < 3).
        let mut c = Lfu::new(2);
        assert_eq!(misses(&mut c, &[1, 1, 2, 3, 1, 2, 2, 3]), 5);
        assert!(c.contains(1) && c.contains(3));
    }

    #[test]
    fn lfu_ties_go_to_the_earliest_to_reach_the_frequency() {
        // Capacity 2: a b b a c. After b b a: a reached 2 after b did; c evicts b.
        let mut c = Lfu::new(2);
        assert_eq!(misses(&mut c, &[1, 2, 2, 1, 3]), 3);
        assert!(c.contains(1) && !c.contains(2) && c.contains(3));
    }
}
