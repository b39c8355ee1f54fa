//! What the service's state costs this process in memory, by kind: heap bytes from the
//! capacities of its stores (the allocator's own overhead not counted). Not the simulated
//! storage, which `storage` accounts for; not the cache layers, whose policies keep their
//! own structures. `examples/memory.rs` sets these beside what the allocator holds in all;
//! the memory guard (`scenario::resolve::memory`) estimates them before a run.

use super::{Home, Locks, Service, lock};

/// Heap bytes of the service's state by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapBytes {
    /// The follow graph: both directions' CSR arrays.
    pub graph: u64,
    /// The home timelines: a lock and ring header per user, and the entries held.
    pub homes: u64,
    /// The tweet store: an id and a record per tweet.
    pub tweets: u64,
    /// Per user besides: the slot of each user's newest tweet, and the side tables of
    /// favourites and follow changes.
    pub users: u64,
}

impl HeapBytes {
    pub fn total(&self) -> u64 {
        self.graph + self.homes + self.tweets + self.users
    }
}

impl<L: Locks> Service<L> {
    /// Heap bytes of the state by kind (locks each store in turn; for measurement).
    pub fn heap_bytes(&self) -> HeapBytes {
        let homes = self.homes.capacity() * size_of::<L::Lock<Home>>()
            + self.homes.iter().map(|h| lock(h).heap_bytes()).sum::<usize>();
        let tweets = self.tweets.iter().map(|s| lock(s).heap_bytes()).sum::<usize>();
        let users =
            self.newest.capacity() * size_of::<u32>() + self.extras.iter().map(|e| lock(e).heap_bytes()).sum::<usize>();
        HeapBytes { graph: self.graph.memory_bytes(), homes: homes as u64, tweets: tweets as u64, users: users as u64 }
    }
}
