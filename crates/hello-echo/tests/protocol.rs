//! The hello-echo protocol on the wire, byte for byte, with the real server
//! in-process on a free port.

mod common;

use std::io::{Read, Write};

use common::{TRANSCRIPT, quiet_config, start};
use hello_echo::{Protocol, run_client};
use netkit::Connections;
use netkit::testing::{TEST_TIMEOUT, read_exactly, read_to_close};

/// The original's session: welcome, one greeting per message, and `exit`
/// makes the server close.
#[test]
fn welcome_then_hello_for_each_message_then_exit_closes() {
    let connections = Connections::default();
    let server = start(Protocol::Raw, quiet_config(&connections));
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    for name in ["Michael", "Tracy", "李雷"] {
        client.write_all(name.as_bytes()).unwrap();
        let reply = format!("Hello, {name}!");
        assert_eq!(read_exactly(&mut client, reply.len()), reply.as_bytes());
    }
    client.write_all(b"exit").unwrap();
    assert_eq!(read_to_close(&mut client), b"");
    assert!(connections.wait_idle(TEST_TIMEOUT));
    server.stop().unwrap();
}

/// A client that closes without `exit` ends its session just as well.
#[test]
fn end_of_stream_ends_the_session() {
    let connections = Connections::default();
    let server = start(Protocol::Raw, quiet_config(&connections));
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    client.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_to_close(&mut client), b"");
    assert!(connections.wait_idle(TEST_TIMEOUT));
    server.stop().unwrap();
}

/// With `--lines`, every message both ways is a line; CRLF is accepted.
#[test]
fn lines_protocol_frames_every_message() {
    let server = start(Protocol::Lines, quiet_config(&Connections::default()));
    let mut client = server.connect();
    // Two lines in one write, and a line cut in two: framing copes.
    client.write_all(b"Ada\r\nLin").unwrap();
    client.write_all(b"us\nexit\n").unwrap();
    let all = read_to_close(&mut client);
    assert_eq!(all, b"Welcome!\nHello, Ada!\nHello, Linus!\n");
    server.stop().unwrap();
}

/// The library client prints the original's transcript in both protocols.
#[test]
fn client_prints_the_original_transcript() {
    for protocol in [Protocol::Raw, Protocol::Lines] {
        let server = start(protocol, quiet_config(&Connections::default()));
        let mut stream = server.connect();
        let names: Vec<String> =
            hello_echo::DEFAULT_NAMES.map(String::from).to_vec();
        let mut out = Vec::new();
        run_client(&mut stream, &names, protocol, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), TRANSCRIPT);
        server.stop().unwrap();
    }
}

/// The client reads each reply to its full length even when the server
/// sends it a byte at a time (one `recv` is not one message).
#[test]
fn client_reassembles_a_reply_cut_into_pieces() {
    let server = netkit::testing::TestServer::start(|listener, _shutdown| {
        let (mut conn, _) = listener.accept().unwrap();
        // No Nagle: each byte leaves in a segment of its own.
        conn.set_nodelay(true).unwrap();
        for byte in b"Welcome!Hello, Ada!" {
            conn.write_all(&[*byte]).unwrap();
            conn.flush().unwrap();
        }
        let mut rest = Vec::new();
        // The client's `Ada` then `exit`, until it closes.
        conn.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
        conn.read_to_end(&mut rest).unwrap();
        rest
    });
    let mut stream = server.connect();
    let mut out = Vec::new();
    run_client(&mut stream, &["Ada".into()], Protocol::Raw, &mut out).unwrap();
    drop(stream);
    assert_eq!(out, b"Welcome!\nHello, Ada!\n");
    assert_eq!(server.stop(), b"Adaexit");
}

/// A reply the protocol does not allow (a busy server's refusal, say) is
/// an error that quotes what the server said.
#[test]
fn client_reports_an_unexpected_reply() {
    let server = netkit::testing::TestServer::start(|listener, _shutdown| {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(b"server busy: try later\n").unwrap();
    });
    let mut stream = server.connect();
    let mut out = Vec::new();
    let err = run_client(&mut stream, &["Ada".into()], Protocol::Raw, &mut out)
        .unwrap_err();
    assert!(err.to_string().contains("server busy: try later"), "{err}");
    assert!(out.is_empty());
    server.stop();
}

/// What a server says is escaped before it reaches the terminal, in both
/// protocols: an escape sequence that would retitle or clear it, a CR, a
/// NUL and bytes that are not UTF-8 all come out as visible text.
#[test]
fn an_unexpected_reply_is_shown_escaped() {
    const HOSTILE: &[u8] = b"\x1b]0;owned\x07\x1b[2J\rback\0\xff";
    for protocol in [Protocol::Raw, Protocol::Lines] {
        let server =
            netkit::testing::TestServer::start(|listener, _shutdown| {
                let (mut conn, _) = listener.accept().unwrap();
                conn.write_all(&[HOSTILE, b"\n"].concat()).unwrap();
            });
        let mut stream = server.connect();
        let mut out = Vec::new();
        let err = run_client(&mut stream, &["Ada".into()], protocol, &mut out)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\rback\\u{0}\u{fffd}"
            ),
            "{protocol:?}: {err}"
        );
        assert!(!err.contains(['\x1b', '\r', '\0']), "{protocol:?}: {err}");
        server.stop();
    }
}

/// A shutdown with a client connected: the reply already asked for is
/// delivered, then the client reads a clean end-of-stream, and the server
/// reports every handler finished.
#[test]
fn shutdown_with_a_client_connected_closes_it_cleanly() {
    let connections = Connections::default();
    let server = start(Protocol::Raw, quiet_config(&connections));
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    client.write_all(b"Michael").unwrap();
    assert_eq!(read_exactly(&mut client, 15), b"Hello, Michael!");

    let report = server.stop().unwrap();
    assert_eq!((report.accepted, report.unfinished), (1, 0));
    // `read_to_close` fails on a reset: this was an orderly close.
    assert_eq!(read_to_close(&mut client), b"");
    assert_eq!(connections.active(), 0);
}

/// With `--delay`, a shutdown cuts the pause short: the reply already
/// asked for still arrives, then a clean close. The delay here is an hour,
/// so only an early end lets the reply come within the read timeout.
#[test]
fn shutdown_cuts_the_delay_short_and_still_replies() {
    let options = hello_echo::ServerOptions {
        delay: std::time::Duration::from_secs(3600),
        net: quiet_config(&Connections::default()),
        ..Default::default()
    };
    let server =
        netkit::testing::TestServer::start(move |listener, shutdown| {
            hello_echo::serve(listener, &shutdown, &options)
        });
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    client.write_all(b"Tracy").unwrap();
    let report = server.stop().unwrap();
    assert_eq!(read_to_close(&mut client), b"Hello, Tracy!");
    assert_eq!(report.unfinished, 0);
}
