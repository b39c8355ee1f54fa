//! A report's page for people (report.md, report.html), drawn only from the `Report` struct:
//! what to show and in which order. How each format writes it is [`super::doc`]'s business.

use super::Report;
use super::doc::{Doc, Line, Span, Table, code, strong, text, verdict};
use crate::scenario::units::{human_bytes, human_us};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A plot written beside the page by `Report::write`.
fn plot(d: &mut Doc, name: &str, alt: &str) {
    d.plot(&format!("{}/{name}", Report::PLOTS_DIR), alt);
}

/// A report's page: its sections, in the order report.md and report.html show them.
pub fn page(r: &Report) -> Doc {
    let mut d = Doc::default();
    header(&mut d, r);
    if !r.warnings.is_empty() {
        d.heading(2, "warnings", "Warnings");
        d.list(r.warnings.iter().map(String::as_str));
    }
    latency_section(&mut d, r);
    if let Some(live) = &r.live {
        live_section(&mut d, live);
    }
    slo_section(&mut d, r);
    fanout_section(&mut d, r);
    storage_section(&mut d, r);
    nodes_section(&mut d, r);
    partitioning_section(&mut d, r);
    faults_section(&mut d, r);
    caches_section(&mut d, r);
    bandwidth_section(&mut d, r);
    estimate_section(&mut d, r);
    d
}

/// The title, the run's identity and the plan that ran.
fn header(d: &mut Doc, r: &Report) {
    d.heading(1, "report", format!("{} — tweetcap report", r.scenario));
    if !r.description.is_empty() {
        d.para(r.description.as_str());
    }
    d.para(vec![
        text("mode "),
        code(&r.mode),
        text(format!(
            " · seed {} · {} s measured after {} s warm-up · tweetcap {} · scenario sha256 ",
            r.seed, r.simulated_seconds, r.warmup_seconds, r.tool_version
        )),
        code(&r.file_sha256[..r.file_sha256.len().min(12)]),
    ]);
    let plan = &r.plan;
    let sys = &plan["system"];
    let name = |v: &serde_json::Value| code(v.as_str().unwrap_or("?"));
    // In a slice the plan holds the slice's node counts; the page speaks of the fleet's.
    let k = if r.population.sample > 0.0 { (1.0 / r.population.sample).round() as u64 } else { 1 };
    let fleet_shards = sys["partitioning"]["shards"].as_u64().map_or("?".to_owned(), |n| (n * k).to_string());
    d.para(vec![
        strong("Plan:"),
        text(format!(
            " {} users ({} follow edges, max followers {}); partitioning ",
            r.population.users, r.population.follow_edges, r.population.max_followers
        )),
        name(&sys["partitioning"]["strategy"]),
        text(format!(" on {fleet_shards} shards × RF {}; fan-out ", sys["partitioning"]["replication"])),
        name(&sys["fanout"]["strategy"]),
        text(format!(" (timeline length {}); balancer ", sys["fanout"]["timeline_length"])),
        name(&sys["load_balancing"]),
        text("; model "),
        name(&plan["model"]["name"]),
        text("."),
    ]);
    if k > 1 {
        slice_note(d, r, k);
    }
    if let Some(ov) = plan["overrides"].as_array().filter(|a| !a.is_empty()) {
        let mut line = vec![text("Overrides: ")];
        for (i, o) in ov.iter().filter_map(|v| v.as_str()).enumerate() {
            if i > 0 {
                line.push(text(", "));
            }
            line.push(code(o));
        }
        line.push(text("."));
        d.para(line);
    }
}

