//! Drawing figures as SVG with plotters. Text goes out as SVG `<text>` elements (plotters'
//! built-in size estimate lays it out), so no font files are needed.
//!
//! Every SVG also carries its figure's data as JSON in a `<metadata>` element, so the
//! numbers behind the picture can be checked without reading pixels.

use std::error::Error;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ReportError;
use super::figures::{
    Convergence, Figure, FigureData, HeatMap, IntervalBar, LineBands, StackedShares, Tornado,
};
use super::hist::Histogram;
use crate::math;

const WIDTH: u32 = 1000;
/// Room to the right of the plot for the legend, so it never covers data.
const LEGEND_WIDTH: u32 = 250;
const LEGEND_LABEL_CHARS: usize = 36;
const PLOT_HEIGHT: u32 = 500;
const CAPTION_LINE_HEIGHT: u32 = 17;
const CAPTION_CHARS_PER_LINE: usize = 118;
const COLOUR_BAR_WIDTH: u32 = 190;
const FONT: &str = "sans-serif";
const MARGIN: u32 = 14;
const X_LABEL_AREA: u32 = 52;
const Y_LABEL_AREA: u32 = 78;
const TICK_LABEL_SIZE: u32 = 13;
/// Room an axis description takes beyond its tick labels, inside the label area.
const AXIS_DESC_ROOM: u32 = 34;
/// Gap between the axis line and a rotated tick label.
const TICK_LABEL_GAP: i32 = 8;

/// The Okabe–Ito palette, distinguishable under the common colour-vision deficiencies.
/// Series take them in this order (black last, as it is also the axis colour).
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x00, 0x00, 0x00), // black
];

const BLUE_OI: RGBColor = OKABE_ITO[3];
const ORANGE_OI: RGBColor = OKABE_ITO[0];
const SKY_OI: RGBColor = OKABE_ITO[1];
const VERMILLION_OI: RGBColor = OKABE_ITO[4];
const MISSING_CELL: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

fn series_colour(index: usize) -> RGBColor {
    OKABE_ITO[index % OKABE_ITO.len()]
}

