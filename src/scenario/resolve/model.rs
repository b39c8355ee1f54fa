//! The model file: what each kind of node costs, and the network between them.

use serde_json::Value;
use std::path::{Path, PathBuf};

use super::{Cx, Unit, from_doc, invalid, parse_doc, read};
use crate::scenario::file::{AppFile, BlobFile, CacheTierFile, FanoutTierFile, ModelFile, NetworkFile, ShardFile};
use crate::scenario::units::{self, parse_bandwidth_bytes_per_s};
use crate::scenario::yaml::Origin;
use crate::scenario::{Dist, Model, ScenarioError, TierModel};

/// The model a scenario names (`model_path`, already joined to the scenario's folder), with
/// its `model.KEY=...` overrides; its problems are reported with the model file's own positions.
pub(super) fn resolve(cx: &mut Cx, model_path: &Path, sets: &[&String]) -> Option<Model> {
    if let Err(e) = std::fs::metadata(model_path) {
        cx.problem("model", format!("cannot read model file {}: {e}", model_path.display()));
        return None;
    }
    match load_model_with(model_path, sets) {
        Ok(model) => Some(model),
        Err(ScenarioError::Invalid(problems)) => {
            cx.problems.extend(problems);
            None
        }
        Err(e) => {
            cx.problem("model", e.to_string());
            None
        }
    }
}

/// Loads a model file on its own (also used by `validate` on model files).
pub fn load_model(path: &Path) -> Result<Model, ScenarioError> {
    load_model_with(path, &[])
}

/// Loads a model file with `model.KEY.PATH=VALUE` overrides applied (the `model.` prefix is
/// the scenario's view of the model file).
fn load_model_with(path: &Path, sets: &[&String]) -> Result<Model, ScenarioError> {
    let text = read(path)?;
    let mut doc = parse_doc(path, &text)?;
    for assignment in sets {
        let inner = assignment.trim_start().trim_start_matches("model.");
        doc.apply_override_shown(inner, assignment)
            .map_err(|m| invalid(path, Origin::Unknown, m.replacen(inner, assignment, 1)))?;
    }
    let model_file: ModelFile = from_doc(&doc, path)?;
    let mut cx = Cx { doc: &doc, file: path, problems: Vec::new() };
    let (rtt_ns, bandwidth) = match &model_file.network {
        None => (0.0, None),
        Some(network) => resolve_network(&mut cx, network),
    };
    let nodes = &model_file.nodes;
    let app = nodes.app.as_ref().map(|written| app(&mut cx, written));
    let shard = nodes.shard.as_ref().map(|written| shard(&mut cx, written));
    let cache = nodes.cache.as_ref().map(|written| cache(&mut cx, written));
    let blob = nodes.blob.as_ref().map(|written| blob(&mut cx, written));
    let fanout = nodes.fanout.as_ref().map(|written| fanout(&mut cx, written));
    if !cx.problems.is_empty() {
        return Err(ScenarioError::Invalid(cx.problems));
    }
    Ok(Model {
        name: model_file.name,
        path: PathBuf::from(path),
        rtt_ns,
        bandwidth_bytes_per_s: bandwidth,
        app,
        shard,
        cache,
        blob,
        fanout,
    })
}

/// `(rtt_ns, bandwidth_bytes_per_s)`; no bandwidth means unlimited.
fn resolve_network(cx: &mut Cx, network: &NetworkFile) -> (f64, Option<f64>) {
    let rtt = cx.quantity("network.rtt", &network.rtt, Unit::Duration).unwrap_or(0.0);
    let bandwidth = network.bandwidth.as_ref().and_then(|written| match written {
        Value::String(s) => match parse_bandwidth_bytes_per_s(s) {
            Ok(x) if x > 0.0 => Some(x),
            Ok(_) => {
                cx.problem("network.bandwidth", "must be greater than 0 (leave it out for unlimited)");
                None
            }
            Err(e) => {
                cx.problem("network.bandwidth", e);
                None
            }
        },
        other => {
            cx.problem("network.bandwidth", format!("{other} is not {}", units::BANDWIDTH_HELP));
            None
        }
    });
    (rtt, bandwidth)
}

