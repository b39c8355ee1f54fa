//! Plots: each one is written for a shipped scenario, is not empty, and is drawn from the
//! report's numbers. The SVGs are read back: tick labels give the axis mapping from pixels to
//! values, and the drawn shapes are checked against report.json through it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::util::{repo, tweetcap, write};
use tweetcap::report::{Report, decode_histogram};
use tweetcap::scenario::units::{human_bytes, human_us};

const PLOTS: [&str; 5] = ["latency", "timeseries", "fanout-lag", "storage", "utilisation"];

/// One quickstart run (40 s, so the spike at 30 s is inside the window), shared by the tests.
fn quickstart() -> &'static (PathBuf, Report) {
    static RUN: OnceLock<(PathBuf, Report)> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("plots-quickstart-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let o = tweetcap(
            &repo(""),
            &["run", "scenarios/quickstart.yaml", "--out", out.to_str().unwrap(), "--set", "duration=40s", "-q"],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let report = Report::read(&out.join("report.json")).expect("report.json");
        (out, report)
    })
}

// A small reader for the SVG that plotters writes: one element per line, text content on its
// own line between `<text ...>` and `</text>`.

struct Text {
    x: f64,
    y: f64,
    /// `start`, `middle` or `end`.
    anchor: String,
    text: String,
}

struct Rect {
    x: f64,
    w: f64,
    h: f64,
    fill: String,
}

struct Svg {
    texts: Vec<Text>,
    /// Polylines: stroke colour and points.
    lines: Vec<(String, Vec<(f64, f64)>)>,
    rects: Vec<Rect>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no number {name} in {tag}"))
}

fn read_svg(path: &Path) -> Svg {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.starts_with("<svg width=\"900\" height=\"500\""), "{}: not a 900×500 SVG", path.display());
    let mut svg = Svg { texts: Vec::new(), lines: Vec::new(), rects: Vec::new() };
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("<text") {
            let content = lines.next().unwrap_or_default().to_owned();
            svg.texts.push(Text {
                x: num(line, "x"),
                y: num(line, "y"),
                anchor: attr(line, "text-anchor").unwrap_or_default(),
                text: content.trim().to_owned(),
            });
        } else if line.starts_with("<polyline") {
            let points = attr(line, "points")
                .unwrap_or_default()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect();
            svg.lines.push((attr(line, "stroke").unwrap_or_default(), points));
        } else if line.starts_with("<rect") {
            svg.rects.push(Rect {
                x: num(line, "x"),
                w: num(line, "width"),
                h: num(line, "height"),
                fill: attr(line, "fill").unwrap_or_default(),
            });
        }
    }
    svg
}

impl Svg {
    fn has(&self, text: &str) -> bool {
        self.texts.iter().any(|t| t.text == text)
    }

    /// The linear map from a pixel coordinate to a value, fitted on tick labels that `parse`
    /// reads; `vertical` takes their y coordinates, else x. Only labels inside `region` (x or
    /// y pixel range, across the axis) count.
    fn axis(&self, parse: impl Fn(&str) -> Option<f64>, vertical: bool, region: (f64, f64)) -> Axis {
        let ticks: Vec<(f64, f64)> = self
            .texts
            .iter()
            .filter(|t| {
                let across = if vertical { t.x } else { t.y };
                across >= region.0 && across <= region.1
            })
            .filter_map(|t| parse(&t.text).map(|v| (if vertical { t.y } else { t.x }, v)))
            .collect();
        assert!(ticks.len() >= 2, "fewer than two tick labels: {:?}", ticks);
        let (p0, v0) = ticks.iter().copied().fold((0.0, f64::INFINITY), |a, t| if t.1 < a.1 { t } else { a });
        let (p1, v1) = ticks.iter().copied().fold((0.0, f64::NEG_INFINITY), |a, t| if t.1 > a.1 { t } else { a });
        let per_pixel = (v1 - v0) / (p1 - p0);
        // Every tick must sit on that line, to the pixel.
        for (p, v) in &ticks {
            assert!(((v - v0) / per_pixel + p0 - p).abs() <= 1.01, "tick {v} at pixel {p} is off the axis");
        }
        Axis { p0, v0, per_pixel, top: v1 }
    }
}

struct Axis {
    p0: f64,
    v0: f64,
    per_pixel: f64,
    /// The largest tick value.
    top: f64,
}

