//! time-server's stages, tested from outside: the lesson's own crate
//! passes every stage; our Python port, which keeps the original's code
//! in the original format, fails exactly where the original breaks; and
//! small broken programs (tests/mutants/time-server/*.py, each defect
//! documented there) fail the stage that checks what they break, and
//! only that one, while the correct one, and the one that answers in slow
//! pieces, fail none.

mod common;

use common::{
    assert_reference_passes, check_commands, client_fails, mutant, python_run,
    server_fails,
};

const LESSON: &str = "time-server";

/// `--reference` builds crates/time-server and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    assert_reference_passes(LESSON, 14);
}

/// The original closes with the client's bytes unread (a reset), dies
/// on the first `send` to a client that has reset, reads one `recv`
/// as the whole answer, and has no timeout; the RFC modes and UDP are
/// ours, and sound.
#[test]
fn the_python_port_fails_where_the_original_is_broken() {
    let run = python_run(LESSON);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.failed(),
        ["no-reset", "vanish", "client-split", "client-never-closes"],
        "{run:?}"
    );
    assert!(run.stdout.contains("ConnectionResetError"), "{run:?}");
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
    assert_eq!(run.passed().len(), 14, "{run:?}");
}

/// Answers written in three pieces a quarter of a second apart are
/// correct: a checker that took one read for the whole answer would
/// fail them.
#[test]
fn answers_in_slow_pieces_pass_everything() {
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
fn a_clock_an_hour_off_fails_time() {
    assert_eq!(server_fails(LESSON, "hour-off", Some("time")), ["time"]);
}

/// Nothing but the close ends the answer: a newline would be printed as
/// part of it.
#[test]
fn a_newline_after_the_time_fails_time() {
    assert_eq!(server_fails(LESSON, "newline", Some("time")), ["time"]);
}

#[test]
fn exiting_after_one_client_fails_next_client() {
    assert_eq!(
        server_fails(LESSON, "exits-after-one", Some("next-client")),
        ["next-client"]
    );
}

/// Slow work between accepts also delays the client after `vanish`'s 50.
#[test]
fn slow_work_between_accepts_fails_burst() {
    assert_eq!(
        server_fails(LESSON, "slow-accept", Some("burst")),
        ["burst"]
    );
}

#[test]
fn a_plain_close_fails_no_reset() {
    assert_eq!(server_fails(LESSON, "plain-close", None), ["no-reset"]);
}

#[test]
fn dying_on_a_reset_fails_vanish() {
    assert_eq!(server_fails(LESSON, "dies-on-reset", None), ["vanish"]);
}

#[test]
fn a_daytime_line_without_cr_fails_rfc867() {
    assert_eq!(server_fails(LESSON, "rfc867-lf", None), ["rfc867"]);
}

#[test]
fn little_endian_seconds_fail_rfc868() {
    assert_eq!(
        server_fails(LESSON, "rfc868-little-endian", None),
        ["rfc868"]
    );
}

#[test]
fn ignoring_empty_datagrams_fails_udp() {
    assert_eq!(server_fails(LESSON, "udp-ignores-empty", None), ["udp"]);
}

#[test]
fn ignoring_ctrl_c_fails_stop() {
    assert_eq!(server_fails(LESSON, "ignores-sigint", None), ["stop"]);
}

#[test]
fn one_recv_taken_as_the_answer_fails_client_split() {
    assert_eq!(client_fails(LESSON, "one-recv", None), ["client-split"]);
}

#[test]
fn no_read_timeout_fails_client_never_closes() {
    assert_eq!(
        client_fails(LESSON, "no-deadline", None),
        ["client-never-closes"]
    );
}

#[test]
fn reading_rfc868_in_the_first_era_fails_client_rfc868() {
    assert_eq!(client_fails(LESSON, "first-era", None), ["client-rfc868"]);
}
