//! S3-FIFO (Yang et al., SOSP 2023) as the reference simulator runs it: a small FIFO S (10% of
//! the capacity), a main FIFO M (the rest) and a ghost FIFO G of recently evicted ids (90% of
//! the capacity, sizes counted as in the cache).
//!
//! A hit adds 1 to the object's frequency. A miss whose id is in G leaves G and goes into M;
//! any other miss goes into S (an object at least as large as S is not admitted). Both start
//! at frequency 0. To make room, M is evicted from if it is over its share or S is empty,
//! else S. Evicting from S pops its oldest: with frequency >= the move-to-main threshold it
//! moves to M (frequency 0) and popping goes on; otherwise its id goes to G and it is gone.
//! Evicting from M pops its oldest: with frequency >= 1 it is put back at the head with
//! frequency min(frequency, 3) - 1 and popping goes on; the first with frequency 0 is gone.

use super::Cache;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// S3-FIFO's parameters (the reference simulator's `-e` options).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct S3FifoParams {
    pub small_ratio: f64,
    pub ghost_ratio: f64,
    pub move_to_main_threshold: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Queue {
    Small,
    Main,
}

struct Entry {
    bytes: u64,
    freq: u32,
    queue: Queue,
    /// Sequence number of its place in its queue (older places are stale).
    seq: u64,
}

pub struct S3Fifo {
    params: S3FifoParams,
    small: VecDeque<(u64, u64)>,
    main: VecDeque<(u64, u64)>,
    ghost: VecDeque<(u64, u64)>,
    map: FxHashMap<u64, Entry>,
    /// Ghost id → (bytes, sequence number).
    ghosts: FxHashMap<u64, (u64, u64)>,
    small_cap: u64,
    main_cap: u64,
    ghost_cap: u64,
    small_used: u64,
    main_used: u64,
    ghost_used: u64,
    seq: u64,
}

impl S3Fifo {
    pub const DEFAULT: S3FifoParams = S3FifoParams { small_ratio: 0.10, ghost_ratio: 0.90, move_to_main_threshold: 2 };

    pub fn new(capacity: u64, params: S3FifoParams) -> S3Fifo {
        let small_cap = (capacity as f64 * params.small_ratio) as u64;
        S3Fifo {
            params,
            small: VecDeque::new(),
            main: VecDeque::new(),
            ghost: VecDeque::new(),
            map: FxHashMap::default(),
            ghosts: FxHashMap::default(),
            small_cap,
            main_cap: capacity - small_cap,
            ghost_cap: (capacity as f64 * params.ghost_ratio) as u64,
            small_used: 0,
            main_used: 0,
            ghost_used: 0,
            seq: 0,
        }
    }

