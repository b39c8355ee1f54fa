//! Page reads: a home timeline (its materialised part from the cache or the user's shard, its
//! pulled part merged in from followees' own tweets) and a user timeline, then hydration (the
//! tweets and their authors' records through the tweet and user caches, the misses from the
//! shards) and the images the client fetches after the response (through the image cache, the
//! misses from the blob tier), with the cache fills left to the background.

use smallvec::{SmallVec, smallvec};
use std::collections::BinaryHeap;
use std::sync::atomic::Ordering::Relaxed;

use super::plan::{Access, Plan};
use super::tweets::NONE;
use super::{
    INDEX_ENTRY_BYTES, INLINE, Locks, Service, TIMELINE_ENTRY_BYTES, Tally, TweetRef, USER_RECORD_BYTES, lock,
};
use crate::tier::Tier;

/// Items and bytes per shard or node touched by a page of tweets: counted in place on the
/// stack when there are few shards or nodes, else in a short list of the ones touched.
struct PageTally {
    /// How many indices the dense counts cover; 0 when the sparse list is used.
    dense: usize,
    items: [u32; INLINE],
    bytes: [u64; INLINE],
    sparse: SmallVec<[(u32, u32, u64); 32]>,
}

impl PageTally {
    /// A tally over indices `0..n`.
    #[inline(always)]
    fn new(n: usize) -> PageTally {
        PageTally {
            dense: if n <= INLINE { n } else { 0 },
            items: [0; INLINE],
            bytes: [0; INLINE],
            sparse: SmallVec::new(),
        }
    }

    #[inline(always)]
    fn add(&mut self, index: u32, bytes: u64) {
        self.add_n(index, 1, bytes);
    }

    /// Adds `items` items of `bytes` bytes in all.
    #[inline(always)]
    fn add_n(&mut self, index: u32, items: u32, bytes: u64) {
        let i = index as usize;
        if i < self.dense {
            self.items[i] += items;
            self.bytes[i] += bytes;
        } else {
            match self.sparse.iter_mut().find(|e| e.0 == index) {
                Some(e) => {
                    e.1 += items;
                    e.2 += bytes;
                }
                None => self.sparse.push((index, items, bytes)),
            }
        }
    }

    /// Calls `f(index, items, bytes)` for each index touched, by index, so that plans do not
    /// depend on the order tweets were found in.
    fn for_each(&mut self, mut f: impl FnMut(u32, u32, u64)) {
        for i in 0..self.dense {
            if self.items[i] > 0 {
                f(i as u32, self.items[i], self.bytes[i]);
            }
        }
        self.sparse.sort_unstable_by_key(|e| e.0);
        for &(i, k, bytes) in self.sparse.iter() {
            f(i, k, bytes);
        }
    }
}

/// One author of a page: how many of its tweets are theirs, and their bytes.
struct PageAuthor {
    user: u32,
    tweets: u32,
    bytes: u64,
}

/// The distinct authors of a page, in order of first appearance, into `list` (empty; filled in
/// place, as the list is a few hundred bytes to move).
fn page_authors(page: &[TweetRef], list: &mut SmallVec<[PageAuthor; 32]>) {
    // A table of 256 hash buckets, each naming the last author placed there (its position in
    // the list, plus one; 0 for none), finds most authors seen without scanning the list; two
    // authors in one bucket fall back to the scan.
    let mut bucket = [0u8; 256];
    for t in page {
        let b = (t.author.wrapping_mul(0x9E37_79B9) >> 24) as usize;
        let named = bucket[b] as usize;
        let known = match named {
            0 => None,
            i if list[i - 1].user == t.author => Some(i - 1),
            _ => list.iter().position(|a| a.user == t.author),
        };
        match known {
            Some(i) => {
                list[i].tweets += 1;
                list[i].bytes += t.bytes();
            }
            None => {
                list.push(PageAuthor { user: t.author, tweets: 1, bytes: t.bytes() });
                // Past 255 authors the bucket names the 255th, which sends the next look to
                // the scan.
                bucket[b] = u8::try_from(list.len()).unwrap_or(u8::MAX);
            }
        }
    }
}

