//! Least recently used: a hit moves the key to the front; eviction takes the back.
//!
//! Keys live in one open-addressed table (linear probing), each slot holding its key, its size
//! and the recency list's links (slot numbers): a lookup and its move to the front touch the
//! key's slot and its two neighbours, where a map to separate list nodes would also touch the
//! map's control bytes and the node. A miss that evicts one key and inserts another allocates
//! nothing; the table doubles when three quarters full. A removal shifts the keys after it back
//! (no tombstones) and relinks the ones it moves.

use super::Cache;

/// No slot: the end of the recency list.
const NIL: u32 = u32::MAX;
/// The `older` link of an empty slot.
const EMPTY: u32 = u32::MAX - 1;
/// The table's first size, in slots.
const FIRST_SLOTS: usize = 16;

#[derive(Clone, Copy)]
struct Slot {
    key: u64,
    bytes: u64,
    /// Toward the front (more recent).
    newer: u32,
    /// Toward the back (less recent); [`EMPTY`] for an empty slot.
    older: u32,
}

const EMPTY_SLOT: Slot = Slot { key: 0, bytes: 0, newer: NIL, older: EMPTY };

/// Least recently used, bounded in bytes.
pub struct Lru {
    /// A power of two of slots (or none yet).
    slots: Box<[Slot]>,
    /// Keys held.
    len: usize,
    /// Most recently used.
    head: u32,
    /// Least recently used: the next to go.
    tail: u32,
    capacity: u64,
    used: u64,
}

impl Lru {
    pub fn new(capacity: u64) -> Lru {
        Lru { slots: Box::new([]), len: 0, head: NIL, tail: NIL, capacity, used: 0 }
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The slot where `key`'s probe starts (Fibonacci hashing: the product's high bits), in a
    /// table that has slots.
    #[inline]
    fn home(&self, key: u64) -> usize {
        let bits = self.slots.len().trailing_zeros();
        debug_assert!(bits > 0 && bits < 64, "a table of {} slots", self.slots.len());
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// The slot holding `key`.
    #[inline]
    fn find(&self, key: u64) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let s = &self.slots[i];
            if s.older == EMPTY {
                return None;
            }
            if s.key == key {
                return Some(i as u32);
            }
            i = (i + 1) & mask;
        }
    }

    /// Takes slot `i` out of the list (it stays occupied).
    #[inline]
    fn detach(&mut self, i: u32) {
        let Slot { newer, older, .. } = self.slots[i as usize];
        match newer {
            NIL => self.head = older,
            n => self.slots[n as usize].older = older,
        }
        match older {
            NIL => self.tail = newer,
            o => self.slots[o as usize].newer = newer,
        }
    }

    /// Puts slot `i` at the front.
    #[inline]
    fn push_front(&mut self, i: u32) {
        let head = self.head;
        let s = &mut self.slots[i as usize];
        s.newer = NIL;
        s.older = head;
        match head {
            NIL => self.tail = i,
            h => self.slots[h as usize].newer = i,
        }
        self.head = i;
    }

    /// Points the neighbours of slot `i` (or the list's ends) at it, after it moved there.
    fn relink(&mut self, i: u32) {
        let Slot { newer, older, .. } = self.slots[i as usize];
        match newer {
            NIL => self.head = i,
            n => self.slots[n as usize].older = i,
        }
        match older {
            NIL => self.tail = i,
            o => self.slots[o as usize].newer = i,
        }
    }

    /// Removes the key in slot `i`; returns its bytes. The keys after it in its run move back
    /// to fill the hole where their probe allows it.
    fn remove(&mut self, i: u32) -> u64 {
        self.detach(i);
        let bytes = self.slots[i as usize].bytes;
        self.used -= bytes;
        self.len -= 1;
        let mask = self.mask();
        let mut hole = i as usize;
        let mut j = (hole + 1) & mask;
        while self.slots[j].older != EMPTY {
            // The key at `j` may fill the hole if its probe passes the hole on its way to `j`.
            let home = self.home(self.slots[j].key);
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(hole) & mask {
                self.slots[hole] = self.slots[j];
                self.relink(hole as u32);
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.slots[hole] = EMPTY_SLOT;
        bytes
    }

    /// Stores `key` in a free slot of its probe, at the front of the list.
    fn place(&mut self, key: u64, bytes: u64) {
        let mask = self.mask();
        let mut i = self.home(key);
        while self.slots[i].older != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = Slot { key, bytes, newer: NIL, older: NIL };
        self.push_front(i as u32);
        self.len += 1;
    }

    /// Moves the keys into a table of `slots` slots, keeping their order.
    fn grow(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; slots].into_boxed_slice());
        let mut i = self.tail;
        (self.head, self.tail, self.len) = (NIL, NIL, 0);
        // From the back to the front, each to the front: the same order.
        while i != NIL {
            let s = old[i as usize];
            self.place(s.key, s.bytes);
            i = s.newer;
        }
    }

    /// Asks the processor to fetch the slot where `key`'s probe starts (both ends: a slot may
    /// straddle two cache lines).
    #[inline]
    fn prefetch_slot(&self, key: u64) {
        if !self.slots.is_empty() {
            let slot: *const Slot = &self.slots[self.home(key)];
            super::prefetch(slot);
            super::prefetch(slot.cast::<u8>().wrapping_add(size_of::<Slot>() - 1));
        }
    }
}

