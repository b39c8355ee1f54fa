//! The `tweetcap` binary's commands ([`commands`]), given their parsed arguments, the error any
//! of them returns, with the exit status it maps to, and the progress bar of long commands. The
//! binary parses the command line, dispatches here and prints the error; the work and the text
//! of every summary are in the modules that own them.

use std::io::{IsTerminal as _, Write as _};

use crate::check::CheckError;
use crate::report::ReportError;
use crate::run::RunError;
use crate::scenario::ScenarioError;
use crate::shipped::ShippedError;
use crate::sweep::SweepError;
use crate::trace::TraceError;

pub mod commands;

/// Exit status of a check that failed: an SLO missed under `--slo-gate`, a regression, a live
/// run's invariants.
pub const EXIT_FAILED: u8 = 1;
/// Exit status of bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Why a command did not succeed. Its message is what the binary prints to standard error;
/// [`CliError::exit_code`] is the status it exits with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Sweep(#[from] SweepError),
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error(transparent)]
    Shipped(#[from] ShippedError),
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// A flag's value is out of its range; the message names the flag and the range.
    #[error("{0}")]
    Usage(String),
    /// `run --slo-gate`, and an SLO was missed (the report is written).
    #[error("an SLO was missed")]
    SloMissed,
    /// `load`, and reconciling the state found differences (the report is written); the
    /// message counts them and lists the first.
    #[error("{0}")]
    Invariants(String),
}

impl CliError {
    /// [`EXIT_FAILED`] for a check that failed, [`EXIT_BAD_INPUT`] for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::SloMissed | CliError::Invariants(_) => EXIT_FAILED,
            _ => EXIT_BAD_INPUT,
        }
    }
}

/// A progress bar of `len` steps in `template`'s style, drawn only on a terminal and without
/// `--quiet`.
pub fn progress_bar(len: u64, template: &str, quiet: bool) -> indicatif::ProgressBar {
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

/// Writes to standard output; a closed pipe (`| head`) is not an error of the command.
pub fn write_out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_checks_exit_1_and_bad_input_2() {
        assert_eq!(CliError::SloMissed.exit_code(), 1);
        assert_eq!(CliError::Invariants("invariants FAILED".into()).exit_code(), 1);
        assert_eq!(CliError::Usage("--workers: 0 is not allowed".into()).exit_code(), 2);
        assert_eq!(CliError::Trace(TraceError::Curve(1)).exit_code(), 2);
        assert_eq!(CliError::Sweep(SweepError::Replications).to_string(), "--replications must be at least 1");
    }
}
