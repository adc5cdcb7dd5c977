//! What clients can do wrong, on purpose or not: vanish in a burst, come
//! over the cap, send a megabyte without a newline, send a name in pieces
//! or in bytes that are not UTF-8. None of it may crash the server, leave
//! a thread behind or keep a name taken; each client that broke a rule is
//! told which.

mod common;

use std::io::Write;
use std::thread;
use std::time::Duration;

use chat_room::protocol::Framing;
use common::{
    Client, start, start_original, start_watched, start_watched_framed,
    start_with, without_time,
};
use netkit::server::BUSY_MESSAGE;
use netkit::testing::{TEST_TIMEOUT, read_exactly, read_to_close};
use netkit::{Connections, ServerConfig};

const RULE: &str = "a name is 1 to 32 printable characters, no spaces, \
                    not starting with / or *";

/// 2,000 connections that leave at every stage of a login, eight at a
/// time. Afterwards no handler is running, the room is empty, and a name
/// the burst used is free.
#[test]
fn a_burst_of_2000_vanishing_clients_leaves_nothing_behind() {
    const THREADS: usize = 8;
    const EACH: usize = 250;
    let (server, connections) = start_watched();
    let addr = server.addr();
    let burst: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..EACH {
                    let mut stream = netkit::testing::connect(addr);
                    let name = format!("u{t}_{i}");
                    // Writes may fail if the server has already seen the
                    // close: that is the point, and not the test's concern.
                    let _ = match i % 4 {
                        0 => Ok(()),                            // says nothing
                        1 => stream.write_all(name.as_bytes()), // half a login
                        2 => stream.write_all(format!("{name}\n").as_bytes()),
                        _ => stream.write_all(
                            format!("{name}\nhello\nquit\n").as_bytes(),
                        ),
                    };
                    // Dropped here: closed without reading a byte, so the
                    // kernel may answer the server's "success" with a reset.
                }
            })
        })
        .collect();
    for thread in burst {
        thread.join().expect("a burst thread");
    }
    // The probe connects after the whole burst: the kernel hands
    // connections to accept() in order, so every burst connection was
    // registered before it. Once the probe's is the only one left, every
    // other handler (and its writer thread) has returned, and their Leave
    // events are in the broker's queue before the probe's /who.
    let mut probe = Client::join(&server, "probe");
    assert!(
        connections.wait_for_at_most(1, TEST_TIMEOUT),
        "handlers left running"
    );
    probe.say("/who");
    let online = loop {
        // Before the answer: the burst's last notices and messages.
        let line = probe.line();
        if line.starts_with("* online") {
            break line;
        }
    };
    assert_eq!(online, "* online (1): probe");
    // A name from the burst is free again.
    Client::join(&server, "u0_2").say("/who");
    assert_eq!(probe.line(), "* u0_2 joined");
    let report = server.stop().expect("the server's report");
    assert_eq!(report.connections.accepted, (THREADS * EACH + 2) as u64);
    // Kinds 2 and 3 logged in (the server read their names before it
    // noticed the close), and so did the probe and u0_2.
    let named = (0..EACH).filter(|i| i % 4 >= 2).count() * THREADS;
    assert_eq!(report.broker.joined, (named + 2) as u64);
}

/// One over the cap is told so and closed; the room goes on, and the
/// place of a client that quits is taken by the next.
#[test]
fn a_client_over_the_cap_is_told_and_the_room_goes_on() {
    let connections = Connections::default();
    let server = start_with(ServerConfig {
        max_connections: 3,
        connections: connections.clone(),
        ..ServerConfig::default()
    });
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    let _carol = Client::join(&server, "carol");
    let mut over = server.connect();
    assert_eq!(read_to_close(&mut over), BUSY_MESSAGE);
    bob.say("quit");
    let goodbye = bob.rest().expect("a clean close");
    assert_eq!(goodbye.last().map(String::as_str), Some("quit"));
    assert!(connections.wait_for_at_most(2, TEST_TIMEOUT));
    let _dave = Client::join(&server, "dave");
    let notices: Vec<String> = (0..4).map(|_| alice.line()).collect();
    assert_eq!(
        notices,
        [
            "* bob joined",
            "* carol joined",
            "* bob left",
            "* dave joined"
        ]
    );
    let report = server.stop().expect("the server's report");
    assert_eq!(report.connections.refused, 1);
}

