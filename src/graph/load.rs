//! Real follow graphs read from disk: SNAP-style edge lists ([`FollowGraph::load_edgelist`]) and
//! Matrix Market coordinate files ([`FollowGraph::load_mtx`]), with errors that name the file,
//! line and column ([`GraphError`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::FollowGraph;

/// A graph read from a file, with what the file itself contained.
#[derive(Debug, Clone)]
pub struct LoadedGraph {
    pub graph: FollowGraph,
    /// Distinct nodes: ids seen in an edge list, or `max(rows, cols)` of a Matrix Market file.
    pub nodes: u32,
    /// Edge lines (edge list) or entries (Matrix Market) read, before dropping self loops and
    /// duplicates and before adding reverse edges.
    pub lines: u64,
}

/// What went wrong reading a graph file. Every variant names the file; those about its content
/// also name the 1-based line and byte column, `path:line:column: message`.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The file could not be read: check the path and its permissions.
    #[error("{}: cannot read graph file: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line does not have the expected shape; `message` says what was expected and what was
    /// found. Fix the line or point at a file in the format the loader expects.
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Parse { path: PathBuf, line: u64, column: u64, message: String },
    /// A count or id is larger than the graph can hold (ids are `u32`). Such a graph does not
    /// fit this simulator; use a smaller one.
    #[error("{}:{line}:{column}: {what} is {value}, more than the supported maximum {max}", .path.display())]
    TooLarge { path: PathBuf, line: u64, column: u64, what: &'static str, value: u64, max: u64 },
    /// A Matrix Market file's size line declares a different number of entries than the file
    /// holds: the file is truncated or its header is wrong. Points at the `nnz` on the size line.
    #[error(
        "{}:{line}:{column}: the size line declares {declared} entries but the file has {found}",
        .path.display()
    )]
    EntryCount { path: PathBuf, line: u64, column: u64, declared: u64, found: u64 },
}

/// Most users a Matrix Market file may declare: its arrays are sized from the declaration.
pub const MAX_NODES: u32 = 100_000_000;

impl FollowGraph {
    /// Loads a SNAP-style edge list: `#` or `%` comment lines, blank lines, and one `u v` per
    /// line (whitespace separated, non-negative integers, `\r\n` accepted; columns after the
    /// second are ignored). `u v` reads as "u follows v". Ids are remapped to `0..n` in order of
    /// first appearance. If `undirected`, each line gives both `u → v` and `v → u`.
    pub fn load_edgelist(path: &Path, undirected: bool) -> Result<LoadedGraph, GraphError> {
        let data = read_file(path)?;
        let at = Pos { path };
        let mut dense: HashMap<u64, u32> = HashMap::new();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut lines = 0u64;
        for (line_no, line) in Lines::new(&data) {
            let Some(first) = next_token(line, 0) else {
                continue;
            };
            if matches!(line[first.start], b'#' | b'%') {
                continue;
            }
            let a = at.int(line_no, line, first, "the follower id (first column)")?;
            let second = at.require(line_no, line, first, "a second node id (the followee)")?;
            let b = at.int(line_no, line, second, "the followee id (second column)")?;
            let a = at.dense(&mut dense, a, line_no, first)?;
            let b = at.dense(&mut dense, b, line_no, second)?;
            edges.push((a, b));
            if undirected {
                edges.push((b, a));
            }
            lines += 1;
        }
        // `dense` never holds more than u32::MAX ids, checked by `Pos::dense`.
        let nodes = dense.len() as u32;
        drop(dense);
        Ok(LoadedGraph { graph: FollowGraph::from_edges(nodes, edges), nodes, lines })
    }

