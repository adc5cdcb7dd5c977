//! Helpers shared by this crate's integration tests.

#![allow(dead_code)] // each test file uses a different part of it

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use netkit::testing::{TEST_TIMEOUT, TestServer, any_loopback_port};
use netkit::udp::DatagramReport;
use netkit::{Log, bind_udp};

/// An echo server in-process on 127.0.0.1:0.
pub fn start_echo() -> TestServer<io::Result<DatagramReport>> {
    TestServer::start_udp(|socket, shutdown| {
        udp_chat::echo::serve_echo(&socket, &shutdown, &Log::to(|_| {}))
    })
}

/// A UDP socket on loopback connected to `peer`, with a read timeout.
pub fn connected_to(peer: SocketAddr) -> UdpSocket {
    let socket = bind_udp(any_loopback_port()).expect("bind");
    socket
        .set_read_timeout(Some(TEST_TIMEOUT))
        .expect("timeout");
    socket.connect(peer).expect("connect");
    socket
}

/// A relay between one client and `server` that drops the datagrams
/// `lose` picks: it is given each datagram's number (from 1, counting both
/// directions) and its bytes. The client talks to the relay's address.
/// Returns how many datagrams it dropped.
pub fn lossy_path(
    server: SocketAddr,
    mut lose: impl FnMut(u64, &[u8]) -> bool + Send + 'static,
) -> TestServer<u64> {
    TestServer::start_udp(move |socket, shutdown| {
        // A test fake, so it polls for the shutdown instead of being woken.
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let mut buf = vec![0; 65_536];
        let (mut client, mut count, mut dropped) = (None, 0, 0);
        while !shutdown.is_triggered() {
            let Ok((len, from)) = socket.recv_from(&mut buf) else {
                continue;
            };
            count += 1;
            if lose(count, &buf[..len]) {
                dropped += 1;
                continue;
            }
            let to = if from == server {
                match client {
                    Some(client) => client,
                    None => continue,
                }
            } else {
                client = Some(from);
                server
            };
            let _ = socket.send_to(&buf[..len], to);
        }
        dropped
    })
}

/// The transcript of `count` answered requests.
pub fn transcript(count: u32) -> String {
    (0..count).map(|n| format!("Hello, {n}!\n")).collect()
}
