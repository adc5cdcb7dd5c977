//! The server against raw sockets: logins in both framings, broadcast, the
//! original's bugs (a vanished client's name, a client that never reads),
//! and shutdown.

mod common;

use std::io::Write;
use std::net::TcpStream;

use common::{Client, start, start_original, without_time};
use netkit::testing::{read_exactly, read_to_close};

/// Logs in as the original client does: the bare name in one send, and
/// exactly `success` back.
fn join_original(server: &common::Server, name: &str) -> TcpStream {
    let mut stream = server.connect();
    stream.write_all(name.as_bytes()).expect("send the name");
    assert_eq!(read_exactly(&mut stream, 7), b"success", "{name}");
    stream
}

/// The next broadcast in the original framing, which has no end mark:
/// exactly as many bytes as `[<ctime>] ` and `expected` hold.
fn said_original(stream: &mut TcpStream, expected: &str) -> String {
    let bytes = read_exactly(
        stream,
        "[Sun Nov 22 09:15:03 2026] ".len() + expected.len(),
    );
    without_time(&String::from_utf8(bytes).expect("UTF-8")).to_owned()
}

#[test]
fn a_message_reaches_everyone_else_with_ctime_and_name() {
    let server = start();
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    assert_eq!(alice.line(), "* bob joined");
    let mut carol = Client::join(&server, "carol");
    alice.say("hello");
    assert_eq!(without_time(&bob.message()), "alice: hello");
    assert_eq!(without_time(&carol.message()), "alice: hello");
    // The sender does not get its own message back: the next thing alice
    // reads is bob's answer.
    bob.say("hi");
    assert_eq!(without_time(&alice.message()), "bob: hi");
    server.stop().unwrap();
}

/// Without `--lines`, the original's bytes: a bare name, unframed
/// answers and messages, no notices, and `quit` answered with `quit`.
#[test]
fn without_lines_the_server_speaks_the_original_bytes() {
    let server = start_original();
    let mut original = join_original(&server, "join");
    // No notice that alice joined: the original server sent none.
    let mut alice = join_original(&server, "alice");
    alice.write_all(b"hi").unwrap();
    assert_eq!(said_original(&mut original, "alice: hi"), "alice: hi");
    original.write_all(b"hello from 2003").unwrap();
    assert_eq!(
        said_original(&mut alice, "join: hello from 2003"),
        "join: hello from 2003"
    );
    // A name taken: the bare "reuse", then the close.
    let mut taken = server.connect();
    taken.write_all(b"alice").unwrap();
    assert_eq!(read_to_close(&mut taken), b"reuse");
    original.write_all(b"quit").unwrap();
    assert_eq!(read_to_close(&mut original), b"quit");
    server.stop().unwrap();
}

/// Without `--lines`, the first read is the name as sent: a client that
/// ends it with a newline (nc, or ours with --lines) is refused, with
/// the rule and what to do, and nothing waits for more of it.
#[test]
fn without_lines_a_name_with_a_newline_is_refused_with_a_hint() {
    let server = start_original();
    let mut stream = server.connect();
    stream.write_all(b"erin\n").unwrap();
    let answer = String::from_utf8(read_to_close(&mut stream)).unwrap();
    assert!(
        answer.starts_with("error: name has a space or a control character"),
        "{answer}"
    );
    assert!(
        answer.ends_with("start the server with --lines)"),
        "{answer}"
    );
    assert!(!answer.ends_with('\n'), "{answer:?}");
    server.stop().unwrap();
}

/// The original's name stays taken when its owner vanishes without
/// `quit`, and its thread spins on empty reads: here the name is free as
/// soon as the others hear that she left.
#[test]
fn a_vanished_clients_name_is_free_at_once() {
    let server = start();
    let alice = Client::join(&server, "alice");
    let mut watcher = Client::join(&server, "watcher");
    let mut taken = server.connect();
    taken.write_all(b"alice\n").unwrap();
    assert_eq!(read_exactly(&mut taken, 6), b"reuse\n");
    drop(alice); // no "quit": the connection just closes
    assert_eq!(watcher.line(), "* alice left");
    let mut alice = Client::join(&server, "alice");
    assert_eq!(watcher.line(), "* alice joined");
    alice.say("back");
    assert_eq!(without_time(&watcher.message()), "alice: back");
    server.stop().unwrap();
}

