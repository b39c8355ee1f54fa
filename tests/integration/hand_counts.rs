//! A scenario small enough to count by hand: five follow edges among four users, loaded from an
//! edge-list file. Storage by kind, deliveries under push and visits under pull are asserted
//! exactly, with the byte sizes the service documents (tweet record 36 B + text, index entry
//! 8 B, timeline entry 20 B, edge side 8 B, favourite 16 B, user record 128 B).

use std::collections::BTreeSet;
use std::path::Path;

use super::util::{load, repo, write};
use tweetcap::graph::FollowGraph;
use tweetcap::scenario::Scenario;
use tweetcap::service::{Access, Kind, Plan, Service};
use tweetcap::strategy::Partitioner;
use tweetcap::strategy::partition::UserHash;
use tweetcap::tier::Tier;

/// File ids 10, 20, 30, 40 become users 0, 1, 2, 3 (order of first appearance).
/// Follows: 0→1, 0→2, 2→1, 3→1, 1→0. Followers: of 0 {1}; of 1 {0, 2, 3}; of 2 {0}; of 3 none.
const EDGES: &str = "# u follows v\n10 20\n10 30\n30 20\n40 20\n20 10\n";

fn scenario(dir: &Path, fanout: &str) -> Scenario {
    scenario_with(dir, fanout, "")
}

/// The tiny scenario with more `system:` keys (two-space indented lines).
fn scenario_with(dir: &Path, fanout: &str, system: &str) -> Scenario {
    write(dir, "tiny.txt", EDGES);
    let model = repo("models/single-exponential.yaml");
    let text = format!(
        "name: tiny\nduration: 10s\nmodel: {}\npopulation:\n  users: 4\n  graph: {{ generator: file, path: tiny.txt }}\n\
         workload:\n  ops:\n    post_tweet: {{ rate: 5, text_bytes: 100 }}\n    home_timeline: {{ rate: 20, page_size: 2 }}\n\
         system:\n  partitioning: {{ strategy: user_hash, shards: 2, replication: 2 }}\n  fanout: {{ strategy: {fanout}, timeline_length: 2 }}\n{system}",
        model.display()
    );
    let path = write(dir, "tiny.yaml", &text);
    load(&path, &[])
}

fn service(s: &Scenario) -> Service {
    let graph = tweetcap::assembly::build_graph(s).expect("graph");
    tweetcap::assembly::service(s, graph)
}

fn bytes(svc: &Service, kind: Kind) -> u64 {
    svc.storage().by_kind.iter().find(|(k, _)| *k == kind).map(|(_, b)| *b).unwrap()
}

fn shard(u: u32) -> u32 {
    UserHash { shards: 2 }.user_shard(u)
}

#[test]
fn the_file_graph_is_the_one_drawn_above() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "push");
    let g: FollowGraph = tweetcap::assembly::build_graph(&s).unwrap();
    assert_eq!((g.users(), g.edges()), (4, 5));
    assert_eq!(g.followers(1), [0, 2, 3]);
    assert_eq!(g.followees(0), [1, 2]);
    assert_eq!(g.followers(3), [] as [u32; 0]);
}

