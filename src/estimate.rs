//! Back-of-envelope capacity figures from a scenario alone, as the capacity step of a system
//! design does it by hand: peak QPS per operation, storage per day and per year by kind,
//! bandwidth in and out, and nodes needed per tier at a target utilisation. Every run report
//! shows these beside the simulated figures, so a reader sees where the spreadsheet and the
//! simulation part ways (skew, queueing, caches).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::scenario::{Op, Scenario, TierModel};
use crate::service::{
    EDGE_SIDE_BYTES, FANOUT_BATCH, FAVOURITE_BYTES, INDEX_ENTRY_BYTES, TIMELINE_ENTRY_BYTES, TWEET_META_BYTES,
    USER_RECORD_BYTES,
};
use crate::strategy::{FanoutKind, PartitionKind};
use crate::tier::Tier;

/// Utilisation a tier is sized for.
pub const TARGET_UTILISATION: f64 = 0.7;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TierEstimate {
    /// Busy servers needed on average over the measured window.
    pub busy_servers: f64,
    /// Busy servers at the peak rate.
    pub peak_busy_servers: f64,
    pub servers_per_node: u32,
    pub nodes_configured: u32,
    /// Nodes needed so that the peak runs at the target utilisation.
    pub nodes_needed: u32,
    /// Mean utilisation of the configured nodes over the measured window.
    pub utilisation: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Estimate {
    pub target_utilisation: f64,
    /// Mean QPS over the measured window, per operation.
    pub mean_qps: BTreeMap<String, f64>,
    /// Highest QPS the pattern reaches, per operation.
    pub peak_qps: BTreeMap<String, f64>,
    /// Mean followees per user (the graph's mean follows).
    pub mean_followers: f64,
    /// Timeline deliveries per post (0 under pull; celebrities' posts count their followers).
    pub deliveries_per_tweet: f64,
    /// Followees whose tweets a home timeline read merges in at read time.
    pub pulled_per_read: f64,
    pub storage_per_day_bytes: BTreeMap<String, f64>,
    pub storage_per_year_bytes: f64,
    /// Per year, replicas included (images are stored once, in the blob tier).
    pub replicated_per_year_bytes: f64,
    pub bandwidth_in_bytes_per_s: f64,
    pub bandwidth_out_bytes_per_s: f64,
    pub tiers: BTreeMap<String, TierEstimate>,
}

/// Mean of the pattern's multiplier over the measured window (sampled at 10,000 points).
pub fn mean_multiplier(s: &Scenario, op: Op) -> f64 {
    let n = 10_000u64;
    let (a, d) = (s.warmup_ns, s.duration_ns);
    (0..n).map(|i| s.workload.pattern.multiplier(op, a + d * (2 * i + 1) / (2 * n))).sum::<f64>() / n as f64
}

fn mean_ns(t: &TierModel, write: bool) -> f64 {
    let d = if write { &t.write } else { &t.read };
    d.mean().unwrap_or(0.0)
}

/// Timeline deliveries per post and followees pulled per home read, for a graph whose readers
/// follow `followees` authors on average.
fn fanout_split(s: &Scenario, followees: f64) -> (f64, f64) {
    let fan = &s.system.fanout;
    let post = s.workload.op(Op::PostTweet);
    let users = s.population.users as f64;
    let (celebrities, celebrity_followers) =
        s.population.celebrities.map_or((0.0, 0.0), |c| (c.count as f64, c.followers as f64));
    let share = post.celebrity_share;
    // Hybrid pulls the celebrities above its threshold (ordinary authors are assumed below it).
    // cost_based is estimated as push: its deliveries are at most push's.
    let celebrity_pulled = match fan.strategy {
        FanoutKind::Push | FanoutKind::CostBased => false,
        FanoutKind::Pull => true,
        FanoutKind::Hybrid => celebrity_followers > fan.celebrity_followers as f64,
    };
    // Deliveries per post and followees pulled per home read.
    match fan.strategy {
        FanoutKind::Pull => (0.0, followees),
        FanoutKind::Push | FanoutKind::Hybrid | FanoutKind::CostBased => {
            let celebrity_part = if celebrity_pulled { 0.0 } else { share * celebrity_followers };
            let pulled = if celebrity_pulled { celebrities * celebrity_followers / users } else { 0.0 };
            ((1.0 - share) * followees + celebrity_part, pulled)
        }
    }
}

/// The rates of the operations.
struct OpRates {
    /// Per operation with a rate, by name: the mean QPS over the measured window.
    mean_qps: BTreeMap<String, f64>,
    /// The same operations' peak QPS.
    peak_qps: BTreeMap<String, f64>,
    /// Mean and peak QPS of every operation, by index.
    rate: [f64; 6],
    peak: [f64; 6],
}

fn op_rates(s: &Scenario) -> OpRates {
    let mut mean_qps = BTreeMap::new();
    let mut peak_qps = BTreeMap::new();
    let mut rate = [0.0; 6];
    let mut peak = [0.0; 6];
    for op in Op::ALL {
        let base = s.workload.op(op).rate;
        rate[op.index()] = base * mean_multiplier(s, op);
        peak[op.index()] = base * s.workload.pattern.max_multiplier(op);
        if base > 0.0 {
            mean_qps.insert(op.name().to_owned(), rate[op.index()]);
            peak_qps.insert(op.name().to_owned(), peak[op.index()]);
        }
    }
    OpRates { mean_qps, peak_qps, rate, peak }
}

/// Storage written per day by kind, per year, and per year with replicas, at the mean rates
/// `rate` (by operation index) with `pushed_per_post` deliveries per post.
fn storage(
    s: &Scenario,
    rate: &[f64; 6],
    pushed_per_post: f64,
    tweet_bytes: f64,
    image: f64,
) -> (BTreeMap<String, f64>, f64, f64) {
    let r = s.system.partitioning.replication as f64;
    let users = s.population.users as f64;
    let fan = &s.system.fanout;
    let day = 86_400.0;
    let posts = rate[Op::PostTweet.index()];
    let deliveries = posts * pushed_per_post;
    let mut storage = BTreeMap::new();
    storage.insert("tweets".to_owned(), posts * day * (tweet_bytes + INDEX_ENTRY_BYTES as f64));
    // Timelines stop growing once every one holds timeline_length entries.
    let timelines_full = users * fan.timeline_length as f64 * TIMELINE_ENTRY_BYTES as f64;
    storage.insert("timelines".to_owned(), (deliveries * day * TIMELINE_ENTRY_BYTES as f64).min(timelines_full));
    storage.insert("likes".to_owned(), rate[Op::LikeTweet.index()] * day * FAVOURITE_BYTES as f64);
    storage.insert(
        "graph".to_owned(),
        (rate[Op::Follow.index()] - rate[Op::Unfollow.index()]) * day * 2.0 * EDGE_SIDE_BYTES as f64,
    );
    storage.insert("images".to_owned(), posts * day * image);
    storage.insert("users".to_owned(), 0.0);
    let per_day: f64 = storage.values().sum();
    let images_day = storage["images"];
    let timelines_day = storage["timelines"];
    let timelines_year = (timelines_day * 365.0).min(timelines_full);
    let per_year = (per_day - timelines_day) * 365.0 + timelines_year;
    let replicated_per_year =
        ((per_day - images_day - timelines_day) * 365.0 + timelines_year) * r + images_day * 365.0;
    (storage, per_year, replicated_per_year)
}

/// The estimate for a scenario, with `mean_followers` the mean followers per user of its graph.
pub fn estimate(s: &Scenario, mean_followers: f64) -> Estimate {
    let topo = s.topology;
    let r = s.system.partitioning.replication as f64;
    let shards = s.system.partitioning.shards as f64;
    let fan = &s.system.fanout;
    let post = s.workload.op(Op::PostTweet);
    let users = s.population.users as f64;
    // Two different means: followees per reader (the graph's mean) and followers per post's
    // author (celebrities post `celebrity_share` of the tweets and have many followers).
    let followees = mean_followers;
    let (pushed_per_post, pulled_per_read) = fanout_split(s, followees);
    let materialised = fan.strategy != FanoutKind::Pull;
    let text = post.text_bytes.mean().unwrap_or(0.0);
    let image = post.image_probability * post.image_bytes.mean().unwrap_or(0.0);
    let tweet_bytes = TWEET_META_BYTES as f64 + text;

    let OpRates { mean_qps, peak_qps, rate, peak } = op_rates(s);
    let posts = rate[Op::PostTweet.index()];
    let (storage, per_year, replicated_per_year) = storage(s, &rate, pushed_per_post, tweet_bytes, image);

    // Pages are only as full as the timelines behind them: a timeline holds what its followees
    // posted (the preloaded history plus posts up to the middle of the measured window).
    let mid_run_s = (s.warmup_ns as f64 + s.duration_ns as f64 / 2.0) / 1e9;
    let tweets_per_author = s.population.tweets_per_user as f64 + rate[Op::PostTweet.index()] * mid_run_s / users;
    let posted = followees * tweets_per_author;
    let available = if materialised { posted.min(fan.timeline_length as f64) } else { posted };
    let page_home = (s.workload.op(Op::HomeTimeline).page_size as f64).min(available);
    let page_user = (s.workload.op(Op::UserTimeline).page_size as f64).min(tweets_per_author);
    // Only tweets posted during the run can carry an image (the preloaded history is text), and
    // a page shows the newest entries first: the fresh ones, up to the page size.
    let fresh_per_author = rate[Op::PostTweet.index()] * mid_run_s / users;
    let fresh_share = |page: f64, fresh: f64| if page > 0.0 { fresh.min(page) / page } else { 0.0 };
    // Images viewed per page read: each tweet with an image on the page (the client fetches it
    // after the response).
    let images_per_home = post.image_probability * page_home * fresh_share(page_home, followees * fresh_per_author);
    let images_per_user = post.image_probability * page_user * fresh_share(page_user, fresh_per_author);
    let image_views = |rates: &[f64; 6]| {
        rates[Op::HomeTimeline.index()] * images_per_home + rates[Op::UserTimeline.index()] * images_per_user
    };
    // A page carries its tweets and the user records of their authors (at most one per tweet).
    let page_bytes = tweet_bytes + USER_RECORD_BYTES as f64;
    let bandwidth_in = posts * (text + image) + rate[Op::LikeTweet.index()] * 16.0;
    let bandwidth_out = rate[Op::HomeTimeline.index()] * page_home * page_bytes
        + rate[Op::UserTimeline.index()] * (page_user * tweet_bytes + USER_RECORD_BYTES as f64)
        + image_views(&rate) * post.image_bytes.mean().unwrap_or(0.0);

    // Service demand per tier, in server-seconds per second, from the visits each op makes.
    let m = &s.model;
    let has_tl_cache = s.system.timeline_cache.is_some();
    let has_tw_cache = s.system.tweet_cache.is_some();
    let has_user_cache = s.system.user_cache.is_some();
    let has_image_cache = s.system.image_cache.is_some();

    let demand = |rates: &[f64; 6], tier: Tier| -> f64 {
        let image_views = image_views(rates);
        let ns = match tier {
            Tier::App => m.app.as_ref().map_or(0.0, |t| {
                Op::ALL
                    .iter()
                    .map(|o| {
                        rates[o.index()]
                            * mean_ns(t, matches!(o, Op::PostTweet | Op::LikeTweet | Op::Follow | Op::Unfollow))
                    })
                    .sum()
            }),
            Tier::Shard => m.shard.as_ref().map_or(0.0, |t| {
                let (rd, wr, item) = (mean_ns(t, false), mean_ns(t, true), t.per_item_ns);
                let f = pushed_per_post;
                let post_ns = 2.0 * r * (wr + item) + f.min(shards) * r * wr + f * r * item;
                let hydrate = |p: f64| {
                    if has_tw_cache {
                        0.0
                    } else {
                        // A page's tweets are spread over up to `p` shards.
                        p.min(shards) * rd + p * item
                    }
                };
                // Each author's record is read with the page's tweets (a page has at most `p`
                // authors); a user cache is assumed to answer them.
                let authors = |p: f64| if has_user_cache { 0.0 } else { p * item };
                let stored = if materialised && !has_tl_cache { rd + page_home * item } else { 0.0 };
                let pulled = pulled_per_read.min(shards) * rd + pulled_per_read * item;
                let home_ns = stored + pulled + hydrate(page_home) + authors(page_home);
                // Under user_hash without a tweet cache, a user's index and tweets are one read.
                let colocated =
                    matches!(s.system.partitioning.strategy, PartitionKind::UserHash | PartitionKind::ConsistentHash)
                        && !has_tw_cache;
                let user_ns = rd + page_user * item + authors(1.0) + if colocated { 0.0 } else { hydrate(page_user) };
                let small = 2.0 * r * (wr + item);
                rates[Op::PostTweet.index()] * post_ns
                    + rates[Op::HomeTimeline.index()] * home_ns
                    + rates[Op::UserTimeline.index()] * user_ns
                    + (rates[Op::LikeTweet.index()] + rates[Op::Follow.index()] + rates[Op::Unfollow.index()]) * small
            }),
            Tier::TimelineCache => m
                .cache
                .as_ref()
                .filter(|_| has_tl_cache && materialised)
                .map_or(0.0, |t| rates[Op::HomeTimeline.index()] * (mean_ns(t, false) + page_home * t.per_item_ns)),
            Tier::TweetCache => m.cache.as_ref().filter(|_| has_tw_cache).map_or(0.0, |t| {
                let n = topo.tweet_cache as f64;
                let visits = |p: f64| p.min(n) * mean_ns(t, false) + p * t.per_item_ns;
                rates[Op::HomeTimeline.index()] * visits(page_home)
                    + rates[Op::UserTimeline.index()] * visits(page_user)
            }),
            Tier::Blob => m.blob.as_ref().map_or(0.0, |t| {
                // An image cache is assumed to answer the views.
                let views = if has_image_cache { 0.0 } else { image_views };
                rates[Op::PostTweet.index()] * post.image_probability * mean_ns(t, true) + views * mean_ns(t, false)
            }),
            Tier::UserCache => m.cache.as_ref().filter(|_| has_user_cache).map_or(0.0, |t| {
                let n = topo.user_cache as f64;
                let visits = |p: f64| p.min(n) * mean_ns(t, false) + p * t.per_item_ns;
                rates[Op::HomeTimeline.index()] * visits(page_home) + rates[Op::UserTimeline.index()] * visits(1.0)
            }),
            Tier::ImageCache => m
                .cache
                .as_ref()
                .filter(|_| has_image_cache)
                .map_or(0.0, |t| image_views * (mean_ns(t, false) + t.per_item_ns)),
            Tier::Fanout => m.fanout.as_ref().map_or(0.0, |t| {
                let f = pushed_per_post;
                rates[Op::PostTweet.index()] * (f * t.per_item_ns + (f / FANOUT_BATCH as f64).ceil() * mean_ns(t, true))
            }),
        };
        ns / 1e9
    };
    let mut tiers = BTreeMap::new();
    for tier in Tier::ALL {
        let Some(model) = m.tier(tier) else { continue };
        let count = topo.nodes(tier);
        if count == 0 {
            continue;
        }
        let busy = demand(&rate, tier);
        let peak_busy = demand(&peak, tier);
        tiers.insert(
            tier.name().to_owned(),
            TierEstimate {
                busy_servers: busy,
                peak_busy_servers: peak_busy,
                servers_per_node: model.servers,
                nodes_configured: count,
                nodes_needed: ((peak_busy / (model.servers as f64 * TARGET_UTILISATION)).ceil() as u32).max(1),
                utilisation: busy / (model.servers as f64 * count as f64),
            },
        );
    }
    Estimate {
        target_utilisation: TARGET_UTILISATION,
        mean_qps,
        peak_qps,
        mean_followers,
        deliveries_per_tweet: pushed_per_post,
        pulled_per_read,
        storage_per_day_bytes: storage,
        storage_per_year_bytes: per_year,
        replicated_per_year_bytes: replicated_per_year,
        bandwidth_in_bytes_per_s: bandwidth_in,
        bandwidth_out_bytes_per_s: bandwidth_out,
        tiers,
    }
}

impl Estimate {
    /// The estimate as `tweetcap estimate` prints it for the scenario `name`: mean and peak QPS
    /// per operation, storage per day by kind and per year, bandwidth, and per tier the busy
    /// servers and the nodes configured and needed. Every line ends with a newline.
    pub fn text(&self, name: &str) -> String {
        use crate::scenario::units::human_bytes;
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{name}: back-of-envelope capacity (mean followers {:.1})\n", self.mean_followers);
        let _ = writeln!(out, "{:<16} {:>12} {:>12}", "operation", "mean QPS", "peak QPS");
        for (op, q) in &self.mean_qps {
            let _ = writeln!(out, "{:<16} {:>12.1} {:>12.1}", op, q, self.peak_qps.get(op).copied().unwrap_or(0.0));
        }
        let _ = writeln!(out, "\nstorage per day:");
        for (k, b) in &self.storage_per_day_bytes {
            let _ = writeln!(out, "  {:<12} {:>12}", k, human_bytes(*b));
        }
        let _ = writeln!(
            out,
            "per year {} ({} with replicas)",
            human_bytes(self.storage_per_year_bytes),
            human_bytes(self.replicated_per_year_bytes)
        );
        let _ = writeln!(
            out,
            "bandwidth in {}/s, out {}/s\n",
            human_bytes(self.bandwidth_in_bytes_per_s),
            human_bytes(self.bandwidth_out_bytes_per_s)
        );
        let _ = writeln!(
            out,
            "{:<16} {:>14} {:>14} {:>10} {:>12}",
            "tier",
            "busy (mean)",
            "busy (peak)",
            "nodes",
            format!("needed@{:.0}%", self.target_utilisation * 100.0)
        );
        for (tier, t) in &self.tiers {
            let _ = writeln!(
                out,
                "{:<16} {:>14.2} {:>14.2} {:>10} {:>12}",
                tier, t.busy_servers, t.peak_busy_servers, t.nodes_configured, t.nodes_needed
            );
        }
        out
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Overrides, load};
    use std::path::Path;

    fn scenario(file: &str, set: &[&str]) -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let o = Overrides { seed: None, set: set.iter().map(|s| s.to_string()).collect() };
        load(&path, &o).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn single_queue_demand_is_lambda_over_mu() {
        // mm1: 800 reads/s of 1 ms each on one single-server shard.
        let e = estimate(&scenario("scenarios/mm1.yaml", &[]), 5.0);
        let shard = &e.tiers["shard"];
        assert!((shard.busy_servers - 0.8).abs() < 1e-9, "{}", shard.busy_servers);
        assert!((shard.utilisation - 0.8).abs() < 1e-9);
        // 0.8 busy servers at 70% need ceil(0.8 / 0.7) = 2 single-server nodes.
        assert_eq!(shard.nodes_needed, 2);
        assert_eq!(e.tiers.len(), 1, "the model has no other tier");
    }

    #[test]
    fn storage_per_day_by_hand() {
        // 10 posts/s of exactly 100 bytes, 20 followers each, pushed; 5 likes/s; no images.
        let s = scenario(
            "scenarios/quickstart.yaml",
            &[
                "workload.ops.post_tweet={rate: 10, text_bytes: 100}",
                "workload.ops.like_tweet.rate=5",
                "workload.ops.follow.rate=0",
                "workload.ops.unfollow.rate=0",
                "workload.pattern.spikes=[]",
                "system.partitioning.replication=2",
            ],
        );
        let e = estimate(&s, 20.0);
        let day = 86_400.0;
        let d = &e.storage_per_day_bytes;
        assert_eq!(d["tweets"], 10.0 * day * (36.0 + 100.0 + 8.0));
        // 10 × 20 deliveries/s of 20 B would be 345.6 GB a day, but 20,000 timelines of at
        // most 200 entries hold 80 MB: they are full within the first day.
        assert!(10.0 * day * 20.0 * 20.0 > 80e6);
        assert_eq!(d["timelines"], 20_000.0 * 200.0 * 20.0);
        assert_eq!(d["likes"], 5.0 * day * 16.0);
        assert_eq!(d["images"], 0.0);
        assert_eq!(d["graph"], 0.0);
        let growing: f64 = d["tweets"] + d["likes"];
        assert!((e.storage_per_year_bytes - (growing * 365.0 + 80e6)).abs() < 1.0);
        assert!((e.replicated_per_year_bytes - (growing * 365.0 + 80e6) * 2.0).abs() < 1.0);
        assert_eq!(e.peak_qps["post_tweet"], 10.0);
    }
}
