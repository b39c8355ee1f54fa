//! Tiers and topology: the kinds of node a request visits, and how many nodes each has.
//!
//! The scenario resolves its topology once (`Scenario::topology`); the service places data on
//! it, the engine queues visits on its nodes, the recorder and the report count per node.
//! A leaf module: it uses nothing of the crate's, and every layer may use it.

use serde::Serialize;

/// The kinds of node a visit can go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Tier {
    App,
    Shard,
    TimelineCache,
    TweetCache,
    Blob,
    Fanout,
    /// User records (author profiles hydrated with a page).
    UserCache,
    /// Images: a CDN edge in front of the blob tier.
    ImageCache,
}

impl Tier {
    pub const ALL: [Tier; 8] = [
        Tier::App,
        Tier::Shard,
        Tier::TimelineCache,
        Tier::TweetCache,
        Tier::Blob,
        Tier::Fanout,
        Tier::UserCache,
        Tier::ImageCache,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tier::App => "app",
            Tier::Shard => "shard",
            Tier::TimelineCache => "cache.timeline",
            Tier::TweetCache => "cache.tweet",
            Tier::Blob => "blob",
            Tier::Fanout => "fanout",
            Tier::UserCache => "cache.user",
            Tier::ImageCache => "cache.image",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the tier is a cache layer.
    pub fn is_cache(self) -> bool {
        matches!(self, Tier::TimelineCache | Tier::TweetCache | Tier::UserCache | Tier::ImageCache)
    }
}

/// How many nodes each tier has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Topology {
    pub app: u32,
    pub shards: u32,
    pub replication: u32,
    pub timeline_cache: u32,
    pub tweet_cache: u32,
    pub user_cache: u32,
    pub image_cache: u32,
    pub blob: u32,
    pub fanout: u32,
}

impl Topology {
    pub fn nodes(&self, tier: Tier) -> u32 {
        match tier {
            Tier::App => self.app,
            Tier::Shard => self.shards,
            Tier::TimelineCache => self.timeline_cache,
            Tier::TweetCache => self.tweet_cache,
            Tier::UserCache => self.user_cache,
            Tier::ImageCache => self.image_cache,
            Tier::Blob => self.blob,
            Tier::Fanout => self.fanout,
        }
    }
}
