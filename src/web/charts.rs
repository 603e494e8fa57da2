//! Charts drawn on the server as SVG (no script): the Billing page's daily licences per
//! package. Every text in the drawing is escaped here, as the markup is inserted whole.

use std::fmt::Write as _;

use time::{Date, Duration};

/// One line of a chart: its name and a value per day.
pub struct Line {
    pub name: String,
    pub values: Vec<f64>,
}

/// Colours of the lines, in order (distinct in light and dark mode, and for the
/// commonest colour-vision deficiencies).
const COLOURS: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6b6b6b", "#8c564b",
];

const W: f64 = 720.0;
const H: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round ceiling for the y axis: 1, 2 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}

/// A line chart of `lines` over the days from `start`, titled `title` (its accessible
/// name), with a legend below it.
pub fn daily_lines(title: &str, start: Date, lines: &[Line]) -> String {
    let days = lines.iter().map(|l| l.values.len()).max().unwrap_or(0);
    let max = nice_max(
        lines
            .iter()
            .flat_map(|l| l.values.iter().copied())
            .fold(0.0, f64::max),
    );
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |i: usize| {
        if days <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (days - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h - plot_h * v / max;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title" data-testid="usage-chart"><title id="chart-title">{}</title>"#,
        esc(title)
    );
    // Grid and y labels: 0, half, max.
    for frac in [0.0, 0.5, 1.0] {
        let v = max * frac;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            trim(v),
            y = y(v)
        );
    }
    // X labels: first, middle and last day.
    if days > 0 {
        let mut marks = vec![0, days / 2, days - 1];
        marks.dedup();
        for i in marks {
            let d = start + Duration::days(i as i64);
            let _ = write!(
                s,
                r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{d}</text>"#,
                x(i),
                H - 8.0
            );
        }
    }
    for (n, line) in lines.iter().enumerate() {
        let colour = COLOURS[n % COLOURS.len()];
        let points: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.1},{:.1}", x(i), y(v)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"><title>{}</title></polyline>"#,
            points.join(" "),
            esc(&line.name)
        );
    }
    s.push_str("</svg>");
    s.push_str(r#"<ul class="chart-legend">"#);
    for (n, line) in lines.iter().enumerate() {
        let _ = write!(
            s,
            r#"<li><svg class="swatch" width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{}"/></svg>{}</li>"#,
            COLOURS[n % COLOURS.len()],
            esc(&line.name)
        );
    }
    s.push_str("</ul>");
    s
}

/// A value for a label: whole numbers without decimals, else at most two.
fn trim(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_escapes_its_text_and_draws_a_line_per_package() {
        let svg = daily_lines(
            "Usage <of> \"A&B\"",
            time::macros::date!(2026 - 11 - 01),
            &[
                Line {
                    name: "Webex Calling".into(),
                    values: vec![1.0, 2.0, 3.0],
                },
                Line {
                    name: "<script>".into(),
                    values: vec![0.0, 0.5, 0.5],
                },
            ],
        );
        assert!(svg.contains("Usage &lt;of&gt; &quot;A&amp;B&quot;"));
        assert!(!svg.contains("<script>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("2026-11-01") && svg.contains("2026-11-03"));
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(12.0), 20.0);
        assert_eq!(nice_max(0.0), 1.0);
    }
}
