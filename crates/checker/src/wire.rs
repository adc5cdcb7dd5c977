//! The checker's end of one TCP connection, held to the standards the
//! lessons teach: every read has a deadline, and a reply is read to its
//! known length, to its newline or to the close, never taken from one
//! `recv`. So a correct program that writes its reply in pieces passes,
//! and one that never answers fails in seconds instead of hanging.
//!
//! Everything said both ways is recorded, to be shown when a stage fails.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use socket2::SockRef;

use crate::report::{Failure, Said, shown};

/// How long the checker waits for any one thing the program should send.
/// A correct program on loopback answers in microseconds; this is long
/// enough for a slow machine and for a server that pauses on purpose.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// How long the checker waits for a TCP handshake with the program.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How much a single read asks for.
const READ_CHUNK: usize = 4096;

/// One connection to (or from) the program under test.
#[derive(Debug)]
pub struct Peer {
    stream: TcpStream,
    /// Who this connection is in the report: "connection A".
    label: String,
    /// Bytes read from the socket and not yet taken by an expectation.
    pending: Vec<u8>,
    /// Everything said, in order.
    said: Vec<Said>,
}

/// What one read brought.
enum Got {
    Bytes,
    Closed,
    Reset,
    Timeout,
}

impl Peer {
    /// Connects to the program, as its client.
    pub fn connect(addr: SocketAddr, label: &str) -> Result<Peer, Failure> {
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
            .map_err(|err| {
                Failure::new(format!(
                    "{label}: could not connect to {addr}: {err}"
                ))
            })?;
        Peer::over(stream, label)
    }

    /// The checker's end of a connection it accepted from the program.
    pub fn over(stream: TcpStream, label: &str) -> Result<Peer, Failure> {
        let setup = || -> io::Result<()> {
            stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
            stream.set_write_timeout(Some(REPLY_TIMEOUT))?;
            // Each of the checker's writes goes out as it is made, so
            // that pieces sent apart arrive apart.
            stream.set_nodelay(true)
        };
        setup().map_err(|err| {
            Failure::new(format!("{label}: cannot set up the socket: {err}"))
        })?;
        Ok(Peer {
            stream,
            label: label.to_owned(),
            pending: Vec::new(),
            said: Vec::new(),
        })
    }

    /// A failure that shows this connection's conversation.
    pub fn fail(&self, summary: impl Into<String>) -> Failure {
        let mut failure = Failure::new(summary);
        failure.conversations.push(self.conversation());
        failure
    }

    /// This connection's label and what was said on it, for a failure
    /// that involves more than one connection.
    pub fn conversation(&self) -> (String, Vec<Said>) {
        (self.label.clone(), self.said.clone())
    }

