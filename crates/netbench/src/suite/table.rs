//! The suite's results as the Markdown table the book's benchmarks page
//! includes (`docs/src/bench/results.md`): one line per row, a column
//! per kind of contender, then the row's targets, and a last line saying
//! what the figures were measured on.
//!
//! ```text
//! | lesson | row | figure | Rust | Python port | bare | reference | targets |
//! |---|---|---|---|---|---|---|---|
//! | hello-echo | 16 connections | round trips/s ↑ | **51,000** (50,000–52,000) | ...
//! ```

use crate::results::{Entry, Kind, Results};

/// A figure as the table prints it: three significant digits or so,
/// with a thousands separator past 100; `–` for none.
pub fn number(value: Option<f64>) -> String {
    let Some(value) = value else {
        return "–".into();
    };
    if value.abs() >= 100.0 {
        // Rounded half to even, as the tables the Python runner wrote.
        let whole = format!("{:.0}", value.abs()).parse().unwrap_or(0);
        let sign = if value < 0.0 { "-" } else { "" };
        format!("{sign}{}", super::thousands(whole))
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// One contender's cell: the median in bold with the spread of the
/// runs, the figure alone when every run gave the same, or why it has
/// none.
pub fn cell(entry: &Entry) -> String {
    match entry.median {
        None => {
            format!("skipped: {}", entry.skipped.as_deref().unwrap_or(""))
        }
        Some(_) if entry.min == entry.max => number(entry.median),
        Some(_) => format!(
            "**{}** ({}–{})",
            number(entry.median),
            number(entry.min),
            number(entry.max)
        ),
    }
}

/// The whole table, and the line on the machine; `lessons` gives the
/// order of the notes on lessons measured on another day.
pub fn table(results: &Results, lessons: &[&str]) -> String {
    let mut out = "| lesson | row | figure | Rust | Python port | bare | \
        reference | targets |\n|---|---|---|---|---|---|---|---|\n"
        .to_owned();
    for row in &results.rows {
        let mut cells = vec![
            row.lesson.clone(),
            row.row.clone(),
            format!("{} {}", row.metric, row.better.arrow()),
        ];
        for kind in Kind::ALL {
            let of_kind: Vec<&Entry> =
                row.entries.iter().filter(|e| e.kind == kind).collect();
            // Several of a kind, or a reference tool, say who each is.
            cells.push(if of_kind.len() > 1 || kind == Kind::Reference {
                let named =
                    of_kind.iter().map(|e| format!("{}: {}", e.who, cell(e)));
                named.collect::<Vec<_>>().join("<br>")
            } else {
                of_kind.first().map(|e| cell(e)).unwrap_or_default()
            });
        }
        let goals = row.targets.iter().map(|t| match t.ratio {
            Some(ratio) => {
                let verdict = if t.met() { "met" } else { "**missed**" };
                format!("{}: {ratio:.2}×, {verdict}", t.asked())
            }
            None => format!("{}: not measured", t.asked()),
        });
        cells.push(goals.collect::<Vec<_>>().join("<br>"));
        out += &format!("| {} |\n", cells.join(" | "));
    }
    let m = &results.machine;
    out += &format!(
        "\nMeasured on {}: {} cores ({}), Linux {}, Python {}, open-file \
         limit {}; median of {} runs (min–max).",
        m.date,
        m.cores,
        m.cpu,
        m.kernel,
        m.python,
        number(Some(m.nofile as f64)),
        results.repeats
    );
    let measured = results.measured.clone().unwrap_or_default();
    for lesson in lessons {
        let w = measured.get(*lesson);
        if let Some(w) = w.filter(|w| w.date != m.date || w.kernel != m.kernel)
        {
            // Only a recorded processor says whether it was the same.
            let on = match &w.cpu {
                Some(cpu) if *cpu == m.cpu => ", same machine".to_owned(),
                Some(cpu) => format!(", {cpu}"),
                None => String::new(),
            };
            out += &format!(
                " The {lesson} rows were measured on {}{on}, Linux {}, \
                 median of {} runs.",
                w.date, w.kernel, w.repeats
            );
        }
    }
    out + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Machine, Measured};

    /// Three significant digits or so, commas from 100 up, a dash for
    /// nothing measured.
    #[test]
    fn numbers_are_printed_as_the_table_prints_them() {
        assert_eq!(number(Some(1_234_567.4)), "1,234,567");
        assert_eq!(number(Some(999.5)), "1,000");
        assert_eq!(number(Some(100.0)), "100");
        assert_eq!(number(Some(-12_345.0)), "-12,345");
        assert_eq!(number(Some(42.25)), "42.2");
        assert_eq!(number(Some(4.005)), "4.00");
        assert_eq!(number(Some(0.0)), "0.00");
        assert_eq!(number(None), "–");
    }

    /// A spread in bold and brackets; one figure alone; a skip says why.
    #[test]
    fn a_cell_shows_the_median_and_its_spread() {
        let mut entry =
            Entry::of_runs("Rust", Kind::Rust, vec![9.0, 12.5, 10.0]);
        assert_eq!(cell(&entry), "**10.0** (9.00–12.5)");
        entry = Entry::of_runs("Rust", Kind::Rust, vec![1500.0]);
        assert_eq!(cell(&entry), "1,500");
        entry = Entry::skipped("curl", Kind::Reference, "curl not installed");
        assert_eq!(cell(&entry), "skipped: curl not installed");
    }

    /// A lesson measured again says on what: "same machine" only when
    /// the processor recorded with it is the book's.
    #[test]
    fn a_lesson_measured_later_names_its_processor() {
        let when = |cpu: Option<&str>| {
            let measured = Measured {
                date: "2026-12-07".into(),
                kernel: "6.18-new".into(),
                cpu: cpu.map(str::to_owned),
                repeats: 3,
            };
            let results = Results {
                machine: Machine {
                    cpu: "AMD EPYC".into(),
                    date: "2026-11-22".into(),
                    ..Machine::default()
                },
                repeats: 3,
                measured: Some([("http-get".to_owned(), measured)].into()),
                rows: Vec::new(),
            };
            table(&results, &["http-get"])
        };
        let other = when(Some("Intel Xeon"));
        assert!(
            other
                .contains("measured on 2026-12-07, Intel Xeon, Linux 6.18-new"),
            "{other}"
        );
        let same = when(Some("AMD EPYC"));
        assert!(same.contains("2026-12-07, same machine, Linux"), "{same}");
        let unknown = when(None);
        assert!(unknown.contains("on 2026-12-07, Linux"), "{unknown}");
        assert!(!unknown.contains("same machine"), "{unknown}");
    }

    /// The book's results make the book's table, byte for byte.
    #[test]
    fn the_books_results_make_the_books_table() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/src/bench");
        let read = |file| std::fs::read_to_string(format!("{dir}/{file}"));
        let results = serde_json::from_str(&read("results.json").unwrap());
        let markdown = read("results.md").unwrap();
        assert_eq!(table(&results.unwrap(), &super::super::LESSONS), markdown);
    }
}
