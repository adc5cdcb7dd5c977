//! The results file that `netbench suite` writes and `netbench chart`
//! reads, as serde types: the machine it ran on, and one row per figure,
//! with every contender's runs and the row's targets, the ratios a Rust
//! server must reach against another contender. Also what the suite
//! decides from them: whether a target is met ([`Row::judge`]), and the
//! book's file with some lessons measured again ([`Results::merged`]).
//!
//! The book's `docs/src/bench/results.json` is one, written with one
//! space of indent; a target not measured has `"ratio": null` and no
//! `who` or `met`, a skipped entry `"median": null` and why.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A results file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Results {
    /// The machine and the day of the run.
    #[serde(default)]
    pub machine: Machine,
    /// Runs behind each figure.
    #[serde(default)]
    pub repeats: u32,
    /// When each lesson's rows were measured, once they differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<BTreeMap<String, Measured>>,
    /// One per figure, grouped by lesson: a row of the table.
    pub rows: Vec<Row>,
}

/// What the figures were measured on, for the table's last line; a
/// file may leave any of it out.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Machine {
    /// CPUs, as /proc/cpuinfo lists them.
    pub cores: usize,
    /// The model name in `/proc/cpuinfo`.
    pub cpu: String,
    /// The kernel's release (`uname -r`).
    pub kernel: String,
    /// The Python the ports ran under.
    pub python: String,
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// The open-file limit the servers had.
    pub nofile: u64,
}

/// When one lesson's rows were measured, in a merged file.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Measured {
    /// The day.
    pub date: String,
    /// The kernel's release: a new one is worth a note in the table.
    pub kernel: String,
    /// The processor (a VM's host can change); absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Runs behind each figure.
    pub repeats: u32,
}

/// One figure of one load, for every contender, and its targets.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Row {
    /// The lesson's slug (`hello-echo`).
    pub lesson: String,
    /// The load, in words (`16 connections`).
    pub row: String,
    /// The unit of every figure (`round trips/s`).
    pub metric: String,
    /// Which way the figure is better.
    pub better: Better,
    /// Each contender's figure, in the order they ran.
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// For each Rust contender, each ratio it must reach; often none.
    pub targets: Vec<Target>,
}

/// Which way a figure is better: more round trips, fewer milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// More is better (a rate).
    Higher,
    /// Less is better (a latency, memory).
    Lower,
}

impl Better {
    /// The arrow the table and the chart put after a metric.
    pub fn arrow(self) -> &'static str {
        match self {
            Better::Higher => "↑",
            Better::Lower => "↓",
        }
    }
}

/// What a contender is, and the table's column for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Our server (or client): the one held to targets.
    Rust,
    /// The Python port of the original.
    Python,
    /// netbench's bare server: the lesson's protocol and nothing else.
    Bare,
    /// A tool made elsewhere, or lesson 7's threaded servers (1 and 5).
    Reference,
}

impl Kind {
    /// Every kind, in the table's column order.
    pub const ALL: [Kind; 4] =
        [Kind::Rust, Kind::Python, Kind::Bare, Kind::Reference];

    /// Its name in the results file.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rust => "rust",
            Kind::Python => "python",
            Kind::Bare => "bare",
            Kind::Reference => "reference",
        }
    }
}

/// One contender's figure in a row: the median of its runs, or why
/// there is none (`median` null, `skipped` says why).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Entry {
    /// Its name in the table ("Rust --copy buffered", "curl").
    pub who: String,
    /// Its column.
    pub kind: Kind,
    /// The median of its runs.
    pub median: Option<f64>,
    /// The least of its runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The most of its runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Every run's figure, in the order they ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<Vec<f64>>,
    /// Why there is no figure: a tool not installed, no run succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

impl Entry {
    /// The median and spread of `runs`, or skipped if there is none.
    pub fn of_runs(who: &str, kind: Kind, runs: Vec<f64>) -> Entry {
        if runs.is_empty() {
            return Entry::skipped(who, kind, "no run succeeded");
        }
        let mut sorted = runs.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        Entry {
            who: who.into(),
            kind,
            median: Some((sorted[(n - 1) / 2] + sorted[n / 2]) / 2.0),
            min: Some(sorted[0]),
            max: Some(sorted[n - 1]),
            runs: Some(runs),
            skipped: None,
        }
    }

    /// An entry with no figure, and why.
    pub fn skipped(who: &str, kind: Kind, why: &str) -> Entry {
        Entry {
            who: who.into(),
            kind,
            median: None,
            min: None,
            max: None,
            runs: None,
            skipped: Some(why.into()),
        }
    }
}

