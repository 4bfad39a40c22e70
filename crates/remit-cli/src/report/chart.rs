//! The report's charts: horizontal bar charts drawn by `plotters` into
//! SVG text, inlined in the HTML page.

use crate::UsageError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Uses and money.
pub const BLUE: RGBColor = RGBColor(0x1f, 0x6f, 0xb4);
/// Escalations.
pub const ORANGE: RGBColor = RGBColor(0xe0, 0x8a, 0x1e);
/// Denials.
pub const RED: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
/// Outcomes achieved.
pub const GREEN: RGBColor = RGBColor(0x2e, 0x8b, 0x57);

/// Width of a chart, pixels.
const WIDTH: u32 = 520;
/// Height of one category's band, pixels.
const BAND: u32 = 34;
/// Longest category label, characters.
const LABEL_CHARS: usize = 28;

/// A horizontal bar chart: one band per category, one bar per series in
/// it, the x axis in `unit`.
pub fn bars(
    title: &str,
    rows: &[(String, Vec<f64>)],
    series: &[(&str, RGBColor)],
    unit: &str,
) -> Result<String, UsageError> {
    let mut svg = String::new();
    draw(&mut svg, title, rows, series, unit)
        .map_err(|e| UsageError(format!("cannot draw the chart `{title}`: {e}")))?;
    Ok(svg)
}

fn draw(
    svg: &mut String,
    title: &str,
    rows: &[(String, Vec<f64>)],
    series: &[(&str, RGBColor)],
    unit: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = rows.len().max(1);
    // Two empty bands below the rows hold the legend, clear of the bars.
    let legend = if series.len() > 1 { 2 } else { 0 };
    let bands = u32::try_from(n + legend).unwrap_or(200).min(200);
    let height = 90 + BAND * bands;
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max);
    let top = if max <= 0.0 { 1.0 } else { max * 1.08 };
    let labels: Vec<String> = rows.iter().map(|(l, _)| shorten(l)).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(190)
        .build_cartesian_2d(0f64..top, -(legend as f64)..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(0)
        .y_labels(0)
        .x_desc(unit)
        .x_label_formatter(&|v| format_tick(*v))
        .label_style(("sans-serif", 12))
        .draw()?;
    // The rows' names, right-aligned left of the axis, the first on top.
    let style = ("sans-serif", 12)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, label) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, (n - i) as f64 - 0.5));
        root.draw(&Text::new(label.clone(), (x - 8, y), style.clone()))?;
    }
    let k = series.len().max(1) as f64;
    for (s, (name, color)) in series.iter().enumerate() {
        let color = *color;
        let bars = rows.iter().enumerate().filter_map(move |(i, (_, values))| {
            let v = *values.get(s)?;
            // Row i's band is [n-i-1, n-i); the series share its middle
            // 80%, the first on top.
            let band = (n - i) as f64;
            let hi = band - 0.1 - 0.8 * s as f64 / k;
            let lo = band - 0.1 - 0.8 * (s + 1) as f64 / k;
            Some(Rectangle::new([(0.0, lo), (v, hi)], color.filled()))
        });
        chart
            .draw_series(bars)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 12))
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// A label short enough for the axis.
fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
    s.push('…');
    s
}

fn format_tick(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
