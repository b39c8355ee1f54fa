//! A page for people, built once and written twice: as Markdown (report.md, compare.md,
//! sweep.md) and as a self-contained HTML page (report.html, ...). The pages say what to show
//! (headings, paragraphs, lists, tables, plots); this module says how each format writes it,
//! so that the two formats cannot drift apart.
//!
//! It knows nothing of reports: [`super::page`] builds a report's page from its fields.

use std::fmt::Write;

use super::plots::Rendered;

/// A run of text with one look.
#[derive(Clone, Debug, PartialEq)]
pub enum Span {
    Text(String),
    /// A name from the scenario or the model (a strategy, a key, a node).
    Code(String),
    Strong(String),
    /// A verdict a reader must not miss (an SLO missed, an unstable tier): bold, and red in HTML.
    Bad(String),
    /// A verdict that is fine (an SLO met): plain, and green in HTML.
    Good(String),
    /// A link to another page written beside this one: `page` is its path without extension,
    /// relative to this page (`1-push/report`); Markdown links the `.md`, HTML the `.html`.
    Link {
        text: String,
        page: String,
    },
}

/// A line of spans: a paragraph, a list item, a table cell or a heading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line(pub Vec<Span>);

impl From<String> for Line {
    fn from(s: String) -> Line {
        Line(vec![Span::Text(s)])
    }
}

impl From<&str> for Line {
    fn from(s: &str) -> Line {
        Line::from(s.to_owned())
    }
}

impl From<Span> for Line {
    fn from(s: Span) -> Line {
        Line(vec![s])
    }
}

impl From<Vec<Span>> for Line {
    fn from(v: Vec<Span>) -> Line {
        Line(v)
    }
}

pub fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

pub fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

pub fn strong(s: impl Into<String>) -> Span {
    Span::Strong(s.into())
}

pub fn link(text: impl Into<String>, page: impl Into<String>) -> Span {
    Span::Link { text: text.into(), page: page.into() }
}