    /// Sends `bytes` in one write.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.said.push(Said::Checker(bytes.to_vec()));
        self.stream.write_all(bytes).map_err(|err| {
            let why = match err.kind() {
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => {
                    "the program had already closed the connection"
                }
                _ => "the checker could not send",
            };
            self.fail(format!("{why} ({err})"))
        })
    }

    /// Sends `bytes` cut at `cuts`, pausing `pause` between pieces: TCP
    /// is free to deliver a message in pieces like these, and a reader
    /// must put them back together.
    pub fn send_in_pieces(
        &mut self,
        bytes: &[u8],
        cuts: &[usize],
        pause: Duration,
    ) -> Result<(), Failure> {
        let mut start = 0;
        for &end in cuts.iter().chain([&bytes.len()]) {
            if start > 0 {
                self.said.push(Said::Note(format!("pause {pause:?}")));
                thread::sleep(pause);
            }
            self.send(&bytes[start..end])?;
            start = end;
        }
        Ok(())
    }

    /// Reads exactly `expected.len()` bytes (or what comes before the
    /// close or the deadline) and fails unless they are `expected`.
    /// `what` names the message in the failure: "the welcome".
    pub fn expect(
        &mut self,
        expected: &[u8],
        what: &str,
    ) -> Result<(), Failure> {
        // Enough once the reply is complete, or as soon as it differs
        // from what it should be: no need to wait for the rest of a
        // wrong reply.
        let ending = self.fill(|pending| {
            let n = pending.len().min(expected.len());
            n == expected.len() || pending[..n] != expected[..n]
        });
        let take = self.pending.len().min(expected.len());
        let got: Vec<u8> = self.pending.drain(..take).collect();
        self.record(&got, &ending);
        if got == expected {
            return Ok(());
        }
        Err(self.mismatch(what, &shown(expected), &got, &ending))
    }

    /// Reads exactly `len` bytes, whatever they say, for a message of a
    /// known length whose bytes the stage checks itself (a time stamp in
    /// it). Fails if the program closes or stays silent first.
    pub fn read_exactly(
        &mut self,
        len: usize,
        what: &str,
    ) -> Result<Vec<u8>, Failure> {
        let ending = self.fill(|pending| pending.len() >= len);
        let take = self.pending.len().min(len);
        let got: Vec<u8> = self.pending.drain(..take).collect();
        self.record(&got, &ending);
        if got.len() == len {
            return Ok(got);
        }
        Err(self.mismatch(what, &format!("{len} bytes"), &got, &ending))
    }

    /// Reads one line ending in `\n` and fails unless it is `expected`
    /// followed by the newline. No line is read past `expected`'s length
    /// and a few bytes more: a reply that long is already wrong.
    pub fn expect_line(
        &mut self,
        expected: &[u8],
        what: &str,
    ) -> Result<(), Failure> {
        let (got, ending) = self.take_line(expected.len() + 2);
        if got.strip_suffix(b"\n") == Some(expected) {
            return Ok(());
        }
        let wanted = shown(&[expected, b"\n"].concat());
        Err(self.mismatch(what, &wanted, &got, &ending))
    }

    /// Reads a line of at most `limit` bytes whatever it says, for a
    /// stage that checks only its start.
    pub fn read_line(&mut self, limit: usize) -> Vec<u8> {
        self.take_line(limit).0
    }

    /// Takes a line (its newline included) or, if none comes, at most
    /// `limit` bytes; and how the reading ended, if not with the line.
    fn take_line(&mut self, limit: usize) -> (Vec<u8>, Option<Got>) {
        let ending = self
            .fill(|pending| pending.contains(&b'\n') || pending.len() > limit);
        let end = match self.pending.iter().position(|&b| b == b'\n') {
            Some(newline) => newline + 1,
            None => self.pending.len().min(limit),
        };
        let got: Vec<u8> = self.pending.drain(..end).collect();
        self.record(&got, &ending);
        (got, ending)
    }

    /// Waits for the program to close the connection, with nothing more
    /// sent first. A reset counts as a close when `reset_is_close`.
    pub fn expect_close(
        &mut self,
        after: &str,
        reset_is_close: bool,
    ) -> Result<(), Failure> {
        let ending = self.fill(|pending| !pending.is_empty());
        let extra: Vec<u8> = self.pending.drain(..).collect();
        self.record(&extra, &ending);
        if !extra.is_empty() {
            return Err(self
                .fail(format!("the program sent more after {after}"))
                .expected("the connection closed", shown(&extra)));
        }
        match ending {
            Some(Got::Closed) => Ok(()),
            Some(Got::Reset) if reset_is_close => Ok(()),
            Some(Got::Reset) => Err(self
                .fail(format!(
                    "the program reset the connection after {after} \
                     instead of closing it"
                ))
                .note(
                    "A reset (RST) can destroy bytes the peer has not read \
                     yet; a close (FIN) is what ends a conversation.",
                )),
            _ => Err(self
                .fail(format!("the connection stayed open after {after}"))
                .expected(
                    "the connection closed",
                    format!("nothing for {REPLY_TIMEOUT:?}"),
                )),
        }
    }

    /// Reads everything the program sends until it closes, for a reply
    /// whose end is the close (a time server's answer). Fails if it sends
    /// more than `limit` bytes, resets the connection instead of closing
    /// it, or neither closes nor finishes within the deadline. `what`
    /// names the reply in the failure: "the time".
    pub fn read_to_close(
        &mut self,
        limit: usize,
        what: &str,
    ) -> Result<Vec<u8>, Failure> {
        let ending = self.fill(|pending| pending.len() > limit);
        let got: Vec<u8> = self.pending.drain(..).collect();
        self.record(&got, &ending);
        match ending {
            Some(Got::Closed) => Ok(got),
            Some(Got::Reset) if got.is_empty() => Err(self
                .fail(format!(
                    "the program reset the connection where {what} was \
                     expected"
                ))
                .expected(
                    format!("{what}, then the connection closed"),
                    "a reset",
                )),
            Some(Got::Reset) => Err(self
                .fail(format!(
                    "the program reset the connection after {what} instead \
                     of closing it"
                ))
                .expected(
                    format!("{what}, then the connection closed"),
                    format!("{}, then a reset", shown(&got)),
                )
                .note(
                    "A reset (RST) can destroy bytes the peer has not read \
                     yet; a close (FIN) is what ends a conversation.",
                )),
            Some(Got::Timeout) if got.is_empty() => Err(self
                .fail(format!("{what} did not come within {REPLY_TIMEOUT:?}"))
                .expected(
                    format!("{what}, then the connection closed"),
                    "nothing",
                )),
            Some(Got::Timeout) => Err(self
                .fail(format!("the connection stayed open after {what}"))
                .expected(
                    format!("{what}, then the connection closed"),
                    format!(
                        "{}, then nothing for {REPLY_TIMEOUT:?}",
                        shown(&got)
                    ),
                )),
            Some(Got::Bytes) | None => Err(self
                .fail(format!("the program sent more than {limit} bytes"))
                .expected(
                    format!("{what}, then the connection closed"),
                    shown(&got),
                )),
        }
    }

    /// Fails if the program sends anything within `window`: for a reply
    /// that must be all there is.
    pub fn expect_quiet(
        &mut self,
        window: Duration,
        after: &str,
    ) -> Result<(), Failure> {
        if self.pending.is_empty() {
            self.set_timeout(window);
            let ending = self.read_once();
            self.set_timeout(REPLY_TIMEOUT);
            // Silence is what we wanted; a close or a reset, which the
            // next read shows again as a close, is for the next
            // expectation to judge.
            if !matches!(ending, Got::Bytes) {
                return Ok(());
            }
        }
        let extra: Vec<u8> = self.pending.drain(..).collect();
        self.said.push(Said::Program(extra.clone()));
        Err(self
            .fail(format!("the program sent more than {after}"))
            .expected("nothing more", shown(&extra)))
    }

    /// Closes the connection with a reset instead of a FIN: what the peer
    /// sees when a client crashes or a cable is pulled mid-conversation.
    pub fn reset(self) {
        // SO_LINGER with a zero timeout turns close() into a reset.
        let _ = SockRef::from(&self.stream).set_linger(Some(Duration::ZERO));
    }

    /// Closes the sending half (FIN): the peer's next read returns 0.
    pub fn close_write(&mut self) {
        self.said.push(Said::Note("closes its side (FIN)".into()));
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }

    /// Reads into `pending` until `enough` says so, the peer closes, or
    /// the deadline passes. Returns how the reading ended, or `None` when
    /// `enough` was satisfied.
    fn fill(&mut self, enough: impl Fn(&[u8]) -> bool) -> Option<Got> {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        while !enough(&self.pending) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Some(Got::Timeout);
            }
            self.set_timeout(left);
            match self.read_once() {
                Got::Bytes => {}
                ending => {
                    self.set_timeout(REPLY_TIMEOUT);
                    return Some(ending);
                }
            }
        }
        self.set_timeout(REPLY_TIMEOUT);
        None
    }

    /// One read into `pending`.
    fn read_once(&mut self) -> Got {
        let mut buf = [0; READ_CHUNK];
        loop {
            match self.stream.read(&mut buf) {
                // A read of 0 bytes: the peer closed its sending side.
                Ok(0) => return Got::Closed,
                Ok(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    return Got::Bytes;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if netkit::is_timeout(&err) => return Got::Timeout,
                // ECONNRESET and the like: the connection is gone.
                Err(_) => return Got::Reset,
            }
        }
    }

    fn set_timeout(&self, timeout: Duration) {
        // A zero timeout means "block forever" to the OS: never ask it.
        let timeout = timeout.max(Duration::from_millis(1));
        let _ = self.stream.set_read_timeout(Some(timeout));
    }

    /// Records what an expectation took, and how the reading ended.
    fn record(&mut self, got: &[u8], ending: &Option<Got>) {
        if !got.is_empty() {
            self.said.push(Said::Program(got.to_vec()));
        }
        match ending {
            Some(Got::Closed) => self.said.push(Said::Closed),
            Some(Got::Reset) => self.said.push(Said::Reset),
            Some(Got::Timeout) => {
                self.said.push(Said::Silence(format!("{REPLY_TIMEOUT:?}")));
            }
            Some(Got::Bytes) | None => {}
        }
    }

    /// The failure for a reply that is not the expected one.
    fn mismatch(
        &self,
        what: &str,
        wanted: &str,
        got: &[u8],
        ending: &Option<Got>,
    ) -> Failure {
        let so_far = if got.is_empty() {
            String::new()
        } else {
            format!(" after {}", shown(got))
        };
        let (summary, got) = match ending {
            Some(Got::Closed) => (
                format!(
                    "the program closed the connection where {what} was expected"
                ),
                format!("the connection closed{so_far}"),
            ),
            Some(Got::Reset) => (
                format!(
                    "the program reset the connection where {what} was expected"
                ),
                format!("a reset{so_far}"),
            ),
            Some(Got::Timeout) => (
                format!("{what} did not come within {REPLY_TIMEOUT:?}"),
                if got.is_empty() {
                    "nothing".to_owned()
                } else {
                    format!("only {}", shown(got))
                },
            ),
            Some(Got::Bytes) | None => {
                (format!("{what} is not what the protocol says"), shown(got))
            }
        };
        self.fail(summary).expected(wanted, got)
    }
}
