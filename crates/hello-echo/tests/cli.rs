//! The built `hello-echo` binary, as a user and the scripts drive it: the
//! command shape, the `listening on` line, exit codes and signals of
//! CONTRACT.md.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::TRANSCRIPT;
use netkit::testing::{
    Process, ServerProcess, TEST_TIMEOUT, connect, read_exactly, read_to_close,
    run_to_end,
};
use socket2::SockRef;

/// CONTRACT.md: a server stops within 2 seconds of Ctrl-C or SIGTERM.
const STOP_DEADLINE: Duration = Duration::from_secs(2);

fn hello_echo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hello-echo"))
}

fn server(args: &[&str]) -> ServerProcess {
    ServerProcess::start(
        hello_echo()
            .args(["server", "--bind", "127.0.0.1:0"])
            .args(args),
    )
}

/// Runs the client against `addr` and returns (exit code, stdout, stderr).
fn client(addr: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let (status, out, err) =
        run_to_end(hello_echo().args(["client", "--connect", addr]).args(args));
    (status.code(), out, err)
}

/// The one line of stderr a failing command must print.
fn single_error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got {stderr:?}");
    assert!(lines[0].starts_with("error: "), "{stderr:?}");
    lines[0]
}

/// `--help` names the three subcommands.
#[test]
fn help_lists_server_client_and_demo() {
    let (status, out, _) = run_to_end(hello_echo().arg("--help"));
    assert!(status.success());
    for word in ["server", "client", "demo"] {
        assert!(out.contains(word), "{out}");
    }
}

/// `demo` runs both ends in one process and exits 0.
#[test]
fn demo_shows_both_sides_and_exits_0() {
    let (status, out, err) = run_to_end(hello_echo().arg("demo"));
    assert!(status.success(), "{err}");
    assert!(out.starts_with("server: listening on 127.0.0.1:"), "{out}");
    for line in TRANSCRIPT.lines() {
        assert!(out.contains(&format!("client: {line}\n")), "{out}");
    }
}

/// The server prints `listening on` with the real port and nothing else on
/// stdout; SIGINT then stops it with exit code 0 in time.
#[test]
fn listening_line_then_sigint_exits_0() {
    let server = server(&[]);
    assert_ne!(server.addr.port(), 0);
    let (code, out, err) = client(&server.addr.to_string(), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, TRANSCRIPT);
    server.interrupt();
    let exited = server.wait(STOP_DEADLINE);
    assert!(exited.status.success(), "{}", exited.stderr);
    assert_eq!(exited.stdout_rest, "");
}

/// Ctrl-C or SIGTERM with a client connected: the client sees a clean
/// end-of-stream and the server exits 0 in time.
#[test]
fn signals_with_a_client_connected_close_it_and_exit_0() {
    for send_signal in [Process::interrupt, Process::terminate] {
        let server = server(&[]);
        let mut held = connect(server.addr);
        assert_eq!(read_exactly(&mut held, 8), b"Welcome!");
        send_signal(&server);
        let exited = server.wait(STOP_DEADLINE);
        assert!(exited.status.success(), "{}", exited.stderr);
        assert_eq!(read_to_close(&mut held), b"");
    }
}

/// `--once` serves one client and exits by itself.
#[test]
fn once_serves_one_client_then_exits_0() {
    let server = server(&["--once"]);
    let (code, out, _) = client(&server.addr.to_string(), &[]);
    assert_eq!((code, out.as_str()), (Some(0), TRANSCRIPT));
    let exited = server.wait(TEST_TIMEOUT);
    assert!(exited.status.success(), "{}", exited.stderr);
}

/// A port already in use: one `error:` line naming it and `--bind`, exit 1.
#[test]
fn port_in_use_is_one_error_line_and_exit_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (status, out, err) =
        run_to_end(hello_echo().args(["server", "--bind", &addr]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(out, "");
    let line = single_error_line(&err);
    assert!(line.contains(&addr) && line.contains("--bind"), "{line}");
}

/// Nobody listening: one `error:` line saying to start the server, exit 1.
#[test]
fn connection_refused_is_one_error_line_and_exit_1() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .to_string();
    let (code, out, err) = client(&addr, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "");
    assert!(
        single_error_line(&err).contains("connection refused"),
        "{err}"
    );
}

/// A name the protocol cannot carry is refused before connecting.
#[test]
fn empty_name_is_one_error_line_and_exit_1() {
    // Nothing listens on port 1: had the client tried to connect, the
    // error would be "connection refused", not the empty name.
    let (code, _, err) = client("127.0.0.1:1", &["Ada", ""]);
    assert_eq!(code, Some(1));
    assert!(single_error_line(&err).contains("empty"), "{err}");
}

/// Flags that make no sense are usage errors: exit 2.
#[test]
fn usage_errors_exit_2() {
    for args in [&["server", "--max-clients", "0"][..], &["bogus"][..]] {
        let (status, _, _) = run_to_end(hello_echo().args(args));
        assert_eq!(status.code(), Some(2), "{args:?}");
    }
}

/// Every kind of bad input at once against the real binary: it keeps
/// serving, exits 0 on SIGINT, and never prints a panic.
#[test]
fn bad_input_never_prints_a_panic() {
    let server = server(&["--timeout", "1s"]);
    let addr = server.addr;
    let mut nasty = connect(addr);
    read_exactly(&mut nasty, 8);
    nasty.write_all(b"\xff\xfe").unwrap();
    read_exactly(&mut nasty, 10);
    nasty.write_all(&[b'x'; 5000]).unwrap();
    let _silent = connect(addr);
    for _ in 0..200 {
        let stream = TcpStream::connect(addr).unwrap();
        SockRef::from(&stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    let (code, out, err) = client(&addr.to_string(), &[]);
    assert_eq!((code, out.as_str()), (Some(0), TRANSCRIPT), "{err}");
    server.interrupt();
    let exited = server.wait(STOP_DEADLINE);
    assert!(exited.status.success());
    assert!(!exited.stderr.contains("panicked"), "{}", exited.stderr);
}
