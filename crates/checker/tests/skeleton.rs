//! Every lesson's exercise as shipped: it builds, and the checker fails
//! it at the first stage, showing the text of the `todo!()` it reached.
//!
//! These tests build the committed version, not the working copy, so
//! that a learner's edits to the exercise never break `cargo test
//! --workspace`: in place while the exercises are as committed (as on a
//! clean clone), else from `git archive HEAD` in a copy.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use checker::lessons::{LESSONS, Lesson};
use common::checker;

/// The workspace's root.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A file of `lesson`'s exercise as committed at HEAD.
fn committed(lesson: &Lesson, path: &str) -> String {
    let output = Command::new("git")
        .arg("show")
        .arg(format!("HEAD:{}/{path}", lesson.exercise_dir))
        .current_dir(root())
        .output()
        .expect("run git (these tests need a git clone)");
    assert!(output.status.success(), "git show {path}: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8 source")
}

/// The source files of `lesson`'s exercise as committed at HEAD.
fn committed_sources(lesson: &Lesson) -> Vec<String> {
    let output = Command::new("git")
        .args(["ls-tree", "-r", "--name-only", "HEAD", "--"])
        .arg(format!("{}/src", lesson.exercise_dir))
        .current_dir(root())
        .output()
        .expect("run git (these tests need a git clone)");
    assert!(output.status.success(), "git ls-tree: {output:?}");
    let prefix = format!("{}/", lesson.exercise_dir);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|path| path.strip_prefix(&prefix).map(str::to_owned))
        .collect()
}

/// Builds every committed exercise and returns the directory of their
/// binaries.
fn build_committed() -> PathBuf {
    if exercises_as_committed() {
        build_here()
    } else {
        build_archive()
    }
}

/// Whether every exercise's files are as committed at HEAD, with nothing
/// added: true on a clean clone, false once a learner starts writing.
fn exercises_as_committed() -> bool {
    let dirs = LESSONS.iter().map(|lesson| lesson.exercise_dir);
    let output = Command::new("git")
        .args(["status", "--porcelain", "--"])
        .args(dirs)
        .current_dir(root())
        .output()
        .expect("run git (these tests need a git clone)");
    output.status.success() && output.stdout.is_empty()
}

/// Builds the exercises in this workspace, into the target directory
/// that holds the checker: the lessons they depend on are built there
/// already, so this compiles the exercises alone.
fn build_here() -> PathBuf {
    let checker = Path::new(env!("CARGO_BIN_EXE_checker"));
    let target = checker
        .parent()
        .and_then(Path::parent)
        .expect("the checker sits in <target>/<profile>/");
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--locked", "--target-dir"]);
    build.arg(target);
    for lesson in LESSONS {
        build.args(["--package", lesson.exercise]);
    }
    let status = build.current_dir(root()).status().expect("run cargo");
    assert!(status.success(), "a committed exercise does not build");
    target.join("debug")
}

/// Builds every exercise in a copy of the committed workspace, so that a
/// learner's edits are left out. The copy's target directory is kept
/// under target/, so only the first build compiles the dependencies,
/// among them TLS's C code: minutes on a clean clone.
fn build_archive() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let copy = tempfile::tempdir_in(tmp).expect("temporary directory");
    let tar = copy.path().join("head.tar");
    let archive = Command::new("git")
        .args(["archive", "--format=tar", "--output"])
        .arg(&tar)
        .arg("HEAD")
        .current_dir(root())
        .status()
        .expect("run git archive");
    assert!(archive.success(), "git archive HEAD");
    let untar = Command::new("tar")
        .arg("-xf")
        .arg(&tar)
        .arg("-C")
        .arg(copy.path())
        .status()
        .expect("run tar");
    assert!(untar.success(), "tar -x of git archive HEAD");
    let target = tmp.join("committed-exercise");
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--locked"]);
    for lesson in LESSONS {
        build.args(["--package", lesson.exercise]);
    }
    let status = build
        .current_dir(copy.path())
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("run cargo");
    assert!(status.success(), "a committed exercise does not build");
    target.join("debug")
}

/// Each shipped skeleton fails its first stage, and the report carries
/// the text of the todo!() it reached, which says what to write and
/// where the book explains it.
#[test]
fn each_shipped_skeleton_fails_its_first_stage_with_its_todo() {
    let binaries = build_committed();
    for lesson in LESSONS {
        let binary = binaries.join(lesson.exercise).display().to_string();
        let end = |launch: Option<checker::lessons::Launch>| {
            let launch = launch?;
            Some(format!("{binary} {}", launch.subcommand.unwrap_or("")))
        };
        let mut args = vec![lesson.name.to_owned()];
        if let Some(server) = end(lesson.server) {
            args.extend(["--cmd".to_owned(), server]);
        }
        if let Some(client) = end(lesson.client) {
            args.extend(["--client-cmd".to_owned(), client]);
        }
        if let Some(peer) = end(lesson.peer) {
            args.extend(["--peer-cmd".to_owned(), peer]);
        }
        args.extend(["--seed".to_owned(), common::SEED.to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = checker(&args);
        let first = lesson.stages[0].slug;
        assert_eq!(run.code, Some(1), "{}: {run:?}", lesson.name);
        assert_eq!(run.failed(), [first], "{}: {run:?}", lesson.name);
        assert!(run.passed().is_empty(), "{}: {run:?}", lesson.name);
        let todo = format!("it reached a todo!(): stage {first}:");
        assert!(run.stdout.contains(&todo), "{}: {run:?}", lesson.name);
    }
}

/// Every todo!() in each shipped skeleton names a stage the checker has
/// and a section of the lesson's page, so the learner is never sent
/// nowhere; and every skeleton has some.
#[test]
fn every_todo_names_a_stage_and_the_book() {
    for lesson in LESSONS {
        let mut todos = 0;
        let page = format!("book: {}.md", lesson.name);
        for file in committed_sources(lesson) {
            let source = committed(lesson, &file);
            for todo in source.split("todo!(").skip(1) {
                // The macro's message, a string literal; `todo!()` in
                // prose has none.
                let Some(text) = todo.trim_start().strip_prefix('"') else {
                    continue;
                };
                let text = literal(text);
                let stage = text
                    .split("stage ")
                    .nth(1)
                    .and_then(|rest| rest.split(':').next())
                    .unwrap_or_else(|| {
                        panic!("{file}: a todo without a stage: {text}")
                    });
                assert!(
                    lesson.find(stage).is_some(),
                    "{file}: no stage {stage:?}"
                );
                assert!(text.contains(&page), "{file}: {text}");
                todos += 1;
            }
        }
        assert!(todos > 0, "{}: the skeleton has no todo!()", lesson.name);
    }
}

/// The rest of a string literal whose opening quote is already taken.
fn literal(text: &str) -> &str {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' if !escaped => return &text[..i],
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    text
}
