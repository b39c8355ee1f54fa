//! Cache policies against the reference semantics on the shared traces.
//!
//! The expected miss counts below were computed by an independent implementation: a Python
//! simulator written only from the rules in `../shared/data/cache-traces/README.md` (with
//! libCacheSim's source consulted where the README is ambiguous), replaying each trace at
//! 1, 5, 10 and 25% of its working set. The trace statistics are the README's own table.
//!
//! LFU and SIEVE agree in some cells, and that is expected: while neither ever evicts an
//! object that was hit while cached, both evict the oldest never-hit object, so every
//! request gets the same answer. Where they differ, both evict hit objects.

use super::util::{shared_data, tweetcap};
use tweetcap::strategy::CacheKind;
use tweetcap::strategy::cache::S3Fifo;
use tweetcap::trace::{SizeMode, Trace, replay, working_set};

const POLICIES: [CacheKind; 5] = [CacheKind::Lru, CacheKind::Fifo, CacheKind::Lfu, CacheKind::Sieve, CacheKind::S3fifo];

/// (fraction of the working set, capacity, misses for lru, fifo, lfu, sieve, s3fifo).
type Expected = [(f64, u64, [u64; 5]); 4];

const CLOUD_OBJECTS: Expected = [
    (0.01, 489, [95420, 96518, 96765, 94419, 94559]),
    (0.05, 2448, [93897, 94122, 93052, 93052, 91396]),
    (0.10, 4897, [91657, 91716, 90040, 90040, 85691]),
    (0.25, 12243, [76538, 77971, 75430, 75430, 74318]),
];
const CLOUD_BYTES: Expected = [
    (0.01, 20297697, [94956, 95293, 93724, 93724, 93706]),
    (0.05, 101488486, [93700, 93741, 92328, 92328, 91452]),
    (0.10, 202976972, [92200, 91954, 89993, 89993, 83764]),
    (0.25, 507442432, [81987, 84091, 76934, 76934, 76771]),
];
const ZIPF_OBJECTS: Expected = [
    (0.01, 59, [76212, 87697, 58537, 58417, 59032]),
    (0.05, 299, [42524, 50461, 33813, 32884, 33377]),
    (0.10, 599, [31151, 37655, 24912, 24757, 24900]),
    (0.25, 1498, [18367, 22856, 15568, 15568, 15705]),
];
const ZIPF_BYTES: Expected = [
    (0.01, 17723, [75110, 86560, 55992, 57460, 58072]),
    (0.05, 88616, [42477, 50469, 34048, 33001, 33471]),
    (0.10, 177233, [31212, 37700, 25431, 25200, 25181]),
    (0.25, 443083, [18416, 22844, 15559, 15559, 15743]),
];

fn check(file: &str, mode: SizeMode, expected: &Expected) {
    let Some(path) = shared_data(&format!("cache-traces/{file}")) else { return };
    let trace = Trace::load(&path).expect("trace loads");
    let ws = working_set(&trace, mode);
    for &(fraction, capacity, misses) in expected {
        assert_eq!((ws as f64 * fraction).floor() as u64, capacity, "{file} {mode:?} {fraction}");
        for (kind, want) in POLICIES.iter().zip(misses) {
            let r = replay(&trace, *kind, capacity, mode, S3Fifo::DEFAULT);
            assert_eq!(r.misses, want, "{file} {mode:?} {fraction} {kind:?}");
        }
    }
}

#[test]
fn cloudphysics_by_objects() {
    check("cloudPhysicsIO.oracleGeneral.bin", SizeMode::Objects, &CLOUD_OBJECTS);
}

#[test]
fn cloudphysics_by_bytes() {
    check("cloudPhysicsIO.oracleGeneral.bin", SizeMode::Bytes, &CLOUD_BYTES);
}

#[test]
fn zipf_by_objects() {
    check("zipf1.2117_m7000_n200k.oracleGeneral.bin", SizeMode::Objects, &ZIPF_OBJECTS);
}

#[test]
fn zipf_by_bytes_from_the_csv() {
    check("zipf1.2117_m7000_n200k.csv", SizeMode::Bytes, &ZIPF_BYTES);
}