/// One target: a Rust contender's figure against another's.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Target {
    /// The Rust contender held to it ("Rust", "Rust -q", "one thread").
    pub rust: String,
    /// The kind of contender it is measured against.
    pub vs: Kind,
    /// The ratio it must reach.
    pub at_least: f64,
    /// Its figure over the other's (the other's over its when lower is
    /// better); `null` if either was not measured.
    pub ratio: Option<f64>,
    /// The best contender of kind `vs`, that it was measured against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// Whether `ratio` reached `at_least`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
}

impl Target {
    /// Whether it was measured and met.
    pub fn met(&self) -> bool {
        self.met == Some(true)
    }

    /// What it asks: "Rust ≥ 3.0× Python port" (`{:?}` writes 3.0 as
    /// "3.0"), naming the kind when no contender of it was measured.
    pub fn asked(&self) -> String {
        let who = self.who.as_deref().unwrap_or(self.vs.name());
        format!("{} ≥ {:?}× {who}", self.rust, self.at_least)
    }
}

impl Row {
    /// Each target of the row, for each Rust entry: its figure against
    /// the best of another kind's (iperf3 rather than socat, say).
    /// `targets` are (kind of the other contender, at least this ratio).
    pub fn judge(&mut self, targets: &[(Kind, f64)]) {
        // A zero is no figure: no ratio can be made with it.
        let figure = |e: &Entry| e.median.filter(|&m| m != 0.0);
        let mut judged = Vec::new();
        for rust in self.entries.iter().filter(|e| e.kind == Kind::Rust) {
            for &(vs, at_least) in targets {
                let others = self.entries.iter().filter(|e| e.kind == vs);
                let others = others.filter_map(|e| Some((figure(e)?, e)));
                let by_figure =
                    |a: &(f64, _), b: &(f64, _)| a.0.total_cmp(&b.0);
                let best = match self.better {
                    Better::Higher => others.max_by(by_figure),
                    Better::Lower => others.min_by(by_figure),
                };
                let ratio = figure(rust).zip(best).map(
                    |(ours, (theirs, _))| match self.better {
                        Better::Higher => ours / theirs,
                        Better::Lower => theirs / ours,
                    },
                );
                judged.push(Target {
                    rust: rust.who.clone(),
                    vs,
                    at_least,
                    ratio,
                    who: ratio.and(best).map(|(_, e)| e.who.clone()),
                    met: ratio.map(|ratio| ratio >= at_least),
                });
            }
        }
        self.targets = judged;
    }
}

