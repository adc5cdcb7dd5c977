//! The accept loop's promises, checked with a one-line echo handler: the
//! cap refuses politely, a silent client times out, a failing connection
//! does not stop the server, and a shutdown reaches blocked handlers.

mod common;

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::echo_lines;
use netkit::testing::{TEST_TIMEOUT, TestServer, read_exactly, read_to_close};
use netkit::{Connections, Log, ServeReport, ServerConfig, serve};

/// A log that keeps its lines for the test to read.
fn captured_log() -> (Log, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let log = Log::to(move |line| sink.lock().expect("log").push(line.into()));
    (log, lines)
}

fn start(config: ServerConfig) -> TestServer<io::Result<ServeReport>> {
    TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, &config, echo_lines)
    })
}

/// A client over the cap reads the busy message and then end-of-stream,
/// and once a slot frees up the next client is served.
#[test]
fn over_the_cap_is_told_and_closed() {
    let connections = Connections::default();
    let server = start(ServerConfig {
        max_connections: 2,
        busy_message: b"busy\n".to_vec(),
        connections: connections.clone(),
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    });
    let mut first = server.connect();
    let mut second = server.connect();
    // A round trip on each proves both are being served, not queued.
    for client in [&mut first, &mut second] {
        client.write_all(b"hi\n").unwrap();
        assert_eq!(read_exactly(client, 4), b">hi\n");
    }
    let mut third = server.connect();
    assert_eq!(read_to_close(&mut third), b"busy\n");

    drop(first);
    assert!(
        connections.wait_for_at_most(1, TEST_TIMEOUT),
        "slot not freed"
    );
    let mut fourth = server.connect();
    fourth.write_all(b"again\n").unwrap();
    assert_eq!(read_exactly(&mut fourth, 7), b">again\n");

    drop((second, fourth));
    let report = server.stop().unwrap();
    assert_eq!((report.accepted, report.refused), (3, 1));
}

/// A client that connects and sends nothing is closed after the read
/// timeout, and the log names it.
#[test]
fn silent_client_times_out() {
    let (log, lines) = captured_log();
    let server = start(ServerConfig {
        read_timeout: Some(Duration::from_millis(200)),
        log,
        ..ServerConfig::default()
    });
    let mut silent = server.connect();
    let peer = silent.local_addr().unwrap().to_string();
    assert_eq!(read_to_close(&mut silent), b"");
    server.stop().unwrap();
    let lines = lines.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&peer) && l.contains("timed out")),
        "{lines:?}"
    );
}

/// A handler error (here, an over-long line) is logged with the peer's
/// address and the next client is served as usual.
#[test]
fn one_bad_connection_does_not_stop_the_server() {
    let (log, lines) = captured_log();
    let server = start(ServerConfig {
        log,
        ..ServerConfig::default()
    });
    let mut bad = server.connect();
    let peer = bad.local_addr().unwrap().to_string();
    bad.write_all(&[b'x'; 100]).unwrap();
    assert_eq!(read_to_close(&mut bad), b"");

    let mut good = server.connect();
    good.write_all(b"ok\n").unwrap();
    assert_eq!(read_exactly(&mut good, 4), b">ok\n");
    drop(good);
    server.stop().unwrap();
    let lines = lines.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&peer) && l.contains("longer than 64")),
        "{lines:?}"
    );
}

/// A shutdown wakes a handler blocked in `read`: its client sees a clean
/// end-of-stream (not a reset), and every handler finished in time.
#[test]
fn shutdown_reaches_a_blocked_handler() {
    let connections = Connections::default();
    let server = start(ServerConfig {
        read_timeout: None,
        connections: connections.clone(),
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    });
    let mut client = server.connect();
    client.write_all(b"before\n").unwrap();
    assert_eq!(read_exactly(&mut client, 8), b">before\n");

    let report = server.stop().unwrap();
    assert_eq!(report.unfinished, 0);
    assert_eq!(connections.active(), 0);
    let mut rest = Vec::new();
    assert_eq!(client.read_to_end(&mut rest).unwrap(), 0);
}

/// `max_accepts: Some(1)` serves one client to the end, then returns
/// without a shutdown: the single-client server.
#[test]
fn max_accepts_serves_one_client_then_returns() {
    let server = start(ServerConfig {
        max_accepts: Some(1),
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    });
    let mut client = server.connect();
    client.write_all(b"one\n").unwrap();
    assert_eq!(read_exactly(&mut client, 5), b">one\n");
    drop(client);
    // stop() also triggers the shutdown; the report shows the serve loop
    // ended after exactly one connection with nothing left running.
    let report = server.stop().unwrap();
    assert_eq!(
        report,
        ServeReport {
            accepted: 1,
            refused: 0,
            unfinished: 0
        }
    );
}

/// The server binds before its thread starts, so a burst of connections
/// right away is served; all their threads end.
#[test]
fn a_burst_of_short_connections_leaves_no_thread_behind() {
    let connections = Connections::default();
    let server = start(ServerConfig {
        connections: connections.clone(),
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    });
    for _ in 0..200 {
        let mut client = server.connect();
        client.write_all(b"x\n").unwrap();
        // The reply proves this connection was accepted, not just queued.
        assert_eq!(read_exactly(&mut client, 3), b">x\n");
    }
    assert!(connections.wait_idle(TEST_TIMEOUT), "handlers left running");
    let report = server.stop().unwrap();
    assert_eq!(report.accepted, 200);
}

/// A sequential server answers each client in turn on the accepting
/// thread; `say_and_close` delivers the message, then a clean close.
#[test]
fn sequential_server_answers_each_client_in_turn() {
    let config = ServerConfig {
        sequential: true,
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    };
    let server = TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, &config, |conn| {
            netkit::server::say_and_close(&conn.stream, b"tick\n")
        })
    });
    let mut clients: Vec<_> = (0..5).map(|_| server.connect()).collect();
    for client in &mut clients {
        assert_eq!(read_to_close(client), b"tick\n");
    }
    assert_eq!(server.stop().unwrap().accepted, 5);
}

/// A client that sent bytes the server never reads still gets the whole
/// message and a clean end-of-stream. (On Linux, sending the FIN before
/// closing is already enough for that; the drain in `say_and_close` is for
/// peers whose stacks drop unread data on a reset. This pins the behaviour,
/// not the mechanism.)
#[test]
fn say_and_close_survives_unread_input() {
    let config = ServerConfig {
        sequential: true,
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    };
    let (tx, rx) = crossbeam_channel::bounded::<()>(1);
    let server = TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, &config, move |conn| {
            // Wait until the client's bytes are in our receive buffer.
            let _ = rx.recv_timeout(TEST_TIMEOUT);
            netkit::server::say_and_close(&conn.stream, b"answer")
        })
    });
    let mut client = server.connect();
    client.write_all(&[b'x'; 10_000]).unwrap();
    tx.send(()).unwrap();
    assert_eq!(read_to_close(&mut client), b"answer");
    server.stop().unwrap();
}