/// What a page read leaves to fill in the background: tweets (id, bytes) and user records
/// that missed their caches.
#[derive(Default)]
struct Fills {
    tweets: Vec<(u64, u64)>,
    users: SmallVec<[u32; 32]>,
}

impl<L: Locks> Service<L> {
    /// Reads a page for its response (hydration): the tweets, through the tweet cache if there
    /// is one, and their authors' user records, through the user cache if there is one; then
    /// the shards holding the misses. Cache fills are left in `fills` for the background.
    fn hydrate(&self, page: &[TweetRef], plan: &mut Plan, fills: &mut Fills) -> u64 {
        // A page touches few shards and cache nodes: sparse tallies of (index, items, bytes).
        let mut per_shard = PageTally::new(self.topology.shards as usize);
        let mut authors = SmallVec::new();
        page_authors(page, &mut authors);
        self.prefetch_lookups(page, &authors);
        let mut response = authors.iter().map(|a| a.bytes).sum::<u64>();
        response += authors.len() as u64 * USER_RECORD_BYTES;
        // Without a tweet cache every tweet is read from its shard; when tweets live on their
        // author's shard, that is found once per author, below, for the tweets and the record.
        let tweets_by_author = self.tweet_cache.is_none() && self.partitioner.tweets_with_author();
        match &self.tweet_cache {
            Some(cache) => {
                let mut per_node = PageTally::new(cache.len());
                self.in_stripe_order(page, |t| {
                    let bytes = t.bytes();
                    let (node, hit) = cache.get(t.id, bytes, plan.weight);
                    if let Some(node) = node {
                        per_node.add(node, if hit { bytes } else { 0 });
                    }
                    if !hit {
                        per_shard.add(self.partitioner.tweet_shard(t.id, t.author), bytes);
                        fills.tweets.push((t.id, bytes));
                    }
                });
                per_node.for_each(|node, k, bytes| plan.visit(Tier::TweetCache, node, Access::Read, k, bytes));
            }
            None if tweets_by_author => {}
            None => {
                for t in page {
                    per_shard.add(self.partitioner.tweet_shard(t.id, t.author), t.bytes());
                }
            }
        }
        // Each author's record once per page, with the tweet reads, in order of first
        // appearance (the order the user cache sees them).
        let mut user_nodes = PageTally::new(self.user_cache.as_ref().map_or(0, |c| c.len()));
        for a in &authors {
            let shard = tweets_by_author.then(|| self.partitioner.user_shard(a.user));
            if let Some(shard) = shard {
                per_shard.add_n(shard, a.tweets, a.bytes);
            }
            let record_missed = match &self.user_cache {
                Some(cache) => {
                    let (node, hit) = cache.get(a.user as u64, USER_RECORD_BYTES, plan.weight);
                    if let Some(node) = node {
                        user_nodes.add(node, if hit { USER_RECORD_BYTES } else { 0 });
                    }
                    if !hit {
                        fills.users.push(a.user);
                    }
                    !hit
                }
                None => true,
            };
            if record_missed {
                let shard = shard.unwrap_or_else(|| self.partitioner.user_shard(a.user));
                per_shard.add(shard, USER_RECORD_BYTES);
            }
        }
        user_nodes.for_each(|node, k, bytes| plan.visit(Tier::UserCache, node, Access::Read, k, bytes));
        // The cache lookups (if any) are one stage; the shard reads of the misses the next.
        plan.end_stage();
        per_shard.for_each(|shard, k, bytes| self.read(plan, shard, k, bytes));
        plan.end_stage();
        response
    }

