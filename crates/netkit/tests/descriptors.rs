//! A server out of file descriptors. `accept` then fails with `EMFILE`
//! while the client waits in the backlog; the accept loop frees its spare
//! descriptor, accepts the client to tell it the server is busy, and takes
//! the spare back; once descriptors are free again, clients are served.
//!
//! A test binary of its own: it lowers the process's open-file limit,
//! which every test in one binary would share.

#![cfg(unix)]

mod common;

use std::fs::File;
use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use common::echo_lines;
use netkit::testing::{TEST_TIMEOUT, TestServer, connect, read_exactly};
use netkit::{Connections, Log, ServerConfig, serve};
use rustix::process::{Resource, Rlimit, setrlimit};
use socket2::{Domain, Socket, Type};

/// Low enough to fill quickly, high enough for the test harness.
const LIMIT: u64 = 128;

/// Opens files until the process has no descriptor left.
fn use_up_descriptors() -> Vec<File> {
    let mut held = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(file) => held.push(file),
            Err(err) if netkit::descriptors::is_out_of_descriptors(&err) => {
                return held;
            }
            Err(err) => panic!("open /dev/null: {err}"),
        }
    }
}

/// With no descriptor free, waiting clients are told "busy" one after
/// another (so the spare was given back and taken again in between), and
/// once descriptors are free again a client is served.
///
/// On Linux a blocked `accept` has already taken the descriptor number it
/// will return (strace shows `accept4` returning a number that was free
/// when it began), and with none free, `accept` fails at once, whether or
/// not a client waits. So the first client after the process ran out may
/// still be accepted into the number its `accept` took before; the ones
/// after it must be refused.
#[test]
fn out_of_descriptors_clients_are_told_and_the_server_recovers() {
    // Soft and hard: nothing may raise it back.
    let limit = Rlimit {
        current: Some(LIMIT),
        maximum: Some(LIMIT),
    };
    setrlimit(Resource::Nofile, limit).expect("lower the open-file limit");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    let connections = Connections::default();
    let config = ServerConfig {
        max_connections: 8,
        connections: connections.clone(),
        busy_message: b"busy\n".to_vec(),
        log: Log::to(move |line| sink.lock().expect("log").push(line.into())),
        ..ServerConfig::default()
    };
    let server = TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, &config, echo_lines)
    });
    let addr = server.addr();
    // A round trip first: the accept loop is running, its spare taken.
    drop(round_trip(connect(addr)));
    // Its handler gone, and with it the server's end of that socket: no
    // descriptor may come free behind the test's back.
    assert!(connections.wait_idle(TEST_TIMEOUT));
    // The clients' sockets are made before the descriptors run out, so
    // that connecting them takes none.
    let sockets: Vec<Socket> = (0..3)
        .map(|_| Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket"))
        .collect();
    let held = use_up_descriptors();
    let mut clients = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        socket.connect(&addr.into()).expect("connect");
        let mut client = TcpStream::from(socket);
        client
            .set_read_timeout(Some(TEST_TIMEOUT))
            .expect("timeout");
        client.write_all(b"hi\n").expect("send");
        let answer = read_exactly(&mut client, 4);
        match (i, &answer[..]) {
            (0, b">hi\n") | (_, b"busy") => {}
            _ => panic!("client {i} got {answer:?}"),
        }
        clients.push(client);
    }
    drop((held, clients));
    drop(round_trip(connect(addr)));
    let report = server.stop().expect("serve");
    assert!(report.refused >= 2, "{report:?}");
    let log = lines.lock().expect("log").join("\n");
    let told = log.matches("refused: out of file descriptors").count();
    assert_eq!(told as u64, report.refused, "{log}");
}

/// A client served: a line sent and its echo read.
fn round_trip(mut client: TcpStream) -> TcpStream {
    client.write_all(b"hi\n").expect("send");
    assert_eq!(read_exactly(&mut client, 4), b">hi\n");
    client
}
