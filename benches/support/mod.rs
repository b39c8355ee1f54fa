//! Inputs and measured loops shared by the criterion benches (wall-clock speed) and the
//! instruction-count gate (`benches/instructions.rs`), so that both measure the same code.
//! Building the inputs is set-up; only the loops are measured.
#![allow(dead_code)]

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::Path;

use tweetcap::scenario::{Overrides, Scenario, load};
use tweetcap::service::{Local, Plan, Service};
use tweetcap::sim::Engine;
use tweetcap::sim::events::{Event, EventQueue};
use tweetcap::strategy::{Balancer, Cache, Partitioner};

/// A shipped scenario with `--set` overrides, leaked so an engine can borrow it for good.
pub fn scenario(file: &str, set: &[&str]) -> &'static Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let overrides = Overrides { seed: None, set: set.iter().map(|s| s.to_string()).collect() };
    match load(&path, &overrides) {
        Ok(s) => Box::leak(Box::new(s)),
        Err(e) => panic!("{e}"),
    }
}

/// An engine on `s` with its history preloaded, ready to run.
pub fn engine(s: &'static Scenario) -> Engine<'static> {
    let graph = tweetcap::assembly::build_graph(s).expect("graph");
    let mut service = tweetcap::assembly::simulated_service(s, graph);
    tweetcap::workload::preload(s, &mut service);
    Engine::new(s, service, tweetcap::assembly::balancers(s))
}

/// Runs an engine to the end; returns the requests simulated. The outcome (the whole service
/// state) is leaked, not dropped: freeing it is not the engine's work, and the criterion bench
/// leaves it out of its timing too.
pub fn run(e: Engine<'_>) -> u64 {
    let outcome = e.run(&mut |_| {});
    let requests = outcome.requests;
    std::mem::forget(outcome);
    requests
}

/// An event queue holding `pending` events, and `ops` delays (exponential, mean 1ms, in ns)
/// for the hold loop.
pub fn hold_input(pending: u32, ops: u32) -> (EventQueue, Vec<u64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut delay = move || (-(1.0 - rng.random::<f64>()).ln() * 1e6) as u64;
    let mut q = EventQueue::default();
    for i in 0..pending {
        q.push(delay(), Event::StageDone(i));
    }
    let delays = (0..ops).map(|_| delay()).collect();
    (q, delays)
}

/// The classic hold model of a discrete-event queue: pop the earliest event, schedule one a
/// delay later. Returns the last time popped.
pub fn hold(q: &mut EventQueue, delays: &[u64]) -> u64 {
    let mut now = 0;
    for &d in delays {
        let (t, e) = q.pop().expect("the queue is never empty");
        now = t;
        q.push(t + d, e);
    }
    now
}

/// Keys drawn from Zipf(`objects`, 1.0): a cache's request stream.
pub fn zipf_keys(objects: u64, requests: usize) -> Vec<u64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let zipf = rand_distr::Zipf::new(objects as f64, 1.0).expect("valid");
    (0..requests).map(|_| rng.sample(zipf) as u64).collect()
}

/// A cache node's loop: look each key up, insert it (200 bytes) on a miss. Returns the misses.
pub fn get_insert(cache: &mut dyn Cache, keys: &[u64]) -> u64 {
    let mut misses = 0;
    for &k in keys {
        if !cache.get(k) {
            misses += 1;
            cache.insert(k, 200);
        }
    }
    misses
}

/// The shard of each of `users` users and of one tweet each; returns a checksum.
pub fn lookups(p: &dyn Partitioner, users: u32) -> u64 {
    let mut sum = 0u64;
    for u in 0..users {
        sum += p.user_shard(u) as u64 + p.tweet_shard((u as u64) << 22, u) as u64;
    }
    sum
}

/// `picks` picks among `n` live nodes whose outstanding visits are their index; returns a
/// checksum.
pub fn picks(b: &mut dyn Balancer, n: u32, picks: u32) -> u64 {
    (0..picks).map(|_| b.pick(n, &mut |i| Some(i)).unwrap_or(0) as u64).sum()
}

/// A service on `s` with its history, and the user with the most followers.
pub fn fanout_input(s: &'static Scenario) -> (Service<Local>, u32) {
    let graph = tweetcap::assembly::build_graph(s).expect("graph");
    let service = tweetcap::assembly::simulated_service(s, graph);
    let top = (0..service.users()).max_by_key(|&u| (service.follower_count(u), u)).unwrap_or(0);
    (service, top)
}

/// `tweets` posts by `author`, each delivered to every follower's home timeline (push fan-out).
/// Returns the deliveries planned.
pub fn post(service: &Service<Local>, author: u32, tweets: u32) -> u64 {
    let mut plan = Plan::default();
    let mut deliveries = 0;
    for i in 0..tweets {
        service.post_tweet(i as i64, author, 140, 0, &mut plan);
        deliveries += plan.deliveries as u64;
    }
    deliveries
}
