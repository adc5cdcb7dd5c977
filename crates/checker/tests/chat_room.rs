//! chat-room's stages, tested from outside: the lesson's own crate
//! passes every stage, in both framings; our Python port of the original
//! fails exactly where the original is broken; and small broken programs
//! (tests/mutants/chat-room/*.py, each defect documented there) fail the
//! stage that checks what they break, and only that one, while the
//! correct one, and the one that answers in slow pieces, fail none.
//!
//! A defect that only exists without `--lines` is run up to `stop`, the
//! last stage without it: the mutant's code for every later stage is
//! the correct one, and the whole file must stay within a few minutes.

mod common;

use common::{
    assert_reference_passes, check_commands, client_fails, mutant, python_run,
    server_fails,
};

const LESSON: &str = "chat-room";

/// Where defects of the original framing stop: its last stage.
const LAST_RAW: Option<&str> = Some("stop");

/// `--reference` builds crates/chat-room and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    assert_reference_passes(LESSON, 19);
}

/// The original keeps a name whose user left without `quit`, decodes
/// every name and message (UnicodeDecodeError ends a thread, or the
/// accept loop), reads names in the accept loop, and sends to everyone
/// from the talker's thread, so one user who never reads stops the
/// room. Its clients and our `--lines` step are sound.
#[test]
fn the_python_port_fails_where_the_original_is_broken() {
    let run = python_run(LESSON);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.failed(),
        ["vanish", "not-utf8", "silent-login", "lines-stuck"],
        "{run:?}"
    );
    assert!(run.stdout.contains("UnicodeDecodeError"), "{run:?}");
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
    assert_eq!(run.passed().len(), 19, "{run:?}");
}

/// Answers and messages written in three pieces 0.15 s apart are
/// correct: a checker that took one read for a whole message
/// would fail them.
#[test]
fn answers_in_slow_pieces_pass_everything() {
    assert_eq!(server_fails(LESSON, "pieces", None), Vec::<String>::new());
}

#[test]
fn a_wrong_listening_line_fails_listen() {
    assert_eq!(
        server_fails(LESSON, "no-listening-line", Some("listen")),
        ["listen"]
    );
}

/// `success\n` without --lines: every later stage logs in, and fails.
#[test]
fn a_framed_answer_fails_login() {
    assert_eq!(
        server_fails(LESSON, "newline-answers", Some("login")),
        ["login"]
    );
}

#[test]
fn a_name_taken_over_fails_reuse() {
    assert_eq!(server_fails(LESSON, "no-reuse", LAST_RAW), ["reuse"]);
}

#[test]
fn an_echo_to_the_sender_fails_broadcast() {
    assert_eq!(server_fails(LESSON, "echo", LAST_RAW), ["broadcast"]);
}

#[test]
fn a_name_kept_after_quit_fails_quit() {
    assert_eq!(server_fails(LESSON, "quit-keeps-name", LAST_RAW), ["quit"]);
}

#[test]
fn a_name_kept_after_a_close_fails_vanish() {
    assert_eq!(
        server_fails(LESSON, "close-keeps-name", LAST_RAW),
        ["vanish"]
    );
}

#[test]
fn decoding_utf8_fails_not_utf8() {
    assert_eq!(server_fails(LESSON, "decodes-utf8", LAST_RAW), ["not-utf8"]);
}

#[test]
fn a_login_in_the_accept_loop_fails_silent_login() {
    assert_eq!(
        server_fails(LESSON, "login-in-accept", LAST_RAW),
        ["silent-login"]
    );
}

#[test]
fn ignoring_ctrl_c_fails_stop() {
    assert_eq!(server_fails(LESSON, "ignores-sigint", LAST_RAW), ["stop"]);
}

/// Taking a read for whole lines breaks every stage after this one too
/// (the stuck reader's talker writes 16 lines at a time).
#[test]
fn one_read_taken_as_whole_lines_fails_lines_messages() {
    assert_eq!(
        server_fails(LESSON, "lines-one-read", Some("lines-messages")),
        ["lines-messages"]
    );
}

#[test]
fn sending_from_the_talkers_thread_fails_lines_stuck() {
    assert_eq!(
        server_fails(LESSON, "lines-direct-send", Some("lines-stuck")),
        ["lines-stuck"]
    );
}

/// Only the crowd has more than three users.
#[test]
fn a_room_of_twenty_fails_lines_crowd() {
    assert_eq!(server_fails(LESSON, "small-room", None), ["lines-crowd"]);
}

#[test]
fn a_framed_name_fails_client_login() {
    assert_eq!(
        client_fails(LESSON, "newline-name", Some("client-login")),
        ["client-login"]
    );
}

#[test]
fn printing_only_when_typing_fails_client_messages() {
    assert_eq!(
        client_fails(LESSON, "prints-late", None),
        ["client-messages"]
    );
}

#[test]
fn waiting_for_enter_on_reuse_fails_client_reuse() {
    assert_eq!(
        client_fails(LESSON, "waits-on-reuse", None),
        ["client-reuse"]
    );
}

#[test]
fn an_unsent_quit_fails_client_quit() {
    assert_eq!(client_fails(LESSON, "quit-unsent", None), ["client-quit"]);
}

#[test]
fn a_traceback_at_the_end_of_input_fails_client_eof() {
    assert_eq!(client_fails(LESSON, "eof-traceback", None), ["client-eof"]);
}

#[test]
fn one_read_taken_as_whole_lines_fails_client_lines() {
    assert_eq!(
        client_fails(LESSON, "lines-one-read", None),
        ["client-lines"]
    );
}
