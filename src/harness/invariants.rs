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

use crate::graph::FollowGraph;
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
///
/// The phases run in a fixed order, each adding its differences in turn: posts, likes and
/// favourites, follow edges, the storage recount, deliveries.
pub fn check(svc: &Service, ledger: &Ledger, before: &Counts) -> InvariantReport {
    let run = Run { svc, ledger, before, after: svc.counts() };
    let mut d = Diffs::default();
    let tweets = check_posts(&run, &mut d);
    check_likes(&run, &tweets.author_of, &mut d);
    let changes = FollowChanges::new(svc.graph(), &ledger.follow_changes);
    let followers_now = check_follows(&run, &changes, &mut d);
    let homes = Homes::of(svc);
    check_storage(svc, &tweets.author_of, &followers_now, &homes, &mut d);
    let deliveries = check_deliveries(&run, &tweets, &changes, &homes, &mut d);
    InvariantReport {
        passed: d.count == 0,
        acknowledged_posts: ledger.posts.len() as u64,
        acknowledged_likes: ledger.likes.len() as u64,
        acknowledged_follow_changes: ledger.follow_changes.len() as u64,
        tweets_checked: tweets.author_of.len() as u64,
        users_checked: svc.users() as u64,
        deliveries_checked: deliveries.checked,
        deliveries_uncertain: deliveries.uncertain,
        mismatches: d.count,
        first_differences: d.listed,
    }
}

/// What is reconciled: the service's final state, what the responses acknowledged, and the
/// service's counters when the run began and now.
struct Run<'a> {
    svc: &'a Service,
    ledger: &'a Ledger,
    before: &'a Counts,
    after: Counts,
}

/// The tweets found stored, and the acknowledged posts by id.
struct Tweets {
    /// Each stored tweet's author, read from the users' own lists of tweets.
    author_of: FxHashMap<u64, u32>,
    /// Each acknowledged post's index in `ledger.posts`.
    acked_post: FxHashMap<u64, usize>,
}

