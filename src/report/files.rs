//! A report's files: report.json read and written, and every view of it (report.md,
//! report.html, the CSV tables, the plots, timing.json) written into one folder. Each file is
//! written atomically (a temporary sibling renamed into place), so a reader never sees half a
//! report and a failed run leaves none.

use std::path::{Path, PathBuf};

use super::{Report, page, plots};

/// What went wrong reading or writing a report's files.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output folder or a file in it could not be written: check permissions and space.
    #[error("{}: cannot write: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    /// A report file could not be read back or parsed.
    #[error("{}: not a tweetcap report: {message}", path.display())]
    Read { path: PathBuf, message: String },
    /// A plot could not be drawn from the report.
    #[error(transparent)]
    Plot(#[from] plots::PlotError),
}

impl Report {
    /// report.json's text: the report as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a report.json back.
    pub fn read(path: &Path) -> Result<Report, ReportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ReportError::Read { path: path.to_path_buf(), message: e.to_string() })?;
        serde_json::from_str(&text).map_err(|e| ReportError::Read { path: path.to_path_buf(), message: e.to_string() })
    }

    /// Where report.md links the plots, relative to it.
    pub const PLOTS_DIR: &'static str = "plots";

    /// The file beside report.json that holds the run's wall-clock time.
    pub const TIMING_FILE: &'static str = "timing.json";

    /// Writes report.json, report.md, report.html, the CSV tables, the plots (in `plots/`) and
    /// timing.json into `dir`, each file atomically; the plots are drawn before anything is
    /// written.
    pub fn write(&self, dir: &Path) -> Result<(), ReportError> {
        let drawn = plots::render_report(self)?;
        let page = page::page(self);
        std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_path_buf(), source })?;
        write_atomic(&dir.join("report.json"), self.to_json().as_bytes())?;
        write_atomic(&dir.join("report.md"), page.to_markdown().as_bytes())?;
        write_atomic(&dir.join("report.html"), page.to_html(&drawn).as_bytes())?;
        for (name, text) in self.csv_tables() {
            write_atomic(&dir.join(name), text.as_bytes())?;
        }
        plots::write_rendered(&dir.join(Self::PLOTS_DIR), &drawn)?;
        let timing = serde_json::json!({ "wall_seconds": self.wall_seconds });
        write_atomic(&dir.join(Self::TIMING_FILE), format!("{timing:#}\n").as_bytes())?;
        Ok(())
    }
}

/// Writes a file by writing a temporary sibling and renaming it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |source| ReportError::Write { path: path.to_path_buf(), source };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}
