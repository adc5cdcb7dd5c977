//! The lesson's own crate passes every stage, in both protocols, and our
//! Python port of the original fails exactly where the original is
//! broken.

mod common;

use common::{SEED, checker};

/// `--reference` builds crates/hello-echo and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    let run = checker(&["hello-echo", "--reference", "--seed", SEED]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), 18, "{run:?}");
    assert!(run.stdout.ends_with("all 18 stages pass\n"), "{run:?}");
}

/// The original decodes every name (a name that is not UTF-8 kills its
/// thread), prints whatever one recv() returns, and prints an empty
/// reply when the server is gone; its `--lines` mode (ours) is sound.
#[test]
fn the_python_port_fails_where_the_original_is_broken() {
    let run =
        checker(&["hello-echo", "--python", "--keep-going", "--seed", SEED]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.failed(),
        ["not-utf8", "client-split-reply", "client-server-gone"],
        "{run:?}"
    );
    assert!(run.stdout.contains("UnicodeDecodeError"), "{run:?}");
}

/// Without --keep-going the run stops at the first failure.
#[test]
fn a_run_stops_at_the_first_failure() {
    let run = checker(&["hello-echo", "--python", "--seed", SEED]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.failed(), ["not-utf8"], "{run:?}");
    assert_eq!(run.passed().len(), 5, "{run:?}");
    let repeat = "the same run again: cargo run -p checker -- hello-echo \
                  --python --seed 7";
    assert!(run.stdout.contains(repeat), "{run:?}");
}
