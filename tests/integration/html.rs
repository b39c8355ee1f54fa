//! report.html in a real browser: headless Chromium renders a run's report.html offline, and
//! every plot must have loaded, every section must be there, and nothing may have been fetched
//! from elsewhere. Chromium is `chromium` or `chromium-browser` on PATH; without it the tests say
//! they were skipped, unless TWEETCAP_REQUIRE_CHROMIUM=1 (CI), which makes its absence a failure.
//!
//! The report itself holds no script. A harness page written beside it loads it in an iframe,
//! inspects it once loaded, and writes what it found into its own DOM, which Chromium dumps.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::util::{repo, tweetcap};

/// Chromium on PATH, or `None` (after saying the test is skipped) where it is absent and not
/// required.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("TWEETCAP_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "TWEETCAP_REQUIRE_CHROMIUM=1 but neither chromium nor chromium-browser is on PATH (Debian: apt-get install chromium)"
        );
        eprintln!(
            "skipped: the headless-browser test of report.html needs chromium or chromium-browser on PATH (Debian: apt-get install chromium); CI installs it"
        );
    }
    found
}

/// What the harness found in the page.
#[derive(Debug, serde::Deserialize)]
struct Found {
    title: String,
    sections: Vec<String>,
    images: Vec<Image>,
    /// Inline SVG elements: (width, height) of each one's box.
    svgs: Vec<(f64, f64)>,
    /// Attributes that would load something from outside the page.
    external: Vec<String>,
    /// Resources the page fetched (a data: URI is not one).
    fetched: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Image {
    alt: String,
    complete: bool,
    width: u32,
    height: u32,
}

const HARNESS: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>harness</title></head>
<body><pre id="result">the page did not load</pre>
<iframe id="page" src="PAGE" style="width:1280px;height:2000px"></iframe>
<script>
const frame = document.getElementById('page');
frame.addEventListener('load', () => {
  let out;
  try {
    const d = frame.contentDocument;
    const external = [];
    for (const e of d.querySelectorAll('[src], [srcset], link[href], object[data], script, [style]')) {
      const src = e.getAttribute('src') || e.getAttribute('srcset') || e.getAttribute('data') || '';
      if (e.tagName === 'SCRIPT') external.push('script');
      else if (e.tagName === 'LINK') external.push('link ' + e.getAttribute('href'));
      else if (e.hasAttribute('style') && /url\(/.test(e.getAttribute('style'))) external.push('style url()');
      else if (src && !src.startsWith('data:')) external.push(e.tagName.toLowerCase() + ' ' + src);
    }
    for (const s of d.querySelectorAll('style')) {
      if (/url\(|@import/.test(s.textContent)) external.push('stylesheet url() or @import');
    }
    out = JSON.stringify({
      title: d.title,
      sections: [...d.querySelectorAll('section[id]')].map(s => s.id),
      images: [...d.images].map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})),
      svgs: [...d.querySelectorAll('svg')].map(s => { const b = s.getBoundingClientRect(); return [b.width, b.height]; }),
      external,
      fetched: frame.contentWindow.performance.getEntriesByType('resource').map(r => r.name),
    });
  } catch (e) {
    out = 'harness error: ' + e;
  }
  document.getElementById('result').textContent = out;
});
</script></body></html>
"#;

/// Renders `dir/page` in headless Chromium through a harness page written beside it.
fn render(chromium: &Path, dir: &Path, page: &str) -> Found {
    let harness = dir.join(format!("harness-{page}"));
    std::fs::write(&harness, HARNESS.replace("PAGE", page)).expect("write the harness");
    let dump = dir.join(format!("dom-{page}.txt"));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("chromium-profile").display()))
        .arg(format!("file://{}", harness.display()))
        .stdout(Stdio::from(std::fs::File::create(&dump).expect("dump file")))
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish rendering {page} within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dom = std::fs::read_to_string(&dump).expect("read the dump");
    assert!(status.success(), "chromium failed on {page} ({status}); it printed:\n{dom}");
    let result = dom
        .split_once("<pre id=\"result\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(r, _)| r.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        .unwrap_or_else(|| panic!("no result in chromium's dump of {page}:\n{dom}"));
    serde_json::from_str(&result).unwrap_or_else(|e| panic!("the harness said: {result} ({e})"))
}

/// Runs quickstart briefly into a temporary folder.
fn quickstart() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = tweetcap(&repo(""), &["run", "scenarios/quickstart.yaml", "--out", out, "--set", "duration=5s", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// The plots that did not load, by alt text.
fn broken(found: &Found) -> Vec<&str> {
    found.images.iter().filter(|i| !(i.complete && i.width > 0 && i.height > 0)).map(|i| i.alt.as_str()).collect()
}

#[test]
fn report_html_renders_offline_with_every_plot_and_section() {
    let Some(chromium) = chromium() else { return };
    let dir = quickstart();
    let found = render(&chromium, dir.path(), "report.html");

    assert_eq!(found.title, "quickstart — tweetcap report");
    for section in ["latency", "slo", "fanout", "storage", "nodes", "partitioning", "caches", "bandwidth", "estimate"] {
        assert!(found.sections.iter().any(|s| s == section), "no section `{section}` in {:?}", found.sections);
    }
    // Every plot of report.md, each drawn at its size.
    assert_eq!(found.images.len(), tweetcap::report::plots::REPORT_PLOTS.len(), "{:?}", found.images);
    assert_eq!(broken(&found), Vec::<&str>::new(), "plots that did not load: {:?}", found.images);
    assert!(found.images.iter().all(|i| (i.width, i.height) == tweetcap::report::plots::SIZE), "{:?}", found.images);
    assert!(found.svgs.iter().all(|&(w, h)| w > 0.0 && h > 0.0), "an inline SVG has no size: {:?}", found.svgs);
    assert_eq!(found.external, Vec::<String>::new(), "the page loads something from elsewhere");
    assert_eq!(found.fetched, Vec::<String>::new(), "the page fetched resources");
}

#[test]
fn a_broken_plot_is_caught() {
    let Some(chromium) = chromium() else { return };
    let dir = quickstart();
    // Cut the first plot's SVG short: the browser cannot decode it.
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let at = html.find("src=\"data:image/svg+xml,").expect("an embedded plot") + 200;
    let end = at + html[at..].find('"').expect("the end of the URI");
    let cut = format!("{}{}", &html[..at], &html[end..]);
    std::fs::write(dir.path().join("cut.html"), cut).unwrap();
    let found = render(&chromium, dir.path(), "cut.html");
    assert_eq!(broken(&found), ["Latency by percentile"], "{:?}", found.images);
}
