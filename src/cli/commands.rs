//! One function per command of the `tweetcap` binary, given its parsed arguments: load the
//! input, call the library, write the files and print the summaries the library renders. Each
//! returns the exit status of an outcome it reports itself (`validate`) or success, and
//! otherwise the error for the binary to print.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use super::{CliError, EXIT_BAD_INPUT, progress_bar, write_out};
use crate::report::{Report, ReportError};
use crate::scenario::{self, FileKind, Overrides};
use crate::trace::{Batch, Trace};

/// `run`: simulates a scenario, writes its report into `out` (default `reports/<name>/`) and
/// prints the summary; with `slo_gate`, a missed SLO is an error.
pub fn run(
    path: &Path,
    out: Option<PathBuf>,
    overrides: Overrides,
    slo_gate: bool,
    quiet: bool,
) -> Result<ExitCode, CliError> {
    let s = scenario::load(path, &overrides)?;
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(&s.name));
    let total_ms = (s.warmup_ns + s.duration_ns) / 1_000_000;
    let bar = progress_bar(total_ms, "{spinner} simulated {pos}/{len} ms [{bar:30}] {elapsed} ({eta} left)", quiet);
    let result = crate::run::simulate(&s, &mut |t| bar.set_position((t / 1_000_000).min(total_ms)));
    bar.finish_and_clear();
    let report = result?;
    report.write(&out)?;
    print!("{}", report.summary());
    println!("\nreport: {}", out.join("report.md").display());
    if slo_gate && !report.slo_met() {
        return Err(CliError::SloMissed);
    }
    Ok(ExitCode::SUCCESS)
}

/// `validate`: checks each file as a model or a scenario, as its top-level keys say, printing
/// `FILE: ok (...)` or every problem found. The problems are this command's output, so they are
/// printed as they are found, and the exit status says whether there were any.
pub fn validate(files: &[PathBuf]) -> ExitCode {
    let mut bad = false;
    for f in files {
        let checked = scenario::file_kind(f).and_then(|kind| match kind {
            FileKind::Model => scenario::load_model(f).map(|m| format!("model {}", m.name)),
            FileKind::Scenario => scenario::load(f, &Overrides::default()).map(|s| format!("scenario {}", s.name)),
        });
        match checked {
            Ok(what) => println!("{}: ok ({what})", f.display()),
            Err(e) => {
                bad = true;
                eprintln!("{e}");
            }
        }
    }
    if bad { ExitCode::from(EXIT_BAD_INPUT) } else { ExitCode::SUCCESS }
}

/// `compare`: runs every variant of the files on `jobs` threads, writes the comparison into
/// `out` (default `reports/compare-<first name>/`) and prints its table.
pub fn compare(
    paths: &[PathBuf],
    out: Option<PathBuf>,
    jobs: usize,
    overrides: Overrides,
    quiet: bool,
) -> Result<ExitCode, CliError> {
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let variants = crate::compare::variants(&refs, &overrides)?;
    let first = variants.first().map_or("", |v| v.scenario.name.as_str());
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(format!("compare-{first}")));
    let bar = progress_bar(variants.len() as u64, "{spinner} runs {pos}/{len} [{bar:30}] {elapsed}", quiet);
    let (labels, scenarios): (Vec<String>, Vec<scenario::Scenario>) =
        variants.into_iter().map(|v| (v.label, v.scenario)).unzip();
    let result = crate::sweep::run_all(&scenarios, jobs, &|done, _| bar.set_position(done as u64));
    bar.finish_and_clear();
    let reports = result?;
    let cmp = crate::compare::compare(&labels, &reports);
    crate::compare::write(&out, &cmp, &reports)?;
    print!("{}", cmp.markdown());
    println!("\ncomparison: {}", out.join("compare.md").display());
    Ok(ExitCode::SUCCESS)
}

/// `sweep`: runs the scenario at every value of the spec, writes the sweep into `out` (default
/// `reports/<name>-sweep/`) and prints its tables.
pub fn sweep(
    path: &Path,
    spec: &crate::sweep::Spec,
    out: Option<PathBuf>,
    overrides: Overrides,
    quiet: bool,
) -> Result<ExitCode, CliError> {
    let total = spec.values.len() * spec.replications as usize;
    let bar = progress_bar(total as u64, "{spinner} runs {pos}/{len} [{bar:30}] {elapsed} ({eta} left)", quiet);
    // The sweep validates every value's scenario before it runs any.
    let result = crate::sweep::sweep(path, &overrides, spec, &|done, _| bar.set_position(done as u64));
    bar.finish_and_clear();
    let (sweep, reports) = result?;
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-sweep", sweep.scenario)));
    crate::sweep::write(&out, &sweep, &reports)?;
    print!("{}", sweep.markdown());
    println!("sweep: {}", out.join("sweep.md").display());
    Ok(ExitCode::SUCCESS)
}

