//! report.md: the report for people, drawn only from the `Report` struct.

use std::fmt::Write;

use super::Report;
use crate::scenario::units::{human_bytes, human_us};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Embeds a plot written beside report.md by `Report::write` (PNG shown, SVG linked).
fn plot(o: &mut String, name: &str, alt: &str) {
    let dir = Report::PLOTS_DIR;
    let _ = writeln!(o, "![{alt}]({dir}/{name}.png)\n[SVG]({dir}/{name}.svg)\n");
}

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {} — tweetcap report\n", r.scenario);
    if !r.description.is_empty() {
        let _ = writeln!(o, "{}\n", r.description);
    }
    let _ = writeln!(
        o,
        "mode `{}` · seed {} · {} s measured after {} s warm-up · tweetcap {} · scenario sha256 `{}`\n",
        r.mode,
        r.seed,
        r.simulated_seconds,
        r.warmup_seconds,
        r.tool_version,
        &r.file_sha256[..r.file_sha256.len().min(12)]
    );
    let plan = &r.plan;
    let sys = &plan["system"];
    let _ = writeln!(
        o,
        "**Plan:** {} users ({} follow edges, max followers {}); partitioning `{}` on {} shards × RF {}; fan-out `{}` (timeline length {}); balancer `{}`; model `{}`.",
        r.population.users,
        r.population.follow_edges,
        r.population.max_followers,
        sys["partitioning"]["strategy"].as_str().unwrap_or("?"),
        sys["partitioning"]["shards"],
        sys["partitioning"]["replication"],
        sys["fanout"]["strategy"].as_str().unwrap_or("?"),
        sys["fanout"]["timeline_length"],
        sys["load_balancing"].as_str().unwrap_or("?"),
        plan["model"]["name"].as_str().unwrap_or("?"),
    );
    if let Some(ov) = plan["overrides"].as_array().filter(|a| !a.is_empty()) {
        let list: Vec<String> = ov.iter().filter_map(|v| v.as_str().map(|s| format!("`{s}`"))).collect();
        let _ = writeln!(o, "Overrides: {}.", list.join(", "));
    }
    o.push('\n');

    if !r.warnings.is_empty() {
        let _ = writeln!(o, "## Warnings\n");
        for w in &r.warnings {
            let _ = writeln!(o, "- {w}");
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Latency\n");
    let failures = r.operations.values().any(|op| op.failed > 0);
    let _ = writeln!(
        o,
        "| operation | count | throughput/s | p50 | p90 | p99 | p99.9 | max | mean |{}",
        if failures { " failed |" } else { "" }
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|{}", if failures { "---:|" } else { "" });
    for (name, op) in &r.operations {
        let l = &op.latency_us;
        let _ = writeln!(
            o,
            "| {name} | {} | {:.1} | {} | {} | {} | {} | {} | {} |{}",
            op.count,
            op.throughput_per_s,
            human_us(l.p50),
            human_us(l.p90),
            human_us(l.p99),
            human_us(l.p999),
            human_us(l.max),
            human_us(l.mean),
            if failures { format!(" {} |", op.failed) } else { String::new() }
        );
    }
    o.push('\n');
    plot(&mut o, "latency", "Latency by percentile");
    plot(&mut o, "timeseries", "Throughput and p99 over time");

    if let Some(live) = &r.live {
        render_live(&mut o, live);
    }

    if !r.slo.is_empty() {
        let _ = writeln!(o, "## SLOs\n");
        let _ = writeln!(o, "| operation | statistic | target | actual | verdict |");
        let _ = writeln!(o, "|---|---|---:|---:|---|");
        for (name, checks) in &r.slo {
            for c in checks {
                let _ = writeln!(
                    o,
                    "| {name} | {} | {} | {} | {} |",
                    c.stat,
                    human_us(c.target_us),
                    human_us(c.actual_us),
                    if c.met { "met" } else { "**MISSED**" }
                );
            }
        }
        o.push('\n');
    }

    let f = &r.fanout;
    let _ = writeln!(o, "## Fan-out (`{}`)\n", f.strategy);
    let _ = writeln!(
        o,
        "{} tweets, {} deliveries: {:.1} per tweet on average (p99 {}, max {}). Delivery lag from post to last delivery: p50 {}, p99 {}, max {}.\n",
        f.tweets,
        f.deliveries,
        f.deliveries_per_tweet.mean,
        f.deliveries_per_tweet.p99,
        f.deliveries_per_tweet.max,
        human_us(f.lag_us.p50),
        human_us(f.lag_us.p99),
        human_us(f.lag_us.max)
    );
    if r.live.is_some() {
        // Shard visits and busy servers are simulated figures.
        let _ = writeln!(o, "Tweets are pushed along {} of the follow edges.\n", pct(f.pushed_edge_share));
    } else {
        let _ = writeln!(
            o,
            "Tweets are pushed along {} of the follow edges. A home timeline read visits {:.2} shard nodes on average. Total work: {:.2} busy servers over all tiers.\n",
            pct(f.pushed_edge_share),
            f.home_read_shards,
            f.busy_servers
        );
    }
    plot(&mut o, "fanout-lag", "Fan-out lag distribution");

    let s = &r.storage;
    let _ = writeln!(o, "## Storage\n");
    let _ = writeln!(o, "| kind | bytes |");
    let _ = writeln!(o, "|---|---:|");
    for (k, b) in &s.by_kind {
        let _ = writeln!(o, "| {k} | {} |", human_bytes(*b as f64));
    }
    let _ = writeln!(o, "| **total** | {} |", human_bytes(s.total_bytes as f64));
    let _ = writeln!(o, "| with replicas | {} |", human_bytes(s.replicated_bytes as f64));
    let max_shard = s.by_shard.iter().copied().max().unwrap_or(0) as f64;
    let mean_shard = s.by_shard.iter().sum::<u64>() as f64 / s.by_shard.len().max(1) as f64;
    let _ = writeln!(
        o,
        "\nGrowth: {} per day. Largest shard holds {} ({:.2}× the mean).\n",
        human_bytes(s.growth_per_day_bytes),
        human_bytes(max_shard),
        if mean_shard > 0.0 { max_shard / mean_shard } else { 0.0 }
    );
    plot(&mut o, "storage", "Storage by kind, now and projected");

    let live = r.live.is_some();
    if live {
        let _ = writeln!(
            o,
            "Node utilisation, bandwidth and partition load are simulated figures: not applicable to a live run.\n"
        );
    }
    if !live {
        let _ = writeln!(o, "## Nodes\n");
        let _ = writeln!(
            o,
            "| tier | nodes × servers | utilisation min | mean | max | max/mean | offered (max) | stable |"
        );
        let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---|");
        for (tier, n) in &r.nodes {
            let _ = writeln!(
                o,
                "| {tier} | {} × {} | {} | {} | {} | {:.2} | {} | {} |",
                n.count,
                n.servers,
                pct(n.utilisation.min),
                pct(n.utilisation.mean),
                pct(n.utilisation.max),
                n.max_over_mean,
                pct(n.offered_load_max),
                if n.unstable { "**NO**" } else { "yes" }
            );
        }
        o.push('\n');
        plot(&mut o, "utilisation", "Utilisation per tier and per node");
    }

    if let Some(p) = &r.partitioning {
        let _ = writeln!(o, "## Partitioning (`{}`, {} shards)\n", p.strategy, p.shards);
        let _ = writeln!(o, "| | max / mean | per shard |");
        let _ = writeln!(o, "|---|---:|---|");
        let list = |v: &[f64]| v.iter().map(|x| format!("{:.0}%", x * 100.0)).collect::<Vec<_>>().join(" ");
        let _ = writeln!(o, "| load (busy time) | {:.2} | {} |", p.load_max_over_mean, list(&p.load_share));
        let _ = writeln!(o, "| storage | {:.2} | {} |", p.storage_max_over_mean, list(&p.storage_share));
        let _ = writeln!(
            o,
            "\nAdding a shard moves {} of the users' data and {} of the tweets{}.\n",
            pct(p.moved_on_add.users),
            pct(p.moved_on_add.tweets),
            p.moved_on_remove
                .as_ref()
                .map(|m| format!("; removing one moves {} and {}", pct(m.users), pct(m.tweets)))
                .unwrap_or_default()
        );
        let _ = writeln!(o, "| operation | shards touched: mean | p99 | max |");
        let _ = writeln!(o, "|---|---:|---:|---:|");
        for (name, op) in &r.operations {
            let w = &op.shards_touched;
            let _ = writeln!(o, "| {name} | {:.2} | {} | {} |", w.mean, w.p99, w.max);
        }
        o.push('\n');
    }

    if !r.faults.is_empty() {
        let _ = writeln!(o, "## Faults\n");
        let _ =
            writeln!(o, "| fault | target | at | for | failed | slowed | p99 before | worst p99 | recovered after |");
        let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for f in &r.faults {
            let kind = match f.factor {
                Some(x) => format!("{} ×{x}", f.kind),
                None => f.kind.clone(),
            };
            let _ = writeln!(
                o,
                "| {kind} | `{}` | {}s | {}s | {} | {} | {} | {} | {} |",
                f.target,
                f.at_s,
                f.for_s,
                f.failed_requests,
                f.slowed_requests,
                f.p99_before_us.map_or_else(|| "–".to_owned(), human_us),
                human_us(f.p99_worst_us),
                f.recovery_s.map_or_else(|| "not recovered".to_owned(), |s| format!("{s}s")),
            );
        }
        let _ = writeln!(
            o,
            "\nLatencies follow the busiest operation. Recovered: every operation's p99 back within {}× its pre-fault p99, with no failures, for {} intervals in a row.\n",
            super::faults::RECOVERED_FACTOR,
            super::faults::RECOVERED_INTERVALS
        );
    }

    if !r.caches.is_empty() {
        let _ = writeln!(o, "## Caches\n");
        let _ = writeln!(
            o,
            "| layer | policy | nodes × capacity | hits | misses | hit ratio | served from cache (byte hit ratio) | evictions | held |"
        );
        let _ = writeln!(o, "|---|---|---|---:|---:|---:|---:|---:|---:|");
        for (layer, c) in &r.caches {
            let _ = writeln!(
                o,
                "| {layer} | {} | {} × {} | {} | {} | {} | {} ({}) | {} | {} |",
                c.policy,
                c.nodes,
                human_bytes(c.capacity_per_node as f64),
                c.hits,
                c.misses,
                pct(c.hit_ratio),
                human_bytes(c.hit_bytes as f64),
                pct(c.byte_hit_ratio),
                c.evictions,
                human_bytes(c.bytes as f64)
            );
        }
        o.push('\n');
    }

    if !live {
        let _ = writeln!(o, "## Bandwidth\n");
        let _ = writeln!(o, "| tier | in | out | peak |");
        let _ = writeln!(o, "|---|---:|---:|---:|");
        for (tier, b) in &r.bandwidth.by_tier {
            let _ = writeln!(
                o,
                "| {tier} | {} | {} | {}/s |",
                human_bytes(b.bytes_in as f64),
                human_bytes(b.bytes_out as f64),
                human_bytes(b.peak_bps)
            );
        }
        o.push('\n');
    }

    let e = &r.estimate;
    let measured = if live { "live" } else { "simulated" };
    let _ = writeln!(o, "## Estimate vs {}\n", if live { "live run" } else { "simulation" });
    let _ = writeln!(o, "| figure | back-of-envelope | {measured} |");
    let _ = writeln!(o, "|---|---:|---:|");
    for (op, qps) in &e.mean_qps {
        let sim = r.operations.get(op).map_or(0.0, |o| o.throughput_per_s);
        let _ =
            writeln!(o, "| {op} QPS (peak {:.0}) | {qps:.1} | {sim:.1} |", e.peak_qps.get(op).copied().unwrap_or(0.0));
    }
    let est_day: f64 = e.storage_per_day_bytes.values().sum();
    let _ =
        writeln!(o, "| storage growth per day | {} | {} |", human_bytes(est_day), human_bytes(s.growth_per_day_bytes));
    let _ =
        writeln!(o, "| deliveries per tweet | {:.1} | {:.1} |", e.deliveries_per_tweet, f.deliveries_per_tweet.mean);
    for (tier, t) in e.tiers.iter().filter(|_| !live) {
        let sim = r.nodes.get(tier).map_or(0.0, |n| n.utilisation.mean);
        let _ = writeln!(o, "| {tier} utilisation | {} | {} |", pct(t.utilisation), pct(sim));
    }
    let _ = writeln!(
        o,
        "\nPer year: {} ({} with replicas). Bandwidth in {}/s, out {}/s.\n",
        human_bytes(e.storage_per_year_bytes),
        human_bytes(e.replicated_per_year_bytes),
        human_bytes(e.bandwidth_in_bytes_per_s),
        human_bytes(e.bandwidth_out_bytes_per_s)
    );
    let _ = writeln!(
        o,
        "| tier | busy servers (mean / peak) | nodes configured | nodes needed at {} |",
        pct(e.target_utilisation)
    );
    let _ = writeln!(o, "|---|---:|---:|---:|");
    for (tier, t) in &e.tiers {
        let _ = writeln!(
            o,
            "| {tier} | {:.2} / {:.2} | {} | {} |",
            t.busy_servers, t.peak_busy_servers, t.nodes_configured, t.nodes_needed
        );
    }
    o
}

fn render_live(o: &mut String, live: &super::live::LiveReport) {
    let _ = writeln!(o, "## Live run\n");
    let _ = writeln!(
        o,
        "{} workers on {} cores, rates × {}. Latency above is measured from each request's intended start (coordinated omission corrected); service time is from its actual start, as an uncorrected harness would report.\n",
        live.workers, live.cores, live.rate_scale
    );
    let _ = writeln!(o, "**Verdict:** {}\n", live.verdict);
    let _ = writeln!(
        o,
        "| operation | nominal/s | requested/s | achieved/s | achieved | unanswered | service p50 | service p99 | lag p50 | lag p99 | lag max |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, op) in &live.operations {
        let _ = writeln!(
            o,
            "| {name} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {} |",
            op.nominal_per_s,
            op.requested_per_s,
            op.achieved_per_s,
            pct(op.achieved_ratio),
            op.unanswered,
            human_us(op.service_time_us.p50),
            human_us(op.service_time_us.p99),
            human_us(op.schedule_lag_us.p50),
            human_us(op.schedule_lag_us.p99),
            human_us(op.schedule_lag_us.max)
        );
    }
    let _ = writeln!(
        o,
        "| **all** | | {:.1} | {:.1} | {} | | | | {} | {} | {} |\n",
        live.requested_per_s,
        live.achieved_per_s,
        pct(if live.requested_per_s > 0.0 { live.achieved_per_s / live.requested_per_s } else { 1.0 }),
        human_us(live.schedule_lag_us.p50),
        human_us(live.schedule_lag_us.p99),
        human_us(live.schedule_lag_us.max)
    );
    let inv = &live.invariants;
    let _ = writeln!(o, "### Invariants\n");
    let _ = writeln!(
        o,
        "{}: {} posts, {} likes and {} follow changes acknowledged; {} tweets and {} users reconciled; {} deliveries checked exactly, {} held to bounds (the follow edge changed during the post).\n",
        if inv.passed { "**hold**".to_owned() } else { format!("**FAILED** ({} differences)", inv.mismatches) },
        inv.acknowledged_posts,
        inv.acknowledged_likes,
        inv.acknowledged_follow_changes,
        inv.tweets_checked,
        inv.users_checked,
        inv.deliveries_checked,
        inv.deliveries_uncertain
    );
    for d in &inv.first_differences {
        let _ = writeln!(o, "- {d}");
    }
    if !inv.first_differences.is_empty() {
        o.push('\n');
    }
}