#[test]
fn bad_names_are_refused_with_the_rule() {
    let server = start();
    for name in ["", "a b", "/who", &"x".repeat(33)] {
        let mut stream = server.connect();
        stream.write_all(format!("{name}\n").as_bytes()).unwrap();
        let answer = String::from_utf8(read_to_close(&mut stream)).unwrap();
        assert!(answer.starts_with("error: "), "{name:?}: {answer}");
        assert!(answer.contains("1 to 32 printable"), "{answer}");
    }
    server.stop().unwrap();
}

/// One client that never reads does not hold up anyone: its outbox fills,
/// it is cut and the others are told, while bob gets every message.
#[test]
fn a_client_that_never_reads_is_cut_and_nobody_waits() {
    const MESSAGES: usize = 20_000; // 20 MB: more than socket buffers hold
    let server = start();
    let _stalled = Client::join(&server, "stalled"); // never reads again
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    assert_eq!(alice.line(), "* bob joined");
    let reader = std::thread::spawn(move || {
        let mut got = 0;
        let mut cut = false;
        while got < MESSAGES || !cut {
            let line = bob.line();
            if line == "* stalled was disconnected: not reading its messages" {
                cut = true;
            } else if !line.starts_with("* ") {
                assert!(line.ends_with(&format!(" {got:0>998}")), "{got}");
                got += 1;
            }
        }
        got
    });
    for n in 0..MESSAGES {
        alice.say(&format!("{n:0>998}"));
    }
    assert_eq!(reader.join().unwrap(), MESSAGES);
    let report = server.stop().unwrap();
    assert_eq!(report.broker.too_slow, 1);
}

/// Stopping the server: every client hears it, in the room's framing,
/// and reads "quit" (what makes the original client leave) and then the
/// end of the stream.
#[test]
fn a_stopping_server_says_goodbye_to_everyone() {
    let server = start();
    let mut alice = Client::join(&server, "alice");
    let mut joe = Client::join(&server, "joe");
    assert_eq!(alice.line(), "* joe joined");
    let report = server.stop().expect("the server's report");
    assert_eq!(
        alice.rest().expect("a clean close"),
        ["* the server is shutting down", "quit"]
    );
    assert_eq!(
        joe.rest().expect("a clean close"),
        ["* the server is shutting down", "quit"]
    );
    assert_eq!(report.connections.unfinished, 0);

    // The original framing has no notices: the bare "quit", then the end.
    let server = start_original();
    // "success" comes from the broker once joe is in the room.
    let mut joe = join_original(&server, "joe");
    let report = server.stop().expect("the server's report");
    assert_eq!(read_to_close(&mut joe), b"quit");
    assert_eq!(report.connections.unfinished, 0);
}

/// A user who only listens is not cut by the idle timeout that bounds a
/// login: the read timeout ends with the login (keepalive probes take
/// over), and the listener gets what is said long after it last spoke.
#[test]
fn a_silent_listener_stays() {
    const IDLE: std::time::Duration = std::time::Duration::from_millis(200);
    let server = common::start_with(netkit::ServerConfig {
        read_timeout: Some(IDLE),
        ..netkit::ServerConfig::default()
    });
    let mut lurker = Client::join(&server, "lurker");
    let mut alice = Client::join(&server, "alice");
    assert_eq!(lurker.line(), "* alice joined");
    // The condition under test: silence for longer than the timeout.
    std::thread::sleep(IDLE * 3);
    alice.say("still there?");
    assert_eq!(without_time(&lurker.message()), "alice: still there?");
    server.stop().expect("the server's report");
}

/// A server that accepts and never answers: the client gives up after
/// its wait, with an error that says what it waited for.
#[test]
fn a_server_that_never_answers_the_login() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // Never accepted: the kernel completes the handshake from the backlog.
    let stream =
        std::net::TcpStream::connect(silent.local_addr().unwrap()).unwrap();
    let wait = std::time::Duration::from_millis(200);
    let framing = chat_room::protocol::Framing::Lines;
    let err =
        chat_room::client::login(&stream, "alice", framing, wait).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("no answer to the login within 200ms"),
        "{err}"
    );
}
