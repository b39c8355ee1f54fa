//! Reconciliation after a live run: the service's final state against what the harness was
//! told by the responses (the [`Ledger`]), and against itself.
//!
//! Checked, each exactly:
//! - every acknowledged post is stored, with its author, sizes and place in its author's list,
//!   and no tweet is stored beyond the preloaded ones and the acknowledged ones;
//! - like counts equal the acknowledged likes, and each user's favourites are exactly the likes
//!   acknowledged for that user (so like counts also equal a recount of the favourites);
//! - every follow edge is as the graph built it, flipped once per acknowledged follow or
//!   unfollow, and both sides of each edge agree;
//! - every post reached the home timeline of each follower the fan-out strategy pushes it to,
//!   unless trimming to `timeline_length` dropped it (the timeline is full and holds nothing
//!   that was certainly pushed before it), no timeline holds a tweet of someone its owner never
//!   followed, and each post's delivery count matches;
//! - the storage counters, by kind and by shard, equal a recount from the state.
//!
//! Requests run concurrently, so whether a follower received a post is certain only when no
//! acknowledged change of that follow edge overlapped the post in time; the harness stamps
//! each acknowledged change with the wall-clock interval of its call, and edges changed
//! during a post are held to bounds (the delivery count) instead of exact membership.

use rustc_hash::FxHashMap;

pub use crate::report::live::InvariantReport;
use crate::service::{
    Counts, EDGE_SIDE_BYTES, FAVOURITE_BYTES, INDEX_ENTRY_BYTES, Kind, Service, TIMELINE_ENTRY_BYTES, TWEET_META_BYTES,
    USER_RECORD_BYTES,
};
use crate::workload::Executed;

/// At most this many differences are listed; all are counted.
pub const LISTED: usize = 20;

/// An acknowledged post, with the wall-clock interval of its call (ns from the run's start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostAck {
    pub id: u64,
    pub author: u32,
    pub text_bytes: u32,
    pub image_bytes: u32,
    pub deliveries: u32,
    pub start_ns: u64,
    pub end_ns: u64,
}

/// A follow or unfollow that changed the edge `a` → `b`, with the interval of its call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowAck {
    pub a: u32,
    pub b: u32,
    pub follow: bool,
    pub start_ns: u64,
    pub end_ns: u64,
}

/// What the responses acknowledged: posts (their ids), likes that returned true, follows and
/// unfollows that changed an edge. Each worker keeps its own; they are merged at the end.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub posts: Vec<PostAck>,
    /// (user, tweet) of each like that returned true.
    pub likes: Vec<(u32, u64)>,
    pub follow_changes: Vec<FollowAck>,
}

impl Ledger {
    /// Notes what a response acknowledged; `start_ns..end_ns` brackets the call.
    pub fn record(&mut self, e: &Executed, start_ns: u64, end_ns: u64) {
        match *e {
            Executed::Posted { id, author, text_bytes, image_bytes, deliveries } => {
                self.posts.push(PostAck { id, author, text_bytes, image_bytes, deliveries, start_ns, end_ns })
            }
            Executed::Liked { user, tweet, fresh: true } => self.likes.push((user, tweet)),
            Executed::FollowChanged { a, b, follow, changed: true } => {
                self.follow_changes.push(FollowAck { a, b, follow, start_ns, end_ns })
            }
            Executed::Read | Executed::Liked { .. } | Executed::FollowChanged { .. } => {}
        }
    }

    pub fn merge(&mut self, other: Ledger) {
        self.posts.extend(other.posts);
        self.likes.extend(other.likes);
        self.follow_changes.extend(other.follow_changes);
    }
}

#[derive(Default)]
struct Diffs {
    count: u64,
    listed: Vec<String>,
}

impl Diffs {
    fn add(&mut self, message: impl FnOnce() -> String) {
        self.count += 1;
        if self.listed.len() < LISTED {
            self.listed.push(message());
        }
    }
}