    /// Hints that the page's tweets and authors are about to be looked up in their caches: first
    /// each key's slot, then (the slots on their way) each slot's neighbours, so that the
    /// lookups' cache misses overlap rather than come one after another.
    fn prefetch_lookups(&self, page: &[TweetRef], authors: &[PageAuthor]) {
        if !L::HINTS {
            return;
        }
        if let Some(c) = &self.tweet_cache {
            page.iter().for_each(|t| c.prefetch(t.id));
        }
        if let Some(c) = &self.user_cache {
            authors.iter().for_each(|a| c.prefetch(a.user as u64));
        }
        if let Some(c) = &self.tweet_cache {
            page.iter().for_each(|t| c.prefetch_neighbours(t.id));
        }
        if let Some(c) = &self.user_cache {
            authors.iter().for_each(|a| c.prefetch_neighbours(a.user as u64));
        }
    }

    /// The images of a page, as the client fetches them after the response: from the image
    /// cache (a CDN edge) if there is one, the misses from the blob tier and filled back.
    fn view_images(&self, page: &[TweetRef], plan: &mut Plan) {
        if !page.iter().any(TweetRef::has_image) {
            return;
        }
        let mut per_blob = PageTally::new(self.topology.blob as usize);
        let mut reads = PageTally::new(self.image_cache.as_ref().map_or(0, |c| c.len()));
        let mut fills = PageTally::new(self.image_cache.as_ref().map_or(0, |c| c.len()));
        for t in page.iter().filter(|t| t.has_image()) {
            let Some(image) = self.tweet(t.id).map(|r| r.image as u64) else { continue };
            let hit = match &self.image_cache {
                Some(cache) => {
                    let (node, hit) = cache.get(t.id, image, plan.weight);
                    if let Some(node) = node {
                        reads.add(node, if hit { image } else { 0 });
                    }
                    if !hit && let Some(node) = cache.insert(t.id, image) {
                        fills.add(node, image);
                    }
                    hit
                }
                None => false,
            };
            if !hit {
                per_blob.add(self.blob_node(t.id), image);
            }
        }
        reads.for_each(|node, k, bytes| plan.visit(Tier::ImageCache, node, Access::Read, k, bytes));
        per_blob.for_each(|node, k, bytes| plan.visit(Tier::Blob, node, Access::Read, k, bytes));
        fills.for_each(|node, k, bytes| plan.visit(Tier::ImageCache, node, Access::Write, k, bytes));
        plan.end_stage();
    }

    /// Calls `found` for each tweet of a page, grouped by stripe of the tweet store (stripes in
    /// order, then page order): the order in which the tweet cache sees a page's lookups.
    fn in_stripe_order(&self, page: &[TweetRef], mut found: impl FnMut(&TweetRef)) {
        let stripes = self.tweets.len();
        if stripes <= 64 {
            let mut present = 0u64;
            for t in page {
                present |= 1 << self.stripe(t.id);
            }
            while present != 0 {
                let stripe = present.trailing_zeros() as usize;
                present &= present - 1;
                for t in page.iter().filter(|t| self.stripe(t.id) == stripe) {
                    found(t);
                }
            }
        } else {
            page.iter().for_each(found);
        }
    }

    fn fill_caches(&self, fills: &Fills, plan: &mut Plan) {
        if let Some(cache) = &self.tweet_cache
            && !fills.tweets.is_empty()
        {
            let mut per_node = PageTally::new(cache.len());
            for &(id, bytes) in &fills.tweets {
                if let Some(n) = cache.insert(id, bytes) {
                    per_node.add(n, bytes);
                }
            }
            per_node.for_each(|node, k, bytes| plan.visit(Tier::TweetCache, node, Access::Write, k, bytes));
        }
        if let Some(cache) = &self.user_cache
            && !fills.users.is_empty()
        {
            let mut per_node = PageTally::new(cache.len());
            for &u in &fills.users {
                if let Some(n) = cache.insert(u as u64, USER_RECORD_BYTES) {
                    per_node.add(n, USER_RECORD_BYTES);
                }
            }
            per_node.for_each(|node, k, bytes| plan.visit(Tier::UserCache, node, Access::Write, k, bytes));
        }
    }

