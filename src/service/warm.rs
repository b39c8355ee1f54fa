//! Hints that a request is coming: the engine knows its next arrivals before it runs them (the
//! operation stream does not depend on the simulation), and a simulated request mostly waits
//! on memory, above all for the newest entries of a home timeline (a random user's, far from
//! any cache). A hint asks the processor to start loading what the request will read, so the
//! load overlaps the events that run before it. Hints change no state and no result; where the
//! processor has no prefetch instruction they do nothing.

use super::{Locks, Service, lock};
use crate::prefetch::prefetch;

impl<L: Locks> Service<L> {
    /// A request by `user` is coming soon: fetch the lock and header of the state it reads
    /// first (its home timeline for a home-timeline read, else its newest tweet's slot).
    pub fn warm_user(&self, user: u32, home: bool) {
        if !L::HINTS {
            return;
        }
        if home {
            if let Some(h) = self.homes.get(user as usize) {
                prefetch(h);
            }
        } else if let Some(u) = self.newest.get(user as usize) {
            prefetch(u);
        }
    }

    /// A home-timeline read of `page` entries by `user` is next: fetch those entries (the lock
    /// and header should be cached already, see [`Service::warm_user`]).
    pub fn warm_home_page(&self, user: u32, page: u32) {
        if !L::HINTS {
            return;
        }
        let Some(home) = self.homes.get(user as usize) else { return };
        let home = lock(home);
        let (first, second) = home.newest_slices(page as usize);
        // Four 16-byte entries to a 64-byte cache line.
        for entries in [first, second] {
            for line in entries.chunks(4) {
                prefetch(line.as_ptr());
            }
        }
    }
}
