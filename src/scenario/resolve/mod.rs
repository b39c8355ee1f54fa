//! Stage 2: from the file form to the resolved `Scenario`, with every problem located.
//!
//! [`load`] reads the file, applies the overrides and hands each section of the file form to
//! its own resolver, in the order the problems are reported: the run (name, duration,
//! warm-up), the model, then `population`, `workload`, `system`, `faults`, `matrix`, `slo`, and
//! last, once all of them are valid, the slice of the fleet that runs (`slice`) and the memory
//! guard. A resolver pushes every problem it finds into the context [`Cx`] and
//! still returns a resolved value (a placeholder where a value is wrong), so that the sections
//! after it are checked too; `load` refuses the scenario if any problem was found.

mod faults;
mod matrix;
mod memory;
mod model;
mod population;
mod slice;
mod slo;
mod system;
mod workload;

use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::Digest;
use std::path::Path;

use super::file::ScenarioFile;
use super::units::{self, parse_duration_ns, parse_size_bytes};
use super::yaml::{Document, MAX_FILE_BYTES, Origin};
use super::{Dist, Overrides, Problem, Scenario, ScenarioError, dist, suggest};

pub use memory::machine_memory_bytes;
pub use model::load_model;

#[derive(Clone, Copy)]
enum Unit {
    Duration,
    Size,
    Count,
}

/// What every resolver shares: the parsed document (for the positions of key paths), the file
/// it came from, and the problems found so far, in the order they are reported.
struct Cx<'a> {
    doc: &'a Document,
    file: &'a Path,
    problems: Vec<Problem>,
}

impl<'a> Cx<'a> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        let origin = self.doc.origin(path);
        let message = message.into();
        let message = if path.is_empty() { message } else { format!("{path}: {message}") };
        self.problems.push(Problem { file: self.file.to_path_buf(), origin, message });
    }

    fn quantity(&mut self, path: &str, v: &Value, unit: Unit) -> Option<f64> {
        match parse_unit(v, unit) {
            Ok(x) => Some(x),
            Err(e) => {
                self.problem(path, e);
                None
            }
        }
    }

    fn duration_ns(&mut self, path: &str, v: &Value) -> Option<u64> {
        self.quantity(path, v, Unit::Duration).map(|x| x.round() as u64)
    }

    fn positive_duration_ns(&mut self, path: &str, v: &Value) -> Option<u64> {
        let d = self.duration_ns(path, v)?;
        if d == 0 {
            self.problem(path, "must be greater than 0");
            return None;
        }
        Some(d)
    }

    fn dist(&mut self, path: &str, v: &Value, unit: Unit) -> Option<Dist> {
        match dist::parse(v, &|x| parse_unit(x, unit)) {
            Ok(Dist::Zipf { .. }) => {
                self.problem(path, "zipf is for choosing actors (workload.actor); use constant, uniform, exponential, lognormal or pareto here");
                None
            }
            Ok(d) => Some(d),
            Err((key, e)) => {
                let p = key.map_or(path.to_owned(), |k| format!("{path}.{k}"));
                self.problem(&p, e);
                None
            }
        }
    }

    fn at_least(&mut self, path: &str, v: f64, min: f64, what: &str) -> bool {
        if v.is_nan() || v < min || !v.is_finite() {
            self.problem(path, format!("{v} is not allowed; {what}"));
            return false;
        }
        true
    }
}

/// The longest duration accepted anywhere (run length, warm-up, service times): a year.
const MAX_DURATION_NS: f64 = 365.0 * 86_400e9;

fn parse_unit(v: &Value, unit: Unit) -> Result<f64, String> {
    match (v, unit) {
        (Value::String(s), Unit::Duration) => parse_duration_ns(s).and_then(|ns| {
            if ns > MAX_DURATION_NS {
                Err(format!("`{s}` is longer than this tool simulates; durations are at most 365d"))
            } else {
                Ok(ns)
            }
        }),
        (Value::String(s), Unit::Size) => parse_size_bytes(s),
        (Value::Number(n), Unit::Count) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if x >= 0.0 { Ok(x) } else { Err(format!("{x} is negative; expected a count >= 0")) }
        }
        (Value::Number(n), _) if n.as_f64() == Some(0.0) => Ok(0.0),
        (other, Unit::Duration) => Err(format!("{other} is not {}", units::DURATION_HELP)),
        (other, Unit::Size) => Err(format!("{other} is not {}", units::SIZE_HELP)),
        (other, Unit::Count) => Err(format!("{other} is not a number")),
    }
}

fn invalid(file: &Path, origin: Origin, message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Problem { file: file.to_path_buf(), origin, message }])
}

pub(super) fn read(path: &Path) -> Result<String, ScenarioError> {
    let meta = std::fs::metadata(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(invalid(
            path,
            Origin::Unknown,
            format!("file is {} bytes; scenario and model files are limited to {MAX_FILE_BYTES} bytes", meta.len()),
        ));
    }
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    String::from_utf8(bytes).map_err(|e| invalid(path, Origin::Unknown, format!("file is not UTF-8 text ({e})")))
}

pub(super) fn parse_doc(path: &Path, text: &str) -> Result<Document, ScenarioError> {
    let doc = Document::parse(text).map_err(|e| {
        let origin = if e.line > 0 { Origin::File { line: e.line, column: e.column } } else { Origin::Unknown };
        invalid(path, origin, e.message)
    })?;
    if !doc.value.is_object() {
        return Err(invalid(
            path,
            Origin::File { line: 1, column: 1 },
            "expected a mapping of keys (name:, duration:, ...) at the top level".into(),
        ));
    }
    Ok(doc)
}

