//! Fan-out: whether a tweet is pushed into followers' home timelines when posted, or pulled
//! from its author at read time.

use super::FanoutKind;

pub trait FanoutPolicy: Send + Sync {
    /// Whether a tweet by an author with `followers` followers is delivered to (some of) their
    /// followers' timelines.
    fn push(&self, followers: u32) -> bool;
    /// Whether a reader merges this followee's recent tweets in at read time.
    fn pull(&self, followee_followers: u32) -> bool;
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

/// Per follow edge, push when the follower reads more often than the author posts, each side
/// weighted by what it costs (Silberstein et al., "Feeding Frenzy: Selectively Materializing
/// Users' Event Feeds", SIGMOD 2010): push the edge when
/// `post_rate(author) × push_cost ≤ read_rate(follower) × pull_cost`.
pub struct CostBased {
    /// Per user: posts per second × the cost of one delivery.
    push_cost: Vec<f32>,
    /// Per user: home timeline reads per second × the cost of pulling one author.
    pull_cost: Vec<f32>,
}

impl CostBased {
    /// From each user's post and read rates and the two unit costs (any one unit of time).
    pub fn new(post_rates: &[f64], read_rates: &[f64], push_cost: f64, pull_cost: f64) -> CostBased {
        CostBased {
            push_cost: post_rates.iter().map(|r| (r * push_cost) as f32).collect(),
            pull_cost: read_rates.iter().map(|r| (r * pull_cost) as f32).collect(),
        }
    }

    #[inline]
    fn pushed(&self, author: u32, follower: u32) -> bool {
        self.push_cost[author as usize] <= self.pull_cost[follower as usize]
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

/// The fan-out policy of `kind`; `cost_based` is built by the service, which knows the rates.
pub fn build(kind: FanoutKind, celebrity_followers: u64) -> Box<dyn FanoutPolicy> {
    match kind {
        FanoutKind::Push => Box::new(Push),
        FanoutKind::Pull => Box::new(Pull),
        FanoutKind::Hybrid => Box::new(Hybrid { celebrity_followers }),
        FanoutKind::CostBased => Box::new(CostBased { push_cost: Vec::new(), pull_cost: Vec::new() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_author_is_either_pushed_or_pulled_exactly() {
        for p in [build(FanoutKind::Push, 0), build(FanoutKind::Pull, 0), build(FanoutKind::Hybrid, 100)] {
            for f in [0, 1, 100, 101, 1_000_000] {
                assert!(p.push(f) != p.pull(f), "followers {f}");
            }
        }
        let h = Hybrid { celebrity_followers: 100 };
        assert!(h.push(100) && h.pull(101));
    }

    #[test]
    fn cost_based_pushes_an_edge_when_its_reads_cost_more_than_its_posts() {
        // Posts/s: user 0 posts 10, user 1 posts 1; reads/s: user 2 reads 5, user 3 reads 0.5.
        // A delivery costs 2, pulling an author costs 3.
        let c = CostBased::new(&[10.0, 1.0, 0.0, 0.0], &[0.0, 0.0, 5.0, 0.5], 2.0, 3.0);
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
}