/// What a slice of the fleet ran and what its figures stand for.
fn slice_note(d: &mut Doc, r: &Report, k: u64) {
    let sample = &r.plan["population"]["sample"];
    let heads = sample["active_heads"].as_u64().unwrap_or(0);
    let celebrities = r.plan["population"]["celebrities"]["count"].as_u64().unwrap_or(0);
    let mut whole = Vec::new();
    if heads > 0 {
        whole.push(format!("the {heads} most active user{}", if heads == 1 { "" } else { "s" }));
    }
    if celebrities > 0 {
        whole.push(format!(
            "the {celebrities} celebrities (with 1/{k} of their followers, so they reach the same share of users)"
        ));
    }
    let kept = if whole.is_empty() {
        String::new()
    } else {
        format!(" Kept whole rather than sampled, at their real rates: {}.", whole.join(" and "))
    };
    d.para(vec![
        strong("A slice of the fleet:"),
        text(format!(
            " this run simulated 1/{k} of it: {} of the {} users, 1/{k} of every operation's rate and of every tier's nodes, with everything per user and per node real, so each simulated node carries what a real node carries.{kept} Throughput, counts, storage, growth, bandwidth and node counts below are the whole fleet's (the simulated figures weighed by the real users each stands for); latency, hit ratios and fan-out lag are the fleet's distributions (requests weighed), each node's utilisation (and the max) is a real node's like it, and the mean utilisation is the fleet's. The estimate is computed for the whole fleet.",
            r.population.simulated_users, r.population.users
        )),
    ]);
}

/// Every operation's latency percentiles, and the latency plots.
fn latency_section(d: &mut Doc, r: &Report) {
    d.heading(2, "latency", "Latency");
    let failures = r.operations.values().any(|op| op.failed > 0);
    let mut head = vec!["operation", "count", "throughput/s", "p50", "p90", "p99", "p99.9", "max", "mean"];
    if failures {
        head.push("failed");
    }
    let mut t = Table::new(head, "lrrrrrrrrr");
    for (name, op) in &r.operations {
        let l = &op.latency_us;
        let mut row = vec![
            name.clone(),
            op.count.to_string(),
            format!("{:.1}", op.throughput_per_s),
            human_us(l.p50),
            human_us(l.p90),
            human_us(l.p99),
            human_us(l.p999),
            human_us(l.max),
            human_us(l.mean),
        ];
        if failures {
            row.push(op.failed.to_string());
        }
        t.row(row);
    }
    d.table(t);
    plot(d, "latency", "Latency by percentile");
    plot(d, "timeseries", "Throughput and p99 over time");
}

/// Each SLO target against what was measured.
fn slo_section(d: &mut Doc, r: &Report) {
    if !r.slo.is_empty() {
        d.heading(2, "slo", "SLOs");
        let mut t = Table::new(["operation", "statistic", "target", "actual", "verdict"], "llrrl");
        for (name, checks) in &r.slo {
            for c in checks {
                t.row([
                    Line::from(name.as_str()),
                    c.stat.as_str().into(),
                    human_us(c.target_us).into(),
                    human_us(c.actual_us).into(),
                    verdict(c.met, "met", "MISSED").into(),
                ]);
            }
        }
        d.table(t);
    }
}

/// Deliveries, their lag, and what the fan-out strategy costs.
fn fanout_section(d: &mut Doc, r: &Report) {
    let f = &r.fanout;
    d.heading(2, "fanout", vec![text("Fan-out ("), code(&f.strategy), text(")")]);
    d.para(format!(
        "{} tweets, {} deliveries: {:.1} per tweet on average (p99 {}, max {}). Delivery lag from post to last delivery: p50 {}, p99 {}, max {}.",
        f.tweets,
        f.deliveries,
        f.deliveries_per_tweet.mean,
        f.deliveries_per_tweet.p99,
        f.deliveries_per_tweet.max,
        human_us(f.lag_us.p50),
        human_us(f.lag_us.p99),
        human_us(f.lag_us.max)
    ));
    let live = r.live.is_some();
    if live {
        // Shard visits and busy servers are simulated figures.
        d.para(format!("Tweets are pushed along {} of the follow edges.", pct(f.pushed_edge_share)));
    } else {
        d.para(format!(
            "Tweets are pushed along {} of the follow edges. A home timeline read visits {:.2} shard nodes on average. Total work: {:.2} busy servers over all tiers.",
            pct(f.pushed_edge_share),
            f.home_read_shards,
            f.busy_servers
        ));
    }
    plot(d, "fanout-lag", "Fan-out lag distribution");
}

