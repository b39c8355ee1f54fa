//! `population:`: the users, the follow graph and its celebrities.

use std::path::Path;

use super::Cx;
use crate::scenario::file::{CelebritiesFile, Generator, GraphFile, GraphFormat, PopulationFile};
use crate::scenario::{Celebrities, GraphSpec, Population};

pub(super) fn resolve(cx: &mut Cx, population: &PopulationFile, base: &Path) -> Population {
    let users = population.users;
    if users == 0 || users > u32::MAX as u64 / 2 {
        cx.problem("population.users", format!("{users} is not allowed; expected 1 to {}", u32::MAX / 2));
    }
    let users = users.clamp(1, u32::MAX as u64 / 2) as u32;
    let graph_file = &population.graph;
    let graph = graph(cx, graph_file, users, base);
    check_file_only_keys(cx, graph_file);
    let celebrities = graph_file.celebrities.as_ref().and_then(|written| celebrities(cx, written, users));
    if graph_file.generator != Generator::PowerLaw && graph_file.follower_exponent.is_some() {
        cx.problem("population.graph.follower_exponent", "applies only to generator: power_law");
    }
    Population {
        users,
        graph,
        tweets_per_user: population.tweets_per_user,
        celebrities,
        sample: crate::scenario::Sample::whole(users),
    }
}

fn graph(cx: &mut Cx, graph: &GraphFile, users: u32, base: &Path) -> GraphSpec {
    match graph.generator {
        Generator::PowerLaw => {
            let mean_follows = mean_follows(cx, graph.mean_follows, users);
            let follower_exponent = graph.follower_exponent.unwrap_or(2.2);
            if !(2.0..=10.0).contains(&follower_exponent) {
                cx.problem(
                    "population.graph.follower_exponent",
                    format!("{follower_exponent} is not allowed; expected 2 to 10 (below 2 a power law has no finite mean, so no mean_follows could hold; 2.0 to 2.5 is typical of follower graphs)"),
                );
            }
            GraphSpec::PowerLaw { mean_follows, follower_exponent }
        }
        Generator::Uniform => GraphSpec::Uniform { mean_follows: mean_follows(cx, graph.mean_follows, users) },
        Generator::File => match &graph.path {
            None => {
                cx.problem(
                    "population.graph",
                    "generator: file needs `path` (an edge list or .mtx file, relative to this scenario)",
                );
                GraphSpec::Uniform { mean_follows: 1.0 }
            }
            Some(written_path) => {
                let path = base.join(written_path);
                if !path.is_file() {
                    cx.problem("population.graph.path", format!("graph file {} not found", path.display()));
                }
                let format = graph.format.unwrap_or(if written_path.ends_with(".mtx") {
                    GraphFormat::Mtx
                } else {
                    GraphFormat::Edgelist
                });
                GraphSpec::File { path, format, undirected: graph.undirected.unwrap_or(false) }
            }
        },
    }
}

/// The mean followees per user of a generated graph (1 where it is missing or out of range).
fn mean_follows(cx: &mut Cx, mean_follows: Option<f64>, users: u32) -> f64 {
    match mean_follows {
        None => {
            cx.problem("population.graph", "this generator needs `mean_follows` (mean followees per user)");
            1.0
        }
        Some(mean) if mean.is_nan() || mean <= 0.0 || mean >= users as f64 => {
            cx.problem(
                "population.graph.mean_follows",
                format!("{mean} is not allowed; expected more than 0 and less than population.users ({users})"),
            );
            1.0
        }
        Some(mean) => mean,
    }
}

/// A file graph has the follows it lists; a generated graph has no file.
fn check_file_only_keys(cx: &mut Cx, graph: &GraphFile) {
    if graph.generator == Generator::File && graph.mean_follows.is_some() {
        cx.problem(
            "population.graph.mean_follows",
            "applies only to generated graphs; a file graph has the follows it lists",
        );
    }
    if graph.generator != Generator::File
        && (graph.path.is_some() || graph.format.is_some() || graph.undirected.is_some())
    {
        cx.problem("population.graph", "path, format and undirected apply only to generator: file");
    }
}

fn celebrities(cx: &mut Cx, celebrities: &CelebritiesFile, users: u32) -> Option<Celebrities> {
    if celebrities.count == 0 || celebrities.count > 1000 || celebrities.count >= users {
        cx.problem(
            "population.graph.celebrities.count",
            format!("{} is not allowed; expected 1 to 1000, and fewer than population.users", celebrities.count),
        );
        return None;
    }
    if celebrities.followers == 0 || celebrities.followers >= users as u64 {
        cx.problem(
            "population.graph.celebrities.followers",
            format!("{} is not allowed; expected 1 to population.users - 1 ({})", celebrities.followers, users - 1),
        );
        return None;
    }
    Some(Celebrities { count: celebrities.count, followers: celebrities.followers as u32 })
}
