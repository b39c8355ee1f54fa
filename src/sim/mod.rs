//! The discrete-event engine: simulated time in nanoseconds, one thread, deterministic.
//!
//! Each request's Plan is played out on the nodes of the model. A node is a multi-server FIFO
//! queue: a visit waits for a free server, holds it for the service time the model draws for
//! its tier and access (plus `per_item` for each item touched), then crosses the network (rtt
//! plus bytes / bandwidth) back to the caller. A stage of parallel visits ends with its slowest
//! branch; stages run in sequence; background stages (fan-out, cache fills) run after the
//! response. Ties are broken by insertion order, so a seed gives one exact history.
//!
//! Visits reach each node in time order (the event loop runs in time order), so a FIFO node
//! needs no events of its own: a visit arriving at `t` starts on the server that frees first,
//! at max(t, that server's free time), and holds it for its service time (the Lindley recursion
//! for a multi-server FIFO queue). The only events are arrivals and the ends of stages that
//! another stage follows: nothing waits for a request's last stage, so its end (the response or
//! the fan-out's lag, and the request's slot freed) is recorded as soon as it is known.
//!
//! The engine knows tiers, nodes and plans, never which strategy made them.

pub mod events;

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::metrics::Recorder;
use crate::scenario::FaultKind;
use crate::scenario::{Dist, Op, Scenario, TierModel};
use crate::service::{Access, Local, Locks, Plan, Service, Visit};
use crate::strategy::balance::{Balancer, Balancers};
use crate::tier::Tier;
use crate::workload::{self, Generator, Request};
use events::{Event, EventQueue};

/// Longest single service time: a year, in nanoseconds.
const MAX_SERVICE_NS: f64 = 365.0 * 86_400e9;

struct TierCost {
    read: Dist,
    write: Dist,
    per_item_ns: f64,
    servers: u32,
}

impl TierCost {
    fn of(t: &TierModel) -> TierCost {
        TierCost { read: t.read.clone(), write: t.write.clone(), per_item_ns: t.per_item_ns, servers: t.servers }
    }
}

/// A node: its idle servers and when each busy one is next free, and what the faults of the
/// run do to it.
struct NodeState {
    /// Servers free since before the latest arrival. Visits reach a node in time order, so any
    /// of them would start the next visit on its arrival: which one it is does not matter.
    idle: u32,
    /// When each other server is next free, in no order. At the loads simulated it holds a
    /// few entries, where scanning them costs less than keeping a heap in order.
    busy: Vec<u64>,
    /// Finish times of the visits admitted and not yet done, kept only when a load-aware
    /// balancer needs the number outstanding.
    finishing: BinaryHeap<Reverse<u64>>,
    /// Node-down faults in force (they may overlap).
    down: u32,
    /// Product of the slow-node factors in force.
    slow: f64,
}

impl NodeState {
    fn new(servers: u32) -> NodeState {
        NodeState { idle: servers.max(1), busy: Vec::new(), finishing: BinaryHeap::new(), down: 0, slow: 1.0 }
    }

    /// A visit arriving at `t` needing `service_ns`: returns when it starts, on the server that
    /// frees first (at once if one is idle).
    #[inline]
    fn admit(&mut self, t: u64, service_ns: u64) -> u64 {
        let before = self.busy.len();
        self.busy.retain(|&free| free > t);
        self.idle += (before - self.busy.len()) as u32;
        if self.idle > 0 {
            self.idle -= 1;
            self.busy.push(t + service_ns);
            return t;
        }
        let (earliest, &start) =
            self.busy.iter().enumerate().min_by_key(|&(_, free)| free).expect("a node has at least one server");
        self.busy[earliest] = start + service_ns;
        start
    }

    /// Visits queued or in service at `t`.
    fn outstanding(&mut self, t: u64) -> u32 {
        while self.finishing.peek().is_some_and(|f| f.0 <= t) {
            self.finishing.pop();
        }
        self.finishing.len() as u32
    }
}