#[test]
fn storage_and_deliveries_under_push() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "push");
    let svc = service(&s);
    assert_eq!(bytes(&svc, Kind::Users), 4 * 128);
    assert_eq!(bytes(&svc, Kind::Graph), 5 * 2 * 8);
    let mut plan = Plan::default();

    // User 1 posts 100 bytes of text: three followers, three deliveries.
    let a = svc.post_tweet(1000, 1, 100, 0, &mut plan);
    assert_eq!(plan.deliveries, 3);
    assert_eq!(plan.count(Tier::App, Access::Write), 1);
    // Tweet body and index entry, each on both replicas of user 1's shard.
    let fg: Vec<_> = plan.stages().filter(|(_, bg)| !bg).flat_map(|(v, _)| v.to_vec()).collect();
    assert_eq!(fg.iter().filter(|v| v.tier == Tier::Shard && v.access == Access::Write).count(), 4);
    // Background: one fan-out batch of 3, then timeline writes on each recipient shard × 2 replicas.
    let bg: Vec<_> = plan.stages().filter(|(_, bg)| *bg).flat_map(|(v, _)| v.to_vec()).collect();
    let fanout: Vec<_> = bg.iter().filter(|v| v.tier == Tier::Fanout).collect();
    assert_eq!(fanout.len(), 1);
    assert_eq!(fanout[0].items, 3);
    let recipient_shards: BTreeSet<u32> = [0, 2, 3].iter().map(|&u| shard(u)).collect();
    let writes: Vec<_> = bg.iter().filter(|v| v.tier == Tier::Shard).collect();
    assert_eq!(writes.len(), recipient_shards.len() * 2);
    assert_eq!(writes.iter().map(|v| v.items).sum::<u32>(), 3 * 2);
    assert_eq!(bytes(&svc, Kind::Tweets), 36 + 100 + 8);
    assert_eq!(bytes(&svc, Kind::Timelines), 3 * 20);

    // User 0 posts 50 bytes: one follower (user 1).
    let b = svc.post_tweet(2000, 0, 50, 0, &mut plan);
    assert_eq!(plan.deliveries, 1);
    assert_eq!(bytes(&svc, Kind::Tweets), 144 + 36 + 50 + 8);
    assert_eq!(bytes(&svc, Kind::Timelines), 4 * 20);
    // User 3 posts: no followers, no deliveries, no fan-out stage.
    svc.post_tweet(3000, 3, 10, 0, &mut plan);
    assert_eq!(plan.deliveries, 0);
    assert_eq!(plan.count(Tier::Fanout, Access::Write), 0);

    // Timelines hold at most 2 entries: user 0 gets a third tweet from 1 and 2, trimmed.
    let c = svc.post_tweet(4000, 2, 10, 0, &mut plan);
    let d = svc.post_tweet(5000, 1, 10, 0, &mut plan);
    assert_eq!(svc.stored_timeline(0), [d, c], "newest first, oldest (a) trimmed");
    // Timelines: 0 has 2 (trimmed once), 1 has 1 (b), 2 has 2 (a, d), 3 has 2 (a, d).
    assert_eq!(bytes(&svc, Kind::Timelines), (2 + 1 + 2 + 2) * 20);
    let per_post = [3, 1, 0, 1, 3];
    assert_eq!(svc.counts().deliveries, per_post.iter().sum::<u64>());

    // Likes: one favourite each, a repeated like writes nothing.
    assert!(svc.like_tweet(2, a, &mut plan));
    assert_eq!(plan.count(Tier::Shard, Access::Write), 4, "like count and favourite, two replicas each");
    assert!(!svc.like_tweet(2, a, &mut plan));
    assert!(svc.like_tweet(3, a, &mut plan));
    assert_eq!(svc.tweet_info(a).unwrap().likes, 2);
    assert_eq!(svc.favourites(2), [a]);
    assert_eq!(bytes(&svc, Kind::Likes), 2 * 16);

    // Follow and unfollow move 8 bytes on each side.
    assert!(svc.follow(3, 0, &mut plan));
    assert!(!svc.follow(3, 0, &mut plan));
    assert_eq!(bytes(&svc, Kind::Graph), 6 * 2 * 8);
    assert!(svc.unfollow(0, 2, &mut plan));
    assert_eq!(bytes(&svc, Kind::Graph), 5 * 2 * 8);
    assert_eq!(svc.follower_count(0), 2);

    // User 3 now follows 0: b's author's next tweet reaches 3.
    let e = svc.post_tweet(6000, 0, 10, 0, &mut plan);
    assert_eq!(plan.deliveries, 2);
    assert_eq!(svc.stored_timeline(3)[0], e);
    let _ = b;

    let st = svc.storage();
    assert_eq!(st.total_bytes, st.by_shard.iter().sum::<u64>());
    assert_eq!(st.replicated_bytes, st.total_bytes * 2);
}

