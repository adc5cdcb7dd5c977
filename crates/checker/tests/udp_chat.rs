//! udp-chat's stages, tested from outside: the lesson's own crate passes
//! every stage; our Python port of the originals fails exactly where the
//! originals are broken; and small broken programs
//! (tests/mutants/udp-chat/*.py, each defect documented there) fail the
//! stage that checks what they break, and only that one, while the
//! correct ones, and the ones that answer a quarter second late, fail
//! none.

mod common;

use common::{
    SEED, assert_reference_passes, checker, client_fails, mutant, mutant_fails,
    python_run, server_fails,
};

const LESSON: &str = "udp-chat";

/// `--reference` builds crates/udp-chat and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    assert_reference_passes(LESSON, 13);
}

/// The original server reads into 1024 bytes and greets what is left of
/// a longer datagram; the original client never resends, so one lost
/// datagram hangs it; the original chat is a menu, so a typed line is a
/// menu choice and nothing is shown unless "2" was chosen.
#[test]
fn the_python_port_fails_where_the_original_is_broken() {
    let run = python_run(LESSON);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.failed(),
        [
            "too-long",
            "client-lost",
            "client-retry",
            "client-stale",
            "chat-send",
            "chat-live"
        ],
        "{run:?}"
    );
    assert!(run.stdout.contains("cut without a word"), "{run:?}");
    assert!(run.stdout.contains("wrong choice"), "{run:?}");
}

fn peer_fails(defect: &str, up_to: Option<&str>) -> Vec<String> {
    mutant_fails(LESSON, "--peer-cmd", "chat", defect, up_to)
}

/// The mutants' base programs, with no defect, pass every stage.
#[test]
fn a_correct_server_client_and_peer_pass_everything() {
    let run = checker(&[
        LESSON,
        "--cmd",
        &mutant(LESSON, "server", "''"),
        "--client-cmd",
        &mutant(LESSON, "client", "''"),
        "--peer-cmd",
        &mutant(LESSON, "chat", "''"),
        "--seed",
        SEED,
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), 13, "{run:?}");
}

/// Answers, requests and lines sent a quarter second late are correct:
/// a stage that took a slow program for a silent one would fail them.
#[test]
fn a_slow_server_client_and_peer_pass_everything() {
    let run = checker(&[
        LESSON,
        "--cmd",
        &mutant(LESSON, "server", "slow"),
        "--client-cmd",
        &mutant(LESSON, "client", "slow"),
        "--peer-cmd",
        &mutant(LESSON, "chat", "slow"),
        "--seed",
        SEED,
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), 13, "{run:?}");
}

/// Defects that break every stage after theirs are run up to it.
#[test]
fn a_wrong_listening_line_fails_listen() {
    assert_eq!(
        server_fails(LESSON, "no-listening-line", Some("listen")),
        ["listen"]
    );
}

/// Random names: the sample session learned by heart does not pass.
#[test]
fn a_hard_coded_answer_fails_hello() {
    assert_eq!(server_fails(LESSON, "hard-coded", Some("hello")), ["hello"]);
}

#[test]
fn answering_the_first_client_heard_fails_two_clients() {
    assert_eq!(server_fails(LESSON, "first-sender", None), ["two-clients"]);
}

#[test]
fn skipping_an_empty_datagram_fails_empty() {
    assert_eq!(server_fails(LESSON, "skips-empty", None), ["empty"]);
}

#[test]
fn decoding_utf8_fails_not_utf8() {
    assert_eq!(server_fails(LESSON, "decodes-utf8", None), ["not-utf8"]);
}

#[test]
fn a_1024_byte_buffer_fails_too_long() {
    assert_eq!(server_fails(LESSON, "truncates", None), ["too-long"]);
}

#[test]
fn ignoring_ctrl_c_fails_stop() {
    assert_eq!(server_fails(LESSON, "ignores-sigint", None), ["stop"]);
}

#[test]
fn sending_every_request_at_once_fails_client_hello() {
    assert_eq!(
        client_fails(LESSON, "all-at-once", Some("client-hello")),
        ["client-hello"]
    );
}

#[test]
fn never_giving_up_fails_client_lost() {
    assert_eq!(
        client_fails(LESSON, "retries-forever", None),
        ["client-lost"]
    );
}

/// Giving up at the first timeout is a clean loss report (client-lost
/// passes) but no retry; the stale reply comes only after a retry.
#[test]
fn giving_up_at_once_fails_client_retry() {
    assert_eq!(
        client_fails(LESSON, "no-retry", Some("client-retry")),
        ["client-retry"]
    );
}

#[test]
fn taking_any_datagram_for_the_reply_fails_client_stale() {
    assert_eq!(client_fails(LESSON, "counts-stale", None), ["client-stale"]);
}

/// The line's newline in the datagram is a wrong line in every later
/// stage too.
#[test]
fn sending_the_newline_fails_chat_send() {
    assert_eq!(
        peer_fails("sends-newline", Some("chat-send")),
        ["chat-send"]
    );
}

#[test]
fn receiving_only_between_lines_fails_chat_live() {
    assert_eq!(peer_fails("blocks-on-typing", None), ["chat-live"]);
}
