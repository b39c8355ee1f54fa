//! The API's writes: posting a tweet (stored under a Snowflake id, then fanned out to the
//! followers the fan-out policy pushes to), liking a tweet, following and unfollowing.

use smallvec::smallvec;
use std::sync::atomic::Ordering::Relaxed;

use super::plan::{Access, Group, Plan};
use super::tweets::Tweet;
use super::users::{self, Extras, edit_changes, set_insert, set_remove};
use super::{
    Counter, EDGE_SIDE_BYTES, FANOUT_BATCH, FAVOURITE_BYTES, HISTORY_MS, INDEX_ENTRY_BYTES, Kind, Locks, RECENT_TWEETS,
    Service, TIMELINE_ENTRY_BYTES, Tally, TweetRef, lock,
};
use crate::tier::Tier;

impl<L: Locks> Service<L> {
    /// Posts a tweet at `now_ms` (milliseconds since the start of the run; may be negative
    /// history down to `-HISTORY_MS`). Returns its id.
    pub fn post_tweet(&self, now_ms: i64, user: u32, text_bytes: u32, image_bytes: u32, plan: &mut Plan) -> u64 {
        plan.clear();
        let entry = self.store_tweet(now_ms, user, text_bytes, image_bytes, plan);
        plan.begin_background();
        self.fan_out(user, entry, plan);
        plan.finish();
        let mut c = lock(&self.counts);
        c.tweets += 1;
        c.deliveries += plan.deliveries as u64;
        entry.id
    }

    /// Stores a new tweet (its id made at `now_ms`) and plans the foreground of its post: the
    /// app, the image, the tweet record and the author's index. Returns it as lists hold it.
    pub(super) fn store_tweet(
        &self,
        now_ms: i64,
        user: u32,
        text_bytes: u32,
        image_bytes: u32,
        plan: &mut Plan,
    ) -> TweetRef {
        self.app(plan, Access::Write);
        plan.visits[0].bytes = text_bytes as u64 + image_bytes as u64;
        let user_shard = self.partitioner.user_shard(user);
        let worker = user_shard & (self.tweets.len() as u32 - 1);
        let newest = &self.newest[user as usize];
        // The id is made and stored under the stripe's lock, so the stripe's ids (and with
        // them each author's chain) stay in id order even when posts come from several threads.
        let (entry, tweet) = {
            let mut store = lock(&self.tweets[worker as usize]);
            let id = self.ids.next(worker, (now_ms + HISTORY_MS as i64).max(0) as u64);
            let tweet =
                Tweet { author: user, text: text_bytes, image: image_bytes, likes: 0, prev: newest.load(Relaxed) };
            newest.store(store.push(id, tweet), Relaxed);
            (TweetRef::new(id, user, text_bytes, image_bytes), tweet)
        };
        let id = entry.id;
        if image_bytes > 0 {
            let node = self.blob_node(id);
            plan.visit(Tier::Blob, node, Access::Write, 1, image_bytes as u64);
            plan.end_stage();
            self.images.add(image_bytes as u64);
        }
        let tweet_shard = self.partitioner.tweet_shard(id, user);
        self.add_bytes(Kind::Tweets, tweet_shard, tweet.bytes() as i64);
        self.write_all(plan, tweet_shard, 1, tweet.bytes());
        self.add_bytes(Kind::Tweets, user_shard, INDEX_ENTRY_BYTES as i64);
        self.write_all(plan, user_shard, 1, INDEX_ENTRY_BYTES);
        {
            let mut recent = lock(&self.recent);
            if recent.len() == RECENT_TWEETS {
                recent.pop_front();
            }
            recent.push_back(id);
        }
        entry
    }

    /// Fan-out on write: delivers `entry`, posted by `user`, to the home timelines of the
    /// followers the policy pushes to, and plans the writes.
    fn fan_out(&self, user: u32, entry: TweetRef, plan: &mut Plan) {
        let mut followers = Vec::new();
        if self.fanout.push(self.follower_count(user)) {
            self.followers_into(user, &mut followers);
            if self.fanout.per_edge() {
                followers.retain(|&f| self.fanout.push_to(user, f));
            }
        }
        if !followers.is_empty() {
            for batch in followers.chunks(FANOUT_BATCH as usize) {
                plan.visit_any(
                    Tier::Fanout,
                    Group { first: 0, choices: self.topology.fanout },
                    Access::Write,
                    batch.len() as u32,
                    batch.len() as u64 * TIMELINE_ENTRY_BYTES,
                );
            }
            plan.end_stage();
            let shards = self.topology.shards as usize;
            let mut per_shard: Tally<u32> = smallvec![0; shards];
            let mut per_cache: Tally<u32> = smallvec![0; self.topology.timeline_cache as usize];
            let mut grown: Tally<u32> = smallvec![0; shards];
            for &f in &followers {
                let shard = self.partitioner.user_shard(f) as usize;
                per_shard[shard] += 1;
                if lock(&self.homes[f as usize]).push(entry, self.held_entries, self.timeline_length) {
                    grown[shard] += 1;
                }
            }
            if let Some(cache) = &self.timeline_cache {
                cache.count_held(&followers, &mut per_cache);
            }
            for (shard, &k) in per_shard.iter().enumerate() {
                if k > 0 {
                    self.write_all(plan, shard as u32, k, k as u64 * TIMELINE_ENTRY_BYTES);
                }
                if grown[shard] > 0 {
                    self.add_bytes(Kind::Timelines, shard as u32, grown[shard] as i64 * TIMELINE_ENTRY_BYTES as i64);
                }
            }
            for (node, &k) in per_cache.iter().enumerate() {
                if k > 0 {
                    plan.visit(Tier::TimelineCache, node as u32, Access::Write, k, k as u64 * TIMELINE_ENTRY_BYTES);
                }
            }
            plan.deliveries = followers.len() as u32;
        }
    }

