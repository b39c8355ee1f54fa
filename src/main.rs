//! The `tweetcap` command line. Parsing and printing only; the work is in the library.
//! Exit status: 0 success, 1 a check failed (an SLO gate, a regression), 2 bad input or usage.

use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tweetcap::report::Report;
use tweetcap::scenario::{self, Overrides, units::human_bytes, units::human_us};
use tweetcap::strategy::CacheKind;
use tweetcap::strategy::cache::S3FifoParams;
use tweetcap::trace::{SizeMode, Trace};

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
    /// Drive the in-memory service live: wall-clock, open-loop load from tokio workers at the
    /// scenario's rates, latency from each request's intended start (coordinated omission
    /// corrected), then reconcile the state with what was acknowledged. Writes report.json and
    /// report.md with mode "live". Exit status 1 if the reconciliation finds a difference.
    Load {
        scenario: PathBuf,
        /// Measured duration, overriding the scenario's `duration` (e.g. 10s).
        #[arg(long)]
        duration: Option<String>,
        /// Multiplies every operation's rate (e.g. 0.5, 10).
        #[arg(long, default_value_t = 1.0)]
        rate_scale: f64,
        /// Worker tasks and runtime threads (default: the number of cores).
        #[arg(long)]
        workers: Option<usize>,
        /// Output folder (default: reports/<scenario name>-live/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, overriding the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario value before validation, e.g. --set warmup=1s.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
    },
    /// Check scenario and model files without running them.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Replay a cache request trace through cache policies, with the reference simulator's
    /// (libCacheSim's) semantics. Reads binary oracleGeneral or CSV traces.
    CacheReplay {
        trace: PathBuf,
        /// Policies, comma separated: lru, fifo, lfu, sieve, s3fifo, arc, wtinylfu.
        #[arg(long, value_delimiter = ',', default_value = "lru,fifo,lfu,sieve,s3fifo,arc,wtinylfu")]
        policy: Vec<String>,
        /// Cache sizes, comma separated: a percentage of the working set (5%), or an absolute
        /// capacity in objects (1000) or, with --by bytes, in bytes (64MB).
        #[arg(long, value_delimiter = ',', default_value = "1%,5%,10%")]
        size: Vec<String>,
        /// Count capacity in objects (every object of size 1) or in bytes.
        #[arg(long, value_enum, default_value = "objects")]
        by: tweetcap::trace::SizeMode,
        /// Print a JSON list instead of a table.
        #[arg(long)]
        json: bool,
        /// A miss-ratio curve: this many sizes, spaced evenly on a log scale from 0.1% to 100%
        /// of the working set (replaces --size).
        #[arg(long, value_name = "POINTS")]
        curve: Option<u32>,
        /// Also draw the miss-ratio curve of the policies replayed, as miss-ratio-curve.svg and
        /// .png in this folder.
        #[arg(long, value_name = "DIR")]
        plot: Option<PathBuf>,
        /// S3-FIFO: share of the capacity given to the small FIFO.
        #[arg(long, default_value_t = 0.10)]
        s3fifo_small_ratio: f64,
        /// S3-FIFO: ghost FIFO size as a share of the capacity.
        #[arg(long, default_value_t = 0.90)]
        s3fifo_ghost_ratio: f64,
        /// S3-FIFO: hits in the small FIFO that move an object to the main FIFO.
        #[arg(long, default_value_t = 2)]
        s3fifo_threshold: u32,
    },
    /// Redraw the plots of a report.json (latency spectrum, time series, fan-out lag,
    /// storage, utilisation) as SVG and PNG.
    Plot {
        report: PathBuf,
        /// Output folder (default: plots/ beside the report).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a scenario at several values of one key (in parallel on all cores): knee curves,
    /// confidence intervals over replications, and the smallest value meeting every SLO.
    Sweep {
        scenario: PathBuf,
        /// The key and its values, e.g. --vary system.partitioning.shards=4,8,16 (model keys
        /// as model.nodes.shard.servers=1,2,4). Values are tried in the order given.
        #[arg(long, value_name = "KEY.PATH=V1,V2,...")]
        vary: String,
        /// Runs per value, with independent seeds; 2 or more give 95% confidence intervals.
        #[arg(long, default_value_t = 1)]
        replications: u32,
        /// Runs at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Output folder (default: reports/<scenario name>-sweep/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, overriding the scenario's `seed` (replications derive theirs from it).
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// The regression gate: re-run every scenario at CI size and compare its metrics with the
    /// committed baselines. Exit 1 on a regression or a missing baseline, 2 on bad input.
    Check {
        /// Folder of the baselines, one <scenario>.json each.
        #[arg(long, default_value = "reports/baselines")]
        baselines: PathBuf,
        /// Folder of the scenarios to check.
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        /// Rewrite the baselines from this run (and delete those whose scenario is gone).
        #[arg(long)]
        update: bool,
        /// Check only these scenarios (file names without .yaml).
        #[arg(long, num_args = 1.., value_name = "NAME")]
        only: Vec<String>,
    },
    /// Run several scenarios (and every combination of each one's `matrix:`) side by side: one
    /// table with deltas against the first, and throughput and p99 overlaid.
    Compare {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Output folder (default: reports/compare-<first scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runs at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        #[arg(long, short)]
        quiet: bool,
    },
    /// Regenerate the committed reports of the shipped scenarios: run every scenario in
    /// scenarios/ (in parallel) and replace reports/<name>/ with what `run` writes there, or
    /// for a scenario with a `matrix:`, reports/compare-<name>/ with what `compare` writes. Run it
    /// from the checkout's root: a report records the scenario path it was given.
    Reports {
        /// Reports folder to write into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Only these scenarios (file names without .yaml).
        #[arg(long, num_args = 1.., value_name = "NAME")]
        only: Vec<String>,
        /// Runs at once (default: the number of cores). Each holds its own population in memory.
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(long, short)]
        quiet: bool,
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
        Command::Compare { scenarios, out, jobs, seed, set, quiet } => {
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            compare(&scenarios, out, jobs, Overrides { seed, set }, quiet)
        }
        Command::Sweep { scenario, vary, replications, jobs, out, seed, set, quiet } => {
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            sweep(&scenario, &vary, replications, jobs, out, Overrides { seed, set }, quiet)
        }
        Command::Check { baselines, scenarios, update, only } => check(baselines, scenarios, update, only),
        Command::Reports { out, only, jobs, quiet } => {
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            reports(tweetcap::shipped::Options { scenarios: PathBuf::from("scenarios"), out, jobs, only }, quiet)
        }
        Command::Load { scenario, duration, rate_scale, workers, out, seed, mut set } => {
            if let Some(d) = duration {
                set.push(format!("duration={d}"));
            }
            load_live(&scenario, out, Overrides { seed, set }, rate_scale, workers)
        }
        Command::Estimate { scenario, set, json } => estimate(&scenario, Overrides { seed: None, set }, json),
        Command::CacheReplay {
            trace,
            policy,
            size,
            by,
            json,
            curve,
            plot,
            s3fifo_small_ratio,
            s3fifo_ghost_ratio,
            s3fifo_threshold,
        } => {
            let s3 = S3FifoParams {
                small_ratio: s3fifo_small_ratio,
                ghost_ratio: s3fifo_ghost_ratio,
                move_to_main_threshold: s3fifo_threshold,
            };
            let size = match curve {
                Some(points) if !(2..=200).contains(&points) => {
                    eprintln!("--curve: {points} points is not allowed; expected 2 to 200");
                    return ExitCode::from(2);
                }
                Some(points) => {
                    tweetcap::trace::curve_fractions(points).iter().map(|f| format!("{}%", f * 100.0)).collect()
                }
                None => size,
            };
            cache_replay(&trace, &policy, &size, by, json, s3, plot.as_deref())
        }
        Command::Plot { report, out } => plot(&report, out),
    }
}

fn check(baselines: PathBuf, scenarios: PathBuf, update: bool, only: Vec<String>) -> ExitCode {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = tweetcap::check::Options { scenarios, baselines, update, only, threads };
    match tweetcap::check::check(&options) {
        Ok(summary) => {
            // A closed pipe (`| head`) is not an error of the check.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), tweetcap::check::render(&summary).as_bytes());
            ExitCode::from(summary.exit_code())
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn reports(options: tweetcap::shipped::Options, quiet: bool) -> ExitCode {
    let started = std::time::Instant::now();
    let bar = progress_bar(0, "{spinner} runs {pos}/{len} [{bar:30}] {elapsed}", quiet);
    let result = tweetcap::shipped::regenerate(&options, &|done, all| {
        bar.set_length(all as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    match result {
        Ok(folders) => {
            let mut out = std::io::stdout().lock();
            for f in &folders {
                let _ = writeln!(out, "{}", f.display());
            }
            let _ = writeln!(out, "{} reports in {:.1} s", folders.len(), started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn load(path: &Path, overrides: &Overrides) -> Result<scenario::Scenario, ExitCode> {
    scenario::load(path, overrides).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })
}

/// A progress bar of `len` steps in `template`'s style, drawn only on a terminal and without
/// `--quiet`.
fn progress_bar(len: u64, template: &str, quiet: bool) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if !quiet && std::io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

fn run(path: &Path, out: Option<PathBuf>, overrides: Overrides, slo_gate: bool, quiet: bool) -> ExitCode {
    let s = match load(path, &overrides) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(&s.name));
    let total_ns = s.warmup_ns + s.duration_ns;
    let bar = progress_bar(
        total_ns / 1_000_000,
        "{spinner} simulated {pos}/{len} ms [{bar:30}] {elapsed} ({eta} left)",
        quiet,
    );
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

fn sweep(
    path: &Path,
    vary: &str,
    replications: u32,
    jobs: usize,
    out: Option<PathBuf>,
    overrides: Overrides,
    quiet: bool,
) -> ExitCode {
    use tweetcap::sweep::Spec;
    let spec = match Spec::parse(vary, replications, jobs) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let total = spec.values.len() * spec.replications as usize;
    let bar = progress_bar(total as u64, "{spinner} runs {pos}/{len} [{bar:30}] {elapsed} ({eta} left)", quiet);
    // The sweep validates every value's scenario before it runs any.
    let result = tweetcap::sweep::sweep(path, &overrides, &spec, &|done, _| bar.set_position(done as u64));
    bar.finish_and_clear();
    let (sweep, reports) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-sweep", sweep.scenario)));
    let targets: Vec<(String, f64)> = reports
        .first()
        .and_then(|rs| rs.first())
        .map(|r| {
            r.slo
                .iter()
                .flat_map(|(op, cs)| cs.iter().filter(|c| c.stat == "p99").map(|c| (op.clone(), c.target_us)))
                .collect()
        })
        .unwrap_or_default();
    let written = (|| -> Result<(), String> {
        let knee = tweetcap::report::plots::knee(&sweep, &targets).map_err(|e| e.to_string())?;
        let json = serde_json::to_vec_pretty(&sweep).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        tweetcap::report::write_atomic(&out.join("sweep.json"), &json).map_err(|e| e.to_string())?;
        // The first replication of each value, as a full report, linked from the page.
        let dirs: Vec<String> =
            sweep.points.iter().map(|p| format!("{}={}", sweep.key, p.value).replace(['/', ' '], "_")).collect();
        let mut page = sweep.page();
        page.heading(2, "knee", "Knee curves");
        page.plot("knee", "Knee curves");
        page.heading(2, "values", "Each value's report");
        page.list(sweep.points.iter().zip(&dirs).map(|(p, dir)| {
            tweetcap::report::doc::link(format!("{} = {}", sweep.key, p.value), format!("{dir}/report"))
        }));
        let html = page.to_html(std::slice::from_ref(&knee));
        tweetcap::report::write_atomic(&out.join("sweep.md"), page.to_markdown().as_bytes())
            .map_err(|e| e.to_string())?;
        tweetcap::report::write_atomic(&out.join("sweep.html"), html.as_bytes()).map_err(|e| e.to_string())?;
        tweetcap::report::plots::write_rendered(&out, &[knee]).map_err(|e| e.to_string())?;
        for (dir, rs) in dirs.iter().zip(&reports) {
            if let Some(r) = rs.first() {
                r.write(&out.join(dir)).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })();
    if let Err(e) = written {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    print!("{}", sweep.markdown());
    println!("sweep: {}", out.join("sweep.md").display());
    ExitCode::SUCCESS
}

fn compare(paths: &[PathBuf], out: Option<PathBuf>, jobs: usize, overrides: Overrides, quiet: bool) -> ExitCode {
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let variants = match tweetcap::compare::variants(&refs, &overrides) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let out = out.unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("compare-{}", variants.first().map_or("", |v| v.scenario.name.as_str())))
    });
    let bar = progress_bar(variants.len() as u64, "{spinner} runs {pos}/{len} [{bar:30}] {elapsed}", quiet);
    let (labels, scenarios): (Vec<String>, Vec<scenario::Scenario>) =
        variants.into_iter().map(|v| (v.label, v.scenario)).unzip();
    let reports = match tweetcap::sweep::run_all(&scenarios, jobs, &|done, _| bar.set_position(done as u64)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    bar.finish_and_clear();
    let cmp = tweetcap::compare::compare(&labels, &reports);
    if let Err(e) = tweetcap::compare::write(&out, &cmp, &reports) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    print!("{}", cmp.markdown());
    println!("\ncomparison: {}", out.join("compare.md").display());
    ExitCode::SUCCESS
}

fn print_summary(r: &Report) {
    println!(
        "{}: {} s {} ({} requests) in {:.2} s wall",
        r.scenario,
        r.simulated_seconds,
        if r.mode == "live" { "measured live" } else { "simulated" },
        r.requests_simulated,
        r.wall_seconds
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

fn plot(report: &Path, out: Option<PathBuf>) -> ExitCode {
    let r = match Report::read(report) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let dir = out.unwrap_or_else(|| report.parent().unwrap_or(Path::new(".")).join(Report::PLOTS_DIR));
    match tweetcap::report::plots::write(&r, &dir) {
        Ok(paths) => {
            // A closed pipe (`| head`) is not an error: the files are written.
            let mut out = std::io::stdout().lock();
            for p in paths {
                let _ = writeln!(out, "{}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Most workers `load` starts.
const MAX_WORKERS: usize = 1024;

fn load_live(
    path: &Path,
    out: Option<PathBuf>,
    overrides: Overrides,
    rate_scale: f64,
    workers: Option<usize>,
) -> ExitCode {
    if !(rate_scale.is_finite() && rate_scale > 0.0 && rate_scale <= 1e6) {
        eprintln!("--rate-scale: {rate_scale} is not allowed; expected a number greater than 0 and at most 1000000");
        return ExitCode::from(2);
    }
    let workers = workers.unwrap_or_else(tweetcap::harness::cores);
    if !(1..=MAX_WORKERS).contains(&workers) {
        eprintln!("--workers: {workers} is not allowed; expected 1 to {MAX_WORKERS}");
        return ExitCode::from(2);
    }
    let s = match load(path, &overrides) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-live", s.name)));
    eprintln!(
        "{}: live load for {} s after {} s warm-up, rates × {rate_scale}, {workers} workers",
        s.name,
        s.duration_ns as f64 / 1e9,
        s.warmup_ns as f64 / 1e9
    );
    let opts = tweetcap::harness::Options { workers, rate_scale, pause: None };
    let report = match tweetcap::harness::run(&s, &opts) {
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
    let Some(live) = &report.live else { return ExitCode::SUCCESS };
    println!(
        "\n{:<14} {:>12} {:>12} {:>9} {:>14} {:>12}",
        "operation", "requested/s", "achieved/s", "achieved", "service p99", "lag p99"
    );
    for (name, o) in &live.operations {
        println!(
            "{:<14} {:>12.1} {:>12.1} {:>8.1}% {:>14} {:>12}",
            name,
            o.requested_per_s,
            o.achieved_per_s,
            o.achieved_ratio * 100.0,
            human_us(o.service_time_us.p99),
            human_us(o.schedule_lag_us.p99)
        );
    }
    println!("{}", live.verdict);
    let inv = &live.invariants;
    if inv.passed {
        println!(
            "invariants hold: {} posts, {} likes, {} follow changes acknowledged; {} tweets, {} users and {} deliveries reconciled",
            inv.acknowledged_posts,
            inv.acknowledged_likes,
            inv.acknowledged_follow_changes,
            inv.tweets_checked,
            inv.users_checked,
            inv.deliveries_checked
        );
    }
    println!("\nreport: {}", out.join("report.md").display());
    if !inv.passed {
        eprintln!("invariants FAILED: {} differences; the first:", inv.mismatches);
        for d in &inv.first_differences {
            eprintln!("  {d}");
        }
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut bad = false;
    for f in files {
        let result = scenario::file_kind(f).and_then(|kind| match kind {
            scenario::FileKind::Model => scenario::load_model(f).map(|m| format!("model {}", m.name)),
            scenario::FileKind::Scenario => {
                scenario::load(f, &Overrides::default()).map(|s| format!("scenario {}", s.name))
            }
        });
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

const POLICIES: &str = "lru, fifo, lfu, sieve, s3fifo, arc, wtinylfu";

fn cache_replay(
    path: &Path,
    policies: &[String],
    sizes: &[String],
    by: SizeMode,
    json: bool,
    s3: S3FifoParams,
    plot_dir: Option<&Path>,
) -> ExitCode {
    let usage = |message: String| {
        eprintln!("{message}");
        ExitCode::from(2)
    };
    let ratios_ok = s3.small_ratio > 0.0 && s3.small_ratio < 1.0 && (0.0..=10.0).contains(&s3.ghost_ratio);
    if !ratios_ok {
        return usage("--s3fifo-small-ratio must be between 0 and 1, --s3fifo-ghost-ratio between 0 and 10".into());
    }
    let mut kinds = Vec::new();
    for p in policies {
        match serde_json::from_value::<CacheKind>(serde_json::Value::String(p.trim().to_owned())) {
            Ok(CacheKind::None) | Err(_) => {
                return usage(format!("--policy: unknown policy `{p}`; allowed: {POLICIES}"));
            }
            Ok(k) => kinds.push(k),
        }
    }
    let trace = match Trace::load(path) {
        Ok(t) => t,
        Err(e) => return usage(e.to_string()),
    };
    let ws = tweetcap::trace::working_set(&trace, by);
    let mut capacities = Vec::new();
    for text in sizes {
        let text = text.trim();
        let parsed = if let Some(pct) = text.strip_suffix('%') {
            pct.trim()
                .parse::<f64>()
                .ok()
                .filter(|p| *p > 0.0 && *p <= 100.0)
                .map(|p| ((ws as f64 * p / 100.0).floor() as u64, Some(p / 100.0)))
        } else if let Ok(n) = text.parse::<u64>() {
            Some((n, None))
        } else if by == SizeMode::Bytes {
            scenario::units::parse_size_bytes(text).ok().map(|b| (b as u64, None))
        } else {
            None
        };
        match parsed {
            Some((capacity, fraction)) if capacity > 0 => capacities.push((capacity, fraction)),
            _ => {
                return usage(format!(
                    "--size: `{text}` is not a cache size; give a percentage of the working set (5%), a number of {}{}, or a larger size",
                    if by == SizeMode::Bytes { "bytes" } else { "objects" },
                    if by == SizeMode::Bytes { " or a size such as 64MB" } else { "" }
                ));
            }
        }
    }
    let started = std::time::Instant::now();
    let mut results = Vec::new();
    for &kind in &kinds {
        for &(capacity, fraction) in &capacities {
            let mut r = tweetcap::trace::replay(&trace, kind, capacity, by, s3);
            r.size_fraction = fraction;
            results.push(r);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(dir) = plot_dir {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let drawn = match tweetcap::report::plots::miss_ratio_curve(&results, &name, by) {
            Ok(d) => d,
            Err(e) => return usage(e.to_string()),
        };
        match tweetcap::report::plots::write_rendered(dir, &[drawn]) {
            Ok(paths) => paths.iter().for_each(|p| eprintln!("plot: {}", p.display())),
            Err(e) => return usage(e.to_string()),
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&results).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    println!(
        "{}: {} requests, {} objects, working set {} ({} requested); capacity in {}",
        path.display(),
        trace.requests.len(),
        trace.unique_objects,
        human_bytes(trace.unique_bytes as f64),
        human_bytes(trace.requested_bytes as f64),
        if by == SizeMode::Bytes { "bytes" } else { "objects" }
    );
    println!(
        "{:<8} {:>7} {:>14} {:>10} {:>11} {:>16}",
        "policy", "size", "capacity", "misses", "miss ratio", "byte miss ratio"
    );
    for r in &results {
        let size = r.size_fraction.map_or("-".to_owned(), |f| {
            let pct = format!("{:.3}", f * 100.0);
            format!("{}%", pct.trim_end_matches('0').trim_end_matches('.'))
        });
        println!(
            "{:<8} {:>7} {:>14} {:>10} {:>11.4} {:>16.4}",
            r.policy, size, r.capacity, r.misses, r.miss_ratio, r.byte_miss_ratio
        );
    }
    let replayed = trace.requests.len() as f64 * results.len() as f64;
    eprintln!("replayed {replayed} requests in {elapsed:.2} s ({:.1}M requests/s)", replayed / elapsed.max(1e-9) / 1e6);
    ExitCode::SUCCESS
}