/// Rewrites serde's messages into ones that say what is allowed and suggest the nearest key.
fn explain(message: &str) -> String {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    for (prefix, what) in [("unknown field", "key"), ("unknown variant", "value")] {
        if message.starts_with(prefix) && !quoted.is_empty() {
            let bad = quoted[0];
            let allowed = &quoted[1..];
            return format!("unknown {what} `{bad}`{}; allowed: {}", suggest(bad, allowed), allowed.join(", "));
        }
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return format!("missing required key `{key}`");
    }
    message
        .replace("expected u32", "expected a whole number (0 to 4294967295)")
        .replace("expected u64", "expected a whole number >= 0")
        .replace("expected f64", "expected a number")
        .replace("expected a string", "expected text")
}

fn from_doc<T: DeserializeOwned>(doc: &Document, file: &Path) -> Result<T, ScenarioError> {
    serde_path_to_error::deserialize(doc.value.clone()).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let inner = e.inner().to_string();
        let message = explain(&inner);
        let origin = if inner.starts_with("unknown field") { doc.key_origin(&path) } else { doc.origin(&path) };
        let message = if path.is_empty() { message } else { format!("{path}: {message}") };
        invalid(file, origin, message)
    })
}

pub(super) fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let text = read(path)?;
    let mut doc = parse_doc(path, &text)?;
    let model_sets = apply_overrides(&mut doc, path, overrides)?;
    let scenario_file: ScenarioFile = from_doc(&doc, path)?;
    let mut cx = Cx { doc: &doc, file: path, problems: Vec::new() };
    let base = path.parent().unwrap_or(Path::new("."));

    check_name(&mut cx, &scenario_file.name);
    let duration_ns = cx.positive_duration_ns("duration", &scenario_file.duration).unwrap_or(1);
    let warmup_ns = scenario_file.warmup.as_ref().and_then(|warmup| cx.duration_ns("warmup", warmup)).unwrap_or(0);
    let mut model = model::resolve(&mut cx, &base.join(&scenario_file.model), &model_sets);
    let mut population = population::resolve(&mut cx, &scenario_file.population, base);
    let sample = slice::choice(&mut cx, scenario_file.population.sample.as_ref());
    let mut workload = workload::resolve(&mut cx, &scenario_file.workload, &population, warmup_ns);
    let mut system = system::resolve(&mut cx, &scenario_file.system, &workload);
    let run = faults::Run { model: model.as_ref(), system: &system, duration_ns, warmup_ns };
    let mut faults = faults::resolve(&mut cx, &scenario_file.faults, &run);
    let matrix = matrix::resolve(&mut cx, &scenario_file.matrix);
    let slo = slo::resolve(&mut cx, &scenario_file.slo, &workload);
    let mut fleet = None;
    if cx.problems.is_empty() {
        if sample != slice::Choice::Whole {
            fleet = Some((population.clone(), workload.clone(), system.clone(), model.clone(), faults.clone()));
        }
        // The fleet as written is valid: now the slice of it that runs, and the memory guard.
        let fleet = slice::Fleet {
            population: &mut population,
            workload: &mut workload,
            system: &mut system,
            model: model.as_mut(),
            faults: &mut faults,
            run_ns: duration_ns + warmup_ns,
        };
        slice::apply(&mut cx, sample, fleet);
    }

    let model = match model {
        Some(model) if cx.problems.is_empty() => model,
        _ => return Err(ScenarioError::Invalid(cx.problems)),
    };
    let mut scenario = Scenario {
        fleet: None,
        topology: super::topology(&model, &system),
        name: scenario_file.name,
        description: scenario_file.description.unwrap_or_default().trim().to_owned(),
        path: path.to_path_buf(),
        file_sha256: hex(&sha2::Sha256::digest(text.as_bytes())),
        overrides: overrides.set.clone(),
        seed: scenario_file.seed.unwrap_or(0),
        duration_ns,
        warmup_ns,
        model,
        population,
        workload,
        system,
        faults,
        slo,
        matrix,
    };
    // The whole fleet, kept beside a slice for the figures computed for it (the estimate).
    if let Some((population, workload, system, Some(model), faults)) = fleet
        && !scenario.population.sample.is_whole()
    {
        let topology = super::topology(&model, &system);
        scenario.fleet =
            Some(Box::new(Scenario { topology, population, workload, system, model, faults, ..scenario.clone() }));
    }
    Ok(scenario)
}

/// Applies `--seed` and the scenario's `--set` assignments to `doc` (`model=PATH` among them,
/// which names another model file), and returns the `model.KEY=...` assignments, which set a
/// key of the model file.
fn apply_overrides<'o>(
    doc: &mut Document,
    path: &Path,
    overrides: &'o Overrides,
) -> Result<Vec<&'o String>, ScenarioError> {
    if let Some(seed) = overrides.seed {
        doc.apply_override(&format!("seed={seed}")).map_err(|m| invalid(path, Origin::Unknown, m))?;
    }
    let (model_sets, scenario_sets): (Vec<&String>, Vec<&String>) =
        overrides.set.iter().partition(|a| a.trim_start().starts_with("model."));
    for assignment in scenario_sets {
        doc.apply_override(assignment).map_err(|m| invalid(path, Origin::Unknown, m))?;
    }
    Ok(model_sets)
}

/// A name names the report folder: only a-z, 0-9 and -.
fn check_name(cx: &mut Cx, name: &str) {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        cx.problem(
            "name",
            format!("`{name}` is not allowed; a name uses only a-z, 0-9 and - (it names the report folder)"),
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
