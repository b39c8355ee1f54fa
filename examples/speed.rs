use std::path::Path;
use std::time::Instant;
use tweetcap::scenario::{Overrides, load};
use tweetcap::service::Service;
use tweetcap::sim::Engine;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = Path::new(&args[1]);
    let s = load(path, &Overrides { seed: None, set: args[2..].to_vec() }).unwrap();
    let t = Instant::now();
    let graph = tweetcap::run::build_graph(&s).unwrap();
    let t1 = t.elapsed();
    let mut e = Engine::new(&s, Service::new(&s, graph));
    e.preload();
    let t2 = t.elapsed();
    let o = e.run(&mut |_| {});
    let t3 = t.elapsed();
    let run = (t3 - t2).as_secs_f64();
    println!(
        "graph {:?} preload {:?} run {:.3}s requests {} events {} -> {:.0} req/s {:.0} ev/s",
        t1,
        t2 - t1,
        run,
        o.requests,
        o.events,
        o.requests as f64 / run,
        o.events as f64 / run
    );
}
