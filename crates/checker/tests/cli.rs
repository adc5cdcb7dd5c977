//! The checker's command line: usage errors exit 2, `--list` shows every
//! stage with its book section, `--hint` names where the lesson does it.

mod common;

use common::{SEED, checker};

/// A lesson the checker does not know is a usage error that lists the
/// ones it knows.
#[test]
fn an_unknown_lesson_is_a_usage_error() {
    let run = checker(&["hello-world"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("hello-echo"), "{run:?}");
}

/// So is a stage that the lesson does not have.
#[test]
fn an_unknown_stage_is_a_usage_error() {
    let run = checker(&["hello-echo", "--reference", "--stage", "nope"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("hello-echo has no stage \"nope\""),
        "{run:?}"
    );
}

/// Two programs to check at once is a usage error.
#[test]
fn two_targets_are_a_usage_error() {
    let run = checker(&["hello-echo", "--reference", "--python"]);
    assert_eq!(run.code, Some(2), "{run:?}");
}

/// `--list` numbers the stages, says which end each runs and where the
/// book explains it.
#[test]
fn list_shows_every_stage_and_its_book_section() {
    let run = checker(&["hello-echo", "--list"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("  1 listen "), "{run:?}");
    assert!(run.stdout.contains(" 18 client-lines "), "{run:?}");
    assert_eq!(run.stdout.matches("book: docs/src/").count(), 18, "{run:?}");
}

/// `--hint` shows, after the failure, the hint of the stage that failed.
#[test]
fn hint_names_the_function_to_read() {
    let run = checker(&[
        "hello-echo",
        "--python",
        "--stage",
        "not-utf8",
        "--hint",
        "--seed",
        SEED,
    ]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let hint = "hint for stage 6 (not-utf8): Read `greeting` in \
                crates/hello-echo/src/lib.rs";
    assert!(run.stdout.contains(hint), "{run:?}");
}

/// `all` shows each lesson in one line; with `--reference`, every lesson's
/// own crate passes every stage, which is what CI runs.
#[test]
fn all_shows_one_line_per_lesson() {
    let run = checker(&["all", "--reference", "--seed", SEED]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout
            .starts_with("hello-echo       every stage passes\n"),
        "{run:?}"
    );
}

/// Flags that take one lesson are refused with `all`.
#[test]
fn one_lesson_flags_are_refused_with_all() {
    let run = checker(&["all", "--stage", "3"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("--stage takes one lesson"), "{run:?}");
}
