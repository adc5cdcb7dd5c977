//! Clients that misbehave and datagrams that get lost. None may stall or
//! crash the server; the client never waits forever.

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

use common::{assert_is_the_time, start_tcp};
use netkit::Connections;
use netkit::testing::{TEST_TIMEOUT, TestServer, read_to_close};
use socket2::SockRef;
use time_server::{Format, query_udp};

/// One ordinary client gets the time: the server is still serving.
fn assert_still_serves(server: &TestServer<io::Result<netkit::ServeReport>>) {
    let answer = read_to_close(&mut server.connect());
    assert_is_the_time(Format::Original, &answer);
}

/// A client that talks, though nobody asked it to, still gets the whole
/// answer and a clean close.
#[test]
fn client_that_sends_bytes_still_gets_the_time() {
    let server = start_tcp(Format::Original, &Connections::default());
    let mut talker = server.connect();
    talker.write_all(&[b'?'; 10_000]).unwrap();
    assert_is_the_time(Format::Original, &read_to_close(&mut talker));
    assert_still_serves(&server);
    server.stop().unwrap();
}

/// A hundred clients that never read do not hold the server up: the
/// answer fits in their socket buffers and the server moves on.
#[test]
fn clients_that_never_read_do_not_stall_the_server() {
    let server = start_tcp(Format::Original, &Connections::default());
    let idle: Vec<TcpStream> = (0..100).map(|_| server.connect()).collect();
    assert_still_serves(&server);
    drop(idle);
    server.stop().unwrap();
}

/// Clients that reset the connection, at once or after sending bytes,
/// cost the server one log line each.
#[test]
fn clients_that_reset_do_not_stop_the_server() {
    let server = start_tcp(Format::Original, &Connections::default());
    for i in 0..200 {
        let mut client = server.connect();
        if i % 2 == 0 {
            let _ = client.write_all(b"bye");
        }
        // SO_LINGER with a zero timeout makes close() send RST.
        SockRef::from(&client)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    assert_still_serves(&server);
    server.stop().unwrap();
}

/// 5,000 connections from 10 threads at once: each gets a complete answer
/// or a clean refusal (connection refused), never a cut answer, a reset
/// or a hang.
#[test]
fn burst_of_5000_connections_all_answered_or_cleanly_refused() {
    let server = start_tcp(Format::Original, &Connections::default());
    let addr = server.addr();
    let threads: Vec<_> = (0..10)
        .map(|_| {
            thread::spawn(move || {
                let (mut answered, mut refused) = (0, 0);
                for _ in 0..500 {
                    match TcpStream::connect_timeout(&addr, TEST_TIMEOUT) {
                        Ok(mut stream) => {
                            stream
                                .set_read_timeout(Some(TEST_TIMEOUT))
                                .unwrap();
                            let mut answer = Vec::new();
                            stream.read_to_end(&mut answer).unwrap();
                            assert_is_the_time(Format::Original, &answer);
                            answered += 1;
                        }
                        Err(err)
                            if err.kind()
                                == io::ErrorKind::ConnectionRefused =>
                        {
                            refused += 1
                        }
                        Err(err) => panic!("connect: {err}"),
                    }
                }
                (answered, refused)
            })
        })
        .collect();
    let (mut answered, mut refused) = (0, 0);
    for thread in threads {
        let (a, r) = thread.join().unwrap();
        answered += a;
        refused += r;
    }
    assert_eq!(answered + refused, 5000);
    let report = server.stop().unwrap();
    assert_eq!(report.accepted, answered);
}

/// A path that loses the first datagram: the client asks again and gets
/// the time. The fake server below drops every other request.
#[test]
fn udp_client_retries_a_lost_request() {
    let server = TestServer::start_udp(|socket: UdpSocket, shutdown| {
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut seen = 0;
        let mut buf = [0; 16];
        while !shutdown.is_triggered() {
            let Ok((_, from)) = socket.recv_from(&mut buf) else {
                continue;
            };
            seen += 1;
            if seen % 2 == 0 {
                let now = jiff::Zoned::now();
                let answer = time_server::clock::answer(Format::Time, &now);
                socket.send_to(&answer, from).unwrap();
            }
        }
        seen
    });
    let reading = query_udp(&server.addr().to_string(), Format::Time).unwrap();
    assert!(reading.offset.abs() < common::SAME_CLOCK);
    assert_eq!(server.stop(), 2, "one lost request, one answered");
}

/// A server that never answers: the client gives up after its tries, with
/// an error that says datagrams can be lost.
#[test]
fn udp_client_gives_up_after_its_tries() {
    // Bound but never read: datagrams arrive and nobody answers.
    let silent =
        netkit::bind_udp(netkit::testing::any_loopback_port()).unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let err = query_udp(&addr, Format::Time).unwrap_err();
    assert!(err.to_string().contains("after 3 tries"), "{err}");
}

/// Nothing listening on the UDP port: the connected socket hears the ICMP
/// "port unreachable" and the client says so at once.
#[test]
fn udp_client_reports_a_closed_port() {
    let addr = netkit::bind_udp(netkit::testing::any_loopback_port())
        .and_then(|s| s.local_addr())
        .unwrap()
        .to_string();
    let err = query_udp(&addr, Format::Time).unwrap_err();
    assert!(err.to_string().contains("nothing listens"), "{err}");
}
