//! Seed derivation and integer hashing: how one master seed becomes a stream per component,
//! and how ids are spread over shards and nodes.
//!
//! Each component (the graph, the arrivals, the service times, a group's balancer) draws
//! from a generator of its own, seeded by [`stream_seed`] from the master seed and the
//! component's name, so adding a component does not shift the random numbers of the others.
//! The generator is a named, portable one (`Xoshiro256PlusPlus`): rand's `StdRng` may change
//! its algorithm between releases, which would silently change every golden report.
//!
//! A leaf module: it uses nothing of the crate's, and every layer may use it.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A 64-bit mixer (splitmix64's finaliser): spreads sequential ids evenly over shards and nodes.
#[inline]
pub fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Maps a hash to 0..n without the bias of `%` (Lemire's multiply-shift).
#[inline]
pub fn bucket(hash: u64, n: u32) -> u32 {
    ((hash as u128 * n as u128) >> 64) as u32
}

/// A seed for one component, derived from the master seed and the component's name (FNV-1a
/// of the name over the master seed, then [`mix`]).
pub fn stream_seed(master: u64, component: &str) -> u64 {
    let mut h = master ^ 0xcbf2_9ce4_8422_2325;
    for b in component.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// The generator of one component.
pub fn rng(master: u64, component: &str) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_seed(master, component))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_per_component() {
        assert_ne!(stream_seed(1, "arrivals"), stream_seed(1, "graph"));
        assert_ne!(stream_seed(1, "arrivals"), stream_seed(2, "arrivals"));
        assert_eq!(stream_seed(1, "arrivals"), stream_seed(1, "arrivals"));
    }

    #[test]
    fn buckets_cover_the_range_evenly() {
        let mut counts = [0u32; 7];
        for i in 0..70_000u64 {
            counts[bucket(mix(i), 7) as usize] += 1;
        }
        // 10,000 expected per bucket; a binomial's standard deviation is about 93.
        assert!(counts.iter().all(|&c| (9_500..=10_500).contains(&c)), "{counts:?}");
        assert_eq!(bucket(u64::MAX, 7), 6);
        assert_eq!(bucket(0, 7), 0);
    }
}
