//! Storage by kind now (`storage.by_kind`) and projected over one to five years from the
//! growth per day (`storage.growth_per_day_by_kind`), stacked bars of primary bytes. Home
//! timelines stop growing once full: their projection is capped at users × timeline_length ×
//! 20 B (reference §4.8). A report without the growth per kind projects the total alone.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{byte_unit, nice_ceiling, ticked, trim_number};
use super::{Drawn, Figure, Key, PALETTE, canvas, label_style, legend_column, light_grid, small_style};
use crate::report::Report;
use crate::scenario::units::human_bytes;

/// Bytes per stored timeline entry (reference §4.8).
const TIMELINE_ENTRY_BYTES: f64 = 20.0;
const KINDS: [&str; 6] = ["tweets", "timelines", "graph", "likes", "images", "users"];
pub(crate) const YEARS: u32 = 5;

pub(crate) struct Bar {
    pub label: String,
    /// (kind, bytes), in the order of the legend.
    pub segments: Vec<(String, f64)>,
    pub total: f64,
}

pub(crate) struct Projection {
    pub bars: Vec<Bar>,
    pub growth_per_day: f64,
    pub timeline_cap: Option<f64>,
}

fn kind_colour(kind: &str) -> RGBColor {
    PALETTE[KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len() + 1) % PALETTE.len()]
}

impl Projection {
    pub fn new(r: &Report) -> Projection {
        let s = &r.storage;
        let mut kinds: Vec<String> =
            KINDS.iter().map(|k| k.to_string()).filter(|k| s.by_kind.contains_key(k)).collect();
        kinds.extend(s.by_kind.keys().filter(|k| !KINDS.contains(&k.as_str())).cloned());
        let per_kind = !s.growth_per_day_by_kind.is_empty();
        let timeline_cap = r.plan["system"]["fanout"]["timeline_length"]
            .as_f64()
            .filter(|_| r.plan["system"]["fanout"]["strategy"].as_str() != Some("pull"))
            .map(|len| r.population.users as f64 * len * TIMELINE_ENTRY_BYTES);
        let mut bars = Vec::new();
        for year in 0..=YEARS {
            let days = 365.0 * year as f64;
            let mut segments = Vec::new();
            for k in &kinds {
                let now = s.by_kind[k] as f64;
                let growth = if per_kind { s.growth_per_day_by_kind.get(k).copied().unwrap_or(0.0) } else { 0.0 };
                let mut v = (now + growth * days).max(0.0);
                if k == "timelines"
                    && let Some(cap) = timeline_cap
                {
                    v = v.min(cap.max(now));
                }
                segments.push((k.clone(), v));
            }
            if !per_kind && year > 0 {
                segments.push(("growth".to_owned(), (s.growth_per_day_bytes * days).max(0.0)));
            }
            let total = segments.iter().map(|(_, v)| v).sum();
            let label = match year {
                0 => "now".to_owned(),
                1 => "in 1 year".to_owned(),
                y => format!("in {y} years"),
            };
            bars.push(Bar { label, segments, total });
        }
        Projection { bars, growth_per_day: s.growth_per_day_bytes, timeline_cap }
    }
}

/// The kinds drawn, in stacking order: those above 0 in some bar.
fn drawn_kinds(bars: &[Bar]) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    for b in bars {
        for (k, v) in &b.segments {
            if *v > 0.0 && !kinds.contains(k) {
                kinds.push(k.clone());
            }
        }
    }
    kinds
}

/// Stacked bars with their totals on top.
fn stacked<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, bars: &[Bar], kinds: &[String], x_desc: &str) -> Drawn {
    let max = bars.iter().map(|b| b.total).fold(0.0, f64::max);
    let (div, unit) = byte_unit(max);
    let y_top = nice_ceiling(max / div * 1.08);
    let n = bars.len() as f64;
    let centres: Vec<f64> = (0..bars.len()).map(|i| i as f64 + 0.5).collect();
    let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    let label_of = move |x: &f64| labels.get(x.floor().max(0.0) as usize).cloned().unwrap_or_default();
    let mut chart = ChartBuilder::on(area)
        .margin_left(5)
        .margin_right(10)
        .margin_top(24)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(ticked(0f64..n, centres), 0f64..y_top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(light_grid())
        .y_labels(6)
        .x_label_formatter(&label_of)
        .y_label_formatter(&|y| format!("{} {unit}", trim_number(*y, 2)))
        .x_desc(x_desc)
        .label_style(label_style())
        .axis_desc_style(label_style())
        .draw()?;
    for kind in kinds {
        let colour = kind_colour(kind);
        chart.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            let pos = b.segments.iter().position(|(k, _)| k == kind)?;
            let below: f64 = b.segments[..pos].iter().map(|(_, v)| v).sum();
            let v = b.segments[pos].1;
            (v > 0.0).then(|| {
                Rectangle::new([(i as f64 + 0.2, below / div), (i as f64 + 0.8, (below + v) / div)], colour.filled())
            })
        }))?;
    }
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        Text::new(
            human_bytes(b.total),
            (i as f64 + 0.5, b.total / div),
            label_style().pos(Pos::new(HPos::Center, VPos::Bottom)),
        )
    }))?;
    Ok(())
}

impl Figure for Projection {
    fn name(&self) -> &'static str {
        "storage"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let area = canvas(root, "Storage by kind: now and projected (primary copies)")?;
        let (w, _) = area.dim_in_pixel();
        let (now, rest) = area.split_horizontally(230);
        let (projection, legend) = rest.split_horizontally(w - 230 - 120);
        let kinds = drawn_kinds(&self.bars);
        stacked(&now, &self.bars[..1], &kinds, "at the end of the run")?;
        now.draw_text("now, on its own scale", &small_style(), (85, 2))?;
        stacked(
            &projection,
            &self.bars,
            &kinds,
            &format!("growth {}/day over the run, projected linearly", human_bytes(self.growth_per_day)),
        )?;
        if let Some(cap) = self.timeline_cap {
            projection.draw_text(
                &format!("timelines stop growing at {} (every timeline full)", human_bytes(cap)),
                &small_style(),
                (85, 2),
            )?;
        }
        let entries: Vec<(String, Key)> = kinds.iter().rev().map(|k| (k.clone(), Key::Block(kind_colour(k)))).collect();
        legend_column(&legend.margin(30, 0, 0, 0), &entries)?;
        Ok(())
    }
}
