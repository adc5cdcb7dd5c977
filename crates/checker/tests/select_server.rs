//! select-server's stages, tested from outside: the lesson's own crate
//! (mio) and our Python port (selectors) pass every stage, lesson 1's and
//! lesson 5's server stages and `one-thread`; lesson 1's own server, a
//! thread per connection, passes lesson 1's stages and fails
//! `one-thread` alone; and small broken programs
//! (tests/mutants/select-server/server.py, each defect documented there)
//! fail the stage that checks what they break, and only that one.
//!
//! Each program is run once, through the stages up to the one its defect
//! breaks: the whole file must stay within a minute.

mod common;

use std::path::Path;
use std::process::Command;

use common::{
    SEED, assert_reference_passes, checker, python_run, server_fails,
};

const LESSON: &str = "select-server";

/// Every stage: 13 of lesson 1, `one-thread`, 13 of lesson 5.
const STAGES: usize = 27;

/// The last of lesson 1's stages: a run up to it leaves the chat room out.
const LAST_HELLO: &str = "lines-too-long";

/// `--reference` builds crates/select-server and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    assert_reference_passes(LESSON, STAGES);
}

/// Lesson 7's other one-thread server, our Python port (selectors), passes
/// every stage too: lessons 1 and 5's behaviour, another model.
#[test]
fn the_python_port_passes_every_stage() {
    let run = python_run(LESSON);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.passed().len(), STAGES, "{run:?}");
}

/// Lesson 1's server answers every one of its stages right, with a thread
/// per connection: only the thread count tells it from this lesson's.
#[test]
fn lesson_1s_threaded_server_fails_one_thread_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--package", "hello-echo"])
        .current_dir(&root)
        .status()
        .expect("run cargo");
    assert!(status.success(), "hello-echo builds");
    // This test runs from target/<profile>/deps; the binary is one up.
    let exe = std::env::current_exe().expect("the test's path");
    let bins = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let server = format!("{} server", bins.join("hello-echo").display());
    let run = checker(&[
        LESSON,
        "--cmd",
        &server,
        "--stage",
        LAST_HELLO,
        "--keep-going",
        "--seed",
        SEED,
    ]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.failed(), ["one-thread"], "{run:?}");
    assert_eq!(run.passed().len(), 13, "{run:?}");
    assert!(run.stdout.contains("threads, as with 1 client"), "{run:?}");
}

/// The same in Python: right answers, a thread each.
#[test]
fn a_thread_per_client_fails_one_thread() {
    assert_eq!(
        server_fails(LESSON, "thread-per-client", Some(LAST_HELLO)),
        ["one-thread"]
    );
}

/// A blocking recv() for the name, between accept() and the selector:
/// every later client waits for the slowest.
#[test]
fn a_name_read_on_accept_fails_chat_silent_login() {
    assert_eq!(
        server_fails(LESSON, "name-on-accept", Some("chat-silent-login")),
        ["chat-silent-login"]
    );
}

/// A blocking sendall() to each user: the one who never reads stops the
/// loop, and with it the room.
#[test]
fn a_blocking_send_to_each_user_fails_chat_lines_stuck() {
    assert_eq!(
        server_fails(LESSON, "blocking-send", Some("chat-lines-stuck")),
        ["chat-lines-stuck"]
    );
}
