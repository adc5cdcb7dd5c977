//! hello-echo's stages, tested from outside: the lesson's own crate
//! passes every stage, in both protocols; our Python port of the
//! original fails exactly where the original is broken; and small broken
//! programs (tests/mutants/hello-echo/*.py, each defect documented there)
//! fail the stage that checks what they break, and only that one, while
//! the correct one, and the one that answers in slow pieces, fail none.
//! A stage that passed a broken program, or failed a correct one, would
//! show here.

mod common;

use common::{
    SEED, assert_reference_passes, check_commands, checker, client_fails,
    mutant, python_run, server_fails,
};

const LESSON: &str = "hello-echo";

/// `--reference` builds crates/hello-echo and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    assert_reference_passes(LESSON, 18);
}

/// The original decodes every name (a name that is not UTF-8 kills its
/// thread), prints whatever one recv() returns, and prints an empty
/// reply when the server is gone; its `--lines` mode (ours) is sound.
#[test]
fn the_python_port_fails_where_the_original_is_broken() {
    let run = python_run(LESSON);
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
    let run = checker(&[LESSON, "--python", "--seed", SEED]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.failed(), ["not-utf8"], "{run:?}");
    assert_eq!(run.passed().len(), 5, "{run:?}");
    let repeat = "the same run again: cargo run -p checker -- hello-echo \
                  --python --seed 7";
    assert!(run.stdout.contains(repeat), "{run:?}");
}

/// The mutants' base program, with no defect, passes every stage.
#[test]
fn a_correct_server_and_client_pass_everything() {
    let (server, client) = (
        mutant(LESSON, "server", "''"),
        mutant(LESSON, "client", "''"),
    );
    let run = check_commands(LESSON, &server, &client);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), 18, "{run:?}");
}

/// Replies written in three pieces a quarter of a second apart are
/// correct: a checker that took one read for a whole reply would fail
/// them.
#[test]
fn replies_in_slow_pieces_pass_everything() {
    assert_eq!(server_fails(LESSON, "pieces", None), Vec::<String>::new());
}

/// Defects that break every stage after theirs are run up to it.
#[test]
fn a_wrong_listening_line_fails_listen() {
    assert_eq!(
        server_fails(LESSON, "no-listening-line", Some("listen")),
        ["listen"]
    );
}

#[test]
fn no_welcome_fails_welcome() {
    assert_eq!(server_fails(LESSON, "silent", Some("welcome")), ["welcome"]);
}

/// Random names: the sample session learned by heart does not pass.
#[test]
fn a_hard_coded_session_fails_hello() {
    assert_eq!(server_fails(LESSON, "hard-coded", Some("hello")), ["hello"]);
}

#[test]
fn greeting_exit_fails_exit() {
    assert_eq!(server_fails(LESSON, "answers-exit", None), ["exit"]);
}

#[test]
fn one_client_at_a_time_fails_two_clients() {
    assert_eq!(server_fails(LESSON, "one-at-a-time", None), ["two-clients"]);
}

#[test]
fn decoding_utf8_fails_not_utf8() {
    assert_eq!(server_fails(LESSON, "decodes-utf8", None), ["not-utf8"]);
}

#[test]
fn slow_work_between_accepts_fails_burst() {
    assert_eq!(server_fails(LESSON, "slow-accept", None), ["burst"]);
}

#[test]
fn dying_on_a_reset_fails_vanish() {
    assert_eq!(server_fails(LESSON, "dies-on-reset", None), ["vanish"]);
}

#[test]
fn ignoring_ctrl_c_fails_stop() {
    assert_eq!(server_fails(LESSON, "ignores-sigint", None), ["stop"]);
}

#[test]
fn one_read_taken_as_whole_lines_fails_lines_split() {
    assert_eq!(
        server_fails(LESSON, "lines-one-read", None),
        ["lines-split"]
    );
}

#[test]
fn dropping_the_rest_of_a_read_fails_lines_pipelined() {
    assert_eq!(
        server_fails(LESSON, "lines-first-only", None),
        ["lines-pipelined"]
    );
}

#[test]
fn no_bound_on_a_line_fails_lines_too_long() {
    assert_eq!(
        server_fails(LESSON, "lines-unbounded", None),
        ["lines-too-long"]
    );
}

#[test]
fn sending_every_name_at_once_fails_client_hello() {
    assert_eq!(
        client_fails(LESSON, "names-at-once", None),
        ["client-hello"]
    );
}

#[test]
fn one_recv_taken_as_the_reply_fails_client_split_reply() {
    assert_eq!(
        client_fails(LESSON, "one-recv", None),
        ["client-split-reply"]
    );
}

#[test]
fn a_traceback_when_the_server_goes_fails_client_server_gone() {
    assert_eq!(
        client_fails(LESSON, "traceback", None),
        ["client-server-gone"]
    );
}