    /// The home timeline of `user`: the newest `page_size` tweets of the accounts they follow.
    /// Pushed tweets come from the materialised timeline; pulled authors' tweets are merged in.
    pub fn home_timeline(&self, user: u32, page_size: u32, plan: &mut Plan, out: &mut Vec<u64>) {
        plan.clear();
        out.clear();
        self.app(plan, Access::Read);
        let page = page_size as usize;
        let mut candidates: SmallVec<[TweetRef; 64]> = SmallVec::new();
        let mut timeline_fill = None;

        // The materialised part, unless nothing is ever pushed.
        let materialised = self.fanout.materialises();
        if materialised {
            let user_shard = self.partitioner.user_shard(user);
            let stored = {
                // The newest `page` entries, oldest first.
                let home = lock(&self.homes[user as usize]);
                let (older, newer) = home.newest_slices(page);
                candidates.extend_from_slice(older);
                candidates.extend_from_slice(newer);
                home.len()
            };
            let found = candidates.len() as u32;
            let page_bytes = found as u64 * TIMELINE_ENTRY_BYTES;
            let hit = match &self.timeline_cache {
                Some(cache) => {
                    let (node, hit) = cache.get(user as u64, page_bytes, plan.weight);
                    if let Some(node) = node {
                        plan.visit(Tier::TimelineCache, node, Access::Read, found, if hit { page_bytes } else { 0 });
                        plan.end_stage();
                    }
                    if !hit {
                        timeline_fill = Some(stored as u64 * TIMELINE_ENTRY_BYTES);
                    }
                    hit
                }
                None => false,
            };
            if !hit {
                self.read(plan, user_shard, found, page_bytes);
                plan.end_stage();
            }
        }

        // The pulled part: the newest tweets of each followee whose tweets are not pushed.
        if self.fanout.pulls() {
            self.pull_into(user, page, &mut candidates, plan);
        }

        // Newest first. The entries come mostly in id order, already sorted more often than not
        // (then one pass checks it); an id determines its whole entry, so the order of equal ones
        // is immaterial.
        if !candidates.is_sorted_by_key(|t| t.id) {
            candidates.sort_unstable_by_key(|t| t.id);
        }
        candidates.dedup_by_key(|t| t.id);
        candidates.reverse();
        candidates.truncate(page);
        let mut fills = Fills::default();
        let response = self.hydrate(&candidates, plan, &mut fills);
        plan.visits[0].bytes = response;
        plan.begin_background();
        self.view_images(&candidates, plan);
        if let (Some(bytes), Some(cache)) = (timeline_fill, &self.timeline_cache) {
            let bytes = bytes.max(TIMELINE_ENTRY_BYTES);
            if let Some(node) = cache.insert(user as u64, bytes) {
                plan.visit(Tier::TimelineCache, node, Access::Write, 1, bytes);
            }
        }
        self.fill_caches(&fills, plan);
        plan.finish();
        out.extend(candidates.iter().map(|t| t.id));
    }

