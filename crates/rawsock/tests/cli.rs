//! The built `rawsock` binary against small servers and clients of this
//! test, each on 127.0.0.1 port 0: what it prints for a conversation,
//! line for line, and what the peer sees of `--shut` and `--reset`.
//!
//! The quiet wait is shortened (`--quiet 500`) to keep the tests quick;
//! the pause keeps its default, which leaves a loaded machine time to
//! answer one message before the next is sent.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use netkit::testing::{
    Process, ServerProcess, TEST_TIMEOUT, any_loopback_port, connect,
    read_exactly, run_to_end,
};
use socket2::SockRef;

const FAST: [&str; 2] = ["--quiet", "500"];

fn rawsock() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rawsock"))
}

/// Runs `rawsock ARGS --quiet 500` to its end with stdin
/// closed; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let (status, out, err) = run_to_end(rawsock().args(args).args(FAST));
    (status.code(), out, err)
}

/// A TCP server for one connection, bound before its thread starts:
/// `handle` gets the accepted stream, with timeouts set.
fn tcp_server<T: Send + 'static>(
    handle: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (String, JoinHandle<T>) {
    let listener = TcpListener::bind(any_loopback_port()).expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        stream
            .set_read_timeout(Some(TEST_TIMEOUT))
            .expect("timeout");
        stream
            .set_write_timeout(Some(TEST_TIMEOUT))
            .expect("timeout");
        handle(stream)
    });
    (addr, server)
}