/// One start or end of a fault, in time order.
#[derive(Clone, Copy)]
struct FaultStep {
    at_ns: u64,
    fault: usize,
    begins: bool,
}

struct OpState {
    plan: Plan,
    op: Op,
    start_ns: u64,
    stage: u32,
    /// Shard nodes its foreground stages visited (the scatter-gather width).
    shards: NodeSet,
    /// Real requests it stands for (see `scenario::slice`).
    weight: u32,
    /// For a user kept whole in a slice, the fleet nodes holding its own data
    /// (`Service::home_nodes`); `None` otherwise.
    home: Option<[u32; Tier::ALL.len()]>,
}

/// Distinct nodes of one tier: a bit each for the first 64, a list for the rest.
#[derive(Default)]
struct NodeSet {
    low: u64,
    high: smallvec::SmallVec<[u32; 4]>,
}

impl NodeSet {
    #[inline]
    fn insert(&mut self, node: u32) {
        if node < 64 {
            self.low |= 1 << node;
        } else if !self.high.contains(&node) {
            self.high.push(node);
        }
    }

    #[inline]
    fn len(&self) -> u32 {
        self.low.count_ones() + self.high.len() as u32
    }

    fn clear(&mut self) {
        self.low = 0;
        self.high.clear();
    }
}

/// What a run leaves behind: the recorder's figures and the service's final state.
pub struct Outcome<L: Locks = Local> {
    pub recorder: Recorder,
    pub service: Service<L>,
    /// The service's counters when the measured window began (warm-up ends).
    pub baseline: crate::service::Snapshot,
    /// Requests simulated, warm-up included.
    pub requests: u64,
    pub events: u64,
    /// Simulated time at which the last event ran.
    pub end_ns: u64,
}

/// Drives a service with a scenario's workload in simulated time.
pub struct Engine<'s, L: Locks = Local> {
    scenario: &'s Scenario,
    service: Service<L>,
    generator: Generator,
    rng: Xoshiro256PlusPlus,
    /// Per tier (`Tier::index`).
    costs: [Option<TierCost>; Tier::ALL.len()],
    nodes: [Vec<NodeState>; Tier::ALL.len()],
    /// Per tier: how many of its nodes are down now.
    nodes_down: [u32; Tier::ALL.len()],
    ops: Vec<OpState>,
    free_ops: Vec<u32>,
    queue: EventQueue,
    recorder: Recorder,
    rtt_ns: f64,
    ns_per_byte: f64,
    has_network: bool,
    now: u64,
    requests: u64,
    scratch: Vec<u64>,
    /// Makes the balancer of a group of nodes.
    make_balancer: Balancers,
    /// Per tier, per first candidate node: the balancer of that group of nodes.
    balancers: Vec<Vec<Option<Box<dyn Balancer>>>>,
    /// Whether nodes keep their outstanding visits (a load-aware balancer).
    track_load: bool,
    fault_steps: Vec<FaultStep>,
    next_fault: usize,
    shard_replication: u32,
    /// The fleet's shards (more than the engine's nodes in a slice).
    fleet_shards: u32,
    /// Events at or before this time run; the run stops at the first one after it.
    hard_end: u64,
    /// Last stages played out when they were scheduled (see `finish`): how many ended by
    /// `hard_end`, and the latest of those ends.
    finished_early: u64,
    latest_finish: u64,
}