    /// The pulled part of a home timeline: the newest tweets of each followee of `user` whose
    /// tweets are not pushed, merged into `candidates`, and the index reads that costs.
    fn pull_into(&self, user: u32, page: usize, candidates: &mut SmallVec<[TweetRef; 64]>, plan: &mut Plan) {
        let followees = self.followees(user);
        let shards = self.topology.shards as usize;
        let mut per_shard: Tally<u32> = smallvec![0; shards];
        let mut heads: BinaryHeap<(TweetRef, u32, u32)> = BinaryHeap::new();
        for &f in &followees {
            if !self.fanout.pull(self.follower_count(f)) || (self.fanout.per_edge() && !self.fanout.pull_from(f, user))
            {
                continue;
            }
            per_shard[self.partitioner.user_shard(f) as usize] += 1;
            let store = lock(&self.tweets[self.user_stripe(f)]);
            let newest = self.newest[f as usize].load(Relaxed);
            if newest != NONE {
                heads.push((store.entry(newest as usize), f, store.get(newest as usize).prev));
            }
        }
        // Merge by id (time order), newest first, until the page is full.
        let mut pulled = 0u32;
        while let Some((tweet, f, prev)) = heads.pop() {
            candidates.push(tweet);
            pulled += 1;
            if pulled as usize >= page {
                break;
            }
            if prev != NONE {
                let store = lock(&self.tweets[self.user_stripe(f)]);
                heads.push((store.entry(prev as usize), f, store.get(prev as usize).prev));
            }
        }
        for (shard, &k) in per_shard.iter().enumerate() {
            if k > 0 {
                // Each followee's index yields at most a page of ids.
                self.read(plan, shard as u32, k, k as u64 * page as u64 * INDEX_ENTRY_BYTES);
            }
        }
        plan.end_stage();
    }

    /// The newest `page_size` tweets `user` posted. Without a tweet cache, when every tweet of
    /// the page lives on the user's own shard (user_hash), index and bodies are one read.
    pub fn user_timeline(&self, user: u32, page_size: u32, plan: &mut Plan, out: &mut Vec<u64>) {
        plan.clear();
        out.clear();
        self.app(plan, Access::Read);
        let mut page: SmallVec<[TweetRef; 64]> = SmallVec::new();
        self.own_tweets(user, page_size as usize, &mut page);
        out.extend(page.iter().map(|t| t.id));
        let shard = self.partitioner.user_shard(user);
        // The page's one author's record lives on the same shard: one read for all of it.
        let colocated = self.tweet_cache.is_none()
            && self.user_cache.is_none()
            && (self.partitioner.tweets_with_author()
                || page.iter().all(|t| self.partitioner.tweet_shard(t.id, user) == shard));
        let mut fills = Fills::default();
        let response = if colocated {
            let author = if page.is_empty() { 0 } else { USER_RECORD_BYTES };
            let bytes = page.iter().map(TweetRef::bytes).sum::<u64>() + author;
            self.read(plan, shard, page.len() as u32 + u32::from(author > 0), bytes);
            plan.end_stage();
            bytes
        } else {
            let index_bytes = page.len() as u64 * INDEX_ENTRY_BYTES;
            self.read(plan, shard, page.len() as u32, index_bytes);
            plan.end_stage();
            self.hydrate(&page, plan, &mut fills)
        };
        plan.visits[0].bytes = response;
        plan.begin_background();
        self.view_images(&page, plan);
        self.fill_caches(&fills, plan);
        plan.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_authors_in_order_of_first_appearance() {
        // Pages with few authors, with many that share buckets, and with more than 255.
        for (len, authors) in [(20, 7u32), (400, 300), (600, 40_000)] {
            let mut x = 99u64;
            let page: Vec<TweetRef> = (0..len)
                .map(|i| {
                    x = crate::seed::mix(x);
                    TweetRef::new(i, (x % authors as u64) as u32 * 97, (x >> 40) as u32 % 280, 0)
                })
                .collect();
            let mut list = SmallVec::new();
            page_authors(&page, &mut list);
            let mut naive: Vec<(u32, u32, u64)> = Vec::new();
            for t in &page {
                match naive.iter_mut().find(|a| a.0 == t.author) {
                    Some(a) => {
                        a.1 += 1;
                        a.2 += t.bytes();
                    }
                    None => naive.push((t.author, 1, t.bytes())),
                }
            }
            let got: Vec<(u32, u32, u64)> = list.iter().map(|a| (a.user, a.tweets, a.bytes)).collect();
            assert_eq!(got, naive, "a page of {len} tweets by up to {authors} authors");
        }
    }
}
