//! The tweet/timeline service: real in-memory state (tweets with Snowflake ids, per-user home
//! timelines, favourites, like counts, the follow graph, images as sizes in a blob tier) built
//! over the strategies it is handed ([`Config`]; `assembly` builds them from a scenario). Each
//! operation changes the state and returns a [`Plan`] of the resource visits it costs. The
//! service knows nothing of time beyond the timestamp it is handed, nothing of the scenario or
//! the model, and nothing of who drives it: the simulator from one thread, the live harness
//! from many. Every store is behind its own lock, of the family the type names (`locks`): a
//! `Service<Shared>` (mutexes) is `Sync`, a `Service<Local>` (borrow flags) belongs to one
//! thread and locks without atomic instructions.
//!
//! By concern: this file holds the state and the reads of it; `writes` posts (with the fan-out),
//! likes and follows; `pages` reads home and user timelines and hydrates them; `cache` is the
//! cache layers; `storage` the byte accounting; `plan` the visits an operation costs; `live` and
//! `warm` what the live harness and the engine need beyond the API.

mod cache;
#[cfg(feature = "test-hooks")]
mod corrupt;
mod heap;
mod history;
mod home;
mod live;
pub mod locks;
mod pages;
pub mod plan;
mod storage;
mod tweets;
mod users;
mod warm;
mod writes;

use smallvec::SmallVec;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use crate::graph::FollowGraph;
use crate::ids;
use crate::seed::{bucket, mix};
use crate::strategy::cache::CacheSpec;
use crate::strategy::{FanoutPolicy, Partitioner};
use crate::tier::{Tier, Topology};
use cache::CacheLayer;
pub use cache::CacheStats;
pub use heap::HeapBytes;
use home::Home;
use locks::Counter;
pub use locks::{Local, Lock, Locks, Shared};
pub use plan::{Access, Group, Plan, Visit};
pub use storage::{Kind, Storage};
use tweets::{NONE, TweetStripe};
use users::{Extras, FollowChanges, NO_CHANGES, current};

/// Bytes of a tweet record besides its text: id 8, author 8, time 8, like count 4, image ref 8.
pub const TWEET_META_BYTES: u64 = 36;
/// Bytes of one entry in a user's own tweet index (a tweet id).
pub const INDEX_ENTRY_BYTES: u64 = 8;
/// Bytes of one home-timeline entry: tweet id 8 + author id 8 + flags 4 (Twitter, 2012).
pub const TIMELINE_ENTRY_BYTES: u64 = 20;
/// Bytes of one side of a follow edge (a user id in a followee or follower list).
pub const EDGE_SIDE_BYTES: u64 = 8;
/// Bytes of a favourite (user id 8 + tweet id 8).
pub const FAVOURITE_BYTES: u64 = 16;
/// Bytes of a user record: id, name, email, last login.
pub const USER_RECORD_BYTES: u64 = 128;
/// Recipients per pipelined fan-out batch (Twitter, 2012).
pub const FANOUT_BATCH: u32 = 4096;
/// Per-shard or per-node tallies stay on the stack up to this many shards or nodes.
const INLINE: usize = 32;
type Tally<T> = SmallVec<[T; INLINE]>;

/// Milliseconds of history before simulated time 0 (preloaded tweets are spread over it).
pub const HISTORY_MS: u64 = 86_400_000;

/// A tweet as lists hold it: its id, with its author and text size, which never change, so
/// that hydrating a page (which shard holds each tweet, how many bytes it is) reads no tweet
/// record. (A home-timeline entry carries the author, as Twitter's 20-byte entries do.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct TweetRef {
    id: u64,
    author: u32,
    /// Text bytes, with [`IMAGE_FLAG`] set when the tweet has an image.
    text: u32,
}

/// The top bit of a list entry's text size: the tweet has an image (its size is in the record).
const IMAGE_FLAG: u32 = 1 << 31;

impl TweetRef {
    fn new(id: u64, author: u32, text_bytes: u32, image_bytes: u32) -> TweetRef {
        let flag = if image_bytes > 0 { IMAGE_FLAG } else { 0 };
        TweetRef { id, author, text: text_bytes.min(!IMAGE_FLAG) | flag }
    }

