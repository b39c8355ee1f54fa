//! Assembly: what a run is built from its scenario, in one place. The follow graph (generated
//! or loaded, celebrities added), the strategies (the partitioner, the fan-out policy with the
//! costs cost-based fan-out decides by, the balancers and the replica read policy) and the
//! service over them. Both drivers, the engine (`run`) and the live harness, start here: the
//! service is handed its strategies and never sees the model or the clock; the engine is handed
//! its balancers and never names a strategy.

use rand::RngExt;
use std::path::PathBuf;

use crate::graph::{FollowGraph, GraphError, Thinning};
use crate::scenario::{GraphFormat, GraphSpec, Op, Scenario};
use crate::service::{Caches, Config, Local, Locks, Service};
use crate::strategy::balance::Balancers;
use crate::strategy::fanout::{self, EdgeCosts};
use crate::strategy::partition;
use crate::workload;

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
    let mut rng = crate::seed::rng(s.seed, "celebrities");
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
    let mut rng = crate::seed::rng(s.seed, "graph");
    // In a slice, the users kept whole have 1/k of their real followers (see `scenario::slice`).
    let whole = workload::whole_users(s);
    let thinning = Thinning { users: &whole, k: s.population.sample.k };
    Ok(match &s.population.graph {
        GraphSpec::PowerLaw { mean_follows, follower_exponent } => {
            FollowGraph::power_law_thinned(users, *mean_follows, *follower_exponent, thinning, &mut rng)
        }
        GraphSpec::Uniform { mean_follows } => FollowGraph::uniform_thinned(users, *mean_follows, thinning, &mut rng),
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

/// The service a scenario describes, over `graph`, with its strategies and caches, holding
/// every home timeline whole (what the live harness reconciles).
///
/// In a slice of the fleet the service places keys on the fleet's nodes (its partitioner and
/// cache layers are the fleet's) and keeps state on the slice's (see [`Config::simulated`]).
pub fn service(s: &Scenario, graph: FollowGraph) -> Service {
    build_service(s, graph, s.system.fanout.timeline_length)
}

/// The service as a simulated run needs it: as [`service`], but holding of each home timeline
/// only the newest page (the most a read returns); the rest is counted, not kept. Every figure
/// of the run is the same as with whole timelines.
pub fn simulated_service(s: &Scenario, graph: FollowGraph) -> Service<Local> {
    build_service(s, graph, s.workload.op(Op::HomeTimeline).page_size)
}

fn build_service<L: Locks>(s: &Scenario, graph: FollowGraph, held_entries: u32) -> Service<L> {
    let users = graph.users();
    let system = &s.fleet().system;
    let config = Config {
        topology: s.fleet().topology,
        simulated: s.topology,
        timeline_length: system.fanout.timeline_length,
        held_entries,
        partitioner: partition::build(&system.partitioning),
        fanout: fanout::build(&system.fanout, || edge_costs(s, users)),
        caches: Caches {
            timeline: system.timeline_cache.clone(),
            tweet: system.tweet_cache.clone(),
            user: system.user_cache.clone(),
            image: system.image_cache.clone(),
        },
    };
    Service::new(config, graph)
}

/// The balancers of a scenario's groups of nodes: its load-balancing policy, and its read
/// policy for a shard's replicas.
pub fn balancers(s: &Scenario) -> Balancers {
    Balancers::new(s.system.load_balancing, s.system.partitioning.read_policy, s.seed)
}

/// What cost-based fan-out decides each edge by: each user's post and home-timeline read
/// rates, a delivery's marginal cost (the fan-out tier's per-delivery time plus a timeline
/// entry written on each replica) and the cost of pulling one author at read time (a shard
/// read of a page of index entries), in nanoseconds of the model.
fn edge_costs(s: &Scenario, users: u32) -> EdgeCosts {
    let m = &s.model;
    let shard_item = m.shard.as_ref().map_or(0.0, |t| t.per_item_ns);
    let shard_read = m.shard.as_ref().and_then(|t| t.read.mean()).unwrap_or(0.0);
    let delivery = m.fanout.as_ref().map_or(0.0, |t| t.per_item_ns);
    let page = s.workload.op(Op::HomeTimeline).page_size as f64;
    EdgeCosts {
        post_rates: workload::user_rates(s, users, Op::PostTweet),
        read_rates: workload::user_rates(s, users, Op::HomeTimeline),
        push_cost: delivery + s.system.partitioning.replication as f64 * shard_item,
        pull_cost: shard_read + page * shard_item,
    }
}
