//! file-downloader's stages, tested from outside: the lesson's own crate
//! passes every stage, in both protocols; our Python port of the
//! original fails exactly where it keeps the original's ways; and small
//! broken programs (tests/mutants/file-downloader/*.py, each defect
//! documented there) fail the stage that checks what they break, and
//! only that one, while the correct one, and the one that writes in slow
//! pieces, fail none.

mod common;

use common::{
    assert_reference_passes, check_commands, client_fails, mutant, python_run,
    server_fails,
};

const LESSON: &str = "file-downloader";

/// `--reference` builds crates/file-downloader and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    assert_reference_passes(LESSON, 16);
}

/// The port keeps three of the original's ways: the whole file in
/// memory, a client's reset ending the server, and (in its client) the
/// bytes written straight under the final name. Its `--framed` mode,
/// our next step rather than the original, passes.
#[test]
fn the_python_port_fails_where_the_original_is_broken() {
    let run = python_run(LESSON);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.failed(),
        ["big-file", "vanish", "client-cut"],
        "{run:?}"
    );
    assert!(run.stdout.contains("the server's memory grew"), "{run:?}");
}

/// The mutants' base programs, with no defect, pass every stage.
#[test]
fn a_correct_server_and_client_pass_everything() {
    let (server, client) = (
        mutant(LESSON, "server", "''"),
        mutant(LESSON, "client", "''"),
    );
    let run = check_commands(LESSON, &server, &client);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), 16, "{run:?}");
}

/// Files and requests written in pieces a quarter of a second apart are
/// correct: a checker that took one read for a whole answer would fail
/// them.
#[test]
fn writes_in_slow_pieces_pass_everything() {
    let (server, client) = (
        mutant(LESSON, "server", "pieces"),
        mutant(LESSON, "client", "pieces"),
    );
    let run = check_commands(LESSON, &server, &client);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), 16, "{run:?}");
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
fn the_first_kib_only_fails_small_file() {
    assert_eq!(
        server_fails(LESSON, "first-kib", Some("small-file")),
        ["small-file"]
    );
}

#[test]
fn a_message_for_a_missing_file_fails_missing() {
    assert_eq!(
        server_fails(LESSON, "missing-says", Some("missing")),
        ["missing"]
    );
}

#[test]
fn no_check_on_the_name_fails_traversal() {
    assert_eq!(server_fails(LESSON, "no-root-check", None), ["traversal"]);
}

#[test]
fn the_whole_file_in_memory_fails_big_file() {
    assert_eq!(server_fails(LESSON, "whole-file", None), ["big-file"]);
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
fn no_header_fails_framed_size() {
    assert_eq!(
        server_fails(LESSON, "framed-no-header", Some("framed-size")),
        ["framed-size"]
    );
}

#[test]
fn a_silent_refusal_fails_framed_refusal() {
    assert_eq!(
        server_fails(LESSON, "framed-silent-refusal", None),
        ["framed-refusal"]
    );
}

#[test]
fn ignoring_the_offset_fails_framed_resume() {
    assert_eq!(
        server_fails(LESSON, "framed-ignores-offset", None),
        ["framed-resume"]
    );
}

#[test]
fn one_recv_taken_as_the_file_fails_client_pieces() {
    assert_eq!(
        client_fails(LESSON, "one-recv", Some("client-pieces")),
        ["client-pieces"]
    );
}

#[test]
fn keeping_a_cut_file_fails_client_cut() {
    assert_eq!(client_fails(LESSON, "keeps-partial", None), ["client-cut"]);
}

#[test]
fn saving_the_header_fails_client_framed() {
    assert_eq!(
        client_fails(LESSON, "framed-ignores-header", Some("client-framed")),
        ["client-framed"]
    );
}

#[test]
fn trusting_the_close_fails_client_framed_cut() {
    assert_eq!(
        client_fails(LESSON, "trusts-close", None),
        ["client-framed-cut"]
    );
}

#[test]
fn a_raw_reason_fails_client_refusal() {
    assert_eq!(client_fails(LESSON, "raw-reason", None), ["client-refusal"]);
}
