//! One simulated run, end to end: population, service, preload, engine, report.

use std::time::Instant;

use crate::report::{self, Report};
use crate::scenario::{GraphSpec, Scenario};
use crate::sim::Engine;
use crate::{assembly, estimate, workload};

pub use crate::assembly::RunError;

/// Simulates a scenario and returns its report. `progress` receives the simulated time (ns).
pub fn simulate(s: &Scenario, progress: &mut dyn FnMut(u64)) -> Result<Report, RunError> {
    let started = Instant::now();
    let graph = assembly::build_graph(s)?;
    let mean_followers = graph.mean_follows();
    let mut service = assembly::simulated_service(s, graph);
    workload::preload(s, &mut service);
    let storage_before = service.storage();
    let outcome = Engine::new(s, service, assembly::balancers(s)).run(progress);
    let facts = report::RunFacts {
        scenario: s,
        service: &outcome.service,
        storage_before: &storage_before,
        baseline: &outcome.baseline,
        estimate: estimate::estimate(s.fleet(), mean_followers),
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
        GraphSpec::File { .. } => assembly::build_graph(s)?.mean_follows(),
    };
    Ok(estimate::estimate(s.fleet(), mean_followers))
}
