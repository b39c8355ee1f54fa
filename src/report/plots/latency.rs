//! Latency percentile spectrum per operation, in the HdrHistogram style: x is the percentile
//! on a log scale of 1/(1 − q), y the latency. Drawn from each operation's embedded histogram
//! (`histograms.<op>`), with the report's own p50/p90/p99/p99.9 marked on each curve and the
//! SLO targets as dashed lines.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{
    nice_ceiling, percentile_label, percentile_q, percentile_ticks, percentile_x, ticked, time_unit, trim_number,
};
use super::{
    Drawn, Figure, Key, PlotError, canvas, label_style, legend_column, light_grid, nothing_to_plot, op_colour,
    small_style, thousands,
};
use crate::report::{Report, decode_histogram};
use crate::scenario::units::human_us;

/// Points per unit of the percentile axis (one unit = one more nine).
const STEPS_PER_NINE: usize = 100;
/// The axis shows at least 99.99% and at most 99.999999%.
const MIN_NINES: f64 = 4.0;
const MAX_NINES: f64 = 8.0;

pub(crate) struct Curve {
    pub op: String,
    pub count: u64,
    /// (percentile axis position, latency in µs).
    pub points: Vec<(f64, f64)>,
    /// The report's p50, p90, p99 and p99.9: (axis position, µs).
    pub marks: Vec<(f64, f64)>,
    pub p99_us: f64,
}

pub(crate) struct Slo {
    pub op: String,
    pub stat: String,
    pub x: f64,
    pub target_us: f64,
}

pub(crate) struct Spectrum {
    pub curves: Vec<Curve>,
    pub slos: Vec<Slo>,
    pub x_max: f64,
    pub y_max_us: f64,
}

impl Spectrum {
    pub fn new(r: &Report) -> Result<Spectrum, PlotError> {
        let mut curves = Vec::new();
        for (op, text) in &r.histograms {
            let h = decode_histogram(text).ok_or_else(|| PlotError::Data {
                plot: "latency",
                field: format!("histograms.{op}"),
                message: "not a base64 HdrHistogram V2 (deflate) histogram".into(),
            })?;
            if h.is_empty() {
                continue;
            }
            let us = |ns: u64| ns as f64 / 1000.0;
            // The last sample is one in `count`: the curve ends at q = 1 − 1/count with the max.
            let x_end = (h.len() as f64).log10().min(MAX_NINES);
            let steps = (x_end * STEPS_PER_NINE as f64).floor() as usize;
            let mut points: Vec<(f64, f64)> = (0..=steps)
                .map(|i| {
                    let x = i as f64 / STEPS_PER_NINE as f64;
                    (x, us(h.value_at_quantile(percentile_q(x))))
                })
                .collect();
            points.push((x_end, us(h.max())));
            let mut marks = Vec::new();
            if let Some(o) = r.operations.get(op) {
                let l = &o.latency_us;
                for (q, v) in [(0.5, l.p50), (0.9, l.p90), (0.99, l.p99), (0.999, l.p999)] {
                    if percentile_x(q) <= x_end + 1e-9 {
                        marks.push((percentile_x(q), v));
                    }
                }
            }
            curves.push(Curve { op: op.clone(), count: h.len(), points, marks, p99_us: us(h.value_at_quantile(0.99)) });
        }
        let data_max = curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)).fold(0.0, f64::max);
        let x_max = curves.iter().map(|c| c.points.last().map_or(0.0, |p| p.0)).fold(MIN_NINES, f64::max).ceil();
        let mut slos = Vec::new();
        for (op, checks) in &r.slo {
            if !curves.iter().any(|c| &c.op == op) {
                continue;
            }
            for c in checks {
                let q = match c.stat.as_str() {
                    "p50" => 0.5,
                    "p90" => 0.9,
                    "p99" => 0.99,
                    "p999" => 0.999,
                    _ => continue,
                };
                slos.push(Slo { op: op.clone(), stat: c.stat.clone(), x: percentile_x(q), target_us: c.target_us });
            }
        }
        // SLO targets up to twice the data extend the axis; higher ones are listed instead.
        let slo_max = slos.iter().map(|s| s.target_us).filter(|t| *t <= 2.0 * data_max).fold(0.0, f64::max);
        let y_max_us = data_max.max(slo_max);
        Ok(Spectrum { curves, slos, x_max, y_max_us })
    }
}

impl Figure for Spectrum {
    fn name(&self) -> &'static str {
        "latency"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let area = canvas(root, "Latency by percentile (HdrHistogram spectrum)")?;
        if self.curves.is_empty() {
            return nothing_to_plot(&area, "No requests completed in the measured window");
        }
        let (area, legend) = area.split_horizontally(area.dim_in_pixel().0 - 200);
        let (div, unit) = time_unit(self.y_max_us);
        let y_top = nice_ceiling(self.y_max_us / div);
        let ticks = percentile_ticks(self.x_max);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(35)
            .margin_bottom(5)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .build_cartesian_2d(ticked(0f64..self.x_max, ticks), 0f64..y_top)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .x_labels(12)
            .y_labels(8)
            .x_label_formatter(&|x| percentile_label(*x))
            .y_label_formatter(&|y| format!("{} {unit}", trim_number(*y, 2)))
            .x_desc("percentile (log scale of 1/(1 − q))")
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()?;

        for c in &self.curves {
            let colour = op_colour(&c.op);
            chart.draw_series(LineSeries::new(c.points.iter().map(|&(x, v)| (x, v / div)), colour.stroke_width(2)))?;
            chart.draw_series(
                c.marks.iter().map(|&(x, v)| Circle::new((x, v / div), 4, colour.mix(0.9).stroke_width(2))),
            )?;
        }
        let mut above = Vec::new();
        for s in &self.slos {
            let y = s.target_us / div;
            let stat = if s.stat == "p999" { "p99.9" } else { s.stat.as_str() };
            let label = format!("{} {stat} ≤ {}", s.op, human_us(s.target_us));
            if y > y_top {
                above.push(label);
                continue;
            }
            let colour = op_colour(&s.op);
            chart.draw_series(DashedLineSeries::new([(s.x, y), (self.x_max, y)], 8, 5, colour.stroke_width(2)))?;
            chart.draw_series(std::iter::once(Text::new(
                label,
                (self.x_max, y),
                small_style().color(&colour).pos(Pos::new(HPos::Right, VPos::Bottom)),
            )))?;
        }
        let mut entries: Vec<(String, Key)> = self
            .curves
            .iter()
            .map(|c| {
                let text = format!("{}\n{} requests, p99 {}", c.op, thousands(c.count), human_us(c.p99_us));
                (text, Key::Line(op_colour(&c.op)))
            })
            .collect();
        entries.push(("the report's p50,\np90, p99 and p99.9".to_owned(), Key::Marker(RGBColor(90, 90, 90))));
        if !above.is_empty() {
            entries.push((format!("SLOs above the axis:\n{}", above.join("\n")), Key::Text));
        }
        legend_column(&legend.margin(10, 0, 0, 0), &entries)?;
        Ok(())
    }
}
