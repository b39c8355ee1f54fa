//! Storage accounting: bytes held by kind and by shard (primary copies; replicas multiply),
//! kept as counters updated by every write, and read back as a [`Storage`].

use super::{Counter, Locks, Service};

/// What storage holds, by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Tweets,
    Timelines,
    Graph,
    Likes,
    Images,
    Users,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Tweets, Kind::Timelines, Kind::Graph, Kind::Likes, Kind::Images, Kind::Users];
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tweets => "tweets",
            Kind::Timelines => "timelines",
            Kind::Graph => "graph",
            Kind::Likes => "likes",
            Kind::Images => "images",
            Kind::Users => "users",
        }
    }
}

/// Bytes stored, by kind and by shard (primary copies; replicas multiply).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Storage {
    pub by_kind: Vec<(Kind, u64)>,
    pub by_shard: Vec<u64>,
    pub total_bytes: u64,
    pub replicated_bytes: u64,
}

impl<L: Locks> Service<L> {
    #[inline]
    pub(super) fn add_bytes(&self, kind: Kind, shard: u32, delta: i64) {
        self.storage[kind as usize][shard as usize].add(delta as u64);
    }

    pub fn storage(&self) -> Storage {
        let shards = self.topology.shards as usize;
        let mut by_shard = vec![0u64; shards];
        let mut by_kind = Vec::new();
        for kind in Kind::ALL {
            let total: u64 = if kind == Kind::Images {
                self.images.get()
            } else {
                let mut t = 0;
                for (s, b) in self.storage[kind as usize].iter().enumerate() {
                    let b = b.get();
                    by_shard[s] += b;
                    t += b;
                }
                t
            };
            by_kind.push((kind, total));
        }
        let sharded: u64 = by_shard.iter().sum();
        let images = self.images.get();
        Storage {
            by_kind,
            by_shard,
            total_bytes: sharded + images,
            replicated_bytes: sharded * self.topology.replication as u64 + images,
        }
    }
}