impl<'s, L: Locks> Engine<'s, L> {
    /// An engine for `scenario`'s workload and model over `service`, with the balancers that
    /// choose among a group's nodes (the run builds both from the scenario's strategies).
    pub fn new(scenario: &'s Scenario, service: Service<L>, balancers: Balancers) -> Engine<'s, L> {
        let topology = service.simulated();
        let m = &scenario.model;
        let costs = Tier::ALL.map(|t| m.tier(t).map(TierCost::of));
        // Every tier has its nodes, so that a fault can take down a node of a tier the model
        // leaves out (its visits cost nothing, but they still need a live node).
        let nodes =
            Tier::ALL.map(|t| (0..topology.nodes(t)).map(|_| NodeState::new(costs_servers(&costs, t))).collect());
        let mut fault_steps: Vec<FaultStep> = Vec::new();
        for (i, f) in scenario.faults.iter().enumerate() {
            fault_steps.push(FaultStep { at_ns: f.at_ns, fault: i, begins: true });
            if f.for_ns > 0 {
                fault_steps.push(FaultStep { at_ns: f.at_ns + f.for_ns, fault: i, begins: false });
            }
        }
        // Stable: a fault ending at the moment another begins ends first only if listed first.
        fault_steps.sort_by_key(|s| s.at_ns);
        let start = scenario.warmup_ns;
        let end = scenario.warmup_ns + scenario.duration_ns;
        Engine {
            generator: Generator::new(scenario, service.users()),
            rng: Xoshiro256PlusPlus::seed_from_u64(crate::seed::stream_seed(scenario.seed, "service-times")),
            costs,
            nodes,
            nodes_down: [0; Tier::ALL.len()],
            ops: Vec::new(),
            free_ops: Vec::new(),
            queue: EventQueue::default(),
            recorder: Recorder::new(&topology, start, end).for_slice(scenario.population.sample.k),
            rtt_ns: m.rtt_ns,
            ns_per_byte: m.bandwidth_bytes_per_s.map_or(0.0, |bw| 1e9 / bw),
            has_network: m.rtt_ns > 0.0 || m.bandwidth_bytes_per_s.is_some(),
            now: 0,
            requests: 0,
            scratch: Vec::new(),
            balancers: Tier::ALL.iter().map(|&t| (0..topology.nodes(t)).map(|_| None).collect()).collect(),
            track_load: balancers.needs_load(),
            make_balancer: balancers,
            fault_steps,
            next_fault: 0,
            shard_replication: topology.replication,
            fleet_shards: service.topology().shards,
            hard_end: u64::MAX,
            finished_early: 0,
            latest_finish: 0,
            scenario,
            service,
        }
    }

    /// Runs warm-up and the measured window, then drains in-flight requests (for at most one
    /// more measured duration). `progress` is called now and then with the simulated time.
    pub fn run(mut self, progress: &mut dyn FnMut(u64)) -> Outcome<L> {
        let end = self.scenario.warmup_ns + self.scenario.duration_ns;
        let hard_end = end + self.scenario.duration_ns;
        self.hard_end = hard_end;
        // The next arrival takes its sequence number when the previous one runs. The engine
        // holds it beside the queue, with the sequence number it would have had there, and runs
        // whichever of it and the queue's first event is earlier (ties by sequence, as in the
        // queue). The stream does not depend on the simulation, so the one after it is drawn
        // already: both are announced to the service (`workload::warm`), whose memory is then
        // fetched while the events before them run.
        let mut ahead = self.generator.next(end);
        let mut arrival = self.promote(&mut ahead, end);
        let mut events = 0u64;
        let window_start = self.scenario.warmup_ns;
        let mut baseline = None;
        loop {
            let arrives_first = match (&arrival, self.queue.peek()) {
                (Some((t, seq, _)), Some(first)) => (*t, *seq) < first,
                (Some(_), None) => true,
                (None, _) => false,
            };
            let (t, ev) = match (arrives_first, &arrival) {
                (true, Some((t, _, _))) => (*t, Event::Arrival),
                _ => match self.queue.pop() {
                    Some(next) => next,
                    None => break,
                },
            };
            if t > hard_end {
                break;
            }
            if baseline.is_none() && t >= window_start {
                baseline = Some(self.service.snapshot());
            }
            while self.fault_steps.get(self.next_fault).is_some_and(|f| f.at_ns <= t) {
                let step = self.fault_steps[self.next_fault];
                self.next_fault += 1;
                self.apply_fault(step);
            }
            self.now = t;
            events += 1;
            if events & 0xFFFF == 0 {
                progress(t);
            }
            match ev {
                Event::Arrival => {
                    if let Some((_, _, req)) = arrival.take() {
                        self.start(t, req);
                    }
                    arrival = self.promote(&mut ahead, end);
                }
                Event::StageDone(op) => self.advance(t, op),
            }
        }
        // What was still in flight: requests without a response, and fan-outs still delivering.
        let mut free = vec![false; self.ops.len()];
        for &i in &self.free_ops {
            free[i as usize] = true;
        }
        for (st, _) in self.ops.iter().zip(&free).filter(|(_, free)| !**free) {
            if st.stage < st.plan.foreground_stages() {
                self.recorder.incomplete += 1;
                if self.recorder.in_window(st.start_ns) {
                    self.recorder.unanswered[st.op.index()] += 1;
                }
            } else {
                self.recorder.incomplete_background += 1;
            }
        }
        progress(end);
        let baseline = baseline.unwrap_or_else(|| self.service.snapshot());
        Outcome {
            recorder: self.recorder,
            service: self.service,
            baseline,
            requests: self.requests,
            events: events + self.finished_early,
            end_ns: self.now.max(self.latest_finish),
        }
    }

    /// Makes `ahead` the next arrival, with its sequence number, and draws the one after it.
    fn promote(&mut self, ahead: &mut Option<(u64, Request)>, end: u64) -> Option<(u64, u32, Request)> {
        let next = ahead.take().map(|(t, req)| (t, self.queue.take_seq(), req));
        *ahead = self.generator.next(end);
        if let Some((_, _, req)) = &next {
            workload::warm(&self.service, req, true);
        }
        if let Some((_, req)) = ahead {
            workload::warm(&self.service, req, false);
        }
        next
    }

    fn start(&mut self, t: u64, req: Request) {
        self.requests += 1;
        let slot = match self.free_ops.pop() {
            Some(i) => i,
            None => {
                self.ops.push(OpState {
                    plan: Plan::default(),
                    op: req.op,
                    start_ns: 0,
                    stage: 0,
                    shards: NodeSet::default(),
                    weight: 1,
                    home: None,
                });
                self.ops.len() as u32 - 1
            }
        };
        let mut plan = std::mem::take(&mut self.ops[slot as usize].plan);
        self.execute(t, &req, &mut plan);
        let st = &mut self.ops[slot as usize];
        st.plan = plan;
        st.op = req.op;
        st.start_ns = t;
        st.stage = 0;
        st.weight = req.weight;
        st.home = (req.weight < self.recorder.k).then(|| self.service.home_nodes(req.actor));
        st.shards.clear();
        self.begin_stage(t, slot);
    }

    /// Runs the request on the service, which fills in the plan.
    fn execute(&mut self, t: u64, req: &Request, plan: &mut Plan) {
        workload::execute(&self.service, t, req, plan, &mut self.scratch);
    }

    /// Sends the visits of the current stage of `slot` at time `t`. Each visit's finish time is
    /// known on arrival (FIFO), so the stage's end is scheduled at once.
    fn begin_stage(&mut self, t: u64, slot: u32) {
        loop {
            let interval = self.recorder.interval_of(t);
            let (has_network, rtt_ns, ns_per_byte) = (self.has_network, self.rtt_ns, self.ns_per_byte);
            let (track, replication) = (self.track_load, self.shard_replication);
            let fleet_shards = self.fleet_shards;
            let Engine { ops, costs, nodes, nodes_down, rng, recorder, balancers, make_balancer, free_ops, .. } = self;
            let OpState { plan, op, start_ns, stage, shards, weight, home } = &mut ops[slot as usize];
            let stage = *stage as usize;
            let ends = &plan.stage_ends;
            let last = stage + 1 == ends.len();
            let background = stage as u32 >= plan.foreground_stages();
            // A post's background is its fan-out, to followers sampled one in k: each delivery
            // stands for k whoever posted (see `Recorder::record_fanout`).
            let weight = if background && *op == Op::PostTweet { recorder.k } else { *weight };
            let from = if stage == 0 { 0 } else { ends[stage - 1] as usize };
            let mut stage_end = t;
            for v in &plan.visits[from..ends[stage] as usize] {
                let tier = v.tier.index();
                let all_live = nodes_down[tier] == 0;
                let Some(node) = choose(&mut nodes[tier], &mut balancers[tier], make_balancer, all_live, track, t, v)
                else {
                    // Nowhere to go. A cache node that went down after the plan was made: its
                    // visit is a miss. A write to one replica of several is lost to that replica
                    // only; background work is dropped; a request fails.
                    if v.tier.is_cache() {
                        continue;
                    }
                    let replica_write = v.tier == Tier::Shard && v.access == Access::Write && replication > 1;
                    if background || replica_write {
                        recorder.record_lost_visit(t, !replica_write);
                        continue;
                    }
                    recorder.record_failed(*op, *start_ns, t, weight);
                    free_ops.push(slot);
                    return;
                };
                // Byte counts and times stay far below 2^63, where converting through i64 gives
                // the same values as through u64 in fewer instructions.
                let net_ns = if has_network { (rtt_ns + v.bytes as i64 as f64 * ns_per_byte) as i64 as u64 } else { 0 };
                let Some(cost) = &costs[tier] else {
                    // A tier the model leaves out costs nothing but the network.
                    stage_end = stage_end.max(t + net_ns);
                    continue;
                };
                let (dist, bytes_in, bytes_out) = match v.access {
                    Access::Read => (&cost.read, 0, v.bytes),
                    Access::Write => (&cost.write, v.bytes, 0),
                };
                if !background && v.tier == Tier::Shard {
                    shards.insert(node);
                }
                let state = &mut nodes[tier][node as usize];
                // A heavy-tailed draw is held to a year, so that clock arithmetic cannot overflow.
                let service_ns = ((dist.sample(rng) + cost.per_item_ns * v.items as f64) * state.slow)
                    .clamp(0.0, MAX_SERVICE_NS) as i64 as u64;
                let started = state.admit(t, service_ns);
                if track {
                    state.finishing.push(Reverse(started + service_ns));
                }
                // A user kept whole loads its own data's nodes as in the fleet; its other visits
                // spread over k times as many nodes there (see `NodeMetrics::node_busy_ns`).
                let node_weight = match home {
                    Some(home) if !is_home(v, home, fleet_shards, replication) => weight,
                    _ => recorder.k,
                };
                let weights = (weight, node_weight);
                recorder.record_served(v.tier, node, interval, started, service_ns, (bytes_in, bytes_out), weights);
                stage_end = stage_end.max(started + service_ns + net_ns);
            }
            if stage_end > t {
                if last {
                    self.finish(stage_end, slot);
                } else {
                    self.queue.push(stage_end, Event::StageDone(slot));
                }
                return;
            }
            // Nothing took time: go straight on to the next stage.
            if !self.next_stage(t, slot) {
                return;
            }
        }
    }

    /// The last stage of `slot` ends at `t`. Nothing else waits for it, and the events between
    /// now and `t` cannot change what happens at its end (the response, the fan-out's lag, the
    /// slot freed), so it is done now rather than through the queue, as the event would have
    /// done it: if `t` is past `hard_end` the event would never run, and the request stays in
    /// flight for the end-of-run count.
    fn finish(&mut self, t: u64, slot: u32) {
        if t > self.hard_end {
            return;
        }
        self.finished_early += 1;
        self.latest_finish = self.latest_finish.max(t);
        let more = self.next_stage(t, slot);
        debug_assert!(!more, "finish is for the last stage");
    }

    /// The current stage of `slot` is over at `t`.
    fn advance(&mut self, t: u64, slot: u32) {
        if self.next_stage(t, slot) {
            self.begin_stage(t, slot);
        }
    }

    /// Moves `slot` past its current stage; records the response and the fan-out when they
    /// happen. Returns whether there is another stage to begin.
    fn next_stage(&mut self, t: u64, slot: u32) -> bool {
        let st = &mut self.ops[slot as usize];
        st.stage += 1;
        let (op, start, weight) = (st.op, st.start_ns, st.weight);
        if st.stage == st.plan.foreground_stages() {
            self.recorder.record_op(op, start, t, weight);
            self.recorder.record_width(op, start, st.shards.len(), weight);
        }
        let st = &self.ops[slot as usize];
        if st.stage as usize == st.plan.stage_ends.len() {
            if op == Op::PostTweet {
                let deliveries = st.plan.deliveries;
                self.recorder.record_fanout(start, t, deliveries, weight);
            }
            self.free_ops.push(slot);
            return false;
        }
        true
    }
}

/// Whether visit `v` (naming a fleet node) is to a node holding the data of the user whose
/// `home` nodes these are: its shard or one of that shard's replicas, its cache nodes.
fn is_home(v: &Visit, home: &[u32; Tier::ALL.len()], fleet_shards: u32, replication: u32) -> bool {
    let h = home[v.tier.index()];
    match v.tier {
        _ if h == u32::MAX => false,
        Tier::Shard => (v.node + fleet_shards - h) % fleet_shards.max(1) < replication,
        _ => v.node == h,
    }
}

/// The node of `nodes` (one tier's) that serves `v` at `t`, or `None` when every candidate is
/// down (`all_live`: no node of the tier is). A group's balancer is made on its first use.
fn choose(
    nodes: &mut [NodeState],
    balancers: &mut [Option<Box<dyn Balancer>>],
    make: &Balancers,
    all_live: bool,
    track_load: bool,
    t: u64,
    v: &Visit,
) -> Option<u32> {
    let n = nodes.len() as u32;
    // The visit names a node of the fleet; in a slice, fleet node `i` is simulated node `i mod n`
    // (see `service::Config::simulated`).
    let first = if v.node >= n { v.node % n } else { v.node };
    if v.choices <= 1 {
        return (nodes[first as usize].down == 0).then_some(first);
    }
    let choices = v.choices.min(n);
    let candidate = |i: u32| {
        let c = first + i;
        if c >= n { c - n } else { c }
    };
    let balancer = balancers[first as usize].get_or_insert_with(|| make.group(v.tier, first));
    if all_live && !track_load {
        return Some(candidate(balancer.pick_all_live(choices)));
    }
    let mut load = |i: u32| {
        let node = &mut nodes[candidate(i) as usize];
        if node.down > 0 {
            None
        } else if track_load {
            Some(node.outstanding(t))
        } else {
            Some(0)
        }
    };
    balancer.pick(choices, &mut load).map(candidate)
}

impl<L: Locks> Engine<'_, L> {
    /// A fault begins or ends.
    fn apply_fault(&mut self, step: FaultStep) {
        let f = &self.scenario.faults[step.fault];
        let nodes = &mut self.nodes[f.tier.index()];
        let cache = f.tier.is_cache();
        for n in f.first..f.first + f.count {
            let node = &mut nodes[n as usize];
            match f.kind {
                FaultKind::NodeDown => {
                    let was_down = node.down > 0;
                    if step.begins {
                        node.down += 1;
                    } else {
                        node.down -= 1;
                    }
                    if was_down != (node.down > 0) {
                        let down = &mut self.nodes_down[f.tier.index()];
                        *down = if was_down { *down - 1 } else { *down + 1 };
                    }
                    if cache && was_down != (node.down > 0) {
                        self.service.set_cache_down(f.tier, n, 1, node.down > 0);
                    }
                }
                FaultKind::SlowNode { factor } => {
                    if step.begins {
                        node.slow *= factor;
                    } else {
                        node.slow /= factor;
                    }
                }
                FaultKind::CacheFlush => {}
            }
        }
        if f.kind == FaultKind::CacheFlush {
            self.service.flush_cache(f.tier, f.first, f.count);
        }
    }
}

fn costs_servers(costs: &[Option<TierCost>], tier: Tier) -> u32 {
    costs[tier.index()].as_ref().map_or(0, |c| c.servers)
}
