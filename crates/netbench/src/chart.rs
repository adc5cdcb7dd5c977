//! The bench's chart: every target of a `scripts/bench` results file (a
//! ratio a Rust server must reach against another contender, "Rust ≥
//! 3.0× Python port") as one bar, drawn as SVG for the book's benchmarks
//! page. The table beside it gives every figure; the chart shows at a
//! glance which targets are met, and by how much: a bar is the ratio
//! measured over the ratio required, one scale for all, and past the line
//! at 1 it met its target. Its colour and the text after it say which, so
//! that the chart reads without colour. The bars are grouped by lesson; a
//! target that was not measured has its label and no bar.
//!
//! # Try it
//!
//! ```text
//! netbench chart --input docs/src/bench/results.json --output chart.svg
//! ```

use std::path::Path;

use anyhow::{Context, bail};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::results::{Results, Row, Target};

/// What a target asks, the label above its bar: "16 connections ·
/// round trips/s ↑ · Rust ≥ 3.0× Python port". It names the metric
/// because some rows share a load (`chat, 50 users`) and differ only in
/// what they measure.
fn label(row: &Row, target: &Target) -> String {
    let arrow = row.better.arrow();
    format!("{} · {} {arrow} · {}", row.row, row.metric, target.asked())
}

/// What a target reached, the text after its bar: "1.76×, missed (0.59
/// of target)", so that the chart reads without its colours.
fn outcome(target: &Target) -> String {
    let Some(ratio) = target.ratio else {
        return "not measured".to_owned();
    };
    let verdict = if target.met() { "met" } else { "missed" };
    let of_target = ratio / target.at_least;
    format!("{ratio:.2}×, {verdict} ({of_target:.2} of target)")
}

// Drawing, in pixels. The chart is as wide as the book's text column
// and grows downwards: a heading per lesson, a label and a bar per
// target. plotters places every text by its anchor; nothing is measured.

/// Space on the left and right of everything.
const MARGIN: u32 = 12;
/// The title and the lines on how to read the chart.
const HEADER_PX: u32 = 88;
const HEADING_PX: i32 = 28;
/// A target's height; within it, from its top, the bar's top and bottom
/// edges.
const TARGET_PX: i32 = 34;
const BAR_TOP: i32 = 18;
const BAR_BOTTOM: i32 = 28;
/// The x axis' numbers and its name, under the bars.
const AXIS_PX: u32 = 44;
const TEXT_PX: f64 = 12.0;

const TEXT: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(100, 100, 100);
/// Met and missed, from the Okabe–Ito palette: bluish green and
/// vermillion stay apart for readers with the common colour blindness.
const MET: RGBColor = RGBColor(0, 158, 115);
const MISSED: RGBColor = RGBColor(213, 94, 0);

const HOW_TO_READ: [&str; 3] = [
    "A bar past the line at 1× met its target (green), a bar short of it \
     missed (orange):",
    "the text after it says which. Bars stop at 2×: the text has the rest.",
    "A ratio is ours over theirs; for a ↓ figure (lower is better), theirs \
     over ours.",
];

/// Text `px` pixels high, in `colour`, bold or not. plotters' SVG backend
/// writes a text's `font-size` as its style's size divided by 1.24:
/// multiplying by it makes `px` the pixels the viewer draws.
fn font(px: f64, colour: &RGBColor, style: FontStyle) -> TextStyle<'static> {
    ("sans-serif", px * 1.24, style).into_font().color(colour)
}

/// Reads a results file and writes its chart.
pub fn draw_file(input: &Path, output: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("reading {}", input.display()))?;
    let results: Results = serde_json::from_str(&text).with_context(|| {
        format!("{}: not a results file from scripts/bench", input.display())
    })?;
    let svg = draw_svg(&results)
        .with_context(|| format!("drawing {}", input.display()))?;
    std::fs::write(output, svg)
        .with_context(|| format!("writing {}", output.display()))
}

