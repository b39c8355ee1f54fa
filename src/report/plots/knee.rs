//! Knee curves of a sweep (`tweetcap sweep`): throughput and p99 per operation against the
//! varied value, with the 95% confidence interval of each p99 as an error bar (log scale) and
//! each p99 SLO target as a dashed line. The values are categories in the order swept.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{decade_ticks, decades, duration_at, nice_ceiling, ticked, trim_number};
use super::{
    Drawn, Figure, Key, PlotError, Rendered, canvas, label_style, legend_column, light_grid, op_colour, render,
    small_style,
};

/// One operation's points: (throughput/s, p99 µs, p99 half-width µs) per value.
pub type OpSeries = (String, Vec<(f64, f64, f64)>);

/// Knee curves to draw: per operation, one point per value of the key, in the order swept.
pub struct Knee {
    pub title: String,
    pub key: String,
    pub values: Vec<String>,
    pub series: Vec<OpSeries>,
    /// (op, p99 target µs).
    pub targets: Vec<(String, f64)>,
    /// Index of the value picked as the smallest meeting the SLOs.
    pub picked: Option<usize>,
}

/// Draws knee curves (a sweep's, or a comparison's with its variants as the values).
pub fn knee(curves: &Knee) -> Result<Rendered, PlotError> {
    render(curves)
}

impl Figure for Knee {
    fn name(&self) -> &'static str {
        "knee"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let area = canvas(root, &self.title)?;
        let (plots, legend) = area.split_horizontally(area.dim_in_pixel().0 - 170);
        let (top, bottom) = plots.split_vertically(170);
        let n = self.values.len().max(1);
        let x_range = -0.5f64..n as f64 - 0.5;
        let values = self.values.clone();
        let label = move |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                values.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };

        let t_max = self.series.iter().flat_map(|(_, p)| p.iter().map(|q| q.0)).fold(0.0, f64::max);
        let t_top = nice_ceiling(t_max.max(1.0) * 1.1);
        let mut chart = ChartBuilder::on(&top)
            .margin_left(10)
            .margin_right(10)
            .margin_top(18)
            .x_label_area_size(10)
            .y_label_area_size(75)
            .build_cartesian_2d(x_range.clone(), 0f64..t_top)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .x_labels(n + 1)
            .x_label_formatter(&|_| String::new())
            .y_labels(4)
            .y_label_formatter(&|y| format!("{}/s", trim_number(*y, 0)))
            .label_style(label_style())
            .draw()?;
        top.draw_text("throughput (requests/s)", &small_style(), (90, 2))?;
        for (op, pts) in &self.series {
            let c = op_colour(op);
            let line: Vec<(f64, f64)> = pts.iter().enumerate().map(|(i, p)| (i as f64, p.0)).collect();
            chart.draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?;
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
        }

        // p99 on a log scale: an overloaded setting is orders of magnitude above the rest.
        let log = |us: f64| us.max(1e-3).log10();
        let all = self
            .series
            .iter()
            .flat_map(|(_, p)| p.iter().flat_map(|q| [q.1 - q.2, q.1 + q.2]))
            .chain(self.targets.iter().map(|t| t.1));
        let (lo, hi) = decades(all).unwrap_or((0.0, 1.0));
        let mut chart = ChartBuilder::on(&bottom)
            .margin_left(10)
            .margin_right(10)
            .margin_top(16)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d(x_range, ticked(lo..hi, decade_ticks(lo, hi)))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .x_labels(n + 1)
            .x_label_formatter(&label)
            .y_label_formatter(&|y| duration_at(*y))
            .x_desc(self.key.clone())
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()?;
        bottom.draw_text("p99 latency (log scale), with 95% confidence intervals", &small_style(), (90, 0))?;
        if let Some(i) = self.picked {
            let x = i as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.3, lo), (x + 0.3, hi)],
                RGBColor(214, 240, 214).filled(),
            )))?;
        }
        for (op, target) in &self.targets {
            let c = op_colour(op);
            chart.draw_series(DashedLineSeries::new(
                [(-0.5, log(*target)), (n as f64 - 0.5, log(*target))],
                6,
                4,
                c.stroke_width(1),
            ))?;
        }
        for (op, pts) in &self.series {
            let c = op_colour(op);
            let line: Vec<(f64, f64)> = pts.iter().enumerate().map(|(i, p)| (i as f64, log(p.1))).collect();
            chart.draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?;
            chart.draw_series(pts.iter().enumerate().filter(|(_, p)| p.2 > 0.0).map(|(i, p)| {
                ErrorBar::new_vertical(i as f64, log(p.1 - p.2), log(p.1), log(p.1 + p.2), c.stroke_width(2), 8)
            }))?;
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
        }
        let mut entries: Vec<(String, Key)> =
            self.series.iter().map(|(op, _)| (op.clone(), Key::Line(op_colour(op)))).collect();
        for (op, _) in &self.targets {
            entries.push((format!("{op}\np99 SLO"), Key::Dashed(op_colour(op))));
        }
        if self.picked.is_some() {
            entries.push(("smallest setting\nmeeting every SLO".to_owned(), Key::Block(RGBColor(214, 240, 214))));
        }
        legend_column(&legend.margin(20, 0, 0, 0), &entries)?;
        Ok(())
    }
}