    /// Records that `user` likes `tweet`. Returns false (and writes nothing) if the tweet does
    /// not exist or the user already likes it.
    pub fn like_tweet(&self, user: u32, tweet: u64, plan: &mut Plan) -> bool {
        plan.clear();
        self.app(plan, Access::Write);
        let user_shard = self.partitioner.user_shard(user);
        let fresh = {
            let mut extras = self.extras(user);
            let liked = extras.favourites.get(&user).map_or(Err(0), |f| f.binary_search(&tweet));
            match liked {
                Ok(_) => false,
                Err(i) if self.tweet(tweet).is_some() => {
                    extras.favourites.entry(user).or_default().insert(i, tweet);
                    true
                }
                Err(_) => false,
            }
        };
        if !fresh {
            self.read(plan, user_shard, 1, 0);
            plan.finish();
            return false;
        }
        let stripe = self.stripe(tweet);
        let author = {
            let mut store = lock(&self.tweets[stripe]);
            let slot = store.slot(tweet).expect("checked above");
            let t = store.get_mut(slot);
            t.likes += 1;
            t.author
        };
        self.add_bytes(Kind::Likes, user_shard, FAVOURITE_BYTES as i64);
        self.write_all(plan, self.partitioner.tweet_shard(tweet, author), 1, 4);
        self.write_all(plan, user_shard, 1, FAVOURITE_BYTES);
        plan.finish();
        lock(&self.counts).likes += 1;
        true
    }

    /// `a` follows `b`. Returns false (and writes nothing) if a == b or a already follows b.
    /// The check and the change happen under one hold of both users' locks (their stripes of
    /// the side tables), so concurrent follows of the same edge change it once.
    pub fn follow(&self, a: u32, b: u32, plan: &mut Plan) -> bool {
        self.change_follow(a, b, true, plan)
    }

    /// `a` stops following `b`. Returns false (and writes nothing) if a does not follow b.
    pub fn unfollow(&self, a: u32, b: u32, plan: &mut Plan) -> bool {
        self.change_follow(a, b, false, plan)
    }

    /// Makes `a` follow `b` (or not): false if it already was so. Both users' stripes of the
    /// side tables are locked, in stripe order (so two changes cannot deadlock), from the check
    /// to the last change: concurrent changes of one edge serialise.
    fn change_edge(&self, a: u32, b: u32, follow: bool) -> bool {
        let (sa, sb) = (users::stripe(a), users::stripe(b));
        let low = sa.min(sb);
        let mut first = lock(&self.extras[low]);
        let mut second = (sa != sb).then(|| lock(&self.extras[sa.max(sb)]));
        // Following a base edge back un-removes it; following a new edge adds it (and
        // unfollowing undoes either).
        let in_base = self.graph.followees(a).binary_search(&b).is_ok();
        let add = follow != in_base;
        let edit = |list: &mut Vec<u32>, x: u32| if add { set_insert(list, x) } else { set_remove(list, x) };
        let of_a: &mut Extras = match &mut second {
            Some(g) if sa != low => g,
            _ => &mut first,
        };
        let changed = edit_changes(&mut of_a.changes, a, |c| {
            let change = self.follows_with(c, a, b) != follow;
            if change {
                edit(if in_base { &mut c.removed_followees } else { &mut c.added_followees }, b);
            }
            change
        });
        if changed {
            let of_b: &mut Extras = match &mut second {
                Some(g) if sb != low => g,
                _ => &mut first,
            };
            edit_changes(&mut of_b.changes, b, |c| {
                edit(if in_base { &mut c.removed_followers } else { &mut c.added_followers }, a)
            });
        }
        changed
    }

    fn change_follow(&self, a: u32, b: u32, follow: bool, plan: &mut Plan) -> bool {
        plan.clear();
        self.app(plan, Access::Write);
        let sa = self.partitioner.user_shard(a);
        let changed = a != b && self.change_edge(a, b, follow);
        if !changed {
            self.read(plan, sa, 1, 0);
            plan.finish();
            return false;
        }
        let sb = self.partitioner.user_shard(b);
        let delta = if follow { EDGE_SIDE_BYTES as i64 } else { -(EDGE_SIDE_BYTES as i64) };
        self.add_bytes(Kind::Graph, sa, delta);
        self.add_bytes(Kind::Graph, sb, delta);
        self.write_all(plan, sa, 1, EDGE_SIDE_BYTES);
        self.write_all(plan, sb, 1, EDGE_SIDE_BYTES);
        plan.finish();
        let mut c = lock(&self.counts);
        if follow {
            c.follows += 1;
        } else {
            c.unfollows += 1;
        }
        true
    }
}