/// Viridis (perceptually uniform, colour-blind safe), interpolated between 9 anchors.
pub fn viridis(t: f64) -> RGBColor {
    const ANCHORS: [(u8, u8, u8); 9] = [
        (0x44, 0x01, 0x54),
        (0x47, 0x2d, 0x7b),
        (0x3b, 0x52, 0x8b),
        (0x2c, 0x72, 0x8e),
        (0x21, 0x91, 0x8c),
        (0x28, 0xae, 0x80),
        (0x5e, 0xc9, 0x62),
        (0xad, 0xdc, 0x30),
        (0xfd, 0xe7, 0x25),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let scaled = t * (ANCHORS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(ANCHORS.len() - 2);
    let f = scaled - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn Error>>;

/// Renders one figure to a standalone SVG document.
pub fn render_svg(figure: &Figure) -> Result<String, ReportError> {
    let caption_lines = wrap(&figure.caption, CAPTION_CHARS_PER_LINE);
    let height = PLOT_HEIGHT + 10 + CAPTION_LINE_HEIGHT * caption_lines.len() as u32;
    let mut svg = String::new();
    draw(&mut svg, figure, &caption_lines, height).map_err(|e| ReportError::Render {
        figure: figure.id.clone(),
        message: e.to_string(),
    })?;
    let json = figure_json(figure)?;
    Ok(inject_metadata(&svg, figure, &json))
}

/// The figure as JSON that is safe inside both an HTML `<script>` and XML text: `<`, `>`
/// and `&` (which JSON only has inside strings) become `\u` escapes.
pub fn figure_json(figure: &Figure) -> Result<String, ReportError> {
    let json = serde_json::to_string(figure).map_err(|e| ReportError::Render {
        figure: figure.id.clone(),
        message: e.to_string(),
    })?;
    Ok(json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

fn inject_metadata(svg: &str, figure: &Figure, json: &str) -> String {
    let insert_at = svg.find('>').map_or(0, |i| i + 1);
    let (head, tail) = svg.split_at(insert_at);
    format!(
        "{head}\n<title>{}</title>\n<desc>{}</desc>\n<metadata id=\"demarche-data-{}\" data-figure=\"{}\">{json}</metadata>{tail}",
        xml_escape(&figure.title),
        xml_escape(&figure.caption),
        figure.id,
        figure.id,
    )
}

pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn draw(svg: &mut String, figure: &Figure, caption_lines: &[String], height: u32) -> DrawResult {
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, caption_area) = root.split_vertically(PLOT_HEIGHT);
    for (i, line) in caption_lines.iter().enumerate() {
        caption_area.draw(&Text::new(
            line.clone(),
            (14, 4 + (i as u32 * CAPTION_LINE_HEIGHT) as i32),
            (FONT, 13).into_font().color(&BLACK),
        ))?;
    }
    let legend = match &figure.data {
        FigureData::IntervalBars { bars } => draw_interval_bars(&plot, figure, bars)?,
        FigureData::Histogram { actor, histogram } => draw_histogram(&plot, figure, actor, histogram)?,
        FigureData::StackedShares(data) => draw_stacked(&plot, figure, data)?,
        FigureData::LineBands(data) => draw_line_bands(&plot, figure, data)?,
        FigureData::HeatMap(data) => draw_heat_map(&plot, figure, data)?,
        FigureData::Convergence(data) => draw_convergence(&plot, figure, data)?,
        FigureData::Tornado(data) => draw_tornado(&plot, figure, data)?,
    };
    draw_legend(&plot, &legend)?;
    root.present()?;
    Ok(())
}

/// A range covering the finite values, padded, never empty.
/// Values beyond `AXIS_LIMIT` in magnitude are left out of axis ranges (and so fall outside
/// the plot): a range that wide would overflow the tick arithmetic.
const AXIS_LIMIT: f64 = 1e150;

fn padded_range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite() && v.abs() < AXIS_LIMIT)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
        let spread = (hi.abs() * 0.1).max(0.5);
        return (lo - spread, hi + spread);
    }
    let pad = (hi - lo) * 0.06;
    let lo = if include_zero && lo == 0.0 { 0.0 } else { lo - pad };
    let hi = if include_zero && hi == 0.0 { 0.0 } else { hi + pad };
    (lo, hi)
}

fn category_label(labels: &[String], value: f64) -> String {
    let rounded = value.round();
    if (value - rounded).abs() > 1e-6 || rounded < 0.0 || rounded as usize >= labels.len() {
        return String::new();
    }
    let label = &labels[rounded as usize];
    if label.chars().count() > 22 {
        format!("{}…", label.chars().take(21).collect::<String>())
    } else {
        label.clone()
    }
}

/// An axis with chosen ticks: categories at `0..n` (as `f64`, so bars can sit beside each
/// other inside a category), or the grid values of a heat map.
#[derive(Clone, Debug)]
struct TickAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let fraction = (value - self.lo) / (self.hi - self.lo);
        limit.0 + (fraction * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let stride = self.ticks.len().div_ceil(hint.max_num_points().max(1)).max(1);
        self.ticks.iter().copied().step_by(stride).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

fn category_axis(n: usize) -> TickAxis {
    let n = n.max(1);
    TickAxis {
        lo: -0.5,
        hi: n as f64 - 0.5,
        ticks: (0..n).map(|i| i as f64).collect(),
    }
}

fn builder<'a, 'b>(area: &'a Area<'b>, title: &str) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(title, (FONT, 20))
        .margin(MARGIN)
        .margin_right(LEGEND_WIDTH)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA);
    builder
}

/// The width in pixels of the widest tick label, by plotters' own estimate (the one that
/// lays out the SVG text).
fn widest_tick_label(area: &Area<'_>, labels: &[String]) -> Result<u32, Box<dyn Error>> {
    let style = TextStyle::from((FONT, TICK_LABEL_SIZE).into_font());
    let mut widest = 0;
    for label in labels {
        widest = widest.max(area.estimate_text_size(label, &style)?.0);
    }
    Ok(widest)
}

/// What a legend entry's symbol looks like.
#[derive(Clone, Copy, Debug)]
enum Swatch {
    Fill(RGBAColor),
    /// A translucent band with its mean line.
    Band(RGBColor),
    Line(RGBColor, u32),
    Dot(RGBColor),
    Ring(RGBColor),
    Whisker,
}

#[derive(Clone, Debug)]
struct LegendEntry {
    label: String,
    swatch: Swatch,
}

impl LegendEntry {
    fn new(label: &str, swatch: Swatch) -> Self {
        LegendEntry {
            label: legend_label(label),
            swatch,
        }
    }
}