/// The chart of `results`' targets, as the text of an SVG file.
pub fn draw_svg(results: &Results) -> anyhow::Result<String> {
    let targets: usize = results.rows.iter().map(|row| row.targets.len()).sum();
    if targets == 0 {
        bail!("no row has a target, so there is nothing to draw");
    }
    let with_targets =
        results.rows.iter().filter(|row| !row.targets.is_empty());
    let mut lessons: Vec<&str> = with_targets.map(|row| &*row.lesson).collect();
    lessons.dedup();
    let plot_px =
        HEADING_PX * lessons.len() as i32 + TARGET_PX * targets as i32;
    let height = HEADER_PX + plot_px as u32 + AXIS_PX;

    let mut svg = String::new();
    {
        // As wide as the book's text column.
        let root = SVGBackend::with_string(&mut svg, (750, height))
            .into_drawing_area();
        root.fill(&WHITE)?;
        let top_left = Pos::new(HPos::Left, VPos::Top);
        let (x, normal) = (MARGIN as i32, FontStyle::Normal);
        let title = font(15.0, &TEXT, FontStyle::Bold).pos(top_left);
        let heading = "Every target: the ratio measured ÷ the ratio required";
        root.draw(&Text::new(heading, (x, 10), title))?;
        let how_to_read = font(TEXT_PX, &MUTED, normal).pos(top_left);
        for (line, y) in HOW_TO_READ.into_iter().zip([34, 50, 66]) {
            root.draw(&Text::new(line, (x, y), how_to_read.clone()))?;
        }

        // x in "times the target", y in pixels down from the top, as
        // negative numbers (plotters' y axis points up). The axis ends
        // at 2.8×: room for the longest outcome ("15.05×, met (3.76 of
        // target)") after a bar at its end, 2×.
        let area = root.margin(HEADER_PX, 0, MARGIN, MARGIN);
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(AXIS_PX)
            .build_cartesian_2d(0.0..2.8, -f64::from(plot_px)..0.0)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            // 4 numbered ticks at most: plotters then picks 0×, 1× and
            // 2×, and leaves the room past the bars' end unnumbered.
            .x_labels(4)
            .x_label_formatter(&|x| format!("{x}×"))
            .x_desc("the ratio measured ÷ the ratio required")
            .label_style(font(TEXT_PX, &TEXT, normal))
            .axis_desc_style(font(TEXT_PX, &MUTED, normal))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .axis_style(MUTED)
            .draw()?;

        let plot = chart.plotting_area();
        let left = Pos::new(HPos::Left, VPos::Center);
        let (mut top, mut lesson) = (0, "");
        for row in &results.rows {
            for target in &row.targets {
                if row.lesson != lesson {
                    let heading =
                        font(TEXT_PX + 1.0, &TEXT, FontStyle::Bold).pos(left);
                    let y = -f64::from(top + HEADING_PX / 2);
                    plot.draw(&Text::new(&*row.lesson, (0.0, y), heading))?;
                    (top, lesson) = (top + HEADING_PX, &row.lesson);
                }
                // Its label, its bar (the ratio over the ratio required,
                // stopped at 2×: a longer one would squeeze the bars near
                // 1, and its text has the figure) with the line at 1
                // across it, and its outcome after both.
                let y = |px: i32| -f64::from(top + px);
                let style = font(TEXT_PX, &TEXT, normal).pos(left);
                let at = (0.0, y(9));
                plot.draw(&Text::new(label(row, target), at, style))?;
                let (end, colour) = match target.ratio {
                    None => (0.0, MUTED),
                    Some(ratio) => {
                        let end = (ratio / target.at_least).min(2.0);
                        let colour = if target.met() { MET } else { MISSED };
                        let corners = [(0.0, y(BAR_TOP)), (end, y(BAR_BOTTOM))];
                        plot.draw(&Rectangle::new(corners, colour.filled()))?;
                        (end, colour)
                    }
                };
                // The line at 1 is drawn bar by bar, so that it never runs
                // through a label; one above the other, the pieces read as
                // one line.
                plot.draw(&PathElement::new(
                    [(1.0, y(BAR_TOP - 3)), (1.0, y(BAR_BOTTOM + 3))],
                    TEXT.stroke_width(2),
                ))?;
                // A met target's text in black, the others' in their bar's
                // colour, 6 pixels past the bar or the line at 1.
                let colour = if target.met() { TEXT } else { colour };
                let style = font(TEXT_PX, &colour, normal).pos(left);
                let at = (end.max(1.0), y((BAR_TOP + BAR_BOTTOM) / 2));
                let text = Text::new(outcome(target), (6, 0), style);
                plot.draw(&(EmptyElement::at(at) + text))?;
                top += TARGET_PX;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two lessons: a row with a met and a missed target, a row with
    /// none, and a target that was not measured.
    const SAMPLE: &str = r#"{"machine": {"cores": 2}, "rows": [
      {"lesson": "hello-echo", "row": "16 connections",
       "metric": "round trips/s", "better": "higher", "entries": [],
       "targets": [
         {"rust": "Rust", "vs": "python", "at_least": 3.0, "ratio": 1.76,
          "who": "Python port", "met": false},
         {"rust": "Rust", "vs": "bare", "at_least": 0.9, "ratio": 0.99,
          "who": "bare", "met": true}]},
      {"lesson": "hello-echo", "row": "16 connections", "metric": "p99, ms",
       "better": "lower", "entries": [], "targets": []},
      {"lesson": "http-get", "row": "1 GiB", "metric": "seconds",
       "better": "lower", "entries": [],
       "targets": [{"rust": "Rust", "vs": "reference", "at_least": 0.9,
                    "ratio": null}]}]}"#;

    /// The chart names every lesson, and for each target what it asked
    /// and what it reached in words; a met target's bar is filled in
    /// another colour than a missed one's.
    #[test]
    fn chart_says_met_or_missed_in_words_and_colour() {
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (
            dir.path().join("results.json"),
            dir.path().join("chart.svg"),
        );
        std::fs::write(&input, SAMPLE).unwrap();
        draw_file(&input, &output).unwrap();
        let svg = std::fs::read_to_string(&output).unwrap();
        for text in [
            "hello-echo",
            "16 connections · round trips/s ↑ · Rust ≥ 3.0× Python port",
            "1.76×, missed (0.59 of target)",
            "16 connections · round trips/s ↑ · Rust ≥ 0.9× bare",
            "0.99×, met (1.10 of target)",
            "http-get",
            "1 GiB · seconds ↓ · Rust ≥ 0.9× reference",
            "not measured",
        ] {
            assert!(svg.contains(text), "the chart lacks {text:?}");
        }
        // A bar is the one shape filled in its colour with no stroke.
        let bars = |RGBColor(r, g, b)| {
            let fill =
                format!(r##"fill="#{r:02X}{g:02X}{b:02X}" stroke="none""##);
            svg.matches(&fill).count()
        };
        assert_eq!((bars(MET), bars(MISSED)), (1, 1), "{svg}");
    }

    /// A file with no target, or not a results file, is an error that
    /// says why; one that cannot be read names itself.
    #[test]
    fn bad_input_is_an_error_that_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("results.json");
        let cases = [
            (r#"{"rows": []}"#, "no row has a target"),
            (
                &SAMPLE.replacen("1.76", r#""fast""#, 1),
                "invalid type: string \"fast\", expected f64 at line 5",
            ),
        ];
        let output = dir.path().join("chart.svg");
        for (text, expected) in cases {
            std::fs::write(&input, text).unwrap();
            let err = format!("{:#}", draw_file(&input, &output).unwrap_err());
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
        let nowhere = dir.path().join("nowhere.json");
        let err = format!("{:#}", draw_file(&nowhere, &output).unwrap_err());
        assert!(err.contains("nowhere.json"), "{err}");
    }
}