impl Results {
    /// The text of a results file: one space of indent, as the book's
    /// file has always been written, and a newline at the end.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let indent = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut json =
            serde_json::Serializer::with_formatter(Vec::new(), indent);
        self.serialize(&mut json)?;
        Ok([json.into_inner(), vec![b'\n']].concat())
    }

    /// When these results were measured, for `measured`.
    fn when(&self) -> Measured {
        Measured {
            date: self.machine.date.clone(),
            kernel: self.machine.kernel.clone(),
            cpu: Some(self.machine.cpu.clone()),
            repeats: self.repeats,
        }
    }

    /// The book's results (`self`) with the rows of `lessons` replaced by
    /// `run`'s, in the order of `order`; `measured` says when each
    /// lesson's rows were measured, and with how many repeats. The
    /// machine line stays the book's.
    pub fn merged(
        &self,
        run: &Results,
        lessons: &[&str],
        order: &[&str],
    ) -> Results {
        let mut measured = self.measured.clone().unwrap_or_else(|| {
            self.rows
                .iter()
                .map(|row| (row.lesson.clone(), self.when()))
                .collect()
        });
        for lesson in lessons {
            measured.insert((*lesson).into(), run.when());
        }
        let kept = self
            .rows
            .iter()
            .filter(|row| !lessons.contains(&row.lesson.as_str()));
        let mut rows: Vec<Row> = kept.chain(&run.rows).cloned().collect();
        // A stable sort: each lesson's rows keep their order.
        let place = |row: &Row| order.iter().position(|l| *l == row.lesson);
        rows.sort_by_key(place);
        Results {
            machine: self.machine.clone(),
            repeats: self.repeats,
            measured: Some(measured),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(better: Better, entries: Vec<Entry>) -> Row {
        Row {
            lesson: "hello-echo".into(),
            row: "16 connections".into(),
            metric: "round trips/s".into(),
            better,
            entries,
            targets: vec![],
        }
    }

    /// A rate is judged against the best of the other kind, a latency
    /// the other way round; each Rust entry is judged apart.
    #[test]
    fn targets_are_judged_against_the_best_of_the_kind() {
        let entries = vec![
            Entry::of_runs("Rust", Kind::Rust, vec![90.0]),
            Entry::of_runs("Rust -q", Kind::Rust, vec![120.0]),
            Entry::of_runs("socat", Kind::Reference, vec![50.0]),
            Entry::of_runs("iperf3", Kind::Reference, vec![100.0]),
        ];
        let mut rate = row(Better::Higher, entries.clone());
        rate.judge(&[(Kind::Reference, 1.0)]);
        let got: Vec<_> = rate
            .targets
            .iter()
            .map(|t| (t.rust.as_str(), t.who.as_deref(), t.ratio, t.met))
            .collect();
        assert_eq!(
            got,
            [
                ("Rust", Some("iperf3"), Some(0.9), Some(false)),
                ("Rust -q", Some("iperf3"), Some(1.2), Some(true)),
            ]
        );
        let mut latency = row(Better::Lower, entries);
        latency.judge(&[(Kind::Reference, 0.5)]);
        // socat's 50 is the best latency: 50 / 90 for Rust.
        let first = &latency.targets[0];
        assert_eq!(first.who.as_deref(), Some("socat"));
        assert!((first.ratio.unwrap() - 50.0 / 90.0).abs() < 1e-9);
        assert_eq!(first.met, Some(true));
    }

    /// No figure on either side, or a zero, is "not measured": a ratio
    /// of null, no `who`, no `met`, and written without them.
    #[test]
    fn a_target_without_figures_is_not_measured() {
        let mut skipped = row(
            Better::Higher,
            vec![
                Entry::of_runs("Rust", Kind::Rust, vec![10.0]),
                Entry::skipped("Python port", Kind::Python, "no run succeeded"),
                Entry::of_runs("bare", Kind::Bare, vec![0.0]),
            ],
        );
        skipped.judge(&[(Kind::Python, 3.0), (Kind::Bare, 0.9)]);
        for target in &skipped.targets {
            assert_eq!(
                (target.ratio, &target.who, target.met),
                (None, &None, None)
            );
        }
        let json = serde_json::to_string(&skipped.targets[0]).unwrap();
        assert_eq!(
            json,
            r#"{"rust":"Rust","vs":"python","at_least":3.0,"ratio":null}"#
        );
    }

    /// An even number of runs has the mean of the middle two as median.
    #[test]
    fn an_entry_has_the_median_and_spread_of_its_runs() {
        let entry =
            Entry::of_runs("Rust", Kind::Rust, vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!(
            (entry.median, entry.min, entry.max),
            (Some(2.5), Some(1.0), Some(4.0))
        );
        assert_eq!(entry.runs, Some(vec![4.0, 1.0, 3.0, 2.0]));
        let none = Entry::of_runs("Rust", Kind::Rust, vec![]);
        assert_eq!(
            (none.median, none.skipped.as_deref()),
            (None, Some("no run succeeded"))
        );
    }

    fn results(date: &str, rows: &[(&str, &str)]) -> Results {
        let mut results = Results {
            repeats: 3,
            ..Results::default()
        };
        results.machine.date = date.into();
        results.machine.kernel = "6.1".into();
        for (lesson, label) in rows {
            let mut row = row(Better::Higher, vec![]);
            (row.lesson, row.row) = (lesson.to_string(), label.to_string());
            results.rows.push(row);
        }
        results
    }

    /// A lesson measured again replaces its own rows, in the lessons'
    /// order; the others keep theirs and their date; the machine line
    /// stays the book's.
    #[test]
    fn merging_replaces_only_the_lessons_measured() {
        let order = ["hello-echo", "udp-chat", "chat-room"];
        let book = results(
            "2026-01-01",
            &[("hello-echo", "1"), ("udp-chat", "old"), ("chat-room", "5")],
        );
        let mut run = results(
            "2026-02-02",
            &[("udp-chat", "new a"), ("udp-chat", "new b")],
        );
        run.repeats = 1;
        let merged = book.merged(&run, &["udp-chat"], &order);
        let rows: Vec<_> = merged
            .rows
            .iter()
            .map(|r| (r.lesson.as_str(), r.row.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("hello-echo", "1"),
                ("udp-chat", "new a"),
                ("udp-chat", "new b"),
                ("chat-room", "5")
            ]
        );
        assert_eq!(merged.machine.date, "2026-01-01");
        let measured = merged.measured.unwrap();
        assert_eq!(measured["udp-chat"].date, "2026-02-02");
        assert_eq!(measured["udp-chat"].repeats, 1);
        assert_eq!(measured["chat-room"].date, "2026-01-01");
        assert_eq!(measured.len(), 3);
    }

    /// The book's results file reads into the types and writes back the
    /// same text, so that merging rewrites no other lesson's figures.
    #[test]
    fn the_books_results_file_round_trips() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/src/bench/results.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let results: Results = serde_json::from_str(&text).unwrap();
        assert_eq!(String::from_utf8(results.to_json().unwrap()), Ok(text));
        // A figure whose last digit serde_json's default parser changes.
        let exact: f64 = "1.0163224363939383".parse().unwrap();
        assert_eq!(
            serde_json::from_str("1.0163224363939383").ok(),
            Some(exact)
        );
    }
}