/// Reconciles `svc` with `ledger`. `before` is the service's counters when the live run began
/// (after the preload), so that the preloaded history is told apart from the run's work. Call
/// it only when no request is running.
pub fn check(svc: &Service, ledger: &Ledger, before: &Counts) -> InvariantReport {
    let mut d = Diffs::default();
    let users = svc.users();
    let graph = svc.graph();
    let counts = svc.counts();
    let mut r = InvariantReport {
        acknowledged_posts: ledger.posts.len() as u64,
        acknowledged_likes: ledger.likes.len() as u64,
        acknowledged_follow_changes: ledger.follow_changes.len() as u64,
        users_checked: users as u64,
        ..InvariantReport::default()
    };

    // Posts.
    let mut author_of: FxHashMap<u64, u32> = FxHashMap::default();
    for u in 0..users {
        for id in svc.tweets_of(u) {
            if author_of.insert(id, u).is_some() {
                d.add(|| format!("tweet {id} is listed twice among the stored tweets"));
            }
        }
    }
    r.tweets_checked = author_of.len() as u64;
    let mut post_index: FxHashMap<u64, usize> = FxHashMap::default();
    for (i, p) in ledger.posts.iter().enumerate() {
        if post_index.insert(p.id, i).is_some() {
            d.add(|| format!("tweet id {} was acknowledged to two posts", p.id));
        }
        match svc.tweet_info(p.id) {
            None => d.add(|| format!("acknowledged post {} by user {} is not stored", p.id, p.author)),
            Some(t) if (t.author, t.text_bytes, t.image_bytes) != (p.author, p.text_bytes, p.image_bytes) => {
                d.add(|| {
                    format!(
                        "tweet {}: stored as author {} with {} B text and {} B image, acknowledged as author {} with {} B and {} B",
                        p.id, t.author, t.text_bytes, t.image_bytes, p.author, p.text_bytes, p.image_bytes
                    )
                })
            }
            Some(_) => {}
        }
        if author_of.get(&p.id) != Some(&p.author) {
            d.add(|| format!("acknowledged post {} is missing from user {}'s own tweets", p.id, p.author));
        }
    }
    let expected_tweets = before.tweets + ledger.posts.len() as u64;
    if author_of.len() as u64 != expected_tweets {
        d.add(|| {
            format!(
                "{} tweets are stored; {} were preloaded and {} posts acknowledged",
                author_of.len(),
                before.tweets,
                ledger.posts.len()
            )
        });
    }
    if counts.tweets != expected_tweets {
        d.add(|| format!("the tweet counter says {}, expected {expected_tweets}", counts.tweets));
    }

    // Likes and favourites.
    let mut acked_by_tweet: FxHashMap<u64, u32> = FxHashMap::default();
    let mut acked_by_user: FxHashMap<u32, Vec<u64>> = FxHashMap::default();
    for &(u, t) in &ledger.likes {
        *acked_by_tweet.entry(t).or_default() += 1;
        acked_by_user.entry(u).or_default().push(t);
    }
    let mut favourite_counts: FxHashMap<u64, u32> = FxHashMap::default();
    let mut favourites_total = 0u64;
    for u in 0..users {
        let fav = svc.favourites(u);
        favourites_total += fav.len() as u64;
        for &t in &fav {
            *favourite_counts.entry(t).or_default() += 1;
            if !author_of.contains_key(&t) {
                d.add(|| format!("user {u} has tweet {t} as a favourite, but no such tweet is stored"));
            }
        }
        let mut acked = acked_by_user.remove(&u).unwrap_or_default();
        acked.sort_unstable();
        if acked.windows(2).any(|w| w[0] == w[1]) {
            d.add(|| format!("user {u}: a like of one tweet was acknowledged twice"));
            acked.dedup();
        }
        if fav != acked {
            let extra: Vec<u64> = fav.iter().filter(|t| acked.binary_search(t).is_err()).take(3).copied().collect();
            let missing: Vec<u64> = acked.iter().filter(|t| fav.binary_search(t).is_err()).take(3).copied().collect();
            d.add(|| {
                format!(
                    "user {u}: favourites hold {} tweets, {} likes acknowledged (not acknowledged: {extra:?}; acknowledged but missing: {missing:?})",
                    fav.len(),
                    acked.len()
                )
            });
        }
    }
    for (&id, _) in author_of.iter() {
        let likes = svc.tweet_info(id).map_or(0, |t| t.likes);
        let acked = acked_by_tweet.get(&id).copied().unwrap_or(0);
        let favs = favourite_counts.get(&id).copied().unwrap_or(0);
        if likes != acked || likes != favs {
            d.add(|| {
                format!("tweet {id}: like count {likes}, but {acked} likes were acknowledged and {favs} users have it as a favourite")
            });
        }
    }
    let likes_delta = counts.likes - before.likes;
    if likes_delta != ledger.likes.len() as u64 {
        d.add(|| format!("the like counter rose by {likes_delta}, but {} likes were acknowledged", ledger.likes.len()));
    }
    if favourites_total != before.likes + ledger.likes.len() as u64 {
        d.add(|| format!("{favourites_total} favourites are stored, {} likes acknowledged", ledger.likes.len()));
    }

    // Follow edges.
    let mut changes: FxHashMap<(u32, u32), Vec<FollowAck>> = FxHashMap::default();
    let mut changed_into: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for c in &ledger.follow_changes {
        let list = changes.entry((c.a, c.b)).or_default();
        if list.is_empty() {
            changed_into.entry(c.b).or_default().push(c.a);
        }
        list.push(*c);
    }
    let in_base = |a: u32, b: u32| graph.followees(a).binary_search(&b).is_ok();
    // Acknowledged changes of one edge alternate, so the edge ends flipped once per change.
    let expected_edge = |a: u32, b: u32| {
        let base = in_base(a, b);
        base ^ (changes.get(&(a, b)).map_or(0, |l| l.len()) % 2 == 1)
    };
    for (&(a, b), list) in &changes {
        let follows = list.iter().filter(|c| c.follow).count();
        let unfollows = list.len() - follows;
        let base = in_base(a, b);
        let ok = if base {
            unfollows == follows || unfollows == follows + 1
        } else {
            follows == unfollows || follows == unfollows + 1
        };
        if !ok {
            d.add(|| format!("edge {a} → {b} (in the graph: {base}): {follows} follows and {unfollows} unfollows acknowledged, which cannot alternate"));
        }
        if svc.is_following(a, b) != expected_edge(a, b) {
            d.add(|| {
                format!(
                    "edge {a} → {b}: following is {}, expected {} after {} acknowledged changes",
                    !expected_edge(a, b),
                    expected_edge(a, b),
                    list.len()
                )
            });
        }
    }
    let followers_now: Vec<Vec<u32>> = (0..users).map(|u| svc.followers(u)).collect();
    let mut followees_total = 0u64;
    for a in 0..users {
        let mut now = svc.followees(a);
        now.sort_unstable();
        followees_total += now.len() as u64;
        if now.windows(2).any(|w| w[0] == w[1]) {
            d.add(|| format!("user {a} follows someone twice"));
        }
        for &b in &now {
            if followers_now[b as usize].binary_search(&a).is_err() {
                d.add(|| format!("user {a} follows {b}, but is not among {b}'s followers"));
            }
            if !in_base(a, b) && !changes.contains_key(&(a, b)) {
                d.add(|| format!("user {a} follows {b} without an acknowledged follow"));
            }
        }
        for &b in graph.followees(a) {
            if now.binary_search(&b).is_err() && !changes.contains_key(&(a, b)) {
                d.add(|| format!("user {a} no longer follows {b} without an acknowledged unfollow"));
            }
        }
    }
    let followers_total: u64 = followers_now.iter().map(|f| f.len() as u64).sum();
    if followers_total != followees_total {
        d.add(|| format!("{followees_total} followee entries but {followers_total} follower entries"));
    }
    let follows = ledger.follow_changes.iter().filter(|c| c.follow).count() as u64;
    let unfollows = ledger.follow_changes.len() as u64 - follows;
    if counts.follows - before.follows != follows || counts.unfollows - before.unfollows != unfollows {
        d.add(|| {
            format!(
                "the counters say {} follows and {} unfollows, {follows} and {unfollows} were acknowledged",
                counts.follows - before.follows,
                counts.unfollows - before.unfollows
            )
        });
    }

    // Home timelines (newest entries kept, sorted for lookups).
    let length = svc.timeline_length();
    let homes: Vec<Vec<u64>> = (0..users)
        .map(|u| {
            let mut h = svc.stored_timeline(u);
            h.sort_unstable();
            h
        })
        .collect();
    // Storage recount.
    let shards = svc.topology().shards as usize;
    let part = svc.partitioner();
    let mut by_kind = vec![vec![0u64; shards]; Kind::ALL.len()];
    let mut images = 0u64;
    for u in 0..users {
        let s = part.user_shard(u) as usize;
        by_kind[Kind::Users as usize][s] += USER_RECORD_BYTES;
        let sides = svc.followees(u).len() as u64 + followers_now[u as usize].len() as u64;
        by_kind[Kind::Graph as usize][s] += sides * EDGE_SIDE_BYTES;
        by_kind[Kind::Timelines as usize][s] += homes[u as usize].len() as u64 * TIMELINE_ENTRY_BYTES;
        by_kind[Kind::Likes as usize][s] += svc.favourites(u).len() as u64 * FAVOURITE_BYTES;
    }
    for (&id, &author) in &author_of {
        let Some(t) = svc.tweet_info(id) else { continue };
        by_kind[Kind::Tweets as usize][part.tweet_shard(id, author) as usize] += TWEET_META_BYTES + t.text_bytes as u64;
        by_kind[Kind::Tweets as usize][part.user_shard(author) as usize] += INDEX_ENTRY_BYTES;
        images += t.image_bytes as u64;
    }
    let st = svc.storage();
    for (kind, counted) in &st.by_kind {
        let recount = if *kind == Kind::Images { images } else { by_kind[*kind as usize].iter().sum() };
        if *counted != recount {
            d.add(|| {
                format!(
                    "storage of {}: the counters say {counted} B, a recount of the state gives {recount} B",
                    kind.name()
                )
            });
        }
    }
    for (s, &counted) in st.by_shard.iter().enumerate() {
        let recount: u64 = by_kind.iter().map(|k| k[s]).sum();
        if counted != recount {
            d.add(|| format!("storage of shard {s}: the counters say {counted} B, a recount gives {recount} B"));
        }
    }

    // Deliveries.
    // Per user, the earliest end of a post in the timeline (0 for a preloaded one): a post that
    // started after it was certainly pushed after it, so FIFO trimming drops that one first.
    let mut earliest_end = vec![u64::MAX; users as usize];
    for (u, h) in homes.iter().enumerate() {
        if h.len() > length {
            d.add(|| format!("user {u}'s home timeline holds {} entries, more than timeline_length {length}", h.len()));
        }
        if h.windows(2).any(|w| w[0] == w[1]) {
            d.add(|| format!("user {u}'s home timeline holds a tweet twice"));
        }
        for &q in h {
            let Some(&author) = author_of.get(&q) else {
                d.add(|| format!("user {u}'s home timeline holds tweet {q}, which is not stored"));
                continue;
            };
            match post_index.get(&q) {
                Some(&i) => {
                    earliest_end[u] = earliest_end[u].min(ledger.posts[i].end_ns);
                    let u = u as u32;
                    if !in_base(u, author) && !changes.contains_key(&(u, author)) {
                        d.add(|| {
                            format!("user {u}'s home timeline holds tweet {q} by {author}, whom {u} never followed")
                        });
                    }
                }
                None => earliest_end[u] = 0,
            }
        }
    }
    let mut delivered = 0u64;
    let mut candidates: Vec<u32> = Vec::new();
    let mut state: Vec<Option<bool>> = Vec::new();
    for p in &ledger.posts {
        delivered += p.deliveries as u64;
        let a = p.author;
        candidates.clear();
        candidates.extend_from_slice(graph.followers(a));
        if let Some(extra) = changed_into.get(&a) {
            candidates.extend(extra.iter().filter(|&&x| !in_base(x, a)));
        }
        // Each candidate's follow state while the post ran: certain, or None when a change of
        // the edge overlapped the post.
        state.clear();
        state.extend(candidates.iter().map(|&x| {
            let base = in_base(x, a);
            match changes.get(&(x, a)) {
                None => Some(base),
                Some(list) if list.iter().any(|c| c.start_ns <= p.end_ns && c.end_ns >= p.start_ns) => None,
                Some(list) => Some(base ^ (list.iter().filter(|c| c.end_ns < p.start_ns).count() % 2 == 1)),
            }
        }));
        let low = state.iter().filter(|s| **s == Some(true)).count() as u32;
        let high = low + state.iter().filter(|s| s.is_none()).count() as u32;
        let (mut must, mut may) = (0u32, 0u32);
        for (&x, s) in candidates.iter().zip(&state) {
            let home = &homes[x as usize];
            let has = home.binary_search(&p.id).is_ok();
            let pushed = match s {
                Some(true) => {
                    let (lo, hi) = (svc.pushes_to(a, low, x), svc.pushes_to(a, high, x));
                    if lo == hi { Some(lo) } else { None }
                }
                Some(false) => Some(false),
                None => None,
            };
            match pushed {
                Some(true) => {
                    must += 1;
                    r.deliveries_checked += 1;
                    let trimmed = home.len() == length && earliest_end[x as usize] >= p.start_ns;
                    if !has && !trimmed {
                        d.add(|| {
                            format!(
                                "post {} by {a} is missing from follower {x}'s home timeline ({} of {length} entries; trimming cannot explain it)",
                                p.id,
                                home.len()
                            )
                        });
                    }
                }
                Some(false) => {
                    r.deliveries_checked += 1;
                    if has {
                        d.add(|| {
                            format!(
                                "post {} by {a} is in user {x}'s home timeline, but the fan-out does not push it there",
                                p.id
                            )
                        });
                    }
                }
                None => {
                    may += 1;
                    r.deliveries_uncertain += 1;
                }
            }
        }
        if p.deliveries < must || p.deliveries > must + may {
            d.add(|| {
                format!(
                    "post {} by {a} reported {} deliveries; its followers at the time call for {must}{}",
                    p.id,
                    p.deliveries,
                    if may > 0 { format!(" to {}", must + may) } else { String::new() }
                )
            });
        }
    }
    if counts.deliveries - before.deliveries != delivered {
        d.add(|| {
            format!(
                "the delivery counter rose by {}, the acknowledged posts report {delivered}",
                counts.deliveries - before.deliveries
            )
        });
    }

    r.mismatches = d.count;
    r.first_differences = d.listed;
    r.passed = d.count == 0;
    r
}