    /// Bytes of the tweet's record (as [`Tweet::bytes`]).
    #[inline]
    fn bytes(&self) -> u64 {
        TWEET_META_BYTES + (self.text & !IMAGE_FLAG) as u64
    }

    #[inline]
    fn has_image(&self) -> bool {
        self.text & IMAGE_FLAG != 0
    }
}

/// A tweet as the API returns it (its id is the key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TweetInfo {
    pub author: u32,
    pub text_bytes: u32,
    /// Size of the image in the blob tier; 0 for none.
    pub image_bytes: u32,
    pub likes: u32,
}

impl Counts {
    /// The counts since `before`.
    pub fn since(&self, before: &Counts) -> Counts {
        Counts {
            tweets: self.tweets - before.tweets,
            deliveries: self.deliveries - before.deliveries,
            likes: self.likes - before.likes,
            follows: self.follows - before.follows,
            unfollows: self.unfollows - before.unfollows,
        }
    }
}

/// The service's counters at one moment, to measure a window from.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub counts: Counts,
    pub timeline_cache: Option<CacheStats>,
    pub tweet_cache: Option<CacheStats>,
    pub user_cache: Option<CacheStats>,
    pub image_cache: Option<CacheStats>,
}

/// Counts kept for reconciliation and reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub tweets: u64,
    pub deliveries: u64,
    pub likes: u64,
    pub follows: u64,
    pub unfollows: u64,
}

/// What a service is built from: where its nodes are, its strategies, and its cache layers.
pub struct Config {
    /// The fleet's nodes: keys are placed on these, and a plan's visits name them.
    pub topology: Topology,
    /// The nodes simulated: the fleet's, or in a slice of it (see `scenario::slice`) 1/k of
    /// each tier's. Cache state is kept per simulated node (fleet node `n` by `n mod count`), and
    /// the engine folds a visit's node the same way, so that a request makes the visits it
    /// makes in the fleet and each simulated node carries what a real one carries.
    pub simulated: Topology,
    /// Entries a home timeline keeps before the oldest are trimmed.
    pub timeline_length: u32,
    /// How many of the newest entries of each home timeline are held in memory (at most
    /// `timeline_length`): a read returns no more than these. The others are counted (storage,
    /// cache fills) but not kept. A simulated run holds a page; the live harness, which
    /// reconciles whole timelines, holds them all.
    pub held_entries: u32,
    pub partitioner: Box<dyn Partitioner>,
    pub fanout: Box<dyn FanoutPolicy>,
    pub caches: Caches,
}

/// The cache layers in front of the shards and the blob tier; `None` where there is none.
#[derive(Clone, Debug, Default)]
pub struct Caches {
    pub timeline: Option<CacheSpec>,
    pub tweet: Option<CacheSpec>,
    pub user: Option<CacheSpec>,
    pub image: Option<CacheSpec>,
}

/// The service, its stores guarded as `L` says: [`Shared`] (the default) for the live harness's
/// threads, [`Local`] for the simulator's one (see `locks`).
pub struct Service<L: Locks = Shared> {
    topology: Topology,
    simulated: Topology,
    timeline_length: usize,
    /// Entries held of each home timeline (see [`Config::held_entries`]).
    held_entries: usize,
    graph: FollowGraph,
    /// Each user's newest tweet: its slot in the stripe of the tweet store that holds the
    /// user's tweets ([`NONE`] for none). Read and written under that stripe's lock.
    newest: Vec<AtomicU32>,
    /// Favourites and follow changes, for the few users who have them (see `users`).
    extras: Vec<L::Lock<Extras>>,
    /// Each user's home timeline (its count and newest entries), under a lock of its own: a
    /// fan-out touches only these. (Storage is counted at Twitter's 20 B per entry: tweet id,
    /// author id, flags.)
    homes: Vec<L::Lock<Home>>,
    /// Tweet records, striped by the id's worker bits so a tweet is found from its id alone;
    /// the worker is the author's shard's, so an author's tweets share a stripe.
    tweets: Vec<L::Lock<TweetStripe>>,
    ids: ids::IdGenerator,
    partitioner: Box<dyn Partitioner>,
    fanout: Box<dyn FanoutPolicy>,
    timeline_cache: Option<CacheLayer<L>>,
    tweet_cache: Option<CacheLayer<L>>,
    user_cache: Option<CacheLayer<L>>,
    image_cache: Option<CacheLayer<L>>,
    /// Bytes per kind (Kind as index) and shard (primary copies).
    storage: Vec<Vec<L::Counter>>,
    images: L::Counter,
    recent: L::Lock<VecDeque<u64>>,
    counts: L::Lock<Counts>,
}

