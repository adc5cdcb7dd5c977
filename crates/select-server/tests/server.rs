//! The one-thread server speaks lesson 1's protocol byte for byte, serves
//! clients side by side, is not held up by a client that never reads, and
//! stops when asked.

use std::io::{Read, Write};
use std::thread;
use std::time::Duration;

use hello_echo::Protocol;
use netkit::ServerConfig;
use netkit::testing::{TEST_TIMEOUT, TestServer, read_exactly, read_to_close};
use select_server::{Hello, Report, serve};
use socket2::SockRef;

fn start(protocol: Protocol) -> TestServer<std::io::Result<Report>> {
    start_with(protocol, ServerConfig::default())
}

fn start_with(
    protocol: Protocol,
    config: ServerConfig,
) -> TestServer<std::io::Result<Report>> {
    TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, Hello::new(protocol), &config)
    })
}

/// A server whose connections have kernel buffers of `size` bytes each
/// way: accepted sockets take the listener's sizes.
fn start_with_small_buffers(
    protocol: Protocol,
    size: usize,
) -> TestServer<std::io::Result<Report>> {
    TestServer::start(move |listener, shutdown| {
        let socket = SockRef::from(&listener);
        socket.set_send_buffer_size(size).expect("SO_SNDBUF");
        socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
        let config = ServerConfig::default();
        serve(listener, &shutdown, Hello::new(protocol), &config)
    })
}

/// The most a flood sends: it stops before if nothing stops it.
const FLOOD_LIMIT: usize = 64 * 1024 * 1024;

/// Sends names and never reads: the replies pile up until the server
/// stops reading this client and TCP stops its writes (or the server
/// closes it). A write that makes no progress for 300 ms ends the flood;
/// [`FLOOD_LIMIT`] bounds it. Returns the bytes sent.
fn flood_without_reading(client: &mut std::net::TcpStream) -> usize {
    client
        .set_write_timeout(Some(Duration::from_millis(300)))
        .expect("write timeout");
    let names = b"greedy\n".repeat(64 * 1024);
    let mut sent = 0;
    while sent < FLOOD_LIMIT {
        match client.write(&names) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    sent
}

#[test]
fn the_original_protocol_byte_for_byte() {
    let server = start(Protocol::Raw);
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    for name in ["Michael", "Tracy", "Zoë"] {
        client.write_all(name.as_bytes()).expect("send");
        let want = format!("Hello, {name}!");
        assert_eq!(read_exactly(&mut client, want.len()), want.as_bytes());
    }
    client.write_all(b"exit").expect("send exit");
    assert_eq!(read_to_close(&mut client), b"", "closed after exit");
    assert_eq!(server.stop().expect("serve"), Report { connections: 1 });
}

#[test]
fn lines_sent_in_one_write_are_each_answered() {
    let server = start(Protocol::Lines);
    let mut client = server.connect();
    client
        .write_all(b"Ada\nBob\r\nexit\nnever answered\n")
        .expect("send");
    assert_eq!(
        read_to_close(&mut client),
        b"Welcome!\nHello, Ada!\nHello, Bob!\n"
    );
    server.stop().expect("serve");
}

#[test]
fn many_clients_are_served_side_by_side() {
    let server = start(Protocol::Raw);
    let mut clients: Vec<_> = (0..100).map(|_| server.connect()).collect();
    for client in &mut clients {
        assert_eq!(read_exactly(client, 8), b"Welcome!");
    }
    // Every client is mid-conversation at once; one thread answers all.
    for (i, client) in clients.iter_mut().enumerate() {
        client
            .write_all(format!("client{i}").as_bytes())
            .expect("send");
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let want = format!("Hello, client{i}!");
        assert_eq!(read_exactly(client, want.len()), want.as_bytes());
    }
    drop(clients);
    assert_eq!(server.stop().expect("serve").connections, 100);
}

#[test]
fn a_client_that_never_reads_holds_up_nobody() {
    let server = start(Protocol::Lines);
    let mut greedy = server.connect();
    let flood = thread::spawn(move || {
        let sent = flood_without_reading(&mut greedy);
        (greedy, sent)
    });
    let mut polite = server.connect();
    polite.write_all(b"polite\n").expect("send");
    assert_eq!(read_exactly(&mut polite, 24), b"Welcome!\nHello, polite!\n");
    let (greedy, sent) = flood.join().expect("the flood");
    assert!(
        sent < FLOOD_LIMIT,
        "back-pressure stopped the flood at {sent} bytes"
    );
    drop(greedy);
    server.stop().expect("serve");
}

/// With 4 KiB buffers, 5,000 names and their 90 KB of replies cannot
/// pass in one read or one write: the server reads them in pieces, writes
/// the replies in pieces each time the socket has room again, stops
/// reading while too much is owed, and, its turn over after a few reads,
/// comes back for the rest of the input with no new event to say it is
/// there. Every reply arrives, in order.
#[test]
fn small_socket_buffers_force_partial_reads_and_writes() {
    const NAMES: usize = 5_000;
    let server = start_with_small_buffers(Protocol::Lines, 4096);
    let client = server.connect();
    let mut writer = client.try_clone().expect("clone");
    // Sent from another thread: this one reads at the same time, or both
    // ends would wait for the other to read.
    let sending = thread::spawn(move || {
        let names: String = (0..NAMES).map(|i| format!("name{i}\n")).collect();
        writer.write_all(names.as_bytes()).expect("send the names");
        writer.write_all(b"exit\n").expect("send exit");
        names.len()
    });
    let replies = read_to_close(&mut &client);
    let sent = sending.join().expect("the sender");
    let want: String = std::iter::once("Welcome!\n".to_owned())
        .chain((0..NAMES).map(|i| format!("Hello, name{i}!\n")))
        .collect();
    assert!(sent > 4 * 4096 && want.len() > 16 * 4096, "far over 4 KiB");
    assert_eq!(String::from_utf8(replies).expect("UTF-8"), want);
    server.stop().expect("serve");
}

/// 500 clients that connect and go at once, half with a FIN and half
/// with a reset, some before the server has accepted them: the server
/// goes on serving.
#[test]
fn a_flood_of_clients_that_connect_and_drop_leaves_it_serving() {
    let server = start(Protocol::Raw);
    for i in 0..500 {
        let client = server.connect();
        if i % 2 == 0 {
            // SO_LINGER 0: close() sends a reset instead of a FIN.
            SockRef::from(&client)
                .set_linger(Some(Duration::ZERO))
                .expect("SO_LINGER");
        }
        drop(client);
    }
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    client.write_all(b"Ada").expect("send");
    assert_eq!(read_exactly(&mut client, 11), b"Hello, Ada!");
    drop(client);
    let report = server.stop().expect("serve");
    assert!(report.connections <= 501, "{report:?}");
}

/// A client that sends and never reads is closed once its replies have
/// made no progress for the write timeout, as a threaded server's blocked
/// `write` gives up on it: it would otherwise hold its place forever.
#[test]
fn a_client_that_never_reads_is_closed_at_the_write_timeout() {
    let (lines, log) = std::sync::mpsc::channel();
    let config = ServerConfig {
        write_timeout: Some(Duration::from_millis(200)),
        log: netkit::Log::to(move |line| {
            let _ = lines.send(line.to_owned());
        }),
        ..ServerConfig::default()
    };
    let server = start_with(Protocol::Lines, config);
    let mut greedy = server.connect();
    flood_without_reading(&mut greedy);
    let deadline = std::time::Instant::now() + TEST_TIMEOUT;
    let closed = loop {
        let left =
            deadline.saturating_duration_since(std::time::Instant::now());
        let line = log
            .recv_timeout(left)
            .expect("the server logs why it closed the client");
        if line.contains("not reading") {
            break line;
        }
    };
    assert!(closed.contains("nothing written for 200ms"), "{closed}");
    drop(greedy);
    server.stop().expect("serve");
}

#[test]
fn stopping_closes_every_client() {
    let server = start(Protocol::Raw);
    let mut clients: Vec<_> = (0..5).map(|_| server.connect()).collect();
    for client in &mut clients {
        assert_eq!(read_exactly(client, 8), b"Welcome!");
    }
    server.stop().expect("serve");
    for client in &mut clients {
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest);
        assert_eq!(rest, b"", "closed, nothing more said");
    }
}