impl Cache for Lru {
    #[inline]
    fn get(&mut self, key: u64) -> bool {
        match self.find(key) {
            Some(i) => {
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
        self.find(key).is_some()
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some(i) = self.find(key) {
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
        // At most three quarters full.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow((self.slots.len() * 2).max(FIRST_SLOTS));
        }
        self.place(key, bytes);
        self.used += bytes;
        evictions
    }
    fn bytes(&self) -> u64 {
        self.used
    }
    #[inline]
    fn prefetch(&self, key: u64) {
        self.prefetch_slot(key);
    }
    #[inline]
    fn prefetch_neighbours(&self, key: u64) {
        if let Some(i) = self.find(key)
            && self.head != i
        {
            let s = &self.slots[i as usize];
            for link in [s.newer, s.older] {
                if let Some(n) = self.slots.get(link as usize) {
                    super::prefetch(n);
                }
            }
        }
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
        // A small cache over few keys, and a larger one whose table grows and whose removals
        // shift long probe runs (keys spaced so that many share a run).
        matches_a_plain_list(50, 40, 1, 20_000);
        matches_a_plain_list(2_000, 1_500, 1 << 40, 40_000);
    }

    /// Random gets and inserts of varied sizes, of `keys` keys spaced `stride` apart, in a cache
    /// of `capacity` bytes, against a list kept in recency order (front = most recent) and
    /// evicted from the back: same hits, evictions and bytes throughout.
    fn matches_a_plain_list(capacity: u64, keys: u64, stride: u64, steps: usize) {
        let mut c = Lru::new(capacity);
        let mut model: Vec<(u64, u64)> = Vec::new();
        let mut x = 12345u64;
        for _ in 0..steps {
            x = crate::seed::mix(x);
            let key = (x % keys).wrapping_mul(stride);
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
                if bytes <= capacity {
                    while model.iter().map(|e| e.1).sum::<u64>() + bytes > capacity {
                        model.pop();
                        evicted += 1;
                    }
                    model.insert(0, (key, bytes));
                }
                assert_eq!(c.insert(key, bytes), evicted);
            }
            assert_eq!(c.bytes(), model.iter().map(|e| e.1).sum::<u64>());
        }
        for key in (0..keys).map(|k| k.wrapping_mul(stride)) {
            assert_eq!(c.contains(key), model.iter().any(|e| e.0 == key));
        }
        // The list from the back, as the model has it.
        let mut order = Vec::new();
        let mut i = c.tail;
        while i != NIL {
            order.push(c.slots[i as usize].key);
            i = c.slots[i as usize].newer;
        }
        assert_eq!(order, model.iter().rev().map(|e| e.0).collect::<Vec<_>>());
    }
}
