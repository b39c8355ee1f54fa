//! Loads the real social graphs in `../shared/data/social-graphs` and checks them against the
//! counts their READMEs state (independent truth: SNAP's published counts and a one-off Python
//! count of degree mean, percentiles and maximum).
//!
//! The data sits beside the checkout, not in it; where it is missing each test says so on
//! stderr and passes.

use std::io::Write;
use std::path::PathBuf;

use tweetcap::graph::{FollowGraph, LoadedGraph};

fn data_file(rel: &str) -> Option<PathBuf> {
    super::util::shared_data(&format!("social-graphs/{rel}"))
}

fn load(rel: &str, undirected: bool) -> Option<LoadedGraph> {
    let path = data_file(rel)?;
    match FollowGraph::load_edgelist(&path, undirected) {
        Ok(loaded) => Some(loaded),
        Err(e) => panic!("{e}"),
    }
}

/// Every follow is returned: a user's followers are exactly its followees.
fn assert_all_reciprocated(g: &FollowGraph) {
    for u in 0..g.users() {
        assert_eq!(g.followers(u), g.followees(u), "user {u}");
    }
}

#[test]
fn dsb_socfb_reed98() {
    let Some(loaded) = load("dsb-socfb-Reed98/socfb-Reed98.edges", true) else {
        return;
    };
    let g = &loaded.graph;
    assert_eq!(loaded.nodes, 962);
    assert_eq!(loaded.lines, 18_812);
    assert_eq!(g.users(), 962);
    assert_eq!(g.edges(), 37_624);
    assert_eq!(g.max_followers(), 313);
    assert_eq!(g.max_followees(), 313);
    assert_eq!(g.follower_percentile(0.5), 29);
    // The README's p99 of 155 is the element at 0-based index round(0.99 * 961) = 951 of the
    // sorted degrees; true nearest rank, the ceil(0.99 * 962) = 953rd smallest, is 157.
    assert_eq!(g.follower_percentile(0.99), 157);
    assert!((g.mean_follows() - 39.1).abs() < 0.05, "{}", g.mean_follows());
    assert_all_reciprocated(g);
}

#[test]
fn snap_ego_facebook() {
    let Some(loaded) = load("snap-ego-facebook/facebook_combined.txt", true) else {
        return;
    };
    let g = &loaded.graph;
    assert_eq!(loaded.nodes, 4_039);
    assert_eq!(loaded.lines, 88_234);
    assert_eq!(g.edges(), 176_468);
    assert_eq!(g.max_followers(), 1_045);
    assert_eq!(g.follower_percentile(0.5), 25);
    assert_eq!(g.follower_percentile(0.99), 200);
    assert!((g.mean_follows() - 43.7).abs() < 0.05, "{}", g.mean_follows());
    assert_all_reciprocated(g);
}

#[test]
fn snap_wiki_vote() {
    let Some(loaded) = load("snap-wiki-vote/Wiki-Vote.txt", false) else {
        return;
    };
    let g = &loaded.graph;
    assert_eq!(loaded.nodes, 7_115);
    assert_eq!(loaded.lines, 103_689);
    assert_eq!(g.edges(), 103_689);
    assert_eq!(g.max_followers(), 457);
    assert_eq!(g.max_followees(), 893);
    assert_eq!(g.follower_percentile(0.5), 0);
    assert_eq!(g.follower_percentile(0.99), 144);
    let unfollowed = (0..g.users()).filter(|&u| g.follower_count(u) == 0).count();
    assert_eq!(unfollowed, 4_734);
    // 5.6% of edges are reciprocated.
    let reciprocated: usize = (0..g.users())
        .map(|u| g.followees(u).iter().filter(|&&v| g.followees(v).binary_search(&u).is_ok()).count())
        .sum();
    let share = reciprocated as f64 / g.edges() as f64;
    assert!((share - 0.056).abs() < 0.0005, "{share}");
}

/// The same graph written as a symmetric Matrix Market file loads to the same shape as the
/// edge list read undirected (ids differ: the edge list remaps by first appearance).
#[test]
fn reed98_as_matrix_market_matches_the_edge_list() {
    let Some(path) = data_file("dsb-socfb-Reed98/socfb-Reed98.edges") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("readable shared data");
    let mut mtx = tempfile::NamedTempFile::new().expect("temp file");
    let lines: Vec<&str> = text.lines().collect();
    writeln!(mtx, "%%MatrixMarket matrix coordinate pattern symmetric").expect("write");
    writeln!(mtx, "% socfb-Reed98, ids + 1").expect("write");
    writeln!(mtx, "962 962 {}", lines.len()).expect("write");
    for line in &lines {
        let mut ids = line.split_whitespace().map(|t| t.parse::<u32>().expect("id") + 1);
        let (a, b) = (ids.next().expect("u"), ids.next().expect("v"));
        writeln!(mtx, "{a} {b}").expect("write");
    }
    mtx.flush().expect("flush");

    let from_mtx = FollowGraph::load_mtx(mtx.path(), false).expect("valid mtx");
    assert_eq!(from_mtx.nodes, 962);
    assert_eq!(from_mtx.lines, 18_812);
    assert_eq!(from_mtx.graph.edges(), 37_624);
    assert_eq!(from_mtx.graph.max_followers(), 313);
    assert_all_reciprocated(&from_mtx.graph);

    let from_list = FollowGraph::load_edgelist(&path, true).expect("valid edge list");
    let degrees = |g: &FollowGraph| {
        let mut d: Vec<u32> = (0..g.users()).map(|u| g.follower_count(u)).collect();
        d.sort_unstable();
        d
    };
    assert_eq!(degrees(&from_mtx.graph), degrees(&from_list.graph));
}
