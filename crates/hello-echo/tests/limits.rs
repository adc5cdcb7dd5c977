//! The built server under a small open-file limit (`ulimit -n`), as on a
//! desktop or in a container: every client gets a welcome or the busy
//! message at once, never silence, and the cap is lowered (and said to be)
//! where the limit cannot hold it.

use std::time::Duration;

use hello_echo::WELCOME;
use netkit::server::BUSY_MESSAGE;
use netkit::testing::{
    FirstAnswer, ServerProcess, TEST_TIMEOUT, assert_served_again,
    assert_served_then_refused, hold_many, lowered_cap, run_to_end,
    with_open_file_limit,
};

/// How long a client may wait for its welcome or its refusal. Without a
/// descriptor to accept it with, a server leaves the client in the backlog
/// until the client gives up; an answer is owed at once.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

/// Clients beyond the cap in each test.
const OVER: usize = 50;

fn server(limit: u64, soft_only: bool, args: &[&str]) -> ServerProcess {
    let mut all = vec!["server", "--bind", "127.0.0.1:0", "--quiet"];
    all.extend(args);
    ServerProcess::start(&mut with_open_file_limit(
        limit,
        soft_only,
        env!("CARGO_BIN_EXE_hello-echo"),
        &all,
    ))
}

/// `count` clients held open at once, each with its first answer.
fn flood(server: &ServerProcess, count: usize) -> Vec<FirstAnswer> {
    // The test itself holds `count` sockets: lift its own limit first.
    netkit::descriptors::raise_limit();
    hold_many(
        server.addr,
        count,
        |_| Vec::new(),
        WELCOME.len(),
        ANSWER_WITHIN,
    )
}

/// With a cap that fits the limit, the cap's clients are welcomed and
/// the next ones told the server is busy, each within a second; then the
/// server serves again.
#[test]
fn under_a_small_limit_every_client_is_welcomed_or_refused() {
    let cap = 200;
    let server = server(256, false, &["--max-clients", &cap.to_string()]);
    let answers = flood(&server, cap + OVER);
    assert_served_then_refused(&answers, cap, WELCOME, &BUSY_MESSAGE[..8]);
    drop(answers);
    assert_served_again(server.addr, b"", WELCOME, &BUSY_MESSAGE[..8]);
    server.interrupt();
    let exited = server.wait(TEST_TIMEOUT);
    assert!(exited.status.success());
    assert!(!exited.stderr.contains("Too many open files"), "{exited:?}");
}

/// The default cap (512) cannot fit in 256 descriptors: the server lowers
/// it, says so in one line naming `ulimit -n`, and keeps the lower cap.
#[test]
fn a_cap_over_the_limit_is_lowered_and_said() {
    let server = server(256, false, &[]);
    let note = server.next_error_line();
    let cap = lowered_cap(&note);
    assert!(cap > 200 && cap < 256, "{note}");
    assert!(note.contains("ulimit -n"), "{note}");
    let answers = flood(&server, cap + OVER);
    assert_served_then_refused(&answers, cap, WELCOME, &BUSY_MESSAGE[..8]);
}

/// A soft limit below the cap, under a higher hard limit, is raised at
/// start: 100 clients are served at a soft limit of 64.
#[test]
fn the_soft_limit_is_raised_to_the_hard_limit() {
    let server = server(64, true, &["--max-clients", "100"]);
    let answers = flood(&server, 100);
    assert_served_then_refused(&answers, 100, WELCOME, &BUSY_MESSAGE[..8]);
}

/// A limit with no room for even one connection is an error that says
/// what to do, and exit code 1.
#[test]
fn no_room_for_a_connection_is_an_error_naming_ulimit() {
    let (status, _, stderr) = run_to_end(&mut with_open_file_limit(
        16,
        false,
        env!("CARGO_BIN_EXE_hello-echo"),
        &["server", "--bind", "127.0.0.1:0"],
    ));
    assert_eq!(status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains("ulimit -n"), "{stderr}");
}
