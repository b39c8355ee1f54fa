//! The one place that reads YAML. A file is parsed (with serde-saphyr, under an alias and size
//! budget) into a plain `serde_json::Value` plus a map from each key path (`system.fanout.strategy`,
//! `workload.pattern.spikes[0].at`) to its line and column. Overrides from `--set` are applied to
//! the value, and every later stage reports a problem by key path, which this map turns back into
//! `file:line:column` (or into the `--set` that supplied the value).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::fmt;

/// A YAML node with the location of each child.
enum Node {
    Scalar(Value),
    Seq(Vec<Spanned<Node>>),
    /// Key, key position, value.
    Map(Vec<(String, (usize, usize), Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Scalar(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Scalar(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                serde_json::Number::from_f64(v)
                    .map(|n| Node::Scalar(Value::Number(n)))
                    .ok_or_else(|| E::custom("numbers must be finite (no .inf or .nan)"))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Scalar(Value::String(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Scalar(Value::String(v)))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Node>>()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<KeyString>>()? {
                    let at = key.referenced;
                    entries.push((
                        key.value.0,
                        (at.line() as usize, at.column() as usize),
                        map.next_value::<Spanned<Node>>()?,
                    ));
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping key, whatever its scalar type (`1: x` has key "1").
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Node::deserialize(d)? {
            Node::Scalar(Value::String(s)) => Ok(KeyString(s)),
            Node::Scalar(v) => Ok(KeyString(v.to_string())),
            _ => Err(de::Error::custom("mapping keys must be plain scalars")),
        }
    }
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// 1-based line and column in the file.
    File { line: usize, column: usize },
    /// A `--set key=value` override.
    Override(String),
    /// The value is a default or the position is unknown.
    Unknown,
}

/// A parsed document: its value and the position of every key path in it.
pub struct Document {
    pub value: Value,
    positions: HashMap<String, (usize, usize)>,
    key_positions: HashMap<String, (usize, usize)>,
    overrides: Vec<(String, String)>,
}

/// A YAML syntax or structure error with its position.
#[derive(Debug)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Largest file accepted, a guard against feeding the tool a multi-gigabyte file by mistake.
pub const MAX_FILE_BYTES: usize = 16 << 20;

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_reader_input_bytes = Some(MAX_FILE_BYTES);
    budget.max_anchors = 1_000;
    budget.max_aliases = 10_000;
    budget.max_events = 1_000_000;
    budget.max_nodes = 1_000_000;
    budget.max_depth = 64;
    serde_saphyr::options! { budget: Some(budget) }
}

impl Document {
    /// Parses YAML text. Errors carry the position the parser reported.
    pub fn parse(text: &str) -> Result<Document, SyntaxError> {
        let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
            let (line, column) = e.location().map(|l| (l.line() as usize, l.column() as usize)).unwrap_or((0, 0));
            let message = first_line(&e.to_string());
            SyntaxError { line, column, message }
        })?;
        let mut positions = HashMap::new();
        let mut key_positions = HashMap::new();
        let value = flatten(root, String::new(), &mut positions, &mut key_positions);
        Ok(Document { value, positions, key_positions, overrides: Vec::new() })
    }

    /// Applies `key.path=value` overrides; the value is parsed as YAML (`4`, `push`, `[1, 2]`).
    pub fn apply_override(&mut self, assignment: &str) -> Result<(), String> {
        self.apply_override_shown(assignment, assignment)
    }

    /// As [`Document::apply_override`], naming the override as `shown` in messages (a model
    /// key set from the scenario's command line as `model.KEY=...`).
    pub fn apply_override_shown(&mut self, assignment: &str, shown: &str) -> Result<(), String> {
        let Some((path, raw)) = assignment.split_once('=') else {
            return Err(format!("--set {assignment}: expected key.path=value"));
        };
        let path = path.trim();
        if path.is_empty() || path.split('.').any(|p| p.is_empty()) {
            return Err(format!("--set {assignment}: `{path}` is not a key path like system.partitioning.shards"));
        }
        if path.contains(['[', ']']) || path.split('.').any(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!(
                "--set {assignment}: list elements cannot be set one by one; set the whole list, e.g. --set workload.pattern.spikes=[]"
            ));
        }
        if raw.trim().is_empty() {
            return Err(format!("--set {assignment}: no value after `=`"));
        }
        let parsed = Document::parse(raw).map_err(|e| format!("--set {assignment}: {}", e.message))?;
        let mut target = &mut self.value;
        for part in path.split('.') {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            target =
                target.as_object_mut().expect("made an object above").entry(part.to_owned()).or_insert(Value::Null);
        }
        *target = parsed.value;
        self.overrides.push((path.to_owned(), shown.to_owned()));
        Ok(())
    }

    /// The origin of the key itself at `path` (for unknown keys), else as [`Document::origin`].
    pub fn key_origin(&self, path: &str) -> Origin {
        match (self.origin(path), self.key_positions.get(path)) {
            (Origin::File { .. }, Some(&(line, column))) => Origin::File { line, column },
            (o, _) => o,
        }
    }

    /// The origin of a key path such as `system.partitioning.shards` or `ops.spikes[0].at`.
    /// Falls back to the nearest enclosing key that has a position.
    pub fn origin(&self, path: &str) -> Origin {
        for (prefix, assignment) in self.overrides.iter().rev() {
            if path == prefix || path.starts_with(&format!("{prefix}.")) || path.starts_with(&format!("{prefix}[")) {
                return Origin::Override(assignment.clone());
            }
        }
        let mut p = path;
        loop {
            if let Some(&(line, column)) = self.positions.get(p) {
                return Origin::File { line, column };
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return Origin::Unknown,
            }
        }
    }
}

/// The parser's message without its own `error: line N column M:` prefix (the caller prints
/// the position once) and with budget breaches in plain words.
fn first_line(message: &str) -> String {
    let mut m = message.lines().next().unwrap_or(message).trim();
    m = m.strip_prefix("error:").unwrap_or(m).trim_start();
    if let Some((_, after)) = m.strip_prefix("line ").and_then(|rest| rest.split_once(": ")) {
        m = after;
    }
    if m.contains("budget breached") {
        return format!(
            "the document expands to more than this tool accepts ({}): anchors and aliases may expand it exponentially; write the values out",
            m.trim_start_matches("budget breached:").trim()
        );
    }
    m.to_owned()
}

type Positions = HashMap<String, (usize, usize)>;

fn flatten(node: Spanned<Node>, path: String, positions: &mut Positions, keys: &mut Positions) -> Value {
    let loc = node.referenced;
    if loc.line() > 0 {
        positions.insert(path.clone(), (loc.line() as usize, loc.column() as usize));
    }
    match node.value {
        Node::Scalar(v) => v,
        Node::Seq(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| flatten(item, format!("{path}[{i}]"), positions, keys))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (key, at, child) in entries {
                let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if at.0 > 0 {
                    keys.insert(child_path.clone(), at);
                }
                let value = flatten(child, child_path, positions, keys);
                map.insert(key, value);
            }
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_nested_keys() {
        let doc = Document::parse("a:\n  b: 1\n  list:\n    - x: 2\n").expect("valid YAML");
        assert_eq!(doc.origin("a.b"), Origin::File { line: 2, column: 6 });
        assert_eq!(doc.origin("a.list[0].x"), Origin::File { line: 4, column: 10 });
        // An unknown child falls back to its parent.
        assert_eq!(doc.origin("a.b.c"), Origin::File { line: 2, column: 6 });
    }

    #[test]
    fn overrides_replace_values_and_are_named() {
        let mut doc = Document::parse("a:\n  b: 1\n").expect("valid YAML");
        doc.apply_override("a.b=7").expect("valid override");
        doc.apply_override("a.c.d=push").expect("valid override");
        assert_eq!(doc.value["a"]["b"], 7);
        assert_eq!(doc.value["a"]["c"]["d"], "push");
        assert_eq!(doc.origin("a.b"), Origin::Override("a.b=7".into()));
        assert!(doc.apply_override("nonsense").is_err());
    }

    #[test]
    fn syntax_error_has_position() {
        let Err(e) = Document::parse("a: [1, 2\nb: 3\n") else { panic!("an unclosed flow sequence parsed") };
        assert!(e.line > 0, "{}", e.message);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(Document::parse(&text).is_err());
    }
}
