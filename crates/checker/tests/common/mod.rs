//! Running the built checker and reading its report.

#![allow(dead_code)] // each test file uses its own part of this module

use std::process::Command;
use std::time::Duration;

use netkit::testing::{finish_within, spawn_piped};

/// The longest a whole run of the checker may take in a test: every
/// stage has its own deadlines, so this only stops a hung checker.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// A seed for runs whose report is compared: any fixed one will do.
pub const SEED: &str = "7";

/// What one run of the checker printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stages the report marks as failed, in order.
    pub fn failed(&self) -> Vec<&str> {
        self.marked("FAIL")
    }

    /// The stages the report marks as passed, in order.
    pub fn passed(&self) -> Vec<&str> {
        self.marked("ok")
    }

    /// Slugs from lines like `ok    3 hello  ...` or `FAIL  6 not-utf8: ...`.
    fn marked(&self, mark: &str) -> Vec<&str> {
        self.stdout
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                if words.next()? != mark {
                    return None;
                }
                words.next()?.parse::<usize>().ok()?;
                Some(words.next()?.trim_end_matches(':'))
            })
            .collect()
    }
}

/// Runs the checker with `args` to its end.
pub fn checker(args: &[&str]) -> Run {
    let child =
        spawn_piped(Command::new(env!("CARGO_BIN_EXE_checker")).args(args));
    let (status, stdout, stderr) = finish_within(child, RUN_TIMEOUT);
    Run {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// Runs the checker on `lesson` with a server and a client given as
/// command lines, through every stage, with the fixed seed.
pub fn check_commands(lesson: &str, server: &str, client: &str) -> Run {
    checker(&[
        lesson,
        "--cmd",
        server,
        "--client-cmd",
        client,
        "--seed",
        SEED,
    ])
}

/// The command line of a mutant: `python3 tests/mutants/<lesson>/<end>.py
/// --defect <defect>`.
pub fn mutant(lesson: &str, end: &str, defect: &str) -> String {
    format!(
        "python3 {}/tests/mutants/{lesson}/{end}.py --defect {defect}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs `lesson`'s mutant of `end` (`server`, `client`, `chat`), given to
/// the checker as `flag` (`--cmd`, `--client-cmd`, `--peer-cmd`), through
/// the stages up to `up_to` (all of them when `None`; a defect that breaks
/// every later stage too is run up to its own), and returns the stages
/// that failed.
pub fn mutant_fails(
    lesson: &str,
    flag: &str,
    end: &str,
    defect: &str,
    up_to: Option<&str>,
) -> Vec<String> {
    let command = mutant(lesson, end, defect);
    let mut args = vec![lesson, flag, &command, "--keep-going"];
    args.extend(["--seed", SEED]);
    if let Some(stage) = up_to {
        args.extend(["--stage", stage]);
    }
    let run = checker(&args);
    assert_eq!(
        run.code,
        Some(i32::from(!run.failed().is_empty())),
        "{run:?}"
    );
    run.failed().into_iter().map(String::from).collect()
}

/// [`mutant_fails`] for the server mutant.
pub fn server_fails(
    lesson: &str,
    defect: &str,
    up_to: Option<&str>,
) -> Vec<String> {
    mutant_fails(lesson, "--cmd", "server", defect, up_to)
}

/// [`mutant_fails`] for the client mutant.
pub fn client_fails(
    lesson: &str,
    defect: &str,
    up_to: Option<&str>,
) -> Vec<String> {
    mutant_fails(lesson, "--client-cmd", "client", defect, up_to)
}

/// `--reference`: the lesson's own crate passes all its `stages`.
pub fn assert_reference_passes(lesson: &str, stages: usize) {
    let run = checker(&[lesson, "--reference", "--seed", SEED]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), stages, "{run:?}");
    let all = format!("all {stages} stages pass\n");
    assert!(run.stdout.ends_with(&all), "{run:?}");
}

/// `--python --keep-going`: our port of the original through every stage.
pub fn python_run(lesson: &str) -> Run {
    checker(&[lesson, "--python", "--keep-going", "--seed", SEED])
}