impl Axis {
    fn value(&self, pixel: f64) -> f64 {
        self.v0 + (pixel - self.p0) * self.per_pixel
    }
    /// Value per pixel, for tolerances.
    fn pixel(&self) -> f64 {
        self.per_pixel.abs()
    }
}

/// "12.5 ms" → 12500 (µs).
fn parse_us(text: &str) -> Option<f64> {
    let (v, unit) = text.split_once(' ')?;
    let scale = match unit {
        "µs" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        _ => return None,
    };
    Some(v.parse::<f64>().ok()? * scale)
}

/// "1", "200", "1k", "10k", "2M".
fn parse_count(text: &str) -> Option<f64> {
    let (v, scale) = match text.chars().last()? {
        'k' => (&text[..text.len() - 1], 1e3),
        'M' => (&text[..text.len() - 1], 1e6),
        'G' => (&text[..text.len() - 1], 1e9),
        _ => (text, 1.0),
    };
    Some(v.parse::<f64>().ok()? * scale)
}

fn parse_pct(text: &str) -> Option<f64> {
    text.strip_suffix('%')?.parse().ok()
}

/// "1.5 GB" → bytes.
fn parse_bytes(text: &str) -> Option<f64> {
    let (v, unit) = text.split_once(' ')?;
    let scale = match unit {
        "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "PB" => 1e15,
        _ => return None,
    };
    Some(v.parse::<f64>().ok()? * scale)
}

fn trimmed(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[test]
fn run_writes_every_plot_and_report_md_shows_them() {
    let (out, _) = quickstart();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for name in PLOTS {
        let png = out.join(format!("plots/{name}.png"));
        let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut pixels).expect("decodes");
        assert_eq!((info.width, info.height), (900, 500), "{name}.png");
        // Not blank: many colours, a good share of the canvas drawn on.
        let rgb: Vec<&[u8]> = pixels.chunks(3).collect();
        let inked = rgb.iter().filter(|p| **p != [255, 255, 255]).count();
        let mut colours: Vec<&[u8]> = rgb.clone();
        colours.sort();
        colours.dedup();
        assert!(colours.len() > 20, "{name}.png has {} colours", colours.len());
        assert!(inked > 900 * 500 / 50, "{name}.png: only {inked} pixels drawn");

        let svg = std::fs::read_to_string(out.join(format!("plots/{name}.svg"))).unwrap();
        assert!(svg.len() > 5_000 && svg.contains("</svg>"), "{name}.svg is {} bytes", svg.len());
        assert!(md.contains(&format!("](plots/{name}.svg)")), "report.md does not show {name}.svg");
    }
}

#[test]
fn latency_spectrum_is_each_operations_histogram() {
    let (out, r) = quickstart();
    let svg = read_svg(&out.join("plots/latency.svg"));
    for label in ["50%", "90%", "99%", "99.9%", "99.99%"] {
        assert!(svg.has(label), "no percentile label {label}");
    }
    let y = svg.axis(parse_us, true, (0.0, 90.0));
    let x = svg.axis(
        |t| t.strip_suffix('%').and_then(|p| p.parse::<f64>().ok()).map(|p| -(1.0 - p / 100.0).log10()),
        false,
        (440.0, 500.0),
    );
    // One long polyline per operation with requests, in the report's order.
    let curves: Vec<&Vec<(f64, f64)>> = svg.lines.iter().map(|(_, p)| p).filter(|p| p.len() > 50).collect();
    let ops: Vec<&String> = r.operations.iter().filter(|(_, o)| o.count > 0).map(|(n, _)| n).collect();
    assert_eq!(curves.len(), ops.len(), "one curve per operation");
    for (op, curve) in ops.iter().zip(curves) {
        let l = &r.operations[*op].latency_us;
        assert!(
            y.top >= l.p999 && y.top >= l.max,
            "{op}: axis tops at {} µs below p99.9 {} / max {}",
            y.top,
            l.p999,
            l.max
        );
        assert!(svg.texts.iter().any(|t| t.text == **op), "{op} missing from the legend");
        // The curve's highest point is the max, and it passes through the report's p99 at 99%.
        let top = curve.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let tol = 2.0 * y.pixel();
        assert!((y.value(top) - l.max).abs() <= tol, "{op}: curve tops at {} µs, max is {}", y.value(top), l.max);
        for (q, want) in [(0.5, l.p50), (0.99, l.p99)] {
            let at = -(1.0f64 - q).log10();
            let near: Vec<f64> =
                curve.iter().filter(|p| (x.value(p.0) - at).abs() <= 1.5 * x.pixel()).map(|p| y.value(p.1)).collect();
            assert!(!near.is_empty(), "{op}: no point near q={q}");
            let best = near.iter().map(|v| (v - want).abs()).fold(f64::INFINITY, f64::min);
            assert!(best <= tol, "{op}: at q={q} the curve is {near:?} µs, the report says {want}");
        }
    }
}

