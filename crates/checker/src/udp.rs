//! The checker's end of a UDP conversation: a socket on a free loopback
//! port that sends datagrams and waits for them, each wait with a
//! deadline. A datagram is a message: one `recv_from` takes one whole
//! datagram, so, unlike TCP, one read is one reply.
//!
//! Everything sent and received is recorded, with the peer's address, to
//! be shown when a stage fails.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::report::{Failure, Said, shown};
use crate::wire::REPLY_TIMEOUT;

/// Larger than any datagram on loopback (65,507 bytes of payload), so a
/// datagram is never cut by the checker's own buffer.
const MAX_DATAGRAM: usize = 65_536;

/// How often [`Datagrams::recv_while`] asks whether to go on waiting.
const ALIVE_POLL: Duration = Duration::from_millis(100);

/// One UDP socket of the checker's.
#[derive(Debug)]
pub struct Datagrams {
    socket: UdpSocket,
    /// Who this socket is in the report: "client A".
    label: String,
    /// Everything sent and received, in order.
    said: Vec<Said>,
}

impl Datagrams {
    /// A socket on a free loopback port.
    pub fn bind(label: &str) -> Result<Datagrams, Failure> {
        let socket = UdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .map_err(|err| {
                Failure::new(format!(
                    "{label}: cannot bind a UDP socket: {err}"
                ))
            })?;
        Ok(Datagrams {
            socket,
            label: label.to_owned(),
            said: Vec::new(),
        })
    }

    /// Its own address: where the program's replies come to.
    pub fn local_addr(&self) -> Result<SocketAddr, Failure> {
        self.socket.local_addr().map_err(|err| {
            Failure::new(format!("{}: no local address: {err}", self.label))
        })
    }

    /// A failure that shows this socket's datagrams.
    pub fn fail(&self, summary: impl Into<String>) -> Failure {
        let mut failure = Failure::new(summary);
        failure.conversations.push(self.conversation());
        failure
    }

    /// This socket's label and its datagrams, for a failure that involves
    /// more than one socket.
    pub fn conversation(&self) -> (String, Vec<Said>) {
        (self.label.clone(), self.said.clone())
    }

    /// Records a note in the conversation ("drops the datagram").
    pub fn note(&mut self, note: impl Into<String>) {
        self.said.push(Said::Note(note.into()));
    }

    /// Sends `bytes` to `to` in one datagram.
    pub fn send_to(
        &mut self,
        bytes: &[u8],
        to: SocketAddr,
    ) -> Result<(), Failure> {
        self.said.push(Said::Checker(bytes.to_vec()));
        match self.socket.send_to(bytes, to) {
            Ok(n) if n == bytes.len() => Ok(()),
            Ok(n) => Err(self.fail(format!(
                "sent only {n} of {} bytes to {to}",
                bytes.len()
            ))),
            Err(err) => Err(self.fail(format!("cannot send to {to}: {err}"))),
        }
    }

    /// The next datagram and its sender, or `None` when none comes within
    /// `within`. An ICMP "port unreachable" from an earlier send (the
    /// program is not listening) is reported as a failure.
    pub fn recv(
        &mut self,
        within: Duration,
    ) -> Result<Option<(Vec<u8>, SocketAddr)>, Failure> {
        self.recv_while(within, || true)
    }

    /// [`recv`](Self::recv), giving up early once `alive()` is false (the
    /// program under test has exited, so nothing more will come). It is
    /// asked every 100 ms (`ALIVE_POLL`).
    pub fn recv_while(
        &mut self,
        within: Duration,
        mut alive: impl FnMut() -> bool,
    ) -> Result<Option<(Vec<u8>, SocketAddr)>, Failure> {
        let start = Instant::now();
        let deadline = start + within;
        let mut buf = vec![0; MAX_DATAGRAM];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !alive() {
                let waited = if left.is_zero() {
                    within
                } else {
                    start.elapsed()
                };
                // To the millisecond: "3s", not "2.999999871s".
                let waited = Duration::from_millis(
                    u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                );
                self.said.push(Said::Silence(format!("{waited:?}")));
                return Ok(None);
            }
            let left = left.min(ALIVE_POLL);
            // A zero timeout means "block forever" to the OS: never ask it.
            let _ = self
                .socket
                .set_read_timeout(Some(left.max(Duration::from_millis(1))));
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    self.said.push(Said::Program(buf[..n].to_vec()));
                    return Ok(Some((buf[..n].to_vec(), from)));
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if netkit::is_timeout(&err) => {}
                // Loopback reports a datagram sent to a closed port as
                // ECONNREFUSED on the sender's next call.
                Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                    return Err(self.fail(
                        "nothing listens at the program's address (ICMP port \
                         unreachable)",
                    ));
                }
                Err(err) => {
                    return Err(self.fail(format!("cannot receive: {err}")));
                }
            }
        }
    }

    /// Waits up to [`REPLY_TIMEOUT`] for one datagram and fails unless it
    /// is `expected`; returns its sender. `what` names it in a failure.
    pub fn expect(
        &mut self,
        expected: &[u8],
        what: &str,
    ) -> Result<SocketAddr, Failure> {
        match self.recv(REPLY_TIMEOUT)? {
            Some((got, from)) if got == expected => Ok(from),
            Some((got, _)) => Err(self
                .fail(format!("{what} is not what the protocol says"))
                .expected(shown(expected), shown(&got))),
            None => Err(self
                .fail(format!("{what} did not come within {REPLY_TIMEOUT:?}"))
                .expected(shown(expected), "no datagram")),
        }
    }

    /// Fails if a datagram comes within `window`: after a reply that
    /// must be the only one.
    pub fn expect_quiet(
        &mut self,
        window: Duration,
        after: &str,
    ) -> Result<(), Failure> {
        match self.recv(window)? {
            None => Ok(()),
            Some((got, _)) => Err(self
                .fail(format!("the program sent more than {after}"))
                .expected("no more datagrams", shown(&got))),
        }
    }
}