/// A verdict: [`Span::Good`] when `ok`, else [`Span::Bad`].
pub fn verdict(ok: bool, good: &str, bad: &str) -> Span {
    if ok { Span::Good(good.to_owned()) } else { Span::Bad(bad.to_owned()) }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Align {
    Left,
    /// Numbers.
    Right,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub head: Vec<Line>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<Line>>,
}

impl Table {
    /// A table with these column heads, aligned as `align` says, one letter a column: `l` for
    /// text, `r` for figures (columns beyond it are text).
    pub fn new<L: Into<Line>>(head: impl IntoIterator<Item = L>, align: &str) -> Table {
        let head: Vec<Line> = head.into_iter().map(Into::into).collect();
        let mut letters = align.bytes();
        let align =
            head.iter().map(|_| if letters.next() == Some(b'r') { Align::Right } else { Align::Left }).collect();
        Table { head, align, rows: Vec::new() }
    }

    pub fn row<L: Into<Line>>(&mut self, cells: impl IntoIterator<Item = L>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// Level 1 is the page's title; level 2 opens a section, named `id` in HTML.
    Heading {
        level: u8,
        id: String,
        text: Line,
    },
    Para(Line),
    List(Vec<Line>),
    Table(Table),
    /// A plot drawn beside the page: `path` is its file without extension, relative to the
    /// page (`plots/latency`); Markdown shows `path.svg`, HTML embeds the drawing itself.
    Plot {
        path: String,
        alt: String,
    },
}

/// A page: its blocks in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn heading(&mut self, level: u8, id: &str, text: impl Into<Line>) {
        self.blocks.push(Block::Heading { level, id: id.to_owned(), text: text.into() });
    }

    pub fn para(&mut self, line: impl Into<Line>) {
        self.blocks.push(Block::Para(line.into()));
    }

    pub fn list<L: Into<Line>>(&mut self, items: impl IntoIterator<Item = L>) {
        self.blocks.push(Block::List(items.into_iter().map(Into::into).collect()));
    }

    pub fn table(&mut self, t: Table) {
        self.blocks.push(Block::Table(t));
    }

    pub fn plot(&mut self, path: &str, alt: &str) {
        self.blocks.push(Block::Plot { path: path.to_owned(), alt: alt.to_owned() });
    }

    /// The page's title: its first level-1 heading, as plain text.
    pub fn title(&self) -> String {
        self.blocks
            .iter()
            .find_map(|b| match b {
                Block::Heading { level: 1, text, .. } => Some(plain(text)),
                _ => None,
            })
            .unwrap_or_default()
    }

    pub fn to_markdown(&self) -> String {
        let mut o = String::new();
        for b in &self.blocks {
            match b {
                Block::Heading { level, text, .. } => {
                    let _ = writeln!(o, "{} {}\n", "#".repeat(usize::from(*level)), md_line(text, false));
                }
                Block::Para(line) => {
                    let _ = writeln!(o, "{}\n", md_line(line, false));
                }
                Block::List(items) => {
                    for item in items {
                        let _ = writeln!(o, "- {}", md_line(item, false));
                    }
                    o.push('\n');
                }
                Block::Table(t) => {
                    let cells = |cs: &[Line]| cs.iter().map(|c| md_line(c, true)).collect::<Vec<_>>().join(" | ");
                    let _ = writeln!(o, "| {} |", cells(&t.head));
                    let rule: Vec<&str> =
                        t.align.iter().map(|a| if *a == Align::Right { "---:" } else { "---" }).collect();
                    let _ = writeln!(o, "|{}|", rule.join("|"));
                    for r in &t.rows {
                        let _ = writeln!(o, "| {} |", cells(r));
                    }
                    o.push('\n');
                }
                Block::Plot { path, alt } => {
                    let _ = writeln!(o, "![{alt}]({path}.svg)\n");
                }
            }
        }
        // One line break at the end, not a blank line.
        o.truncate(o.trim_end().len());
        o.push('\n');
        o
    }

    /// A self-contained HTML page: an inline stylesheet, every plot embedded as a `data:` URI
    /// of its SVG (looked up in `plots` by file stem), and no script or external resource, so it
    /// opens offline. Level-2 headings open sections, listed in a contents bar under the title.
    pub fn to_html(&self, plots: &[Rendered]) -> String {
        let mut o = String::new();
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
            escape(&self.title())
        );
        let sections: Vec<(&str, &Line)> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level: 2, id, text } => Some((id.as_str(), text)),
                _ => None,
            })
            .collect();
        let mut open = false;
        let mut contents_written = false;
        for b in &self.blocks {
            match b {
                Block::Heading { level: 2, id, text } => {
                    if !contents_written {
                        contents(&mut o, &sections);
                        contents_written = true;
                    }
                    if open {
                        o.push_str("</section>\n");
                    }
                    let _ = writeln!(o, "<section id=\"{}\">\n<h2>{}</h2>", escape(id), html_line(text));
                    open = true;
                }
                Block::Heading { level, text, .. } => {
                    let _ = writeln!(o, "<h{level}>{}</h{level}>", html_line(text));
                }
                Block::Para(line) => {
                    let _ = writeln!(o, "<p>{}</p>", html_line(line));
                }
                Block::List(items) => {
                    o.push_str("<ul>\n");
                    for item in items {
                        let _ = writeln!(o, "<li>{}</li>", html_line(item));
                    }
                    o.push_str("</ul>\n");
                }
                Block::Table(t) => html_table(&mut o, t),
                Block::Plot { path, alt } => {
                    let stem = path.rsplit('/').next().unwrap_or(path);
                    match plots.iter().find(|p| p.name == stem) {
                        Some(p) => {
                            let (w, h) = super::plots::SIZE;
                            let _ = writeln!(
                                o,
                                "<figure><img alt=\"{}\" width=\"{w}\" height=\"{h}\" src=\"data:image/svg+xml,{}\"></figure>",
                                escape(alt),
                                data_uri_text(&p.svg)
                            );
                        }
                        // Every page's plots are drawn with it; say so rather than show nothing.
                        None => {
                            let _ = writeln!(o, "<p class=\"bad\">Plot {} was not drawn.</p>", escape(stem));
                        }
                    }
                }
            }
        }
        if open {
            o.push_str("</section>\n");
        }
        o.push_str("</main>\n</body>\n</html>\n");
        o
    }
}