/// What every tier writes, under the keys its kind of node calls them.
struct TierEntries<'a> {
    name: &'a str,
    count: Option<u32>,
    servers: u32,
    /// The key and value of the read service time (app: `service`; cache: `get`).
    read: (&'a str, &'a Value),
    /// The key and value of the write service time (a tier with one service time names its
    /// read key again, and the read time is used).
    write: (&'a str, &'a Value),
    per_item: Option<(&'a str, &'a Value)>,
}

/// The count, servers and service times of one tier; its memory and storage are left to the
/// tiers that have them.
fn tier(cx: &mut Cx, entries: TierEntries) -> TierModel {
    let prefix = format!("nodes.{}", entries.name);
    let servers = entries.servers;
    if servers == 0 || servers > 100_000 {
        cx.problem(
            &format!("{prefix}.servers"),
            format!("{servers} is not allowed; expected 1 to 100000 (concurrent requests a node serves)"),
        );
    }
    let count = entries.count.unwrap_or(1);
    if count == 0 || count > 100_000 {
        cx.problem(&format!("{prefix}.count"), format!("{count} is not allowed; expected 1 to 100000"));
    }
    let (read_key, read_value) = entries.read;
    let (write_key, write_value) = entries.write;
    let read_dist = cx.dist(&format!("{prefix}.{read_key}"), read_value, Unit::Duration);
    let write_dist = if write_key == read_key {
        read_dist.clone()
    } else {
        cx.dist(&format!("{prefix}.{write_key}"), write_value, Unit::Duration)
    };
    let per_item_ns =
        entries.per_item.and_then(|(key, v)| cx.quantity(&format!("{prefix}.{key}"), v, Unit::Duration)).unwrap_or(0.0);
    TierModel {
        count: count.max(1),
        servers: servers.max(1),
        read: read_dist.unwrap_or(Dist::constant(0.0)),
        write: write_dist.unwrap_or(Dist::constant(0.0)),
        per_item_ns,
        memory_bytes: None,
        storage_bytes: None,
    }
}

fn app(cx: &mut Cx, app: &AppFile) -> TierModel {
    let service = ("service", &app.service);
    tier(
        cx,
        TierEntries {
            name: "app",
            count: app.count,
            servers: app.servers,
            read: service,
            write: service,
            per_item: None,
        },
    )
}

fn shard(cx: &mut Cx, shard: &ShardFile) -> TierModel {
    let mut model = tier(
        cx,
        TierEntries {
            name: "shard",
            count: None,
            servers: shard.servers,
            read: ("read", &shard.read),
            write: ("write", &shard.write),
            per_item: shard.per_item.as_ref().map(|v| ("per_item", v)),
        },
    );
    model.storage_bytes = shard.storage.as_ref().and_then(|v| cx.quantity("nodes.shard.storage", v, Unit::Size));
    model.memory_bytes = shard.memory.as_ref().and_then(|v| cx.quantity("nodes.shard.memory", v, Unit::Size));
    model
}

fn cache(cx: &mut Cx, cache: &CacheTierFile) -> TierModel {
    let mut model = tier(
        cx,
        TierEntries {
            name: "cache",
            count: None,
            servers: cache.servers,
            read: ("get", &cache.get),
            write: ("set", &cache.set),
            per_item: cache.per_item.as_ref().map(|v| ("per_item", v)),
        },
    );
    model.memory_bytes = cache.memory.as_ref().and_then(|v| cx.quantity("nodes.cache.memory", v, Unit::Size));
    model
}

fn blob(cx: &mut Cx, blob: &BlobFile) -> TierModel {
    tier(
        cx,
        TierEntries {
            name: "blob",
            count: blob.count,
            servers: blob.servers,
            read: ("read", &blob.read),
            write: ("write", &blob.write),
            per_item: None,
        },
    )
}

/// A fan-out node's only cost is `per_delivery`, held as its per-item time.
fn fanout(cx: &mut Cx, fanout: &FanoutTierFile) -> TierModel {
    let zero = Value::from(0);
    let no_service_time = ("per_delivery", &zero);
    tier(
        cx,
        TierEntries {
            name: "fanout",
            count: fanout.count,
            servers: fanout.servers,
            read: no_service_time,
            write: no_service_time,
            per_item: Some(("per_delivery", &fanout.per_delivery)),
        },
    )
}