/// Stored bytes by kind, growth, and the largest shard.
fn storage_section(d: &mut Doc, r: &Report) {
    let s = &r.storage;
    d.heading(2, "storage", "Storage");
    let mut t = Table::new(["kind", "bytes"], "lr");
    for (k, b) in &s.by_kind {
        t.row([k.clone(), human_bytes(*b as f64)]);
    }
    t.row([Line::from(strong("total")), human_bytes(s.total_bytes as f64).into()]);
    t.row(["with replicas".to_owned(), human_bytes(s.replicated_bytes as f64)]);
    d.table(t);
    let max_shard = s.by_shard.iter().copied().max().unwrap_or(0) as f64;
    let mean_shard = s.by_shard.iter().sum::<u64>() as f64 / s.by_shard.len().max(1) as f64;
    d.para(format!(
        "Growth: {} per day. Largest shard holds {} ({:.2}× the mean).",
        human_bytes(s.growth_per_day_bytes),
        human_bytes(max_shard),
        if mean_shard > 0.0 { max_shard / mean_shard } else { 0.0 }
    ));
    plot(d, "storage", "Storage by kind, now and projected");
}

/// Utilisation of each tier (simulated runs only).
fn nodes_section(d: &mut Doc, r: &Report) {
    let live = r.live.is_some();
    if live {
        d.para("Node utilisation, bandwidth and partition load are simulated figures: not applicable to a live run.");
    } else {
        d.heading(2, "nodes", "Nodes");
        let mut t = Table::new(
            ["tier", "nodes × servers", "utilisation min", "mean", "max", "max/mean", "offered (max)", "stable"],
            "llrrrrrl",
        );
        for (tier, n) in &r.nodes {
            t.row([
                Line::from(tier.as_str()),
                format!("{} × {}", n.count, n.servers).into(),
                pct(n.utilisation.min).into(),
                pct(n.utilisation.mean).into(),
                pct(n.utilisation.max).into(),
                format!("{:.2}", n.max_over_mean).into(),
                pct(n.offered_load_max).into(),
                verdict(!n.unstable, "yes", "NO").into(),
            ]);
        }
        d.table(t);
        plot(d, "utilisation", "Utilisation per tier and per node");
    }
}

/// How the partitioning spreads load and data, and what moves with a shard more or less.
fn partitioning_section(d: &mut Doc, r: &Report) {
    if let Some(p) = &r.partitioning {
        d.heading(
            2,
            "partitioning",
            vec![text("Partitioning ("), code(&p.strategy), text(format!(", {} shards)", p.shards))],
        );
        let mut t = Table::new(["", "max / mean", "per shard"], "lrl");
        let list = |v: &[f64]| v.iter().map(|x| format!("{:.0}%", x * 100.0)).collect::<Vec<_>>().join(" ");
        t.row(["load (busy time)".to_owned(), format!("{:.2}", p.load_max_over_mean), list(&p.load_share)]);
        t.row(["storage".to_owned(), format!("{:.2}", p.storage_max_over_mean), list(&p.storage_share)]);
        d.table(t);
        d.para(format!(
            "Adding a shard moves {} of the users' data and {} of the tweets{}.",
            pct(p.moved_on_add.users),
            pct(p.moved_on_add.tweets),
            p.moved_on_remove
                .as_ref()
                .map(|m| format!("; removing one moves {} and {}", pct(m.users), pct(m.tweets)))
                .unwrap_or_default()
        ));
        let mut t = Table::new(["operation", "shards touched: mean", "p99", "max"], "lrrr");
        for (name, op) in &r.operations {
            let w = &op.shards_touched;
            t.row([name.clone(), format!("{:.2}", w.mean), w.p99.to_string(), w.max.to_string()]);
        }
        d.table(t);
    }
}

