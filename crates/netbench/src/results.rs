//! The results format, one set of types for both ends: a load's report
//! (`hello_echo::Report` and the others) is what `--json` prints, one
//! object on one line; `scripts/bench` runs the loads, gathers each
//! row's figures into a results file ([`Results`]), and `netbench chart`
//! reads that file back with these types. A field is named once, here or
//! on a report, for the writer and the reader alike.
//!
//! One run (`netbench hello-echo --json`; a figure not measured is
//! `null`, and the latency fields are left out when no step completed):
//!
//! ```text
//! {"mode":"hello-echo","lines":false,"connections":16,"round_trips":299976,
//!  "seconds":3.0,"per_s":99992.0,"p50_ms":0.142,"p99_ms":0.462,
//!  "max_ms":7.774,"server_threads":19,"server_rss_kib":3072,
//!  "server_peak_rss_kib":3277,"server_cpu_us_per_step":11.2}
//! ```
//!
//! A results file (`median: null` is an entry that was not measured):
//!
//! ```text
//! {"machine": {"cores": 2, "cpu": "AMD EPYC ...", "kernel": "6.18.0",
//!              "python": "3.11.2", "date": "2026-11-22", "nofile": 20000},
//!  "repeats": 3,
//!  "rows": [{"lesson": "hello-echo", "row": "16 connections",
//!            "metric": "round trips/s", "better": "higher",
//!            "entries": [{"who": "Rust", "kind": "rust", "median": 51234.0,
//!                         "min": 50000.0, "max": 52000.0, "runs": [...]},
//!                        {"who": "iperf3", "kind": "reference",
//!                         "median": null, "skipped": "not installed"}]}]}
//! ```
//!
//! `scripts/bench` also writes each row's targets and when each lesson
//! was measured, for its table; nothing here reads them, and they are
//! passed over.

use serde::{Deserialize, Serialize};

/// A results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// The machine the bench ran on.
    pub machine: Machine,
    /// How many runs each figure is the median of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<u32>,
    /// One per measurement: a row of the table, a panel of the chart.
    pub rows: Vec<Row>,
}

/// The machine, as far as the bench could find it out: a figure it
/// could not (Python's `os.cpu_count()` on an odd system) is `null`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Machine {
    /// Cores the system has.
    pub cores: Option<u32>,
    /// The processor's model name.
    pub cpu: Option<String>,
    /// The Linux kernel's release.
    pub kernel: Option<String>,
    /// The Python that ran the ports.
    pub python: Option<String>,
    /// The day of the run, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The open-file limit the servers and loads ran with.
    pub nofile: Option<u64>,
}

/// One measurement, every contender's figure for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The lesson's slug (`hello-echo`).
    pub lesson: String,
    /// The load, in words (`16 connections`).
    pub row: String,
    /// The unit of every figure (`round trips/s`).
    pub metric: String,
    /// Which way the figure is better.
    pub better: Better,
    /// One per contender, in the order they ran.
    pub entries: Vec<Entry>,
}

/// One contender's figure: the median of its runs and their spread, or
/// why it was not measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The name the bench gave it ("Rust", "socat 128 KiB").
    pub who: String,
    /// Whose it is.
    pub kind: Kind,
    /// The median of its runs; `null` if it was not measured.
    pub median: Option<f64>,
    /// Its lowest run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Its highest run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Every run's figure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<f64>,
    /// Why it was not measured ("iperf3 is not installed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// Whose server an entry measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The lesson's server, in Rust.
    Rust,
    /// The Python port of the original tutorial's server.
    Python,
    /// A bare server: the lesson's protocol and nothing else.
    Bare,
    /// A tool outside the project (socat, iperf3), for scale.
    Reference,
}

/// Which way a figure is better: more round trips, fewer milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// More is better (a rate).
    Higher,
    /// Less is better (a latency, memory).
    Lower,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A results file reads into the types and writes back the same:
    /// a measured entry, a skipped one, and a machine figure unknown.
    #[test]
    fn results_round_trip() {
        let text = r#"{"machine": {"cores": null, "cpu": "AMD EPYC 7B13",
            "kernel": "6.18.0", "date": "2026-11-22", "nofile": 20000},
          "repeats": 3, "targets": "passed over",
          "rows": [{"lesson": "udp-chat", "row": "32 in flight",
            "metric": "datagrams/s", "better": "higher", "entries": [
              {"who": "Rust", "kind": "rust", "median": 92100.0,
               "min": 90000, "max": 93000.0, "runs": [90000, 92100, 93000]},
              {"who": "iperf3", "kind": "reference", "median": null,
               "skipped": "iperf3 is not installed"}]}]}"#;
        let results: Results = serde_json::from_str(text).unwrap();
        assert_eq!(results.machine.cores, None);
        assert_eq!(results.machine.python, None);
        assert_eq!(results.repeats, Some(3));
        let [rust, iperf3] = results.rows[0].entries.as_slice() else {
            panic!("two entries: {results:?}");
        };
        assert_eq!(
            (rust.kind, rust.min, rust.runs.len()),
            (Kind::Rust, Some(90000.0), 3)
        );
        assert_eq!(iperf3.skipped.as_deref(), Some("iperf3 is not installed"));
        let written = serde_json::to_string(&results).unwrap();
        assert!(written.contains(r#""median":null,"skipped""#), "{written}");
        assert!(!written.contains(r#""min":null"#), "{written}");
        assert_eq!(serde_json::from_str::<Results>(&written).unwrap(), results);
    }
}
