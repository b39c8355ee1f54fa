//! Cache policy speed: requests replayed per second, per policy, on a synthetic Zipf trace
//! (alpha 1.2, 7,000 objects, 200,000 requests, like the shared zipf trace) at 10% of its
//! working set in objects. `cargo bench --bench cache`; criterion's throughput is requests/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use std::path::PathBuf;

use tweetcap::strategy::CacheKind;
use tweetcap::strategy::cache::S3Fifo;
use tweetcap::trace::{Request, SizeMode, Trace, replay};

fn zipf_trace() -> Trace {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let zipf = rand_distr::Zipf::new(7000.0, 1.2).expect("valid");
    let requests = (0..200_000)
        .map(|_| {
            let id = rng.sample(zipf) as u64;
            Request { id, size: 20 + (id % 545) as u32 }
        })
        .collect();
    Trace::new(PathBuf::from("synthetic"), requests)
}

fn policies(c: &mut Criterion) {
    let trace = zipf_trace();
    let capacity = trace.unique_objects / 10;
    let mut group = c.benchmark_group("cache_replay");
    group.throughput(Throughput::Elements(trace.requests.len() as u64));
    for kind in [
        CacheKind::Lru,
        CacheKind::Fifo,
        CacheKind::Lfu,
        CacheKind::Sieve,
        CacheKind::S3fifo,
        CacheKind::Arc,
        CacheKind::Wtinylfu,
    ] {
        group.bench_function(format!("{kind:?}"), |b| {
            b.iter(|| replay(&trace, kind, capacity, SizeMode::Objects, S3Fifo::DEFAULT).misses)
        });
    }
    group.finish();
}

criterion_group!(benches, policies);
criterion_main!(benches);
