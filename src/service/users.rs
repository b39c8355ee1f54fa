//! What few users have beyond the graph, their tweets and their home timeline: favourites, and
//! follow changes since the graph was built. Most users have neither, so these live in maps
//! beside the state (in stripes by user id, each under a lock), not in a record per user.

use rustc_hash::FxHashMap;

/// Stripes of the side tables (a power of two): enough that concurrent workers rarely meet.
pub(super) const STRIPES: usize = 64;

/// The stripe holding `user`'s favourites and follow changes.
#[inline]
pub(super) fn stripe(user: u32) -> usize {
    user as usize & (STRIPES - 1)
}

/// One stripe of the side tables.
#[derive(Default)]
pub(super) struct Extras {
    /// Liked tweet ids, each list sorted; users without favourites have no entry.
    pub(super) favourites: FxHashMap<u32, Vec<u64>>,
    /// Follow changes since the graph was built; users without any have no entry.
    pub(super) changes: FxHashMap<u32, FollowChanges>,
}

/// A user's follow changes since the graph was built, each list sorted.
#[derive(Default)]
pub(super) struct FollowChanges {
    pub(super) added_followees: Vec<u32>,
    pub(super) removed_followees: Vec<u32>,
    pub(super) added_followers: Vec<u32>,
    pub(super) removed_followers: Vec<u32>,
}

impl FollowChanges {
    /// No change in force (the entry can go).
    pub(super) fn is_empty(&self) -> bool {
        self.added_followees.is_empty()
            && self.removed_followees.is_empty()
            && self.added_followers.is_empty()
            && self.removed_followers.is_empty()
    }

    /// Heap bytes of the lists.
    fn heap_bytes(&self) -> usize {
        (self.added_followees.capacity()
            + self.removed_followees.capacity()
            + self.added_followers.capacity()
            + self.removed_followers.capacity())
            * size_of::<u32>()
    }
}

impl Extras {
    /// Heap bytes of the stripe: the maps' tables (hashbrown's buckets, one control byte each)
    /// and the lists they hold.
    pub(super) fn heap_bytes(&self) -> usize {
        fn table<K, V>(m: &FxHashMap<K, V>) -> usize {
            let cap = m.capacity();
            let buckets = if cap == 0 {
                0
            } else if cap < 8 {
                (cap + 1).next_power_of_two()
            } else {
                (cap * 8 / 7).next_power_of_two()
            };
            buckets * (size_of::<(K, V)>() + 1)
        }
        table(&self.favourites)
            + table(&self.changes)
            + self.favourites.values().map(|f| f.capacity() * size_of::<u64>()).sum::<usize>()
            + self.changes.values().map(FollowChanges::heap_bytes).sum::<usize>()
    }
}

/// Calls `f` on `user`'s entry of `changes` (made if missing, dropped if left empty).
pub(super) fn edit_changes<T>(
    changes: &mut FxHashMap<u32, FollowChanges>,
    user: u32,
    f: impl FnOnce(&mut FollowChanges) -> T,
) -> T {
    let entry = changes.entry(user).or_default();
    let out = f(entry);
    if entry.is_empty() {
        changes.remove(&user);
    }
    out
}

/// The follow changes of a user, or none.
pub(super) const NO_CHANGES: &FollowChanges = &FollowChanges {
    added_followees: Vec::new(),
    removed_followees: Vec::new(),
    added_followers: Vec::new(),
    removed_followers: Vec::new(),
};

/// A follow list as it is now: the graph's list without the removed users (sorted), then the
/// added ones.
pub(super) fn current(base: &[u32], removed: &[u32], added: &[u32], out: &mut Vec<u32>) {
    out.clear();
    if removed.is_empty() {
        out.extend_from_slice(base);
    } else {
        out.extend(base.iter().filter(|u| removed.binary_search(u).is_err()));
    }
    out.extend_from_slice(added);
}

/// Sorted-list set operations for the small follow-change lists.
pub(super) fn set_insert(v: &mut Vec<u32>, x: u32) {
    if let Err(i) = v.binary_search(&x) {
        v.insert(i, x);
    }
}

pub(super) fn set_remove(v: &mut Vec<u32>, x: u32) {
    if let Ok(i) = v.binary_search(&x) {
        v.remove(i);
    }
}