type Legend = Vec<LegendEntry>;
type LegendResult = Result<Legend, Box<dyn Error>>;

/// Draws the legend in the column right of the plot (plotters' own legend must sit inside
/// the plotting area, where it can cover data).
fn draw_legend(area: &Area<'_>, legend: &Legend) -> DrawResult {
    if legend.is_empty() {
        return Ok(());
    }
    const ROW: i32 = 22;
    let x0 = (WIDTH - LEGEND_WIDTH) as i32 + 6;
    // Plotters' own estimate of text width, about 0.7 em a character.
    let longest = legend.iter().map(|e| e.label.chars().count()).max().unwrap_or(0) as i32;
    let x1 = (x0 + 48 + longest * 13 * 6 / 10).min(WIDTH as i32 - 6);
    let y0 = 52;
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y0 + 8 + ROW * legend.len() as i32)],
        ShapeStyle::from(&BLACK).stroke_width(1),
    ))?;
    let text_style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, entry) in legend.iter().enumerate() {
        let y = y0 + 4 + ROW * i as i32 + ROW / 2;
        let (sx, ex) = (x0 + 8, x0 + 26);
        match entry.swatch {
            Swatch::Fill(colour) => {
                area.draw(&Rectangle::new([(sx, y - 6), (ex, y + 6)], colour.filled()))?
            }
            Swatch::Band(colour) => {
                area.draw(&Rectangle::new(
                    [(sx, y - 6), (ex, y + 6)],
                    colour.mix(0.25).filled(),
                ))?;
                area.draw(&PathElement::new(vec![(sx, y), (ex, y)], colour.stroke_width(2)))?;
            }
            Swatch::Line(colour, width) => area.draw(&PathElement::new(
                vec![(sx, y), (ex, y)],
                colour.stroke_width(width),
            ))?,
            Swatch::Dot(colour) => area.draw(&Circle::new(((sx + ex) / 2, y), 4, colour.filled()))?,
            Swatch::Ring(colour) => area.draw(&Circle::new(((sx + ex) / 2, y), 6, colour.stroke_width(2)))?,
            Swatch::Whisker => {
                area.draw(&PathElement::new(vec![(sx, y), (ex, y)], BLACK.stroke_width(2)))?;
                area.draw(&PathElement::new(
                    vec![(sx, y - 5), (sx, y + 5)],
                    BLACK.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    vec![(ex, y - 5), (ex, y + 5)],
                    BLACK.stroke_width(2),
                ))?;
            }
        }
        area.draw(&Text::new(entry.label.clone(), (ex + 8, y), text_style.clone()))?;
    }
    Ok(())
}

/// Shortens a legend label to fit the legend column.
fn legend_label(text: &str) -> String {
    if text.chars().count() > LEGEND_LABEL_CHARS {
        format!(
            "{}…",
            text.chars().take(LEGEND_LABEL_CHARS - 1).collect::<String>()
        )
    } else {
        text.to_owned()
    }
}

fn whisker_vertical(
    x: f64,
    lo: f64,
    hi: f64,
    half_cap: f64,
    style: ShapeStyle,
) -> Vec<PathElement<(f64, f64)>> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    vec![
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - half_cap, lo), (x + half_cap, lo)], style),
        PathElement::new(vec![(x - half_cap, hi), (x + half_cap, hi)], style),
    ]
}

fn whisker_horizontal(
    y: f64,
    lo: f64,
    hi: f64,
    half_cap: f64,
    style: ShapeStyle,
) -> Vec<PathElement<(f64, f64)>> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    vec![
        PathElement::new(vec![(lo, y), (hi, y)], style),
        PathElement::new(vec![(lo, y - half_cap), (lo, y + half_cap)], style),
        PathElement::new(vec![(hi, y - half_cap), (hi, y + half_cap)], style),
    ]
}

