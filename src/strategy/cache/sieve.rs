//! SIEVE (Zhang et al., NSDI 2024): new objects go in at the head unvisited and a hit marks
//! the object visited. To evict, a hand walks from the tail toward the head, clearing visited
//! marks, and evicts the first unvisited object; it resumes there next time, and wraps from
//! the head back to the tail.

use super::Cache;
use rustc_hash::FxHashMap;

const NIL: u32 = u32::MAX;

struct Node {
    key: u64,
    bytes: u64,
    visited: bool,
    /// Toward the head (newer).
    newer: u32,
    /// Toward the tail (older).
    older: u32,
}

pub struct Sieve {
    nodes: Vec<Node>,
    free: Vec<u32>,
    map: FxHashMap<u64, u32>,
    head: u32,
    tail: u32,
    hand: u32,
    capacity: u64,
    used: u64,
}

impl Sieve {
    pub fn new(capacity: u64) -> Sieve {
        Sieve {
            nodes: Vec::new(),
            free: Vec::new(),
            map: FxHashMap::default(),
            head: NIL,
            tail: NIL,
            hand: NIL,
            capacity,
            used: 0,
        }
    }

    fn unlink(&mut self, i: u32) {
        let (newer, older) = (self.nodes[i as usize].newer, self.nodes[i as usize].older);
        match newer {
            NIL => self.head = older,
            n => self.nodes[n as usize].older = older,
        }
        match older {
            NIL => self.tail = newer,
            o => self.nodes[o as usize].newer = newer,
        }
        self.map.remove(&self.nodes[i as usize].key);
        self.used -= self.nodes[i as usize].bytes;
        self.free.push(i);
    }

    fn evict(&mut self) {
        let mut i = if self.hand == NIL { self.tail } else { self.hand };
        loop {
            let node = &mut self.nodes[i as usize];
            if !node.visited {
                self.hand = node.newer;
                self.unlink(i);
                return;
            }
            node.visited = false;
            i = if node.newer == NIL { self.tail } else { node.newer };
        }
    }
}

impl Cache for Sieve {
    #[inline]
    fn get(&mut self, key: u64) -> bool {
        match self.map.get(&key) {
            Some(&i) => {
                self.nodes[i as usize].visited = true;
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
            if self.hand == i {
                self.hand = self.nodes[i as usize].newer;
            }
            self.unlink(i);
        }
        if bytes > self.capacity {
            return 0;
        }
        let mut evictions = 0;
        while self.used + bytes > self.capacity && self.tail != NIL {
            self.evict();
            evictions += 1;
        }
        let node = Node { key, bytes, visited: false, newer: NIL, older: self.head };
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
        match self.head {
            NIL => self.tail = i,
            h => self.nodes[h as usize].newer = i,
        }
        self.head = i;
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
    use super::super::misses;
    use super::*;

    #[test]
    fn sieve_by_hand() {
        // Capacity 3: a b c a d e b.
        // a b c miss; a hit (a visited). d: hand at tail a, visited → clear, move to b;
        // b unvisited → evict b; hand now at c. Cache (head→tail) d c a.
        // e: hand at c unvisited → evict c; hand at d. Cache e d a.
        // b: hand at d unvisited → evict d. Cache b e a. Misses: a b c d e b = 6.
        let mut c = Sieve::new(3);
        assert_eq!(misses(&mut c, &[1, 2, 3, 1, 4, 5, 2]), 6);
        assert!(c.contains(1) && c.contains(5) && c.contains(2));
        assert!(!c.contains(3) && !c.contains(4));
    }

    #[test]
    fn sieve_hand_wraps_to_the_tail() {
        // Capacity 2: a b a b c. Both visited: the hand clears a and b, wraps to the tail (a)
        // and evicts it. Misses: a b c = 3; b and c remain.
        let mut c = Sieve::new(2);
        assert_eq!(misses(&mut c, &[1, 2, 1, 2, 3]), 3);
        assert!(!c.contains(1) && c.contains(2) && c.contains(3));
    }
}
