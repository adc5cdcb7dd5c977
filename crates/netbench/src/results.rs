//! The results file that `scripts/bench` writes and `netbench chart`
//! reads. The bench writes every row's figures, for its table, and the
//! row's targets: the ratios a Rust server must reach against another
//! contender. The chart reads the targets and nothing else, so only they
//! are typed here; serde passes over the rest (the machine, the runs).
//!
//! A results file, with what the chart passes over cut to `...` (a
//! target not measured has `"ratio": null`, and no `who` or `met`):
//!
//! ```text
//! {"machine": {...}, "repeats": 3,
//!  "rows": [{"lesson": "hello-echo", "row": "16 connections",
//!            "metric": "round trips/s", "better": "higher",
//!            "entries": [...],
//!            "targets": [{"rust": "Rust", "vs": "python", "at_least": 3.0,
//!                         "ratio": 1.76, "who": "Python port",
//!                         "met": false},
//!                        {"rust": "Rust", "vs": "bare", "at_least": 0.9,
//!                         "ratio": null}]}]}
//! ```

use serde::Deserialize;

/// A results file, as far as the chart reads it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Results {
    /// One per measurement, grouped by lesson: a row of the table.
    pub rows: Vec<Row>,
}

/// One measurement, and the targets it is held to.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Row {
    /// The lesson's slug (`hello-echo`).
    pub lesson: String,
    /// The load, in words (`16 connections`).
    pub row: String,
    /// The unit of every figure (`round trips/s`).
    pub metric: String,
    /// Which way the figure is better.
    pub better: Better,
    /// For each Rust contender, each ratio it must reach; often none.
    pub targets: Vec<Target>,
}

/// Which way a figure is better: more round trips, fewer milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// More is better (a rate).
    Higher,
    /// Less is better (a latency, memory).
    Lower,
}

/// One target: a Rust contender's figure against another's.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Target {
    /// The Rust contender held to it ("Rust", "Rust -q", "one thread").
    pub rust: String,
    /// The kind of contender it is measured against ("python", "bare",
    /// "reference").
    pub vs: String,
    /// The ratio it must reach.
    pub at_least: f64,
    /// The ratio it reached: its figure over the other's (for a figure
    /// where lower is better, the other's over its); `null` if either
    /// was not measured.
    pub ratio: Option<f64>,
    /// The contender of kind `vs` it was measured against, the best of
    /// its kind ("iperf3 (the limit)"); absent when not measured.
    #[serde(default)]
    pub who: Option<String>,
    /// Whether `ratio` reached `at_least`; absent (false) when not
    /// measured.
    #[serde(default)]
    pub met: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row's targets read into the types, measured or not, and the
    /// fields the chart does not read are passed over.
    #[test]
    fn targets_are_read_and_the_rest_passed_over() {
        let text = r#"{"machine": {"cores": 2}, "repeats": 3,
          "rows": [{"lesson": "udp-chat", "row": "32 in flight",
            "metric": "datagrams/s", "better": "higher", "entries": [],
            "targets": [
              {"rust": "Rust", "vs": "python", "at_least": 2.0,
               "ratio": 1.52, "who": "Python port", "met": false},
              {"rust": "Rust -q", "vs": "bare", "at_least": 0.9,
               "ratio": null}]}]}"#;
        let results: Results = serde_json::from_str(text).unwrap();
        let [python, bare] = results.rows[0].targets.as_slice() else {
            panic!("two targets: {results:?}");
        };
        assert_eq!(
            (python.ratio, python.who.as_deref(), python.met),
            (Some(1.52), Some("Python port"), false)
        );
        assert_eq!(results.rows[0].better, Better::Higher);
        assert_eq!((bare.rust.as_str(), bare.ratio), ("Rust -q", None));
        assert_eq!((bare.who.as_deref(), bare.met), (None, false));
    }
}
