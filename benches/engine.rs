//! Engine speed: simulated requests per second of CPU time, on the quickstart mix and on the
//! twitter shape (`cargo bench --bench engine`). The figure is criterion's throughput
//! (elements/s), where an element is one simulated request. Graph building and the preload
//! are set-up, not measured there; the `setup` group measures them apart, per simulated user.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;

use tweetcap::scenario::{Overrides, Scenario, load};
use tweetcap::sim::Engine;

fn scenario(file: &str, set: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let overrides = Overrides { seed: None, set: set.iter().map(|s| s.to_string()).collect() };
    load(&path, &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// Benchmarks whole runs of `s` as `name`: each sample builds the service over a copy of the
/// graph and preloads it (not measured), then runs the engine to the end.
fn runs(c: &mut Criterion, name: &str, s: &Scenario) {
    let graph = tweetcap::assembly::build_graph(s).expect("graph");
    let engine = || {
        let mut service = tweetcap::assembly::simulated_service(s, graph.clone());
        tweetcap::workload::preload(s, &mut service);
        Engine::new(s, service, tweetcap::assembly::balancers(s))
    };
    // Count the requests of one run to report throughput per request.
    let requests = engine().run(&mut |_| {}).requests;
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(requests));
    group.sample_size(10);
    group.bench_function(name, |b| b.iter_batched(engine, |e| e.run(&mut |_| {}), BatchSize::LargeInput));
    group.finish();
}

fn quickstart(c: &mut Criterion) {
    runs(c, "quickstart_11s", &scenario("quickstart.yaml", &["duration=10s", "warmup=1s"]));
}

/// The twitter shape (75 follows, 800-entry timelines, four cache layers, 345,000 requests/s)
/// at 100,000 users, whole, a tweet of history each, for 0.6 s: about 200,000 requests on memory well beyond the processor's
/// caches, where a request mostly waits on it. Under a minute in all.
fn twitter_shape(c: &mut Criterion) {
    let s = scenario(
        "twitter-2012.yaml",
        &[
            "population.users=100000",
            "population.sample=1",
            "population.tweets_per_user=1",
            "duration=500ms",
            "warmup=100ms",
        ],
    );
    runs(c, "twitter_100k_users", &s);
}

/// Set-up at the twitter shape, 100,000 users: generating the follow graph, and building the
/// service and preloading its history (a tweet per user, delivered to 7.5M home timelines).
/// Throughput is simulated users per second.
fn setup(c: &mut Criterion) {
    let s = scenario(
        "twitter-2012.yaml",
        &["population.users=100000", "population.sample=1", "population.tweets_per_user=1"],
    );
    let graph = tweetcap::assembly::build_graph(&s).expect("graph");
    let mut group = c.benchmark_group("setup");
    group.throughput(Throughput::Elements(s.population.users as u64));
    group.sample_size(10);
    group.bench_function("graph_twitter_100k_users", |b| b.iter(|| tweetcap::assembly::build_graph(&s)));
    group.bench_function("preload_twitter_100k_users", |b| {
        b.iter_batched(
            || graph.clone(),
            |g| {
                let mut service = tweetcap::assembly::simulated_service(&s, g);
                tweetcap::workload::preload(&s, &mut service);
                service
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, quickstart, twitter_shape, setup);
criterion_main!(benches);