/// What each injected fault did.
fn faults_section(d: &mut Doc, r: &Report) {
    if !r.faults.is_empty() {
        d.heading(2, "faults", "Faults");
        let mut t = Table::new(
            ["fault", "target", "at", "for", "failed", "slowed", "p99 before", "worst p99", "recovered after"],
            "llrrrrrrr",
        );
        for f in &r.faults {
            let kind = match f.factor {
                Some(x) => format!("{} ×{x}", f.kind),
                None => f.kind.clone(),
            };
            t.row([
                Line::from(kind),
                code(&f.target).into(),
                format!("{}s", f.at_s).into(),
                format!("{}s", f.for_s).into(),
                f.failed_requests.to_string().into(),
                f.slowed_requests.to_string().into(),
                f.p99_before_us.map_or_else(|| "–".to_owned(), human_us).into(),
                human_us(f.p99_worst_us).into(),
                match f.recovery_s {
                    Some(s) => Line::from(format!("{s}s")),
                    None => Span::Bad("not recovered".to_owned()).into(),
                },
            ]);
        }
        d.table(t);
        d.para(format!(
            "Latencies follow the busiest operation. Recovered: every operation's p99 back within {}× its pre-fault p99, with no failures, for {} intervals in a row.",
            super::faults::RECOVERED_FACTOR,
            super::faults::RECOVERED_INTERVALS
        ));
    }
}

/// Each cache layer's hits, misses and evictions.
fn caches_section(d: &mut Doc, r: &Report) {
    if !r.caches.is_empty() {
        d.heading(2, "caches", "Caches");
        let mut t = Table::new(
            [
                "layer",
                "policy",
                "nodes × capacity",
                "hits",
                "misses",
                "hit ratio",
                "served from cache (byte hit ratio)",
                "evictions",
                "held",
            ],
            "lllrrrrrr",
        );
        for (layer, c) in &r.caches {
            t.row([
                layer.clone(),
                c.policy.clone(),
                format!("{} × {}", c.nodes, human_bytes(c.capacity_per_node as f64)),
                c.hits.to_string(),
                c.misses.to_string(),
                pct(c.hit_ratio),
                format!("{} ({})", human_bytes(c.hit_bytes as f64), pct(c.byte_hit_ratio)),
                c.evictions.to_string(),
                human_bytes(c.bytes as f64),
            ]);
        }
        d.table(t);
    }
}

/// Bytes in and out of each tier (simulated runs only).
fn bandwidth_section(d: &mut Doc, r: &Report) {
    let live = r.live.is_some();
    if !live {
        d.heading(2, "bandwidth", "Bandwidth");
        let mut t = Table::new(["tier", "in", "out", "peak"], "lrrr");
        for (tier, b) in &r.bandwidth.by_tier {
            t.row([
                tier.clone(),
                human_bytes(b.bytes_in as f64),
                human_bytes(b.bytes_out as f64),
                format!("{}/s", human_bytes(b.peak_bps)),
            ]);
        }
        d.table(t);
    }
}

/// The back-of-envelope estimate beside what the run measured.
fn estimate_section(d: &mut Doc, r: &Report) {
    let s = &r.storage;
    let f = &r.fanout;
    let live = r.live.is_some();
    let e = &r.estimate;
    let measured = if live { "live" } else { "simulated" };
    d.heading(2, "estimate", format!("Estimate vs {}", if live { "live run" } else { "simulation" }));
    let mut t = Table::new(["figure", "back-of-envelope", measured], "lrr");
    for (op, qps) in &e.mean_qps {
        let sim = r.operations.get(op).map_or(0.0, |o| o.throughput_per_s);
        t.row([
            format!("{op} QPS (peak {:.0})", e.peak_qps.get(op).copied().unwrap_or(0.0)),
            format!("{qps:.1}"),
            format!("{sim:.1}"),
        ]);
    }
    let est_day: f64 = e.storage_per_day_bytes.values().sum();
    t.row(["storage growth per day".to_owned(), human_bytes(est_day), human_bytes(s.growth_per_day_bytes)]);
    t.row([
        "deliveries per tweet".to_owned(),
        format!("{:.1}", e.deliveries_per_tweet),
        format!("{:.1}", f.deliveries_per_tweet.mean),
    ]);
    for (tier, t_est) in e.tiers.iter().filter(|_| !live) {
        let sim = r.nodes.get(tier).map_or(0.0, |n| n.utilisation.mean);
        t.row([format!("{tier} utilisation"), pct(t_est.utilisation), pct(sim)]);
    }
    d.table(t);
    d.para(format!(
        "Per year: {} ({} with replicas). Bandwidth in {}/s, out {}/s.",
        human_bytes(e.storage_per_year_bytes),
        human_bytes(e.replicated_per_year_bytes),
        human_bytes(e.bandwidth_in_bytes_per_s),
        human_bytes(e.bandwidth_out_bytes_per_s)
    ));
    let mut t = Table::new(
        [
            "tier".to_owned(),
            "busy servers (mean / peak)".to_owned(),
            "nodes configured".to_owned(),
            format!("nodes needed at {}", pct(e.target_utilisation)),
        ],
        "lrrr",
    );
    for (tier, te) in &e.tiers {
        t.row([
            tier.clone(),
            format!("{:.2} / {:.2}", te.busy_servers, te.peak_busy_servers),
            te.nodes_configured.to_string(),
            te.nodes_needed.to_string(),
        ]);
    }
    d.table(t);
}

