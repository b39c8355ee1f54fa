//! Cache request traces and their replay through a cache policy, with the reference cache
//! simulator's semantics (`../shared/data/cache-traces/README.md`): every request counts, a
//! miss always tries to insert, capacities are a fraction of the trace's working set, in
//! objects (every object of size 1) or in bytes.
//!
//! Two formats: libCacheSim's binary `oracleGeneral` (24-byte little-endian records:
//! timestamp u32, object id u64, size u32, next access i64) and CSV with the header
//! `timestamp,obj_id,obj_size,next_access_vtime`.

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::path::{Path, PathBuf};

use crate::strategy::CacheKind;
use crate::strategy::cache::{self, S3FifoParams};

mod batch;

pub use batch::{Batch, CURVE_POINTS, Capacity, capacity, check_s3fifo, curve_sizes, table};

/// One request: an object and its size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub id: u64,
    pub size: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be read.
    #[error("{}: cannot read trace: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The file is not a trace in either format; the message says where and what was expected.
    #[error("{}:{line}: {message}", path.display())]
    Format { path: PathBuf, line: u64, message: String },
    /// A `--size` that is not a cache size, or comes to 0 (a percentage of a small working set).
    #[error(
        "--size: `{text}` is not a cache size; give a percentage of the working set (5%), a number of {}, or a larger size",
        by.absolute_sizes()
    )]
    Size { text: String, by: SizeMode },
    /// A `--curve` with too few or too many points.
    #[error("--curve: {0} points is not allowed; expected 2 to 200")]
    Curve(u32),
    /// S3-FIFO's parameters out of range.
    #[error("--s3fifo-small-ratio must be between 0 and 1, --s3fifo-ghost-ratio between 0 and 10")]
    S3fifo,
}

pub struct Trace {
    pub path: PathBuf,
    pub requests: Vec<Request>,
    pub unique_objects: u64,
    pub unique_bytes: u64,
    pub requested_bytes: u64,
}

const RECORD: usize = 24;
const CSV_HEADER: &str = "timestamp,obj_id,obj_size,next_access_vtime";

impl Trace {
    /// Reads a trace: CSV if the file starts with the CSV header, else binary oracleGeneral.
    /// Requests of size 0 are dropped, as the reference simulator drops them.
    pub fn load(path: &Path) -> Result<Trace, TraceError> {
        let bytes = std::fs::read(path).map_err(|source| TraceError::Io { path: path.to_path_buf(), source })?;
        let requests = if bytes.starts_with(CSV_HEADER.as_bytes()) {
            parse_csv(path, &bytes)?
        } else {
            parse_binary(path, &bytes)?
        };
        Ok(Trace::new(path.to_path_buf(), requests))
    }

    pub fn new(path: PathBuf, mut requests: Vec<Request>) -> Trace {
        requests.retain(|r| r.size > 0);
        let mut seen: FxHashMap<u64, u32> = FxHashMap::default();
        let mut requested_bytes = 0;
        for r in &requests {
            seen.entry(r.id).or_insert(r.size);
            requested_bytes += r.size as u64;
        }
        let unique_bytes = seen.values().map(|&s| s as u64).sum();
        Trace { path, unique_objects: seen.len() as u64, unique_bytes, requested_bytes, requests }
    }
}

fn parse_binary(path: &Path, bytes: &[u8]) -> Result<Vec<Request>, TraceError> {
    if !bytes.len().is_multiple_of(RECORD) {
        return Err(TraceError::Format {
            path: path.to_path_buf(),
            line: 0,
            message: format!(
                "{} bytes is not a whole number of 24-byte oracleGeneral records, and the file does not start with the CSV header `{CSV_HEADER}`",
                bytes.len()
            ),
        });
    }
    Ok(bytes
        .chunks_exact(RECORD)
        .map(|c| Request {
            id: u64::from_le_bytes(c[4..12].try_into().expect("8 bytes")),
            size: u32::from_le_bytes(c[12..16].try_into().expect("4 bytes")),
        })
        .collect())
}

