//! The bench's chart: every row of a `scripts/bench` results file as a
//! small panel, drawn as SVG for the book's benchmarks page.
//!
//! How to read it: a panel is one measurement ("hello-echo — 16
//! connections"), its axis names the unit and which way is better. Each
//! server measured is one bar, at the median of its runs, with the number
//! printed beside it; the whisker runs from its lowest run to its highest,
//! so a long whisker says the runs disagreed. The colour says whose server
//! it is: ours in Rust, the Python port of the original, the bare server
//! (the protocol and nothing else), or a reference tool such as socat.
//!
//! The results file ([`crate::results`]) is read with its serde types and
//! checked into a few plain structs ([`parse_results`], pure and
//! unit-tested), then drawn with plotters' SVG backend ([`draw_svg`]).
//! Entries not measured are left out of the bars, their reasons noted.
//!
//! # Try it
//!
//! ```text
//! netbench chart --input results.json --output chart.svg
//! ```

use std::path::Path;

use anyhow::{Context, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::results::{Better, Kind, Machine, Results, Row};

/// One measured server in a panel: its median run and the spread.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The name the bench gave it ("Rust", "socat 128 KiB").
    pub who: String,
    /// Whose it is, for its colour.
    pub kind: Kind,
    /// The median of its runs: the bar's length and the printed number.
    pub median: f64,
    /// Its lowest run: the whisker's left end.
    pub min: f64,
    /// Its highest run: the whisker's right end.
    pub max: f64,
}

/// An entry the bench could not measure, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The name the bench gave it.
    pub who: String,
    /// The bench's reason ("iperf3 is not installed").
    pub reason: String,
}

/// One row of the results: one panel of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// "lesson — row", the panel's caption.
    pub title: String,
    /// The unit of every bar ("round trips/s"), the x axis' label.
    pub metric: String,
    /// Which way the metric is better.
    pub better: Better,
    /// The measured entries, top to bottom in the file's order.
    pub bars: Vec<Bar>,
    /// The entries left out.
    pub skipped: Vec<Skipped>,
}

impl Panel {
    /// Whether every measured figure is zero (skipped entries aside).
    pub fn all_zero(&self) -> bool {
        !self.bars.is_empty() && self.bars.iter().all(|bar| bar.max == 0.0)
    }
}

/// A whole results file, as the chart needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The machine the bench ran on, in one line.
    pub machine: String,
    /// One per row, in the file's order.
    pub panels: Vec<Panel>,
}

impl Kind {
    /// Every kind, in the legend's order. Each has one colour in every
    /// panel.
    pub const ALL: [Kind; 4] =
        [Kind::Rust, Kind::Python, Kind::Bare, Kind::Reference];

    /// The kind in the legend, for a reader.
    fn legend(self) -> &'static str {
        match self {
            Kind::Rust => "Rust server",
            Kind::Python => "Python port",
            Kind::Bare => "bare server (protocol only)",
            Kind::Reference => "reference tool",
        }
    }
}

/// Reads a results file's text. A malformed file is an error that says
/// where: serde_json names the line and column of a field of the wrong
/// type, and the checks below name the row and the entry.
pub fn parse_results(text: &str) -> anyhow::Result<Chart> {
    let results: Results = serde_json::from_str(text)?;
    if results.rows.is_empty() {
        bail!("rows: empty, so there is nothing to draw");
    }
    let panels = results
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| panel(row).with_context(|| format!("rows[{i}]")))
        .collect::<anyhow::Result<Vec<Panel>>>()?;
    Ok(Chart {
        machine: describe_machine(&results.machine),
        panels,
    })
}

