//! Malformed input through the real command line. Every case must exit with status 2, point at
//! `FILE:LINE:COLUMN:` wherever the problem has a position, say what is wrong and what is
//! allowed, never panic, answer quickly, and leave no report behind.
//!
//! Each case is the valid scenario [`BASE`] with one thing broken, written to a fresh temporary
//! directory beside a valid model, and given to `run --out DIR`, `run` (default output folder),
//! `estimate` and `validate`.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use super::util::*;

/// A valid scenario, small enough to run in a blink; each case breaks one thing in it.
/// Lines: 1 name, 2 duration, 3 model, 5 users, 7 generator, 8 mean_follows, 12 post_tweet rate,
/// 13 image_probability, 14 image_bytes, 15 home_timeline, 19 shards, 20 replication,
/// 22 fanout strategy, 23 timeline_length.
const BASE: &str = "\
name: bad-input
duration: 10s
model: model.yaml
population:
  users: 100
  graph:
    generator: uniform
    mean_follows: 5
workload:
  ops:
    post_tweet:
      rate: 10
      image_probability: 0.1
      image_bytes: { dist: lognormal, median: 200KB, p99: 2MB }
    home_timeline: { rate: 100, page_size: 20 }
system:
  partitioning:
    strategy: user_hash
    shards: 4
    replication: 2
  fanout:
    strategy: push
    timeline_length: 100
";

/// The model [`BASE`] names, written beside it. Line 4 is `servers`.
const MODEL: &str = "\
name: bad-input-model
nodes:
  shard:
    servers: 1
    read: { dist: exponential, mean: 1ms }
    write: { dist: exponential, mean: 1ms }
    per_item: 0us
";

/// Longest a refusal may take: input is checked before anything is built.
const QUICK: Duration = Duration::from_secs(10);

