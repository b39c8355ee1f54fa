//! One user's home timeline: how many entries it counts (at most `timeline_length`, the figure
//! storage is accounted by) and the newest of them held in memory, at most a depth the service
//! is built with. A read returns at most a page of the newest entries, so a simulated run holds
//! only a page of each timeline; the live harness, which reconciles whole timelines, holds them
//! all (depth = `timeline_length`). Entries beyond the depth are counted but not kept.

use super::TweetRef;

/// A ring's first length; it doubles from there up to the depth.
const FIRST_RING: usize = 4;

/// A home timeline: the newest `held` entries in a ring, where `held` is the smaller of the
/// entries counted and the ring's length. The ring grows (4, 8, 16, ... entries, up to the
/// depth) only while every entry counted is held, so an entry that is not held is always
/// older than every entry that is.
#[derive(Default)]
pub(super) struct Home {
    /// Entries `next - held .. next` (wrapping) are the held ones, oldest first.
    ring: Box<[TweetRef]>,
    /// Where the next entry goes: the slot after the newest.
    next: u32,
    /// Entries counted, held or not (at most the timeline length).
    stored: u32,
}

impl Home {
    /// Entries counted (what storage accounts for): at most the timeline length.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.stored as usize
    }

    /// Entries held in memory.
    #[inline]
    fn held(&self) -> usize {
        (self.stored as usize).min(self.ring.len())
    }

    /// The physical slot of the `k`-th newest held entry (0 the newest).
    #[inline]
    fn slot(&self, k: usize) -> usize {
        let len = self.ring.len();
        (self.next as usize + len - 1 - k) % len
    }

    /// Appends `entry` as the newest, keeping at most `depth` entries held and `length` counted
    /// (the oldest trimmed). Returns whether the count grew (false once trimming starts).
    #[inline]
    pub(super) fn push(&mut self, entry: TweetRef, depth: usize, length: usize) -> bool {
        let held = self.held();
        if held == self.ring.len() && held < depth {
            self.grow((held * 2).max(FIRST_RING).min(depth));
        }
        if let Some(slot) = self.ring.get_mut(self.next as usize) {
            *slot = entry;
            self.next = ((self.next as usize + 1) % self.ring.len()) as u32;
        }
        let grown = (self.stored as usize) < length;
        if grown {
            self.stored += 1;
        }
        grown
    }

    /// The timeline that `n` pushes (see [`Home::push`]) leave, given the last of them that it
    /// holds, oldest first: the last `n.min(depth)`.
    pub(super) fn after_pushes(
        newest: impl ExactSizeIterator<Item = TweetRef>,
        n: usize,
        depth: usize,
        length: usize,
    ) -> Home {
        // The ring grew while it was full, to the first of its sizes that holds them.
        let mut len = 0;
        while len < n.min(depth) {
            len = (len * 2).max(FIRST_RING).min(depth);
        }
        let mut ring = vec![TweetRef::default(); len].into_boxed_slice();
        // The k-th push went to slot k mod len.
        let first = n - newest.len();
        for (k, e) in (first..).zip(newest) {
            ring[k % len] = e;
        }
        let next = if len == 0 { 0 } else { (n % len) as u32 };
        Home { ring, next, stored: n.min(length) as u32 }
    }

    /// Moves the held entries, oldest first, into a ring of `len` slots.
    fn grow(&mut self, len: usize) {
        let mut ring = vec![TweetRef::default(); len].into_boxed_slice();
        let held = self.held();
        for (i, e) in self.newest(held).enumerate() {
            ring[held - 1 - i] = *e;
        }
        self.next = (held % len) as u32;
        self.ring = ring;
    }

    /// The newest `n` held entries (fewer if fewer are held), newest first.
    #[inline]
    pub(super) fn newest(&self, n: usize) -> impl Iterator<Item = &TweetRef> {
        (0..n.min(self.held())).map(|k| &self.ring[self.slot(k)])
    }

    /// The newest `n` held entries as at most two slices, oldest first: the ring's wrap
    /// point may split them.
    #[inline]
    pub(super) fn newest_slices(&self, n: usize) -> (&[TweetRef], &[TweetRef]) {
        let n = n.min(self.held());
        let next = self.next as usize;
        if n <= next {
            (&[], &self.ring[next - n..next])
        } else {
            let wrapped = n - next;
            (&self.ring[self.ring.len() - wrapped..], &self.ring[..next])
        }
    }

    /// Test hook: removes the newest entry, held or not counted, as if it was never delivered.
    #[cfg(feature = "test-hooks")]
    pub(super) fn drop_newest(&mut self) -> Option<TweetRef> {
        let newest = *self.newest(1).next()?;
        let held = self.held() - 1;
        // The ring shrinks by the entry, so entries counted but not held stay older than it.
        let kept: Vec<TweetRef> = self.newest(held + 1).skip(1).copied().collect();
        self.ring = kept.into_iter().rev().collect();
        self.next = 0;
        self.stored -= 1;
        Some(newest)
    }

    /// Heap bytes of the ring.
    pub(super) fn heap_bytes(&self) -> usize {
        self.ring.len() * size_of::<TweetRef>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64) -> TweetRef {
        TweetRef::new(id, id as u32, 10, 0)
    }

    fn newest(h: &Home) -> Vec<u64> {
        h.newest(usize::MAX).map(|e| e.id).collect()
    }

    #[test]
    fn holds_the_newest_depth_and_counts_to_the_length() {
        let mut h = Home::default();
        let grew: Vec<bool> = (1..=12).map(|id| h.push(entry(id), 5, 10)).collect();
        assert_eq!(grew, [true, true, true, true, true, true, true, true, true, true, false, false]);
        assert_eq!(h.len(), 10);
        assert_eq!(newest(&h), [12, 11, 10, 9, 8]);
        assert_eq!(h.heap_bytes(), 5 * 16, "the ring stops growing at the depth");
        let (a, b) = h.newest_slices(3);
        let both: Vec<u64> = a.iter().chain(b).map(|e| e.id).collect();
        assert_eq!(both, [10, 11, 12], "oldest first");
        assert_eq!(h.newest_slices(9).0.len() + h.newest_slices(9).1.len(), 5);
    }

    #[test]
    fn a_full_depth_holds_everything() {
        let mut h = Home::default();
        for id in 1..=7 {
            h.push(entry(id), 6, 6);
        }
        assert_eq!(newest(&h), [7, 6, 5, 4, 3, 2]);
        assert_eq!(h.len(), 6);
    }

    #[cfg(feature = "test-hooks")]
    #[test]
    fn dropping_the_newest_keeps_unheld_entries_older() {
        let mut h = Home::default();
        for id in 1..=9 {
            h.push(entry(id), 4, 100);
        }
        assert_eq!(h.drop_newest().map(|e| e.id), Some(9));
        assert_eq!((h.len(), newest(&h)), (8, vec![8, 7, 6]));
        h.push(entry(10), 4, 100);
        h.push(entry(11), 4, 100);
        assert_eq!((h.len(), newest(&h)), (10, vec![11, 10, 8, 7]));
    }
}
