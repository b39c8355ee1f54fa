//! `matrix:`: the variants `tweetcap compare` runs, as key paths and the values to set.

use serde_json::Value;
use std::collections::BTreeMap;

use super::Cx;

/// Most combinations a matrix may have.
const MAX_COMBINATIONS: usize = 64;

pub(super) fn resolve(cx: &mut Cx, matrix: &BTreeMap<String, Vec<Value>>) -> Vec<(String, Vec<String>)> {
    let mut resolved = Vec::new();
    let mut combinations = 1usize;
    for (key, values) in matrix {
        let path = format!("matrix.{key}");
        if key.starts_with("matrix") || key.contains(['[', ']']) || key.split('.').any(str::is_empty) {
            cx.problem(
                &path,
                format!("`{key}` is not allowed; a matrix key is a key path such as system.partitioning.shards"),
            );
            continue;
        }
        if values.is_empty() {
            cx.problem(&path, "an empty list; give the values to compare");
            continue;
        }
        let mut texts = Vec::new();
        for v in values {
            match v {
                Value::String(s) => texts.push(s.clone()),
                Value::Number(n) => texts.push(n.to_string()),
                Value::Bool(b) => texts.push(b.to_string()),
                other => cx.problem(
                    &path,
                    format!("{other} is not allowed; matrix values are single values (numbers, names, sizes)"),
                ),
            }
        }
        combinations = combinations.saturating_mul(values.len());
        resolved.push((key.clone(), texts));
    }
    if combinations > MAX_COMBINATIONS {
        cx.problem("matrix", format!("{combinations} combinations; at most {MAX_COMBINATIONS} are allowed"));
    }
    resolved
}