/// `reports`: regenerates the committed reports of the shipped scenarios and prints the
/// folders written.
pub fn reports(options: &crate::shipped::Options, quiet: bool) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let bar = progress_bar(0, "{spinner} runs {pos}/{len} [{bar:30}] {elapsed}", quiet);
    let result = crate::shipped::regenerate(options, &|done, all| {
        bar.set_length(all as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let folders = result?;
    let mut text: String = folders.iter().map(|f| format!("{}\n", f.display())).collect();
    text += &format!("{} reports in {:.1} s\n", folders.len(), started.elapsed().as_secs_f64());
    write_out(&text);
    Ok(ExitCode::SUCCESS)
}

/// Most workers `load` starts.
pub const MAX_WORKERS: usize = 1024;

/// `load`: drives the service live, writes the report into `out` (default
/// `reports/<name>-live/`) and prints the summary, the live table and the verdict; differences
/// found by the invariants are an error, after the report is written.
pub fn load(
    path: &Path,
    out: Option<PathBuf>,
    overrides: Overrides,
    rate_scale: f64,
    workers: Option<usize>,
) -> Result<ExitCode, CliError> {
    if !(rate_scale.is_finite() && rate_scale > 0.0 && rate_scale <= 1e6) {
        return Err(CliError::Usage(format!(
            "--rate-scale: {rate_scale} is not allowed; expected a number greater than 0 and at most 1000000"
        )));
    }
    let workers = workers.unwrap_or_else(crate::pool::cores);
    if !(1..=MAX_WORKERS).contains(&workers) {
        return Err(CliError::Usage(format!("--workers: {workers} is not allowed; expected 1 to {MAX_WORKERS}")));
    }
    let s = scenario::load(path, &overrides)?;
    if !s.population.sample.is_whole() {
        return Err(CliError::Usage(format!(
            "{}: population.sample is 1/{}: a live load measures this machine serving the users it holds, so it runs the population whole; slices are for `tweetcap run` (use --set population.sample=1 with a population that fits)",
            path.display(),
            s.population.sample.k
        )));
    }
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-live", s.name)));
    let (seconds, warmup) = (s.duration_ns as f64 / 1e9, s.warmup_ns as f64 / 1e9);
    eprintln!(
        "{}: live load for {seconds} s after {warmup} s warm-up, rates × {rate_scale}, {workers} workers",
        s.name
    );
    let report = crate::harness::run(&s, &crate::harness::Options { workers, rate_scale, pause: None })?;
    report.write(&out)?;
    print!("{}", report.summary());
    let Some(live) = &report.live else { return Ok(ExitCode::SUCCESS) };
    print!("{}", live.summary());
    println!("\nreport: {}", out.join("report.md").display());
    match live.invariants.failure() {
        Some(failure) => Err(CliError::Invariants(failure)),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// `cache-replay`: replays a trace through the batch's policies at its sizes, optionally draws
/// the miss-ratio curve into `plot_dir`, and prints the table (or JSON).
pub fn cache_replay(path: &Path, batch: &Batch, json: bool, plot_dir: Option<&Path>) -> Result<ExitCode, CliError> {
    crate::trace::check_s3fifo(&batch.s3fifo)?;
    let trace = Trace::load(path)?;
    let capacities = batch.capacities(&trace)?;
    let started = Instant::now();
    let results = batch.replay(&trace, &capacities);
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(dir) = plot_dir {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let drawn = crate::report::plots::miss_ratio_curve(&results, &name, batch.by).map_err(ReportError::from)?;
        for p in crate::report::plots::write_rendered(dir, &[drawn])? {
            eprintln!("plot: {}", p.display());
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&results).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", crate::trace::table(&trace, &results, batch.by));
    let replayed = trace.requests.len() as f64 * results.len() as f64;
    eprintln!("replayed {replayed} requests in {elapsed:.2} s ({:.1}M requests/s)", replayed / elapsed.max(1e-9) / 1e6);
    Ok(ExitCode::SUCCESS)
}

/// `check`: the regression gate; prints its report and returns its exit status.
pub fn check(options: &crate::check::Options) -> Result<ExitCode, CliError> {
    let summary = crate::check::check(options)?;
    write_out(&crate::check::render(&summary));
    Ok(ExitCode::from(summary.exit_code()))
}

/// `estimate`: prints the back-of-envelope estimate of a scenario, as tables or JSON.
pub fn estimate(path: &Path, overrides: &Overrides, json: bool) -> Result<ExitCode, CliError> {
    let s = scenario::load(path, overrides)?;
    let e = crate::run::estimate(&s)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&e).unwrap_or_default());
    } else {
        print!("{}", e.text(&s.name));
    }
    Ok(ExitCode::SUCCESS)
}

/// `plot`: redraws a report's plots into `out` (default `plots/` beside the report) and prints
/// the paths written.
pub fn plot(report: &Path, out: Option<PathBuf>) -> Result<ExitCode, CliError> {
    let r = Report::read(report)?;
    let dir = out.unwrap_or_else(|| report.parent().unwrap_or(Path::new(".")).join(Report::PLOTS_DIR));
    let paths = crate::report::plots::write(&r, &dir)?;
    write_out(&paths.iter().map(|p| format!("{}\n", p.display())).collect::<String>());
    Ok(ExitCode::SUCCESS)
}