#[test]
fn a_client_over_the_cap_is_told_and_closed_and_the_others_served() {
    let config = ServerConfig {
        max_connections: 2,
        busy_message: b"busy\n".to_vec(),
        ..ServerConfig::default()
    };
    let server = start_with(Protocol::Raw, config);
    let mut first = server.connect();
    let mut second = server.connect();
    assert_eq!(read_exactly(&mut first, 8), b"Welcome!");
    assert_eq!(read_exactly(&mut second, 8), b"Welcome!");
    let mut third = server.connect();
    assert_eq!(read_to_close(&mut third), b"busy\n");
    first.write_all(b"Ada").expect("send");
    assert_eq!(read_exactly(&mut first, 11), b"Hello, Ada!");
    drop(first);
    // A place is free again once a client has gone.
    let mut fourth = server.connect();
    assert_eq!(read_exactly(&mut fourth, 8), b"Welcome!");
    assert_eq!(server.stop().expect("serve").connections, 3);
}

#[test]
fn a_silent_client_is_closed_at_the_idle_limit_from_a_deadline_not_a_thread() {
    let config = ServerConfig {
        read_timeout: Some(Duration::from_millis(300)),
        ..ServerConfig::default()
    };
    let server = start_with(Protocol::Raw, config);
    let mut silent = server.connect();
    let mut talker = server.connect();
    assert_eq!(read_exactly(&mut silent, 8), b"Welcome!");
    assert_eq!(read_exactly(&mut talker, 8), b"Welcome!");
    // The one that talks every 150 ms lives well past the 300 ms limit
    // (the pauses are the behaviour under test, not a wait for the server).
    for round in 0..4 {
        thread::sleep(Duration::from_millis(150));
        let name = format!("round{round}");
        talker.write_all(name.as_bytes()).expect("send");
        let want = format!("Hello, {name}!");
        assert_eq!(read_exactly(&mut talker, want.len()), want.as_bytes());
    }
    // The silent one was closed meanwhile, with nothing more said.
    assert_eq!(read_to_close(&mut silent), b"");
    server.stop().expect("serve");
}
