//! Fan-out lag distribution: the share of posts by lag from arrival to the last delivery, on
//! log-spaced bins, from the embedded lag histogram (`fanout.lag_histogram`), with the
//! report's p50, p99 and max marked. A report without the histogram shows those three only.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{decade_ticks, duration_at, nice_ceiling, ticked, trim_number};
use super::{
    Drawn, Figure, Key, PALETTE, PlotError, canvas, label_style, legend_column, light_grid, nothing_to_plot,
    small_style, thousands,
};
use crate::report::{Report, decode_histogram};
use crate::scenario::units::human_us;

/// The bars: the first palette colour, lightened.
const BAR: RGBColor = RGBColor(87, 153, 199);
/// Colours of the p50, p99 and max markers.
const MARK_COLOURS: [RGBColor; 3] = [PALETTE[2], PALETTE[1], PALETTE[3]];

/// Bins per factor of ten of lag.
const BINS_PER_DECADE: f64 = 10.0;

pub(crate) struct Bin {
    /// log10 of the bin's bounds in µs.
    pub lo: f64,
    pub hi: f64,
    pub share: f64,
}

pub(crate) struct LagDistribution {
    pub strategy: String,
    pub posts: u64,
    pub bins: Vec<Bin>,
    /// (name, µs) from `fanout.lag_us`.
    pub marks: Vec<(&'static str, f64)>,
}

impl LagDistribution {
    pub fn new(r: &Report) -> Result<LagDistribution, PlotError> {
        let f = &r.fanout;
        let marks = if f.lag_us.max > 0.0 {
            vec![("p50", f.lag_us.p50), ("p99", f.lag_us.p99), ("max", f.lag_us.max)]
        } else {
            Vec::new()
        };
        let mut bins = Vec::new();
        let mut posts = 0;
        if !f.lag_histogram.is_empty() {
            let h = decode_histogram(&f.lag_histogram).ok_or_else(|| PlotError::Data {
                plot: "fanout-lag",
                field: "fanout.lag_histogram".into(),
                message: "not a base64 HdrHistogram V2 (deflate) histogram".into(),
            })?;
            posts = h.len();
            if !h.is_empty() {
                // Each recorded value (a bucket's highest equivalent, ns) goes to the bin
                // floor(log10(value) × BINS_PER_DECADE); bins between are kept, empty.
                let bin_of = |ns: u64| ((ns.max(1) as f64).log10() * BINS_PER_DECADE).floor() as i64;
                let mut counts = std::collections::BTreeMap::new();
                for v in h.iter_recorded() {
                    *counts.entry(bin_of(v.value_iterated_to())).or_insert(0u64) += v.count_at_value();
                }
                if let (Some((&first, _)), Some((&last, _))) = (counts.first_key_value(), counts.last_key_value()) {
                    for k in first..=last {
                        let n = counts.get(&k).copied().unwrap_or(0);
                        bins.push(Bin {
                            lo: k as f64 / BINS_PER_DECADE - 3.0,
                            hi: (k + 1) as f64 / BINS_PER_DECADE - 3.0,
                            share: n as f64 / posts as f64,
                        });
                    }
                }
            }
        }
        Ok(LagDistribution { strategy: f.strategy.clone(), posts, bins, marks })
    }
}

impl Figure for LagDistribution {
    fn name(&self) -> &'static str {
        "fanout-lag"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let area = canvas(root, &format!("Fan-out lag: post to last delivery ({})", self.strategy))?;
        if self.marks.is_empty() {
            return nothing_to_plot(&area, "No post was delivered to a follower in the measured window");
        }
        let values =
            self.bins.iter().flat_map(|b| [b.lo, b.hi]).chain(self.marks.iter().map(|m| m.1.max(1e-3).log10()));
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let (lo, hi) = ((lo - 0.1).floor(), (hi + 0.1).ceil());
        // Headroom above the tallest bar for the markers' labels.
        let y_top = nice_ceiling(1.3 * self.bins.iter().map(|b| b.share * 100.0).fold(0.0, f64::max)).max(1.0);
        let shares = !self.bins.is_empty();
        let (area, legend) = area.split_horizontally(area.dim_in_pixel().0 - 170);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(10)
            .margin_top(18)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(ticked(lo..hi, decade_ticks(lo, hi)), 0f64..y_top)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .y_labels(6)
            .x_label_formatter(&|x| duration_at(*x))
            .y_label_formatter(&|y| if shares { format!("{}%", trim_number(*y, 1)) } else { String::new() })
            .x_desc("lag from a post's arrival to its last delivery (log scale)")
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()?;
        chart.draw_series(
            self.bins
                .iter()
                .filter(|b| b.share > 0.0)
                .map(|b| Rectangle::new([(b.lo, 0.0), (b.hi, b.share * 100.0)], BAR.filled())),
        )?;
        for (i, &(name, us)) in self.marks.iter().enumerate() {
            let x = us.max(1e-3).log10();
            let c = MARK_COLOURS[i % MARK_COLOURS.len()];
            chart.draw_series(DashedLineSeries::new([(x, 0.0), (x, y_top)], 6, 4, c.stroke_width(2)))?;
            // Labels stagger downwards so that close markers do not overlap.
            let y = y_top * (0.98 - 0.07 * i as f64);
            chart.draw_series(std::iter::once(Text::new(
                format!("  {name} {}", human_us(us)),
                (x, y),
                small_style().color(&c).pos(Pos::new(HPos::Left, VPos::Top)),
            )))?;
        }
        let header = if self.bins.is_empty() {
            "this report has no lag histogram: its p50, p99 and max only".to_owned()
        } else {
            format!(
                "share of the {} posts with deliveries, by lag ({} bins per ×10 of lag)",
                thousands(self.posts),
                BINS_PER_DECADE
            )
        };
        area.draw_text(&header, &small_style(), (75, 0))?;
        let mut entries = Vec::new();
        if shares {
            entries.push(("posts per bin".to_owned(), Key::Block(BAR)));
        }
        for (i, &(name, _)) in self.marks.iter().enumerate() {
            entries.push((format!("{name} lag"), Key::Dashed(MARK_COLOURS[i % MARK_COLOURS.len()])));
        }
        legend_column(&legend.margin(18, 0, 0, 0), &entries)?;
        Ok(())
    }
}