/// The machine in one line: "2 cores · AMD EPYC ... · Linux 6.18.0 ·
/// Python 3.11.2 · 2026-11-22". A figure the bench could not find out is
/// left out rather than stop the chart.
fn describe_machine(machine: &Machine) -> String {
    let cores = machine.cores.map(|cores| format!("{cores} cores"));
    let texts = [
        (&machine.cpu, ""),
        (&machine.kernel, "Linux "),
        (&machine.python, "Python "),
        (&machine.date, ""),
    ];
    let texts = texts.into_iter().filter_map(|(value, prefix)| {
        value.as_ref().map(|value| format!("{prefix}{value}"))
    });
    cores
        .into_iter()
        .chain(texts)
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A row's panel: its measured entries as bars, the others set aside
/// with their reason.
fn panel(row: &Row) -> anyhow::Result<Panel> {
    if row.entries.is_empty() {
        bail!("entries: empty; a row measures at least one server");
    }
    let mut panel = Panel {
        title: format!("{} — {}", row.lesson, row.row),
        metric: row.metric.clone(),
        better: row.better,
        bars: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, entry) in row.entries.iter().enumerate() {
        let who = entry.who.clone();
        let (median, min, max) = match (entry.median, &entry.skipped) {
            (None, Some(reason)) => {
                let reason = reason.clone();
                panel.skipped.push(Skipped { who, reason });
                continue;
            }
            (None, None) => {
                bail!("entries[{i}]: no median, and no reason it was skipped")
            }
            (Some(median), _) => match (entry.min, entry.max) {
                (Some(min), Some(max)) => (median, min, max),
                _ => bail!("entries[{i}]: a median needs its min and max"),
            },
        };
        // Bars start at zero: a negative figure cannot be drawn as one,
        // and no metric the bench measures (a rate, a time, a size) can
        // be negative.
        if min < 0.0 {
            bail!("entries[{i}].min: {min} is negative");
        }
        if !(min <= median && median <= max) {
            bail!(
                "entries[{i}]: expected min ≤ median ≤ max, found {min}, \
                 {median}, {max}"
            );
        }
        let kind = entry.kind;
        panel.bars.push(Bar {
            who,
            kind,
            median,
            min,
            max,
        });
    }
    Ok(panel)
}

/// A figure as a reader takes it in at a glance: three significant digits,
/// with a k, M or G past ten thousand (51.2k, 1.23M), and whole numbers
/// with a thousands comma below that (1,432); small ones keep two
/// significant digits (0.66, 0.042). Trailing zeros go (10k, not 10.0k).
pub fn format_number(x: f64) -> String {
    if x == 0.0 {
        return "0".to_owned();
    }
    if !x.is_finite() {
        return x.to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let size = x.abs();
    // Which form to use is decided after rounding, so that 9,999.7 becomes
    // "10k" and not "10,000", and 999.96 becomes "1,000" and not "1000".
    let rounded = round_significant(size, 3);
    let body = if rounded >= 1e4 {
        let (scale, suffix) = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
            .into_iter()
            .find(|(scale, _)| rounded >= *scale)
            .unwrap_or((1e3, "k"));
        format!("{}{suffix}", fixed(rounded / scale, 3))
    } else if rounded >= 1e3 {
        with_comma(size.round())
    } else if rounded >= 1.0 {
        fixed(rounded, 3)
    } else {
        fixed(round_significant(size, 2), 2)
    };
    format!("{sign}{body}")
}

/// `x` (positive, not zero) rounded to `digits` significant digits.
fn round_significant(x: f64, digits: i32) -> f64 {
    let magnitude = x.log10().floor() as i32;
    let unit = 10f64.powi(magnitude + 1 - digits);
    (x / unit).round() * unit
}

/// `x` (positive, not zero, already rounded) with the decimals its `digits`
/// significant digits need, trailing zeros removed.
fn fixed(x: f64, digits: i32) -> String {
    let magnitude = x.log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A whole number from 1,000 to 9,999 with its thousands comma.
fn with_comma(whole: f64) -> String {
    let whole = whole as u32;
    format!("{},{:03}", whole / 1000, whole % 1000)
}

// Drawing. Sizes are in pixels; the chart is drawn at the width of the
// book's text column and grows downwards with the number of rows.

/// The book's text column, about as wide as the chart is drawn.
const CHART_WIDTH: u32 = 750;
/// Panels side by side: two fit a label column, bars and numbers each.
const COLUMNS: usize = 2;
/// The chart's title, the machine and the legend, above the panels.
const HEADER_HEIGHT: u32 = 100;
/// A panel's caption, its x axis and the axis' label: its height without
/// the bars.
const PANEL_FRAME_HEIGHT: u32 = 78;
/// The height each bar takes, with its gap, in the panels with the most
/// bars; panels with fewer spread theirs out.
const BAR_PITCH: u32 = 24;
/// A bar's thickness, the same in every panel.
const BAR_THICKNESS: u32 = 14;
/// The height of a whisker's end marks.
const WHISKER_CAP: u32 = 8;
/// The column of server names at the left of a panel: as wide as the
/// longest name, within these bounds.
const WHO_WIDTH: std::ops::RangeInclusive<u32> = 48..=150;
/// The room on a panel's right, for the last tick's label.
const PANEL_RIGHT_MARGIN: u32 = 14;
/// The x axis' tick labels and the axis' label under them.
const X_AXIS_HEIGHT: u32 = 38;
/// At most this many numbered ticks on a panel's x axis, so that their
/// labels never touch.
const X_TICKS: usize = 4;
/// Between a whisker's right end and the median printed after it.
const LABEL_GAP: i32 = 5;

/// Text sizes, in pixels as the viewer draws them: the chart's title,
/// a panel's caption (a long one shrinks, down to the smallest size still
/// comfortable to read), the legend, and the labels, numbers and notes.
const TITLE_PX: f64 = 16.0;
const CAPTION_PX: f64 = 13.0;
const MIN_CAPTION_PX: f64 = 10.0;
const LEGEND_PX: f64 = 12.0;
const LABEL_PX: f64 = 11.5;
const MIN_LABEL_PX: f64 = 9.5;
/// The lines of a note on a panel that was not measured.
const NOTE_LINE_HEIGHT: i32 = 16;
/// Never wrap a note narrower than this, however the estimate comes out.
const MIN_NOTE_COLUMNS: usize = 20;

const FONT: &str = "sans-serif";
/// plotters' SVG backend writes a text's `font-size` as its style's size
/// divided by 1.24 (and estimates its width from the style's size):
/// multiplying by it makes the sizes below the pixels the viewer draws.
const SVG_FONT_SCALE: f64 = 1.24;

const TEXT: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(100, 100, 100);
const GRID: RGBColor = RGBColor(225, 225, 225);
const WHISKER: RGBColor = RGBColor(40, 40, 40);

/// A kind's colour, from the Okabe–Ito palette, which stays distinct for
/// readers with the common forms of colour blindness.
fn colour(kind: Kind) -> RGBColor {
    match kind {
        Kind::Rust => RGBColor(213, 94, 0),
        Kind::Python => RGBColor(0, 114, 178),
        Kind::Bare => RGBColor(0, 158, 115),
        Kind::Reference => RGBColor(150, 150, 150),
    }
}

/// Text `px` pixels high, in `colour`.
fn font(px: f64, colour: &RGBColor) -> TextStyle<'static> {
    (FONT, px * SVG_FONT_SCALE).into_font().color(colour)
}

/// The axes' labels: server names and ticks.
fn label() -> TextStyle<'static> {
    font(LABEL_PX, &TEXT)
}

/// Bold text `px` pixels high.
fn bold(px: f64) -> TextStyle<'static> {
    (FONT, px * SVG_FONT_SCALE, FontStyle::Bold)
        .into_font()
        .color(&TEXT)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Reads a results file and writes its chart.
pub fn draw_file(input: &Path, output: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("reading {}", input.display()))?;
    let mut results = parse_results(&text).with_context(|| {
        format!("{}: not a results file from scripts/bench", input.display())
    })?;
    // A row where every figure is zero (no datagram lost, say) has no bar
    // to show, only a tall empty panel: the table beside the chart says
    // it in words.
    results.panels.retain(|panel| !panel.all_zero());
    let svg = draw_svg(&results)?;
    std::fs::write(output, svg)
        .with_context(|| format!("writing {}", output.display()))
}

