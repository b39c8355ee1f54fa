//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the crate root.
pub fn repo(rel: &str) -> PathBuf {
    root().join(rel)
}

/// A path under `../shared/data`, or `None` (with a line saying the test was skipped) when the
/// shared data is not beside the checkout, as in a user's clone. CI has it.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = root().join("../shared/data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/data/{rel} not found (runs in CI, where ../shared sits beside the checkout)");
        None
    }
}

/// Runs the tweetcap binary with arguments, in `dir`.
pub fn tweetcap(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tweetcap")).current_dir(dir).args(args).output().expect("run tweetcap")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// Loads a scenario with `--set` style overrides.
pub fn load(path: &Path, set: &[&str]) -> tweetcap::scenario::Scenario {
    let o = tweetcap::scenario::Overrides { seed: None, set: set.iter().map(|s| s.to_string()).collect() };
    match tweetcap::scenario::load(path, &o) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// A shipped scenario's text with its model path made absolute, so that a variant of it can be
/// written anywhere.
pub fn shipped_scenario_text(file: &str) -> String {
    let text = std::fs::read_to_string(repo(file)).expect("read shipped scenario");
    text.replace("../models/", &format!("{}/", repo("models").display()))
}