    /// Loads a Matrix Market coordinate file
    /// (`%%MatrixMarket matrix coordinate pattern|integer|real general|symmetric`): `%`
    /// comments, a size line `rows cols nnz`, then `nnz` entries `i j [value]` with 1-based ids.
    /// Entry `i j` reads as "i follows j"; users are `max(rows, cols)`. A `symmetric` file, or
    /// `undirected`, gives both directions. Values are checked for syntax and ignored.
    pub fn load_mtx(path: &Path, undirected: bool) -> Result<LoadedGraph, GraphError> {
        let data = read_file(path)?;
        let at = Pos { path };
        let mut lines_iter = Lines::new(&data);

        let (banner_no, banner) = lines_iter.next().unwrap_or((1, &[]));
        let header = at.mtx_banner(banner_no, banner)?;
        let both = undirected || header.symmetric;

        let mut size = None;
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut entries = 0u64;
        let mut last_line = banner_no;
        for (line_no, line) in lines_iter {
            last_line = line_no;
            let Some(first) = next_token(line, 0) else {
                continue;
            };
            if line[first.start] == b'%' {
                continue;
            }
            let Some(size) = size else {
                let parsed = at.mtx_size(line_no, line, first)?;
                let per_entry = if both { 2 } else { 1 };
                // Trust nnz for the reservation only as far as the file could hold it.
                let cap = parsed.nnz.min(data.len() as u64 / 4) as usize;
                edges.reserve(cap.saturating_mul(per_entry));
                size = Some(parsed);
                continue;
            };
            let i = at.mtx_index(line_no, line, first, "row", size.rows)?;
            let second = at.require(line_no, line, first, "a column index")?;
            let j = at.mtx_index(line_no, line, second, "column", size.cols)?;
            if header.field != Field::Pattern {
                let value = at.require(line_no, line, second, header.field.expected())?;
                at.mtx_value(line_no, line, value, header.field)?;
            }
            edges.push((i, j));
            if both {
                edges.push((j, i));
            }
            entries += 1;
        }
        let Some(size) = size else {
            return Err(at.parse(
                last_line + 1,
                1,
                "expected the size line `rows cols nnz`, found end of file".to_string(),
            ));
        };
        if entries != size.nnz {
            return Err(GraphError::EntryCount {
                path: path.to_path_buf(),
                line: size.line,
                column: size.nnz_column,
                declared: size.nnz,
                found: entries,
            });
        }
        let nodes = size.rows.max(size.cols);
        Ok(LoadedGraph { graph: FollowGraph::from_edges(nodes, edges), nodes, lines: entries })
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, GraphError> {
    std::fs::read(path).map_err(|source| GraphError::Io { path: path.to_path_buf(), source })
}

/// Lines of a byte buffer with their 1-based numbers, without the `\n` or `\r\n` ending.
struct Lines<'a> {
    rest: &'a [u8],
    line: u64,
    done: bool,
}

impl<'a> Lines<'a> {
    fn new(data: &'a [u8]) -> Lines<'a> {
        Lines { rest: data, line: 0, done: data.is_empty() }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<(u64, &'a [u8])> {
        if self.done {
            return None;
        }
        self.line += 1;
        let mut line = match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let line = &self.rest[..i];
                self.rest = &self.rest[i + 1..];
                self.done = self.rest.is_empty();
                line
            }
            None => {
                self.done = true;
                self.rest
            }
        };
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        Some((self.line, line))
    }
}

/// A whitespace-separated token: `line[start..end]`.
#[derive(Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
}

impl Token {
    /// 1-based byte column of the token's first byte.
    fn column(self) -> u64 {
        self.start as u64 + 1
    }
}

fn next_token(line: &[u8], from: usize) -> Option<Token> {
    let start = from + line[from..].iter().position(|b| !b.is_ascii_whitespace())?;
    let end = line[start..].iter().position(|b| b.is_ascii_whitespace()).map_or(line.len(), |i| start + i);
    Some(Token { start, end })
}

/// A token for an error message, shortened if long.
fn shown(line: &[u8], token: Token) -> String {
    let text = String::from_utf8_lossy(&line[token.start..token.end]);
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.into_owned()
    }
}

enum IntError {
    NotDigits,
    Overflow,
}

fn parse_u64(bytes: &[u8]) -> Result<u64, IntError> {
    if bytes.is_empty() {
        return Err(IntError::NotDigits);
    }
    let mut value = 0u64;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(IntError::NotDigits);
        }
        value = value.checked_mul(10).and_then(|v| v.checked_add(u64::from(digit))).ok_or(IntError::Overflow)?;
    }
    Ok(value)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Pattern,
    Integer,
    Real,
}

impl Field {
    fn expected(self) -> &'static str {
        match self {
            Field::Pattern => "nothing",
            Field::Integer => "an integer value (third column, field `integer`)",
            Field::Real => "a real value (third column, field `real`)",
        }
    }
}

struct MtxHeader {
    field: Field,
    symmetric: bool,
}

#[derive(Clone, Copy)]
struct MtxSize {
    rows: u32,
    cols: u32,
    nnz: u64,
    line: u64,
    nnz_column: u64,
}

/// Builds positioned errors for one file.
struct Pos<'p> {
    path: &'p Path,
}