/// One read, as text.
fn read_some(stream: &mut TcpStream) -> String {
    let mut buf = [0; 1024];
    let n = stream.read(&mut buf).expect("read in time");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// hello-echo's protocol, which has no newlines: `Welcome!`, then
/// `Hello, X!` for each message X, closing after `exit`.
fn hello_server(mut stream: TcpStream) {
    stream.write_all(b"Welcome!").expect("write");
    loop {
        let message = read_some(&mut stream);
        if message == "exit" || message.is_empty() {
            return;
        }
        stream
            .write_all(format!("Hello, {message}!").as_bytes())
            .expect("write");
    }
}

/// The conversation of the book's first page, event by event, the same
/// in every run: the greeting before our first send, each answer before
/// our next send, the peer's close last.
#[test]
fn a_tcp_conversation_prints_each_event_in_order() {
    for _ in 0..3 {
        let (addr, server) = tcp_server(hello_server);
        let (code, out, err) =
            run(&["connect", &addr, "--send", "Michael", "--send", "exit"]);
        assert_eq!(
            out,
            "< Welcome!\n> Michael\n< Hello, Michael!\n> exit\n\
             (closed by the peer)\n"
        );
        assert_eq!((code, err.as_str()), (Some(0), ""));
        server.join().unwrap();
    }
}

/// Received bytes are cut after each `\n`, whatever the reads were; a
/// piece without one is printed when nothing more follows, or at the
/// close.
#[test]
fn lines_are_cut_at_newlines_and_a_partial_line_still_shows() {
    let (addr, server) = tcp_server(|mut stream| {
        stream.write_all(b"one\ntwo\r\nthree").unwrap();
        read_some(&mut stream);
        stream.write_all(b"tail").unwrap();
    });
    let (code, out, _) = run(&["connect", &addr, "--send", "x"]);
    assert_eq!(
        out,
        "< one\\n\n< two\\r\\n\n< three\n> x\n< tail\n(closed by the peer)\n"
    );
    assert_eq!(code, Some(0));
    server.join().unwrap();
}

/// Bytes that are not UTF-8, or that a terminal would obey, are shown
/// escaped, and `--send`'s escapes send the bytes they name; `--hex`
/// adds the bytes in hex.
#[test]
fn bytes_are_escaped_both_ways() {
    let (addr, server) = tcp_server(|mut stream| {
        stream.write_all(b"\xff\xfe\x1b[2J\\\r\n").unwrap();
        read_exactly(&mut stream, 4)
    });
    let (code, out, _) =
        run(&["connect", &addr, "--send", r"\x00\xc3\x28\\", "--hex"]);
    assert_eq!(
        out,
        "< \\xff\\xfe\\x1b[2J\\\\\\r\\n\n  ff fe 1b 5b 32 4a 5c 0d 0a\n\
         > \\0\\xc3(\\\\\n(closed by the peer)\n"
    );
    assert_eq!(code, Some(0));
    assert_eq!(server.join().unwrap(), b"\0\xc3\x28\\");
}

/// `--shut` sends FIN after the last message: the server's read returns
/// 0 bytes, and its answer to the end of input still arrives.
#[test]
fn shut_gives_the_peer_end_of_file_and_reads_its_answer() {
    let (addr, server) = tcp_server(|mut stream| {
        let mut all = Vec::new();
        stream.read_to_end(&mut all).unwrap();
        let answer = format!("got {} bytes\n", all.len());
        stream.write_all(answer.as_bytes()).unwrap();
        all
    });
    let (code, out, _) = run(&["connect", &addr, "--send", "hello", "--shut"]);
    assert_eq!(out, "> hello\n< got 5 bytes\\n\n(closed by the peer)\n");
    assert_eq!(code, Some(0));
    assert_eq!(server.join().unwrap(), b"hello");
}

/// `--reset` closes with SO_LINGER 0: the server reads the message, then
/// its next read fails with ECONNRESET rather than returning 0 bytes.
#[test]
fn reset_makes_the_peers_read_fail_with_connection_reset() {
    let (addr, server) = tcp_server(|mut stream| {
        let message = read_exactly(&mut stream, 3);
        let mut buf = [0; 16];
        (message, stream.read(&mut buf).map_err(|err| err.kind()))
    });
    let (code, out, _) = run(&["connect", &addr, "--send", "bye", "--reset"]);
    assert_eq!(out, "> bye\n(closed)\n");
    assert_eq!(code, Some(0));
    let (message, next_read) = server.join().unwrap();
    assert_eq!(message, b"bye");
    assert_eq!(next_read, Err(ErrorKind::ConnectionReset));
}

/// `--pause` is the time a slow peer gets to answer before our next
/// send: a server that takes 300 ms still answers in order with 600.
#[test]
fn a_longer_pause_waits_for_a_slow_answer() {
    let (addr, server) = tcp_server(|mut stream| {
        for _ in 0..2 {
            let message = read_some(&mut stream);
            // The slowness under test, not a wait for readiness.
            thread::sleep(Duration::from_millis(300));
            stream.write_all(message.to_uppercase().as_bytes()).unwrap();
        }
    });
    let (code, out, _) = run(&[
        "connect", &addr, "--pause", "600", "--send", "a", "--send", "b",
    ]);
    assert_eq!(out, "> a\n< A\n> b\n< B\n(closed by the peer)\n");
    assert_eq!(code, Some(0));
    server.join().unwrap();
}

/// A peer that resets: the reset is the closing line, after what it
/// sent before.
#[test]
fn a_reset_from_the_peer_is_the_closing_line() {
    let (addr, server) = tcp_server(|mut stream| {
        stream.write_all(b"bye\n").unwrap();
        let message = read_some(&mut stream);
        SockRef::from(&stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        message
    });
    let (code, out, _) = run(&["connect", &addr, "--send", "x"]);
    assert_eq!(out, "< bye\\n\n> x\n(reset by the peer)\n");
    assert_eq!(code, Some(0));
    assert_eq!(server.join().unwrap(), "x");
}

/// A peer that closes ends the conversation: the sends left are not
/// sent.
#[test]
fn a_peer_that_closes_ends_the_conversation() {
    let (addr, server) = tcp_server(|mut stream| {
        stream.write_all(b"closing").unwrap();
    });
    let (code, out, _) = run(&["connect", &addr, "--send", "a", "--send", "b"]);
    assert_eq!(out, "< closing\n(closed by the peer)\n");
    assert_eq!(code, Some(0));
    server.join().unwrap();
}

/// A server that says nothing more: the tool ends by itself after
/// `--quiet`, and says so.
#[test]
fn a_quiet_peer_ends_the_conversation_after_quiet() {
    let (addr, server) = tcp_server(|mut stream| {
        (read_some(&mut stream), read_some(&mut stream))
    });
    let (code, out, _) = run(&["connect", &addr, "--send", "anyone?"]);
    assert_eq!(out, "> anyone?\n(nothing for 500 ms; closing)\n");
    assert_eq!(code, Some(0));
    // Then we closed: the server's next read got the end of our stream.
    assert_eq!(server.join().unwrap(), ("anyone?".into(), String::new()));
}

/// Without `--send`, the lines typed on stdin are sent as they come,
/// each with its `\n`; the answers print as they arrive.
#[test]
fn stdin_lines_are_sent_with_their_newline() {
    let (addr, server) = tcp_server(|mut stream| {
        for _ in 0..2 {
            let line = read_some(&mut stream);
            stream.write_all(line.to_uppercase().as_bytes()).unwrap();
        }
    });
    let mut tool =
        Process::start_interactive(rawsock().args(["connect", &addr]));
    tool.type_line("one");
    assert_eq!(tool.next_line(), "> one\\n");
    assert_eq!(tool.next_line(), "< ONE\\n");
    tool.type_line("two");
    assert_eq!(tool.next_line(), "> two\\n");
    assert_eq!(tool.next_line(), "< TWO\\n");
    assert_eq!(tool.next_line(), "(closed by the peer)");
    let exited = tool.wait(TEST_TIMEOUT);
    assert!(exited.status.success(), "{}", exited.stderr);
    server.join().unwrap();
}

/// UDP: each `--send` is one datagram and each datagram back is one
/// line, its newlines shown inside it; UDP has no close, so the quiet
/// wait ends it.
#[test]
fn udp_connect_sends_and_shows_datagrams() {
    let server = UdpSocket::bind(any_loopback_port()).unwrap();
    server.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let echo = thread::spawn(move || {
        let mut buf = [0; 1024];
        for _ in 0..2 {
            let (n, from) = server.recv_from(&mut buf).unwrap();
            let answer = String::from_utf8_lossy(&buf[..n]).to_uppercase();
            server
                .send_to(format!("{answer}\n").as_bytes(), from)
                .unwrap();
        }
    });
    let (code, out, _) =
        run(&["connect", &addr, "--udp", "--send", "hi", "--send", "a\nb"]);
    assert_eq!(
        out,
        "> hi\n< HI\\n\n> a\\nb\n< A\\nB\\n\n(nothing for 500 ms; closing)\n"
    );
    assert_eq!(code, Some(0));
    echo.join().unwrap();
}

/// A datagram to a port where nothing listens comes back as ICMP "port
/// unreachable", which a connected UDP socket hears as ECONNREFUSED.
#[test]
fn udp_to_a_closed_port_is_refused() {
    let addr = closed_udp_port();
    let (code, out, _) = run(&["connect", &addr, "--udp", "--send", "x"]);
    assert_eq!(out, "> x\n(refused: nothing listens on that port)\n");
    assert_eq!(code, Some(0));
}

/// UDP listen mode: the real port first, then each datagram with its
/// sender; the answers go to the sender of the first.
#[test]
fn udp_listen_answers_the_first_sender() {
    let tool = ServerProcess::start(
        rawsock()
            .args(["listen", "127.0.0.1:0", "--udp", "--send", "pong"])
            .args(FAST),
    );
    let client = UdpSocket::bind(any_loopback_port()).unwrap();
    client.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    client.send_to(b"ping\n", tool.addr).unwrap();
    let mut buf = [0; 64];
    let (n, from) = client.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"pong"[..], tool.addr));
    let me = client.local_addr().unwrap();
    let exited = tool.wait(TEST_TIMEOUT);
    assert_eq!(
        exited.stdout_rest,
        format!(
            "< from {me}: ping\\n\n> pong\n(nothing for 500 ms; closing)\n"
        )
    );
    assert!(exited.status.success());
}