fn contents(o: &mut String, sections: &[(&str, &Line)]) {
    if sections.len() < 2 {
        return;
    }
    o.push_str("<nav>");
    for (i, (id, text)) in sections.iter().enumerate() {
        let _ =
            write!(o, "{}<a href=\"#{}\">{}</a>", if i == 0 { "" } else { " · " }, escape(id), escape(&plain(text)));
    }
    o.push_str("</nav>\n");
}

fn html_table(o: &mut String, t: &Table) {
    let class = |i: usize| if t.align.get(i) == Some(&Align::Right) { " class=\"num\"" } else { "" };
    o.push_str("<div class=\"table\"><table>\n<thead><tr>");
    for (i, h) in t.head.iter().enumerate() {
        let _ = write!(o, "<th{}>{}</th>", class(i), html_line(h));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        o.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let _ = write!(o, "<td{}>{}</td>", class(i), html_line(c));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
}

/// The page's look: readable type, tables with light rules and right-aligned figures, red for
/// what went wrong.
const STYLE: &str = "\
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d232b; font: 15px/1.5 system-ui, -apple-system, \"Segoe UI\", Roboto, \"DejaVu Sans\", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; min-height: 100vh; box-sizing: border-box; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3em; margin: 1.8em 0 0.6em; padding-bottom: 0.2em; border-bottom: 1px solid #dde1e6; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.5em; }
nav { margin: 1em 0 0.5em; padding: 8px 12px; background: #f0f3f7; border-radius: 6px; font-size: 0.92em; }
nav a { color: #1f5fa8; text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
code { font: 0.9em/1.3 ui-monospace, \"DejaVu Sans Mono\", Menlo, Consolas, monospace; background: #eef1f4; padding: 1px 4px; border-radius: 3px; }
.table { overflow-x: auto; margin: 0.6em 0 1em; }
table { border-collapse: collapse; font-size: 0.92em; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e6ea; text-align: left; vertical-align: top; }
th { background: #f0f3f7; font-weight: 600; border-bottom: 2px solid #cfd5dc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #f8fafc; }
ul { padding-left: 1.4em; }
#warnings ul { list-style: none; padding: 6px 14px; background: #fff7e6; border-left: 4px solid #e8a33d; border-radius: 4px; }
li { margin: 0.3em 0; }
.bad { color: #b3261e; font-weight: 700; }
.good { color: #1e7b34; }
figure { margin: 1em 0 1.6em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e3e6ea; border-radius: 4px; }
";

/// Markdown of a line; in a table cell, `|` is escaped.
fn md_line(line: &Line, cell: bool) -> String {
    let mut o = String::new();
    for span in &line.0 {
        let s = match span {
            Span::Text(s) | Span::Good(s) => s.clone(),
            Span::Code(s) => format!("`{s}`"),
            Span::Strong(s) | Span::Bad(s) => format!("**{s}**"),
            Span::Link { text, page } => format!("[{text}]({}.md)", url_path(page)),
        };
        o.push_str(&if cell { s.replace('|', "\\|") } else { s });
    }
    o
}

fn html_line(line: &Line) -> String {
    let mut o = String::new();
    for span in &line.0 {
        let _ = match span {
            Span::Text(s) => write!(o, "{}", escape(s)),
            Span::Code(s) => write!(o, "<code>{}</code>", escape(s)),
            Span::Strong(s) => write!(o, "<strong>{}</strong>", escape(s)),
            Span::Bad(s) => write!(o, "<strong class=\"bad\">{}</strong>", escape(s)),
            Span::Good(s) => write!(o, "<span class=\"good\">{}</span>", escape(s)),
            Span::Link { text, page } => {
                write!(o, "<a href=\"{}.html\">{}</a>", escape(&url_path(page)), escape(text))
            }
        };
    }
    o
}

/// A line without its looks.
fn plain(line: &Line) -> String {
    line.0
        .iter()
        .map(|s| match s {
            Span::Text(s) | Span::Code(s) | Span::Strong(s) | Span::Bad(s) | Span::Good(s) => s.as_str(),
            Span::Link { text, .. } => text.as_str(),
        })
        .collect()
}

/// Text escaped for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(ch),
        }
    }
    o
}

/// The data of a `data:` URI holding `text` (percent-encoded UTF-8), safe inside a
/// double-quoted HTML attribute: ASCII letters, digits, space and punctuation that means nothing
/// to a URI's data or to HTML stay; everything else, `%`, `#`, `&`, quotes, `<`, `>` and line
/// breaks included, is percent-encoded. Smaller than base64 for SVG, and still text.
pub fn data_uri_text(text: &str) -> String {
    percent_encode(text, b" -_.!~*()/:;=,?@[]$+{}|^")
}

/// A relative path as a URL: each byte but ASCII letters, digits and `keep` percent-encoded.
fn url_path(path: &str) -> String {
    percent_encode(path, b"-_.~/=,+:@!$()*;")
}

fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut o = String::with_capacity(text.len() + text.len() / 8);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            o.push(char::from(b));
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Doc {
        let mut d = Doc::default();
        d.heading(1, "title", "A <b> & \"c\"");
        d.para(vec![strong("Plan:"), text(" 4 shards, "), code("user_hash"), text(".")]);
        d.heading(2, "slo", "SLOs");
        let mut t = Table::new(["op", "p99", "verdict"], "lrl");
        t.row([Line::from("home|timeline"), Line::from("12 ms"), verdict(false, "met", "MISSED").into()]);
        t.row([Line::from("post"), Line::from("3 ms"), verdict(true, "met", "MISSED").into()]);
        d.table(t);
        d.heading(2, "warnings", "Warnings");
        d.list([Line::from("one <x>"), link("two & three", "2-a b/report").into()]);
        d
    }

    #[test]
    fn markdown_of_each_block() {
        let md = sample().to_markdown();
        assert_eq!(
            md,
            "# A <b> & \"c\"\n\n**Plan:** 4 shards, `user_hash`.\n\n## SLOs\n\n| op | p99 | verdict |\n|---|---:|---|\n| home\\|timeline | 12 ms | **MISSED** |\n| post | 3 ms | met |\n\n## Warnings\n\n- one <x>\n- [two & three](2-a%20b/report.md)\n"
        );
    }

    #[test]
    fn html_escapes_text_and_sections_the_page() {
        let html = sample().to_html(&[]);
        assert!(html.contains("<title>A &lt;b&gt; &amp; &quot;c&quot;</title>"), "{html}");
        assert!(html.contains("<h1>A &lt;b&gt; &amp; &quot;c&quot;</h1>"));
        assert!(html.contains("<li>one &lt;x&gt;</li>"));
        assert!(html.contains("<li><a href=\"2-a%20b/report.html\">two &amp; three</a></li>"));
        assert!(html.contains(
            "<td>home|timeline</td><td class=\"num\">12 ms</td><td><strong class=\"bad\">MISSED</strong></td>"
        ));
        assert!(html.contains("<strong class=\"bad\">MISSED</strong>"));
        assert!(html.contains("<span class=\"good\">met</span>"));
        assert!(html.contains("<nav><a href=\"#slo\">SLOs</a> · <a href=\"#warnings\">Warnings</a></nav>"));
        assert_eq!(html.matches("<section").count(), 2);
        assert_eq!(html.matches("</section>").count(), 2);
        // Nothing the page would fetch.
        assert!(
            !html.contains("<script") && !html.contains("<link") && !html.contains("url(") && !html.contains("src=")
        );
    }

    #[test]
    fn a_plot_is_embedded_as_its_svg_and_a_missing_one_is_said() {
        let mut d = Doc::default();
        d.plot("plots/latency", "Latency");
        d.plot("plots/storage", "Storage");
        let drawn = Rendered { name: "latency", svg: "<svg a=\"1\">50% #1 & é\n</svg>".into(), png: Vec::new() };
        let html = d.to_html(&[drawn]);
        assert!(
            html.contains("src=\"data:image/svg+xml,%3Csvg a=%221%22%3E50%25 %231 %26 %C3%A9%0A%3C/svg%3E\"></figure>")
        );
        assert!(html.contains("<p class=\"bad\">Plot storage was not drawn.</p>"));
        assert_eq!(d.to_markdown(), "![Latency](plots/latency.svg)\n\n![Storage](plots/storage.svg)\n");
    }
}
