//! The datagram loop: any datagram, from empty to the largest there is,
//! is answered, and a shutdown stops the loop.

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use netkit::server::ERROR_BACKOFF;
use netkit::testing::{TEST_TIMEOUT, any_loopback_port};
use netkit::udp::serve_datagrams;
use netkit::{Log, Shutdown, bind_udp};

/// The most data one UDP datagram can carry over IPv4: 65,535 minus the
/// 20-byte IP header and the 8-byte UDP header.
const LARGEST_IPV4_DATAGRAM: usize = 65_507;

/// Answers with the length of what arrived, until the shutdown.
#[test]
fn every_datagram_size_is_answered_until_shutdown() {
    let socket = bind_udp(any_loopback_port()).unwrap();
    let addr = socket.local_addr().unwrap();
    let shutdown = Shutdown::new();
    let server = {
        let shutdown = shutdown.clone();
        std::thread::spawn(move || {
            serve_datagrams(&socket, &shutdown, &Log::to(|_| {}), |data, _| {
                Some(data.len().to_string().into_bytes())
            })
        })
    };
    let client = UdpSocket::bind(any_loopback_port()).unwrap();
    client.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
    // Only datagrams from the server get through a connected UDP socket.
    client.connect(addr).unwrap();
    let mut buf = [0; 16];
    for size in [0, 1, 1024, LARGEST_IPV4_DATAGRAM] {
        client.send(&vec![7; size]).unwrap();
        let n = client.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], size.to_string().as_bytes());
    }
    shutdown.trigger();
    let report = server.join().unwrap().unwrap();
    assert_eq!((report.received, report.answered), (4, 4));
}

/// A `recv_from` that keeps failing does not stop the server, nor make it
/// spin: it pauses `ERROR_BACKOFF` after each failure, so the failures
/// logged are bounded by the time that passed. (A socket set to
/// non-blocking fails every `recv_from` with `WouldBlock`: a failure that
/// lasts.)
#[test]
fn a_failing_recv_from_is_retried_after_a_pause() {
    let socket = bind_udp(any_loopback_port()).unwrap();
    socket.set_nonblocking(true).unwrap();
    let shutdown = Shutdown::new();
    let failures = Arc::new(AtomicUsize::new(0));
    let (first, first_failure) = crossbeam_channel::bounded(1);
    let log = {
        let failures = Arc::clone(&failures);
        Log::to(move |line| {
            if line.starts_with("recv_from failed") {
                failures.fetch_add(1, Ordering::SeqCst);
                let _ = first.try_send(());
            }
        })
    };
    let started = Instant::now();
    let server = {
        let shutdown = shutdown.clone();
        std::thread::spawn(move || {
            serve_datagrams(&socket, &shutdown, &log, |_, _| None)
        })
    };
    first_failure.recv_timeout(TEST_TIMEOUT).unwrap();
    // An observation window: long enough for a spinning loop to fail
    // thousands of times.
    std::thread::sleep(3 * ERROR_BACKOFF);
    shutdown.trigger();
    server.join().unwrap().unwrap();
    let elapsed = started.elapsed();
    let bound = (elapsed.as_millis() / ERROR_BACKOFF.as_millis()) as usize + 2;
    let failed = failures.load(Ordering::SeqCst);
    assert!(
        failed >= 1 && failed <= bound,
        "{failed} failures in {elapsed:?}"
    );
}
