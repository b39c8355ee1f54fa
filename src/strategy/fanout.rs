//! Fan-out: whether a tweet is pushed into followers' home timelines when posted, or pulled
//! from its author at read time.

use super::FanoutKind;

/// The fan-out a scenario configures (`system.fanout`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct FanoutSpec {
    pub strategy: FanoutKind,
    pub celebrity_followers: u64,
    pub timeline_length: u32,
}

pub trait FanoutPolicy: Send + Sync {
    /// Whether a tweet by an author with `followers` followers is delivered to (some of) their
    /// followers' timelines.
    fn push(&self, followers: u32) -> bool;
    /// Whether a reader merges this followee's recent tweets in at read time.
    fn pull(&self, followee_followers: u32) -> bool;
    /// Whether any tweet may be pushed, so that home timelines are materialised and read.
    fn materialises(&self) -> bool {
        true
    }
    /// Whether any followee may be pulled at read time.
    fn pulls(&self) -> bool {
        true
    }
    /// Whether the policy decides per follow edge; then `push_to` and `pull_from` refine
    /// `push` and `pull`.
    fn per_edge(&self) -> bool {
        false
    }
    /// Whether `author`'s tweets are delivered to `follower` (when `push` holds).
    fn push_to(&self, _author: u32, _follower: u32) -> bool {
        true
    }
    /// Whether `reader` pulls `followee`'s tweets at read time (when `pull` holds).
    fn pull_from(&self, _followee: u32, _reader: u32) -> bool {
        true
    }
}

/// Fan-out on write: every tweet is delivered to every follower's timeline.
pub struct Push;
impl FanoutPolicy for Push {
    fn push(&self, _: u32) -> bool {
        true
    }
    fn pull(&self, _: u32) -> bool {
        false
    }
    fn pulls(&self) -> bool {
        false
    }
}

/// Fan-out on read: nothing is delivered; a reader merges all followees' recent tweets.
pub struct Pull;
impl FanoutPolicy for Pull {
    fn push(&self, _: u32) -> bool {
        false
    }
    fn pull(&self, _: u32) -> bool {
        true
    }
    fn materialises(&self) -> bool {
        false
    }
}

/// Push, except authors with more than `celebrity_followers` followers, who are pulled.
pub struct Hybrid {
    pub celebrity_followers: u64,
}
impl FanoutPolicy for Hybrid {
    fn push(&self, followers: u32) -> bool {
        followers as u64 <= self.celebrity_followers
    }
    fn pull(&self, followers: u32) -> bool {
        followers as u64 > self.celebrity_followers
    }
}

/// What cost-based fan-out decides each edge from: each user's post and home-timeline read
/// rates (per second, indexed by user) and what one delivery and one pulled author cost (any
/// one unit of time).
#[derive(Clone, Debug, Default)]
pub struct EdgeCosts {
    pub post_rates: Vec<f64>,
    pub read_rates: Vec<f64>,
    pub push_cost: f64,
    pub pull_cost: f64,
}

/// Per follow edge, push when the follower reads more often than the author posts, each side
/// weighted by what it costs (Silberstein et al., "Feeding Frenzy: Selectively Materializing
/// Users' Event Feeds", SIGMOD 2010): push the edge when
/// `post_rate(author) × push_cost ≤ read_rate(follower) × pull_cost`. A user beyond the rates
/// given posts and reads at rate 0.
pub struct CostBased {
    /// Per user: posts per second × the cost of one delivery.
    push_cost: Vec<f32>,
    /// Per user: home timeline reads per second × the cost of pulling one author.
    pull_cost: Vec<f32>,
}

impl CostBased {
    pub fn new(costs: &EdgeCosts) -> CostBased {
        CostBased {
            push_cost: costs.post_rates.iter().map(|r| (r * costs.push_cost) as f32).collect(),
            pull_cost: costs.read_rates.iter().map(|r| (r * costs.pull_cost) as f32).collect(),
        }
    }

    #[inline]
    fn pushed(&self, author: u32, follower: u32) -> bool {
        let push = self.push_cost.get(author as usize).copied().unwrap_or(0.0);
        let pull = self.pull_cost.get(follower as usize).copied().unwrap_or(0.0);
        push <= pull
    }
}

