//! The built server under a small open-file limit (`ulimit -n`): every
//! login is answered at once, `success` or the busy message, never an
//! empty close or silence, and the cap is lowered (and said to be) where
//! the limit cannot hold it.

use std::time::Duration;

use netkit::server::BUSY_MESSAGE;
use netkit::testing::{
    FirstAnswer, ServerProcess, TEST_TIMEOUT, assert_served_again,
    assert_served_then_refused, hold_many, lowered_cap, with_open_file_limit,
};

/// How long a client may wait for its answer to a login.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

/// Clients beyond the cap.
const OVER: usize = 50;

/// The answer to a login with `--lines`, the framing these tests use: its
/// newline says the answer is whole.
const SUCCESS: &[u8] = b"success\n";

fn server(limit: u64, args: &[&str]) -> ServerProcess {
    let mut all = vec!["server", "--lines", "--bind", "127.0.0.1:0", "--quiet"];
    all.extend(args);
    ServerProcess::start(&mut with_open_file_limit(
        limit,
        false,
        env!("CARGO_BIN_EXE_chat-room"),
        &all,
    ))
}

/// `count` users logged in (or refused) and held at once.
fn logins(server: &ServerProcess, count: usize) -> Vec<FirstAnswer> {
    netkit::descriptors::raise_limit();
    let name = |i| format!("user{i}\n").into_bytes();
    hold_many(server.addr, count, name, SUCCESS.len(), ANSWER_WITHIN)
}

/// With a cap that fits, the cap's users are logged in and the next ones
/// told the room is full, each within a second; once they have left, the
/// next login succeeds.
#[test]
fn under_a_small_limit_every_login_is_answered() {
    let cap = 200;
    let server = server(256, &["--max-clients", &cap.to_string()]);
    let answers = logins(&server, cap + OVER);
    assert_served_then_refused(&answers, cap, SUCCESS, &BUSY_MESSAGE[..8]);
    drop(answers);
    assert_served_again(server.addr, b"late\n", SUCCESS, &BUSY_MESSAGE[..8]);
    server.interrupt();
    let exited = server.wait(TEST_TIMEOUT);
    assert!(exited.status.success());
    assert!(!exited.stderr.contains("Too many open files"), "{exited:?}");
}

/// The default cap does not fit in 256 descriptors: it is lowered, the
/// log says so, and the lower cap holds.
#[test]
fn a_cap_over_the_limit_is_lowered_and_said() {
    let server = server(256, &[]);
    let note = server.next_error_line();
    let cap = lowered_cap(&note);
    let answers = logins(&server, cap + OVER);
    assert_served_then_refused(&answers, cap, SUCCESS, &BUSY_MESSAGE[..8]);
}
