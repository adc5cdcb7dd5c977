//! The datagram loop: any datagram, from empty to the largest there is,
//! is answered, and a shutdown stops the loop.

use std::net::UdpSocket;

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