fn draw_interval_bars(area: &Area<'_>, figure: &Figure, bars: &[IntervalBar]) -> LegendResult {
    let mut legend = Legend::new();
    let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    let (lo, hi) = padded_range(bars.iter().flat_map(|b| [b.mean, b.ci_low, b.ci_high]), true);
    // Long category names (outcome ids) side by side run into each other: then they are
    // drawn turned a quarter turn, reading upwards, under a label area tall enough for them.
    let tick_labels: Vec<String> = (0..bars.len())
        .map(|i| category_label(&labels, i as f64))
        .collect();
    let widest = widest_tick_label(area, &tick_labels)?;
    let slot_width = (WIDTH - LEGEND_WIDTH - MARGIN - Y_LABEL_AREA) / bars.len().max(1) as u32;
    let rotate = widest + 8 > slot_width;
    let mut chart_builder = builder(area, &figure.title);
    if rotate {
        chart_builder.x_label_area_size(widest + TICK_LABEL_GAP as u32 + AXIS_DESC_ROOM);
    }
    let mut chart = chart_builder.build_cartesian_2d(category_axis(bars.len()), lo..hi)?;
    let label_of = |v: &f64| category_label(&labels, *v);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .x_label_formatter(&label_of)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, TICK_LABEL_SIZE))
        .max_light_lines(2);
    if rotate {
        // Rotated labels are drawn below by hand: plotters centres every x tick label on
        // its anchor, which would put half of a rotated label inside the plot. Its own
        // labels are made transparent, which the SVG backend leaves out (the ticks stay).
        mesh.x_label_style(TextStyle::from((FONT, TICK_LABEL_SIZE).into_font()).color(&TRANSPARENT));
    }
    mesh.draw()?;
    chart.draw_series(
        bars.iter()
            .enumerate()
            .filter(|(_, b)| b.mean.is_finite())
            .map(|(i, b)| {
                let x = i as f64;
                Rectangle::new([(x - 0.3, 0.0), (x + 0.3, b.mean)], BLUE_OI.mix(0.85).filled())
            }),
    )?;
    legend.push(LegendEntry::new("mean", Swatch::Fill(BLUE_OI.mix(0.85))));
    chart.draw_series(
        bars.iter()
            .enumerate()
            .flat_map(|(i, b)| whisker_vertical(i as f64, b.ci_low, b.ci_high, 0.08, BLACK.stroke_width(2))),
    )?;
    legend.push(LegendEntry::new("95% interval", Swatch::Whisker));
    if rotate {
        // Anchored at the label's end, so each label hangs down from its tick.
        let style = TextStyle::from((FONT, TICK_LABEL_SIZE).into_font())
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, label) in tick_labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64, lo));
            area.draw(&Text::new(label.clone(), (x, y + TICK_LABEL_GAP), style.clone()))?;
        }
    }
    Ok(legend)
}

fn draw_histogram(area: &Area<'_>, figure: &Figure, actor: &str, histogram: &Histogram) -> LegendResult {
    let mut legend = Legend::new();
    let (x_lo, x_hi) = match (histogram.edges.first(), histogram.edges.last()) {
        (Some(&lo), Some(&hi)) if hi > lo => {
            let pad = (hi - lo) * 0.03;
            (lo - pad, hi + pad)
        }
        _ => (0.0, 1.0),
    };
    let max_count = histogram.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut chart = builder(area, &figure.title).build_cartesian_2d(x_lo..x_hi, 0.0..max_count * 1.08)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .y_label_formatter(&|v: &f64| format!("{v}"))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .max_light_lines(2)
        .draw()?;
    let edges = &histogram.edges;
    chart.draw_series(
        histogram
            .counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, &c)| {
                // A hairline gap between bins keeps neighbouring bars apart.
                let gap = (edges[i + 1] - edges[i]) * 0.04;
                Rectangle::new(
                    [(edges[i] + gap, 0.0), (edges[i + 1] - gap, c as f64)],
                    SKY_OI.filled(),
                )
            }),
    )?;
    legend.push(LegendEntry::new(
        &format!(
            "trials per bin of width {} ({actor})",
            format_number(histogram.width)
        ),
        Swatch::Fill(SKY_OI.to_rgba()),
    ));
    if histogram.mean.is_finite() {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(histogram.mean, 0.0), (histogram.mean, max_count * 1.04)],
            VERMILLION_OI.stroke_width(3),
        )))?;
        legend.push(LegendEntry::new(
            &format!("mean payoff {}", format_number(histogram.mean)),
            Swatch::Line(VERMILLION_OI, 3),
        ));
    }
    Ok(legend)
}