    fn capacity(&self) -> u64 {
        self.small_cap + self.main_cap
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Puts `key` at the head of `queue` with frequency `freq`.
    fn push(&mut self, key: u64, bytes: u64, freq: u32, queue: Queue) {
        let seq = self.next_seq();
        match queue {
            Queue::Small => {
                self.small.push_back((key, seq));
                self.small_used += bytes;
            }
            Queue::Main => {
                self.main.push_back((key, seq));
                self.main_used += bytes;
            }
        }
        self.map.insert(key, Entry { bytes, freq, queue, seq });
    }

    /// Pops the oldest live entry of `queue`, removing it from the cache.
    fn pop(&mut self, queue: Queue) -> Option<(u64, Entry)> {
        loop {
            let (key, seq) = match queue {
                Queue::Small => self.small.pop_front()?,
                Queue::Main => self.main.pop_front()?,
            };
            if self.map.get(&key).is_some_and(|e| e.seq == seq && e.queue == queue) {
                let e = self.map.remove(&key).expect("just found");
                match queue {
                    Queue::Small => self.small_used -= e.bytes,
                    Queue::Main => self.main_used -= e.bytes,
                }
                return Some((key, e));
            }
        }
    }

    fn remember(&mut self, key: u64, bytes: u64) {
        if self.ghost_cap == 0 || self.ghosts.contains_key(&key) || bytes > self.ghost_cap {
            return;
        }
        while self.ghost_used + bytes > self.ghost_cap {
            let Some((k, seq)) = self.ghost.pop_front() else { break };
            if self.ghosts.get(&k).is_some_and(|&(_, s)| s == seq) {
                let (b, _) = self.ghosts.remove(&k).expect("just found");
                self.ghost_used -= b;
            }
        }
        let seq = self.next_seq();
        self.ghost.push_back((key, seq));
        self.ghosts.insert(key, (bytes, seq));
        self.ghost_used += bytes;
    }

    fn forget(&mut self, key: u64) -> bool {
        match self.ghosts.remove(&key) {
            Some((bytes, _)) => {
                self.ghost_used -= bytes;
                true
            }
            None => false,
        }
    }

    /// Evicts one object, or moves all of S to M without evicting (then false: the next call
    /// evicts from M). Moves from S to M are not evictions.
    fn evict_one(&mut self) -> bool {
        if self.main_used > self.main_cap || self.small_used == 0 {
            while let Some((key, e)) = self.pop(Queue::Main) {
                if e.freq >= 1 {
                    self.push(key, e.bytes, e.freq.min(3) - 1, Queue::Main);
                } else {
                    return true;
                }
            }
            false
        } else {
            while let Some((key, e)) = self.pop(Queue::Small) {
                if e.freq >= self.params.move_to_main_threshold {
                    self.push(key, e.bytes, 0, Queue::Main);
                } else {
                    self.remember(key, e.bytes);
                    return true;
                }
            }
            false
        }
    }
}

impl Cache for S3Fifo {
    fn get(&mut self, key: u64) -> bool {
        match self.map.get_mut(&key) {
            Some(e) => {
                e.freq += 1;
                true
            }
            None => false,
        }
    }
    fn contains(&self, key: u64) -> bool {
        self.map.contains_key(&key)
    }
    fn insert(&mut self, key: u64, bytes: u64) -> u64 {
        if let Some(e) = self.map.remove(&key) {
            match e.queue {
                Queue::Small => self.small_used -= e.bytes,
                Queue::Main => self.main_used -= e.bytes,
            }
        }
        let from_ghost = self.forget(key);
        // The reference refuses objects larger than S (or than the cache) before evicting.
        if bytes > self.small_cap || bytes > self.capacity() {
            return 0;
        }
        let mut evictions = 0;
        while self.small_used + self.main_used + bytes > self.capacity() {
            if self.evict_one() {
                evictions += 1;
            } else if self.small_used + self.main_used == 0 {
                break;
            }
        }
        if from_ghost {
            self.push(key, bytes, 0, Queue::Main);
        } else if bytes < self.small_cap {
            self.push(key, bytes, 0, Queue::Small);
        }
        // An object exactly the size of S made room but is not admitted, as in the reference.
        evictions
    }
    fn bytes(&self) -> u64 {
        self.small_used + self.main_used
    }
}

#[cfg(test)]
mod tests {
    use super::super::misses;
    use super::*;

    #[test]
    fn s3fifo_by_hand() {
        // Capacity 20 objects: |S| = 2, |M| = 18, |G| = 18. Nothing is evicted until the cache
        // is full, so the first 20 keys all sit in S.
        let mut c = S3Fifo::new(20, S3Fifo::DEFAULT);
        let keys: Vec<u64> = (1..=20).collect();
        assert_eq!(misses(&mut c, &keys), 20);
        // Hit 1 twice (freq 2). 21 misses with the cache full; M (empty) is within its share
        // and S is not empty, so S is evicted from: 1 moves to M, 2 (freq 0) goes to G.
        assert_eq!(misses(&mut c, &[1, 1, 21]), 1);
        assert!(c.contains(1) && !c.contains(2) && c.contains(21));
        // 2 is in G: it comes back into M, and 3 (oldest in S, freq 0) goes to G.
        assert_eq!(misses(&mut c, &[2]), 1);
        assert!(c.contains(2) && !c.contains(3));
        assert_eq!(c.main_used, 2, "1 and 2 are in M");
    }

    #[test]
    fn s3fifo_main_reinserts_what_was_used() {
        let mut c = S3Fifo::new(20, S3Fifo::DEFAULT);
        let keys: Vec<u64> = (1..=20).collect();
        misses(&mut c, &keys);
        misses(&mut c, &keys);
        misses(&mut c, &keys);
        // Every key has freq 2: 100 sends all of S to M (freq 0), M is then over its share
        // (20 > 18) and evicts its oldest, 1.
        assert_eq!(misses(&mut c, &[100]), 1);
        assert!(c.contains(100) && !c.contains(1));
        // Hit 2 (freq 1). 101: M (19) is over its share: 2 is put back with freq 0, 3 goes.
        assert_eq!(misses(&mut c, &[2, 101]), 1);
        assert!(c.contains(2) && !c.contains(3) && c.contains(101));
        assert_eq!(c.bytes(), 20);
    }

    #[test]
    fn objects_as_large_as_s_are_not_admitted() {
        let mut c = S3Fifo::new(100, S3Fifo::DEFAULT);
        assert_eq!(c.insert(1, 10), 0);
        assert!(!c.contains(1), "size 10 >= |S| = 10");
        c.insert(2, 9);
        assert!(c.contains(2));
    }
}
