//! Engine speed on the quickstart mix: simulated requests per second of CPU time.
//! `cargo bench --bench engine`; the figure is criterion's throughput (elements/s), where an
//! element is one simulated request. Graph building and the preload are set-up, not measured.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;

use tweetcap::scenario::{Overrides, load};
use tweetcap::sim::Engine;

fn quickstart(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml");
    let overrides = Overrides { seed: None, set: vec!["duration=10s".into(), "warmup=1s".into()] };
    let s = load(&path, &overrides).expect("quickstart loads");
    let graph = tweetcap::assembly::build_graph(&s).expect("graph");
    // Count the requests of one run to report throughput per request.
    let requests = {
        let service = tweetcap::assembly::simulated_service(&s, graph.clone());
        tweetcap::workload::preload(&s, &service);
        Engine::new(&s, service, tweetcap::assembly::balancers(&s)).run(&mut |_| {}).requests
    };
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(requests));
    group.sample_size(10);
    group.bench_function("quickstart_11s", |b| {
        b.iter_batched(
            || {
                let service = tweetcap::assembly::simulated_service(&s, graph.clone());
                tweetcap::workload::preload(&s, &service);
                Engine::new(&s, service, tweetcap::assembly::balancers(&s))
            },
            |e| e.run(&mut |_| {}),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, quickstart);
criterion_main!(benches);
