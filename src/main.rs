//! The `tweetcap` command line: parsing and dispatch only. Each command is a function of
//! [`tweetcap::cli::commands`]; an error it returns is printed here, once, and mapped to the
//! exit status: 0 success, 1 a check failed (an SLO gate, a regression, a live run's
//! invariants), 2 bad input or usage.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use tweetcap::cli::{CliError, EXIT_BAD_INPUT, commands};
use tweetcap::pool::cores;
use tweetcap::scenario::Overrides;
use tweetcap::strategy::CacheKind;
use tweetcap::strategy::cache::S3FifoParams;
use tweetcap::trace::{Batch, SizeMode};

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
    CacheReplay(CacheReplayArgs),
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

// The arguments of `cache-replay` (its help is the variant's doc comment).
#[derive(Args)]
struct CacheReplayArgs {
    trace: PathBuf,
    /// Policies, comma separated: lru, fifo, lfu, sieve, s3fifo, arc, wtinylfu.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "lru,fifo,lfu,sieve,s3fifo,arc,wtinylfu",
        hide_possible_values = true
    )]
    policy: Vec<CacheKind>,
    /// Cache sizes, comma separated: a percentage of the working set (5%), or an absolute
    /// capacity in objects (1000) or, with --by bytes, in bytes (64MB).
    #[arg(long, value_delimiter = ',', default_value = "1%,5%,10%")]
    size: Vec<String>,
    /// Count capacity in objects (every object of size 1) or in bytes.
    #[arg(long, value_enum, default_value = "objects")]
    by: SizeMode,
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
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match try_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs a command: a command whose outcome is its exit status (`check`, `validate`) returns it,
/// any other success or the error to print.
fn try_main(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Run { scenario, out, seed, set, slo_gate, quiet } => {
            commands::run(&scenario, out, Overrides { seed, set }, slo_gate, quiet)
        }
        Command::Validate { files } => Ok(commands::validate(&files)),
        Command::Compare { scenarios, out, jobs, seed, set, quiet } => {
            commands::compare(&scenarios, out, jobs.unwrap_or_else(cores), Overrides { seed, set }, quiet)
        }
        Command::Sweep { scenario, vary, replications, jobs, out, seed, set, quiet } => {
            let spec = tweetcap::sweep::Spec::parse(&vary, replications, jobs.unwrap_or_else(cores))?;
            commands::sweep(&scenario, &spec, out, Overrides { seed, set }, quiet)
        }
        Command::Check { baselines, scenarios, update, only } => {
            commands::check(&tweetcap::check::Options { scenarios, baselines, update, only, threads: cores() })
        }
        Command::Reports { out, only, jobs, quiet } => {
            let jobs = jobs.unwrap_or_else(cores);
            commands::reports(
                &tweetcap::shipped::Options { scenarios: PathBuf::from("scenarios"), out, jobs, only },
                quiet,
            )
        }
        Command::Load { scenario, duration, rate_scale, workers, out, seed, mut set } => {
            set.extend(duration.map(|d| format!("duration={d}")));
            commands::load(&scenario, out, Overrides { seed, set }, rate_scale, workers)
        }
        Command::Estimate { scenario, set, json } => {
            commands::estimate(&scenario, &Overrides { seed: None, set }, json)
        }
        Command::CacheReplay(a) => {
            let sizes = match a.curve {
                Some(points) => tweetcap::trace::curve_sizes(points)?,
                None => a.size,
            };
            let (small_ratio, ghost_ratio) = (a.s3fifo_small_ratio, a.s3fifo_ghost_ratio);
            let s3fifo = S3FifoParams { small_ratio, ghost_ratio, move_to_main_threshold: a.s3fifo_threshold };
            commands::cache_replay(
                &a.trace,
                &Batch { policies: a.policy, sizes, by: a.by, s3fifo },
                a.json,
                a.plot.as_deref(),
            )
        }
        Command::Plot { report, out } => commands::plot(&report, out),
    }
}
