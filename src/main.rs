//! The `tweetcap` command line. Parsing and printing only; the work is in the library.
//! Exit status: 0 success, 1 a check failed (an SLO gate), 2 bad input or usage.

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tweetcap::report::Report;
use tweetcap::scenario::{self, Overrides, units::human_bytes, units::human_us};

#[derive(Parser)]
#[command(
    name = "tweetcap",
    version,
    about = "Capacity planning for a Twitter-like tweet/timeline service: simulate a YAML scenario, get latency, storage and bandwidth figures."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and write report.json and report.md.
    Run {
        scenario: PathBuf,
        /// Output folder (default: reports/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, overriding the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario value before validation, e.g. --set system.partitioning.shards=32.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Exit with status 1 when an SLO is missed.
        #[arg(long)]
        slo_gate: bool,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check scenario and model files without running them.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Back-of-envelope capacity figures for a scenario.
    Estimate {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Print the estimate as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run { scenario, out, seed, set, slo_gate, quiet } => {
            run(&scenario, out, Overrides { seed, set }, slo_gate, quiet)
        }
        Command::Validate { files } => validate(&files),
        Command::Estimate { scenario, set, json } => estimate(&scenario, Overrides { seed: None, set }, json),
    }
}

fn load(path: &Path, overrides: &Overrides) -> Result<scenario::Scenario, ExitCode> {
    scenario::load(path, overrides).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })
}

fn run(path: &Path, out: Option<PathBuf>, overrides: Overrides, slo_gate: bool, quiet: bool) -> ExitCode {
    let s = match load(path, &overrides) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(&s.name));
    let show = !quiet && std::io::stderr().is_terminal();
    let total_ns = s.warmup_ns + s.duration_ns;
    let bar = indicatif::ProgressBar::new(total_ns / 1_000_000);
    if show {
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulated {pos}/{len} ms [{bar:30}] {elapsed} ({eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let result = tweetcap::run::simulate(&s, &mut |t| bar.set_position((t / 1_000_000).min(total_ns / 1_000_000)));
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = report.write(&out) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    print_summary(&report);
    println!("\nreport: {}", out.join("report.md").display());
    if slo_gate && !report.slo_met() {
        eprintln!("an SLO was missed");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn print_summary(r: &Report) {
    println!(
        "{}: {} s simulated ({} requests) in {:.2} s wall",
        r.scenario, r.simulated_seconds, r.requests_simulated, r.wall_seconds
    );
    println!("{:<14} {:>10} {:>12} {:>10} {:>10} {:>10}", "operation", "count", "per second", "p50", "p99", "p99.9");
    for (name, o) in &r.operations {
        let l = &o.latency_us;
        println!(
            "{:<14} {:>10} {:>12.1} {:>10} {:>10} {:>10}",
            name,
            o.count,
            o.throughput_per_s,
            human_us(l.p50),
            human_us(l.p99),
            human_us(l.p999)
        );
    }
    println!(
        "fan-out {}: {:.1} deliveries/tweet, lag p99 {}; storage {} ({} with replicas)",
        r.fanout.strategy,
        r.fanout.deliveries_per_tweet.mean,
        human_us(r.fanout.lag_us.p99),
        human_bytes(r.storage.total_bytes as f64),
        human_bytes(r.storage.replicated_bytes as f64)
    );
    for (tier, n) in &r.nodes {
        println!(
            "{:<14} {} × {} servers, utilisation mean {:.1}% max {:.1}%{}",
            tier,
            n.count,
            n.servers,
            n.utilisation.mean * 100.0,
            n.utilisation.max * 100.0,
            if n.unstable { "  UNSTABLE" } else { "" }
        );
    }
    for (op, checks) in &r.slo {
        for c in checks {
            println!(
                "SLO {op} {} {} (target {}): {}",
                c.stat,
                human_us(c.actual_us),
                human_us(c.target_us),
                if c.met { "met" } else { "MISSED" }
            );
        }
    }
    for w in &r.warnings {
        println!("warning: {w}");
    }
}

/// A model file has only model keys at the top level (name, description, network, nodes).
fn is_model(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let top: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']) && l.contains(':'))
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    !top.is_empty() && top.iter().all(|k| ["name", "description", "network", "nodes"].contains(k))
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut bad = false;
    for f in files {
        let result = if is_model(f) {
            scenario::load_model(f).map(|m| format!("model {}", m.name))
        } else {
            scenario::load(f, &Overrides::default()).map(|s| format!("scenario {}", s.name))
        };
        match result {
            Ok(what) => println!("{}: ok ({what})", f.display()),
            Err(e) => {
                bad = true;
                eprintln!("{e}");
            }
        }
    }
    if bad { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

fn estimate(path: &Path, overrides: Overrides, json: bool) -> ExitCode {
    let s = match load(path, &overrides) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Celebrities' followers are added to a generated graph's follows.
    let celebrity_edges = s.population.celebrities.map_or(0.0, |c| c.count as f64 * c.followers as f64);
    let mean_followers = match &s.population.graph {
        scenario::GraphSpec::PowerLaw { mean_follows, .. } | scenario::GraphSpec::Uniform { mean_follows } => {
            mean_follows + celebrity_edges / s.population.users as f64
        }
        scenario::GraphSpec::File { .. } => match tweetcap::run::build_graph(&s) {
            Ok(g) => g.mean_follows(),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
    };
    let e = tweetcap::estimate::estimate(&s, mean_followers);
    if json {
        println!("{}", serde_json::to_string_pretty(&e).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    println!("{}: back-of-envelope capacity (mean followers {:.1})\n", s.name, e.mean_followers);
    println!("{:<16} {:>12} {:>12}", "operation", "mean QPS", "peak QPS");
    for (op, q) in &e.mean_qps {
        println!("{:<16} {:>12.1} {:>12.1}", op, q, e.peak_qps.get(op).copied().unwrap_or(0.0));
    }
    println!("\nstorage per day:");
    for (k, b) in &e.storage_per_day_bytes {
        println!("  {:<12} {:>12}", k, human_bytes(*b));
    }
    println!(
        "per year {} ({} with replicas)",
        human_bytes(e.storage_per_year_bytes),
        human_bytes(e.replicated_per_year_bytes)
    );
    println!(
        "bandwidth in {}/s, out {}/s\n",
        human_bytes(e.bandwidth_in_bytes_per_s),
        human_bytes(e.bandwidth_out_bytes_per_s)
    );
    println!(
        "{:<16} {:>14} {:>14} {:>10} {:>12}",
        "tier",
        "busy (mean)",
        "busy (peak)",
        "nodes",
        format!("needed@{:.0}%", e.target_utilisation * 100.0)
    );
    for (tier, t) in &e.tiers {
        println!(
            "{:<16} {:>14.2} {:>14.2} {:>10} {:>12}",
            tier, t.busy_servers, t.peak_busy_servers, t.nodes_configured, t.nodes_needed
        );
    }
    ExitCode::SUCCESS
}
