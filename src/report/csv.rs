//! The report's tables as CSV files, for spreadsheets: operations, nodes, caches and storage,
//! one row per entry of the report's section, numbers as report.json gives them.

use super::Report;

impl Report {
    /// The report's tables as CSV, for spreadsheets: (file name, contents). Latencies in µs,
    /// utilisations and ratios as fractions, sizes in bytes.
    pub fn csv_tables(&self) -> Vec<(&'static str, String)> {
        use std::fmt::Write as _;
        let mut ops =
            String::from("operation,count,failed,throughput_per_s,p50_us,p90_us,p99_us,p999_us,max_us,mean_us\n");
        for (name, o) in &self.operations {
            let l = &o.latency_us;
            let _ = writeln!(
                ops,
                "{name},{},{},{},{},{},{},{},{},{}",
                o.count, o.failed, o.throughput_per_s, l.p50, l.p90, l.p99, l.p999, l.max, l.mean
            );
        }
        let mut nodes = String::from(
            "tier,count,servers,utilisation_min,utilisation_mean,utilisation_max,offered_load_max,unstable,visits\n",
        );
        for (tier, n) in &self.nodes {
            let u = &n.utilisation;
            let _ = writeln!(
                nodes,
                "{tier},{},{},{},{},{},{},{},{}",
                n.count, n.servers, u.min, u.mean, u.max, n.offered_load_max, n.unstable, n.visits
            );
        }
        let mut caches = String::from(
            "layer,policy,nodes,capacity_per_node,hits,misses,hit_ratio,hit_bytes,byte_hit_ratio,evictions,bytes\n",
        );
        for (layer, c) in &self.caches {
            let _ = writeln!(
                caches,
                "{layer},{},{},{},{},{},{},{},{},{},{}",
                c.policy,
                c.nodes,
                c.capacity_per_node,
                c.hits,
                c.misses,
                c.hit_ratio,
                c.hit_bytes,
                c.byte_hit_ratio,
                c.evictions,
                c.bytes
            );
        }
        let mut storage = String::from("kind,bytes\n");
        for (kind, b) in &self.storage.by_kind {
            let _ = writeln!(storage, "{kind},{b}");
        }
        vec![("operations.csv", ops), ("nodes.csv", nodes), ("caches.csv", caches), ("storage.csv", storage)]
    }
}