impl Pos<'_> {
    fn parse(&self, line: u64, column: u64, message: String) -> GraphError {
        GraphError::Parse { path: self.path.to_path_buf(), line, column, message }
    }

    fn too_large(&self, line: u64, column: u64, what: &'static str, value: u64) -> GraphError {
        GraphError::TooLarge { path: self.path.to_path_buf(), line, column, what, value, max: u64::from(u32::MAX) }
    }

    fn too_many_nodes(&self, line: u64, column: u64, what: &'static str, value: u64) -> GraphError {
        GraphError::TooLarge { path: self.path.to_path_buf(), line, column, what, value, max: u64::from(MAX_NODES) }
    }

    /// The token after `prev`, or an error at the end of the line naming what was `expected`.
    fn require(&self, line_no: u64, line: &[u8], prev: Token, expected: &str) -> Result<Token, GraphError> {
        next_token(line, prev.end).ok_or_else(|| {
            self.parse(
                line_no,
                line.len() as u64 + 1,
                format!("expected {expected} after `{}`, found end of line", shown(line, prev)),
            )
        })
    }

    fn int(&self, line_no: u64, line: &[u8], token: Token, what: &str) -> Result<u64, GraphError> {
        parse_u64(&line[token.start..token.end]).map_err(|e| {
            let found = shown(line, token);
            let message = match e {
                IntError::NotDigits => {
                    format!("expected {what} as a non-negative integer, found `{found}`")
                }
                IntError::Overflow => format!("{what} `{found}` does not fit in 64 bits"),
            };
            self.parse(line_no, token.column(), message)
        })
    }

    /// The dense id of file id `id`, assigning the next one on first appearance.
    fn dense(&self, dense: &mut HashMap<u64, u32>, id: u64, line_no: u64, token: Token) -> Result<u32, GraphError> {
        let next = dense.len();
        if let Some(&d) = dense.get(&id) {
            return Ok(d);
        }
        if next >= u32::MAX as usize {
            return Err(self.too_large(line_no, token.column(), "the node count", next as u64 + 1));
        }
        dense.insert(id, next as u32);
        Ok(next as u32)
    }

    fn mtx_banner(&self, line_no: u64, line: &[u8]) -> Result<MtxHeader, GraphError> {
        const SHAPE: &str = "`%%MatrixMarket matrix coordinate pattern|integer|real general|symmetric`";
        let mut tokens = Vec::new();
        let mut from = 0;
        while let Some(t) = next_token(line, from) {
            tokens.push(t);
            from = t.end;
        }
        let text = |t: Token| String::from_utf8_lossy(&line[t.start..t.end]).to_ascii_lowercase();
        let Some(&first) = tokens.first() else {
            return Err(self.parse(
                line_no,
                1,
                format!("expected the Matrix Market banner {SHAPE}, found an empty line"),
            ));
        };
        if text(first) != "%%matrixmarket" {
            return Err(self.parse(
                line_no,
                first.column(),
                format!("expected the Matrix Market banner {SHAPE}, found `{}`", shown(line, first)),
            ));
        }
        let expectations: [(&str, &[&str]); 4] = [
            ("the object", &["matrix"]),
            ("the format", &["coordinate"]),
            ("the field", &["pattern", "integer", "real"]),
            ("the symmetry", &["general", "symmetric"]),
        ];
        let mut words = Vec::new();
        for (k, (what, allowed)) in expectations.iter().enumerate() {
            let Some(&token) = tokens.get(k + 1) else {
                return Err(self.parse(
                    line_no,
                    line.len() as u64 + 1,
                    format!("expected {what} ({}) in the banner, found end of line", allowed.join(" or ")),
                ));
            };
            let word = text(token);
            if !allowed.contains(&word.as_str()) {
                return Err(self.parse(
                    line_no,
                    token.column(),
                    format!(
                        "expected {what} to be {}, found `{}` (only {SHAPE} is supported)",
                        allowed.join(" or "),
                        shown(line, token)
                    ),
                ));
            }
            words.push(word);
        }
        let field = match words[2].as_str() {
            "pattern" => Field::Pattern,
            "integer" => Field::Integer,
            _ => Field::Real,
        };
        Ok(MtxHeader { field, symmetric: words[3] == "symmetric" })
    }

    fn mtx_size(&self, line_no: u64, line: &[u8], first: Token) -> Result<MtxSize, GraphError> {
        let rows = self.int(line_no, line, first, "the row count (size line `rows cols nnz`)")?;
        let second = self.require(line_no, line, first, "the column count (size line)")?;
        let cols = self.int(line_no, line, second, "the column count (size line)")?;
        let third = self.require(line_no, line, second, "the entry count nnz (size line)")?;
        let nnz = self.int(line_no, line, third, "the entry count nnz (size line)")?;
        // Arrays are sized from the declared dimensions, so they are bounded before anything is built.
        let narrow = |value: u64, token: Token, what| {
            if value > u64::from(MAX_NODES) {
                return Err(self.too_many_nodes(line_no, token.column(), what, value));
            }
            u32::try_from(value).map_err(|_| self.too_large(line_no, token.column(), what, value))
        };
        Ok(MtxSize {
            rows: narrow(rows, first, "the row count")?,
            cols: narrow(cols, second, "the column count")?,
            nnz,
            line: line_no,
            nnz_column: third.column(),
        })
    }

    /// A 1-based row or column index, checked against its bound, as a 0-based id.
    fn mtx_index(&self, line_no: u64, line: &[u8], token: Token, what: &str, bound: u32) -> Result<u32, GraphError> {
        let value = self.int(line_no, line, token, &format!("a {what} index"))?;
        if value == 0 || value > u64::from(bound) {
            return Err(self.parse(
                line_no,
                token.column(),
                format!("expected a {what} index in 1..={bound}, found {value}"),
            ));
        }
        Ok((value - 1) as u32)
    }

    fn mtx_value(&self, line_no: u64, line: &[u8], token: Token, field: Field) -> Result<(), GraphError> {
        let text = std::str::from_utf8(&line[token.start..token.end]).unwrap_or("");
        let ok = match field {
            Field::Pattern => true,
            Field::Integer => text.parse::<i64>().is_ok(),
            Field::Real => text.parse::<f64>().is_ok(),
        };
        if ok {
            Ok(())
        } else {
            Err(self.parse(
                line_no,
                token.column(),
                format!("expected {}, found `{}`", field.expected(), shown(line, token)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::assert_consistent;
    use std::io::Write;

    fn temp_file(contents: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("create temp file");
        file.write_all(contents.as_bytes()).expect("write temp file");
        file
    }

    #[test]
    fn edgelist_comments_remapping_and_extra_columns() {
        let file =
            temp_file("# SNAP header\n% also a comment\n\n  30\t1412 extra 7\r\n30 7\n7 30\n\n1412 1412\n30 7\n");
        let loaded = FollowGraph::load_edgelist(file.path(), false).expect("valid file");
        // 30 → 0, 1412 → 1, 7 → 2.
        assert_eq!(loaded.nodes, 3);
        assert_eq!(loaded.lines, 5);
        let g = &loaded.graph;
        assert_eq!(g.edges(), 3);
        assert_eq!(g.followees(0), &[1, 2]);
        assert_eq!(g.followees(2), &[0]);
        assert_eq!(g.followers(0), &[2]);
        assert_consistent(g);

        let loaded = FollowGraph::load_edgelist(file.path(), true).expect("valid file");
        assert_eq!(loaded.graph.edges(), 4);
        assert_eq!(loaded.graph.followers(1), &[0]);
        assert_eq!(loaded.graph.followees(1), &[0]);
    }

    #[test]
    fn edgelist_errors_name_line_and_column() {
        let cases = [
            ("1 2\n3 x4\n", 2, 3, "expected the followee id"),
            ("1 2\n# ok\n  -1 2\n", 3, 3, "non-negative integer, found `-1`"),
            ("1 2\n5\n", 2, 2, "expected a second node id"),
            ("99999999999999999999 1\n", 1, 1, "does not fit in 64 bits"),
        ];
        for (text, line, column, needle) in cases {
            let file = temp_file(text);
            let err = FollowGraph::load_edgelist(file.path(), false).expect_err(text);
            let GraphError::Parse { line: l, column: c, .. } = &err else {
                panic!("{err:?}");
            };
            assert_eq!((*l, *c), (line, column), "{err}");
            let shown = err.to_string();
            assert!(shown.contains(needle), "{shown}");
            let prefix = format!("{}:{line}:{column}: ", file.path().display());
            assert!(shown.starts_with(&prefix), "{shown}");
        }
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let path = std::env::temp_dir().join("tweetcap-graph-no-such-file.txt");
        let err = FollowGraph::load_edgelist(&path, false).expect_err("missing");
        assert!(matches!(err, GraphError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("tweetcap-graph-no-such-file"));
        let err = FollowGraph::load_mtx(&path, false).expect_err("missing");
        assert!(matches!(err, GraphError::Io { .. }), "{err:?}");
    }

    #[test]
    fn mtx_general_and_symmetric() {
        let general = "%%MatrixMarket matrix coordinate pattern general\n% comment\n3 4 3\n1 2\n2 1\n4 4\n";
        // Row count 3 but an entry in row 4: rejected.
        let file = temp_file(general);
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("row 4 of 3");
        assert!(matches!(err, GraphError::Parse { line: 6, column: 1, .. }), "{err}");

        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n3 4 3\n1 2\n2 1\n3 4\n");
        let loaded = FollowGraph::load_mtx(file.path(), false).expect("valid");
        assert_eq!((loaded.nodes, loaded.lines, loaded.graph.edges()), (4, 3, 3));
        assert_eq!(loaded.graph.followees(2), &[3]);
        assert_eq!(loaded.graph.followers(0), &[1]);

        let file =
            temp_file("%%MatrixMarket matrix coordinate real symmetric\n%\n4 4 4\n2 1 0.5\n3 1 -1e3\n4 2 7\n4 4 1\n");
        let loaded = FollowGraph::load_mtx(file.path(), false).expect("valid");
        assert_eq!((loaded.nodes, loaded.lines), (4, 4));
        // The diagonal entry is a self loop and is dropped.
        assert_eq!(loaded.graph.edges(), 6);
        assert_eq!(loaded.graph.followees(0), &[1, 2]);
        assert_eq!(loaded.graph.followers(0), &[1, 2]);
        assert_consistent(&loaded.graph);

        let file = temp_file("%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 2 5\n");
        let loaded = FollowGraph::load_mtx(file.path(), true).expect("valid");
        assert_eq!(loaded.graph.edges(), 2);
    }

    #[test]
    fn mtx_wrong_nnz_points_at_the_size_line() {
        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n% c\n3 3  5\n1 2\n2 3\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("nnz 5, 2 entries");
        assert!(matches!(err, GraphError::EntryCount { line: 3, column: 6, declared: 5, found: 2, .. }), "{err:?}");
        assert!(err.to_string().contains(":3:6: the size line declares 5 entries but the file has 2"));

        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2\n2 3\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("nnz 1, 2 entries");
        assert!(matches!(err, GraphError::EntryCount { found: 2, .. }), "{err:?}");
    }

    #[test]
    fn mtx_bad_headers_and_entries() {
        let cases = [
            ("1 2\n", 1, 1, "expected the Matrix Market banner"),
            ("%%MatrixMarket matrix array real general\n", 1, 23, "expected the format"),
            ("%%MatrixMarket matrix coordinate complex general\n", 1, 34, "expected the field"),
            ("%%MatrixMarket matrix coordinate real hermitian\n", 1, 39, "expected the symmetry"),
            ("%%MatrixMarket matrix coordinate\n", 1, 33, "found end of line"),
            ("%%MatrixMarket matrix coordinate pattern general\n% only comments\n", 3, 1, "size line"),
            ("%%MatrixMarket matrix coordinate pattern general\n3 3\n", 2, 4, "entry count"),
            ("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 2\n", 3, 4, "real value"),
            ("%%MatrixMarket matrix coordinate real general\n3 3 1\n1 2 abc\n", 3, 5, "found `abc`"),
            ("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n0 2\n", 3, 1, "1..=3"),
        ];
        for (text, line, column, needle) in cases {
            let file = temp_file(text);
            let err = FollowGraph::load_mtx(file.path(), false).expect_err(text);
            let GraphError::Parse { line: l, column: c, .. } = &err else {
                panic!("{err:?}");
            };
            assert_eq!((*l, *c), (line, column), "{err}");
            assert!(err.to_string().contains(needle), "{err}");
        }
        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n5000000000 3 0\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("too many rows");
        assert!(matches!(err, GraphError::TooLarge { line: 2, column: 1, .. }), "{err:?}");
        // Regression: a three-line file declaring 2e9 rows tried to allocate 16 GB before any check.
        let file = temp_file("%%MatrixMarket matrix coordinate pattern general\n2000000000 3 1\n1 2\n");
        let err = FollowGraph::load_mtx(file.path(), false).expect_err("declared too many rows");
        assert!(matches!(err, GraphError::TooLarge { line: 2, column: 1, max: 100_000_000, .. }), "{err:?}");
    }
}