#[test]
fn visits_under_pull() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "pull");
    let svc = service(&s);
    let mut plan = Plan::default();
    let a = svc.post_tweet(1000, 1, 100, 0, &mut plan);
    assert_eq!(plan.deliveries, 0, "pull delivers nothing");
    assert_eq!(plan.count(Tier::Fanout, Access::Write), 0);
    let b = svc.post_tweet(2000, 2, 40, 0, &mut plan);
    assert_eq!(bytes(&svc, Kind::Timelines), 0);

    // User 0 follows 1 and 2: one index read per shard holding a followee, then the page's
    // tweets and their authors' user records read from the shards that hold them (user_hash:
    // a tweet lives with its author's record, so one visit per author's shard).
    let mut out = Vec::new();
    svc.home_timeline(0, 2, &mut plan, &mut out);
    assert_eq!(out, [b, a], "newest first");
    let stages: Vec<Vec<_>> = plan.stages().map(|(v, _)| v.to_vec()).collect();
    let followee_shards: BTreeSet<u32> = [1, 2].iter().map(|&u| shard(u)).collect();
    assert_eq!(stages.len(), 3, "app, index reads, hydration: {stages:?}");
    assert_eq!(stages[0].len(), 1);
    assert_eq!(stages[0][0].tier, Tier::App);
    assert_eq!(stages[1].len(), followee_shards.len());
    assert_eq!(stages[1].iter().map(|v| v.items).sum::<u32>(), 2);
    assert_eq!(stages[2].len(), followee_shards.len());
    assert_eq!(stages[2].iter().map(|v| v.items).sum::<u32>(), 2 + 2, "two tweets, two authors");
    let page = (36 + 100) + (36 + 40) + 2 * 128;
    assert_eq!(stages[2].iter().map(|v| v.bytes).sum::<u64>(), page);
    assert_eq!(stages[0][0].bytes, page, "the response carries the page and its authors");
    assert!(plan.visits.iter().all(|v| v.access == Access::Read));

    // User 3 follows only 1, whose shard is read once for the index and once for the tweet.
    svc.home_timeline(3, 2, &mut plan, &mut out);
    assert_eq!(out, [a]);
    assert_eq!(plan.count(Tier::Shard, Access::Read), 2);
    // User 1 follows 0, who never posted: one index read, nothing to hydrate.
    svc.home_timeline(1, 2, &mut plan, &mut out);
    assert!(out.is_empty());
    assert_eq!(plan.count(Tier::Shard, Access::Read), 1);
}

/// Visits of `tier` in a stage as (access, items, bytes), in plan order.
fn tier_visits(stage: &[tweetcap::service::Visit], tier: Tier) -> Vec<(Access, u32, u64)> {
    stage.iter().filter(|v| v.tier == tier).map(|v| (v.access, v.items, v.bytes)).collect()
}

