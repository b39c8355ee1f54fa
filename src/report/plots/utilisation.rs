//! Utilisation per node, grouped by tier (`nodes.<tier>.per_node`), with each tier's mean and
//! the 80% line the report warns at. Skew shows as uneven bars within a group. A report
//! without per-node figures shows each tier's mean and max.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{nice_ceiling, ticked, trim_number};
use super::{
    Drawn, Figure, Key, PALETTE, canvas, label_style, legend_column, light_grid, nothing_to_plot, small_style,
};
use crate::report::Report;

/// The utilisation the report warns above.
pub(crate) const WARN_AT: f64 = 0.8;
/// Share of a tier's slot its bars take (the rest is the gap to the next tier).
const GROUP: f64 = 0.8;

pub(crate) struct Group {
    pub tier: String,
    pub nodes: u32,
    /// Per node, in node order; empty when the report has no per-node figures.
    pub per_node: Vec<f64>,
    pub mean: f64,
    pub max: f64,
    pub max_over_mean: f64,
    pub unstable: bool,
}

pub(crate) struct PerNode {
    pub groups: Vec<Group>,
}

impl PerNode {
    pub fn new(r: &Report) -> PerNode {
        let groups = r
            .nodes
            .iter()
            .map(|(tier, n)| Group {
                tier: tier.clone(),
                nodes: n.count,
                per_node: n.per_node.clone(),
                mean: n.utilisation.mean,
                max: n.utilisation.max,
                max_over_mean: n.max_over_mean,
                unstable: n.unstable,
            })
            .collect();
        PerNode { groups }
    }
}

/// A utilisation as a percentage, with a second decimal below 1% so that small loads do not
/// read as 0%.
fn pct(u: f64) -> String {
    let p = u * 100.0;
    format!("{}%", trim_number(p, if p < 1.0 { 2 } else { 1 }))
}

/// Each tier gets one unit of the x axis, whatever its node count, so that names never
/// crowd; its bars share the first GROUP of it. The ticks mark the tiers' centres; the names
/// are drawn under them on two lines (see `draw`), not by the mesh.
fn tier_ticks(groups: &[Group]) -> Vec<f64> {
    (0..groups.len()).map(|i| i as f64 + 0.5).collect()
}

impl Figure for PerNode {
    fn name(&self) -> &'static str {
        "utilisation"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let area = canvas(root, "Utilisation per tier and per node")?;
        if self.groups.is_empty() {
            return nothing_to_plot(&area, "The model has no tiers with nodes");
        }
        let n = self.groups.len() as f64;
        let (tiers, nodes) = area.split_vertically(area.dim_in_pixel().1 * 2 / 5);
        let red = PALETTE[3];