/// Reads the CSV form: the header line, then a request per line, `timestamp,obj_id,obj_size`
/// and any further fields. Fields are split at every comma and trimmed; quotes are plain text
/// (`"7"` is not an id); blank lines are skipped; `\r\n` endings are accepted. An error names
/// the line as an editor numbers it.
fn parse_csv(path: &Path, bytes: &[u8]) -> Result<Vec<Request>, TraceError> {
    let error = |line: u64, message: String| TraceError::Format { path: path.to_path_buf(), line, message };
    // Checked whole, so the reader, splitting at ASCII bytes only, always yields UTF-8 fields.
    std::str::from_utf8(bytes).map_err(|e| error(0, format!("not UTF-8 text ({e})")))?;
    // Records end at `\n` alone: a `\r` before it stays in the last field, where trimming drops it.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .quoting(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut out = Vec::new();
    while reader.read_record(&mut record).map_err(|e| error(e.position().map_or(0, |p| p.line()), e.to_string()))? {
        // A record's own position is where the reader stood before it, ahead of any blank lines
        // it skipped; the reader now stands past the record and its `\n`, if it had one.
        let after = reader.position();
        let ended = after.byte().checked_sub(1).and_then(|i| bytes.get(i as usize)) == Some(&b'\n');
        let line = after.line() - u64::from(ended);
        // Line 1 is the header.
        if line == 1 || (record.len() == 1 && record[0].trim().is_empty()) {
            continue;
        }
        let bad = |what: &str| {
            let text = record.iter().collect::<Vec<_>>().join(",");
            let shown = if ended { text.strip_suffix('\r').unwrap_or(&text) } else { &text };
            error(line, format!("expected `{CSV_HEADER}` values; {what} in `{shown}`"))
        };
        let id = record.get(1).and_then(|f| f.trim().parse::<u64>().ok()).ok_or_else(|| bad("no object id"))?;
        let size = record.get(2).and_then(|f| f.trim().parse::<u32>().ok()).ok_or_else(|| bad("no object size"))?;
        out.push(Request { id, size });
    }
    Ok(out)
}

/// How capacities and sizes are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum SizeMode {
    /// Every object takes 1; capacity in objects.
    Objects,
    /// Objects take their size; capacity in bytes.
    Bytes,
}

impl SizeMode {
    /// The unit of a capacity: `objects` or `bytes`.
    pub fn unit(self) -> &'static str {
        match self {
            SizeMode::Objects => "objects",
            SizeMode::Bytes => "bytes",
        }
    }

    /// The absolute sizes `--size` takes in this mode, in words.
    fn absolute_sizes(self) -> &'static str {
        match self {
            SizeMode::Objects => "objects",
            SizeMode::Bytes => "bytes or a size such as 64MB",
        }
    }
}

/// The outcome of replaying a trace through one cache.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Replay {
    pub policy: String,
    /// The capacity as a fraction of the working set, when it was given that way.
    pub size_fraction: Option<f64>,
    pub capacity: u64,
    pub requests: u64,
    pub misses: u64,
    pub miss_ratio: f64,
    pub bytes_requested: u64,
    pub bytes_missed: u64,
    pub byte_miss_ratio: f64,
}

/// `points` cache sizes for a miss-ratio curve, as fractions of the working set spaced evenly
/// on a log scale from 0.001 to 1.
pub fn curve_fractions(points: u32) -> Vec<f64> {
    let (lo, hi) = (0.001f64.ln(), 0.0f64);
    (0..points).map(|i| (lo + (hi - lo) * i as f64 / (points - 1).max(1) as f64).exp()).collect()
}

/// The working set in the mode's unit.
pub fn working_set(trace: &Trace, mode: SizeMode) -> u64 {
    match mode {
        SizeMode::Objects => trace.unique_objects,
        SizeMode::Bytes => trace.unique_bytes,
    }
}