#[test]
fn trace_statistics_match_the_readme() {
    for (file, requests, objects, unique, requested) in [
        ("cloudPhysicsIO.oracleGeneral.bin", 113_872, 48_974, 2_029_769_728, 4_368_040_448u64),
        ("cloudPhysicsIO.oracleGeneral.csv", 113_872, 48_974, 2_029_769_728, 4_368_040_448),
        ("zipf1.2117_m7000_n200k.oracleGeneral.bin", 200_000, 5_994, 1_772_335, 45_038_328),
    ] {
        let Some(path) = shared_data(&format!("cache-traces/{file}")) else { return };
        let t = Trace::load(&path).expect("trace loads");
        assert_eq!(
            (t.requests.len() as u64, t.unique_objects, t.unique_bytes, t.requested_bytes),
            (requests, objects, unique, requested),
            "{file}"
        );
    }
}

#[test]
fn cli_prints_json_with_the_contract_fields() {
    let Some(path) = shared_data("cache-traces/zipf1.2117_m7000_n200k.oracleGeneral.bin") else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = tweetcap(
        dir.path(),
        &["cache-replay", path.to_str().unwrap(), "--policy", "lru,s3fifo", "--size", "5%,1000", "--json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rows = v.as_array().expect("a list");
    assert_eq!(rows.len(), 4);
    for key in [
        "policy",
        "size_fraction",
        "capacity",
        "requests",
        "misses",
        "miss_ratio",
        "bytes_requested",
        "bytes_missed",
        "byte_miss_ratio",
    ] {
        assert!(rows[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(rows[0]["misses"], 42524);
    assert_eq!(rows[1]["capacity"], 1000);
    assert_eq!(rows[1]["size_fraction"], serde_json::Value::Null);
    assert_eq!(rows[2]["policy"], "s3fifo");
    // Bad input: exit 2 with a message naming what is allowed (clap's, for a value of a flag).
    let o = tweetcap(dir.path(), &["cache-replay", path.to_str().unwrap(), "--policy", "lru,clock"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("invalid value 'clock' for '--policy"), "{stderr}");
    assert!(stderr.contains("possible values: lru, fifo, lfu, sieve, s3fifo, arc, wtinylfu"), "{stderr}");
    // `none` is a scenario's way to say "no cache", not a policy to replay.
    let o = tweetcap(dir.path(), &["cache-replay", path.to_str().unwrap(), "--policy", "none"]);
    assert_eq!(o.status.code(), Some(2));
    let o = tweetcap(dir.path(), &["cache-replay", "no-such-trace.bin"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Short traces whose misses were counted by hand, step by step, from the README's rules.
/// (With the default S3-FIFO split, a cache of under 20 objects has a small FIFO of at most one
/// object, which admits nothing of size 1: every request misses. The last case uses a
/// small-FIFO share of 0.5 to exercise promotion, the ghost and the main FIFO's clock.)
#[test]
fn tiny_traces_counted_by_hand() {
    use std::path::PathBuf;
    use tweetcap::strategy::cache::S3FifoParams;
    use tweetcap::trace::Request;
    let trace =
        |ids: &[u64]| Trace::new(PathBuf::from("hand"), ids.iter().map(|&id| Request { id, size: 1 }).collect());
    let cases: [(&[u64], u64, [u64; 5]); 3] = [
        (&[1, 2, 3, 1, 2, 3, 4, 2, 5, 1, 4, 3], 3, [8, 7, 7, 8, 12]),
        (&[1, 1, 1, 2, 3, 4, 1, 5, 6, 1, 2, 3], 3, [9, 9, 8, 8, 12]),
        (&[1, 2, 1, 1, 3, 2, 4, 5, 2, 6, 3, 1, 2, 7, 4], 4, [10, 10, 9, 9, 15]),
    ];
    for (ids, capacity, want) in cases {
        let t = trace(ids);
        for (kind, want) in POLICIES.iter().zip(want) {
            let r = replay(&t, *kind, capacity, SizeMode::Objects, S3Fifo::DEFAULT);
            assert_eq!(r.misses, want, "{ids:?} {kind:?}");
        }
    }
    let half = S3FifoParams { small_ratio: 0.5, ..S3Fifo::DEFAULT };
    let c = trace(&[1, 2, 1, 1, 3, 2, 4, 5, 2, 6, 3, 1, 2, 7, 4]);
    assert_eq!(replay(&c, CacheKind::S3fifo, 4, SizeMode::Objects, half).misses, 10);
    let d = trace(&[1, 1, 1, 2, 3, 4, 5, 1, 1, 1, 6, 7, 8, 2, 4, 9, 6, 10, 7, 11]);
    assert_eq!(replay(&d, CacheKind::S3fifo, 4, SizeMode::Objects, half).misses, 15);
}

/// ARC's reference numbers depend on details that differ between versions of the reference
/// simulator (integer or real p, when ghosts are trimmed in bytes mode), so ARC is held to
/// within one point of miss ratio, as the issue asks. The expected counts come from the same
/// independent Python simulator, after the newest libCacheSim ARC.
#[test]
fn arc_within_a_point_of_the_reference() {
    /// (trace, mode, (fraction of the working set, misses) at four sizes).
    type Case = (&'static str, SizeMode, [(f64, u64); 4]);
    let cases: [Case; 4] = [
        (
            "cloudPhysicsIO.oracleGeneral.bin",
            SizeMode::Objects,
            [(0.01, 94229), (0.05, 92392), (0.10, 88002), (0.25, 69901)],
        ),
        (
            "cloudPhysicsIO.oracleGeneral.bin",
            SizeMode::Bytes,
            [(0.01, 93625), (0.05, 91348), (0.10, 87541), (0.25, 74506)],
        ),
        (
            "zipf1.2117_m7000_n200k.oracleGeneral.bin",
            SizeMode::Objects,
            [(0.01, 60948), (0.05, 34187), (0.10, 25653), (0.25, 16190)],
        ),
        (
            "zipf1.2117_m7000_n200k.oracleGeneral.bin",
            SizeMode::Bytes,
            [(0.01, 59512), (0.05, 34506), (0.10, 25555), (0.25, 16135)],
        ),
    ];
    for (file, mode, expected) in cases {
        let Some(path) = shared_data(&format!("cache-traces/{file}")) else { return };
        let trace = Trace::load(&path).expect("trace loads");
        let ws = working_set(&trace, mode);
        for (fraction, want) in expected {
            let r = replay(&trace, CacheKind::Arc, (ws as f64 * fraction).floor() as u64, mode, S3Fifo::DEFAULT);
            let gap = (r.misses as f64 - want as f64).abs() / r.requests as f64;
            assert!(gap < 0.01, "{file} {mode:?} {fraction}: {} misses vs {want}", r.misses);
        }
    }
}

#[test]
fn arc_on_traces_counted_by_hand() {
    use std::path::PathBuf;
    use tweetcap::trace::Request;
    let trace =
        |ids: &[u64]| Trace::new(PathBuf::from("hand"), ids.iter().map(|&id| Request { id, size: 1 }).collect());
    let a = trace(&[1, 2, 3, 1, 2, 3, 4, 2, 5, 1, 4, 3]);
    assert_eq!(replay(&a, CacheKind::Arc, 3, SizeMode::Objects, S3Fifo::DEFAULT).misses, 8);
    let c = trace(&[1, 2, 1, 1, 3, 2, 4, 5, 2, 6, 3, 1, 2, 7, 4]);
    assert_eq!(replay(&c, CacheKind::Arc, 4, SizeMode::Objects, S3Fifo::DEFAULT).misses, 9);
}

/// A miss-ratio curve: LRU's misses never grow with the cache (its inclusion property), and a
/// cache as large as the working set misses each object once.
#[test]
fn miss_ratio_curve() {
    let Some(path) = shared_data("cache-traces/zipf1.2117_m7000_n200k.oracleGeneral.bin") else { return };
    let dir = tempfile::tempdir().unwrap();
    let o =
        tweetcap(dir.path(), &["cache-replay", path.to_str().unwrap(), "--policy", "lru", "--curve", "12", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let misses: Vec<u64> = v.as_array().expect("list").iter().map(|r| r["misses"].as_u64().expect("misses")).collect();
    assert_eq!(misses.len(), 12);
    assert!(misses.windows(2).all(|w| w[1] <= w[0]), "{misses:?}");
    assert_eq!(*misses.last().unwrap(), 5_994, "compulsory misses only");
    let o = tweetcap(dir.path(), &["cache-replay", path.to_str().unwrap(), "--curve", "1"]);
    assert_eq!(o.status.code(), Some(2));
}

/// W-TinyLFU within a point of the reference at 1, 5, 10 and 20% of each working set. The
/// expected counts come from an independent Python simulator written after libCacheSim's C code
/// (WTinyLFU.c, SLRU.c, minimalIncrementCBF.c: the same sketch size, hashing with the xxhash
/// library, and halving); libCacheSim itself (its Python bindings, version 0.3.5) gives the same
/// counts. In objects mode the sketch has libCacheSim's own size, so the counts must be equal;
/// in bytes mode libCacheSim sizes it by bytes (up to 2^31 counters) and tweetcap caps it.
///
/// Left out: the zipf trace at 1% in objects mode. There libCacheSim's window is ⌊0.01 × 59⌋ = 0
/// objects, it admits nothing and misses every request (1.0000), an artefact of the reference;
/// tweetcap's window holds at least one object, and `wtinylfu_with_a_one_object_window` checks
/// that case against the same Python simulator given that rule.
#[test]
fn wtinylfu_within_a_point_of_the_reference() {
    /// (trace, mode, (fraction of the working set, misses)).
    type Case = (&'static str, SizeMode, &'static [(f64, u64)]);
    let cases: [Case; 4] = [
        (
            "cloudPhysicsIO.oracleGeneral.bin",
            SizeMode::Objects,
            &[(0.01, 96433), (0.05, 93471), (0.10, 88396), (0.20, 78159)],
        ),
        (
            "cloudPhysicsIO.oracleGeneral.bin",
            SizeMode::Bytes,
            &[(0.01, 94076), (0.05, 91722), (0.10, 87105), (0.20, 78807)],
        ),
        ("zipf1.2117_m7000_n200k.oracleGeneral.bin", SizeMode::Objects, &[(0.05, 33051), (0.10, 24643), (0.20, 17271)]),
        ("zipf1.2117_m7000_n200k.csv", SizeMode::Bytes, &[(0.01, 88636), (0.05, 32860), (0.10, 24334), (0.20, 16867)]),
    ];
    for (file, mode, expected) in cases {
        let Some(path) = shared_data(&format!("cache-traces/{file}")) else { return };
        let trace = Trace::load(&path).expect("trace loads");
        let ws = working_set(&trace, mode);
        for &(fraction, want) in expected {
            let capacity = (ws as f64 * fraction).floor() as u64;
            let r = replay(&trace, CacheKind::Wtinylfu, capacity, mode, S3Fifo::DEFAULT);
            let gap = (r.misses as f64 - want as f64).abs() / r.requests as f64;
            assert!(gap < 0.01, "{file} {mode:?} {fraction}: {} misses vs {want}", r.misses);
            if mode == SizeMode::Objects {
                assert_eq!(r.misses, want, "{file} {mode:?} {fraction}");
            }
        }
    }
}

/// The case the reference cannot give (see above): 59 objects, a window of one object and a
/// main of 58. The same Python simulator, with a window of at least one unit, counts 59,505.
#[test]
fn wtinylfu_with_a_one_object_window() {
    let Some(path) = shared_data("cache-traces/zipf1.2117_m7000_n200k.oracleGeneral.bin") else { return };
    let trace = Trace::load(&path).expect("trace loads");
    let r = replay(&trace, CacheKind::Wtinylfu, 59, SizeMode::Objects, S3Fifo::DEFAULT);
    assert_eq!(r.misses, 59_505);
}

/// Capacity 10 objects: window 1, main 9 (probation 1, protected 7), as libCacheSim's W-TinyLFU
/// with `window-size=0.1`. 1..10 wait in the window; 11 moves 1..9 to the main and 10 loses to
/// probation's oldest (1, seen twice); 11 hits in the window; 10 again: 11 loses; 12: 10 (seen
/// three times) beats 1; 9 hits in the main; 13 misses. Hits: the second 11 and 9.
#[test]
fn wtinylfu_on_a_trace_counted_by_hand() {
    use std::path::PathBuf;
    use tweetcap::trace::Request;
    let ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 10, 12, 9, 13];
    let t = Trace::new(PathBuf::from("hand"), ids.iter().map(|&id| Request { id, size: 1 }).collect());
    assert_eq!(replay(&t, CacheKind::Wtinylfu, 10, SizeMode::Objects, S3Fifo::DEFAULT).misses, 14);
}