#[test]
fn user_records_and_images_through_their_caches() {
    let dir = tempfile::tempdir().unwrap();
    let caches = "  caches:\n    user: { policy: lru, nodes: 1, capacity_per_node: 1MB }\n    \
                  image: { policy: lru, nodes: 1, capacity_per_node: 1MB }\n";
    let s = scenario_with(dir.path(), "pull", caches);
    let svc = service(&s);
    let mut plan = Plan::default();
    let a = svc.post_tweet(1000, 1, 100, 0, &mut plan);
    let b = svc.post_tweet(2000, 2, 40, 5000, &mut plan);
    let page = (36 + 100) + (36 + 40);

    // Cold: both authors miss the user cache and are read with the tweets from the shards;
    // the image misses the edge and comes from the blob tier. The fills are background work.
    let mut out = Vec::new();
    svc.home_timeline(0, 2, &mut plan, &mut out);
    assert_eq!(out, [b, a]);
    let stages: Vec<(Vec<_>, bool)> = plan.stages().map(|(v, bg)| (v.to_vec(), bg)).collect();
    let fg: Vec<_> = stages.iter().filter(|(_, bg)| !bg).map(|(v, _)| v.clone()).collect();
    let bg: Vec<_> = stages.iter().filter(|(_, bg)| *bg).flat_map(|(v, _)| v.clone()).collect();
    assert_eq!(fg.len(), 4, "app, index reads, user cache, shard reads: {fg:?}");
    assert_eq!(tier_visits(&fg[2], Tier::UserCache), [(Access::Read, 2, 0)], "two misses");
    let shard_items: u32 = fg[3].iter().map(|v| v.items).sum();
    let shard_bytes: u64 = fg[3].iter().map(|v| v.bytes).sum();
    assert_eq!((shard_items, shard_bytes), (2 + 2, page + 2 * 128));
    assert_eq!(fg[0][0].bytes, page + 2 * 128, "the response carries the page and its authors");
    assert_eq!(tier_visits(&bg, Tier::ImageCache), [(Access::Read, 1, 0), (Access::Write, 1, 5000)]);
    assert_eq!(tier_visits(&bg, Tier::Blob), [(Access::Read, 1, 5000)]);
    assert_eq!(tier_visits(&bg, Tier::UserCache), [(Access::Write, 2, 256)]);

    // Warm: the authors and the image are hits; the shards serve the tweets alone, the blob
    // tier nothing.
    svc.home_timeline(0, 2, &mut plan, &mut out);
    let fg: Vec<Vec<_>> = plan.stages().filter(|(_, bg)| !bg).map(|(v, _)| v.to_vec()).collect();
    let bg: Vec<_> = plan.stages().filter(|(_, bg)| *bg).flat_map(|(v, _)| v.to_vec()).collect();
    assert_eq!(tier_visits(&fg[2], Tier::UserCache), [(Access::Read, 2, 256)]);
    assert_eq!(fg[3].iter().map(|v| (v.items, v.bytes)).fold((0, 0), |t, x| (t.0 + x.0, t.1 + x.1)), (2, page));
    assert_eq!(tier_visits(&bg, Tier::ImageCache), [(Access::Read, 1, 5000)]);
    assert!(tier_visits(&bg, Tier::Blob).is_empty() && tier_visits(&bg, Tier::UserCache).is_empty());
    let stats = |t: Tier| svc.cache_stats(t).map(|c| (c.hits, c.misses));
    assert_eq!(stats(Tier::UserCache), Some((2, 2)));
    assert_eq!(stats(Tier::ImageCache), Some((1, 1)));
}

/// A push writes the new entry into each recipient's cached timeline, on the node holding it:
/// one visit per node with as many items as it holds recipients; recipients whose timelines
/// are not cached, or whose node is down, cost the cache nothing.
#[test]
fn a_push_updates_the_cached_timelines_it_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let caches = "  caches:\n    timeline: { policy: lru, nodes: 2, capacity_per_node: 1MB }\n";
    let s = scenario_with(dir.path(), "push", caches);
    let svc = service(&s);
    let mut plan = Plan::default();
    let mut out = Vec::new();
    // Users 0 and 3 (followers of 1) read their timelines, which fills the cache; user 2
    // (also a follower of 1) never reads, so its timeline is not cached.
    let mut node_of = [0u32; 4];
    for u in [0, 3] {
        svc.home_timeline(u, 2, &mut plan, &mut out);
        let visits: Vec<_> = plan.stages().flat_map(|(v, _)| v.to_vec()).collect();
        let read = visits.iter().find(|v| v.tier == Tier::TimelineCache && v.access == Access::Read).unwrap();
        node_of[u as usize] = read.node;
    }
    let expected = |nodes: &[u32]| {
        let mut per_node = std::collections::BTreeMap::new();
        for &n in nodes {
            *per_node.entry(n).or_insert(0u32) += 1;
        }
        per_node.into_iter().map(|(n, k)| (n, k, k as u64 * 20)).collect::<Vec<_>>()
    };
    let cache_writes = |plan: &Plan| -> Vec<(u32, u32, u64)> {
        let bg: Vec<_> = plan.stages().filter(|(_, bg)| *bg).flat_map(|(v, _)| v.to_vec()).collect();
        bg.iter().filter(|v| v.tier == Tier::TimelineCache).map(|v| (v.node, v.items, v.bytes)).collect()
    };

    svc.post_tweet(1000, 1, 100, 0, &mut plan);
    assert_eq!(plan.deliveries, 3);
    assert_eq!(cache_writes(&plan), expected(&[node_of[0], node_of[3]]));

    // With user 0's node down, only user 3's entry reaches the cache (if on the other node).
    svc.set_cache_down(Tier::TimelineCache, node_of[0], 1, true);
    svc.post_tweet(2000, 1, 100, 0, &mut plan);
    let live: Vec<u32> = [node_of[3]].into_iter().filter(|&n| n != node_of[0]).collect();
    assert_eq!(cache_writes(&plan), expected(&live));
    // The node comes back empty: its recipients cost the cache nothing until they read again.
    svc.set_cache_down(Tier::TimelineCache, node_of[0], 1, false);
    svc.post_tweet(3000, 1, 100, 0, &mut plan);
    assert_eq!(cache_writes(&plan), expected(&live));
    svc.home_timeline(0, 2, &mut plan, &mut out);
    svc.home_timeline(3, 2, &mut plan, &mut out);
    svc.post_tweet(4000, 1, 100, 0, &mut plan);
    assert_eq!(cache_writes(&plan), expected(&[node_of[0], node_of[3]]));
}

