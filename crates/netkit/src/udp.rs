//! The datagram server loop: receive one datagram, maybe answer it, repeat
//! until a shutdown.
//!
//! UDP has no connections, so there is no `listen`, no `accept` and no
//! thread per client: one socket receives every client's datagrams, each
//! with its sender's address, and answers go back with `send_to` to that
//! address. A datagram arrives whole or not at all; `recv_from` into a
//! buffer shorter than the datagram silently drops the rest, which is why
//! the buffer here holds the largest datagram there can be.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use crate::log::Log;
use crate::server::{ERROR_BACKOFF, reachable};
use crate::shutdown::Shutdown;

/// Room for any UDP datagram: its length field is 16 bits, so no payload
/// exceeds 65,535 bytes (over IPv4 the real limit is 65,507).
pub const MAX_DATAGRAM: usize = 65_535;

/// What [`serve_datagrams`] did, returned when it stops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatagramReport {
    /// Datagrams received (the shutdown's wake-up call not counted).
    pub received: u64,
    /// Answers sent.
    pub answered: u64,
    /// Answers that `send_to` refused (logged, then the loop went on).
    pub failed: u64,
}

// ANCHOR: serve_datagrams
/// Receives datagrams on `socket` until `shutdown` triggers, and sends
/// back whatever `answer` returns for each.
pub fn serve_datagrams(
    socket: &UdpSocket,
    shutdown: &Shutdown,
    log: &Log,
    mut answer: impl FnMut(&[u8], SocketAddr) -> Option<Vec<u8>>,
) -> io::Result<DatagramReport> {
    let waker = wake_on_shutdown(socket, shutdown)?;
    let mut buf = vec![0; MAX_DATAGRAM];
    let mut report = DatagramReport::default();
    loop {
        let received = socket.recv_from(&mut buf);
        // The datagram may be the waker's; either way, we are done.
        if shutdown.is_triggered() {
            break;
        }
        let (len, from) = match received {
            Ok(pair) => pair,
            // Windows reports an ICMP "port unreachable" for an earlier
            // send_to as a reset on the next recv_from: news about one
            // datagram, not about the socket. Go on at once.
            Err(err) if err.kind() == io::ErrorKind::ConnectionReset => {
                continue;
            }
            // Anything else may last (out of memory for buffers, say):
            // never stop serving, but pause, as the TCP accept loop
            // does, instead of spinning and flooding the log.
            Err(err) => {
                log.problem(format_args!("recv_from failed: {err}"));
                shutdown.wait_timeout(ERROR_BACKOFF);
                continue;
            }
        };
        report.received += 1;
        let Some(reply) = answer(&buf[..len], from) else {
            continue;
        };
        // One send_to is one datagram: it goes whole, or not at all.
        match socket.send_to(&reply, from) {
            Ok(_) => report.answered += 1,
            Err(err) => {
                report.failed += 1;
                log.problem(format_args!("{from}: send_to failed: {err}"));
            }
        }
    }
    let _ = waker.join();
    Ok(report)
}
// ANCHOR_END: serve_datagrams

/// Nothing interrupts a blocking `recv_from`, so on shutdown a thread sends
/// the socket an empty datagram; the loop wakes and sees the flag.
fn wake_on_shutdown(
    socket: &UdpSocket,
    shutdown: &Shutdown,
) -> io::Result<std::thread::JoinHandle<()>> {
    let target = reachable(socket.local_addr()?);
    let shutdown = shutdown.clone();
    // Bind the waker's socket now, so a failure is reported at start-up.
    let bind_addr = match target {
        SocketAddr::V4(_) => SocketAddr::from(([127, 0, 0, 1], 0)),
        SocketAddr::V6(_) => SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], 0)),
    };
    let waker = UdpSocket::bind(bind_addr)?;
    std::thread::Builder::new()
        .name("udp waker".into())
        .spawn(move || {
            shutdown.wait();
            let _ = waker.send_to(&[], target);
        })
}