impl FanoutPolicy for CostBased {
    fn push(&self, _: u32) -> bool {
        true
    }
    fn pull(&self, _: u32) -> bool {
        true
    }
    fn per_edge(&self) -> bool {
        true
    }
    fn push_to(&self, author: u32, follower: u32) -> bool {
        self.pushed(author, follower)
    }
    fn pull_from(&self, followee: u32, reader: u32) -> bool {
        !self.pushed(followee, reader)
    }
}

/// The fan-out policy `spec` names. `costs` is asked only by `cost_based`, which decides each
/// edge from them, so every policy built here is complete.
pub fn build(spec: &FanoutSpec, costs: impl FnOnce() -> EdgeCosts) -> Box<dyn FanoutPolicy> {
    match spec.strategy {
        FanoutKind::Push => Box::new(Push),
        FanoutKind::Pull => Box::new(Pull),
        FanoutKind::Hybrid => Box::new(Hybrid { celebrity_followers: spec.celebrity_followers }),
        FanoutKind::CostBased => Box::new(CostBased::new(&costs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(strategy: FanoutKind, celebrity_followers: u64) -> FanoutSpec {
        FanoutSpec { strategy, celebrity_followers, timeline_length: 800 }
    }

    #[test]
    fn every_author_is_either_pushed_or_pulled_exactly() {
        let no_costs = || panic!("only cost_based asks for costs");
        for kind in [FanoutKind::Push, FanoutKind::Pull, FanoutKind::Hybrid] {
            let p = build(&spec(kind, 100), no_costs);
            for f in [0, 1, 100, 101, 1_000_000] {
                assert!(p.push(f) != p.pull(f), "followers {f}");
                assert!(!p.push(f) || p.materialises(), "a pushing policy materialises timelines");
                assert!(!p.pull(f) || p.pulls(), "a pulling policy says it pulls");
            }
        }
        let h = Hybrid { celebrity_followers: 100 };
        assert!(h.push(100) && h.pull(101));
    }

    #[test]
    fn cost_based_pushes_an_edge_when_its_reads_cost_more_than_its_posts() {
        // Posts/s: user 0 posts 10, user 1 posts 1; reads/s: user 2 reads 5, user 3 reads 0.5.
        // A delivery costs 2, pulling an author costs 3.
        let costs = EdgeCosts {
            post_rates: vec![10.0, 1.0, 0.0, 0.0],
            read_rates: vec![0.0, 0.0, 5.0, 0.5],
            push_cost: 2.0,
            pull_cost: 3.0,
        };
        let c = build(&spec(FanoutKind::CostBased, 0), || costs);
        // 0 -> 2: 20 vs 15: pull. 1 -> 2: 2 vs 15: push. 0 -> 3: 20 vs 1.5: pull. 1 -> 3: 2 vs 1.5: pull.
        assert!(!c.push_to(0, 2) && c.pull_from(0, 2));
        assert!(c.push_to(1, 2) && !c.pull_from(1, 2));
        assert!(!c.push_to(0, 3) && !c.push_to(1, 3));
        // Every edge is exactly one of the two.
        for a in 0..4 {
            for f in 0..4 {
                assert!(c.push_to(a, f) != c.pull_from(a, f));
            }
        }
    }

    #[test]
    fn cost_based_answers_for_every_user_even_without_rates() {
        // Regression: `build` used to return a cost-based policy with no costs, which panicked
        // on its first edge. Users the rates do not cover post and read at rate 0.
        let c = build(&spec(FanoutKind::CostBased, 0), EdgeCosts::default);
        for (a, f) in [(0, 1), (7, 3), (u32::MAX, 0)] {
            assert!(c.push_to(a, f) != c.pull_from(a, f));
        }
        let partial =
            CostBased::new(&EdgeCosts { post_rates: vec![1.0], read_rates: vec![], push_cost: 1.0, pull_cost: 1.0 });
        assert!(!partial.push_to(0, 5), "user 5 reads at rate 0: pull user 0's posts");
    }
}
