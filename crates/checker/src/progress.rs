//! How often each stage has failed in a row, kept between runs so that
//! the checker can offer a stage's hint after its third failure, as
//! rustlings does, without the learner asking.
//!
//! One small text file per lesson under `target/checker/`, which `cargo
//! clean` removes with everything else the build made.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use crate::stage::Outcome;

/// After this many failures in a row, a stage's hint is shown unasked.
pub const HINT_AFTER: u32 = 3;

/// Failures in a row, by stage.
#[derive(Debug, Default)]
pub struct Progress {
    path: PathBuf,
    failures: BTreeMap<String, u32>,
}

impl Progress {
    /// The lesson's record, empty if there is none yet (or it cannot be
    /// read: it is only a convenience).
    pub fn load(lesson: &str) -> Progress {
        Progress::at(
            crate::target::workspace_root()
                .join("target/checker")
                .join(format!("{lesson}.failures")),
        )
    }

    /// The record kept in the file at `path`.
    pub fn at(path: PathBuf) -> Progress {
        let text = fs::read_to_string(&path).unwrap_or_default();
        let failures = text
            .lines()
            .filter_map(|line| {
                let (slug, count) = line.split_once(' ')?;
                Some((slug.to_owned(), count.parse().ok()?))
            })
            .collect();
        Progress { path, failures }
    }

    /// Counts a run's failure and forgets the stages that passed; returns
    /// how many times in a row the failed stage has now failed.
    pub fn record(&mut self, outcome: &Outcome) -> u32 {
        for slug in &outcome.passed {
            self.failures.remove(*slug);
        }
        let Some(failed) = outcome.failed.first() else {
            self.save();
            return 0;
        };
        let count = self.failures.entry((*failed).to_owned()).or_default();
        *count += 1;
        let count = *count;
        self.save();
        count
    }

    fn save(&self) {
        let text: String = self
            .failures
            .iter()
            .map(|(slug, count)| format!("{slug} {count}\n"))
            .collect();
        // Best effort: a read-only checkout only loses the automatic hint.
        if let Some(dir) = self.path.parent() {
            let _ = fs::create_dir_all(dir);
        }
        let _ = fs::write(&self.path, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(passed: &[&'static str], failed: &[&'static str]) -> Outcome {
        Outcome {
            passed: passed.to_vec(),
            failed: failed.to_vec(),
            skipped: Vec::new(),
        }
    }

    /// Failures of a stage are counted across runs until it passes.
    #[test]
    fn failures_in_a_row_are_counted_until_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lesson.failures");
        let run = |passed, failed| {
            Progress::at(path.clone()).record(&outcome(passed, failed))
        };
        assert_eq!(run(&["listen"], &["welcome"]), 1);
        assert_eq!(run(&["listen"], &["welcome"]), 2);
        assert_eq!(run(&["listen"], &["welcome"]), HINT_AFTER);
        assert_eq!(run(&["listen", "welcome"], &["hello"]), 1);
        assert_eq!(run(&["listen"], &["welcome"]), 1);
    }
}
