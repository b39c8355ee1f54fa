//! Where a simulated run's memory and set-up time go: runs a scenario as `tweetcap run` does
//! (graph, service, preload, engine) and prints, after each phase, its seconds, the heap the
//! allocator holds per user and the process's resident set; at the end, the service's heap by
//! kind per user (`Service::heap_bytes`), the rest (cache layers, the engine's tables) as what
//! the allocator holds beyond it, and the engine's requests per second.
//!
//! ```sh
//! cargo run --release --example memory -- scenarios/twitter-2012.yaml [KEY=VALUE ...]
//! ```
//!
//! The KEY=VALUE arguments are `--set` overrides (e.g. `population.users=250000`). Heap bytes
//! are counted as glibc's malloc hands them out (a request plus its 8-byte header, in 16-byte
//! steps, 32 at least), so they come close to the resident set. Counting slows allocation a
//! little: take requests per second from `tweetcap run` for a figure to quote.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use tweetcap::scenario::{Overrides, load};
use tweetcap::{assembly, sim, workload};

/// The system allocator, counting the bytes it holds.
struct Counting;

static HELD: AtomicU64 = AtomicU64::new(0);

/// Bytes glibc's malloc takes for a request of `size` bytes.
fn chunk(size: usize) -> u64 {
    ((size + 8 + 15) & !15).max(32) as u64
}

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(chunk(layout.size()), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(chunk(layout.size()), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(chunk(layout.size()), Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        HELD.fetch_sub(chunk(layout.size()), Relaxed);
        HELD.fetch_add(chunk(size), Relaxed);
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The resident set now and at its peak, in bytes (Linux; 0 elsewhere).
fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
    };
    (field("VmRSS:").unwrap_or(0) * 1024, field("VmHWM:").unwrap_or(0) * 1024)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: memory SCENARIO [KEY=VALUE ...]");
        return ExitCode::from(2);
    };
    let overrides = Overrides { seed: None, set: args.collect() };
    let s = match load(Path::new(&path), &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let users = s.population.users as f64;
    let start = Instant::now();
    let phase = |name: &str, since: Instant| {
        let (now, peak) = resident();
        println!(
            "{name:<8} {:>7.2} s   heap {:>7.1} B/user   resident {:>7.1} B/user (peak {:.1})",
            since.elapsed().as_secs_f64(),
            HELD.load(Relaxed) as f64 / users,
            now as f64 / users,
            peak as f64 / users
        );
        Instant::now()
    };
    let graph = match assembly::build_graph(&s) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let t = phase("graph", start);
    let mut service = assembly::simulated_service(&s, graph);
    let t = phase("service", t);
    workload::preload(&s, &mut service);
    let t = phase("preload", t);
    let engine = sim::Engine::new(&s, service, assembly::balancers(&s));
    let t = phase("engine", t);
    let outcome = engine.run(&mut |_| {});
    let seconds = t.elapsed().as_secs_f64();
    phase("run", t);
    println!(
        "set-up {:.2} s; {} requests in {seconds:.2} s: {:.0} requests/s",
        start.elapsed().as_secs_f64() - seconds,
        outcome.requests,
        outcome.requests as f64 / seconds
    );
    let heap = outcome.service.heap_bytes();
    let held = HELD.load(Relaxed);
    println!("bytes per user by kind:");
    for (kind, bytes) in [
        ("graph", heap.graph),
        ("homes", heap.homes),
        ("tweets", heap.tweets),
        ("users", heap.users),
        ("caches, rest", held.saturating_sub(heap.total())),
        ("total (allocator)", held),
    ] {
        println!("  {kind:<18} {:>8.1}", bytes as f64 / users);
    }
    // Freeing the state is no part of the run.
    std::mem::forget(outcome);
    ExitCode::SUCCESS
}
