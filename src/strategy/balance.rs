//! Load balancing: which of `n` equivalent nodes (replicas of a shard, app nodes) serves a request.

use super::BalanceKind;
use std::sync::atomic::{AtomicU64, Ordering};

pub trait Balancer: Send + Sync {
    /// A node index in 0..n.
    fn pick(&self, n: u32) -> u32;
}

/// Each request to the next node in turn.
#[derive(Default)]
pub struct RoundRobin {
    next: AtomicU64,
}

impl Balancer for RoundRobin {
    #[inline]
    fn pick(&self, n: u32) -> u32 {
        (self.next.fetch_add(1, Ordering::Relaxed) % n as u64) as u32
    }
}

pub fn build(kind: BalanceKind) -> Box<dyn Balancer> {
    match kind {
        BalanceKind::RoundRobin => Box::new(RoundRobin::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_cycles() {
        let b = RoundRobin::default();
        let picks: Vec<u32> = (0..7).map(|_| b.pick(3)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2, 0]);
    }
}
