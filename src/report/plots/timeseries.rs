//! Throughput and p99 over simulated time, from `timeseries`, with the pattern's spikes
//! (`plan.workload.pattern.spikes`) and the injected faults (`plan.faults`) shaded where they
//! fall in the measured window.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{decade_ticks, decades, nice_ceiling, si_count, ticked, time_unit, trim_number};
use super::{
    Drawn, Figure, Key, PlotError, canvas, label_style, legend_column, light_grid, nothing_to_plot, op_colour,
    small_style,
};
use crate::report::Report;

const SPIKE_FILL: RGBColor = RGBColor(255, 226, 186);
const FAULT_FILL: RGBColor = RGBColor(222, 222, 240);

/// A spike inside the measured window, in seconds from its start.
pub(crate) struct Window {
    pub from_s: f64,
    pub to_s: f64,
    pub label: String,
    pub fill: RGBColor,
}

pub(crate) struct Series {
    pub op: String,
    /// (middle of the interval in s, requests/s), intervals with none left out.
    pub throughput: Vec<(f64, f64)>,
    /// (middle of the interval in s, p99 in µs), for intervals with at least `p99_min_requests`.
    pub p99_us: Vec<(f64, f64)>,
}

pub(crate) struct OverTime {
    pub series: Vec<Series>,
    pub spikes: Vec<Window>,
    pub duration_s: f64,
    pub interval_s: f64,
    /// Fewer requests in an interval make its p99 the maximum of a handful: left out.
    pub p99_min_requests: f64,
}

/// Requests an interval needs for its p99 to be drawn: below it, the p99 is the maximum of a
/// handful of samples and the line is noise.
const P99_MIN_REQUESTS: f64 = 20.0;

/// The spikes of a report's plan that overlap the measured window, clipped to it. The plan
/// counts `at_ns` from the start of warm-up.
pub(crate) fn spike_windows(r: &Report) -> Vec<Window> {
    let Some(spikes) = r.plan["workload"]["pattern"]["spikes"].as_array() else { return Vec::new() };
    let mut out = Vec::new();
    for s in spikes {
        let (Some(at), Some(len)) = (s["at_ns"].as_f64(), s["for_ns"].as_f64()) else { continue };
        let from = at / 1e9 - r.warmup_seconds;
        let to = from + len / 1e9;
        if to <= 0.0 || from >= r.simulated_seconds {
            continue;
        }
        let ops: Vec<&str> =
            s["ops"].as_array().map(|a| a.iter().filter_map(|o| o.as_str()).collect()).unwrap_or_default();
        let multiplier = s["multiplier"].as_f64().unwrap_or(1.0);
        out.push(Window {
            from_s: from.max(0.0),
            to_s: to.min(r.simulated_seconds),
            label: format!(
                "spike ×{} {}",
                trim_number(multiplier, 2),
                if ops.is_empty() { "all ops".to_owned() } else { ops.join(", ") }
            ),
            fill: SPIKE_FILL,
        });
    }
    out.extend(fault_windows(r));
    out
}

/// The faults of a report's plan inside the measured window. An instantaneous one (a cache
/// flush) is drawn a third of an interval wide.
pub(crate) fn fault_windows(r: &Report) -> Vec<Window> {
    let Some(faults) = r.plan["faults"].as_array() else { return Vec::new() };
    let mut out = Vec::new();
    for f in faults {
        let (Some(at), Some(len)) = (f["at_ns"].as_f64(), f["for_ns"].as_f64()) else { continue };
        let from = at / 1e9 - r.warmup_seconds;
        let to = from + (len / 1e9).max(r.timeseries.interval_s / 3.0);
        if to <= 0.0 || from >= r.simulated_seconds {
            continue;
        }
        let kind = f["kind"].as_str().unwrap_or("fault");
        let factor = f["factor"].as_f64().map(|x| format!(" ×{}", trim_number(x, 2))).unwrap_or_default();
        out.push(Window {
            from_s: from.max(0.0),
            to_s: to.min(r.simulated_seconds),
            label: format!("{kind}{factor} {}", f["target"].as_str().unwrap_or("")),
            fill: FAULT_FILL,
        });
    }
    out
}

