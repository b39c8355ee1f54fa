//! `system:`: partitioning, fan-out, caches and load balancing.

use super::{Cx, Unit};
use crate::scenario::file::{CacheFile, FanoutFile, PartitioningFile, SystemFile};
use crate::scenario::{Op, System, Workload};
use crate::strategy::cache::CacheSpec;
use crate::strategy::fanout::FanoutSpec;
use crate::strategy::partition::PartitionSpec;
use crate::strategy::{BalanceKind, CacheKind, FanoutKind, PartitionKind, ReadPolicy};

/// `workload` is there to check a home timeline page against the timeline kept.
pub(super) fn resolve(cx: &mut Cx, system: &SystemFile, workload: &Workload) -> System {
    let partitioning = partitioning(cx, &system.partitioning);
    let fanout = fanout(cx, &system.fanout, workload);
    let caches = system.caches.as_ref();
    let timeline_cache = cache(cx, "timeline", caches.and_then(|c| c.timeline.as_ref()));
    let tweet_cache = cache(cx, "tweet", caches.and_then(|c| c.tweet.as_ref()));
    let user_cache = cache(cx, "user", caches.and_then(|c| c.user.as_ref()));
    let image_cache = cache(cx, "image", caches.and_then(|c| c.image.as_ref()));
    System {
        partitioning,
        fanout,
        timeline_cache,
        tweet_cache,
        user_cache,
        image_cache,
        load_balancing: system.load_balancing.unwrap_or(BalanceKind::RoundRobin),
    }
}

fn partitioning(cx: &mut Cx, partitioning: &PartitioningFile) -> PartitionSpec {
    let shards = partitioning.shards;
    if shards == 0 || shards > 65_536 {
        cx.problem("system.partitioning.shards", format!("{shards} is not allowed; expected 1 to 65536"));
    }
    let replication = partitioning.replication.unwrap_or(1);
    let shards_ok = (1..=65_536).contains(&shards);
    if shards_ok && (replication == 0 || replication > shards) {
        cx.problem(
            "system.partitioning.replication",
            format!("{replication} is not allowed; expected 1 to the number of shards ({shards}): replicas of a shard sit on distinct shard nodes"),
        );
    }
    let vnodes = vnodes(cx, partitioning);
    let time_bucket_ns = time_bucket_ns(cx, partitioning);
    let group_size = group_size(cx, partitioning, shards_ok);
    PartitionSpec {
        strategy: partitioning.strategy,
        shards,
        replication,
        vnodes,
        read_policy: partitioning.read_policy.unwrap_or(ReadPolicy::Balanced),
        time_bucket_ns,
        group_size,
    }
}

/// Points per shard on the ring of `consistent_hash`; 0 for other strategies.
fn vnodes(cx: &mut Cx, partitioning: &PartitioningFile) -> u32 {
    match (partitioning.strategy, partitioning.vnodes) {
        (PartitionKind::ConsistentHash, written) => {
            let vnodes = written.unwrap_or(100);
            if vnodes == 0 || vnodes > 10_000 || partitioning.shards as u64 * vnodes as u64 > 10_000_000 {
                cx.problem(
                    "system.partitioning.vnodes",
                    format!("{vnodes} is not allowed; expected 1 to 10000, and shards × vnodes at most 10,000,000"),
                );
            }
            vnodes
        }
        (_, Some(_)) => {
            cx.problem("system.partitioning.vnodes", "applies only to strategy: consistent_hash");
            0
        }
        (_, None) => 0,
    }
}

