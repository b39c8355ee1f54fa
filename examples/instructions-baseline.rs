//! Records the instruction-count baselines of `benches/instructions.rs` from gungraun's JSON
//! output, one benchmark summary a line on standard input:
//!
//! ```sh
//! TWEETCAP_INSTRUCTIONS_RECORD=1 cargo bench --bench instructions -- --output-format=json \
//!   | cargo run --example instructions-baseline
//! ```
//!
//! Writes `benches/instructions.json` (atomically), keeping its `limit_percent`, and prints
//! each count beside the one it replaces. Exit 2 when the input holds no benchmark.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/instructions.json");
    let old: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!({ "limit_percent": 5, "instructions": {} }));
    let mut counts = BTreeMap::new();
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            eprintln!("line {}: not a gungraun JSON summary; run the bench with --output-format=json", n + 1);
            return ExitCode::from(2);
        };
        let name = format!("{}.{}", v["function_name"].as_str().unwrap_or("?"), v["id"].as_str().unwrap_or("?"));
        let Some(ir) = v["profiles"][0]["data"]["total"]["metrics"]["Ir"]["values"]["new"].as_u64() else {
            eprintln!("{name}: no instruction count (Ir) in the summary");
            return ExitCode::from(2);
        };
        counts.insert(name, ir);
    }
    if counts.is_empty() {
        eprintln!("no benchmark summaries on standard input");
        return ExitCode::from(2);
    }
    for (name, ir) in &counts {
        match old["instructions"][name].as_u64() {
            Some(was) => {
                println!("{name}: {ir} instructions (was {was}, {:+.2}%)", (*ir as f64 / was as f64 - 1.0) * 100.0)
            }
            None => println!("{name}: {ir} instructions (new)"),
        }
    }
    let new = json!({ "limit_percent": old["limit_percent"].as_f64().unwrap_or(5.0), "instructions": counts });
    let text = serde_json::to_string_pretty(&new).unwrap_or_default() + "\n";
    let tmp = path.with_extension("json.tmp");
    if let Err(e) = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &path)) {
        eprintln!("{}: cannot write: {e}", path.display());
        return ExitCode::from(2);
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}
