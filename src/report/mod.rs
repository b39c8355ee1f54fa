//! The report: one serde struct, the source of truth, written as report.json; report.md and
//! report.html are views of it for people, the CSV files its tables and the plots its figures.
//! Files are written atomically (a temporary file renamed into place), so a reader never sees
//! half a report and a failed run leaves none.
//!
//! One file per concern: `schema` is report.json's structs, `build` fills them from a simulated
//! run, `files` reads and writes a report's folder, `csv` its tables; `page` says what report.md
//! and report.html show and `doc` how each format writes it; `plots` draws the figures.

mod build;
mod csv;
pub mod doc;
pub mod faults;
mod files;
pub mod live;
pub mod page;
pub mod plots;
mod schema;
mod summary;

pub use build::{RunFacts, build};
pub use files::{ReportError, write_atomic};
pub use schema::{
    BandwidthReport, CacheReport, FanoutReport, LagReport, Latency, Moved, NodeReport, OpReport, PartitionReport,
    PopulationReport, Report, SloReport, Spread, StorageReport, TierBandwidth, TimeSeries, Utilisation,
    decode_histogram, encode_histogram,
};
