//! The `chat-room` binary as a user meets it: help, the demo, signals on
//! both ends, and the errors a user can run into, each one `error:` line
//! with the right exit code.

use std::process::Command;
use std::time::Duration;

use netkit::testing::{Lang, Process, ServerProcess, run_to_end};

/// What CONTRACT.md allows a server for Ctrl-C.
const STOP_DEADLINE: Duration = Duration::from_secs(2);

fn chat_room() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chat-room"))
}

fn server(flags: &[&str]) -> ServerProcess {
    ServerProcess::start(
        chat_room()
            .args(["server", "--bind", "127.0.0.1:0"])
            .args(flags),
    )
}

/// A Rust client with `--lines`, logged in.
fn join(server: &ServerProcess, name: &str) -> Process {
    let client = Process::start_interactive(chat_room().args([
        "client",
        "--lines",
        "-u",
        name,
        "--connect",
        &server.addr.to_string(),
    ]));
    assert_eq!(client.next_error_line(), format!("logged in as {name}"));
    client
}

/// A client run that must fail: its exit code and its one stderr line.
fn failing_client(addr: &str, name: &str) -> (Option<i32>, String) {
    let (status, out, err) = run_to_end(chat_room().args([
        "client",
        "--lines",
        "-u",
        name,
        "--connect",
        addr,
    ]));
    assert_eq!(out, "");
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: "),
        "one error line expected: {err}"
    );
    (status.code(), lines[0].to_owned())
}

#[test]
fn help_names_every_command() {
    let (status, out, _) = run_to_end(chat_room().arg("--help"));
    assert!(status.success());
    for command in ["server", "client", "demo"] {
        assert!(out.contains(command), "{out}");
    }
    let (status, out, _) = run_to_end(chat_room().args(["client", "--help"]));
    assert!(status.success());
    assert!(out.contains("1 to 32 printable characters"), "{out}");
}

/// The demo shows each part of the lesson, and exits 0.
#[test]
fn demo_shows_the_whole_lesson() {
    let (status, out, err) = run_to_end(chat_room().arg("demo"));
    assert!(status.success(), "{err}");
    for expected in [
        "alice sees: * bob joined",
        "another alice: error: the name alice is taken",
        "] alice: hello, room",
        "alice sees: [",
        "] bob (to you): lunch?",
        "carol sees: * online (3): alice, bob, carol",
        "bob sees: * carol left",
        "bob sees: * the server is shutting down",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }
}

/// Ctrl-C or SIGTERM: the server tells its clients, and everyone exits 0
/// in time; the server's stdout holds only its `listening on` line.
#[test]
fn a_stopped_server_tells_its_clients_and_exits_0() {
    for stop in [Process::interrupt, Process::terminate] {
        let server = server(&["--lines"]);
        let alice = join(&server, "alice");
        stop(&server);
        let stopped = server.wait(STOP_DEADLINE);
        assert!(stopped.status.success(), "{}", stopped.stderr);
        assert_eq!(stopped.stdout_rest, "");
        assert_eq!(alice.next_line(), "* the server is shutting down");
        let exited = alice.wait(STOP_DEADLINE);
        assert!(exited.status.success(), "{}", exited.stderr);
        assert_eq!(exited.stdout_rest, "");
    }
}

/// The two ends must agree on the framing. A `--lines` client sends its
/// name with a newline; a server without `--lines` takes that newline as
/// part of the name, refuses it, and the client says what to change.
#[test]
fn a_lines_client_and_an_original_server_say_what_to_change() {
    let server = server(&[]);
    let (code, line) = failing_client(&server.addr.to_string(), "alice");
    assert_eq!(code, Some(1));
    assert!(
        line.starts_with(
            "error: the server refused the name: name has a space"
        ) && line.ends_with("start the server with --lines)"),
        "{line}"
    );
}

/// Without `--lines` on either end, a stopped server's clients read the
/// bare `quit` and exit 0 (the original framing has no notices).
#[test]
fn without_lines_a_stopped_server_lets_its_clients_go() {
    let server = server(&[]);
    let alice = Process::start_interactive(chat_room().args([
        "client",
        "-u",
        "alice",
        "--connect",
        &server.addr.to_string(),
    ]));
    assert_eq!(alice.next_error_line(), "logged in as alice");
    server.interrupt();
    assert!(server.wait(STOP_DEADLINE).status.success());
    let exited = alice.wait(STOP_DEADLINE);
    assert!(exited.status.success(), "{}", exited.stderr);
    assert_eq!(exited.stdout_rest, "");
}

