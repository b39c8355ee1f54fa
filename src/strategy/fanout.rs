//! Fan-out: whether a tweet is pushed into followers' home timelines when posted, or pulled
//! from its author at read time.

use super::FanoutKind;

pub trait FanoutPolicy: Send + Sync {
    /// Whether a tweet by an author with `followers` followers is delivered to their timelines.
    fn push(&self, followers: u32) -> bool;
    /// Whether a reader merges this followee's recent tweets in at read time.
    fn pull(&self, followee_followers: u32) -> bool;
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

pub fn build(kind: FanoutKind, celebrity_followers: u64) -> Box<dyn FanoutPolicy> {
    match kind {
        FanoutKind::Push => Box::new(Push),
        FanoutKind::Pull => Box::new(Pull),
        FanoutKind::Hybrid => Box::new(Hybrid { celebrity_followers }),
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
}
