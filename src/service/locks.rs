//! How the service's stores are guarded, chosen by type: [`Shared`] puts each store behind a
//! mutex and counts bytes in atomics, so that the live harness's tasks can share one service;
//! [`Local`] puts each behind a borrow flag and counts in plain cells, for the simulator's one
//! thread. Both run the same code over the same state and give the same results.
//!
//! Why two: an uncontended mutex costs a locked instruction to take and another to release, and
//! on x86 each is a full fence, which waits for every memory access before it. A simulated
//! request takes some forty locks (a cache node per lookup), and mostly waits on memory: the
//! fences kept its cache misses from overlapping. A [`Local`] service is not `Sync` (its
//! `RefCell`s and `Cell`s are not), so the compiler refuses to share it between threads; no
//! `unsafe` is needed.

use std::cell::{Cell, RefCell, RefMut};
use std::ops::DerefMut;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};

/// A family of guards for the service's stores.
pub trait Locks: 'static {
    /// A store's guard.
    type Lock<T: Send>: Lock<T>;
    /// A byte or event counter that any holder of the service may add to.
    type Counter: Counter;
    /// Whether the service gives the processor memory hints (`warm`, the cache layers'
    /// prefetches): worth it only where taking a lock to find the memory costs nothing.
    const HINTS: bool;
}

/// Exclusive access to a value through a shared reference.
pub trait Lock<T>: Send {
    type Guard<'a>: DerefMut<Target = T>
    where
        Self: 'a;
    fn new(value: T) -> Self;
    /// The value, held until the guard is dropped. A `Shared` lock poisoned by a panic elsewhere
    /// is taken all the same (the state it guards is plain data); taking a `Local` one that is
    /// already held is a bug, and panics.
    fn lock(&self) -> Self::Guard<'_>;
    /// The value, through the only reference there is (no locking).
    fn get_mut(&mut self) -> &mut T;
}

/// A counter added to through a shared reference.
pub trait Counter: Send + Default {
    /// Adds `delta` (wrapping: a negative change is its two's complement).
    fn add(&self, delta: u64);
    fn get(&self) -> u64;
}

/// Mutexes and atomics: a service many threads share (the live harness).
pub struct Shared;

/// Borrow flags and cells: a service one thread owns (the simulator).
pub struct Local;

impl Locks for Shared {
    type Lock<T: Send> = Mutex<T>;
    type Counter = AtomicU64;
    const HINTS: bool = false;
}

impl Locks for Local {
    type Lock<T: Send> = RefCell<T>;
    type Counter = Cell<u64>;
    const HINTS: bool = true;
}

impl<T: Send> Lock<T> for Mutex<T> {
    type Guard<'a>
        = MutexGuard<'a, T>
    where
        Self: 'a;
    fn new(value: T) -> Self {
        Mutex::new(value)
    }
    #[inline]
    fn lock(&self) -> MutexGuard<'_, T> {
        Mutex::lock(self).unwrap_or_else(|e| e.into_inner())
    }
    fn get_mut(&mut self) -> &mut T {
        Mutex::get_mut(self).unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Send> Lock<T> for RefCell<T> {
    type Guard<'a>
        = RefMut<'a, T>
    where
        Self: 'a;
    fn new(value: T) -> Self {
        RefCell::new(value)
    }
    #[inline]
    fn lock(&self) -> RefMut<'_, T> {
        self.borrow_mut()
    }
    fn get_mut(&mut self) -> &mut T {
        RefCell::get_mut(self)
    }
}

impl Counter for AtomicU64 {
    #[inline]
    fn add(&self, delta: u64) {
        self.fetch_add(delta, Relaxed);
    }
    #[inline]
    fn get(&self) -> u64 {
        self.load(Relaxed)
    }
}

impl Counter for Cell<u64> {
    #[inline]
    fn add(&self, delta: u64) {
        self.set(self.get().wrapping_add(delta));
    }
    #[inline]
    fn get(&self) -> u64 {
        Cell::get(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_families_lock_and_count_alike() {
        fn exercise<L: Locks>() -> (u32, u64) {
            let lock = <L::Lock<u32> as Lock<u32>>::new(1);
            *lock.lock() += 2;
            let counter = L::Counter::default();
            counter.add(10);
            counter.add(-3i64 as u64);
            let value = *lock.lock();
            (value, counter.get())
        }
        assert_eq!(exercise::<Shared>(), (3, 7));
        assert_eq!(exercise::<Local>(), (3, 7));
    }
}
