//! The exercise as shipped: it builds, and the checker fails it at the
//! first stage, showing the text of the `todo!()` it reached.
//!
//! These tests build the committed version (`git archive HEAD`), not the
//! working copy, so that a learner's edits to the exercise never break
//! `cargo test --workspace`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use checker::lessons::hello_echo::LESSON;
use common::check_commands;

/// The workspace's root.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A file of the exercise as committed at HEAD.
fn committed(path: &str) -> String {
    let output = Command::new("git")
        .arg("show")
        .arg(format!("HEAD:{}/{path}", LESSON.exercise_dir))
        .current_dir(root())
        .output()
        .expect("run git (these tests need a git clone)");
    assert!(output.status.success(), "git show {path}: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8 source")
}

/// Builds the committed exercise in a copy of the committed workspace
/// and returns its binary. The copy's target directory is kept under
/// target/, so only the first build compiles the dependencies.
fn build_committed() -> PathBuf {
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
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--locked", "--package", LESSON.exercise])
        .current_dir(copy.path())
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("run cargo");
    assert!(status.success(), "the committed exercise does not build");
    target.join("debug").join(LESSON.exercise)
}

/// The shipped skeleton fails `listen`, and the report carries the text
/// of the todo!() it reached, which says what to write and where the
/// book explains it.
#[test]
fn the_shipped_skeleton_fails_listen_with_its_todo() {
    let binary = build_committed();
    let server = format!("{} server", binary.display());
    let client = format!("{} client", binary.display());
    let run = check_commands(&server, &client);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.failed(), ["listen"], "{run:?}");
    assert!(run.passed().is_empty(), "{run:?}");
    assert!(
        run.stdout
            .contains("it reached a todo!(): stage listen: create the socket"),
        "{run:?}"
    );
}

/// Every todo!() in the shipped skeleton names a stage the checker has
/// and a section of the book, so the learner is never sent nowhere.
#[test]
fn every_todo_names_a_stage_and_the_book() {
    let mut todos = 0;
    for file in [
        "src/server.rs",
        "src/client.rs",
        "src/lib.rs",
        "src/main.rs",
    ] {
        let source = committed(file);
        for todo in source.split("todo!(").skip(1) {
            // The macro's message, a string literal; `todo!()` in prose
            // has none.
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
            assert!(LESSON.find(stage).is_some(), "{file}: no stage {stage:?}");
            assert!(text.contains("book: hello-echo.md"), "{file}: {text}");
            todos += 1;
        }
    }
    assert_eq!(todos, 5, "the skeleton's todo!()s");
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
