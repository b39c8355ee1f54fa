//! Miss-ratio curves of a cache trace replay (`tweetcap cache-replay --plot`): miss ratio
//! against cache size on a log scale, one line per policy, from the replay results.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{decade_ticks, si_count, ticked, trim_number};
use super::{
    Drawn, Figure, PALETTE, PlotError, Rendered, canvas, label_style, light_grid, nothing_to_plot, render, small_style,
    thousands,
};
use crate::trace::{Replay, SizeMode};

pub(crate) struct Curves {
    pub title: String,
    /// Sizes as a percentage of the working set (true) or as capacities (false).
    pub by_fraction: bool,
    pub unit: &'static str,
    /// (policy, [(log10 of size, miss ratio)]), in the order the policies were replayed.
    pub curves: Vec<(String, Vec<(f64, f64)>)>,
}

/// Draws the miss-ratio curves of `results` (any mix of policies and sizes). `trace` names the
/// trace in the title.
pub fn miss_ratio_curve(results: &[Replay], trace: &str, mode: SizeMode) -> Result<Rendered, PlotError> {
    let by_fraction = results.iter().all(|r| r.size_fraction.is_some());
    let mut curves: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for r in results {
        let size = if by_fraction { r.size_fraction.unwrap_or(0.0) * 100.0 } else { r.capacity as f64 };
        if size <= 0.0 {
            continue;
        }
        let point = (size.log10(), r.miss_ratio);
        match curves.iter_mut().find(|(p, _)| *p == r.policy) {
            Some((_, points)) => points.push(point),
            None => curves.push((r.policy.clone(), vec![point])),
        }
    }
    for (_, points) in &mut curves {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let requests = results.first().map_or(0, |r| r.requests);
    render(&Curves {
        title: format!("Miss-ratio curve: {trace} ({} requests)", thousands(requests)),
        by_fraction,
        unit: match mode {
            SizeMode::Objects => "objects",
            SizeMode::Bytes => "bytes",
        },
        curves,
    })
}

impl Figure for Curves {
    fn name(&self) -> &'static str {
        "miss-ratio-curve"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let area = canvas(root, &self.title)?;
        let xs = || self.curves.iter().flat_map(|(_, p)| p.iter().map(|q| q.0));
        let (Some(lo), Some(hi)) = (xs().reduce(f64::min), xs().reduce(f64::max)) else {
            return nothing_to_plot(&area, "No cache sizes were replayed");
        };
        // Whole decades around the sizes, a little space beyond.
        let (mut lo, mut hi) = ((lo + 1e-9).floor(), (hi - 1e-9).ceil());
        if hi <= lo {
            (lo, hi) = (lo - 1.0, hi + 1.0);
        }
        let ys = || self.curves.iter().flat_map(|(_, p)| p.iter().map(|q| q.1));
        // The y axis spans the ratios seen, in tenths, so that policies can be told apart.
        let y_bottom = ((ys().fold(1.0, f64::min) - 0.02) * 10.0).floor().max(0.0) / 10.0;
        let y_top = ((ys().fold(0.0, f64::max) + 0.02) * 10.0).ceil().min(10.0) / 10.0;
        let y_top = if y_top <= y_bottom { y_bottom + 0.1 } else { y_top };
        let by_fraction = self.by_fraction;
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(25)
            .margin_top(18)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(ticked(lo - 0.05..hi + 0.05, decade_ticks(lo, hi)), y_bottom..y_top)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .y_labels(6)
            .x_label_formatter(&|x| {
                if by_fraction { format!("{}%", trim_number(10f64.powf(*x), 3)) } else { si_count(*x) }
            })
            .y_label_formatter(&|y| format!("{}%", trim_number(y * 100.0, 1)))
            .x_desc(if by_fraction {
                format!("cache size, % of the working set in {} (log scale)", self.unit)
            } else {
                format!("cache size in {} (log scale)", self.unit)
            })
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()?;
        area.draw_text("miss ratio: share of requests that miss", &small_style(), (75, 0))?;
        for (i, (policy, points)) in self.curves.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))?
                .label(policy.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3)));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .margin(12)
            .label_font(label_style())
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .draw()?;
        Ok(())
    }
}
