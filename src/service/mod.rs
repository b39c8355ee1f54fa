//! The tweet/timeline service: real in-memory state (tweets with Snowflake ids, per-user home
//! timelines, favourites, like counts, the follow graph, images as sizes in a blob tier) built
//! from the strategies a scenario names. Each operation changes the state and returns a
//! [`Plan`] of the resource visits it costs. The service knows nothing of time beyond the
//! timestamp it is handed, and nothing of who drives it: the simulator from one thread, the
//! live harness from many (every store is behind its own lock, so the service is `Sync`).

#[cfg(feature = "test-hooks")]
mod corrupt;
mod live;
pub mod plan;
mod warm;

use rustc_hash::FxHashMap;
use smallvec::{SmallVec, smallvec};
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use crate::graph::FollowGraph;
use crate::ids;
use crate::seed::{bucket, mix};
use crate::strategy::cache::{self, Cache, CacheSpec};
use crate::strategy::{FanoutPolicy, Partitioner};
use crate::tier::{Tier, Topology};
pub use plan::{Access, Group, Plan, Visit};

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
    // A 256-bit filter of the authors seen answers most "new author?" questions without
    // scanning the list.
    let mut seen = [0u64; 4];
    for t in page {
        let bit = (t.author.wrapping_mul(0x9E37_79B9) >> 24) as usize;
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        let known = if seen[word] & mask == 0 { None } else { list.iter_mut().position(|a| a.user == t.author) };
        match known {
            Some(i) => {
                list[i].tweets += 1;
                list[i].bytes += t.bytes();
            }
            None => {
                seen[word] |= mask;
                list.push(PageAuthor { user: t.author, tweets: 1, bytes: t.bytes() });
            }
        }
    }
}

/// Milliseconds of history before simulated time 0 (preloaded tweets are spread over it).
pub const HISTORY_MS: u64 = 86_400_000;

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

#[derive(Clone, Copy, Debug)]
struct Tweet {
    author: u32,
    text: u32,
    image: u32,
    likes: u32,
}

impl Tweet {
    fn bytes(&self) -> u64 {
        TWEET_META_BYTES + self.text as u64
    }
}

/// A tweet as lists hold it: its id, with its author and text size, which never change, so
/// that hydrating a page (which shard holds each tweet, how many bytes it is) reads no tweet
/// record. (A home-timeline entry carries the author, as Twitter's 20-byte entries do.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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

/// What a page read leaves to fill in the background: tweets (id, bytes) and user records
/// that missed their caches.
#[derive(Default)]
struct Fills {
    tweets: Vec<(u64, u64)>,
    users: SmallVec<[u32; 32]>,
}

/// One stripe of the tweet store: records in posting order, and an index from id to slot
/// for lookups by id alone (likes).
#[derive(Default)]
struct TweetStripe {
    records: Vec<Tweet>,
    index: FxHashMap<u64, u32>,
}

#[derive(Default)]
struct UserState {
    /// Own tweets, oldest first.
    tweets: Vec<TweetRef>,
    /// Liked tweet ids, sorted.
    favourites: Vec<u64>,
    /// Follow changes since the graph was built, each list sorted.
    added_followees: Vec<u32>,
    removed_followees: Vec<u32>,
    added_followers: Vec<u32>,
    removed_followers: Vec<u32>,
}

/// One node of a cache layer: its policy, and what it counted, under the node's lock (so that a
/// lookup changes no shared counter of its own).
struct CacheNode {
    cache: Box<dyn Cache>,
    /// Hits, misses and evictions here (`bytes` unused: the policy holds that).
    counts: CacheStats,
}

impl CacheNode {
    /// A lookup of `bytes` bytes hit or missed here.
    #[inline]
    fn count(&mut self, hit: bool, bytes: u64) {
        let c = &mut self.counts;
        if hit {
            c.hits += 1;
            c.hit_bytes += bytes;
        } else {
            c.misses += 1;
            c.miss_bytes += bytes;
        }
    }
}