/// The chart of `results`, as the text of an SVG file.
pub fn draw_svg(results: &Chart) -> anyhow::Result<String> {
    if results.panels.is_empty() {
        bail!("no rows to draw");
    }
    let grid_rows = results.panels.len().div_ceil(COLUMNS);
    // Every panel is as tall as the one with the most bars, so that the
    // grid's rows line up.
    let most_bars = results.panels.iter().map(|panel| panel.bars.len()).max();
    let panel_height =
        PANEL_FRAME_HEIGHT + BAR_PITCH * most_bars.unwrap_or(1).max(1) as u32;
    let height = HEADER_HEIGHT + panel_height * grid_rows as u32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, height))
            .into_drawing_area();
        root.fill(&WHITE)?;
        let (header, grid) = root.split_vertically(HEADER_HEIGHT);
        draw_header(&header, &results.machine)?;
        let who_width = who_width(&root, results)?;
        let cells = grid.split_evenly((grid_rows, COLUMNS));
        for (panel, cell) in results.panels.iter().zip(&cells) {
            draw_panel(cell, panel, who_width)?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// The width of the name column, the same in every panel so that their
/// axes line up: the longest name, and a gap for the tick marks.
fn who_width(area: &Area, results: &Chart) -> anyhow::Result<u32> {
    let mut widest = 0;
    for bar in results.panels.iter().flat_map(|panel| &panel.bars) {
        widest = widest.max(area.estimate_text_size(&bar.who, &label())?.0);
    }
    Ok((widest + 14).clamp(*WHO_WIDTH.start(), *WHO_WIDTH.end()))
}

/// The chart's title, the machine, and the legend: the kinds' colours
/// and how to read a bar.
fn draw_header(area: &Area, machine: &str) -> anyhow::Result<()> {
    // Four lines, from the top: the title, the machine, the kinds'
    // colours, and a sample bar with its whisker.
    let left = 12;
    let top = Pos::new(HPos::Left, VPos::Top);
    area.draw(&Text::new(
        "netbench: the lessons' servers under load",
        (left, 10),
        bold(TITLE_PX).pos(top),
    ))?;
    area.draw(&Text::new(
        machine.to_owned(),
        (left, 34),
        font(LEGEND_PX, &MUTED).pos(top),
    ))?;

    let legend = font(LEGEND_PX, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    let swatch = 12;
    let row = 64;
    let mut x = left;
    for kind in Kind::ALL {
        area.draw(&Rectangle::new(
            [(x, row - swatch / 2), (x + swatch, row + swatch / 2)],
            colour(kind).filled(),
        ))?;
        area.draw(&Text::new(
            kind.legend(),
            (x + swatch + 5, row),
            legend.clone(),
        ))?;
        let (width, _) = area.estimate_text_size(kind.legend(), &legend)?;
        x += swatch + 5 + width as i32 + 22;
    }

    let row = 86;
    area.draw(&Rectangle::new(
        [(left, row - 5), (left + 34, row + 5)],
        RGBColor(190, 190, 190).filled(),
    ))?;
    let (from, to) = (left + 24, left + 44);
    area.draw(&PathElement::new(vec![(from, row), (to, row)], WHISKER))?;
    for end in [from, to] {
        area.draw(&(EmptyElement::at((end, row)) + cap()))?;
    }
    area.draw(&Text::new(
        "bar and number: the median of the runs · whisker: lowest to \
         highest run · arrow: the better way",
        (left + 54, row),
        legend,
    ))?;
    Ok(())
}

/// One row of the results: a caption, one bar per measured entry with
/// its whisker and number, and the metric under the x axis.
fn draw_panel(
    cell: &Area,
    panel: &Panel,
    who_width: u32,
) -> anyhow::Result<()> {
    let area = cell.margin(4, 8, 10, PANEL_RIGHT_MARGIN);
    let caption = caption_style(&area, &panel.title)?;
    if panel.bars.is_empty() {
        return draw_unmeasured(&area, panel, caption);
    }

    let value_style = label().pos(Pos::new(HPos::Left, VPos::Center));
    let x_end = axis_end(&area, panel, who_width, &value_style)?;
    let (axis_text, axis_style) = describe_axis(&area, panel, who_width)?;
    let n = panel.bars.len();
    // Each bar has a band two units high on the y axis, so that its
    // centre, where its name goes, is a whole number (plotters labels
    // chosen points on an integer axis, not on a float one). The bands
    // count from the bottom; the file's first entry gets the top one.
    let centre = |i: usize| 2 * (n - i) - 1;
    let centres = (0..n).map(centre).collect();
    let who = |y: &usize| {
        n.checked_sub(y.div_ceil(2))
            .and_then(|i| panel.bars.get(i))
            .map(|bar| bar.who.clone())
            .unwrap_or_default()
    };

    let mut chart = ChartBuilder::on(&area)
        .caption(&panel.title, caption)
        .x_label_area_size(X_AXIS_HEIGHT)
        .y_label_area_size(who_width)
        .build_cartesian_2d(0.0..x_end, (0..2 * n).with_key_points(centres))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(X_TICKS)
        .x_label_formatter(&|x| format_number(*x))
        .y_label_formatter(&who)
        .x_desc(axis_text)
        .label_style(label())
        .axis_desc_style(axis_style)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .draw()?;

    let plot = chart.plotting_area();
    let band_height = plot.dim_in_pixel().1 / n as u32;
    let bar_gap = band_height.saturating_sub(BAR_THICKNESS) / 2;
    for (i, bar) in panel.bars.iter().enumerate() {
        let y = centre(i);
        let mut rect = Rectangle::new(
            [(0.0, y + 1), (bar.median, y - 1)],
            colour(bar.kind).filled(),
        );
        rect.set_margin(bar_gap, bar_gap, 0, 0);
        plot.draw(&rect)?;
        plot.draw(&PathElement::new(
            vec![(bar.min, y), (bar.max, y)],
            WHISKER,
        ))?;
        for end in [bar.min, bar.max] {
            plot.draw(&(EmptyElement::at((end, y)) + cap()))?;
        }
        plot.draw(
            &(EmptyElement::at((bar.max, y))
                + Text::new(
                    format_number(bar.median),
                    (LABEL_GAP, 0),
                    value_style.clone(),
                )),
        )?;
    }
    Ok(())
}

/// A whisker's end mark, centred on the point it is added to.
fn cap() -> PathElement<(i32, i32)> {
    let half = WHISKER_CAP as i32 / 2;
    PathElement::new(vec![(0, -half), (0, half)], WHISKER)
}

/// Where a panel's x axis ends: past the longest whisker by the room
/// its number needs, so that no number runs off the panel.
fn axis_end(
    area: &Area,
    panel: &Panel,
    who_width: u32,
    value_style: &TextStyle,
) -> anyhow::Result<f64> {
    let mut label_width = 0;
    for bar in &panel.bars {
        let (width, _) =
            area.estimate_text_size(&format_number(bar.median), value_style)?;
        label_width = label_width.max(width);
    }
    let plot_width = f64::from(area.dim_in_pixel().0.saturating_sub(who_width));
    let room = f64::from(label_width) + f64::from(LABEL_GAP) * 2.0;
    let longest = panel.bars.iter().map(|bar| bar.max).fold(0.0, f64::max);
    let longest = if longest > 0.0 { longest } else { 1.0 };
    // The longest whisker ends `room` pixels before the axis does.
    Ok(longest * plot_width / (plot_width - room).max(plot_width / 2.0))
}

/// The x axis' label: the unit, and an arrow to the better end (the
/// legend says what the arrow means), smaller if it is too long to fit
/// under the axis.
fn describe_axis(
    area: &Area,
    panel: &Panel,
    who_width: u32,
) -> anyhow::Result<(String, TextStyle<'static>)> {
    let text = match panel.better {
        Better::Higher => format!("{}  (better →)", panel.metric),
        Better::Lower => format!("{}  (← better)", panel.metric),
    };
    // plotters centres the label under the plot, which may overflow into
    // the name column on the left, but only into the margin on the right.
    let plot_width = area.dim_in_pixel().0.saturating_sub(who_width);
    let room = plot_width + 2 * PANEL_RIGHT_MARGIN;
    let (width, _) = area.estimate_text_size(&text, &font(LABEL_PX, &MUTED))?;
    let px = LABEL_PX * f64::from(room) / f64::from(width.max(1));
    Ok((text, font(px.clamp(MIN_LABEL_PX, LABEL_PX), &MUTED)))
}

/// The skipped entries' names, grouped under each reason, in the
/// file's order: a row skipped for one cause says it once.
fn group_by_reason(skipped: &[Skipped]) -> Vec<(&str, Vec<&str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for entry in skipped {
        match groups
            .iter_mut()
            .find(|(reason, _)| *reason == entry.reason)
        {
            Some((_, who)) => who.push(&entry.who),
            None => groups.push((&entry.reason, vec![&entry.who])),
        }
    }
    groups
}

/// A panel's caption: bold, and smaller if the title is too long for
/// the panel at its usual size.
fn caption_style(
    area: &Area,
    title: &str,
) -> anyhow::Result<TextStyle<'static>> {
    let (width, _) = area.estimate_text_size(title, &bold(CAPTION_PX))?;
    let room = fitting(area.dim_in_pixel().0);
    let px = CAPTION_PX * f64::from(room) / f64::from(width.max(1));
    Ok(bold(px.clamp(MIN_CAPTION_PX, CAPTION_PX)))
}

/// The part of `width` that text estimated to fit really fits: plotters
/// estimates a text's width from its length (with no font backend it has
/// no glyphs to measure), and runs about a tenth short for bold.
fn fitting(width: u32) -> u32 {
    width * 9 / 10
}

/// A panel whose every entry was skipped: its caption and the reasons,
/// rather than an empty axis.
fn draw_unmeasured(
    area: &Area,
    panel: &Panel,
    caption: TextStyle,
) -> anyhow::Result<()> {
    let (width, _) = area.dim_in_pixel();
    let centre = width as i32 / 2;
    area.draw(&Text::new(
        panel.title.clone(),
        (centre, 4),
        caption.pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let note = font(LABEL_PX, &MUTED).pos(Pos::new(HPos::Center, VPos::Top));
    // The reasons are the bench's own sentences, of any length: wrapped
    // at spaces to the columns that fit the panel.
    let (letter_width, _) = area.estimate_text_size("n", &note)?;
    let columns = fitting(width) as usize / letter_width.max(1) as usize;
    let mut y = 34;
    for (reason, who) in group_by_reason(&panel.skipped) {
        let text = format!("not measured: {}\n{reason}", who.join(", "));
        for line in textwrap::wrap(&text, columns.max(MIN_NOTE_COLUMNS)) {
            area.draw(&Text::new(
                line.into_owned(),
                (centre, y),
                note.clone(),
            ))?;
            y += NOTE_LINE_HEIGHT;
        }
        y += NOTE_LINE_HEIGHT / 2;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rows: one with a skipped reference tool, one whose every
    /// entry was skipped.
    const SAMPLE: &str = r#"{
      "machine": {"cores": 2, "cpu": "AMD EPYC 7B13", "kernel": "6.18.0",
                  "python": "3.11.2", "date": "2026-11-22",
                  "nofile": 20000},
      "rows": [
        {"lesson": "udp-chat", "row": "32 in flight",
         "metric": "datagrams/s", "better": "higher",
         "entries": [
           {"who": "Rust", "kind": "rust", "median": 92100.0,
            "min": 90000.0, "max": 93000.0,
            "runs": [90000.0, 92100.0, 93000.0]},
           {"who": "Python port", "kind": "python", "median": 31400,
            "min": 30000, "max": 33000, "runs": [30000, 31400, 33000]},
           {"who": "iperf3", "kind": "reference", "median": null,
            "skipped": "iperf3 is not installed (apt install iperf3)"}
         ]},
        {"lesson": "chat-room", "row": "2,000 users",
         "metric": "ms p99", "better": "lower",
         "entries": [
           {"who": "Rust", "kind": "rust", "median": null,
            "skipped": "raise ulimit -n"},
           {"who": "bare", "kind": "bare", "median": null,
            "skipped": "raise ulimit -n"}
         ]}
      ]
    }"#;

    fn skipped(who: &str, reason: &str) -> Skipped {
        Skipped {
            who: who.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// Measured entries become bars in the file's order; skipped ones are
    /// kept apart with their reason, and a row with nothing measured is
    /// still a panel.
    #[test]
    fn results_become_panels_without_skipped_entries() {
        let results = parse_results(SAMPLE).unwrap();
        assert_eq!(
            results.machine,
            "2 cores · AMD EPYC 7B13 · Linux 6.18.0 · Python 3.11.2 · \
             2026-11-22"
        );
        let [udp, chat] = results.panels.as_slice() else {
            panic!("expected two panels: {:?}", results.panels);
        };
        assert_eq!(udp.title, "udp-chat — 32 in flight");
        assert_eq!(udp.metric, "datagrams/s");
        assert_eq!(udp.better, Better::Higher);
        assert_eq!(
            udp.bars,
            [
                Bar {
                    who: "Rust".to_owned(),
                    kind: Kind::Rust,
                    median: 92100.0,
                    min: 90000.0,
                    max: 93000.0,
                },
                Bar {
                    who: "Python port".to_owned(),
                    kind: Kind::Python,
                    median: 31400.0,
                    min: 30000.0,
                    max: 33000.0,
                },
            ]
        );
        assert_eq!(
            udp.skipped,
            [skipped(
                "iperf3",
                "iperf3 is not installed (apt install iperf3)"
            )]
        );

        assert_eq!(chat.title, "chat-room — 2,000 users");
        assert_eq!(chat.better, Better::Lower);
        assert!(chat.bars.is_empty());
        assert_eq!(
            chat.skipped,
            [
                skipped("Rust", "raise ulimit -n"),
                skipped("bare", "raise ulimit -n")
            ]
        );
    }

    /// A machine figure the bench could not find out (null) or did not
    /// write is left out of the header line, not an error.
    #[test]
    fn unknown_machine_figures_are_left_out() {
        let text = sample_with(r#""cores": 2"#, r#""cores": null"#).replacen(
            r#""python": "3.11.2","#,
            "",
            1,
        );
        let results = parse_results(&text).unwrap();
        assert_eq!(
            results.machine,
            "AMD EPYC 7B13 · Linux 6.18.0 · 2026-11-22"
        );
    }

    /// `SAMPLE` with the first occurrence of `from` replaced by `to`.
    fn sample_with(from: &str, to: &str) -> String {
        assert!(SAMPLE.contains(from), "{from} is not in the sample");
        SAMPLE.replacen(from, to, 1)
    }

    /// A malformed file is an error that names the place in the file and
    /// what is wrong there, never a panic.
    #[test]
    fn malformed_results_name_the_place() {
        let cases = [
            ("{", "EOF while parsing an object at line 1 column 1"),
            ("[]", "expected struct Results with 3 elements at line 1"),
            (r#"{"machine": {}}"#, "missing field `rows`"),
            (
                r#"{"machine": {"cores": "two"}}"#,
                "invalid type: string \"two\", expected u32 at line 1",
            ),
            (
                &sample_with(r#""rust""#, r#""rsut""#),
                "unknown variant `rsut`, expected one of `rust`, `python`, \
                 `bare`, `reference` at line 9",
            ),
            (
                &sample_with("31400,", r#""fast","#),
                "invalid type: string \"fast\", expected f64 at line 12",
            ),
            (
                &sample_with(r#""min": 30000"#, r#""min": 32000"#),
                "rows[0]: entries[1]: expected min ≤ median ≤ max, found \
                 32000, 31400, 33000",
            ),
            (
                &sample_with(r#""min": 30000"#, r#""min": -1"#),
                "rows[0]: entries[1].min: -1 is negative",
            ),
            (
                &sample_with(r#""higher""#, r#""up""#),
                "unknown variant `up`, expected `higher` or `lower` at line 7",
            ),
            (
                &sample_with(r#""skipped": "raise"#, r#""why": "raise"#),
                "rows[1]: entries[0]: no median, and no reason it was skipped",
            ),
            (
                &sample_with(r#""max": 93000.0,"#, ""),
                "rows[0]: entries[0]: a median needs its min and max",
            ),
            (r#"{"machine": {}, "rows": []}"#, "rows: empty"),
            (
                r#"{"machine": {}, "rows": {}}"#,
                "invalid type: map, expected a sequence at line 1",
            ),
        ];
        for (text, expected) in cases {
            let err = format!("{:#}", parse_results(text).unwrap_err());
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
    }

    /// Figures read at a glance: about three significant digits, a k, M
    /// or G for large ones, a comma in four-digit ones.
    #[test]
    fn numbers_are_formatted_for_reading() {
        let cases = [
            (51234.0, "51.2k"),
            (15000.0, "15k"),
            (118_000.0, "118k"),
            (9_999.7, "10k"),
            (1_234_567.0, "1.23M"),
            (2.0e9, "2G"),
            (1432.0, "1,432"),
            (1000.0, "1,000"),
            (999.96, "1,000"),
            (640.0, "640"),
            (38.46, "38.5"),
            (4.2, "4.2"),
            (1.0, "1"),
            (0.66, "0.66"),
            (0.0421, "0.042"),
            (0.0, "0"),
            (-1432.0, "-1,432"),
        ];
        for (x, expected) in cases {
            assert_eq!(format_number(x), expected, "for {x}");
        }
    }

    /// The chart holds every panel's title, each measured median, and the
    /// reason for a panel with nothing measured; the file is written.
    #[test]
    fn chart_shows_every_panel() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("results.json");
        let output = dir.path().join("chart.svg");
        std::fs::write(&input, SAMPLE).unwrap();
        draw_file(&input, &output).unwrap();

        let svg = std::fs::read_to_string(&output).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        for text in [
            "udp-chat — 32 in flight",
            "chat-room — 2,000 users",
            "datagrams/s  (better →)",
            "92.1k",
            "31.4k",
            "not measured: Rust, bare",
            "raise ulimit -n",
        ] {
            assert!(svg.contains(text), "the chart lacks {text:?}");
        }
        assert!(!svg.contains("iperf3"), "a skipped entry was drawn");
    }

    /// Edge cases draw too: one bar, and figures that are all zero.
    #[test]
    fn one_bar_and_zero_figures_draw() {
        let text = sample_with(r#""median": 92100.0"#, r#""median": 0"#)
            .replacen(r#""min": 90000.0"#, r#""min": 0"#, 1)
            .replacen(r#""max": 93000.0"#, r#""max": 0"#, 1);
        let mut results = parse_results(&text).unwrap();
        results.panels[0].bars.truncate(1);
        let svg = draw_svg(&results).unwrap();
        assert!(svg.contains("udp-chat — 32 in flight"));
        // draw_file leaves such a panel out; one with a figure stays.
        assert!(results.panels[0].all_zero());
        assert!(!results.panels[1].all_zero());
    }

    /// A file that cannot be read names itself.
    #[test]
    fn missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("nowhere.json");
        let err = draw_file(&input, &dir.path().join("chart.svg")).unwrap_err();
        assert!(format!("{err:#}").contains("nowhere.json"), "{err:#}");
    }
}
