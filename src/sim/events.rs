//! The event queue, ordered by time, then by insertion order, so simultaneous events run in
//! the order they were scheduled and a seed gives one exact history.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy)]
pub enum Event {
    /// The next request arrives (the engine holds it).
    Arrival,
    /// A stage of an operation's plan is over.
    StageDone(u32),
}

/// 16 bytes: time, a tie-breaking sequence number and the event packed into a u32 (an
/// operation slot; all ones: arrival). The sequence wraps after 2^32 events; ties are then still
/// broken the same way on every run, so a seed still gives one exact history.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    time: u64,
    seq: u32,
    event: u32,
}

const ARRIVAL: u32 = u32::MAX;

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the heap pops the earliest time, then the earliest scheduled.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A binary heap of events. (A radix heap over a packed u128 key was measured slower: its
/// bucket redistribution costs more than the heap's sift at the queue sizes seen here.)
#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u32,
}

impl EventQueue {
    #[inline]
    pub fn push(&mut self, time: u64, event: Event) {
        let seq = self.take_seq();
        let event = match event {
            Event::Arrival => ARRIVAL,
            Event::StageDone(op) => op,
        };
        self.heap.push(Entry { time, seq, event });
    }

    /// The next sequence number, for an event held outside the queue (the next arrival) that
    /// must be ordered against the queued ones as if it had been pushed now.
    #[inline]
    pub fn take_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// The time and sequence number of the event `pop` would return.
    #[inline]
    pub fn peek(&self) -> Option<(u64, u32)> {
        self.heap.peek().map(|e| (e.time, e.seq))
    }

    #[inline]
    pub fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|e| {
            let ev = match e.event {
                ARRIVAL => Event::Arrival,
                x => Event::StageDone(x),
            };
            (e.time, ev)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_insertion_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::StageDone(1));
        q.push(3, Event::StageDone(2));
        q.push(5, Event::StageDone(3));
        q.push(3, Event::StageDone(4));
        let order: Vec<(u64, u32)> = std::iter::from_fn(|| q.pop())
            .map(|(t, e)| match e {
                Event::StageDone(i) => (t, i),
                Event::Arrival => (t, u32::MAX),
            })
            .collect();
        assert_eq!(order, [(3, 2), (3, 4), (5, 1), (5, 3)]);
    }
}