/// The length of a time bucket of `time_range` and `user_time`; 0 for other strategies.
fn time_bucket_ns(cx: &mut Cx, partitioning: &PartitioningFile) -> u64 {
    let timed = matches!(partitioning.strategy, PartitionKind::TimeRange | PartitionKind::UserTime);
    let time_bucket_ns = match (&partitioning.time_bucket, timed) {
        (Some(written), true) => cx.positive_duration_ns("system.partitioning.time_bucket", written).unwrap_or(1),
        (None, true) => 3_600_000_000_000,
        (Some(_), false) => {
            cx.problem("system.partitioning.time_bucket", "applies only to strategy: time_range or user_time");
            0
        }
        (None, false) => 0,
    };
    if timed && time_bucket_ns > 0 && time_bucket_ns < 1_000_000 {
        cx.problem("system.partitioning.time_bucket", "must be at least 1ms (tweet ids count milliseconds)");
    }
    time_bucket_ns
}

/// Shards per user group of `user_time`; 1 for other strategies.
fn group_size(cx: &mut Cx, partitioning: &PartitioningFile, shards_ok: bool) -> u32 {
    let shards = partitioning.shards;
    match (partitioning.group_size, partitioning.strategy) {
        (written, PartitionKind::UserTime) => {
            let group_size = written.unwrap_or(shards.clamp(1, 4));
            if shards_ok && (group_size == 0 || group_size > shards || !shards.is_multiple_of(group_size)) {
                cx.problem(
                    "system.partitioning.group_size",
                    format!("{group_size} is not allowed; expected a divisor of the number of shards ({shards})"),
                );
            }
            group_size.max(1)
        }
        (Some(_), _) => {
            cx.problem("system.partitioning.group_size", "applies only to strategy: user_time");
            1
        }
        (None, _) => 1,
    }
}

fn fanout(cx: &mut Cx, fanout: &FanoutFile, workload: &Workload) -> FanoutSpec {
    let timeline_length = fanout.timeline_length.unwrap_or(800);
    if timeline_length == 0 {
        cx.problem("system.fanout.timeline_length", "must be at least 1");
    }
    // A home timeline page comes from the materialised timeline, which keeps timeline_length.
    let home = workload.op(Op::HomeTimeline);
    if home.rate > 0.0 && fanout.strategy != FanoutKind::Pull && timeline_length > 0 && home.page_size > timeline_length
    {
        cx.problem(
            "workload.ops.home_timeline.page_size",
            format!(
                "{} is above system.fanout.timeline_length ({timeline_length}); a page cannot be longer than the timeline kept",
                home.page_size
            ),
        );
    }
    let celebrity_followers = match (fanout.strategy, fanout.celebrity_followers) {
        (FanoutKind::Hybrid, None) => {
            cx.problem(
                "system.fanout",
                "strategy: hybrid needs `celebrity_followers` (authors with more followers are pulled at read time)",
            );
            0
        }
        (FanoutKind::Hybrid, Some(followers)) => followers,
        (_, Some(_)) => {
            cx.problem("system.fanout.celebrity_followers", "applies only to strategy: hybrid");
            0
        }
        (_, None) => 0,
    };
    FanoutSpec { strategy: fanout.strategy, celebrity_followers, timeline_length }
}

/// One cache layer under `system.caches`; `None` when it is left out or its policy is `none`.
fn cache(cx: &mut Cx, layer: &str, cache: Option<&CacheFile>) -> Option<CacheSpec> {
    let cache = cache?;
    if cache.policy == CacheKind::None {
        return None;
    }
    let path = format!("system.caches.{layer}");
    let nodes = cache.nodes.unwrap_or(1);
    if nodes == 0 || nodes > 65_536 {
        cx.problem(&format!("{path}.nodes"), format!("{nodes} is not allowed; expected 1 to 65536"));
    }
    let Some(capacity) = &cache.capacity_per_node else {
        cx.problem(&path, "a cache needs `capacity_per_node` (a size such as 16GB)");
        return None;
    };
    let capacity_per_node = cx.quantity(&format!("{path}.capacity_per_node"), capacity, Unit::Size).unwrap_or(0.0);
    if capacity_per_node < 1.0 {
        cx.problem(&format!("{path}.capacity_per_node"), "must be greater than 0 bytes");
    }
    Some(CacheSpec { policy: cache.policy, nodes: nodes.max(1), capacity_per_node: capacity_per_node as u64 })
}