/// TCP listen mode: the real port, the client's address, then the
/// conversation as in connect mode.
#[test]
fn tcp_listen_talks_to_one_client() {
    let tool = ServerProcess::start(
        rawsock()
            .args(["listen", "127.0.0.1:0", "--send", r"Welcome\n"])
            .args(FAST),
    );
    let mut client = connect(tool.addr);
    assert_eq!(read_exactly(&mut client, 8), b"Welcome\n");
    client.write_all(b"thanks").unwrap();
    let me = client.local_addr().unwrap();
    drop(client);
    let exited = tool.wait(TEST_TIMEOUT);
    assert_eq!(
        exited.stdout_rest,
        format!(
            "connection from {me}\n> Welcome\\n\n< thanks\n\
             (closed by the peer)\n"
        )
    );
    assert!(exited.status.success());
}

/// Nothing listening: one `error:` line that says what to do, exit 1.
#[test]
fn connection_refused_is_an_error() {
    let addr = closed_tcp_port();
    let (code, out, err) = run(&["connect", &addr, "--send", "x"]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.starts_with("error: could not connect to"), "{err}");
    assert!(err.contains("start the server first"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A port in use: one `error:` line, exit 1.
#[test]
fn a_port_in_use_is_an_error() {
    let taken = TcpListener::bind(any_loopback_port()).unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, _, err) = run(&["listen", &addr]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("error: ") && err.contains("in use"),
        "{err}"
    );
}

/// Bad command lines are usage errors (exit 2), never a panic: an
/// unknown escape, a TCP-only flag with --udp.
#[test]
fn usage_errors_exit_2() {
    for args in [
        &["connect", "127.0.0.1:9", "--send", r"\q"][..],
        &["connect", "127.0.0.1:9", "--send", r"ends in \"],
        &["connect", "127.0.0.1:9", "--udp", "--shut"],
        &["connect", "127.0.0.1:9", "--udp", "--reset"],
        &["connect", "127.0.0.1:9", "--quiet", "0"],
        &["connect", "127.0.0.1:9", "--pause", "18446744073709551615"],
        &["connect", "127.0.0.1:9", "--pause", "-1"],
        &["connect"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = run(&["connect", "no port here", "--send", "x"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("HOST:PORT"), "{err}");
}

/// The address of a TCP port that was just free: bound, then closed.
fn closed_tcp_port() -> String {
    let probe = TcpListener::bind(any_loopback_port()).expect("bind");
    probe.local_addr().expect("address").to_string()
}

/// The same for UDP.
fn closed_udp_port() -> String {
    let probe = UdpSocket::bind(any_loopback_port()).expect("bind");
    probe.local_addr().expect("address").to_string()
}
