//! The UDP hello echo: the server on the wire, and the client against lost,
//! late and foreign datagrams.

mod common;

use std::net::UdpSocket;
use std::thread;
use std::time::Duration;

use common::{connected_to, lossy_path, start_echo, transcript};
use netkit::testing::{TestServer, any_loopback_port};
use udp_chat::MAX_MESSAGE;
use udp_chat::echo::{EchoOptions, EchoReport, run_echo_client};

/// A reply timeout short enough for tests that lose datagrams on purpose,
/// long enough that loopback never misses it.
const LOSSY_TIMEOUT: Duration = Duration::from_millis(300);

/// Sends one datagram and returns the one that answers it.
fn ask(socket: &UdpSocket, request: &[u8]) -> Vec<u8> {
    socket.send(request).expect("send");
    let mut buf = vec![0; 65_536];
    let n = socket.recv(&mut buf).expect("a reply in time");
    buf.truncate(n);
    buf
}

/// Runs the echo client against `server`: (report, stdout, problems).
fn run_client(
    server: std::net::SocketAddr,
    options: EchoOptions,
) -> (EchoReport, String, String) {
    let socket = connected_to(server);
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    let report = run_echo_client(&socket, options, &mut out, &mut problems)
        .expect("the client runs");
    let text = |bytes| String::from_utf8(bytes).expect("UTF-8 output");
    (report, text(out), text(problems))
}

/// Each datagram gets `Hello, X!` back, whatever bytes X holds, empty too.
#[test]
fn every_datagram_is_greeted_byte_for_byte() {
    let server = start_echo();
    let client = server.udp_client();
    assert_eq!(ask(&client, b"0"), b"Hello, 0!");
    assert_eq!(ask(&client, b""), b"Hello, !");
    assert_eq!(ask(&client, b"\xff\xfe"), b"Hello, \xff\xfe!");
    assert_eq!(ask(&client, "李雷".as_bytes()), "Hello, 李雷!".as_bytes());
    let report = server.stop().unwrap();
    assert_eq!(report.answered, 4);
}

/// A 64 KiB datagram arrives whole (the buffer holds any datagram) and
/// is answered with an error naming its size, not cut to 1024 bytes.
#[test]
fn over_long_datagram_gets_an_error_not_a_cut_reply() {
    let server = start_echo();
    let client = server.udp_client();
    let reply = ask(&client, &vec![b'x'; 65_507]);
    assert_eq!(
        reply,
        b"error: a 65507-byte message is over the 1024-byte limit"
    );
    let longest = vec![b'y'; MAX_MESSAGE];
    assert_eq!(ask(&client, &longest).len(), MAX_MESSAGE + 8);
    server.stop().unwrap();
}

/// The client prints the original's transcript when nothing is lost.
#[test]
fn client_prints_every_reply_in_order() {
    let server = start_echo();
    let (report, out, problems) =
        run_client(server.addr(), EchoOptions::default());
    assert_eq!(out, transcript(100));
    assert_eq!(problems, "");
    assert_eq!(
        report,
        EchoReport {
            answered: 100,
            ..EchoReport::default()
        }
    );
    server.stop().unwrap();
}

/// A path that drops every third datagram: every request after the first
/// has its first try dropped (see the arithmetic below), the client asks
/// again, and nothing is lost, in bounded time.
#[test]
fn lossy_path_costs_retries_not_replies() {
    let server = start_echo();
    // Datagrams 1, 2 are request 0 and its reply; 3 (request 1) is
    // dropped, 4 and 5 are its retry and reply; 6 is dropped; and so on.
    let path = lossy_path(server.addr(), |n, _| n % 3 == 0);
    let options = EchoOptions {
        count: 10,
        timeout: LOSSY_TIMEOUT,
        ..EchoOptions::default()
    };
    let (report, out, _) = run_client(path.addr(), options);
    assert_eq!(out, transcript(10));
    assert_eq!(report.lost, 0);
    // A reply slower than the timeout would add a retry, never remove one.
    assert!(report.retries >= 9, "{report:?}");
    assert!(path.stop() >= 9);
    server.stop().unwrap();
}

