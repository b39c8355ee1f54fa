//! One simulated run, end to end: population, service, preload, engine, report.

use std::time::Instant;

use crate::report::{self, Report};
use crate::scenario::Scenario;
use crate::sim::Engine;
use crate::{assembly, estimate, workload};

pub use crate::assembly::RunError;

/// Simulates a scenario and returns its report. `progress` receives the simulated time (ns).
pub fn simulate(s: &Scenario, progress: &mut dyn FnMut(u64)) -> Result<Report, RunError> {
    let started = Instant::now();
    let graph = assembly::build_graph(s)?;
    let mean_followers = graph.mean_follows();
    let service = assembly::service(s, graph);
    workload::preload(s, &service);
    let storage_before = service.storage();
    let outcome = Engine::new(s, service, assembly::balancers(s)).run(progress);
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
