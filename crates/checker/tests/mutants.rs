//! Small broken programs (tests/mutants/*.py, each defect documented
//! there) fail the stage that checks what they break, and only that one;
//! the correct one, and the one that answers in slow pieces, fail none.
//! This is how the checker's own stages are tested: a stage that passed
//! a broken program, or failed a correct one, would show here.

mod common;

use common::{SEED, check_commands, checker, mutant};

/// Runs the server mutant through the stages up to `up_to` (all of them
/// when `None`) and returns the stages that failed.
fn server_fails(defect: &str, up_to: Option<&str>) -> Vec<String> {
    let command = mutant("server", defect);
    let mut args = vec!["hello-echo", "--cmd", &command, "--keep-going"];
    args.extend(["--seed", SEED]);
    if let Some(stage) = up_to {
        args.extend(["--stage", stage]);
    }
    let run = checker(&args);
    assert_eq!(
        run.code,
        Some(i32::from(!run.failed().is_empty())),
        "{run:?}"
    );
    run.failed().into_iter().map(String::from).collect()
}

/// The same for the client mutant.
fn client_fails(defect: &str) -> Vec<String> {
    let command = mutant("client", defect);
    let run = checker(&[
        "hello-echo",
        "--client-cmd",
        &command,
        "--keep-going",
        "--seed",
        SEED,
    ]);
    assert_eq!(
        run.code,
        Some(i32::from(!run.failed().is_empty())),
        "{run:?}"
    );
    run.failed().into_iter().map(String::from).collect()
}

/// The mutants' base program, with no defect, passes every stage.
#[test]
fn a_correct_server_and_client_pass_everything() {
    let (server, client) = (mutant("server", "''"), mutant("client", "''"));
    let run = check_commands(&server, &client);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), 18, "{run:?}");
}

/// Replies written in three pieces a quarter of a second apart are
/// correct: a checker that took one read for a whole reply would fail
/// them.
#[test]
fn replies_in_slow_pieces_pass_everything() {
    assert_eq!(server_fails("pieces", None), Vec::<String>::new());
}

/// Defects that break every stage after theirs are run up to it.
#[test]
fn a_wrong_listening_line_fails_listen() {
    assert_eq!(
        server_fails("no-listening-line", Some("listen")),
        ["listen"]
    );
}

#[test]
fn no_welcome_fails_welcome() {
    assert_eq!(server_fails("silent", Some("welcome")), ["welcome"]);
}

/// Random names: the sample session learned by heart does not pass.
#[test]
fn a_hard_coded_session_fails_hello() {
    assert_eq!(server_fails("hard-coded", Some("hello")), ["hello"]);
}

#[test]
fn greeting_exit_fails_exit() {
    assert_eq!(server_fails("answers-exit", None), ["exit"]);
}

#[test]
fn one_client_at_a_time_fails_two_clients() {
    assert_eq!(server_fails("one-at-a-time", None), ["two-clients"]);
}

#[test]
fn decoding_utf8_fails_not_utf8() {
    assert_eq!(server_fails("decodes-utf8", None), ["not-utf8"]);
}

#[test]
fn slow_work_between_accepts_fails_burst() {
    assert_eq!(server_fails("slow-accept", None), ["burst"]);
}

#[test]
fn dying_on_a_reset_fails_vanish() {
    assert_eq!(server_fails("dies-on-reset", None), ["vanish"]);
}

#[test]
fn ignoring_ctrl_c_fails_stop() {
    assert_eq!(server_fails("ignores-sigint", None), ["stop"]);
}

#[test]
fn one_read_taken_as_whole_lines_fails_lines_split() {
    assert_eq!(server_fails("lines-one-read", None), ["lines-split"]);
}

#[test]
fn dropping_the_rest_of_a_read_fails_lines_pipelined() {
    assert_eq!(server_fails("lines-first-only", None), ["lines-pipelined"]);
}

#[test]
fn no_bound_on_a_line_fails_lines_too_long() {
    assert_eq!(server_fails("lines-unbounded", None), ["lines-too-long"]);
}

#[test]
fn sending_every_name_at_once_fails_client_hello() {
    assert_eq!(client_fails("names-at-once"), ["client-hello"]);
}

#[test]
fn one_recv_taken_as_the_reply_fails_client_split_reply() {
    assert_eq!(client_fails("one-recv"), ["client-split-reply"]);
}

#[test]
fn a_traceback_when_the_server_goes_fails_client_server_gone() {
    assert_eq!(client_fails("traceback"), ["client-server-gone"]);
}