#[inline]
fn lock<T: Send, M: Lock<T>>(m: &M) -> M::Guard<'_> {
    m.lock()
}

const RECENT_TWEETS: usize = 4096;

impl<L: Locks> Service<L> {
    /// Builds the service over a follow graph, with the strategies and caches it is handed
    /// (`assembly` builds them from a scenario).
    pub fn new(config: Config, graph: FollowGraph) -> Service<L> {
        let Config { topology, simulated, timeline_length, held_entries, partitioner, fanout, caches } = config;
        let shards = topology.shards;
        let users = graph.users();
        // A power of two, so that a tweet's stripe is its worker bits masked.
        let stripes = shards.min(ids::MAX_WORKERS).next_power_of_two();
        let svc = Service {
            topology,
            simulated,
            timeline_length: timeline_length as usize,
            held_entries: held_entries.min(timeline_length) as usize,
            newest: (0..users).map(|_| AtomicU32::new(NONE)).collect(),
            extras: (0..users::STRIPES).map(|_| Lock::new(Extras::default())).collect(),
            homes: (0..users).map(|_| Lock::new(Home::default())).collect(),
            tweets: (0..stripes).map(|_| Lock::new(TweetStripe::default())).collect(),
            ids: ids::IdGenerator::new(stripes),
            partitioner,
            fanout,
            timeline_cache: CacheLayer::new(&caches.timeline, simulated.timeline_cache),
            tweet_cache: CacheLayer::new(&caches.tweet, simulated.tweet_cache),
            user_cache: CacheLayer::new(&caches.user, simulated.user_cache),
            image_cache: CacheLayer::new(&caches.image, simulated.image_cache),
            storage: Kind::ALL.iter().map(|_| (0..shards).map(|_| L::Counter::default()).collect()).collect(),
            images: L::Counter::default(),
            recent: Lock::new(VecDeque::with_capacity(RECENT_TWEETS)),
            counts: Lock::new(Counts::default()),
            graph,
        };
        for u in 0..users {
            let shard = svc.partitioner.user_shard(u);
            svc.add_bytes(Kind::Users, shard, USER_RECORD_BYTES as i64);
            let sides = svc.graph.followees(u).len() as u64 + svc.graph.followers(u).len() as u64;
            svc.add_bytes(Kind::Graph, shard, (sides * EDGE_SIDE_BYTES) as i64);
        }
        svc
    }

    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The nodes simulated (see [`Config::simulated`]): the fleet's but in a slice.
    pub fn simulated(&self) -> Topology {
        self.simulated
    }

    pub fn graph(&self) -> &FollowGraph {
        &self.graph
    }

    pub fn users(&self) -> u32 {
        self.graph.users()
    }

    /// A read of `shard`: any of its replicas (the engine picks one when the visit is sent, as
    /// the read policy says).
    #[inline]
    fn read(&self, plan: &mut Plan, shard: u32, items: u32, bytes: u64) {
        let group = Group { first: shard, choices: self.topology.replication };
        plan.visit_any(Tier::Shard, group, Access::Read, items, bytes);
    }

    /// The node holding replica `r` of `shard`: the next nodes around the ring.
    #[inline]
    fn replica_node(&self, shard: u32, r: u32) -> u32 {
        let n = shard + r;
        if n >= self.topology.shards { n - self.topology.shards } else { n }
    }

    /// Writes go to every replica of the shard, in parallel.
    #[inline]
    fn write_all(&self, plan: &mut Plan, shard: u32, items: u32, bytes: u64) {
        for r in 0..self.topology.replication {
            plan.visit(Tier::Shard, self.replica_node(shard, r), Access::Write, items, bytes);
        }
    }