/// Replays `trace` through a cache of `capacity` (objects or bytes, as `mode` says).
pub fn replay(trace: &Trace, kind: CacheKind, capacity: u64, mode: SizeMode, s3fifo: S3FifoParams) -> Replay {
    let mut cache = cache::build_with(kind, capacity, s3fifo);
    let (mut misses, mut bytes_missed) = (0u64, 0u64);
    for r in &trace.requests {
        let size = match mode {
            SizeMode::Objects => 1,
            SizeMode::Bytes => r.size as u64,
        };
        let hit = cache.as_mut().is_some_and(|c| c.get(r.id));
        if !hit {
            misses += 1;
            bytes_missed += r.size as u64;
            if let Some(c) = cache.as_mut() {
                c.insert(r.id, size);
            }
        }
    }
    let requests = trace.requests.len() as u64;
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Replay {
        policy: crate::strategy::name(kind),
        size_fraction: None,
        capacity,
        requests,
        misses,
        miss_ratio: ratio(misses, requests),
        bytes_requested: trace.requested_bytes,
        bytes_missed,
        byte_miss_ratio: ratio(bytes_missed, trace.requested_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(ids: &[(u64, u32)]) -> Trace {
        Trace::new(PathBuf::from("hand"), ids.iter().map(|&(id, size)| Request { id, size }).collect())
    }

    /// The CSV reader splits at commas and `\n` only: quotes are text, a `\r` before a `\n` is
    /// dropped, blank lines are skipped but counted, so an error names the line an editor shows.
    #[test]
    fn csv_lines_are_numbered_as_an_editor_numbers_them() {
        let path = Path::new("t.csv");
        let ok = format!("{CSV_HEADER}\r\n1, 7 ,512\r\n\n  \n2,9,4096,-1,more");
        let requests = parse_csv(path, ok.as_bytes()).expect("valid");
        assert_eq!(requests, [Request { id: 7, size: 512 }, Request { id: 9, size: 4096 }]);
        for (text, line, shown) in [
            (format!("{CSV_HEADER}\n1,7,5\n\n\n1,\"7\",5\n"), 5, "1,\"7\",5"),
            (format!("{CSV_HEADER}\r\n\r\n1,7\r\n"), 3, "1,7"),
            (format!("{CSV_HEADER}\n1,7,x\r"), 2, "1,7,x\r"),
        ] {
            let e = parse_csv(path, text.as_bytes()).expect_err(&text);
            let TraceError::Format { line: l, message, .. } = &e else { panic!("{e:?}") };
            assert_eq!(*l, line, "{text:?}");
            assert!(message.ends_with(&format!(" in `{shown}`")), "{message:?}");
        }
    }

    #[test]
    fn statistics_and_zero_sizes() {
        let t = trace(&[(1, 10), (2, 20), (1, 10), (3, 0), (2, 20)]);
        assert_eq!(t.requests.len(), 4, "the size-0 request is dropped");
        assert_eq!((t.unique_objects, t.unique_bytes, t.requested_bytes), (2, 30, 60));
    }

    #[test]
    fn replay_counts_by_hand() {
        // LRU, 2 objects: 1 2 1 3 2 → misses 1 2 3 2 = 4 (3 evicts 2, the least recent).
        let t = trace(&[(1, 100), (2, 200), (1, 100), (3, 300), (2, 200)]);
        let r = replay(&t, CacheKind::Lru, 2, SizeMode::Objects, cache::S3Fifo::DEFAULT);
        assert_eq!((r.requests, r.misses, r.bytes_missed, r.bytes_requested), (5, 4, 800, 900));
        // In bytes, 350 B: 1 (100) and 2 (200) fit; 1 hits; 3 (300) evicts 2 then 1; 2 misses
        // and evicts 3. Misses 1 2 3 2 = 4.
        let r = replay(&t, CacheKind::Lru, 350, SizeMode::Bytes, cache::S3Fifo::DEFAULT);
        assert_eq!(r.misses, 4);
        // With no cache every request misses.
        let r = replay(&t, CacheKind::None, 350, SizeMode::Bytes, cache::S3Fifo::DEFAULT);
        assert_eq!(r.misses, 5);
    }

    #[test]
    fn both_formats_read_the_same_records() {
        let dir = std::env::temp_dir().join(format!("tweetcap-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut bin = Vec::new();
        for (i, (id, size)) in [(7u64, 512u32), (9, 4096), (7, 512)].iter().enumerate() {
            bin.extend_from_slice(&(i as u32 + 1).to_le_bytes());
            bin.extend_from_slice(&id.to_le_bytes());
            bin.extend_from_slice(&size.to_le_bytes());
            bin.extend_from_slice(&(-1i64).to_le_bytes());
        }
        std::fs::write(dir.join("t.bin"), &bin).expect("write");
        std::fs::write(dir.join("t.csv"), format!("{CSV_HEADER}\n1,7,512,3\n2,9,4096,-1\n3,7,512,-1\n"))
            .expect("write");
        let a = Trace::load(&dir.join("t.bin")).expect("binary");
        let b = Trace::load(&dir.join("t.csv")).expect("csv");
        assert_eq!(a.requests, b.requests);
        assert_eq!(a.requests[1], Request { id: 9, size: 4096 });
        std::fs::write(dir.join("bad.bin"), [0u8; 25]).expect("write");
        assert!(Trace::load(&dir.join("bad.bin")).is_err());
        std::fs::write(dir.join("bad.csv"), format!("{CSV_HEADER}\n1,x,5,1\n")).expect("write");
        let e = Trace::load(&dir.join("bad.csv")).err().expect("bad csv").to_string();
        assert!(e.contains(":2:"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