fn live_section(d: &mut Doc, live: &super::live::LiveReport) {
    d.heading(2, "live", "Live run");
    d.para(format!(
        "{} workers on {} cores, rates × {}. Latency above is measured from each request's intended start (coordinated omission corrected); service time is from its actual start, as an uncorrected harness would report.",
        live.workers, live.cores, live.rate_scale
    ));
    let saturated = live.saturated;
    d.para(vec![
        strong("Verdict:"),
        text(" "),
        if saturated { Span::Bad(live.verdict.clone()) } else { text(&live.verdict) },
    ]);
    let mut t = Table::new(
        [
            "operation",
            "nominal/s",
            "requested/s",
            "achieved/s",
            "achieved",
            "unanswered",
            "service p50",
            "service p99",
            "lag p50",
            "lag p99",
            "lag max",
        ],
        "lrrrrrrrrrr",
    );
    for (name, op) in &live.operations {
        t.row([
            name.clone(),
            format!("{:.1}", op.nominal_per_s),
            format!("{:.1}", op.requested_per_s),
            format!("{:.1}", op.achieved_per_s),
            pct(op.achieved_ratio),
            op.unanswered.to_string(),
            human_us(op.service_time_us.p50),
            human_us(op.service_time_us.p99),
            human_us(op.schedule_lag_us.p50),
            human_us(op.schedule_lag_us.p99),
            human_us(op.schedule_lag_us.max),
        ]);
    }
    t.row([
        Line::from(strong("all")),
        "".into(),
        format!("{:.1}", live.requested_per_s).into(),
        format!("{:.1}", live.achieved_per_s).into(),
        pct(if live.requested_per_s > 0.0 { live.achieved_per_s / live.requested_per_s } else { 1.0 }).into(),
        "".into(),
        "".into(),
        "".into(),
        human_us(live.schedule_lag_us.p50).into(),
        human_us(live.schedule_lag_us.p99).into(),
        human_us(live.schedule_lag_us.max).into(),
    ]);
    d.table(t);
    let inv = &live.invariants;
    d.heading(3, "invariants", "Invariants");
    d.para(vec![
        if inv.passed {
            strong("hold")
        } else {
            Span::Bad(format!("FAILED ({} differences)", inv.mismatches))
        },
        text(format!(
            ": {} posts, {} likes and {} follow changes acknowledged; {} tweets and {} users reconciled; {} deliveries checked exactly, {} held to bounds (the follow edge changed during the post).",
            inv.acknowledged_posts,
            inv.acknowledged_likes,
            inv.acknowledged_follow_changes,
            inv.tweets_checked,
            inv.users_checked,
            inv.deliveries_checked,
            inv.deliveries_uncertain
        )),
    ]);
    if !inv.first_differences.is_empty() {
        d.list(inv.first_differences.iter().map(String::as_str));
    }
}