    fn app(&self, plan: &mut Plan, access: Access) {
        plan.visit_any(Tier::App, Group { first: 0, choices: self.topology.app }, access, 1, 0);
        plan.end_stage();
    }

    /// The side tables' stripe holding `user`'s favourites and follow changes, locked.
    #[inline]
    fn extras(&self, user: u32) -> <L::Lock<Extras> as Lock<Extras>>::Guard<'_> {
        lock(&self.extras[users::stripe(user)])
    }

    /// Calls `f` with `user`'s follow changes (none for most users), under their stripe's lock.
    #[inline]
    fn with_changes<T>(&self, user: u32, f: impl FnOnce(&FollowChanges) -> T) -> T {
        f(self.extras(user).changes.get(&user).unwrap_or(NO_CHANGES))
    }

    /// The number of followers a user has now.
    pub fn follower_count(&self, user: u32) -> u32 {
        self.with_changes(user, |c| {
            self.graph.follower_count(user) + c.added_followers.len() as u32 - c.removed_followers.len() as u32
        })
    }

    fn followers_into(&self, user: u32, out: &mut Vec<u32>) {
        self.with_changes(user, |c| current(self.graph.followers(user), &c.removed_followers, &c.added_followers, out));
    }

    /// The users `user` follows now.
    pub fn followees(&self, user: u32) -> Vec<u32> {
        let mut out = Vec::new();
        self.with_changes(user, |c| {
            current(self.graph.followees(user), &c.removed_followees, &c.added_followees, &mut out)
        });
        out
    }

    pub fn is_following(&self, a: u32, b: u32) -> bool {
        self.with_changes(a, |c| self.follows_with(c, a, b))
    }

    /// Whether `a` (whose follow changes `c` are) follows `b`.
    fn follows_with(&self, c: &FollowChanges, a: u32, b: u32) -> bool {
        c.added_followees.binary_search(&b).is_ok()
            || (self.graph.followees(a).binary_search(&b).is_ok() && c.removed_followees.binary_search(&b).is_err())
    }

    /// The stripe of the tweet store holding `id` (its worker bits; stripes are a power of two).
    #[inline]
    fn stripe(&self, id: u64) -> usize {
        ids::worker(id) as usize & (self.tweets.len() - 1)
    }

    /// The blob node that stores the image of tweet `id`.
    #[inline]
    fn blob_node(&self, id: u64) -> u32 {
        bucket(mix(id), self.topology.blob)
    }

    fn tweet(&self, id: u64) -> Option<tweets::Tweet> {
        let store = lock(&self.tweets[self.stripe(id)]);
        store.slot(id).map(|slot| *store.get(slot))
    }

    /// The stripe of the tweet store holding `user`'s tweets (their shard's worker bits).
    #[inline]
    fn user_stripe(&self, user: u32) -> usize {
        self.partitioner.user_shard(user) as usize & (self.tweets.len() - 1)
    }

    /// The newest `n` tweets `user` posted, newest first, into `out`.
    fn own_tweets(&self, user: u32, n: usize, out: &mut impl Extend<TweetRef>) {
        let store = lock(&self.tweets[self.user_stripe(user)]);
        out.extend(store.chain(self.newest[user as usize].load(Relaxed), n));
    }

    /// One of the most recent tweets (up to 4,096 kept), chosen by `pick`; for like targets.
    pub fn recent_tweet(&self, pick: u64) -> Option<u64> {
        let recent = lock(&self.recent);
        (!recent.is_empty()).then(|| recent[(pick % recent.len() as u64) as usize])
    }

    /// A followee of `user` chosen by `pick`, for unfollow targets.
    pub fn some_followee(&self, user: u32, pick: u64) -> Option<u32> {
        let unchanged = self.with_changes(user, |c| {
            c.removed_followees.is_empty().then(|| {
                let base = self.graph.followees(user);
                let n = (base.len() + c.added_followees.len()) as u64;
                (n > 0).then(|| {
                    let i = (pick % n) as usize;
                    if i < base.len() { base[i] } else { c.added_followees[i - base.len()] }
                })
            })
        });
        if let Some(chosen) = unchanged {
            return chosen;
        }
        let f = self.followees(user);
        (!f.is_empty()).then(|| f[(pick % f.len() as u64) as usize])
    }

    /// The home timeline of a user as held in memory, newest first (tweet ids): all of it
    /// when the service holds whole timelines (`Config::held_entries`), else the newest part.
    pub fn stored_timeline(&self, user: u32) -> Vec<u64> {
        lock(&self.homes[user as usize]).newest(usize::MAX).map(|e| e.id).collect()
    }

    /// A stored tweet: author, text and image sizes, like count.
    pub fn tweet_info(&self, tweet: u64) -> Option<TweetInfo> {
        self.tweet(tweet).map(|t| TweetInfo {
            author: t.author,
            text_bytes: t.text,
            image_bytes: t.image,
            likes: t.likes,
        })
    }

    /// The tweets `user` likes, sorted by id.
    pub fn favourites(&self, user: u32) -> Vec<u64> {
        self.extras(user).favourites.get(&user).cloned().unwrap_or_default()
    }

    /// The ids of the tweets `user` posted, oldest first.
    pub fn tweets_of(&self, user: u32) -> Vec<u64> {
        let mut own = Vec::new();
        self.own_tweets(user, usize::MAX, &mut own);
        own.iter().rev().map(|t| t.id).collect()
    }

    /// Up to about `max` stored tweets as (id, author), taken evenly over the users.
    pub fn tweet_sample(&self, max: usize) -> Vec<(u64, u32)> {
        let users = self.users() as usize;
        let step = (users / max.max(1)).max(1);
        let mut out = Vec::new();
        let mut own = SmallVec::<[TweetRef; 4]>::new();
        for u in (0..users).step_by(step) {
            own.clear();
            self.own_tweets(u as u32, 4, &mut own);
            out.extend(own.iter().map(|t| (t.id, u as u32)));
            if out.len() >= max {
                break;
            }
        }
        out
    }

    /// Of the follow graph's edges (as built, before the run's follows and unfollows), the
    /// fraction along which tweets are pushed.
    pub fn pushed_edge_share(&self) -> f64 {
        let edges = self.graph.edges();
        if edges == 0 {
            return 0.0;
        }
        let mut pushed = 0u64;
        for a in 0..self.users() {
            let followers = self.graph.followers(a);
            if !self.fanout.push(followers.len() as u32) {
                continue;
            }
            pushed += if self.fanout.per_edge() {
                followers.iter().filter(|&&f| self.fanout.push_to(a, f)).count() as u64
            } else {
                followers.len() as u64
            };
        }
        pushed as f64 / edges as f64
    }

    /// The partitioner in use.
    pub fn partitioner(&self) -> &dyn Partitioner {
        &*self.partitioner
    }

    /// The fleet nodes holding `user`'s own data, per tier (`u32::MAX` where no node does):
    /// its shard (the first of its replicas), its home timeline's timeline-cache node and its
    /// record's user-cache node. In a slice, a user kept whole makes its real hot spot on these.
    pub fn home_nodes(&self, user: u32) -> [u32; Tier::ALL.len()] {
        let mut nodes = [u32::MAX; Tier::ALL.len()];
        nodes[Tier::Shard.index()] = self.partitioner.user_shard(user);
        if let Some(c) = &self.timeline_cache {
            nodes[Tier::TimelineCache.index()] = c.placed(user as u64);
        }
        if let Some(c) = &self.user_cache {
            nodes[Tier::UserCache.index()] = c.placed(user as u64);
        }
        nodes
    }

    pub fn counts(&self) -> Counts {
        *lock(&self.counts)
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            counts: self.counts(),
            timeline_cache: self.cache_stats(Tier::TimelineCache),
            tweet_cache: self.cache_stats(Tier::TweetCache),
            user_cache: self.cache_stats(Tier::UserCache),
            image_cache: self.cache_stats(Tier::ImageCache),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_sync<T: Sync + Send>() {}

    #[test]
    fn service_is_shareable_across_threads() {
        assert_sync::<Service>();
    }
}