/// A line client that sends 1 MiB without a newline is cut after the
/// first 1,024 bytes, is told why if it still listens, and its name is
/// free again; the others hear why it went.
#[test]
fn a_megabyte_without_a_newline_cuts_only_its_sender() {
    let server = start();
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    assert_eq!(alice.line(), "* bob joined");
    let mut flood = alice.stream().try_clone().expect("clone");
    let flooder = thread::spawn(move || {
        // The server stops reading after the first KiB and closes, so this
        // write may fail with a reset: what matters is the server's side.
        let _ = flood.write_all(&vec![b'x'; 1 << 20]);
        let _ = flood.shutdown(std::net::Shutdown::Write);
    });
    assert_eq!(
        bob.line(),
        "* alice was disconnected: a message longer than 1024 bytes"
    );
    // What alice reads, if the reset lets her read anything: the reason
    // first, then nothing but the end of the stream.
    if let Ok(lines) = alice.rest() {
        assert!(
            lines.is_empty()
                || lines
                    == ["* disconnected: a message longer than 1024 bytes"],
            "{lines:?}"
        );
    }
    flooder.join().expect("the flooding thread");
    let mut alice = Client::join(&server, "alice");
    assert_eq!(bob.line(), "* alice joined");
    alice.say("back");
    assert_eq!(without_time(&bob.message()), "alice: back");
    server.stop().expect("the server's report");
}

/// The limit is 1,024 bytes of message, newline not counted.
#[test]
fn a_message_of_1024_bytes_passes_and_1025_do_not() {
    let server = start();
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    assert_eq!(alice.line(), "* bob joined");
    alice.say(&"a".repeat(1024));
    assert_eq!(
        without_time(&bob.message()),
        format!("alice: {}", "a".repeat(1024))
    );
    alice.say(&"b".repeat(1025));
    assert_eq!(
        bob.line(),
        "* alice was disconnected: a message longer than 1024 bytes"
    );
    assert_eq!(
        alice.rest().expect("a clean close"),
        ["* disconnected: a message longer than 1024 bytes"]
    );
    server.stop().expect("the server's report");
}

/// Names in bytes that are not UTF-8, empty names and over-long ones, in
/// both framings: each is refused with the rule, in the room's framing.
#[test]
fn bad_names_are_refused_in_either_framing() {
    let lines: [(&[u8], &str); 5] = [
        (b"\xff\xfe\n", "name is not UTF-8"),
        (b"\n", "empty name"),
        (b"\r\n", "empty name"),
        (b"a\x1b[31mb\n", "name has a space or a control character"),
        (&[b'a'; 200], "name too long"),
    ];
    // The original framing: no newline, so no newline in the answer.
    let original: [(&[u8], &str); 3] = [
        (b"\xffname", "name is not UTF-8"),
        (b"a\x1b[31mb", "name has a space or a control character"),
        (&[b'a'; 200], "name too long"),
    ];
    for (framing, cases) in
        [(Framing::Lines, &lines[..]), (Framing::Raw, &original)]
    {
        let server = common::start_framed(ServerConfig::default(), framing);
        let newline = if framing == Framing::Lines { "\n" } else { "" };
        for &(sent, why) in cases {
            let mut stream = server.connect();
            stream.write_all(sent).expect("send a name");
            let answer = read_to_close(&mut stream);
            assert_eq!(
                String::from_utf8_lossy(&answer),
                format!("error: {why}: {RULE}{newline}"),
                "{framing:?} {sent:?}"
            );
        }
        // The server is still serving.
        let mut stream = server.connect();
        stream.write_all(&framing.encode(b"alice")).expect("a name");
        assert_eq!(read_exactly(&mut stream, 7), b"success");
        server.stop().expect("the server's report");
    }
}

