//! The tweet store: records in stripes, each stripe holding the tweets of the users whose shard
//! maps to it, in posting order. Ids are made under the stripe's lock, and one worker's ids
//! only grow, so a stripe's ids are sorted and an id is found by binary search (no index). Each
//! record links to its author's previous tweet in the stripe, so a user's own tweets, newest
//! first, are a walk from the user's newest (`Service::newest`): no list per user.

use super::{TWEET_META_BYTES, TweetRef};

/// No tweet: the end of an author's chain.
pub(super) const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
pub(super) struct Tweet {
    pub(super) author: u32,
    pub(super) text: u32,
    pub(super) image: u32,
    pub(super) likes: u32,
    /// The slot of the author's previous tweet in this stripe ([`NONE`] for the first).
    pub(super) prev: u32,
}

impl Tweet {
    pub(super) fn bytes(&self) -> u64 {
        TWEET_META_BYTES + self.text as u64
    }
}

/// One stripe of the tweet store: ids (ascending) and records, slot for slot.
#[derive(Default)]
pub(super) struct TweetStripe {
    ids: Vec<u64>,
    records: Vec<Tweet>,
}

impl TweetStripe {
    /// Stores a tweet whose id is above every id here; returns its slot.
    #[inline]
    pub(super) fn push(&mut self, id: u64, tweet: Tweet) -> u32 {
        debug_assert!(self.ids.last().is_none_or(|&last| last < id), "ids of a stripe grow");
        self.ids.push(id);
        self.records.push(tweet);
        self.ids.len() as u32 - 1
    }

    /// The slot of tweet `id`, if it is stored here.
    #[inline]
    pub(super) fn slot(&self, id: u64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    #[inline]
    pub(super) fn get(&self, slot: usize) -> &Tweet {
        &self.records[slot]
    }

    #[inline]
    pub(super) fn get_mut(&mut self, slot: usize) -> &mut Tweet {
        &mut self.records[slot]
    }

    /// The tweet in `slot` as lists hold it.
    #[inline]
    pub(super) fn entry(&self, slot: usize) -> TweetRef {
        let t = &self.records[slot];
        TweetRef::new(self.ids[slot], t.author, t.text, t.image)
    }

    /// From the tweet in slot `newest` back along its author's chain, at most `n` tweets as
    /// lists hold them, newest first.
    pub(super) fn chain(&self, newest: u32, n: usize) -> impl Iterator<Item = TweetRef> + '_ {
        let mut slot = newest;
        std::iter::from_fn(move || {
            (slot != NONE).then(|| {
                let here = slot as usize;
                slot = self.records[here].prev;
                self.entry(here)
            })
        })
        .take(n)
    }

    /// Heap bytes of the stripe.
    pub(super) fn heap_bytes(&self) -> usize {
        self.ids.capacity() * size_of::<u64>() + self.records.capacity() * size_of::<Tweet>()
    }
}

// Five u32s: no padding.
const _: () = assert!(size_of::<Tweet>() == 20);

#[cfg(test)]
mod tests {
    use super::*;

    fn tweet(author: u32, prev: u32) -> Tweet {
        Tweet { author, text: 5, image: 0, likes: 0, prev }
    }

    #[test]
    fn chains_walk_an_author_back_and_ids_are_found() {
        let mut s = TweetStripe::default();
        let a0 = s.push(10, tweet(1, NONE));
        let b0 = s.push(11, tweet(2, NONE));
        let a1 = s.push(12, tweet(1, a0));
        let _b1 = s.push(13, tweet(2, b0));
        let ids: Vec<u64> = s.chain(a1, 9).map(|e| e.id).collect();
        assert_eq!(ids, [12, 10]);
        assert_eq!(s.chain(a1, 1).count(), 1);
        assert_eq!(s.chain(NONE, 9).count(), 0);
        assert_eq!((s.slot(13), s.slot(14)), (Some(3), None));
        assert_eq!(s.entry(1).author, 2);
    }
}