fn draw_stacked(area: &Area<'_>, figure: &Figure, data: &StackedShares) -> LegendResult {
    let mut legend = Legend::new();
    let labels: Vec<String> = data.rounds.iter().map(u64::to_string).collect();
    let mut chart =
        builder(area, &figure.title).build_cartesian_2d(category_axis(labels.len()), 0.0..1.12)?;
    let label_of = |v: &f64| category_label(&labels, *v);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .x_label_formatter(&label_of)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .max_light_lines(2)
        .draw()?;
    for (o, outcome) in data.outcomes.iter().enumerate() {
        let colour = series_colour(o);
        chart.draw_series(
            data.shares
                .iter()
                .enumerate()
                .filter(|(_, row)| row[o] > 0.0)
                .map(|(r, row)| {
                    let below: f64 = row[..o].iter().sum();
                    let x = r as f64;
                    Rectangle::new([(x - 0.35, below), (x + 0.35, below + row[o])], colour.filled())
                }),
        )?;
        legend.push(LegendEntry::new(outcome, Swatch::Fill(colour.to_rgba())));
    }
    let count_style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(data.counts.iter().enumerate().map(|(r, row)| {
        let total: u64 = row.iter().sum();
        Text::new(format!("n={total}"), (r as f64, 1.01), count_style.clone())
    }))?;
    Ok(legend)
}

fn draw_line_bands(area: &Area<'_>, figure: &Figure, data: &LineBands) -> LegendResult {
    let mut legend = Legend::new();
    let all_points = || data.series.iter().flat_map(|s| s.points.iter());
    let (x_lo, x_hi) = padded_range(all_points().map(|p| p.x), false);
    let (y_lo, y_hi) = padded_range(all_points().flat_map(|p| [p.mean, p.ci_low, p.ci_high]), false);
    let mut chart = builder(area, &figure.title).build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .max_light_lines(2)
        .draw()?;
    let cap = (x_hi - x_lo) * 0.006;
    for (i, series) in data.series.iter().enumerate() {
        let colour = series_colour(i);
        let finite_mean: Vec<(f64, f64)> = series
            .points
            .iter()
            .filter(|p| p.x.is_finite() && p.mean.is_finite())
            .map(|p| (p.x, p.mean))
            .collect();
        if data.connect {
            let banded: Vec<_> = series
                .points
                .iter()
                .filter(|p| p.x.is_finite() && p.ci_low.is_finite() && p.ci_high.is_finite())
                .collect();
            if banded.len() >= 2 {
                let outline: Vec<(f64, f64)> = banded
                    .iter()
                    .map(|p| (p.x, p.ci_high))
                    .chain(banded.iter().rev().map(|p| (p.x, p.ci_low)))
                    .collect();
                chart.draw_series(std::iter::once(Polygon::new(outline, colour.mix(0.22).filled())))?;
            } else {
                chart.draw_series(
                    banded.iter().flat_map(|p| {
                        whisker_vertical(p.x, p.ci_low, p.ci_high, cap, colour.stroke_width(2))
                    }),
                )?;
            }
            chart.draw_series(LineSeries::new(finite_mean.clone(), colour.stroke_width(2)))?;
            legend.push(LegendEntry::new(
                &format!("{} (band: 95% interval)", series.label),
                Swatch::Band(colour),
            ));
        } else {
            chart.draw_series(series.points.iter().filter(|p| p.x.is_finite()).flat_map(|p| {
                whisker_vertical(p.x, p.ci_low, p.ci_high, cap, colour.mix(0.6).stroke_width(1))
            }))?;
            chart.draw_series(
                finite_mean
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, colour.filled())),
            )?;
            legend.push(LegendEntry::new(
                &format!("{} (whiskers: 95% int.)", series.label),
                Swatch::Dot(colour),
            ));
            continue;
        }
        chart.draw_series(
            finite_mean
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 3, colour.filled())),
        )?;
    }
    Ok(legend)
}

/// Cell edges around sorted grid values: midpoints between neighbours.
fn cell_edges(values: &[f64]) -> Vec<f64> {
    match values {
        [] => vec![0.0, 1.0],
        [only] => {
            let half = (only.abs() * 0.1).max(0.5);
            vec![only - half, only + half]
        }
        _ => {
            let mut edges = Vec::with_capacity(values.len() + 1);
            edges.push(values[0] - (values[1] - values[0]) / 2.0);
            for pair in values.windows(2) {
                edges.push((pair[0] + pair[1]) / 2.0);
            }
            let n = values.len();
            edges.push(values[n - 1] + (values[n - 1] - values[n - 2]) / 2.0);
            edges
        }
    }
}