/// A path that loses every datagram about request 7: it is asked 1 + 3
/// times, counted lost and named, and the client carries on with 8 and 9.
#[test]
fn a_request_that_never_gets_through_is_counted_lost() {
    let server = start_echo();
    let path = lossy_path(server.addr(), |_, bytes| {
        bytes == b"7" || bytes == b"Hello, 7!"
    });
    let options = EchoOptions {
        count: 10,
        timeout: LOSSY_TIMEOUT,
        retries: 3,
    };
    let (report, out, problems) = run_client(path.addr(), options);
    assert_eq!(report.answered, 9);
    assert_eq!(report.lost, 1);
    assert_eq!(report.retries, 3);
    assert!(!out.contains("Hello, 7!"));
    assert!(out.contains("Hello, 9!"));
    assert_eq!(problems, "no reply to 7 after 4 tries\n");
    assert_eq!(path.stop(), 4);
    server.stop().unwrap();
}

/// A datagram from some other address is never taken for the reply: the
/// client's socket is connected to the server, so the kernel drops it.
/// Here a stranger sends the exact reply the client waits for, and the
/// server stays silent until the retry; only the retry's reply counts.
#[test]
fn replies_from_an_unexpected_address_are_ignored() {
    let client = UdpSocket::bind(any_loopback_port()).unwrap();
    let client_addr = client.local_addr().unwrap();
    let fake = TestServer::start_udp(move |socket, _| {
        let stranger = UdpSocket::bind(any_loopback_port()).unwrap();
        let mut buf = [0; 64];
        // First try: the stranger answers, the server does not.
        let (_, from) = socket.recv_from(&mut buf).unwrap();
        stranger.send_to(b"Hello, 0!", client_addr).unwrap();
        // The retry: the server answers.
        socket.recv_from(&mut buf).unwrap();
        socket.send_to(b"Hello, 0!", from).unwrap();
    });
    client.connect(fake.addr()).unwrap();
    let options = EchoOptions {
        count: 1,
        timeout: LOSSY_TIMEOUT,
        retries: 3,
    };
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    let report =
        run_echo_client(&client, options, &mut out, &mut problems).unwrap();
    assert_eq!(out, b"Hello, 0!\n");
    assert_eq!((report.retries, report.skipped), (1, 0));
    fake.stop();
}

/// 100,000 datagrams from four senders at once: the server answers what
/// it can, drops the rest in the kernel, and then still answers a client.
#[test]
fn flood_of_100000_datagrams_and_the_server_keeps_serving() {
    let server = start_echo();
    let addr = server.addr();
    let senders: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let socket = UdpSocket::bind(any_loopback_port()).unwrap();
                for n in 0..25_000u32 {
                    // A full receive buffer drops datagrams; a send may
                    // also fail for a moment. Neither stops the flood.
                    let _ = socket.send_to(&n.to_be_bytes(), addr);
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    let (report, out, _) = run_client(
        addr,
        EchoOptions {
            count: 3,
            ..EchoOptions::default()
        },
    );
    assert_eq!(out, transcript(3));
    assert_eq!(report.lost, 0);
    let served = server.stop().unwrap();
    assert!(
        served.received >= 3 && served.received <= 100_003,
        "{served:?}"
    );
}

/// A shutdown stops the echo server promptly, reporting what it did.
#[test]
fn shutdown_stops_the_echo_server() {
    let server = start_echo();
    let client = server.udp_client();
    assert_eq!(ask(&client, b"x"), b"Hello, x!");
    let report = server.stop().unwrap();
    assert_eq!((report.received, report.answered, report.failed), (1, 1, 0));
}

/// A datagram that is not the awaited reply (here, a late reply to an
/// earlier request) is skipped, and the client goes on waiting for the
/// right one within the same try.
#[test]
fn a_stale_reply_is_skipped() {
    let fake = TestServer::start_udp(|socket, _| {
        let mut buf = [0; 64];
        let (_, from) = socket.recv_from(&mut buf).unwrap();
        socket.send_to(b"Hello, 41!", from).unwrap();
        socket.send_to(b"Hello, 0!", from).unwrap();
    });
    let (report, out, _) = run_client(
        fake.addr(),
        EchoOptions {
            count: 1,
            ..EchoOptions::default()
        },
    );
    assert_eq!(out, "Hello, 0!\n");
    assert_eq!((report.answered, report.retries, report.skipped), (1, 0, 1));
    fake.stop();
}
