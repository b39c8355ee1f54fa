//! The history posted before a run (`Service::post_history`, built home by home from the
//! followees' tweets) leaves the service exactly as posting the same tweets one by one with
//! `post_tweet` does: the same counts, storage, home timelines (held entries and counts), heap,
//! and the same answers once the run goes on from there. Under each fan-out strategy, with a
//! service that holds a page of each timeline (a run) and one that holds them whole (the
//! live harness).

use std::path::Path;

use super::util::{load, repo, write};
use tweetcap::graph::FollowGraph;
use tweetcap::scenario::Scenario;
use tweetcap::service::{Locks, Plan, Service};

const PER_USER: u32 = 7;

fn scenario(dir: &Path, users: u32, fanout: &str) -> Scenario {
    let text = format!(
        "name: history\nduration: 10s\nmodel: {}\npopulation:\n  users: {users}\n  graph: {{ generator: power_law, mean_follows: 12, follower_exponent: 2.1 }}\n\
         workload:\n  actor: {{ dist: zipf, s: 0.9 }}\n  ops:\n    post_tweet: {{ rate: 50, text_bytes: 100 }}\n    home_timeline: {{ rate: 500, page_size: 6 }}\n\
         system:\n  partitioning: {{ strategy: user_hash, shards: 8, replication: 2 }}\n  fanout: {fanout}\n",
        repo("models/single-exponential.yaml").display()
    );
    load(&write(dir, "history.yaml", &text), &[])
}

/// Tweet `i` of the history: its time (non-decreasing, with ties) and its text size.
fn tweet(i: u64) -> (i64, u32) {
    (-86_400_000 + (i / 3) as i64 * 9, (i * 37 % 281) as u32)
}

/// Two services that `build` makes from `s`'s graph, one given the history at once and one
/// tweet by tweet.
fn both<L: Locks>(s: &Scenario, build: fn(&Scenario, FollowGraph) -> Service<L>) -> (Service<L>, Service<L>) {
    let build = || build(s, tweetcap::assembly::build_graph(s).expect("graph"));
    let (mut at_once, one_by_one) = (build(), build());
    at_once.post_history(PER_USER, tweet);
    let mut plan = Plan::default();
    let users = u64::from(one_by_one.users());
    for i in 0..u64::from(PER_USER) * users {
        let (at_ms, text) = tweet(i);
        one_by_one.post_tweet(at_ms, (i % users) as u32, text, 0, &mut plan);
    }
    (at_once, one_by_one)
}

fn assert_same<L: Locks>(a: &Service<L>, b: &Service<L>, what: &str) {
    assert_eq!(a.counts(), b.counts(), "{what}: counts");
    assert_eq!(a.storage(), b.storage(), "{what}: storage");
    assert_eq!(a.heap_bytes(), b.heap_bytes(), "{what}: heap by kind");
    for u in 0..a.users() {
        assert_eq!(a.stored_timeline(u), b.stored_timeline(u), "{what}: home timeline of user {u}");
        assert_eq!(a.tweets_of(u), b.tweets_of(u), "{what}: tweets of user {u}");
    }
}

#[test]
fn the_history_at_once_is_the_history_tweet_by_tweet() {
    let dir = tempfile::tempdir().unwrap();
    for fanout in [
        "{ strategy: push, timeline_length: 30 }",
        "{ strategy: push, timeline_length: 6 }",
        "{ strategy: hybrid, celebrity_followers: 40, timeline_length: 25 }",
        "{ strategy: cost_based, timeline_length: 30 }",
        "{ strategy: pull, timeline_length: 30 }",
    ] {
        let s = scenario(dir.path(), 3000, fanout);
        check(&s, tweetcap::assembly::simulated_service, &format!("{fanout}, a page held"), fanout);
        check(&s, tweetcap::assembly::service, &format!("{fanout}, whole timelines"), fanout);
    }
}

fn check<L: Locks>(s: &Scenario, build: fn(&Scenario, FollowGraph) -> Service<L>, what: &str, fanout: &str) {
    let (a, b) = both(s, build);
    assert!(a.counts().deliveries > 0 || fanout.contains("pull"), "{what}: the history delivers");
    assert_same(&a, &b, what);
    // The run goes on from there alike: more posts, then reads.
    let (mut pa, mut pb) = (Plan::default(), Plan::default());
    let (mut oa, mut ob) = (Vec::new(), Vec::new());
    for i in 0..2000u32 {
        let user = i.wrapping_mul(2_654_435_761) % 3000;
        assert_eq!(a.post_tweet(i as i64, user, 50, 0, &mut pa), b.post_tweet(i as i64, user, 50, 0, &mut pb));
        a.home_timeline((user * 7 + 1) % 3000, 6, &mut pa, &mut oa);
        b.home_timeline((user * 7 + 1) % 3000, 6, &mut pb, &mut ob);
        assert_eq!(oa, ob, "{what}: a read after the history");
    }
    assert_same(&a, &b, &format!("{what}, after the run"));
}

/// A larger population, its homes split over the cores in many pieces.
#[test]
fn a_large_history_is_the_history_tweet_by_tweet() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), 150_000, "{ strategy: push, timeline_length: 30 }");
    let (a, b) = both(&s, tweetcap::assembly::simulated_service);
    assert_same(&a, &b, "150,000 users");
}