/// The colour bar is the heat map's legend, so the legend column stays empty.
fn draw_heat_map(area: &Area<'_>, figure: &Figure, data: &HeatMap) -> LegendResult {
    let (main, bar_area) = area.split_horizontally(WIDTH - COLOUR_BAR_WIDTH);
    let x_edges = cell_edges(&data.xs);
    let y_edges = cell_edges(&data.ys);
    let finite = || data.values.iter().flatten().copied().filter(|v| v.is_finite());
    let v_lo = finite().reduce(f64::min).unwrap_or(0.0);
    let v_hi = finite().reduce(f64::max).unwrap_or(1.0);
    let (v_lo, v_hi) = if v_hi > v_lo {
        (v_lo, v_hi)
    } else {
        (v_lo - 0.5, v_hi + 0.5)
    };
    let norm = |v: f64| (v - v_lo) / (v_hi - v_lo);
    let x_axis = TickAxis {
        lo: x_edges[0],
        hi: x_edges[x_edges.len() - 1],
        ticks: data.xs.clone(),
    };
    let y_axis = TickAxis {
        lo: y_edges[0],
        hi: y_edges[y_edges.len() - 1],
        ticks: data.ys.clone(),
    };
    let mut chart = ChartBuilder::on(&main)
        .caption(figure.title.as_str(), (FONT, 20))
        .margin(14)
        .x_label_area_size(52)
        .y_label_area_size(78)
        .build_cartesian_2d(x_axis, y_axis)?;
    let tick_label = |v: &f64| format_number(*v);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .x_label_formatter(&tick_label)
        .y_label_formatter(&tick_label)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .max_light_lines(2)
        .draw()?;
    let cells = data
        .values
        .iter()
        .enumerate()
        .flat_map(|(iy, row)| row.iter().enumerate().map(move |(ix, &v)| (ix, iy, v)));
    chart.draw_series(cells.clone().map(|(ix, iy, v)| {
        let colour = if v.is_finite() {
            viridis(norm(v))
        } else {
            MISSING_CELL
        };
        Rectangle::new(
            [(x_edges[ix], y_edges[iy]), (x_edges[ix + 1], y_edges[iy + 1])],
            colour.filled(),
        )
    }))?;
    // Values written in the cells when they are few enough to read.
    if data.xs.len() <= 12 && data.ys.len() <= 12 {
        let centred = TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        let on_dark = centred.clone().color(&WHITE);
        let on_light = centred.color(&BLACK);
        chart.draw_series(cells.filter(|(_, _, v)| v.is_finite()).map(|(ix, iy, v)| {
            let style = if norm(v) < 0.55 {
                on_dark.clone()
            } else {
                on_light.clone()
            };
            Text::new(
                format_number(v),
                (
                    (x_edges[ix] + x_edges[ix + 1]) / 2.0,
                    (y_edges[iy] + y_edges[iy + 1]) / 2.0,
                ),
                style,
            )
        }))?;
    }
    // The colour bar is the legend.
    let mut bar = ChartBuilder::on(&bar_area)
        .caption("colour scale", (FONT, 13))
        .margin_top(40)
        .margin_bottom(66)
        .margin_right(8)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..1.0, v_lo..v_hi)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(data.value_label.as_str())
        .axis_desc_style((FONT, 12))
        .label_style((FONT, 11))
        .draw()?;
    const STEPS: usize = 48;
    bar.draw_series((0..STEPS).map(|s| {
        let a = v_lo + (v_hi - v_lo) * s as f64 / STEPS as f64;
        let b = v_lo + (v_hi - v_lo) * (s + 1) as f64 / STEPS as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            viridis((s as f64 + 0.5) / STEPS as f64).filled(),
        )
    }))?;
    Ok(Legend::new())
}

