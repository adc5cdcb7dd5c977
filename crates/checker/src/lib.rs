//! The checker: grades a lesson's exercise, stage by stage, from outside.
//!
//! It starts the program under test as CONTRACT.md says (`<program>
//! server --bind 127.0.0.1:0`, then reads its `listening on` line; or
//! `<program> client --connect 127.0.0.1:PORT` against a server the
//! checker plays), talks to it over loopback, and reports each stage:
//! one line for a pass; for a failure, what was said both ways (escaped),
//! what was expected, the program's last stderr lines, the socket fact
//! behind the stage and the book's section. Data is random from a seed
//! it prints, so a program that knows the sample session by heart does
//! not pass, and `--seed` repeats a run exactly.
//!
//! Any program that keeps the contract can be checked, in any language:
//! the learner's exercise (the default), the lesson's own crate
//! (`--reference`), our Python port of the original (`--python`), or a
//! command line (`--cmd`, `--client-cmd`).
//!
//! # Try it
//!
//! ```text
//! cargo run -p checker -- hello-echo --reference   # every stage passes
//! cargo run -p checker -- hello-echo --python      # where the original breaks
//! cargo run -p checker -- hello-echo               # your exercise
//! cargo run -p checker -- hello-echo --list        # the stages
//! ```
//!
//! # Layout
//!
//! - [`stage`]: what a stage is, and the runner that reports on each.
//! - [`lessons`]: each lesson's stages ([`lessons::hello_echo`] to
//!   [`lessons::select_server`]), and what they check alike
//!   ([`lessons::shared`]).
//! - [`wire`]: the checker's end of a connection: reads to a known
//!   length or a newline, each with a deadline, everything recorded.
//! - [`udp`]: the same for datagrams.
//! - [`program`]: the program under test as a child process in a group
//!   of its own, stopped whatever happens.
//! - [`target`]: which program, and building it with cargo.
//! - [`report`]: how a failure is shown.
//! - [`progress`]: failures in a row, for the automatic hint.
//! - [`watch`]: the `--watch` loop.

pub mod lessons;
pub mod program;
pub mod progress;
pub mod report;
pub mod stage;
pub mod target;
pub mod udp;
pub mod watch;
pub mod wire;

use std::io::Write;
use std::process::Command;

use anyhow::{Context, bail};

use lessons::{LESSONS, Lesson};
use stage::{Outcome, RunOptions};
use target::Target;

/// The lesson named `name`.
pub fn lesson(name: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|lesson| lesson.name == name)
}

/// Prints the lesson's stages: number, slug, which end, what each checks
/// and where the book explains it.
pub fn list(lesson: &Lesson, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} stages; the exercise is {}",
        lesson.name,
        lesson.stages.len(),
        lesson.exercise_dir
    )?;
    let width = lesson
        .stages
        .iter()
        .map(|s| s.slug.len())
        .max()
        .unwrap_or(0);
    for (i, stage) in lesson.stages.iter().enumerate() {
        let end = match stage.end {
            stage::End::Server => "server",
            stage::End::Client => "client",
            stage::End::Peer => "peer",
        };
        writeln!(
            out,
            "{:>3} {:width$}  {end}  {}",
            i + 1,
            stage.slug,
            stage.checks
        )?;
        writeln!(
            out,
            "    {:width$}          book: docs/src/{}",
            "", stage.book
        )?;
    }
    Ok(())
}

/// Runs the lesson's stages against `target` and prints the report and
/// its last line: what passed, or how to repeat the failure.
pub fn check(
    lesson: &Lesson,
    target: &Target,
    options: RunOptions,
    repeat: &str,
    out: &mut impl Write,
) -> std::io::Result<Outcome> {
    writeln!(
        out,
        "checking {}: {} (seed {})",
        lesson.name, target.what, options.seed
    )?;
    let stages = lesson.stages;
    let outcome = stage::run_stages(stages, target, options, out)?;
    let total = options.up_to.unwrap_or(stages.len()).min(stages.len());
    let all = total == stages.len();
    writeln!(out, "{}", summary(&outcome, total, all))?;
    if !outcome.success() {
        writeln!(out, "the same run again: {repeat} --seed {}", options.seed)?;
    }
    Ok(outcome)
}

/// Runs the lesson's stages against `target` without printing them: for
/// `all`, which shows each lesson in one line ([`one_line`]).
pub fn check_quietly(
    lesson: &Lesson,
    target: &Target,
    options: RunOptions,
) -> std::io::Result<Outcome> {
    stage::run_stages(lesson.stages, target, options, &mut std::io::sink())
}

/// A lesson's run in one line: `hello-echo  5 of 18 stages pass;
/// not-utf8 fails`.
pub fn one_line(lesson: &Lesson, outcome: &Outcome) -> String {
    let total = lesson.stages.len();
    let passed = outcome.passed.len();
    let state = match outcome.failed.as_slice() {
        [] if passed == total => "every stage passes".to_owned(),
        [] => format!("{passed} of {total} stages pass"),
        [failed] => format!("{passed} of {total} stages pass; {failed} fails"),
        failed => format!(
            "{passed} of {total} stages pass; these fail: {}",
            failed.join(", ")
        ),
    };
    format!("{:<16} {state}", lesson.name)
}

/// The run in one line: how many stages passed, and which failed.
fn summary(outcome: &Outcome, total: usize, up_to_all: bool) -> String {
    let passed = outcome.passed.len();
    let skipped = match outcome.skipped.len() {
        0 => String::new(),
        n => format!(", {n} skipped"),
    };
    match outcome.failed.as_slice() {
        [] if passed == total && up_to_all => {
            format!("all {total} stages pass")
        }
        [] if passed == total => format!("stages 1 to {total} pass"),
        [] => format!("{passed} of {total} stages pass{skipped}"),
        [failed] => format!(
            "{passed} of {total} stages pass{skipped}; `{failed}` fails"
        ),
        failed => format!(
            "{passed} of {total} stages pass{skipped}; these fail: {}",
            failed.join(", ")
        ),
    }
}

/// The hint of the stage that failed: the function of the lesson's crate
/// to read. `None` when nothing failed.
pub fn hint(lesson: &Lesson, outcome: &Outcome) -> Option<String> {
    let slug = outcome.failed.first()?;
    let (number, stage) = lesson.find(slug)?;
    let hint = format!("hint for stage {number} ({slug}): {}", stage.hint);
    Some(format!(
        "{}\nThe lesson's crate, crates/{}, is the solution; it passes every \
         stage.",
        textwrap::fill(&hint, report::WIDTH),
        lesson.name
    ))
}

/// Puts the exercise's files back as committed, keeping the learner's
/// version in a git stash; returns what to tell the learner.
pub fn reset(lesson: &Lesson) -> anyhow::Result<String> {
    let message = format!("{} exercise before --reset", lesson.name);
    let status = Command::new("git")
        .args(["stash", "push", "--include-untracked", "--message"])
        .arg(&message)
        .arg("--")
        .arg(lesson.exercise_dir)
        .current_dir(target::workspace_root())
        .status()
        .context("cannot run git (the reset needs a git clone)")?;
    if !status.success() {
        bail!("git stash failed; the exercise is unchanged");
    }
    Ok(format!(
        "{} is as shipped again. Your version, if you had changed it, is in \
         `git stash list` as \"{message}\"; `git stash pop` brings it back.",
        lesson.exercise_dir
    ))
}