        // Per tier: mean and busiest node on the full 0–100% scale, with the 80% line.
        let no_label = |_: &f64| String::new();
        let mut chart = ChartBuilder::on(&tiers)
            .margin_left(10)
            .margin_right(170)
            .margin_top(8)
            .x_label_area_size(8)
            .y_label_area_size(60)
            .build_cartesian_2d(ticked(0f64..n, tier_ticks(&self.groups)), 0f64..1.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .y_labels(3)
            .x_label_formatter(&no_label)
            .y_label_formatter(&|y| format!("{}%", trim_number(y * 100.0, 0)))
            .label_style(label_style())
            .draw()?;
        let (mean_c, max_c, node_c) = (PALETTE[0], RGBColor(120, 170, 210), PALETTE[2]);
        chart.draw_series(self.groups.iter().enumerate().flat_map(|(i, g)| {
            let x = i as f64;
            [
                Rectangle::new([(x + 0.1, 0.0), (x + 0.45, g.mean)], mean_c.filled()),
                Rectangle::new([(x + 0.45, 0.0), (x + 0.8, g.max)], max_c.filled()),
            ]
        }))?;
        chart.draw_series(self.groups.iter().enumerate().map(|(i, g)| {
            Text::new(pct(g.max), (i as f64 + 0.625, g.max), small_style().pos(Pos::new(HPos::Center, VPos::Bottom)))
        }))?;
        chart.draw_series(DashedLineSeries::new([(0.0, WARN_AT), (n, WARN_AT)], 8, 5, red.stroke_width(2)))?;

        // Per node, on a scale that shows the skew; the 80% line when it is in range.
        let max = self.groups.iter().map(|g| g.max).fold(0.0, f64::max);
        let y_top = nice_ceiling(max * 1.12).min(1.0);

        let mut chart = ChartBuilder::on(&nodes)
            .margin_left(10)
            .margin_right(170)
            .margin_top(22)
            .x_label_area_size(72)
            .y_label_area_size(60)
            .build_cartesian_2d(ticked(0f64..n, tier_ticks(&self.groups)), 0f64..y_top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(light_grid())
            .y_labels(5)
            .x_label_formatter(&no_label)
            .y_label_formatter(&|y| format!("{}%", trim_number(y * 100.0, 1)))
            .x_desc("one bar per node, in node order")
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()?;
        let crowded = self.groups.len() > 6;
        for (i, g) in self.groups.iter().enumerate() {
            let x0 = i as f64 + (1.0 - GROUP) / 2.0;
            let bars: &[f64] = if g.per_node.is_empty() { std::slice::from_ref(&g.max) } else { &g.per_node };
            let w = GROUP / bars.len() as f64;
            // A gap between bars while they are wide enough to keep one.
            let pad = if bars.len() > 30 { 0.0 } else { w * 0.12 };
            chart.draw_series(bars.iter().enumerate().map(|(j, u)| {
                let x = x0 + j as f64 * w;
                let fill = if *u > WARN_AT { red } else { node_c };
                Rectangle::new([(x + pad, 0.0), (x + w - pad, *u)], fill.filled())
            }))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x0 - 0.03, g.mean), (x0 + GROUP + 0.03, g.mean)],
                BLACK.stroke_width(2),
            )))?;
            let note = if g.per_node.is_empty() {
                "max only".to_owned()
            } else {
                format!("max/mean {}", trim_number(g.max_over_mean, 2))
            };
            // Narrow slots (many tiers) take the note on two lines, as neighbours' notes at
            // the same height would run into each other.
            let lines: Vec<&str> = match note.split_once(' ') {
                Some((a, b)) if crowded => vec![a, b],
                _ => vec![note.as_str()],
            };
            let at = (i as f64 + 0.5, g.max);
            let bottom = small_style().pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series(lines.iter().rev().enumerate().map(|(k, line)| {
                EmptyElement::at(at) + Text::new(line.to_string(), (0, -13 * k as i32), bottom.clone())
            }))?;
        }
        // Tier names under the axis: the name, then the node count. A cache layer's name is
        // its layer over "cache" ("cache.timeline" is wider than a slot when there are many).
        chart.draw_series(self.groups.iter().enumerate().map(|(i, g)| {
            let nodes = if g.unstable { format!("{} nodes UNSTABLE", g.nodes) } else { format!("{} nodes", g.nodes) };
            let (name, kind) = match g.tier.strip_prefix("cache.") {
                Some(layer) => (layer.to_owned(), "cache"),
                None => (g.tier.clone(), ""),
            };
            let top = Pos::new(HPos::Center, VPos::Top);
            EmptyElement::at((i as f64 + 0.5, 0.0))
                + Text::new(name, (0, 6), label_style().pos(top))
                + Text::new(kind, (0, 23), small_style().pos(top))
                + Text::new(nodes, (0, if kind.is_empty() { 23 } else { 37 }), small_style().pos(top))
        }))?;
        if WARN_AT <= y_top {
            chart.draw_series(DashedLineSeries::new([(0.0, WARN_AT), (n, WARN_AT)], 8, 5, red.stroke_width(2)))?;
        }
        tiers.draw_text("per tier (full scale)", &small_style(), (75, 0))?;
        nodes.draw_text("per node (zoomed to the busiest)", &small_style(), (75, 4))?;
        let (w, _) = area.dim_in_pixel();
        let legend = area.margin(10, 0, w as i32 - 160, 0);
        let entries = [
            ("tier mean".to_owned(), Key::Block(mean_c)),
            ("busiest node".to_owned(), Key::Block(max_c)),
            ("each node".to_owned(), Key::Block(node_c)),
            ("node above 80%".to_owned(), Key::Block(red)),
            ("tier mean".to_owned(), Key::Line(BLACK)),
            ("80%: warned above".to_owned(), Key::Dashed(red)),
        ];
        legend_column(&legend, &entries)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::pct;

    #[test]
    fn small_loads_keep_a_digit() {
        assert_eq!(pct(0.0), "0%");
        assert_eq!(pct(0.0003), "0.03%");
        assert_eq!(pct(0.1949), "19.5%");
        assert_eq!(pct(1.0), "100%");
    }
}
