//! The UDP hello echo: each datagram `X` is answered with `Hello, X!`.
//!
//! The original client sends a request and then calls `recv`, which waits
//! forever if either datagram is lost. Here each request waits at most
//! [`REPLY_TIMEOUT`](crate::REPLY_TIMEOUT) and is sent again up to
//! [`RETRIES`](crate::RETRIES) times; a reply that is not the one expected
//! (late, duplicated, or for an earlier request) is skipped; and at the
//! end the client reports what was lost.
//!
//! # Try it
//!
//! ```text
//! cargo run -p udp-chat -- server                        # terminal 1
//! cargo run -p udp-chat -- client                        # terminal 2
//! cargo run -p rawsock -- connect 127.0.0.1:9999 --udp --send Ada
//! ```

use std::io::{self, Write};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use netkit::udp::{DatagramReport, MAX_DATAGRAM, serve_datagrams};
use netkit::{Log, Shutdown};

use crate::MAX_MESSAGE;

// ANCHOR: reply
/// The server's answer to one datagram. Bytes in, bytes out: a request
/// that is not UTF-8 is greeted as it came. One longer than
/// [`MAX_MESSAGE`] gets an error instead, which the original could not
/// give: its 1024-byte buffer had already cut the request without a word.
pub fn reply(request: &[u8]) -> Vec<u8> {
    if request.len() > MAX_MESSAGE {
        return format!(
            "error: a {}-byte message is over the {MAX_MESSAGE}-byte limit",
            request.len()
        )
        .into_bytes();
    }
    [b"Hello, ", request, b"!"].concat()
}
// ANCHOR_END: reply

// ANCHOR: serve_echo
/// Answers every datagram on `socket` until `shutdown`.
pub fn serve_echo(
    socket: &UdpSocket,
    shutdown: &Shutdown,
    log: &Log,
) -> io::Result<DatagramReport> {
    serve_datagrams(socket, shutdown, log, |request, from| {
        if request.len() > MAX_MESSAGE {
            log.problem(format_args!(
                "{from}: {}-byte datagram, over the limit",
                request.len()
            ));
        } else {
            log.event(format_args!(
                "{from}: a {}-byte datagram",
                request.len()
            ));
        }
        Some(reply(request))
    })
}
// ANCHOR_END: serve_echo

/// How the echo client behaves when datagrams go missing.
#[derive(Clone, Copy, Debug)]
pub struct EchoOptions {
    /// Requests to send: `0` to `count - 1`.
    pub count: u32,
    /// How long to wait for each reply.
    pub timeout: Duration,
    /// How many times to ask again before giving a request up.
    pub retries: u32,
}

impl Default for EchoOptions {
    fn default() -> EchoOptions {
        EchoOptions {
            count: crate::DEFAULT_COUNT,
            timeout: crate::REPLY_TIMEOUT,
            retries: crate::RETRIES,
        }
    }
}

/// What happened to the client's requests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EchoReport {
    /// Requests that got their reply.
    pub answered: u32,
    /// Requests sent again because no reply came in time.
    pub retries: u32,
    /// Requests that got no reply after every retry.
    pub lost: u32,
    /// Datagrams received that were not the reply being waited for.
    pub skipped: u32,
}

// ANCHOR: client_socket
/// The echo client's socket: bound to a free port, and connected to
/// `server`, so that only `server`'s datagrams reach it and an ICMP
/// "port unreachable" from it comes back as `ConnectionRefused`.
pub fn client_socket(server: SocketAddr) -> io::Result<UdpSocket> {
    // The wildcard address of the server's own family: an IPv4 socket
    // cannot send to an IPv6 address. Port 0: the kernel picks a free one.
    let local = if server.is_ipv6() {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(server)?;
    Ok(socket)
}
// ANCHOR_END: client_socket

// ANCHOR: run_echo_client
/// Sends `0`, `1`, ... on `socket`, which must be connected to the
/// server, and writes each reply to `out`; requests given up are named on
/// `problems`.
pub fn run_echo_client(
    socket: &UdpSocket,
    options: EchoOptions,
    out: &mut impl Write,
    problems: &mut impl Write,
) -> io::Result<EchoReport> {
    let mut report = EchoReport::default();
    let mut buf = vec![0; MAX_DATAGRAM];
    'requests: for n in 0..options.count {
        let request = n.to_string();
        let expected = reply(request.as_bytes());
        for attempt in 0..=options.retries {
            if attempt > 0 {
                report.retries += 1;
            }
            socket.send(request.as_bytes())?;
            let deadline = Instant::now() + options.timeout;
            while let Some(left) = remaining(deadline) {
                socket.set_read_timeout(Some(left))?;
                let received = match socket.recv(&mut buf) {
                    Ok(len) => &buf[..len],
                    Err(err) if netkit::is_timeout(&err) => break,
                    Err(err) => return Err(err),
                };
                if received == expected {
                    writeln!(out, "{}", String::from_utf8_lossy(received))?;
                    report.answered += 1;
                    continue 'requests;
                }
                // A late reply to an earlier request, a duplicate of one
                // already taken, or anything else: not this request's
                // answer. (A late reply to an earlier try of this request
                // holds the same bytes, and is as good as any.)
                report.skipped += 1;
            }
        }
        report.lost += 1;
        writeln!(
            problems,
            "no reply to {request} after {} tries",
            options.retries + 1
        )?;
    }
    Ok(report)
}
// ANCHOR_END: run_echo_client

/// Time left until `deadline`, or `None` if it has passed. (A zero read
/// timeout is an error, not "don't wait".)
fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reply is the original's bytes for any request up to the limit,
    /// and an error, not a cut request, beyond it.
    #[test]
    fn reply_greets_bytes_and_refuses_over_long() {
        assert_eq!(reply(b"0"), b"Hello, 0!");
        assert_eq!(reply(b""), b"Hello, !");
        assert_eq!(reply(b"\xff"), b"Hello, \xff!");
        let longest = vec![b'x'; MAX_MESSAGE];
        assert_eq!(reply(&longest).len(), MAX_MESSAGE + 8);
        let over = reply(&vec![b'x'; MAX_MESSAGE + 1]);
        assert!(over.starts_with(b"error: a 1025-byte message"), "{over:?}");
    }
}