/// Where the first reported problem must point.
#[derive(Clone, Copy, Debug)]
enum At {
    /// `FILE:LINE:COLUMN:` with this line and column.
    LineCol(usize, usize),
    /// `FILE:LINE:COLUMN:` with this line; the column is not asserted.
    Line(usize),
    /// `FILE:LINE:COLUMN:` somewhere in the file.
    Anywhere,
    /// `FILE: --set ASSIGNMENT:`: a value from an override has no position in the file.
    Set(&'static str),
}

/// [`BASE`] with `from`, which must occur in it exactly once, replaced by `to`.
fn broken(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` must occur exactly once in BASE");
    BASE.replacen(from, to, 1)
}

/// Writes `yaml` as scenario.yaml beside a valid model.yaml in a fresh directory and checks that
/// every command refuses it, the first problem pointing `at` scenario.yaml and containing every
/// one of `needles`. `args` are passed to the commands that take them (`run`, `estimate`).
fn expect_error(yaml: &str, args: &[&str], at: At, needles: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "model.yaml", MODEL);
    let scenario = write(dir.path(), "scenario.yaml", yaml);
    expect_refused(dir.path(), &scenario, args, &scenario, at, needles);
}

/// Runs every command that loads `scenario` (in `dir`) and checks that each refuses it, blaming
/// `blamed` (the scenario or the model it names), and that no report was written.
fn expect_refused(dir: &Path, scenario: &Path, args: &[&str], blamed: &Path, at: At, needles: &[&str]) {
    let file = scenario.to_str().expect("UTF-8 path");
    let out = dir.join("out");
    let out_arg = out.to_str().expect("UTF-8 path");
    let mut commands: Vec<Vec<&str>> = vec![
        [&["run", file, "--out", out_arg][..], args].concat(),
        [&["run", file][..], args].concat(),
        [&["estimate", file][..], args].concat(),
    ];
    if args.is_empty() {
        commands.push(vec!["validate", file]);
    }
    for command in &commands {
        let started = Instant::now();
        let output = tweetcap(dir, command);
        check_refusal(&output, started.elapsed(), command, blamed, at, needles);
    }
    for name in ["report.json", "report.md"] {
        assert!(!out.join(name).exists(), "{} was written for a refused scenario", out.join(name).display());
    }
    assert!(!dir.join("reports").exists(), "a reports/ folder was created for a refused scenario");
}

/// Checks one refused command: status 2, no panic, quick, the first problem where and what expected.
fn check_refusal(output: &Output, took: Duration, command: &[&str], blamed: &Path, at: At, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let context =
        format!("tweetcap {}\nstatus: {:?}, took {took:?}\nstderr:\n{stderr}", command.join(" "), output.status.code());
    assert!(!stderr.contains("panicked"), "panicked\n{context}");
    assert_eq!(output.status.code(), Some(2), "expected exit status 2\n{context}");
    assert!(took < QUICK, "refusal took longer than {QUICK:?}\n{context}");
    let first = stderr.lines().next().unwrap_or_default();
    let file = blamed.display().to_string();
    match at {
        At::Set(assignment) => {
            let prefix = format!("{file}: --set {assignment}: ");
            assert!(first.starts_with(&prefix), "expected the problem to start with `{prefix}`\n{context}");
        }
        At::LineCol(..) | At::Line(_) | At::Anywhere => {
            let Some((line, column)) = position(first, &file) else {
                panic!("expected the problem to start with `{file}:LINE:COLUMN: `\n{context}");
            };
            let expected = match at {
                At::LineCol(l, c) => (l, c),
                At::Line(l) => (l, column),
                _ => (line, column),
            };
            assert_eq!((line, column), expected, "position (line, column) of the problem\n{context}");
        }
    }
    for needle in needles {
        assert!(first.contains(needle), "expected the problem to mention `{needle}`\n{context}");
    }
}

/// The `(line, column)` of a `FILE:LINE:COLUMN: message` line about `file`.
fn position(line: &str, file: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix(file)?.strip_prefix(':')?;
    let (l, rest) = rest.split_once(':')?;
    let (c, rest) = rest.split_once(':')?;
    rest.starts_with(' ').then_some(())?;
    Some((l.parse().ok()?, c.parse().ok()?))
}

// ---- the base itself, so that every refusal below is caused by the one thing broken ----

#[test]
fn base_scenario_is_valid_and_writes_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "model.yaml", MODEL);
    let scenario = write(dir.path(), "scenario.yaml", BASE);
    let file = scenario.to_str().unwrap();
    for args in [vec!["validate", file], vec!["run", file, "--out", "out", "-q"], vec!["run", file, "-q"]] {
        let o = tweetcap(dir.path(), &args);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(dir.path().join("out/report.json").is_file() && dir.path().join("out/report.md").is_file());
    assert!(dir.path().join("reports/bad-input/report.json").is_file());
}

#[test]
fn shipped_scenarios_and_models_validate() {
    let mut files = Vec::new();
    for folder in ["scenarios", "models"] {
        for entry in std::fs::read_dir(repo(folder)).expect("read_dir") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.iter().any(|f| f.starts_with(repo("scenarios"))), "no shipped scenarios found");
    assert!(files.iter().any(|f| f.starts_with(repo("models"))), "no shipped models found");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["validate"];
    args.extend(files.iter().map(|f| f.to_str().expect("UTF-8 path")));
    let o = tweetcap(dir.path(), &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "tweetcap validate {}\nstderr:\n{}",
        args[1..].join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
}

// ---- YAML itself ----

#[test]
fn yaml_syntax_error_tab_indentation() {
    expect_error(&broken("  users: 100", "\tusers: 100"), &[], At::LineCol(5, 2), &["tabs"]);
}

#[test]
fn yaml_syntax_error_unclosed_flow_mapping() {
    // The `{` opened on line 14 is never closed; the parser finds out at the next key, on line 15.
    expect_error(
        &broken("p99: 2MB }", "p99: 2MB"),
        &[],
        At::Line(15),
        &["flow mapping", "did not find expected ',' or '}'"],
    );
}

#[test]
fn yaml_duplicate_key() {
    expect_error(
        &broken("duration: 10s\n", "duration: 10s\nduration: 20s\n"),
        &[],
        At::LineCol(3, 1),
        &["duplicate", "duration"],
    );
}

#[test]
fn alias_bomb_is_refused_quickly() {
    // Billion laughs: ten levels of ten aliases each would expand to 10^10 scalars.
    let mut bomb = String::from("description:\n  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("  - &a{i} [{refs}]\n"));
    }
    expect_error(
        &broken("duration: 10s\n", &format!("duration: 10s\n{bomb}")),
        &[],
        At::Anywhere,
        &["anchors and aliases"],
    );
}

#[test]
fn empty_file() {
    expect_error("", &[], At::LineCol(1, 1), &["expected a mapping", "name:", "duration:"]);
}

#[test]
fn list_instead_of_mapping() {
    // The whole scenario written as the one item of a list.
    let list: String =
        BASE.lines().enumerate().map(|(i, line)| format!("{}{line}\n", if i == 0 { "- " } else { "  " })).collect();
    expect_error(&list, &[], At::LineCol(1, 1), &["expected a mapping", "name:", "duration:"]);
}

// ---- keys ----

#[test]
fn unknown_top_level_key_suggests_the_nearest() {
    expect_error(
        &broken("duration: 10s", "durtion: 10s"),
        &[],
        At::Line(2),
        &["unknown key `durtion`", "did you mean `duration`?", "allowed: name, description, seed, duration"],
    );
}

#[test]
fn unknown_nested_key_suggests_the_nearest() {
    expect_error(
        &broken("    shards: 4", "    shardz: 4"),
        &[],
        At::Line(19),
        &["system.partitioning.shardz", "did you mean `shards`?", "allowed: strategy, shards, replication"],
    );
}

#[test]
fn unknown_cache_layer_lists_the_four() {
    expect_error(
        &broken(
            "    timeline_length: 100\n",
            "    timeline_length: 100\n  caches:\n    users: { policy: lru, capacity_per_node: 1MB }\n",
        ),
        &[],
        At::LineCol(25, 5),
        &["system.caches.users", "did you mean `user`?", "allowed: timeline, tweet, user, image"],
    );
}

#[test]
fn missing_required_name() {
    expect_error(&broken("name: bad-input\n", ""), &[], At::Line(1), &["missing", "`name`"]);
}

#[test]
fn missing_required_nested_key() {
    // `fanout:` is left with `timeline_length` only, now on line 22.
    expect_error(&broken("    strategy: push\n", ""), &[], At::Line(22), &["system.fanout", "missing", "`strategy`"]);
}

// ---- values ----

#[test]
fn wrong_type_for_a_count() {
    expect_error(
        &broken("    shards: 4", "    shards: many"),
        &[],
        At::LineCol(19, 13),
        &["system.partitioning.shards", "\"many\"", "expected a whole number"],
    );
}

#[test]
fn wrong_type_for_a_rate() {
    expect_error(
        &broken("      rate: 10", "      rate: fast"),
        &[],
        At::LineCol(12, 13),
        &["workload.ops.post_tweet.rate", "\"fast\"", "expected a number"],
    );
}

#[test]
fn zero_shards() {
    expect_error(
        &broken("    shards: 4", "    shards: 0"),
        &[],
        At::LineCol(19, 13),
        &["system.partitioning.shards", "0 is not allowed", "expected 1 to 65536"],
    );
}

#[test]
fn negative_rate() {
    expect_error(
        &broken("      rate: 10", "      rate: -5"),
        &[],
        At::LineCol(12, 13),
        &["workload.ops.post_tweet.rate", "-5 is not allowed", ">= 0"],
    );
}

#[test]
fn negative_users() {
    expect_error(
        &broken("  users: 100", "  users: -1"),
        &[],
        At::LineCol(5, 10),
        &["population.users", "-1", "whole number >= 0"],
    );
}

#[test]
fn zero_duration() {
    expect_error(
        &broken("duration: 10s", "duration: 0s"),
        &[],
        At::LineCol(2, 11),
        &["duration", "must be greater than 0"],
    );
}

#[test]
fn probability_above_one() {
    expect_error(
        &broken("image_probability: 0.1", "image_probability: 1.5"),
        &[],
        At::LineCol(13, 26),
        &["workload.ops.post_tweet.image_probability", "1.5", "expected 0 to 1"],
    );
}

#[test]
fn page_size_above_timeline_length() {
    expect_error(
        &broken("page_size: 20", "page_size: 200"),
        &[],
        At::LineCol(15, 44),
        &["workload.ops.home_timeline.page_size", "200", "system.fanout.timeline_length (100)"],
    );
}

#[test]
fn replication_above_shards() {
    expect_error(
        &broken("replication: 2", "replication: 5"),
        &[],
        At::LineCol(20, 18),
        &["system.partitioning.replication", "5 is not allowed", "expected 1 to the number of shards (4)"],
    );
}

#[test]
fn unknown_strategy_lists_the_allowed_ones() {
    expect_error(
        &broken("strategy: push", "strategy: pushh"),
        &[],
        At::LineCol(22, 15),
        &["system.fanout.strategy", "unknown value `pushh`", "did you mean `push`?", "allowed: push, pull, hybrid"],
    );
}

#[test]
fn invalid_name() {
    expect_error(
        &broken("name: bad-input", "name: Bad Input"),
        &[],
        At::LineCol(1, 7),
        &["`Bad Input` is not allowed", "a-z, 0-9 and -"],
    );
}

// ---- units and distributions ----

#[test]
fn duration_without_unit() {
    expect_error(
        &broken("duration: 10s", "duration: 60"),
        &[],
        At::LineCol(2, 11),
        &["duration", "60", "a duration with a unit: ns, us, ms, s, m, h or d"],
    );
}

#[test]
fn unknown_unit() {
    expect_error(
        &broken("duration: 10s", "duration: 10parsecs"),
        &[],
        At::LineCol(2, 11),
        &["duration", "unknown unit `parsecs`", "ns, us, ms, s, m, h or d"],
    );
}

#[test]
fn duration_beyond_what_can_be_simulated() {
    // A trillion days does not fit the engine's nanosecond clock: the duration is what is wrong.
    expect_error(&broken("duration: 10s", "duration: 1000000000000d"), &[], At::LineCol(2, 11), &["duration"]);
}

#[test]
fn duration_plus_warmup_overflows() {
    // Each fits the nanosecond clock (about 585 years) on its own, not together; both are
    // refused as longer than the year a run may last.
    expect_error(
        &broken("duration: 10s\n", "duration: 200000d\nwarmup: 200000d\n"),
        &[],
        At::Anywhere,
        &["duration", "at most 365d"],
    );
}

#[test]
fn unknown_distribution() {
    expect_error(
        &broken("dist: lognormal", "dist: gaussian"),
        &[],
        At::LineCol(14, 28),
        &[
            "workload.ops.post_tweet.image_bytes.dist",
            "unknown distribution `gaussian`",
            "allowed: constant, uniform, exponential, lognormal, pareto, zipf",
        ],
    );
}

#[test]
fn lognormal_p99_below_median() {
    expect_error(
        &broken("p99: 2MB", "p99: 100KB"),
        &[],
        At::LineCol(14, 59),
        &["workload.ops.post_tweet.image_bytes.p99", "p99 >= median"],
    );
}

// ---- files the scenario names, and memory ----

#[test]
fn missing_model_file() {
    expect_error(
        &broken("model: model.yaml", "model: missing-model.yaml"),
        &[],
        At::LineCol(3, 8),
        &["cannot read model file", "missing-model.yaml"],
    );
}

#[test]
fn missing_graph_file() {
    expect_error(
        &broken("    generator: uniform\n    mean_follows: 5", "    generator: file\n    path: missing-graph.edges"),
        &[],
        At::LineCol(8, 11),
        &["population.graph.path", "missing-graph.edges", "not found"],
    );
}

#[test]
fn model_file_error_names_the_model_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = write(dir.path(), "model.yaml", &MODEL.replace("servers: 1", "servers: 0"));
    let scenario = write(dir.path(), "scenario.yaml", BASE);
    let needles = ["nodes.shard.servers", "0 is not allowed", "expected 1 to 100000"];
    expect_refused(dir.path(), &scenario, &[], &model, At::LineCol(4, 14), &needles);
    // The model on its own.
    let command = ["validate", model.to_str().unwrap()];
    let started = Instant::now();
    let o = tweetcap(dir.path(), &command);
    check_refusal(&o, started.elapsed(), &command, &model, At::LineCol(4, 14), &needles);
}

#[test]
fn population_too_large_for_memory() {
    expect_error(
        &broken(
            "  users: 100\n  graph:\n    generator: uniform\n    mean_follows: 5",
            "  users: 2000000000\n  graph:\n    generator: uniform\n    mean_follows: 1000",
        ),
        &[],
        At::LineCol(5, 10),
        // 2e12 follow edges at 10 B each while the graph is built: about 20 TB whatever the
        // machine, the peak (8 B each once built, 16 TB).
        &["population.users", "needs about 20.06 TB of memory", "graph 16.03 TB", "Scale the population down"],
    );
}

// ---- --set overrides ----

#[test]
fn set_override_with_a_bad_value() {
    expect_error(
        BASE,
        &["--set", "system.partitioning.shards=0"],
        At::Set("system.partitioning.shards=0"),
        &["system.partitioning.shards", "0 is not allowed", "expected 1 to 65536"],
    );
}

#[test]
fn set_override_with_a_wrong_type() {
    expect_error(
        BASE,
        &["--set", "system.partitioning.shards=many"],
        At::Set("system.partitioning.shards=many"),
        &["\"many\"", "expected a whole number"],
    );
}

#[test]
fn set_override_of_an_unknown_key() {
    expect_error(
        BASE,
        &["--set", "system.partitioning.shardz=8"],
        At::Set("system.partitioning.shardz=8"),
        &["unknown key `shardz`", "did you mean `shards`?"],
    );
}

#[test]
fn set_override_without_a_value() {
    expect_error(
        BASE,
        &["--set", "system.partitioning.shards"],
        At::Set("system.partitioning.shards"),
        &["expected key.path=value"],
    );
}

#[test]
fn slo_for_an_operation_without_a_rate() {
    expect_error(
        &format!("{BASE}slo:\n  like_tweet: {{ p99: 10ms }}\n"),
        &[],
        At::Line(25),
        &["slo.like_tweet", "no rate"],
    );
}

#[test]
fn mean_follows_with_a_file_graph() {
    expect_error(
        &broken("    generator: uniform\n", "    generator: file\n    path: model.yaml\n"),
        &[],
        At::Anywhere,
        &["population.graph.mean_follows", "applies only to generated graphs"],
    );
}

#[test]
fn pareto_without_a_finite_mean() {
    expect_error(
        &broken("{ dist: lognormal, median: 200KB, p99: 2MB }", "{ dist: pareto, scale: 100KB, shape: 1 }"),
        &[],
        At::Line(14),
        &["image_bytes.shape", "shape > 1"],
    );
}

#[test]
fn actor_written_as_a_bare_distribution_name() {
    expect_error(
        &broken("workload:\n", "workload:\n  actor: zipf\n"),
        &[],
        At::Line(10),
        &["workload.actor", "{ dist: zipf"],
    );
}

#[test]
fn set_override_of_one_list_element() {
    expect_error(
        BASE,
        &["--set", "workload.pattern.spikes[0].at=1s"],
        At::Set("workload.pattern.spikes[0].at=1s"),
        &["set the whole list"],
    );
}

#[test]
fn set_override_with_an_empty_value() {
    expect_error(BASE, &["--set", "seed="], At::Set("seed="), &["no value after `=`"]);
}

#[test]
fn follower_exponent_without_a_finite_mean() {
    expect_error(
        &broken("    generator: uniform\n", "    generator: power_law\n    follower_exponent: 1.5\n"),
        &[],
        At::Line(8),
        &["follower_exponent", "expected 2 to 10"],
    );
}

#[test]
fn spike_with_an_empty_operation_list() {
    expect_error(
        &broken("workload:\n", "workload:\n  pattern: { spikes: [{ at: 1s, for: 1s, multiplier: 2, ops: [] }] }\n"),
        &[],
        At::Line(10),
        &["spikes[0].ops", "empty list"],
    );
}

#[test]
fn image_larger_than_a_tweet_can_hold() {
    expect_error(
        &broken("{ dist: lognormal, median: 200KB, p99: 2MB }", "1TB"),
        &[],
        At::Line(14),
        &["image_bytes", "above 1 GiB"],
    );
}

#[test]
fn vnodes_without_consistent_hashing() {
    expect_error(
        &broken("    replication: 2\n", "    replication: 2\n    vnodes: 100\n"),
        &[],
        At::Line(21),
        &["system.partitioning.vnodes", "applies only to strategy: consistent_hash"],
    );
}

// ---- faults and balancing ----

/// [`BASE`] with a `faults:` list of one fault (at line 25, the fault's keys on line 25).
fn with_fault(fault: &str) -> String {
    format!("{BASE}faults:\n  - {fault}\n")
}

#[test]
fn fault_on_an_unknown_tier_suggests_the_nearest() {
    expect_error(
        &with_fault("{ kind: node_down, target: \"shards[1]\", at: 1s, for: 1s }"),
        &[],
        At::Line(25),
        &["faults[0].target", "`shards` is not a tier", "did you mean `shard`?", "cache.timeline"],
    );
}

#[test]
fn fault_on_a_node_that_does_not_exist() {
    expect_error(
        &with_fault("{ kind: node_down, target: \"shard[4]\", at: 1s, for: 1s }"),
        &[],
        At::Line(25),
        &["faults[0].target", "node 4 does not exist", "nodes 0 to 3"],
    );
}

#[test]
fn fault_without_a_length() {
    expect_error(
        &with_fault("{ kind: slow_node, target: \"shard[0]\", at: 1s, factor: 2 }"),
        &[],
        At::Line(25),
        &["faults[0]", "needs `for`"],
    );
}

#[test]
fn slow_node_without_a_factor_and_a_factor_elsewhere() {
    expect_error(
        &with_fault("{ kind: slow_node, target: \"shard[0]\", at: 1s, for: 1s }"),
        &[],
        At::Line(25),
        &["faults[0]", "slow_node needs `factor`"],
    );
    expect_error(
        &with_fault("{ kind: node_down, target: \"shard[0]\", at: 1s, for: 1s, factor: 2 }"),
        &[],
        At::Line(25),
        &["faults[0].factor", "applies only to kind: slow_node"],
    );
}

#[test]
fn cache_flush_needs_a_cache_layer_that_exists() {
    expect_error(
        &with_fault("{ kind: cache_flush, target: shard, at: 1s }"),
        &[],
        At::Line(25),
        &["faults[0].target", "cache_flush applies to a cache layer"],
    );
    expect_error(
        &with_fault("{ kind: cache_flush, target: cache.tweet, at: 1s }"),
        &[],
        At::Line(25),
        &["faults[0].target", "no `cache.tweet` nodes"],
    );
}

#[test]
fn fault_after_the_run() {
    expect_error(
        &with_fault("{ kind: node_down, target: \"shard[0]\", at: 10s, for: 1s }"),
        &[],
        At::Line(25),
        &["faults[0].at", "at or after the end of the run"],
    );
}

#[test]
fn unknown_fault_kind_and_balancer_list_the_allowed_ones() {
    expect_error(
        &with_fault("{ kind: node_crash, target: \"shard[0]\", at: 1s, for: 1s }"),
        &[],
        At::Line(25),
        &["unknown value `node_crash`", "node_down, slow_node, cache_flush"],
    );
    expect_error(
        &format!("{BASE}  load_balancing: p3c\n"),
        &[],
        At::Line(24),
        &["system.load_balancing", "unknown value `p3c`", "round_robin, random, least_outstanding, p2c"],
    );
}

#[test]
fn a_model_override_is_checked_against_the_model_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = write(dir.path(), "model.yaml", MODEL);
    let scenario = write(dir.path(), "scenario.yaml", BASE);
    expect_refused(
        dir.path(),
        &scenario,
        &["--set", "model.nodes.shard.servers=0"],
        &model,
        At::Set("model.nodes.shard.servers=0"),
        &["nodes.shard.servers", "0 is not allowed"],
    );
    expect_refused(
        dir.path(),
        &scenario,
        &["--set", "model.nodes.shard.servres=2"],
        &model,
        At::Set("model.nodes.shard.servres=2"),
        &["unknown key `servres`", "did you mean `servers`?"],
    );
}

// ---- population.sample: a slice of the fleet ----

/// [`BASE`] with `population.sample: VALUE` (line 9, the value at column 11) and `more` changes.
fn with_sample(value: &str) -> String {
    broken("    mean_follows: 5\n", &format!("    mean_follows: 5\n  sample: {value}\n"))
}

#[test]
fn sample_outside_zero_to_one() {
    for value in ["1.5", "0", "-0.25", "2/1"] {
        expect_error(&with_sample(value), &[], At::LineCol(9, 11), &["population.sample", "outside (0, 1]", "1/32"]);
    }
}

#[test]
fn sample_that_is_not_one_in_k() {
    expect_error(&with_sample("0.3"), &[], At::LineCol(9, 11), &["population.sample", "not 1/k", "1/3 and 1/4"]);
    expect_error(&with_sample("often"), &[], At::LineCol(9, 11), &["population.sample", "not a fraction", "`auto`"]);
}

#[test]
fn sample_that_leaves_a_tier_without_a_node() {
    // 4 shards cannot be divided into 8 slices of the fleet.
    expect_error(
        &with_sample("1/8"),
        &[],
        At::LineCol(9, 11),
        &["population.sample", "multiple of 8", "system.partitioning.shards is 4", "1/2, 1/4"],
    );
}

#[test]
fn sample_with_a_graph_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "model.yaml", MODEL);
    write(dir.path(), "graph.edges", &(0..100).map(|u| format!("{u} {}\n", (u + 1) % 100)).collect::<String>());
    let yaml = BASE.replacen(
        "    generator: uniform\n    mean_follows: 5\n",
        "    generator: file\n    path: graph.edges\n  sample: 1/2\n",
        1,
    );
    let scenario = write(dir.path(), "scenario.yaml", &yaml);
    expect_refused(
        dir.path(),
        &scenario,
        &[],
        &scenario,
        At::LineCol(9, 11),
        &["population.sample", "graph file runs whole"],
    );
}

#[test]
fn sample_with_a_fault_on_part_of_a_tier() {
    let yaml =
        format!("{}faults:\n  - {{ kind: node_down, target: \"shard[1]\", at: 1s, for: 1s }}\n", with_sample("1/2"));
    expect_error(&yaml, &[], At::LineCol(9, 11), &["population.sample", "shard[1]", "whole tier"]);
}
