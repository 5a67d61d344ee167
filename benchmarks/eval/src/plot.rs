//! PNG charts of a result table (plotters): one horizontal bar per method
//! and transformation.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::metrics::Row;

const COLOURS: [RGBColor; 5] = [
    RGBColor(29, 79, 145),
    RGBColor(214, 120, 26),
    RGBColor(60, 140, 70),
    RGBColor(150, 60, 140),
    RGBColor(120, 120, 120),
];

/// Bars of `value(row)` (0..=1) for each transformation (rows) and method
/// (colours), with `title`.
pub fn bars(rows: &[Row], title: &str, value: fn(&Row) -> f64, out: &Path) -> Result<()> {
    let mut transforms: Vec<&str> = Vec::new();
    let mut methods: Vec<&str> = Vec::new();
    for row in rows {
        if !transforms.contains(&row.transform.as_str()) {
            transforms.push(&row.transform);
        }
        if !methods.contains(&row.method.as_str()) {
            methods.push(&row.method);
        }
    }
    let height = 120 + 26 * transforms.len() as u32 * methods.len().max(1) as u32 / 2;
    let root = BitMapBackend::new(out, (1100, height.max(400))).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let n = transforms.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(170)
        // Room right of 1.0 for the legend.
        .build_cartesian_2d(0f64..1.3f64, 0f64..n)
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(7)
        .x_label_formatter(&|x| {
            if *x <= 1.0 {
                format!("{x:.1}")
            } else {
                String::new()
            }
        })
        .x_desc("share of queries")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    let band = 0.8 / methods.len().max(1) as f64;
    for (m, method) in methods.iter().enumerate() {
        let colour = COLOURS[m % COLOURS.len()];
        let bars: Vec<Rectangle<(f64, f64)>> = transforms
            .iter()
            .enumerate()
            .filter_map(|(t, transform)| {
                let row = rows
                    .iter()
                    .find(|r| r.method == *method && r.transform == *transform)?;
                // Row t from the top; methods stacked inside it.
                let top = n - t as f64 - 0.1 - band * m as f64;
                Some(Rectangle::new(
                    [(0.0, top - band), (value(row), top)],
                    colour.filled(),
                ))
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(|e| anyhow!("{e}"))?
            .label(*method)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
    }
    // The transformation names, each at the middle of its row.
    let label =
        TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (t, transform) in transforms.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, n - t as f64 - 0.5));
        root.draw(&Text::new(transform.to_string(), (x - 8, y), label.clone()))
            .map_err(|e| anyhow!("{e}"))?;
    }
    legend_and_save(&mut chart, &root, SeriesLabelPosition::UpperRight)
}

/// Draws the legend of `chart` at `position` and writes the picture.
fn legend_and_save<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, CT>,
    root: &DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

/// Lines of `(x, y)` points on log-log axes, one per named series, each
/// point marked.
pub fn log_log(
    series: &[(String, Vec<(f64, f64)>)],
    title: &str,
    (x_desc, y_desc): (&str, &str),
    out: &Path,
) -> Result<()> {
    let points = || series.iter().flat_map(|(_, p)| p.iter().copied());
    let (x_min, x_max) = points().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| (a.min(x), b.max(x)));
    let (y_min, y_max) = points().fold((f64::MAX, f64::MIN), |(a, b), (_, y)| (a.min(y), b.max(y)));
    anyhow::ensure!(x_min > 0.0 && y_min > 0.0, "no positive points to plot");
    let root = BitMapBackend::new(out, (900, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x_min / 2.0..x_max * 2.0).log_scale(),
            (y_min / 2.0..y_max * 2.0).log_scale(),
        )
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    for (i, (name, line)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                line.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(|e| anyhow!("{e}"))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(2)));
        chart
            .draw_series(line.iter().map(|p| Circle::new(*p, 4, colour.filled())))
            .map_err(|e| anyhow!("{e}"))?;
    }
    legend_and_save(&mut chart, &root, SeriesLabelPosition::UpperLeft)
}
