//! Sweeps: the smallest setting meeting an SLO is the one queueing theory gives, and the result
//! does not depend on how many runs go at once.

use super::util::{repo, tweetcap};
use tweetcap::sweep::Sweep;

/// P(T > t) for the response time of an M/M/c FCFS queue: with probability 1 − C(c, a) no
/// wait, else an exponential wait at rate cμ − λ, plus an exponential service at rate μ.
fn mmc_tail(c: u32, lambda: f64, mu: f64, t: f64) -> f64 {
    let a = lambda / mu;
    let mut sum = 0.0;
    let mut term = 1.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let last = term * a / c as f64 * c as f64 / (c as f64 - a);
    let erlang_c = last / (sum + last);
    let r = c as f64 * mu - lambda;
    (1.0 - erlang_c) * (-mu * t).exp() + erlang_c * (r * (-mu * t).exp() - mu * (-r * t).exp()) / (r - mu)
}

/// The p99 of that response time, by bisection, in µs.
fn mmc_p99_us(c: u32, lambda: f64, mu: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 10.0);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if mmc_tail(c, lambda, mu, mid) > 0.01 { lo = mid } else { hi = mid }
    }
    lo * 1e6
}

fn sweep(jobs: &str, out: &std::path::Path) -> Sweep {
    let o = tweetcap(
        &repo(""),
        &[
            "sweep",
            "scenarios/mm1.yaml",
            "--vary",
            "model.nodes.shard.servers=2,3,4,5",
            "--set",
            "workload.ops.user_timeline.rate=2500",
            "--set",
            "duration=200s",
            "--set",
            "slo.user_timeline={p99: 7ms}",
            "--replications",
            "2",
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap()
}

#[test]
fn the_smallest_mmc_meeting_a_p99_target_is_erlang_cs() {
    let (lambda, mu) = (2500.0, 1000.0);
    let theory: Vec<f64> =
        (2..=5).map(|c| if c as f64 * mu > lambda { mmc_p99_us(c, lambda, mu) } else { f64::INFINITY }).collect();
    // Theory: c = 3 gives p99 9.9 ms, c = 4 gives 5.1 ms: a 7 ms target needs 4 servers.
    let target = 7000.0;
    let want = (2..=5).zip(&theory).find(|(_, p)| **p <= target).map(|(c, _)| c.to_string());
    assert_eq!(want.as_deref(), Some("4"));

    let dir = tempfile::tempdir().unwrap();
    let s = sweep("2", dir.path());
    assert_eq!(s.smallest_meeting_slos, want);
    assert!(s.has_slos && s.replications == 2);
    for (p, theory) in s.points.iter().zip(&theory).skip(1) {
        let sim = p.operations["user_timeline"].p99_us.mean;
        assert!((sim / theory - 1.0).abs() < 0.08, "c = {}: simulated p99 {sim} µs, theory {theory} µs", p.value);
        assert_eq!(p.seeds.len(), 2);
        assert_ne!(p.seeds[0], p.seeds[1], "replications use independent seeds");
    }
    // Why each smaller setting failed, in words.
    assert!(s.points[0].reasons.iter().any(|r| r.contains("unstable")), "{:?}", s.points[0].reasons);
    assert!(s.points[1].reasons.iter().any(|r| r.contains("p99") && r.contains("7.0 ms")), "{:?}", s.points[1].reasons);
    let md = std::fs::read_to_string(dir.path().join("sweep.md")).unwrap();
    assert!(md.contains("**model.nodes.shard.servers = 4**"), "{md}");
    assert!(std::fs::metadata(dir.path().join("knee.svg")).unwrap().len() > 5000);
    assert!(dir.path().join("model.nodes.shard.servers=4/report.json").exists());

    // One run at a time gives the same sweep.
    let one = tempfile::tempdir().unwrap();
    let again = sweep("1", one.path());
    assert_eq!(
        std::fs::read(dir.path().join("sweep.json")).unwrap(),
        std::fs::read(one.path().join("sweep.json")).unwrap()
    );
    assert_eq!(again, s);
}

#[test]
fn a_bad_vary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (vary, needle) in [
        ("system.partitioning.shards", "expected key.path=value1,value2"),
        ("system.partitioning.shards=0,1", "system.partitioning.shards: 0 is not allowed"),
        ("system.partitioning.shardz=1,2", "unknown key `shardz`"),
    ] {
        let o = tweetcap(&repo(""), &["sweep", "scenarios/mm1.yaml", "--vary", vary, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{vary}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{vary}: {err}");
        assert!(!out.exists(), "nothing written for {vary}");
    }
}