#[test]
fn a_whole_run_reconciles_deliveries_with_the_graph() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "push");
    let svc = service(&s);
    let engine = tweetcap::sim::Engine::new(&s, svc, tweetcap::assembly::balancers(&s));
    let outcome = engine.run(&mut |_| {});
    let svc = &outcome.service;
    let expected: u64 = (0..4).map(|u| svc.tweets_of(u).len() as u64 * svc.graph().followers(u).len() as u64).sum();
    let counts = svc.counts();
    assert!(counts.tweets > 20, "about 50 posts in 10 s: {}", counts.tweets);
    assert_eq!(counts.deliveries, expected);
    assert_eq!(outcome.recorder.delivered, expected, "no warm-up: every delivery is in the window");
}

/// Regression: one round-robin counter shared by app-node and replica choices sent every
/// request to the same app node when each request also made one replica pick.
#[test]
fn round_robin_spreads_app_nodes_and_replicas_evenly() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "model.yaml",
        "name: two-apps\nnodes:\n  app: { count: 2, servers: 4, service: 100us }\n  shard: { servers: 4, read: 100us, write: 100us }\n",
    );
    write(dir.path(), "tiny.txt", EDGES);
    let path = write(
        dir.path(),
        "rr.yaml",
        "name: rr\nduration: 20s\nmodel: model.yaml\npopulation:\n  users: 4\n  graph: { generator: file, path: tiny.txt }\n  tweets_per_user: 3\n\
         workload:\n  ops:\n    user_timeline: { rate: 200, page_size: 2 }\n\
         system:\n  partitioning: { strategy: user_hash, shards: 2, replication: 2 }\n  fanout: { strategy: push, timeline_length: 2 }\n",
    );
    let r = tweetcap::run::simulate(&load(&path, &[]), &mut |_| {}).unwrap();
    // Each user_timeline read is one app visit and one replica read: both alternate.
    assert!(r.nodes["app"].max_over_mean < 1.01, "{:?}", r.nodes["app"]);
    assert!(r.nodes["shard"].max_over_mean < 1.1, "{:?}", r.nodes["shard"]);
}

/// Regression: follow and unfollow checked and changed a user's lists under separate lock
/// holds, so two threads could both remove a base edge and count its bytes twice.
#[test]
fn concurrent_follow_changes_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "push");
    let svc = service(&s);
    let done = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            let svc = &svc;
            let done = &done;
            scope.spawn(move || {
                let mut plan = Plan::default();
                for i in 0..2000u32 {
                    let (a, b) = ((i + t) % 4, (i / 4 + t) % 4);
                    let changed =
                        if (i + t) % 3 == 0 { svc.follow(a, b, &mut plan) } else { svc.unfollow(a, b, &mut plan) };
                    if changed {
                        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    svc.post_tweet(i as i64, a, 10, 0, &mut plan);
                }
            });
        }
    });
    assert!(done.into_inner() > 0);
    // The graph bytes equal a recount of the follows, both sides; follower counts agree.
    let edges: u64 = (0..4).map(|u| svc.followees(u).len() as u64).sum();
    assert_eq!(bytes(&svc, Kind::Graph), edges * 2 * 8);
    for b in 0..4 {
        let followers = (0..4).filter(|&a| svc.is_following(a, b)).count() as u32;
        assert_eq!(svc.follower_count(b), followers, "user {b}");
    }
    // Each author's tweets are in id order.
    for u in 0..4 {
        let ids = svc.tweets_of(u);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "user {u}");
    }
}
