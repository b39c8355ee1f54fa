//! The event queue: a binary heap ordered by time, then by insertion order, so simultaneous
//! events run in the order they were scheduled and a seed gives one exact history.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::workload::Request;

pub enum Event {
    Arrival(Request),
    ServiceDone(u32),
    StageDone(u32),
}

struct Entry {
    time: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the heap pops the earliest time, then the earliest scheduled.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl EventQueue {
    #[inline]
    pub fn push(&mut self, time: u64, event: Event) {
        self.seq += 1;
        self.heap.push(Entry { time, seq: self.seq, event });
    }

    #[inline]
    pub fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|e| (e.time, e.event))
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
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, [(3, 2), (3, 4), (5, 1), (5, 3)]);
    }
}
