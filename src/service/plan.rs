//! A Plan: the resource visits an operation costs, in stages. Visits of one stage run in
//! parallel (scatter-gather: the stage ends with its slowest branch); stages run in sequence.
//! Stages from `background_from` on run after the response is sent (fan-out deliveries, cache
//! fills): they load the system but are not part of the operation's latency.

use serde::Serialize;

use crate::tier::Tier;

/// Read or write; on a cache a get or a set, on the fan-out tier a delivery batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Access {
    Read,
    Write,
}

/// One visit to one node: it costs the node's service time for `access` plus `per_item` for
/// each of `items`, and moves `bytes` over the node's link.
///
/// The node is `node` itself when `choices` is 1. Otherwise any one of the `choices` nodes from
/// `node` on (wrapping around the tier) can serve it, and the engine chooses when the visit is
/// sent, by the balancer of that group (which, for a shard's replicas, follows the read policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Visit {
    pub tier: Tier,
    pub node: u32,
    pub access: Access,
    pub choices: u32,
    pub items: u32,
    pub bytes: u64,
}

/// Candidate nodes of a visit: `choices` nodes from `first` on, wrapping around the tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    pub first: u32,
    pub choices: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub visits: Vec<Visit>,
    /// Exclusive end index into `visits` of each stage.
    pub stage_ends: Vec<u32>,
    /// The first stage that runs after the response; `u32::MAX` if none does.
    pub background_from: u32,
    /// Timeline deliveries this operation made (fan-out on write).
    pub deliveries: u32,
    /// Real requests the operation stands for (1 but in a slice of the fleet, see
    /// `scenario::slice`): cache lookups count this many hits or misses. Set by the caller;
    /// [`Plan::clear`] keeps it.
    #[serde(skip)]
    pub weight: u32,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan { visits: Vec::new(), stage_ends: Vec::new(), background_from: u32::MAX, deliveries: 0, weight: 1 }
    }
}

impl Plan {
    pub fn clear(&mut self) {
        self.visits.clear();
        self.stage_ends.clear();
        self.background_from = u32::MAX;
        self.deliveries = 0;
    }

    /// Adds a visit to one node to the open stage.
    #[inline]
    pub fn visit(&mut self, tier: Tier, node: u32, access: Access, items: u32, bytes: u64) {
        self.visits.push(Visit { tier, node, access, choices: 1, items, bytes });
    }

    /// Adds a visit to any one of a group of nodes (see [`Visit`]).
    #[inline]
    pub fn visit_any(&mut self, tier: Tier, group: Group, access: Access, items: u32, bytes: u64) {
        let Group { first, choices } = group;
        self.visits.push(Visit { tier, node: first, access, choices: choices.max(1), items, bytes });
    }

    /// Closes the open stage (nothing happens if it is empty).
    #[inline]
    pub fn end_stage(&mut self) {
        let start = self.stage_ends.last().copied().unwrap_or(0);
        if self.visits.len() as u32 > start {
            self.stage_ends.push(self.visits.len() as u32);
        }
    }

    /// Closes the open stage; stages added after this run in the background.
    pub fn begin_background(&mut self) {
        self.end_stage();
        self.background_from = self.stage_ends.len() as u32;
    }

    /// Closes the last stage; call once the plan is complete.
    pub fn finish(&mut self) {
        self.end_stage();
    }

    /// The number of stages that run before the response.
    #[inline]
    pub fn foreground_stages(&self) -> u32 {
        self.background_from.min(self.stage_ends.len() as u32)
    }

    /// The stages as slices of visits, with whether each runs in the background.
    pub fn stages(&self) -> impl Iterator<Item = (&[Visit], bool)> {
        let mut start = 0usize;
        self.stage_ends.iter().enumerate().map(move |(i, &end)| {
            let s = &self.visits[start..end as usize];
            start = end as usize;
            (s, i as u32 >= self.background_from)
        })
    }

    /// Visits of one tier, for tests and reports.
    pub fn count(&self, tier: Tier, access: Access) -> usize {
        self.visits.iter().filter(|v| v.tier == tier && v.access == access).count()
    }
}
