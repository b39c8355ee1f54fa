//! One simulated run, end to end: population, service, preload, engine, report.

use std::path::PathBuf;
use std::time::Instant;

use crate::graph::{FollowGraph, GraphError};
use crate::report::{self, Report};
use crate::scenario::{GraphFormat, GraphSpec, Scenario};
use crate::service::Service;
use crate::sim::Engine;
use crate::{estimate, workload};
use rand::RngExt;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The population's graph file could not be loaded.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The scenario and its graph disagree.
    #[error("{}: {message}", path.display())]
    Population { path: PathBuf, message: String },
    /// The live harness could not start its runtime (threads): lower --workers.
    #[error("cannot start the load generator's runtime: {0}")]
    Runtime(std::io::Error),
}

/// Builds or loads the follow graph a scenario describes, celebrities included.
pub fn build_graph(s: &Scenario) -> Result<FollowGraph, RunError> {
    let graph = base_graph(s)?;
    let Some(c) = s.population.celebrities else { return Ok(graph) };
    // Celebrities are users 0..count; each gets `followers` distinct followers at random.
    let mut rng = workload::rng(s.seed, "celebrities");
    let users = graph.users();
    let mut edges = Vec::with_capacity(graph.edges() as usize + c.count as usize * c.followers as usize);
    for u in 0..users {
        edges.extend(graph.followees(u).iter().map(|&v| (u, v)));
    }
    drop(graph);
    for celebrity in 0..c.count {
        // A random sample of distinct followers, by Floyd's algorithm over 0..users-1 (skipping itself).
        let mut chosen = rustc_hash::FxHashSet::default();
        for j in (users - 1 - c.followers)..(users - 1) {
            let r = rng.random_range(0..=j);
            let pick = if chosen.insert(r) {
                r
            } else {
                chosen.insert(j);
                j
            };
            let follower = if pick >= celebrity { pick + 1 } else { pick };
            edges.push((follower, celebrity));
        }
    }
    Ok(FollowGraph::from_edges(users, edges))
}

fn base_graph(s: &Scenario) -> Result<FollowGraph, RunError> {
    let users = s.population.users;
    let mut rng = workload::rng(s.seed, "graph");
    Ok(match &s.population.graph {
        GraphSpec::PowerLaw { mean_follows, follower_exponent } => {
            FollowGraph::power_law(users, *mean_follows, *follower_exponent, &mut rng)
        }
        GraphSpec::Uniform { mean_follows } => FollowGraph::uniform(users, *mean_follows, &mut rng),
        GraphSpec::File { path, format, undirected } => {
            let loaded = match format {
                GraphFormat::Edgelist => FollowGraph::load_edgelist(path, *undirected)?,
                GraphFormat::Mtx => FollowGraph::load_mtx(path, *undirected)?,
            };
            if loaded.nodes > users {
                return Err(RunError::Population {
                    path: s.path.clone(),
                    message: format!(
                        "population.users is {users} but the graph file {} has {} nodes; set population.users to at least {}",
                        path.display(),
                        loaded.nodes,
                        loaded.nodes
                    ),
                });
            }
            if loaded.nodes < users {
                // Users beyond the file's nodes follow no one and have no followers.
                let mut edges = Vec::with_capacity(loaded.graph.edges() as usize);
                for u in 0..loaded.graph.users() {
                    edges.extend(loaded.graph.followees(u).iter().map(|&v| (u, v)));
                }
                FollowGraph::from_edges(users, edges)
            } else {
                loaded.graph
            }
        }
    })
}

/// Simulates a scenario and returns its report. `progress` receives the simulated time (ns).
pub fn simulate(s: &Scenario, progress: &mut dyn FnMut(u64)) -> Result<Report, RunError> {
    let started = Instant::now();
    let graph = build_graph(s)?;
    let mean_followers = graph.mean_follows();
    let service = Service::new(s, graph);
    let mut engine = Engine::new(s, service);
    engine.preload();
    let storage_before = engine.storage();
    let outcome = engine.run(progress);
    let facts = report::RunFacts {
        scenario: s,
        service: &outcome.service,
        storage_before: &storage_before,
        baseline: &outcome.baseline,
        estimate: estimate::estimate(s, mean_followers),
        wall_seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        requests: outcome.requests,
    };
    Ok(report::build(facts, &outcome.recorder))
}

/// The back-of-envelope estimate of a scenario, as `tweetcap estimate` gives it. For a generated
/// graph the mean follows are the generator's `mean_follows` plus the celebrities' followers
/// spread over the users, without building the graph; a graph file is loaded (celebrities
/// added) to count them. (Here rather than in [`crate::estimate`], which must not depend on the
/// run.)
pub fn estimate(s: &Scenario) -> Result<estimate::Estimate, RunError> {
    // Celebrities' followers are added to a generated graph's follows.
    let celebrity_edges = s.population.celebrities.map_or(0.0, |c| c.count as f64 * c.followers as f64);
    let mean_followers = match &s.population.graph {
        GraphSpec::PowerLaw { mean_follows, .. } | GraphSpec::Uniform { mean_follows } => {
            mean_follows + celebrity_edges / s.population.users as f64
        }
        GraphSpec::File { .. } => build_graph(s)?.mean_follows(),
    };
    Ok(estimate::estimate(s, mean_followers))
}
