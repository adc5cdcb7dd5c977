//! The time server on the wire, TCP and UDP, every format, with the real
//! server in-process on a free port; and the client against it.

mod common;

use std::io::Write;

use common::{FORMATS, SAME_CLOCK, assert_is_the_time, start_tcp, start_udp};
use netkit::Connections;
use netkit::testing::{TEST_TIMEOUT, read_to_close};
use time_server::{Format, query_tcp, query_udp};

/// Over TCP the server sends the time and closes: the close marks the end.
#[test]
fn tcp_sends_the_time_then_closes() {
    for format in FORMATS {
        let server = start_tcp(format, &Connections::default());
        let mut client = server.connect();
        let answer = read_to_close(&mut client);
        assert_is_the_time(format, &answer);
        server.stop().unwrap();
    }
}

/// The original format is exactly Python's `str(datetime.now())` text:
/// date, a space, the time, and at most six digits of fraction.
#[test]
fn original_format_is_python_datetime_text() {
    let server = start_tcp(Format::Original, &Connections::default());
    let answer = read_to_close(&mut server.connect());
    let text = String::from_utf8(answer).unwrap();
    let (date, time) = text.split_once(' ').unwrap();
    assert_eq!(date.len(), 10, "{text}");
    assert!(time.len() == 8 || time.len() == 15, "{text}");
    server.stop().unwrap();
}

/// Over UDP, a datagram of any size and content, empty or the largest
/// IPv4 can carry, gets one datagram with the time.
#[test]
fn udp_answers_any_datagram() {
    for format in FORMATS {
        let server = start_udp(format);
        let client = server.udp_client();
        let mut buf = [0; 1024];
        for request in [vec![], b"\xff\xfe".to_vec(), vec![b'x'; 65_507]] {
            client.send(&request).unwrap();
            let n = client.recv(&mut buf).unwrap();
            assert_is_the_time(format, &buf[..n]);
        }
        let report = server.stop().unwrap();
        assert_eq!((report.received, report.answered), (3, 3));
    }
}

/// The client reads the answer and finds our clock's offset near zero,
/// over both transports, in every format.
#[test]
fn client_finds_no_offset_on_the_same_machine() {
    for format in FORMATS {
        let server = start_tcp(format, &Connections::default());
        let reading = query_tcp(&server.addr().to_string(), format).unwrap();
        assert!(reading.offset.abs() < SAME_CLOCK, "{reading:?}");
        assert!(reading.uncertainty >= format.resolution() / 2.0);
        server.stop().unwrap();

        let server = start_udp(format);
        let reading = query_udp(&server.addr().to_string(), format).unwrap();
        assert!(reading.offset.abs() < SAME_CLOCK, "{reading:?}");
        server.stop().unwrap();
    }
}

/// A client expecting another format says so instead of printing nonsense.
#[test]
fn client_with_the_wrong_format_flag_says_so() {
    let server = start_tcp(Format::Time, &Connections::default());
    let err =
        query_tcp(&server.addr().to_string(), Format::Daytime).unwrap_err();
    assert!(err.to_string().contains("same format flag"), "{err}");
    server.stop().unwrap();
}

/// A server that sends more than any time answer is refused, not stored.
#[test]
fn client_refuses_an_endless_answer() {
    let server = netkit::testing::TestServer::start(|listener, _| {
        let (mut conn, _) = listener.accept().unwrap();
        let _ = conn.write_all(&[b'9'; 100_000]);
    });
    let err =
        query_tcp(&server.addr().to_string(), Format::Original).unwrap_err();
    assert!(err.to_string().contains("more than 1024 bytes"), "{err}");
    server.stop();
}

/// After a shutdown the server is gone: the port refuses connections.
#[test]
fn shutdown_stops_the_server_and_frees_the_port() {
    let connections = Connections::default();
    let server = start_tcp(Format::Original, &connections);
    let addr = server.addr();
    read_to_close(&mut server.connect());
    let report = server.stop().unwrap();
    assert_eq!((report.accepted, report.unfinished), (1, 0));
    let refused = std::net::TcpStream::connect_timeout(&addr, TEST_TIMEOUT)
        .expect_err("nobody should be listening");
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

/// The client reads until the close, however the answer is cut: here the
/// server sends it one byte per segment.
#[test]
fn client_reads_an_answer_sent_in_pieces() {
    let server = netkit::testing::TestServer::start(|listener, _| {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_nodelay(true).unwrap();
        let answer =
            time_server::clock::answer(Format::Daytime, &jiff::Zoned::now());
        for byte in answer {
            conn.write_all(&[byte]).unwrap();
        }
    });
    let reading =
        query_tcp(&server.addr().to_string(), Format::Daytime).unwrap();
    assert!(reading.offset.abs() < SAME_CLOCK, "{reading:?}");
    server.stop();
}