/// A cache layer: its nodes, and which of them are down.
struct CacheLayer {
    nodes: Vec<Mutex<CacheNode>>,
    /// Nodes that are down (a fault): their keys miss and nothing is stored on them.
    down: Vec<AtomicBool>,
    spec: CacheSpec,
}

impl CacheLayer {
    fn new(spec: &Option<CacheSpec>) -> Option<CacheLayer> {
        let spec = spec.as_ref()?;
        let nodes = (0..spec.nodes)
            .map(|_| {
                let cache = cache::build(spec.policy, spec.capacity_per_node)?;
                Some(Mutex::new(CacheNode { cache, counts: CacheStats::default() }))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CacheLayer { nodes, down: (0..spec.nodes).map(|_| AtomicBool::new(false)).collect(), spec: spec.clone() })
    }

    #[inline]
    fn node(&self, key: u64) -> u32 {
        bucket(mix(key ^ 0x9e37_79b9_7f4a_7c15), self.nodes.len() as u32)
    }

    /// Whether node `n` is up.
    #[inline]
    fn is_up(&self, n: u32) -> bool {
        !self.down[n as usize].load(Relaxed)
    }

    /// The node of `key`, unless it is down.
    #[inline]
    fn live_node(&self, key: u64) -> Option<u32> {
        let n = self.node(key);
        self.is_up(n).then_some(n)
    }

    /// Looks up `key`, whose value is `bytes` long: its node (`None` when the node is down, so
    /// nothing is visited) and whether it hit. A down node counts as a miss.
    fn get(&self, key: u64, bytes: u64) -> (Option<u32>, bool) {
        let n = self.node(key);
        let mut node = lock(&self.nodes[n as usize]);
        let up = self.is_up(n);
        let hit = up && node.cache.get(key);
        node.count(hit, bytes);
        (up.then_some(n), hit)
    }

    /// Counts, per node, how many of `keys` it is up and holds (`per_node[n]`), without
    /// touching what the policies keep. The keys are grouped by node first, so that each node
    /// is locked once rather than once per key (a fan-out checks every follower).
    fn count_held(&self, keys: &[u32], per_node: &mut [u32]) {
        let mut by_node: Vec<(u32, u32)> = keys.iter().map(|&k| (self.node(k as u64), k)).collect();
        by_node.sort_unstable_by_key(|&(n, _)| n);
        for group in by_node.chunk_by(|a, b| a.0 == b.0) {
            let n = group[0].0;
            if self.is_up(n) {
                let node = lock(&self.nodes[n as usize]);
                per_node[n as usize] += group.iter().filter(|&&(_, k)| node.cache.contains(k as u64)).count() as u32;
            }
        }
    }

    /// Stores `key`; returns the node, or `None` when it is down.
    fn insert(&self, key: u64, bytes: u64) -> Option<u32> {
        let n = self.live_node(key)?;
        let mut node = lock(&self.nodes[n as usize]);
        node.counts.evictions += node.cache.insert(key, bytes);
        Some(n)
    }

    /// Empties nodes `first..first + count` (a restart or a flush).
    fn flush(&self, first: u32, count: u32) {
        for n in first..first + count {
            if let Some(fresh) = cache::build(self.spec.policy, self.spec.capacity_per_node) {
                lock(&self.nodes[n as usize]).cache = fresh;
            }
        }
    }

    fn set_down(&self, first: u32, count: u32, down: bool) {
        for n in first..first + count {
            self.down[n as usize].store(down, Relaxed);
        }
    }

    /// The layer's counts: its nodes' summed.
    fn stats(&self) -> CacheStats {
        let mut total = CacheStats::default();
        for node in &self.nodes {
            let node = lock(node);
            let c = &node.counts;
            total.hits += c.hits;
            total.misses += c.misses;
            total.evictions += c.evictions;
            total.hit_bytes += c.hit_bytes;
            total.miss_bytes += c.miss_bytes;
            total.bytes += node.cache.bytes();
        }
        total
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

/// Hits, misses, evictions and bytes held by one cache layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub bytes: u64,
    /// Bytes the hits served: what the tier behind did not have to.
    pub hit_bytes: u64,
    /// Bytes the misses left to the tier behind.
    pub miss_bytes: u64,
}

impl CacheStats {
    /// The counts since `before` (bytes held stay as they are now).
    pub fn since(&self, before: &CacheStats) -> CacheStats {
        CacheStats {
            hits: self.hits - before.hits,
            misses: self.misses - before.misses,
            evictions: self.evictions - before.evictions,
            bytes: self.bytes,
            hit_bytes: self.hit_bytes - before.hit_bytes,
            miss_bytes: self.miss_bytes - before.miss_bytes,
        }
    }
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

/// Bytes stored, by kind and by shard (primary copies; replicas multiply).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Storage {
    pub by_kind: Vec<(Kind, u64)>,
    pub by_shard: Vec<u64>,
    pub total_bytes: u64,
    pub replicated_bytes: u64,
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
    pub topology: Topology,
    /// Entries a home timeline keeps before the oldest are trimmed.
    pub timeline_length: u32,
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

pub struct Service {
    topology: Topology,
    timeline_length: usize,
    graph: FollowGraph,
    users: Vec<Mutex<UserState>>,
    /// Each user's materialised home timeline, oldest first, at most `timeline_length`
    /// entries, under a lock of its own: a fan-out touches only these. (Storage is counted at
    /// Twitter's 20 B per entry: tweet id, author id, flags.)
    homes: Vec<Mutex<VecDeque<TweetRef>>>,
    /// Tweet records, striped by the id's worker bits so a tweet is found from its id alone.
    tweets: Vec<Mutex<TweetStripe>>,
    ids: ids::IdGenerator,
    partitioner: Box<dyn Partitioner>,
    fanout: Box<dyn FanoutPolicy>,
    timeline_cache: Option<CacheLayer>,
    tweet_cache: Option<CacheLayer>,
    user_cache: Option<CacheLayer>,
    image_cache: Option<CacheLayer>,
    /// Bytes per kind (Kind as index) and shard (primary copies).
    storage: Vec<Vec<AtomicU64>>,
    images: AtomicU64,
    recent: Mutex<VecDeque<u64>>,
    counts: Mutex<Counts>,
}

/// Sorted-list set operations for the small follow-change lists.
fn set_insert(v: &mut Vec<u32>, x: u32) {
    if let Err(i) = v.binary_search(&x) {
        v.insert(i, x);
    }
}

fn set_remove(v: &mut Vec<u32>, x: u32) {
    if let Ok(i) = v.binary_search(&x) {
        v.remove(i);
    }
}

/// A follow list as it is now: the graph's list without the removed users (sorted), then the
/// added ones.
fn current(base: &[u32], removed: &[u32], added: &[u32], out: &mut Vec<u32>) {
    out.clear();
    if removed.is_empty() {
        out.extend_from_slice(base);
    } else {
        out.extend(base.iter().filter(|u| removed.binary_search(u).is_err()));
    }
    out.extend_from_slice(added);
}

#[inline]
fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

const RECENT_TWEETS: usize = 4096;

impl Service {
    /// Builds the service over a follow graph, with the strategies and caches it is handed
    /// (`assembly` builds them from a scenario).
    pub fn new(config: Config, graph: FollowGraph) -> Service {
        let Config { topology, timeline_length, partitioner, fanout, caches } = config;
        let shards = topology.shards;
        let users = graph.users();
        // A power of two, so that a tweet's stripe is its worker bits masked.
        let stripes = shards.min(ids::MAX_WORKERS).next_power_of_two();
        let svc = Service {
            topology,
            timeline_length: timeline_length as usize,
            users: (0..users).map(|_| Mutex::new(UserState::default())).collect(),
            homes: (0..users).map(|_| Mutex::new(VecDeque::new())).collect(),
            tweets: (0..stripes).map(|_| Mutex::new(TweetStripe::default())).collect(),
            ids: ids::IdGenerator::new(stripes),
            partitioner,
            fanout,
            timeline_cache: CacheLayer::new(&caches.timeline),
            tweet_cache: CacheLayer::new(&caches.tweet),
            user_cache: CacheLayer::new(&caches.user),
            image_cache: CacheLayer::new(&caches.image),
            storage: Kind::ALL.iter().map(|_| (0..shards).map(|_| AtomicU64::new(0)).collect()).collect(),
            images: AtomicU64::new(0),
            recent: Mutex::new(VecDeque::with_capacity(RECENT_TWEETS)),
            counts: Mutex::new(Counts::default()),
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

    pub fn graph(&self) -> &FollowGraph {
        &self.graph
    }

    pub fn users(&self) -> u32 {
        self.users.len() as u32
    }

    #[inline]
    fn add_bytes(&self, kind: Kind, shard: u32, delta: i64) {
        self.storage[kind as usize][shard as usize].fetch_add(delta as u64, Relaxed);
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

    /// The number of followers a user has now.
    pub fn follower_count(&self, user: u32) -> u32 {
        let st = lock(&self.users[user as usize]);
        self.graph.follower_count(user) + st.added_followers.len() as u32 - st.removed_followers.len() as u32
    }

    fn followers_into(&self, user: u32, out: &mut Vec<u32>) {
        let st = lock(&self.users[user as usize]);
        current(self.graph.followers(user), &st.removed_followers, &st.added_followers, out);
    }

    /// The users `user` follows now.
    pub fn followees(&self, user: u32) -> Vec<u32> {
        let st = lock(&self.users[user as usize]);
        let mut out = Vec::new();
        current(self.graph.followees(user), &st.removed_followees, &st.added_followees, &mut out);
        out
    }

    pub fn is_following(&self, a: u32, b: u32) -> bool {
        self.follows_locked(&lock(&self.users[a as usize]), a, b)
    }

    /// Whether `a` (whose state `st` is) follows `b`.
    fn follows_locked(&self, st: &UserState, a: u32, b: u32) -> bool {
        st.added_followees.binary_search(&b).is_ok()
            || (self.graph.followees(a).binary_search(&b).is_ok() && st.removed_followees.binary_search(&b).is_err())
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

    fn tweet(&self, id: u64) -> Option<Tweet> {
        let stripe = self.stripe(id);
        let store = lock(&self.tweets[stripe]);
        store.index.get(&id).map(|&slot| store.records[slot as usize])
    }

    /// Posts a tweet at `now_ms` (milliseconds since the start of the run; may be negative
    /// history down to `-HISTORY_MS`). Returns its id.
    pub fn post_tweet(&self, now_ms: i64, user: u32, text_bytes: u32, image_bytes: u32, plan: &mut Plan) -> u64 {
        plan.clear();
        self.app(plan, Access::Write);
        plan.visits[0].bytes = text_bytes as u64 + image_bytes as u64;
        let user_shard = self.partitioner.user_shard(user);
        let worker = user_shard & (self.tweets.len() as u32 - 1);
        let tweet = Tweet { author: user, text: text_bytes, image: image_bytes, likes: 0 };
        // The id is made, stored and appended under the author's lock, so the author's list
        // stays in id order even when one author posts from several threads.
        let entry = {
            let mut author = lock(&self.users[user as usize]);
            let id = self.ids.next(worker, (now_ms + HISTORY_MS as i64).max(0) as u64);
            let mut store = lock(&self.tweets[worker as usize]);
            let slot = store.records.len() as u32;
            store.records.push(tweet);
            store.index.insert(id, slot);
            let entry = TweetRef::new(id, user, text_bytes, image_bytes);
            author.tweets.push(entry);
            entry
        };
        let id = entry.id;
        if image_bytes > 0 {
            let node = self.blob_node(id);
            plan.visit(Tier::Blob, node, Access::Write, 1, image_bytes as u64);
            plan.end_stage();
            self.images.fetch_add(image_bytes as u64, Relaxed);
        }
        let tweet_shard = self.partitioner.tweet_shard(id, user);
        self.add_bytes(Kind::Tweets, tweet_shard, tweet.bytes() as i64);
        self.write_all(plan, tweet_shard, 1, tweet.bytes());
        self.add_bytes(Kind::Tweets, user_shard, INDEX_ENTRY_BYTES as i64);
        self.write_all(plan, user_shard, 1, INDEX_ENTRY_BYTES);
        {
            let mut recent = lock(&self.recent);
            if recent.len() == RECENT_TWEETS {
                recent.pop_front();
            }
            recent.push_back(id);
        }
        plan.begin_background();

        // Fan-out on write.
        let mut followers = Vec::new();
        if self.fanout.push(self.follower_count(user)) {
            self.followers_into(user, &mut followers);
            if self.fanout.per_edge() {
                followers.retain(|&f| self.fanout.push_to(user, f));
            }
        }
        if !followers.is_empty() {
            for batch in followers.chunks(FANOUT_BATCH as usize) {
                plan.visit_any(
                    Tier::Fanout,
                    Group { first: 0, choices: self.topology.fanout },
                    Access::Write,
                    batch.len() as u32,
                    batch.len() as u64 * TIMELINE_ENTRY_BYTES,
                );
            }
            plan.end_stage();
            let shards = self.topology.shards as usize;
            let mut per_shard: Tally<u32> = smallvec![0; shards];
            let mut per_cache: Tally<u32> = smallvec![0; self.topology.timeline_cache as usize];
            let mut grown: Tally<u32> = smallvec![0; shards];
            for &f in &followers {
                let shard = self.partitioner.user_shard(f) as usize;
                per_shard[shard] += 1;
                let mut home = lock(&self.homes[f as usize]);
                home.push_back(entry);
                if home.len() > self.timeline_length {
                    home.pop_front();
                } else {
                    grown[shard] += 1;
                }
            }
            if let Some(cache) = &self.timeline_cache {
                cache.count_held(&followers, &mut per_cache);
            }
            for (shard, &k) in per_shard.iter().enumerate() {
                if k > 0 {
                    self.write_all(plan, shard as u32, k, k as u64 * TIMELINE_ENTRY_BYTES);
                }
                if grown[shard] > 0 {
                    self.add_bytes(Kind::Timelines, shard as u32, grown[shard] as i64 * TIMELINE_ENTRY_BYTES as i64);
                }
            }
            for (node, &k) in per_cache.iter().enumerate() {
                if k > 0 {
                    plan.visit(Tier::TimelineCache, node as u32, Access::Write, k, k as u64 * TIMELINE_ENTRY_BYTES);
                }
            }
            plan.deliveries = followers.len() as u32;
        }
        plan.finish();
        let mut c = lock(&self.counts);
        c.tweets += 1;
        c.deliveries += plan.deliveries as u64;
        id
    }

    /// Reads a page for its response (hydration): the tweets, through the tweet cache if there
    /// is one, and their authors' user records, through the user cache if there is one; then
    /// the shards holding the misses. Cache fills are left in `fills` for the background.
    fn hydrate(&self, page: &[TweetRef], plan: &mut Plan, fills: &mut Fills) -> u64 {
        // A page touches few shards and cache nodes: sparse tallies of (index, items, bytes).
        let mut per_shard = PageTally::new(self.topology.shards as usize);
        let mut authors = SmallVec::new();
        page_authors(page, &mut authors);
        let mut response = authors.iter().map(|a| a.bytes).sum::<u64>();
        response += authors.len() as u64 * USER_RECORD_BYTES;
        // Without a tweet cache every tweet is read from its shard; when tweets live on their
        // author's shard, that is found once per author, below, for the tweets and the record.
        let tweets_by_author = self.tweet_cache.is_none() && self.partitioner.tweets_with_author();
        match &self.tweet_cache {
            Some(cache) => {
                let mut per_node = PageTally::new(cache.nodes.len());
                self.in_stripe_order(page, |t| {
                    let bytes = t.bytes();
                    let (node, hit) = cache.get(t.id, bytes);
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
        let mut user_nodes = PageTally::new(self.user_cache.as_ref().map_or(0, |c| c.nodes.len()));
        for a in &authors {
            let shard = tweets_by_author.then(|| self.partitioner.user_shard(a.user));
            if let Some(shard) = shard {
                per_shard.add_n(shard, a.tweets, a.bytes);
            }
            let record_missed = match &self.user_cache {
                Some(cache) => {
                    let (node, hit) = cache.get(a.user as u64, USER_RECORD_BYTES);
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

    /// The images of a page, as the client fetches them after the response: from the image
    /// cache (a CDN edge) if there is one, the misses from the blob tier and filled back.
    fn view_images(&self, page: &[TweetRef], plan: &mut Plan) {
        if !page.iter().any(TweetRef::has_image) {
            return;
        }
        let mut per_blob = PageTally::new(self.topology.blob as usize);
        let mut reads = PageTally::new(self.image_cache.as_ref().map_or(0, |c| c.nodes.len()));
        let mut fills = PageTally::new(self.image_cache.as_ref().map_or(0, |c| c.nodes.len()));
        for t in page.iter().filter(|t| t.has_image()) {
            let Some(image) = self.tweet(t.id).map(|r| r.image as u64) else { continue };
            let hit = match &self.image_cache {
                Some(cache) => {
                    let (node, hit) = cache.get(t.id, image);
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
            let mut per_node = PageTally::new(cache.nodes.len());
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
            let mut per_node = PageTally::new(cache.nodes.len());
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
                // The newest `page` entries: the tail of the ring's two halves.
                let home = lock(&self.homes[user as usize]);
                let (older, newer) = home.as_slices();
                if newer.len() >= page {
                    candidates.extend_from_slice(&newer[newer.len() - page..]);
                } else {
                    candidates.extend_from_slice(&older[older.len().saturating_sub(page - newer.len())..]);
                    candidates.extend_from_slice(newer);
                }
                home.len()
            };
            let found = candidates.len() as u32;
            let page_bytes = found as u64 * TIMELINE_ENTRY_BYTES;
            let hit = match &self.timeline_cache {
                Some(cache) => {
                    let (node, hit) = cache.get(user as u64, page_bytes);
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
            let st = lock(&self.users[f as usize]);
            if let Some(&newest) = st.tweets.last() {
                heads.push((newest, f, st.tweets.len() as u32 - 1));
            }
        }
        // Merge by id (time order), newest first, until the page is full.
        let mut pulled = 0u32;
        while let Some((tweet, f, i)) = heads.pop() {
            candidates.push(tweet);
            pulled += 1;
            if pulled as usize >= page {
                break;
            }
            if i > 0 {
                let prev = lock(&self.users[f as usize]).tweets[i as usize - 1];
                heads.push((prev, f, i - 1));
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
        let page: SmallVec<[TweetRef; 64]> = {
            let st = lock(&self.users[user as usize]);
            st.tweets.iter().rev().take(page_size as usize).copied().collect()
        };
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

    /// Records that `user` likes `tweet`. Returns false (and writes nothing) if the tweet does
    /// not exist or the user already likes it.
    pub fn like_tweet(&self, user: u32, tweet: u64, plan: &mut Plan) -> bool {
        plan.clear();
        self.app(plan, Access::Write);
        let user_shard = self.partitioner.user_shard(user);
        let fresh = {
            let mut st = lock(&self.users[user as usize]);
            match st.favourites.binary_search(&tweet) {
                Ok(_) => false,
                Err(i) if self.tweet(tweet).is_some() => {
                    st.favourites.insert(i, tweet);
                    true
                }
                Err(_) => false,
            }
        };
        if !fresh {
            self.read(plan, user_shard, 1, 0);
            plan.finish();
            return false;
        }
        let stripe = self.stripe(tweet);
        let author = {
            let mut store = lock(&self.tweets[stripe]);
            let store = &mut *store;
            let slot = *store.index.get(&tweet).expect("checked above");
            let t = &mut store.records[slot as usize];
            t.likes += 1;
            t.author
        };
        self.add_bytes(Kind::Likes, user_shard, FAVOURITE_BYTES as i64);
        self.write_all(plan, self.partitioner.tweet_shard(tweet, author), 1, 4);
        self.write_all(plan, user_shard, 1, FAVOURITE_BYTES);
        plan.finish();
        lock(&self.counts).likes += 1;
        true
    }

    /// `a` follows `b`. Returns false (and writes nothing) if a == b or a already follows b.
    /// The check and a's change happen under one hold of a's lock, so concurrent follows of
    /// the same edge change it once.
    pub fn follow(&self, a: u32, b: u32, plan: &mut Plan) -> bool {
        self.change_follow(a, b, true, plan)
    }

    /// `a` stops following `b`. Returns false (and writes nothing) if a does not follow b.
    pub fn unfollow(&self, a: u32, b: u32, plan: &mut Plan) -> bool {
        self.change_follow(a, b, false, plan)
    }

    fn change_follow(&self, a: u32, b: u32, follow: bool, plan: &mut Plan) -> bool {
        plan.clear();
        self.app(plan, Access::Write);
        let sa = self.partitioner.user_shard(a);
        let changed = a != b && {
            // Both users' locks, taken in id order (so two changes cannot deadlock), are held
            // from the check to the last change: concurrent changes of one edge serialise.
            let (first, second) = if a < b { (a, b) } else { (b, a) };
            let mut g1 = lock(&self.users[first as usize]);
            let mut g2 = lock(&self.users[second as usize]);
            let (sta, stb) = if a < b { (&mut *g1, &mut *g2) } else { (&mut *g2, &mut *g1) };
            if self.follows_locked(sta, a, b) == follow {
                false
            } else {
                let in_base = self.graph.followees(a).binary_search(&b).is_ok();
                let (followees, followers) = match (follow, in_base) {
                    (true, true) | (false, true) => (&mut sta.removed_followees, &mut stb.removed_followers),
                    (true, false) | (false, false) => (&mut sta.added_followees, &mut stb.added_followers),
                };
                // Following a base edge back un-removes it; following a new edge adds it.
                if follow == in_base {
                    set_remove(followees, b);
                    set_remove(followers, a);
                } else {
                    set_insert(followees, b);
                    set_insert(followers, a);
                }
                true
            }
        };
        if !changed {
            self.read(plan, sa, 1, 0);
            plan.finish();
            return false;
        }
        let sb = self.partitioner.user_shard(b);
        let delta = if follow { EDGE_SIDE_BYTES as i64 } else { -(EDGE_SIDE_BYTES as i64) };
        self.add_bytes(Kind::Graph, sa, delta);
        self.add_bytes(Kind::Graph, sb, delta);
        self.write_all(plan, sa, 1, EDGE_SIDE_BYTES);
        self.write_all(plan, sb, 1, EDGE_SIDE_BYTES);
        plan.finish();
        let mut c = lock(&self.counts);
        if follow {
            c.follows += 1;
        } else {
            c.unfollows += 1;
        }
        true
    }

    /// One of the most recent tweets (up to 4,096 kept), chosen by `pick`; for like targets.
    pub fn recent_tweet(&self, pick: u64) -> Option<u64> {
        let recent = lock(&self.recent);
        (!recent.is_empty()).then(|| recent[(pick % recent.len() as u64) as usize])
    }

    /// A followee of `user` chosen by `pick`, for unfollow targets.
    pub fn some_followee(&self, user: u32, pick: u64) -> Option<u32> {
        {
            let st = lock(&self.users[user as usize]);
            if st.removed_followees.is_empty() {
                let base = self.graph.followees(user);
                let n = (base.len() + st.added_followees.len()) as u64;
                if n == 0 {
                    return None;
                }
                let i = (pick % n) as usize;
                return Some(if i < base.len() { base[i] } else { st.added_followees[i - base.len()] });
            }
        }
        let f = self.followees(user);
        (!f.is_empty()).then(|| f[(pick % f.len() as u64) as usize])
    }

    /// The materialised home timeline of a user, newest first (tweet ids).
    pub fn stored_timeline(&self, user: u32) -> Vec<u64> {
        lock(&self.homes[user as usize]).iter().rev().map(|e| e.id).collect()
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
        lock(&self.users[user as usize]).favourites.clone()
    }

    /// The ids of the tweets `user` posted, oldest first.
    pub fn tweets_of(&self, user: u32) -> Vec<u64> {
        lock(&self.users[user as usize]).tweets.iter().map(|t| t.id).collect()
    }

    /// Up to about `max` stored tweets as (id, author), taken evenly over the users.
    pub fn tweet_sample(&self, max: usize) -> Vec<(u64, u32)> {
        let users = self.users.len();
        let step = (users / max.max(1)).max(1);
        let mut out = Vec::new();
        for u in (0..users).step_by(step) {
            let st = lock(&self.users[u]);
            out.extend(st.tweets.iter().rev().take(4).map(|t| (t.id, u as u32)));
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

    pub fn counts(&self) -> Counts {
        *lock(&self.counts)
    }

    pub fn storage(&self) -> Storage {
        let shards = self.topology.shards as usize;
        let mut by_shard = vec![0u64; shards];
        let mut by_kind = Vec::new();
        for kind in Kind::ALL {
            let total: u64 = if kind == Kind::Images {
                self.images.load(Relaxed)
            } else {
                let mut t = 0;
                for (s, b) in self.storage[kind as usize].iter().enumerate() {
                    let b = b.load(Relaxed);
                    by_shard[s] += b;
                    t += b;
                }
                t
            };
            by_kind.push((kind, total));
        }
        let sharded: u64 = by_shard.iter().sum();
        let images = self.images.load(Relaxed);
        Storage {
            by_kind,
            by_shard,
            total_bytes: sharded + images,
            replicated_bytes: sharded * self.topology.replication as u64 + images,
        }
    }

    /// The counters now.
    fn cache_layer(&self, tier: Tier) -> Option<&CacheLayer> {
        match tier {
            Tier::TimelineCache => self.timeline_cache.as_ref(),
            Tier::TweetCache => self.tweet_cache.as_ref(),
            Tier::UserCache => self.user_cache.as_ref(),
            Tier::ImageCache => self.image_cache.as_ref(),
            _ => None,
        }
    }

    /// Empties cache nodes `first..first + count` of a cache tier (a cold restart).
    pub fn flush_cache(&self, tier: Tier, first: u32, count: u32) {
        if let Some(c) = self.cache_layer(tier) {
            c.flush(first, count);
        }
    }

    /// Takes cache nodes down (their keys miss, nothing is stored) or back up. A node comes back
    /// empty.
    pub fn set_cache_down(&self, tier: Tier, first: u32, count: u32, down: bool) {
        if let Some(c) = self.cache_layer(tier) {
            c.set_down(first, count, down);
            if !down {
                c.flush(first, count);
            }
        }
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

    /// The counters of the cache layer of `tier` (`None` without one).
    pub fn cache_stats(&self, tier: Tier) -> Option<CacheStats> {
        self.cache_layer(tier).map(|c| c.stats())
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