fn draw_convergence(area: &Area<'_>, figure: &Figure, data: &Convergence) -> LegendResult {
    let mut legend = Legend::new();
    let (x_lo, x_hi) = padded_range(data.evals.iter().map(|&e| e as f64), false);
    let spread = |i: usize| {
        if data.std_errs[i].is_finite() {
            1.96 * data.std_errs[i]
        } else {
            0.0
        }
    };
    let (y_lo, y_hi) = padded_range(
        (0..data.evals.len())
            .flat_map(|i| {
                [
                    data.objectives[i] - spread(i),
                    data.objectives[i] + spread(i),
                    data.best_so_far[i],
                ]
            })
            .chain(data.best_objective),
        false,
    );
    let mut chart = builder(area, &figure.title).build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    let whole = |v: &f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .x_label_formatter(&whole)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .max_light_lines(2)
        .draw()?;
    let points: Vec<(f64, f64, f64)> = (0..data.evals.len())
        .filter(|&i| data.objectives[i].is_finite())
        .map(|i| (data.evals[i] as f64, data.objectives[i], spread(i)))
        .collect();
    let cap = (x_hi - x_lo) * 0.004;
    chart.draw_series(
        points
            .iter()
            .filter(|p| p.2 > 0.0)
            .flat_map(|&(x, y, s)| whisker_vertical(x, y - s, y + s, cap, SKY_OI.mix(0.8).stroke_width(1))),
    )?;
    chart.draw_series(
        points
            .iter()
            .map(|&(x, y, _)| Circle::new((x, y), 3, SKY_OI.filled())),
    )?;
    legend.push(LegendEntry::new(
        "objective (whiskers: ±1.96 s.e.)",
        Swatch::Dot(SKY_OI),
    ));
    // The best so far as a step line.
    let mut steps: Vec<(f64, f64)> = Vec::new();
    for (i, &best) in data.best_so_far.iter().enumerate() {
        if !best.is_finite() {
            continue;
        }
        let x = data.evals[i] as f64;
        if let Some(&(_, previous)) = steps.last() {
            steps.push((x, previous));
        }
        steps.push((x, best));
    }
    chart.draw_series(LineSeries::new(steps, ORANGE_OI.stroke_width(2)))?;
    legend.push(LegendEntry::new("best so far", Swatch::Line(ORANGE_OI, 2)));
    if let Some(i) = data.best_index {
        let at = (data.evals[i] as f64, data.objectives[i]);
        chart.draw_series([
            Circle::new(at, 9, VERMILLION_OI.stroke_width(3)),
            Circle::new(at, 3, VERMILLION_OI.filled()),
        ])?;
        legend.push(LegendEntry::new(
            &format!(
                "best point (evaluation {}: {})",
                data.evals[i],
                format_number(data.objectives[i])
            ),
            Swatch::Ring(VERMILLION_OI),
        ));
    }
    Ok(legend)
}