/// A client sending a megabyte as its name, in either framing: refused
/// once it is longer than any name; the server survives and serves the
/// next one.
#[test]
fn a_megabyte_as_a_name_is_refused() {
    for framing in [Framing::Lines, Framing::Raw] {
        a_megabyte_as_a_name_is_refused_in(framing);
    }
}

fn a_megabyte_as_a_name_is_refused_in(framing: Framing) {
    let (server, connections) = start_watched_framed(framing);
    let mut stream = server.connect();
    let mut flood = stream.try_clone().expect("clone");
    let flooder = thread::spawn(move || {
        let _ = flood.write_all(&vec![b'n'; 1 << 20]);
        let _ = flood.shutdown(std::net::Shutdown::Write);
    });
    let mut answer = Vec::new();
    // A reset may end the read early; what did arrive must be the refusal.
    let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
    let refusal =
        framing.encode(format!("error: name too long: {RULE}").as_bytes());
    assert!(refusal.starts_with(&answer), "{framing:?}: {answer:?}");
    flooder.join().expect("the flooding thread");
    assert!(
        connections.wait_idle(TEST_TIMEOUT),
        "a handler left running"
    );
    let mut next = server.connect();
    next.write_all(&framing.encode(b"next")).expect("a name");
    assert_eq!(read_exactly(&mut next, 7), b"success");
    server.stop().expect("the server's report");
}

/// TCP may cut a `--lines` name anywhere: a name in five segments is one
/// name, however long the gaps between them (the idle timeout aside).
#[test]
fn a_name_in_pieces_is_one_name() {
    // Long enough apart that each piece leaves in a segment of its own
    // (NODELAY), which is the condition under test; nothing waits on it.
    const GAP: Duration = Duration::from_millis(30);
    let server = start();
    let mut alice = Client::join(&server, "alice");
    let mut carol = Client::connect(&server);
    carol.stream().set_nodelay(true).expect("nodelay");
    for piece in [&b"ca"[..], b"r", b"o", b"l", b"\n"] {
        carol.send(piece);
        thread::sleep(GAP);
    }
    assert_eq!(carol.line(), "success");
    assert_eq!(alice.line(), "* carol joined");
    alice.say("/who");
    assert_eq!(alice.line(), "* online (2): alice, carol");
    server.stop().expect("the server's report");
}

/// Without `--lines`, the server takes the first read as the whole name
/// and waits for nothing more: what an original client sends, it sends in
/// one `send`.
#[test]
fn without_lines_the_first_read_is_the_name() {
    let server = start_original();
    let mut carol = server.connect();
    carol.write_all(b"carol").expect("a name");
    assert_eq!(read_exactly(&mut carol, 7), b"success");
    carol.write_all(b"quit").expect("quit");
    assert_eq!(read_to_close(&mut carol), b"quit");
    server.stop().expect("the server's report");
}

/// Messages are bytes: what is not UTF-8 reaches the others unchanged
/// (their clients decide how to show it), and an empty line is nothing.
#[test]
fn messages_pass_as_bytes_and_empty_ones_are_dropped() {
    let server = start();
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    assert_eq!(alice.line(), "* bob joined");
    alice.send(b"\n\n");
    alice.send(b"\xff\xfe caf\xc3\xa9\n");
    let line = bob.line_bytes();
    assert!(line.ends_with(b"] alice: \xff\xfe caf\xc3\xa9"), "{line:?}");
    alice.say("after");
    assert_eq!(without_time(&bob.message()), "alice: after");
    server.stop().expect("the server's report");
}