/// Ctrl-C on a client leaves with `quit`: the others read that it left,
/// not that it was cut, and its name is free again.
#[test]
fn ctrl_c_on_a_client_leaves_with_quit() {
    let server = server(&["--lines"]);
    let alice = join(&server, "alice");
    let bob = join(&server, "bob");
    assert_eq!(alice.next_line(), "* bob joined");
    bob.interrupt();
    let exited = bob.wait(STOP_DEADLINE);
    assert!(exited.status.success(), "{}", exited.stderr);
    assert_eq!(alice.next_line(), "* bob left");
    let _bob = join(&server, "bob");
    assert_eq!(alice.next_line(), "* bob joined");
}

/// What `/who`, `/msg` and a mistyped command print, through the binary.
#[test]
fn commands_answer_on_the_terminal() {
    let server = server(&["--lines"]);
    let mut alice = join(&server, "alice");
    let bob = join(&server, "bob");
    alice.type_line("/who");
    assert_eq!(alice.next_line(), "* bob joined");
    assert_eq!(alice.next_line(), "* online (2): alice, bob");
    alice.type_line("/msg bob psst");
    let line = bob.next_line();
    assert!(line.ends_with("] alice (to you): psst"), "{line}");
    alice.type_line("/msg nobody hi");
    assert_eq!(alice.next_line(), "* nobody is called nobody");
    alice.type_line("/dance");
    assert_eq!(alice.next_line(), "* commands: /who, /msg NAME text, quit");
    // Control characters from another user are shown, not obeyed.
    alice.type_line("\x1b[2Jcleared?");
    let line = bob.next_line();
    assert!(line.ends_with("] alice: \\u{1b}[2Jcleared?"), "{line}");
}

/// A bad name is a usage error (exit 2), refused before connecting:
/// nothing listens on port 1, so trying would have said "refused".
#[test]
fn a_bad_name_is_a_usage_error() {
    for name in ["", "a b", "/who", &"x".repeat(33)] {
        let (status, _, err) = run_to_end(chat_room().args([
            "client",
            "-u",
            name,
            "--connect",
            "127.0.0.1:1",
        ]));
        assert_eq!(status.code(), Some(2), "{name:?}: {err}");
        assert!(err.contains("1 to 32 printable characters"), "{err}");
    }
}

/// The errors a user meets, one `error:` line each, exit 1.
#[test]
fn errors_are_one_line_and_exit_1() {
    let nobody = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .to_string(); // the listener is gone: nothing listens there now
    let (code, line) = failing_client(&nobody, "alice");
    assert_eq!(code, Some(1));
    assert!(line.contains("connection refused"), "{line}");

    let server = server(&["--lines", "--max-clients", "2"]);
    let addr = server.addr.to_string();
    let _alice = join(&server, "alice");
    let (code, line) = failing_client(&addr, "alice");
    assert_eq!(code, Some(1));
    assert_eq!(line, "error: the name alice is taken; pick another with -u");
    let _bob = join(&server, "bob");
    let (code, line) = failing_client(&addr, "carol");
    assert_eq!(code, Some(1));
    assert!(line.contains("the chat room is full"), "{line}");

    let (status, out, err) =
        run_to_end(chat_room().args(["server", "--bind", &addr]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(out, "");
    assert!(
        err.starts_with("error: ") && err.contains("--bind"),
        "{err}"
    );
}

/// The Python port of the original client, refused by our server in the
/// original framing: one error line that says why, once.
#[test]
fn the_python_client_reports_our_refusal() {
    let server = server(&[]);
    let (status, _, err) = run_to_end(
        Lang::Python
            .command(
                env!("CARGO_MANIFEST_DIR"),
                env!("CARGO_BIN_EXE_chat-room"),
                "client",
            )
            .args(["-u", "a b", "--connect", &server.addr.to_string()]),
    );
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        err.trim_end(),
        "error: the server refused the name: name has a space or a control \
         character: a name is 1 to 32 printable characters, no spaces, not \
         starting with / or *"
    );
}

/// A line that is not UTF-8 on the client's input is sent with U+FFFD
/// for its bad bytes; it does not end the input.
#[test]
fn a_line_that_is_not_utf8_does_not_end_the_input() {
    use std::io::Write;
    let server = server(&["--lines"]);
    let bob = join(&server, "bob");
    let mut alice = chat_room()
        .args([
            "client",
            "--lines",
            "-u",
            "alice",
            "--connect",
            &server.addr.to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = alice.stdin.take().unwrap();
    input.write_all(b"before\ncaf\xe9\nafter\n").unwrap();
    drop(input);
    assert_eq!(bob.next_line(), "* alice joined");
    for expected in ["before", "caf\u{fffd}", "after"] {
        let line = bob.next_line();
        assert!(line.ends_with(&format!("] alice: {expected}")), "{line}");
    }
    let (status, _, _) = netkit::testing::finish(alice);
    assert!(status.success());
}