fn draw_tornado(area: &Area<'_>, figure: &Figure, data: &Tornado) -> LegendResult {
    let mut legend = Legend::new();
    let n = data.bars.len();
    // Largest primary index at the top.
    let labels: Vec<String> = data.bars.iter().rev().map(|b| b.parameter.clone()).collect();
    let (x_lo, x_hi) = padded_range(
        data.bars.iter().flat_map(|b| {
            [
                b.primary.value,
                b.primary.ci_low,
                b.primary.ci_high,
                b.secondary.value,
                b.secondary.ci_low,
                b.secondary.ci_high,
            ]
        }),
        true,
    );
    // Parameter names sit left of their bars: the label area widens to hold the longest
    // one beside the axis description.
    let tick_labels: Vec<String> = (0..n).map(|i| category_label(&labels, i as f64)).collect();
    let widest = widest_tick_label(area, &tick_labels)?;
    let mut chart_builder = builder(area, &figure.title);
    chart_builder.y_label_area_size(Y_LABEL_AREA.max(widest + TICK_LABEL_GAP as u32 + AXIS_DESC_ROOM));
    let mut chart = chart_builder.build_cartesian_2d(x_lo..x_hi, category_axis(n))?;
    let label_of = |v: &f64| category_label(&labels, *v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .y_label_formatter(&label_of)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .max_light_lines(2)
        .draw()?;
    let y_of = |rank: usize| (n - 1 - rank) as f64;
    let sides = [
        (&data.primary_index, BLUE_OI, 0.04, 0.38),
        (&data.secondary_index, ORANGE_OI, -0.38, -0.04),
    ];
    for (side, (name, colour, lo, hi)) in sides.into_iter().enumerate() {
        let value_of = |bar: &super::figures::TornadoBar| if side == 0 { bar.primary } else { bar.secondary };
        chart.draw_series(
            data.bars
                .iter()
                .enumerate()
                .filter(|(_, b)| value_of(b).value.is_finite())
                .map(|(rank, b)| {
                    let y = y_of(rank);
                    Rectangle::new([(0.0, y + lo), (value_of(b).value, y + hi)], colour.filled())
                }),
        )?;
        legend.push(LegendEntry::new(
            index_display_name(name),
            Swatch::Fill(colour.to_rgba()),
        ));
        chart.draw_series(data.bars.iter().enumerate().flat_map(|(rank, b)| {
            let v = value_of(b);
            whisker_horizontal(
                y_of(rank) + (lo + hi) / 2.0,
                v.ci_low,
                v.ci_high,
                0.08,
                BLACK.stroke_width(2),
            )
        }))?;
    }
    legend.push(LegendEntry::new("95% interval", Swatch::Whisker));
    Ok(legend)
}

fn index_display_name(index: &str) -> &str {
    match index {
        "ST" => "ST (total index)",
        "S1" => "S1 (first-order index)",
        "mu_star" => "mu* (mean |elementary effect|)",
        "sigma" => "sigma (spread of effects)",
        other => other,
    }
}

/// Four significant digits, without trailing noise.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = math::log10(value.abs()).floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An attribute of an SVG opening tag, as a number.
    fn attribute(tag: &str, name: &str) -> f64 {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    }

    /// The `<text>` elements of an SVG: (opening tag, trimmed content).
    fn texts(svg: &str) -> Vec<(String, String)> {
        svg.split("<text ")
            .skip(1)
            .map(|rest| {
                let tag_end = rest.find('>').unwrap();
                let content_end = rest.find("</text>").unwrap();
                (
                    format!(" {}", &rest[..tag_end]),
                    rest[tag_end + 1..content_end].trim().to_owned(),
                )
            })
            .collect()
    }

    /// Renders outcome bars named `labels` and checks that the tick labels are turned
    /// exactly when `expect_rotated`, and that turned labels keep apart from each other
    /// and from the axis description below them.
    fn check(labels: &[&str], expect_rotated: bool) {
        let figure = Figure {
            id: "outcome_probabilities".into(),
            title: "Outcome probabilities".into(),
            x_label: "outcome".into(),
            y_label: "probability".into(),
            caption: "caption".into(),
            data: FigureData::IntervalBars {
                bars: labels
                    .iter()
                    .map(|label| IntervalBar {
                        label: (*label).into(),
                        mean: 0.1,
                        ci_low: 0.05,
                        ci_high: 0.15,
                        n: 10,
                    })
                    .collect(),
            },
        };
        let svg = render_svg(&figure).unwrap();
        let texts = texts(&svg);
        let (desc_tag, _) = texts.iter().find(|(_, content)| content == "outcome").unwrap();
        let desc_y = attribute(desc_tag, "y");
        let mut previous_x = f64::NEG_INFINITY;
        for label in labels {
            let matching: Vec<&String> = texts
                .iter()
                .filter(|(_, content)| content == label)
                .map(|(tag, _)| tag)
                .collect();
            assert_eq!(matching.len(), 1, "{label} drawn once in {labels:?}");
            let tag = matching[0];
            assert_eq!(
                tag.contains("rotate(270"),
                expect_rotated,
                "{label} in {labels:?}: {tag}"
            );
            let x = attribute(tag, "x");
            let font_size = attribute(tag, "font-size");
            if expect_rotated {
                assert!(
                    x - previous_x >= 1.2 * font_size,
                    "{label} crowds its neighbour: {tag}"
                );
                // A generous 0.65 em per character for a sans-serif face.
                let length = 0.65 * font_size * label.chars().count() as f64;
                assert!(
                    attribute(tag, "y") + length < desc_y,
                    "{label} runs into the axis description"
                );
            }
            previous_x = x;
        }
        assert!(
            desc_y < PLOT_HEIGHT as f64,
            "axis description stays above the caption"
        );
    }

    #[test]
    fn long_category_labels_are_turned_and_keep_apart() {
        check(&["japan", "dprk", "usa", "rok"], false);
        check(&["yes", "no"], false);
        check(
            &[
                "status_quo",
                "shelved",
                "deal_abductees",
                "deal_comprehensive",
                "deal_missiles",
                "summit_no_deal",
                "rejection",
                "lapsed",
                "escalation",
            ],
            true,
        );
        check(&["deal_comprehensive", "summit_no_deal"], false);
    }
}
