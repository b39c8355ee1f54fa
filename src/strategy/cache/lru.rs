//! Least recently used: a hit moves the key to the front; eviction takes the back.
//!
//! The recency list lives in one vector of nodes linked by index, with freed nodes reused, so a
//! miss that evicts one key and inserts another allocates nothing.

use super::Cache;
use rustc_hash::FxHashMap;

const NIL: u32 = u32::MAX;

struct Node {
    key: u64,
    bytes: u64,
    /// Toward the front (more recent).
    newer: u32,
    /// Toward the back (less recent).
    older: u32,
}

/// Least recently used, bounded in bytes.
pub struct Lru {
    nodes: Vec<Node>,
    free: Vec<u32>,
    map: FxHashMap<u64, u32>,
    /// Most recently used.
    head: u32,
    /// Least recently used: the next to go.
    tail: u32,
    capacity: u64,
    used: u64,
}

impl Lru {
    pub fn new(capacity: u64) -> Lru {
        Lru { nodes: Vec::new(), free: Vec::new(), map: FxHashMap::default(), head: NIL, tail: NIL, capacity, used: 0 }
    }

    /// Takes node `i` out of the list (it stays allocated).
    #[inline]
    fn detach(&mut self, i: u32) {
        let (newer, older) = (self.nodes[i as usize].newer, self.nodes[i as usize].older);
        match newer {
            NIL => self.head = older,
            n => self.nodes[n as usize].older = older,
        }
        match older {
            NIL => self.tail = newer,
            o => self.nodes[o as usize].newer = newer,
        }
    }

    /// Puts node `i` at the front.
    #[inline]
    fn push_front(&mut self, i: u32) {
        let node = &mut self.nodes[i as usize];
        node.newer = NIL;
        node.older = self.head;
        match self.head {
            NIL => self.tail = i,
            h => self.nodes[h as usize].newer = i,
        }
        self.head = i;
    }

    /// Removes node `i` and its key; returns its bytes.
    fn remove(&mut self, i: u32) -> u64 {
        self.detach(i);
        let node = &self.nodes[i as usize];
        self.map.remove(&node.key);
        self.used -= node.bytes;
        self.free.push(i);
        node.bytes
    }
}

impl Cache for Lru {
    #[inline]
    fn get(&mut self, key: u64) -> bool {
        match self.map.get(&key) {
            Some(&i) => {
                if self.head != i {
                    self.detach(i);
                    self.push_front(i);
                }
                true
            }
            None => false,
        }
    }
    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some(&i) = self.map.get(&key) {
            self.remove(i);
        }
        if bytes > self.capacity {
            return 0;
        }
        let mut evictions = 0;
        while self.used + bytes > self.capacity && self.tail != NIL {
            self.remove(self.tail);
            evictions += 1;
        }
        let node = Node { key, bytes, newer: NIL, older: NIL };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() as u32 - 1
            }
        };
        self.push_front(i);
        self.map.insert(key, i);
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

    #[test]
    fn lru_matches_a_plain_list() {
        // Random gets and inserts of varied sizes against a list kept in recency order (front
        // = most recent) and evicted from the back: same hits, evictions and bytes throughout.
        let mut c = Lru::new(50);
        let mut model: Vec<(u64, u64)> = Vec::new();
        let mut x = 12345u64;
        for _ in 0..20_000 {
            x = crate::seed::mix(x);
            let key = x % 40;
            let bytes = 1 + (x >> 32) % 12;
            if (x >> 20).is_multiple_of(3) {
                let pos = model.iter().position(|e| e.0 == key);
                assert_eq!(c.get(key), pos.is_some());
                if let Some(p) = pos {
                    let e = model.remove(p);
                    model.insert(0, e);
                }
            } else {
                model.retain(|e| e.0 != key);
                let mut evicted = 0;
                if bytes <= 50 {
                    while model.iter().map(|e| e.1).sum::<u64>() + bytes > 50 {
                        model.pop();
                        evicted += 1;
                    }
                    model.insert(0, (key, bytes));
                }
                assert_eq!(c.insert(key, bytes), evicted);
            }
            assert_eq!(c.bytes(), model.iter().map(|e| e.1).sum::<u64>());
        }
        for key in 0..40 {
            assert_eq!(c.contains(key), model.iter().any(|e| e.0 == key));
        }
    }
}