/// Posts: every acknowledged post is stored as acknowledged and listed among its author's
/// tweets; the stored tweets and the tweet counter are the preloaded ones plus the acknowledged.
fn check_posts(run: &Run, d: &mut Diffs) -> Tweets {
    let (svc, ledger, before) = (run.svc, run.ledger, run.before);
    let mut author_of: FxHashMap<u64, u32> = FxHashMap::default();
    for u in 0..svc.users() {
        for id in svc.tweets_of(u) {
            if author_of.insert(id, u).is_some() {
                d.add(|| format!("tweet {id} is listed twice among the stored tweets"));
            }
        }
    }
    let mut acked_post: FxHashMap<u64, usize> = FxHashMap::default();
    for (i, p) in ledger.posts.iter().enumerate() {
        if acked_post.insert(p.id, i).is_some() {
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
    if run.after.tweets != expected_tweets {
        d.add(|| format!("the tweet counter says {}, expected {expected_tweets}", run.after.tweets));
    }
    Tweets { author_of, acked_post }
}

/// Likes: each user's favourites are the likes acknowledged for that user, each stored tweet's
/// like count equals both its acknowledged likes and its favourites, and the like counter and
/// the favourites stored grew by the acknowledged likes.
fn check_likes(run: &Run, author_of: &FxHashMap<u64, u32>, d: &mut Diffs) {
    let (svc, ledger, before) = (run.svc, run.ledger, run.before);
    let mut acked_by_tweet: FxHashMap<u64, u32> = FxHashMap::default();
    let mut acked_by_user: FxHashMap<u32, Vec<u64>> = FxHashMap::default();
    for &(u, t) in &ledger.likes {
        *acked_by_tweet.entry(t).or_default() += 1;
        acked_by_user.entry(u).or_default().push(t);
    }
    let favourites = check_favourites(svc, author_of, acked_by_user, d);
    for (&id, _) in author_of.iter() {
        let likes = svc.tweet_info(id).map_or(0, |t| t.likes);
        let acked = acked_by_tweet.get(&id).copied().unwrap_or(0);
        let favs = favourites.by_tweet.get(&id).copied().unwrap_or(0);
        if likes != acked || likes != favs {
            d.add(|| {
                format!("tweet {id}: like count {likes}, but {acked} likes were acknowledged and {favs} users have it as a favourite")
            });
        }
    }
    let likes_delta = run.after.likes - before.likes;
    if likes_delta != ledger.likes.len() as u64 {
        d.add(|| format!("the like counter rose by {likes_delta}, but {} likes were acknowledged", ledger.likes.len()));
    }
    if favourites.total != before.likes + ledger.likes.len() as u64 {
        d.add(|| format!("{} favourites are stored, {} likes acknowledged", favourites.total, ledger.likes.len()));
    }
}

/// The favourites stored, counted per tweet and in all.
struct Favourites {
    by_tweet: FxHashMap<u64, u32>,
    total: u64,
}

/// Each user's favourites against the likes acknowledged for that user (`acked_by_user`, in
/// ledger order): the same tweets, each a stored one, none acknowledged twice.
fn check_favourites(
    svc: &Service,
    author_of: &FxHashMap<u64, u32>,
    mut acked_by_user: FxHashMap<u32, Vec<u64>>,
    d: &mut Diffs,
) -> Favourites {
    let mut favourites = Favourites { by_tweet: FxHashMap::default(), total: 0 };
    for u in 0..svc.users() {
        let fav = svc.favourites(u);
        favourites.total += fav.len() as u64;
        for &t in &fav {
            *favourites.by_tweet.entry(t).or_default() += 1;
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
    favourites
}

/// The acknowledged follow changes by edge, beside the follow graph as built.
struct FollowChanges<'a> {
    graph: &'a FollowGraph,
    /// The acknowledged changes of each edge `(a, b)`, in ledger order.
    by_edge: FxHashMap<(u32, u32), Vec<FollowAck>>,
    /// For each user `b`, the users `a` whose edge `a` → `b` changed, in order of first change.
    into: FxHashMap<u32, Vec<u32>>,
}

impl<'a> FollowChanges<'a> {
    fn new(graph: &'a FollowGraph, acks: &[FollowAck]) -> Self {
        let mut by_edge: FxHashMap<(u32, u32), Vec<FollowAck>> = FxHashMap::default();
        let mut into: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for c in acks {
            let list = by_edge.entry((c.a, c.b)).or_default();
            if list.is_empty() {
                into.entry(c.b).or_default().push(c.a);
            }
            list.push(*c);
        }
        FollowChanges { graph, by_edge, into }
    }

    /// Whether the graph as built has the edge `a` → `b`.
    fn in_base(&self, a: u32, b: u32) -> bool {
        self.graph.followees(a).binary_search(&b).is_ok()
    }

    /// Whether any change of the edge `a` → `b` was acknowledged.
    fn changed(&self, a: u32, b: u32) -> bool {
        self.by_edge.contains_key(&(a, b))
    }

    /// Whether `a` follows `b` after the run. Acknowledged changes of one edge alternate, so
    /// the edge ends flipped once per change.
    fn expected(&self, a: u32, b: u32) -> bool {
        self.in_base(a, b) ^ (self.by_edge.get(&(a, b)).map_or(0, |l| l.len()) % 2 == 1)
    }

    /// Whether `x` followed `a` while post `p` ran: certain, or `None` when an acknowledged
    /// change of the edge overlapped the post.
    fn during(&self, x: u32, a: u32, p: &PostAck) -> Option<bool> {
        let base = self.in_base(x, a);
        match self.by_edge.get(&(x, a)) {
            None => Some(base),
            Some(list) if list.iter().any(|c| c.start_ns <= p.end_ns && c.end_ns >= p.start_ns) => None,
            Some(list) => Some(base ^ (list.iter().filter(|c| c.end_ns < p.start_ns).count() % 2 == 1)),
        }
    }
}

/// Follow edges: each changed edge as its acknowledged changes leave it, every other edge as
/// built, both sides agreeing, and the follow and unfollow counters matching the ledger.
/// Returns each user's followers now.
fn check_follows(run: &Run, changes: &FollowChanges, d: &mut Diffs) -> Vec<Vec<u32>> {
    let (svc, ledger, before) = (run.svc, run.ledger, run.before);
    check_changed_edges(svc, changes, d);
    let followers_now: Vec<Vec<u32>> = (0..svc.users()).map(|u| svc.followers(u)).collect();
    check_follow_lists(svc, changes, &followers_now, d);
    let follows = ledger.follow_changes.iter().filter(|c| c.follow).count() as u64;
    let unfollows = ledger.follow_changes.len() as u64 - follows;
    let after = &run.after;
    if after.follows - before.follows != follows || after.unfollows - before.unfollows != unfollows {
        d.add(|| {
            format!(
                "the counters say {} follows and {} unfollows, {follows} and {unfollows} were acknowledged",
                after.follows - before.follows,
                after.unfollows - before.unfollows
            )
        });
    }
    followers_now
}

/// Each edge with acknowledged changes: they alternate, and the edge ends as they leave it.
fn check_changed_edges(svc: &Service, changes: &FollowChanges, d: &mut Diffs) {
    for (&(a, b), list) in &changes.by_edge {
        let follows = list.iter().filter(|c| c.follow).count();
        let unfollows = list.len() - follows;
        let base = changes.in_base(a, b);
        let ok = if base {
            unfollows == follows || unfollows == follows + 1
        } else {
            follows == unfollows || follows == unfollows + 1
        };
        if !ok {
            d.add(|| format!("edge {a} → {b} (in the graph: {base}): {follows} follows and {unfollows} unfollows acknowledged, which cannot alternate"));
        }
        if svc.is_following(a, b) != changes.expected(a, b) {
            d.add(|| {
                format!(
                    "edge {a} → {b}: following is {}, expected {} after {} acknowledged changes",
                    !changes.expected(a, b),
                    changes.expected(a, b),
                    list.len()
                )
            });
        }
    }
}

/// Each user's followees: none twice, each one listing the user among its followers
/// (`followers_now`), each one followed as built or after an acknowledged change, and no edge
/// of the graph gone without one; in all, as many followee entries as follower entries.
fn check_follow_lists(svc: &Service, changes: &FollowChanges, followers_now: &[Vec<u32>], d: &mut Diffs) {
    let mut followees_total = 0u64;
    for a in 0..svc.users() {
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
            if !changes.in_base(a, b) && !changes.changed(a, b) {
                d.add(|| format!("user {a} follows {b} without an acknowledged follow"));
            }
        }
        for &b in changes.graph.followees(a) {
            if now.binary_search(&b).is_err() && !changes.changed(a, b) {
                d.add(|| format!("user {a} no longer follows {b} without an acknowledged unfollow"));
            }
        }
    }
    let followers_total: u64 = followers_now.iter().map(|f| f.len() as u64).sum();
    if followers_total != followees_total {
        d.add(|| format!("{followees_total} followee entries but {followers_total} follower entries"));
    }
}

/// The home timelines after the run (newest entries kept), each sorted for lookups.
struct Homes {
    sorted: Vec<Vec<u64>>,
    /// How many entries a timeline keeps before trimming the oldest.
    length: usize,
}

impl Homes {
    fn of(svc: &Service) -> Homes {
        let length = svc.timeline_length();
        let sorted = (0..svc.users())
            .map(|u| {
                let mut h = svc.stored_timeline(u);
                h.sort_unstable();
                h
            })
            .collect();
        Homes { sorted, length }
    }
}

/// Storage: the counters, by kind and by shard, against a recount of the state.
fn check_storage(
    svc: &Service,
    author_of: &FxHashMap<u64, u32>,
    followers_now: &[Vec<u32>],
    homes: &Homes,
    d: &mut Diffs,
) {
    let recount = recount_storage(svc, author_of, followers_now, homes);
    let st = svc.storage();
    for (kind, counted) in &st.by_kind {
        let recount = if *kind == Kind::Images { recount.images } else { recount.by_kind[*kind as usize].iter().sum() };
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
        let recount: u64 = recount.by_kind.iter().map(|k| k[s]).sum();
        if counted != recount {
            d.add(|| format!("storage of shard {s}: the counters say {counted} B, a recount gives {recount} B"));
        }
    }
}

/// The bytes the state holds: per kind and shard, and the images (which have no shard).
struct Recount {
    by_kind: Vec<Vec<u64>>,
    images: u64,
}

/// Recounts the bytes from the users, their edges (`followers_now` and followees), timelines
/// and favourites, and the stored tweets (`author_of`).
fn recount_storage(
    svc: &Service,
    author_of: &FxHashMap<u64, u32>,
    followers_now: &[Vec<u32>],
    homes: &Homes,
) -> Recount {
    let shards = svc.topology().shards as usize;
    let part = svc.partitioner();
    let mut by_kind = vec![vec![0u64; shards]; Kind::ALL.len()];
    let mut images = 0u64;
    for u in 0..svc.users() {
        let s = part.user_shard(u) as usize;
        by_kind[Kind::Users as usize][s] += USER_RECORD_BYTES;
        let sides = svc.followees(u).len() as u64 + followers_now[u as usize].len() as u64;
        by_kind[Kind::Graph as usize][s] += sides * EDGE_SIDE_BYTES;
        by_kind[Kind::Timelines as usize][s] += homes.sorted[u as usize].len() as u64 * TIMELINE_ENTRY_BYTES;
        by_kind[Kind::Likes as usize][s] += svc.favourites(u).len() as u64 * FAVOURITE_BYTES;
    }
    for (&id, &author) in author_of {
        let Some(t) = svc.tweet_info(id) else { continue };
        by_kind[Kind::Tweets as usize][part.tweet_shard(id, author) as usize] += TWEET_META_BYTES + t.text_bytes as u64;
        by_kind[Kind::Tweets as usize][part.user_shard(author) as usize] += INDEX_ENTRY_BYTES;
        images += t.image_bytes as u64;
    }
    Recount { by_kind, images }
}

/// (post, follower) pairs whose delivery was checked exactly, and those held to bounds.
#[derive(Default)]
struct DeliveryTally {
    checked: u64,
    uncertain: u64,
}

/// Deliveries: the home timelines hold only stored tweets of users their owners followed,
/// each post reached exactly the followers the fan-out pushes it to (within bounds where a
/// follow changed during the post), and the delivery counter grew by the deliveries reported.
fn check_deliveries(
    run: &Run,
    tweets: &Tweets,
    changes: &FollowChanges,
    homes: &Homes,
    d: &mut Diffs,
) -> DeliveryTally {
    let earliest_end = check_homes(run.ledger, tweets, changes, homes, d);
    let mut posts = PostDeliveries {
        svc: run.svc,
        changes,
        homes,
        earliest_end,
        candidates: Vec::new(),
        state: Vec::new(),
        tally: DeliveryTally::default(),
    };
    let mut delivered = 0u64;
    for p in &run.ledger.posts {
        delivered += p.deliveries as u64;
        posts.check(p, d);
    }
    let rose = run.after.deliveries - run.before.deliveries;
    if rose != delivered {
        d.add(|| format!("the delivery counter rose by {rose}, the acknowledged posts report {delivered}"));
    }
    posts.tally
}

/// Each home timeline: within `timeline_length`, no tweet twice, each a stored tweet, and each
/// acknowledged post in it by someone its owner followed at some point. Returns, per user, the
/// earliest end of a post in the timeline (0 for a preloaded one): a post that started after it
/// was certainly pushed after it, so FIFO trimming drops that one first.
fn check_homes(ledger: &Ledger, tweets: &Tweets, changes: &FollowChanges, homes: &Homes, d: &mut Diffs) -> Vec<u64> {
    let length = homes.length;
    let mut earliest_end = vec![u64::MAX; homes.sorted.len()];
    for (u, h) in homes.sorted.iter().enumerate() {
        if h.len() > length {
            d.add(|| format!("user {u}'s home timeline holds {} entries, more than timeline_length {length}", h.len()));
        }
        if h.windows(2).any(|w| w[0] == w[1]) {
            d.add(|| format!("user {u}'s home timeline holds a tweet twice"));
        }
        for &q in h {
            let Some(&author) = tweets.author_of.get(&q) else {
                d.add(|| format!("user {u}'s home timeline holds tweet {q}, which is not stored"));
                continue;
            };
            match tweets.acked_post.get(&q) {
                Some(&i) => {
                    earliest_end[u] = earliest_end[u].min(ledger.posts[i].end_ns);
                    let u = u as u32;
                    if !changes.in_base(u, author) && !changes.changed(u, author) {
                        d.add(|| {
                            format!("user {u}'s home timeline holds tweet {q} by {author}, whom {u} never followed")
                        });
                    }
                }
                None => earliest_end[u] = 0,
            }
        }
    }
    earliest_end
}

/// Checks each acknowledged post against the home timelines of its possible recipients.
struct PostDeliveries<'a> {
    svc: &'a Service,
    changes: &'a FollowChanges<'a>,
    homes: &'a Homes,
    /// Per user, the earliest end of an acknowledged post in the timeline (see [`check_homes`]).
    earliest_end: Vec<u64>,
    /// The current post's possible recipients: the author's followers as built and the users
    /// who followed the author during the run (reused from post to post).
    candidates: Vec<u32>,
    /// Each candidate's follow state while the post ran (see [`FollowChanges::during`]).
    state: Vec<Option<bool>>,
    tally: DeliveryTally,
}

impl PostDeliveries<'_> {
    /// Post `p`: each follower the fan-out certainly pushed it to holds it unless trimming
    /// explains its absence, no one it was certainly not pushed to holds it, and its reported
    /// deliveries lie between the certain pushes and the certain plus the uncertain ones.
    fn check(&mut self, p: &PostAck, d: &mut Diffs) {
        let a = p.author;
        self.find_candidates(p);
        let low = self.state.iter().filter(|s| **s == Some(true)).count() as u32;
        let high = low + self.state.iter().filter(|s| s.is_none()).count() as u32;
        let length = self.homes.length;
        let (mut must, mut may) = (0u32, 0u32);
        for (&x, s) in self.candidates.iter().zip(&self.state) {
            let home = &self.homes.sorted[x as usize];
            let has = home.binary_search(&p.id).is_ok();
            match self.pushed(a, x, *s, low, high) {
                Some(true) => {
                    must += 1;
                    self.tally.checked += 1;
                    let trimmed = home.len() == length && self.earliest_end[x as usize] >= p.start_ns;
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
                    self.tally.checked += 1;
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
                    self.tally.uncertain += 1;
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

    /// Fills `candidates` with post `p`'s possible recipients and `state` with whether each
    /// followed the author while the post ran.
    fn find_candidates(&mut self, p: &PostAck) {
        let a = p.author;
        let changes = self.changes;
        self.candidates.clear();
        self.candidates.extend_from_slice(changes.graph.followers(a));
        if let Some(extra) = changes.into.get(&a) {
            self.candidates.extend(extra.iter().filter(|&&x| !changes.in_base(x, a)));
        }
        self.state.clear();
        self.state.extend(self.candidates.iter().map(|&x| changes.during(x, a, p)));
    }

    /// Whether a post by `a` was pushed to `x`, whose follow state while it ran was `state`;
    /// `low..=high` bounds the author's followers then. `None` when it cannot be told: the
    /// follow changed during the post, or the fan-out decides differently across the bounds.
    fn pushed(&self, a: u32, x: u32, state: Option<bool>, low: u32, high: u32) -> Option<bool> {
        match state {
            Some(true) => {
                let (lo, hi) = (self.svc.pushes_to(a, low, x), self.svc.pushes_to(a, high, x));
                if lo == hi { Some(lo) } else { None }
            }
            Some(false) => Some(false),
            None => None,
        }
    }
}
