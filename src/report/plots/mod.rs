//! Plots: views of a `Report`, drawn only from its fields, as SVG and PNG (900×500).
//!
//! One file per plot, each a [`Figure`] that draws on any plotters backend; [`render`] draws
//! a figure twice, into an SVG string and an RGB buffer encoded as PNG, and the files are
//! written only once every figure has been drawn, each atomically. Text uses DejaVu Sans,
//! embedded in the binary and registered with plotters once, so no system font library or
//! installed font is needed. Labels are never rotated (the PNG text renderer cannot rotate),
//! so axis units sit in the tick labels and the axis descriptions run horizontally.
//!
//! This module knows the report's fields and nothing of how they were produced.

mod axis;
mod fanout;
mod knee;
mod latency;
mod mrc;
mod storage;
mod timeseries;
mod utilisation;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

use super::{Report, ReportError, write_atomic};
pub use axis::{percentile_label, percentile_x};
pub use knee::{Knee, knee};
pub use mrc::miss_ratio_curve;

/// Width and height of every plot, in pixels.
pub const SIZE: (u32, u32) = (900, 500);

/// The plot files of a report, by stem (each written as `.svg` and `.png`), in the order
/// report.md shows them.
pub const REPORT_PLOTS: [&str; 5] = ["latency", "timeseries", "fanout-lag", "storage", "utilisation"];

/// DejaVu Sans (licence in assets/fonts/LICENSE-DejaVu.txt).
const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// The family name the font is registered under; SVG viewers fall back to their own sans-serif.
const FONT: &str = "sans-serif";

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters failed to draw; the message is plotters' own.
    #[error("plot {plot}: cannot draw: {message}")]
    Draw { plot: &'static str, message: String },
    /// A report field the plot needs cannot be read (a hand-edited or damaged report.json).
    #[error("plot {plot}: report field `{field}` is not usable: {message}")]
    Data { plot: &'static str, field: String, message: String },
}

/// plotters' message when drawing failed, before it is given the plot's name.
#[derive(Debug)]
pub(crate) struct Failed(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Failed {
    fn from(e: DrawingAreaErrorKind<E>) -> Failed {
        Failed(e.to_string())
    }
}

pub(crate) type Drawn = Result<(), Failed>;

/// One plot: a file stem and a drawing on any backend.
pub(crate) trait Figure {
    fn name(&self) -> &'static str;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn;
}

/// A plot drawn in both formats, not yet written.
pub struct Rendered {
    /// File stem: the files are `<name>.svg` and `<name>.png`.
    pub name: &'static str,
    pub svg: String,
    pub png: Vec<u8>,
}

fn register_font() -> Result<(), PlotError> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Draw { plot: "font", message: "the embedded font could not be read".into() })
    }
}

/// Draws a figure as SVG and as PNG.
pub(crate) fn render(fig: &impl Figure) -> Result<Rendered, PlotError> {
    register_font()?;
    let plot = fig.name();
    let named = |Failed(message)| PlotError::Draw { plot, message };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        fig.draw(&root).map_err(named)?;
        root.present().map_err(|e| named(e.into()))?;
    }
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        fig.draw(&root).map_err(named)?;
        root.present().map_err(|e| named(e.into()))?;
    }
    let png = encode_png(&rgb, w, h).map_err(|message| PlotError::Draw { plot, message })?;
    Ok(Rendered { name: plot, svg, png })
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Draws every plot of a report, in the order of [`REPORT_PLOTS`].
pub fn render_report(r: &Report) -> Result<Vec<Rendered>, PlotError> {
    Ok(vec![
        render(&latency::Spectrum::new(r)?)?,
        render(&timeseries::OverTime::new(r)?)?,
        render(&fanout::LagDistribution::new(r)?)?,
        render(&storage::Projection::new(r))?,
        render(&utilisation::PerNode::new(r))?,
    ])
}

/// Writes drawn plots into `dir` (created if needed), each file atomically; returns the paths.
pub fn write_rendered(dir: &Path, plots: &[Rendered]) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_path_buf(), source })?;
    let mut paths = Vec::new();
    for p in plots {
        for (ext, bytes) in [("svg", p.svg.as_bytes()), ("png", p.png.as_slice())] {
            let path = dir.join(format!("{}.{ext}", p.name));
            write_atomic(&path, bytes)?;
            paths.push(path);
        }
    }
    Ok(paths)
}

/// Draws every plot of a report and writes them into `dir`; nothing is written if a plot fails.
pub fn write(r: &Report, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let plots = render_report(r)?;
    write_rendered(dir, &plots)
}

// Shared look.

/// Colours (Tableau 10), and one fixed colour per operation so that plots agree.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub(crate) fn op_colour(op: &str) -> RGBColor {
    let i = crate::scenario::Op::ALL.iter().position(|o| o.name() == op).unwrap_or(7);
    PALETTE[i % PALETTE.len()]
}

pub(crate) fn title_style() -> TextStyle<'static> {
    (FONT, 21).into_font().style(FontStyle::Bold).color(&BLACK)
}

pub(crate) fn label_style() -> TextStyle<'static> {
    (FONT, 14).into_font().color(&BLACK)
}

pub(crate) fn small_style() -> TextStyle<'static> {
    (FONT, 12).into_font().color(&RGBColor(60, 60, 60))
}

/// A white canvas with a title; returns the area below the title.
pub(crate) fn canvas<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, Failed> {
    root.fill(&WHITE)?;
    Ok(root.titled(title, title_style())?)
}

/// A message in the middle of an area that has nothing to plot.
pub(crate) fn nothing_to_plot<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, message: &str) -> Drawn {
    let (w, h) = area.dim_in_pixel();
    let style = (FONT, 18).into_font().color(&RGBColor(90, 90, 90)).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(message, &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

/// What a legend entry shows beside its text.
#[derive(Clone, Copy)]
pub(crate) enum Key {
    Line(RGBColor),
    Dashed(RGBColor),
    Block(RGBColor),
    Marker(RGBColor),
    /// Text only (a heading or a note).
    Text,
}

/// A legend drawn as a column of entries from the top-left corner of `area` (used where
/// plotters' legend box would cover data). Lines after the first of an entry's text are
/// drawn smaller, under it.
pub(crate) fn legend_column<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[(String, Key)]) -> Drawn {
    let mut y = 10;
    for (text, key) in entries {
        match *key {
            Key::Line(c) => area.draw(&PathElement::new(vec![(4, y), (26, y)], c.stroke_width(3)))?,
            Key::Dashed(c) => {
                area.draw(&PathElement::new(vec![(4, y), (11, y)], c.stroke_width(2)))?;
                area.draw(&PathElement::new(vec![(17, y), (24, y)], c.stroke_width(2)))?;
            }
            Key::Block(c) => area.draw(&Rectangle::new([(6, y - 6), (22, y + 6)], c.filled()))?,
            Key::Marker(c) => area.draw(&Circle::new((15, y), 4, c.stroke_width(2)))?,
            Key::Text => {}
        }
        let x = if matches!(key, Key::Text) { 4 } else { 32 };
        for (i, line) in text.lines().enumerate() {
            let style = if i == 0 { label_style() } else { small_style() };
            area.draw_text(line, &style.pos(Pos::new(HPos::Left, VPos::Center)), (x, y))?;
            y += if i == 0 { 17 } else { 15 };
        }
        y += 6;
    }
    Ok(())
}

/// A count with thousands separators: 1,234,567.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The mesh style every chart shares: light grid, readable labels.
pub(crate) fn light_grid() -> ShapeStyle {
    RGBColor(225, 225, 225).stroke_width(1)
}
