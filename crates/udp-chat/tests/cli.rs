//! The built `udp-chat` binary as users and scripts drive it: the
//! CONTRACT.md command shape, the client's exit code when replies are
//! lost, and two chat processes typed into.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{lossy_path, start_echo, transcript};
use netkit::testing::{Process, ServerProcess, run_to_end};

/// CONTRACT.md: a server stops within 2 seconds of Ctrl-C or SIGTERM.
const STOP_DEADLINE: Duration = Duration::from_secs(2);

fn udp_chat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_udp-chat"))
}

/// `--help` names every subcommand; `demo` runs and exits 0.
#[test]
fn help_and_demo() {
    let (status, out, _) = run_to_end(udp_chat().arg("--help"));
    assert!(status.success());
    for word in ["server", "client", "chat", "demo"] {
        assert!(out.contains(word), "{out}");
    }
    let (status, out, err) = run_to_end(udp_chat().arg("demo"));
    assert!(status.success(), "{err}");
    assert!(out.contains("client: Hello, 2!"), "{out}");
    assert!(out.contains(": hi A, B here"), "{out}");
}

/// The server's `listening on` line, the client's transcript on stdout
/// and summary on stderr, and the server's exit 0 on SIGINT and SIGTERM.
#[test]
fn server_and_client_then_signals() {
    for stop in [Process::interrupt, Process::terminate] {
        let server = ServerProcess::start(udp_chat().args([
            "server",
            "--bind",
            "127.0.0.1:0",
        ]));
        let addr = server.addr.to_string();
        let (status, out, err) =
            run_to_end(udp_chat().args(["client", "--connect", &addr]));
        assert!(status.success(), "{err}");
        assert_eq!(out, transcript(100));
        assert_eq!(err, "100 requests: 100 answered, 0 retries, 0 lost\n");
        stop(&server);
        let exited = server.wait(STOP_DEADLINE);
        assert!(exited.status.success(), "{}", exited.stderr);
        assert_eq!(exited.stdout_rest, "");
    }
}

/// Lost replies: the client finishes in bounded time, names what it
/// lost, and exits 1 with one `error:` line last.
#[test]
fn client_with_losses_reports_them_and_exits_1() {
    let server = start_echo();
    let path = lossy_path(server.addr(), |_, bytes| bytes == b"3");
    let addr = path.addr().to_string();
    let (status, out, err) = run_to_end(udp_chat().args([
        "client",
        "--connect",
        &addr,
        "--count",
        "5",
        "--timeout",
        "200ms",
        "--retries",
        "2",
    ]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(out, "Hello, 0!\nHello, 1!\nHello, 2!\nHello, 4!\n");
    assert_eq!(
        err,
        "no reply to 3 after 3 tries\n\
         5 requests: 4 answered, 2 retries, 1 lost\n\
         error: 1 of 5 requests got no reply\n"
    );
    path.stop();
    server.stop().unwrap();
}

/// Nobody listening: the ICMP "port unreachable" reaches the connected
/// socket, and the client says so at once, exit 1.
#[test]
fn client_with_no_server_is_one_error_line() {
    let free = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .unwrap()
        .to_string();
    let (status, out, err) =
        run_to_end(udp_chat().args(["client", "--connect", &free]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: nothing listens on UDP"), "{err}");
}

/// Port in use for the server: one `error:` line, exit 1; nonsense
/// flags: usage error, exit 2.
#[test]
fn failures_and_usage_errors() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (status, _, err) =
        run_to_end(udp_chat().args(["server", "--bind", &addr]));
    assert_eq!(status.code(), Some(1));
    assert!(
        err.starts_with("error: ") && err.contains("in use"),
        "{err}"
    );
    // Zero, and a number without its unit, are usage errors.
    for timeout in ["0", "200"] {
        let (status, _, err) =
            run_to_end(udp_chat().args(["client", "--timeout", timeout]));
        assert_eq!(status.code(), Some(2), "{err}");
    }
}

/// Two chat processes typed into: each shows the other's line with the
/// sender's address; end of input (Ctrl-D) ends each with exit 0.
#[test]
fn two_chat_processes_talk_both_ways() {
    let chat = |peer: Option<&str>| {
        let mut command = udp_chat();
        command.args(["chat", "--bind", "127.0.0.1:0"]);
        if let Some(peer) = peer {
            command.args(["--peer", peer]);
        }
        ServerProcess::start_interactive(&mut command)
    };
    let mut a = chat(None);
    let mut b = chat(Some(&a.addr.to_string()));
    a.type_line(&format!("/peer {}", b.addr));
    assert_eq!(a.next_line(), format!("talking to {}", b.addr));
    a.type_line("hello from A");
    assert_eq!(b.next_line(), format!(">>> {}: hello from A", a.addr));
    b.type_line("hello from B");
    assert_eq!(a.next_line(), format!(">>> {}: hello from B", b.addr));
    for mut peer in [a, b] {
        peer.close_stdin();
        let exited = peer.wait(STOP_DEADLINE);
        assert!(exited.status.success(), "{}", exited.stderr);
    }
}

/// Ctrl-C ends a chat that is waiting for the user, with exit 0.
#[test]
fn sigint_ends_a_chat() {
    let chat = ServerProcess::start_interactive(udp_chat().args([
        "chat",
        "--bind",
        "127.0.0.1:0",
    ]));
    chat.interrupt();
    assert!(chat.wait(STOP_DEADLINE).status.success());
}
