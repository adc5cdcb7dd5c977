//! Input and faults the server must survive. After each one the server
//! still serves a normal client and no handler thread is left running.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::{quiet_config, start};
use hello_echo::{Protocol, READ_BUF_SIZE};
use netkit::testing::{TEST_TIMEOUT, TestServer, read_exactly, read_to_close};
use netkit::{Connections, ServeReport, ServerConfig};
use socket2::SockRef;

type Server = TestServer<std::io::Result<ServeReport>>;

/// A full normal session works, then every handler thread ends.
fn assert_still_serves(server: &Server, connections: &Connections) {
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    client.write_all(b"Michael").expect("send a name");
    assert_eq!(read_exactly(&mut client, 15), b"Hello, Michael!");
    client.write_all(b"exit").expect("send exit");
    assert_eq!(read_to_close(&mut client), b"");
    drop(client);
    assert!(
        connections.wait_idle(TEST_TIMEOUT),
        "a handler thread is left"
    );
}

/// Closes `stream` with a reset (RST) instead of a FIN, as a client that
/// crashed or was killed mid-conversation can.
fn reset(stream: TcpStream) {
    // SO_LINGER with a zero timeout makes close() send RST.
    SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER");
    drop(stream);
}

/// Reads `Hello, <piece>!` replies until their pieces add up to `len`
/// bytes; returns the pieces.
fn read_pieces(stream: &mut TcpStream, len: usize) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut total = 0;
    while total < len {
        assert_eq!(read_exactly(stream, 7), b"Hello, ");
        let mut piece = Vec::new();
        loop {
            let byte = read_exactly(stream, 1)[0];
            if byte == b'!' {
                break;
            }
            piece.push(byte);
        }
        total += piece.len();
        pieces.push(piece);
    }
    pieces
}

/// Bytes that are not UTF-8 are greeted as they came, and the connection
/// stays up (the original's `decode` killed the thread here).
#[test]
fn non_utf8_message_is_answered_and_the_connection_kept() {
    let connections = Connections::default();
    let server = start(Protocol::Raw, quiet_config(&connections));
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    client.write_all(b"\xff\xfe\xc3").unwrap();
    assert_eq!(read_exactly(&mut client, 11), b"Hello, \xff\xfe\xc3!");
    client.write_all(b"Tracy").unwrap();
    assert_eq!(read_exactly(&mut client, 13), b"Hello, Tracy!");
    drop(client);
    assert_still_serves(&server, &connections);
}

/// A message longer than the read buffer is answered piece by piece, each
/// piece at most `READ_BUF_SIZE`, nothing lost, and the session goes on.
#[test]
fn message_longer_than_the_buffer_is_answered_in_pieces() {
    let connections = Connections::default();
    let server = start(Protocol::Raw, quiet_config(&connections));
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    let long: Vec<u8> = (0..3000).map(|i| b'a' + (i % 26) as u8).collect();
    client.write_all(&long).unwrap();
    let pieces = read_pieces(&mut client, long.len());
    assert!(pieces.len() >= 3, "{} pieces", pieces.len());
    assert!(pieces.iter().all(|p| p.len() <= READ_BUF_SIZE));
    assert_eq!(pieces.concat(), long);
    client.write_all(b"Sarah").unwrap();
    assert_eq!(read_exactly(&mut client, 13), b"Hello, Sarah!");
    drop(client);
    assert_still_serves(&server, &connections);
}

/// A client that connects and says nothing is timed out and closed.
#[test]
fn silent_client_is_timed_out_and_closed() {
    let connections = Connections::default();
    let config = ServerConfig {
        read_timeout: Some(Duration::from_millis(200)),
        ..quiet_config(&connections)
    };
    let server = start(Protocol::Raw, config);
    let mut silent = server.connect();
    assert_eq!(read_exactly(&mut silent, 8), b"Welcome!");
    // The server closes it: end-of-stream well before TEST_TIMEOUT.
    assert_eq!(read_to_close(&mut silent), b"");
    assert_still_serves(&server, &connections);
}

/// A client that resets the connection after half a message, or closes in
/// the middle of a line, costs the server nothing.
#[test]
fn client_vanishing_mid_message_is_dropped() {
    for protocol in [Protocol::Raw, Protocol::Lines] {
        let connections = Connections::default();
        let server = start(protocol, quiet_config(&connections));
        let mut client = server.connect();
        assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
        client.write_all(b"Mich").unwrap();
        reset(client);

        let mut client = server.connect();
        client.write_all(b"Mich").unwrap();
        drop(client);
        assert!(connections.wait_idle(TEST_TIMEOUT));
        if protocol == Protocol::Raw {
            assert_still_serves(&server, &connections);
        }
        server.stop().unwrap();
    }
}

/// 2,000 connections opened and dropped at once, half of them with a
/// reset: every one is handled, none is left, the server still serves.
#[test]
fn burst_of_2000_connections_opened_and_dropped() {
    let connections = Connections::default();
    let server = start(Protocol::Raw, quiet_config(&connections));
    for i in 0..2000 {
        let client = server.connect();
        if i % 2 == 0 {
            drop(client);
        } else {
            reset(client);
        }
    }
    // Accept order is connect order, so once this normal client has been
    // served, all 2,000 were accepted.
    assert_still_serves(&server, &connections);
    let report = server.stop().unwrap();
    assert_eq!(report.accepted + report.refused, 2001);
    assert_eq!(report.unfinished, 0);
}

/// With the cap reached, one more client reads why and is closed at once;
/// when a slot frees up, clients are served again.
#[test]
fn more_clients_than_the_cap_are_told_and_closed() {
    let connections = Connections::default();
    let config = ServerConfig {
        max_connections: 3,
        ..quiet_config(&connections)
    };
    let server = start(Protocol::Raw, config);
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut client = server.connect();
            assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
            client
        })
        .collect();
    let mut over = server.connect();
    assert_eq!(read_to_close(&mut over), netkit::server::BUSY_MESSAGE);

    held.pop();
    assert!(connections.wait_for_at_most(2, TEST_TIMEOUT));
    let mut again = server.connect();
    assert_eq!(read_exactly(&mut again, 8), b"Welcome!");
    drop((held, again));
    assert!(connections.wait_idle(TEST_TIMEOUT));
    assert_still_serves(&server, &connections);
    let report = server.stop().unwrap();
    assert_eq!(report.refused, 1);
}

/// With `--lines`, a line over the limit gets an error line and a close;
/// the next client is served.
#[test]
fn over_long_line_is_refused_with_an_error() {
    let connections = Connections::default();
    let server = start(Protocol::Lines, quiet_config(&connections));
    let mut client = server.connect();
    client.write_all(&vec![b'x'; 5000]).unwrap();
    let said = read_to_close(&mut client);
    assert_eq!(said, b"Welcome!\nerror: line longer than 1016 bytes\n");

    let mut client = server.connect();
    client.write_all(b"Ada\nexit\n").unwrap();
    assert_eq!(read_to_close(&mut client), b"Welcome!\nHello, Ada!\n");
    assert!(connections.wait_idle(TEST_TIMEOUT));
    server.stop().unwrap();
}
