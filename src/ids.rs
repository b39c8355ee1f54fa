//! Time-ordered 64-bit tweet ids, laid out as Twitter's Snowflake: sign 0 | 41 bits of
//! milliseconds since the epoch | 10 bits of worker | 12 bits of sequence. Ids sort by time
//! without loading the tweet, so the newest tweets of a list are its largest ids.

use std::sync::Mutex;

pub const WORKER_BITS: u32 = 10;
pub const SEQUENCE_BITS: u32 = 12;
pub const MAX_WORKERS: u32 = 1 << WORKER_BITS;
const SEQUENCE_MASK: u64 = (1 << SEQUENCE_BITS) - 1;

/// The worker bits of an id.
#[inline]
pub fn worker(id: u64) -> u32 {
    ((id >> SEQUENCE_BITS) & (MAX_WORKERS as u64 - 1)) as u32
}

/// The millisecond timestamp of an id.
#[inline]
pub fn millis(id: u64) -> u64 {
    id >> (WORKER_BITS + SEQUENCE_BITS)
}

/// One generator per worker; 4,096 ids per millisecond each. When a millisecond's sequence is
/// used up the generator moves on to the next millisecond, as Snowflake waits for it.
pub struct IdGenerator {
    workers: Vec<Mutex<(u64, u64)>>,
}

impl IdGenerator {
    pub fn new(workers: u32) -> IdGenerator {
        IdGenerator { workers: (0..workers.clamp(1, MAX_WORKERS)).map(|_| Mutex::new((0, 0))).collect() }
    }

    pub fn next(&self, worker: u32, now_ms: u64) -> u64 {
        let w = worker % self.workers.len() as u32;
        let mut state = self.workers[w as usize].lock().unwrap_or_else(|e| e.into_inner());
        let (last_ms, seq) = *state;
        let (ms, seq) = if now_ms > last_ms {
            (now_ms, 0)
        } else if seq < SEQUENCE_MASK {
            (last_ms, seq + 1)
        } else {
            (last_ms + 1, 0)
        };
        *state = (ms, seq);
        (ms << (WORKER_BITS + SEQUENCE_BITS)) | ((w as u64) << SEQUENCE_BITS) | seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_carry_worker() {
        let g = IdGenerator::new(4);
        let a = g.next(3, 1000);
        let b = g.next(1, 1001);
        assert!(b > a);
        assert_eq!(worker(a), 3);
        assert_eq!(millis(a), 1000);
        assert_eq!(a & SEQUENCE_MASK, 0);
        assert_eq!(g.next(3, 1000) & SEQUENCE_MASK, 1);
    }

    #[test]
    fn sequence_overflow_moves_to_next_millisecond() {
        let g = IdGenerator::new(1);
        let ids: Vec<u64> = (0..5000).map(|_| g.next(0, 7)).collect();
        assert!(ids.windows(2).all(|w| w[1] > w[0]), "strictly increasing");
        assert_eq!(millis(ids[4095]), 7);
        assert_eq!(millis(ids[4096]), 8);
    }
}