/// Points split where intervals are missing, so that a line never bridges a gap.
fn runs(points: &[(f64, f64)], interval_s: f64) -> Vec<&[(f64, f64)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=points.len() {
        if i == points.len() || points[i].0 - points[i - 1].0 > 1.5 * interval_s {
            out.push(&points[start..i]);
            start = i;
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

impl OverTime {
    pub fn new(r: &Report) -> Result<OverTime, PlotError> {
        let ts = &r.timeseries;
        for (field, v) in [("timeseries.interval_s", ts.interval_s), ("simulated_seconds", r.simulated_seconds)] {
            if v.is_nan() || v <= 0.0 {
                return Err(PlotError::Data {
                    plot: "timeseries",
                    field: field.to_owned(),
                    message: format!("{v} is not a length of time; expected more than 0 s"),
                });
            }
        }
        let mid = |i: usize| (i as f64 + 0.5) * ts.interval_s;
        // Where no operation reaches P99_MIN_REQUESTS per interval, every interval with requests counts.
        let busiest = ts.throughput.values().flatten().fold(0.0, |m: f64, v| m.max(v * ts.interval_s));
        let p99_min_requests = if busiest >= P99_MIN_REQUESTS { P99_MIN_REQUESTS } else { 1.0 };
        let mut series = Vec::new();
        for (op, values) in &ts.throughput {
            let throughput: Vec<(f64, f64)> =
                values.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(i, v)| (mid(i), *v)).collect();
            if throughput.is_empty() {
                continue;
            }
            let p99_us = ts
                .p99_us
                .get(op)
                .map(|p| {
                    p.iter()
                        .zip(values)
                        .enumerate()
                        .filter(|(_, (p, v))| **p > 0.0 && **v * ts.interval_s >= p99_min_requests - 1e-9)
                        .map(|(i, (p, _))| (mid(i), *p))
                        .collect()
                })
                .unwrap_or_default();
            series.push(Series { op: op.clone(), throughput, p99_us });
        }
        Ok(OverTime {
            series,
            spikes: spike_windows(r),
            duration_s: r.simulated_seconds,
            interval_s: ts.interval_s,
            p99_min_requests,
        })
    }
}

impl Figure for OverTime {
    fn name(&self) -> &'static str {
        "timeseries"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let area = canvas(
            root,
            &format!("Throughput and p99 over simulated time ({} s intervals)", trim_number(self.interval_s, 3)),
        )?;
        if self.series.is_empty() {
            return nothing_to_plot(&area, "No requests completed in the measured window");
        }
        let (plots, legend) = area.split_horizontally(area.dim_in_pixel().0 - 150);
        let (top, bottom) = plots.split_vertically(plots.dim_in_pixel().1 / 2 - 5);
        let x_range = 0f64..self.duration_s.max(self.interval_s);

        // Throughput, log scale: operations differ by orders of magnitude.
        let values = || self.series.iter().flat_map(|s| s.throughput.iter().map(|p| p.1));
        let (lo, hi) = decades(values()).unwrap_or((0.0, 1.0));
        // Room above the busiest line for the heading and the spike labels.
        let hi = hi.max(values().fold(1.0, f64::max).log10() + 0.6);
        let mut chart = ChartBuilder::on(&top)
            .margin_left(10)
            .margin_right(10)
            .margin_top(5)
            .x_label_area_size(10)
            .y_label_area_size(75)
            .build_cartesian_2d(x_range.clone(), ticked(lo..hi, decade_ticks(lo, hi)))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .x_labels(10)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|y| format!("{}/s", si_count(*y)))
            .label_style(label_style())
            .draw()?;
        for w in &self.spikes {
            chart.draw_series(std::iter::once(Rectangle::new([(w.from_s, lo), (w.to_s, hi)], w.fill.filled())))?;
            // A line below the panel's own heading, which a spike at 0 s would cover.
            chart.draw_series(std::iter::once(
                EmptyElement::at((w.from_s, hi))
                    + Text::new(w.label.clone(), (3, 16), small_style().pos(Pos::new(HPos::Left, VPos::Top))),
            ))?;
        }
        for s in &self.series {
            let colour = op_colour(&s.op);
            for run in runs(&s.throughput, self.interval_s) {
                chart.draw_series(LineSeries::new(run.iter().map(|&(t, v)| (t, v.log10())), colour.stroke_width(2)))?;
                if run.len() == 1 {
                    chart.draw_series(run.iter().map(|&(t, v)| Circle::new((t, v.log10()), 2, colour.filled())))?;
                }
            }
        }
        top.draw_text("throughput (requests/s, log scale)", &small_style(), (90, 2))?;

        // p99, linear.
        let p99_max = self.series.iter().flat_map(|s| s.p99_us.iter().map(|p| p.1)).fold(0.0, f64::max);
        let (div, unit) = time_unit(p99_max);
        let y_top = nice_ceiling(p99_max / div);
        let mut chart = ChartBuilder::on(&bottom)
            .margin_left(10)
            .margin_right(10)
            .margin_top(10)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .build_cartesian_2d(x_range, 0f64..y_top)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .x_labels(10)
            .y_labels(5)
            .x_label_formatter(&|x| format!("{} s", trim_number(*x, 1)))
            .y_label_formatter(&|y| format!("{} {unit}", trim_number(*y, 2)))
            .x_desc("simulated time since the end of warm-up")
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()?;
        for w in &self.spikes {
            chart.draw_series(std::iter::once(Rectangle::new([(w.from_s, 0.0), (w.to_s, y_top)], w.fill.filled())))?;
        }
        for s in &self.series {
            let colour = op_colour(&s.op);
            for run in runs(&s.p99_us, self.interval_s) {
                chart.draw_series(LineSeries::new(run.iter().map(|&(t, v)| (t, v / div)), colour.stroke_width(2)))?;
                if run.len() == 1 {
                    chart.draw_series(run.iter().map(|&(t, v)| Circle::new((t, v / div), 2, colour.filled())))?;
                }
            }
        }
        let p99_note = if self.p99_min_requests > 1.0 {
            format!("p99 latency per interval (intervals with at least {} requests)", self.p99_min_requests)
        } else {
            "p99 latency per interval".to_owned()
        };
        bottom.draw_text(&p99_note, &small_style(), (90, 4))?;
        let mut entries: Vec<(String, Key)> =
            self.series.iter().map(|s| (s.op.clone(), Key::Line(op_colour(&s.op)))).collect();
        if self.spikes.iter().any(|w| w.fill == SPIKE_FILL) {
            entries.push(("spike".to_owned(), Key::Block(SPIKE_FILL)));
        }
        if self.spikes.iter().any(|w| w.fill == FAULT_FILL) {
            entries.push(("fault".to_owned(), Key::Block(FAULT_FILL)));
        }
        legend_column(&legend.margin(20, 0, 0, 0), &entries)?;
        Ok(())
    }
}
