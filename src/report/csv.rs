//! The report's tables as CSV files, for spreadsheets: operations, nodes, caches and storage,
//! one row per entry of the report's section. Latencies in µs, utilisations and ratios as
//! fractions, sizes in bytes.
//!
//! The csv crate writes the records (quoting a field only where CSV needs it); each number is
//! handed to it as its `Display` text, as report.md shows it (`12`, `0.5`), not through serde,
//! which would write a whole float as `12.0`.

use std::fmt::Display;

use super::Report;

impl Report {
    /// The report's tables as CSV, for spreadsheets: (file name, contents).
    pub fn csv_tables(&self) -> Vec<(&'static str, String)> {
        vec![
            ("operations.csv", operations(self)),
            ("nodes.csv", nodes(self)),
            ("caches.csv", caches(self)),
            ("storage.csv", storage(self)),
        ]
    }
}

fn operations(r: &Report) -> String {
    let header = [
        "operation",
        "count",
        "failed",
        "throughput_per_s",
        "p50_us",
        "p90_us",
        "p99_us",
        "p999_us",
        "max_us",
        "mean_us",
    ];
    table(
        header,
        r.operations.iter().map(|(name, o)| {
            let l = &o.latency_us;
            cells([name, &o.count, &o.failed, &o.throughput_per_s, &l.p50, &l.p90, &l.p99, &l.p999, &l.max, &l.mean])
        }),
    )
}

fn nodes(r: &Report) -> String {
    let header = [
        "tier",
        "count",
        "servers",
        "utilisation_min",
        "utilisation_mean",
        "utilisation_max",
        "offered_load_max",
        "unstable",
        "visits",
    ];
    table(
        header,
        r.nodes.iter().map(|(tier, n)| {
            let u = &n.utilisation;
            cells([tier, &n.count, &n.servers, &u.min, &u.mean, &u.max, &n.offered_load_max, &n.unstable, &n.visits])
        }),
    )
}

fn caches(r: &Report) -> String {
    let header = [
        "layer",
        "policy",
        "nodes",
        "capacity_per_node",
        "hits",
        "misses",
        "hit_ratio",
        "hit_bytes",
        "byte_hit_ratio",
        "evictions",
        "bytes",
    ];
    table(
        header,
        r.caches.iter().map(|(layer, c)| {
            cells([
                layer,
                &c.policy,
                &c.nodes,
                &c.capacity_per_node,
                &c.hits,
                &c.misses,
                &c.hit_ratio,
                &c.hit_bytes,
                &c.byte_hit_ratio,
                &c.evictions,
                &c.bytes,
            ])
        }),
    )
}

fn storage(r: &Report) -> String {
    table(["kind", "bytes"], r.storage.by_kind.iter().map(|(kind, b)| cells([kind, b])))
}

/// A row's fields as their `Display` text.
fn cells<const N: usize>(values: [&dyn Display; N]) -> [String; N] {
    values.map(ToString::to_string)
}

/// A header and its rows as CSV text, every record ending in `\n`. The array lengths keep every
/// row as wide as the header, and the writer writes into memory, so it cannot fail.
fn table<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> String {
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(header).expect("a record as wide as the header, written to memory");
    for row in rows {
        out.write_record(&row).expect("a record as wide as the header, written to memory");
    }
    let bytes = out.into_inner().expect("flushing into memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}