#[test]
fn timeseries_shades_the_spike_where_the_plan_puts_it() {
    let (out, r) = quickstart();
    let svg = read_svg(&out.join("plots/timeseries.svg"));
    assert!(svg.has("spike ×3 post_tweet"), "spike label missing");
    let x = svg.axis(|t| t.strip_suffix(" s").and_then(|v| v.parse().ok()), false, (440.0, 500.0));
    // The plan says: at 30 s into the window (plus warm-up, as the plan counts), for 5 s.
    let spike = &r.plan["workload"]["pattern"]["spikes"][0];
    let from = spike["at_ns"].as_f64().unwrap() / 1e9 - r.warmup_seconds;
    let to = from + spike["for_ns"].as_f64().unwrap() / 1e9;
    assert_eq!((from, to), (30.0, 35.0));
    let shaded: Vec<&Rect> = svg.rects.iter().filter(|r| r.fill == "#FFE2BA" && r.h > 50.0).collect();
    assert_eq!(shaded.len(), 2, "one shaded window in each panel");
    for s in shaded {
        assert!((x.value(s.x) - from).abs() <= 1.5 * x.pixel(), "shading starts at {} s", x.value(s.x));
        assert!((x.value(s.x + s.w) - to).abs() <= 1.5 * x.pixel(), "shading ends at {} s", x.value(s.x + s.w));
    }
    // home_timeline has requests in every interval: one unbroken line, a point per interval,
    // each at the report's throughput on the log axis.
    let values = &r.timeseries.throughput["home_timeline"];
    assert!(values.iter().all(|v| *v > 0.0));
    let log = svg.axis(|t| t.strip_suffix("/s").and_then(parse_count).map(f64::log10), true, (0.0, 90.0));
    let line = svg.lines.iter().find(|(c, p)| c == "#FF7F0E" && p.len() == values.len()).expect("home_timeline line");
    for ((_, py), want) in line.1.iter().zip(values) {
        let drawn = 10f64.powf(log.value(*py));
        assert!((drawn.log10() - want.log10()).abs() <= 1.5 * log.pixel(), "drawn {drawn}/s, report {want}/s");
    }
}

#[test]
fn timeseries_shades_a_fault_where_the_plan_puts_it() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("plots-fault-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = tweetcap(
        &repo(""),
        &[
            "run",
            "scenarios/quickstart.yaml",
            "--out",
            out.to_str().unwrap(),
            "--set",
            "duration=20s",
            "--set",
            "workload.pattern.spikes=[]",
            "--set",
            "faults=[{kind: slow_node, target: \"shard[1]\", at: 6s, for: 4s, factor: 3}]",
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let svg = read_svg(&out.join("plots/timeseries.svg"));
    assert!(svg.has("slow_node ×3 shard[1]") && svg.has("fault"), "fault label or legend missing");
    assert!(!svg.has("spike"), "no spike in this run");
    let x = svg.axis(|t| t.strip_suffix(" s").and_then(|v| v.parse().ok()), false, (440.0, 500.0));
    let shaded: Vec<&Rect> = svg.rects.iter().filter(|r| r.fill == "#DEDEF0" && r.h > 50.0).collect();
    assert_eq!(shaded.len(), 2, "one shaded window in each panel");
    for s in shaded {
        assert!((x.value(s.x) - 6.0).abs() <= 1.5 * x.pixel(), "shading starts at {} s", x.value(s.x));
        assert!((x.value(s.x + s.w) - 10.0).abs() <= 1.5 * x.pixel(), "shading ends at {} s", x.value(s.x + s.w));
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn fanout_lag_is_the_reports_lag_histogram() {
    let (out, r) = quickstart();
    let f = &r.fanout;
    let h = decode_histogram(&f.lag_histogram).expect("fanout.lag_histogram decodes");
    assert!(!h.is_empty() && h.len() <= f.tweets);
    assert_eq!(h.value_at_quantile(0.99) as f64 / 1000.0, f.lag_us.p99, "histogram and lag_us disagree");
    assert_eq!(h.max() as f64 / 1000.0, f.lag_us.max);
    let svg = read_svg(&out.join("plots/fanout-lag.svg"));
    for (name, us) in [("p50", f.lag_us.p50), ("p99", f.lag_us.p99), ("max", f.lag_us.max)] {
        assert!(svg.has(&format!("{name} {}", human_us(us))), "no marker for {name}");
    }
    // The bars' shares add up to all the posts with deliveries.
    let y = svg.axis(parse_pct, true, (0.0, 70.0));
    let total: f64 = svg.rects.iter().filter(|r| r.fill == "#5799C7" && r.x < 700.0).map(|r| r.h * y.pixel()).sum();
    assert!((total - 100.0).abs() < 2.0, "bars add up to {total}%");
}

#[test]
fn storage_starts_at_the_total_and_projects_the_growth_per_kind() {
    let (out, r) = quickstart();
    let s = &r.storage;
    assert_eq!(s.by_kind.values().sum::<u64>(), s.total_bytes, "by_kind adds up to total_bytes");
    let growth: f64 = s.growth_per_day_by_kind.values().sum();
    assert!((growth - s.growth_per_day_bytes).abs() <= 6.0, "growth per kind {growth} vs {}", s.growth_per_day_bytes);
    let svg = read_svg(&out.join("plots/storage.svg"));
    // The first bar, in both panels, is the total.
    let first = human_bytes(s.total_bytes as f64);
    let bar_labels: Vec<&Text> = svg.texts.iter().filter(|t| t.anchor == "middle").collect();
    assert_eq!(bar_labels.iter().filter(|t| t.text == first).count(), 2, "the now bar is not labelled {first}");
    // In five years: each kind grows at its rate; timelines stop at users × length × 20 B.
    let cap = r.population.users as f64 * r.plan["system"]["fanout"]["timeline_length"].as_f64().unwrap() * 20.0;
    assert!(svg.has(&format!("timelines stop growing at {} (every timeline full)", human_bytes(cap))));
    let five: f64 = s
        .by_kind
        .iter()
        .map(|(k, now)| {
            let v = *now as f64 + s.growth_per_day_by_kind[k] * 365.0 * 5.0;
            if k == "timelines" { v.min(cap.max(*now as f64)) } else { v }
        })
        .sum();
    let labels: Vec<f64> = bar_labels.iter().filter_map(|t| parse_bytes(&t.text)).collect();
    let top = labels.iter().copied().fold(0.0, f64::max);
    assert!((top - five).abs() / five < 0.01, "largest bar label {top}, expected {five}");
    // The left panel's bar is as tall as the total on its axis.
    let y = svg.axis(parse_bytes, true, (0.0, 100.0));
    let now_height: f64 =
        svg.rects.iter().filter(|r| r.x < 230.0 && r.fill != "#FFFFFF").map(|r| r.h * y.pixel()).sum();
    assert!((now_height - s.total_bytes as f64).abs() <= 3.0 * y.pixel(), "now bar {now_height} vs {}", s.total_bytes);
}

#[test]
fn utilisation_shows_every_node_of_every_tier() {
    let (out, r) = quickstart();
    let svg = read_svg(&out.join("plots/utilisation.svg"));
    assert!(svg.has("80%: warned above"));
    for (tier, n) in &r.nodes {
        assert_eq!(n.per_node.len(), n.count as usize, "{tier}: per_node");
        let mean = n.per_node.iter().sum::<f64>() / n.count as f64;
        assert!((mean - n.utilisation.mean).abs() < 1e-5, "{tier}: per-node mean {mean} vs {}", n.utilisation.mean);
        assert_eq!(n.per_node.iter().copied().fold(0.0, f64::max), n.utilisation.max, "{tier}: max");
        // A cache layer is labelled with its layer, "cache" under it.
        let name = tier.strip_prefix("cache.").unwrap_or(tier);
        assert!(svg.has(name) && svg.has(&format!("{} nodes", n.count)), "no label for {tier}");
        assert!(svg.has(&format!("max/mean {}", trimmed(n.max_over_mean))), "{tier}: no max/mean note");
    }
    // One bar per node in the lower panel (green, or red above 80%), left of the legend.
    let bars = svg.rects.iter().filter(|r| r.x < 735.0 && (r.fill == "#2CA02C" || r.fill == "#D62728")).count();
    let nodes: u32 = r.nodes.values().map(|n| n.count).sum();
    assert_eq!(bars as u32, nodes, "bars");
}

#[test]
fn plot_redraws_the_same_files_from_report_json() {
    let (out, _) = quickstart();
    let again = out.with_extension("redrawn");
    let o = tweetcap(&repo(""), &["plot", out.join("report.json").to_str().unwrap(), "--out", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in PLOTS {
        for ext in ["svg", "png"] {
            let a = std::fs::read(out.join(format!("plots/{name}.{ext}"))).unwrap();
            let b = std::fs::read(again.join(format!("{name}.{ext}"))).unwrap();
            assert!(a == b, "{name}.{ext} redrawn from report.json differs from the run's");
        }
    }
    let _ = std::fs::remove_dir_all(&again);
}

#[test]
fn plot_refuses_a_damaged_report_and_writes_nothing() {
    let (out, _) = quickstart();
    let dir = tempfile::tempdir().unwrap();
    let missing = tweetcap(dir.path(), &["plot", "nowhere/report.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nowhere/report.json"));

    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    json["histograms"]["home_timeline"] = serde_json::Value::String("not a histogram".into());
    write(dir.path(), "bad/report.json", &serde_json::to_string(&json).unwrap());
    let o = tweetcap(dir.path(), &["plot", "bad/report.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("histograms.home_timeline"), "{err}");
    assert!(!dir.path().join("bad/plots").exists(), "plots written from a damaged report");

    write(dir.path(), "text.json", "{\"scenario\": 1}");
    let o = tweetcap(dir.path(), &["plot", "text.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a tweetcap report"));
}

#[test]
fn plot_draws_a_report_written_before_the_plot_fields() {
    let (out, _) = quickstart();
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    json["fanout"].as_object_mut().unwrap().remove("lag_histogram");
    json["storage"].as_object_mut().unwrap().remove("growth_per_day_by_kind");
    for n in json["nodes"].as_object_mut().unwrap().values_mut() {
        n.as_object_mut().unwrap().remove("per_node");
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "report.json", &serde_json::to_string(&json).unwrap());
    let o = tweetcap(dir.path(), &["plot", "report.json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lag = read_svg(&dir.path().join("plots/fanout-lag.svg"));
    assert!(lag.has("this report has no lag histogram: its p50, p99 and max only"));
    let storage = read_svg(&dir.path().join("plots/storage.svg"));
    assert!(storage.has("growth"), "the growth is drawn as one block");
    let utilisation = read_svg(&dir.path().join("plots/utilisation.svg"));
    assert!(utilisation.has("max only"));

    // Damaged time figures are refused, not drawn.
    json["timeseries"]["interval_s"] = serde_json::json!(0.0);
    write(dir.path(), "zero/report.json", &serde_json::to_string(&json).unwrap());
    let o = tweetcap(dir.path(), &["plot", "zero/report.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("timeseries.interval_s"));
    assert!(!dir.path().join("zero/plots").exists());
}

#[test]
fn cache_replay_plots_the_miss_ratio_curve_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    // A skewed synthetic trace: object k is requested about 1/k as often, among 100,000.
    let mut csv = String::from("timestamp,obj_id,obj_size,next_access_vtime\n");
    let mut state = 12345u64;
    for t in 0..20_000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        let id = 100_000f64.powf(u) as u64;
        csv.push_str(&format!("{t},{id},100,-1\n"));
    }
    write(dir.path(), "t.csv", &csv);
    let o = tweetcap(
        dir.path(),
        &["cache-replay", "t.csv", "--policy", "lru,fifo", "--curve", "6", "--json", "--plot", "mrc"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let results: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let svg = read_svg(&dir.path().join("mrc/miss-ratio-curve.svg"));
    assert!(dir.path().join("mrc/miss-ratio-curve.png").exists());
    assert!(svg.has("lru") && svg.has("fifo"), "legend");
    let y = svg.axis(parse_pct, true, (0.0, 70.0));
    let curves: Vec<&Vec<(f64, f64)>> = svg.lines.iter().map(|(_, p)| p).filter(|p| p.len() == 6).collect();
    assert_eq!(curves.len(), 2, "one six-point curve per policy");
    for (policy, curve) in ["lru", "fifo"].iter().zip(curves) {
        let ratios: Vec<f64> = results
            .iter()
            .filter(|r| r["policy"] == *policy)
            .map(|r| r["miss_ratio"].as_f64().unwrap() * 100.0)
            .collect();
        assert_eq!(ratios.len(), 6);
        for ((_, py), want) in curve.iter().zip(&ratios) {
            assert!((y.value(*py) - want).abs() <= 1.5 * y.pixel(), "{policy}: drawn {} vs {want}", y.value(*py));
        }
    }
}
