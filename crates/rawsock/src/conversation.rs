//! One conversation on one socket: send the messages in order, a pause
//! before each, and print whatever arrives meanwhile, until the peer
//! closes or falls quiet.
//!
//! One thread does it all, with a read timeout on every read: the next
//! read's timeout is whichever comes first of the next send, the end of
//! a partial line's [`PARTIAL_GAP`] and the quiet deadline. One thread
//! means one order of events, so the same conversation prints the same
//! lines every time. Lines typed on stdin come from a thread of their own
//! (a terminal read blocks) and are looked for every [`STDIN_POLL`].

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use netkit::{Received, is_timeout, recv_some};
use socket2::SockRef;

use crate::transcript::{Closing, Transcript};

/// How long received bytes with no `\n` wait for more before they are
/// printed as a line of their own. On loopback the rest of a message
/// follows within microseconds; a peer that pauses this long has
/// finished what it had to say (hello-echo's `Welcome!`, which has no
/// newline).
pub const PARTIAL_GAP: Duration = Duration::from_millis(50);

/// How often the conversation looks for a line typed on stdin while it
/// reads the socket: quick enough that typing feels immediate.
pub const STDIN_POLL: Duration = Duration::from_millis(20);

/// The longest a send may block. `write` blocks once the peer's receive
/// window and our send buffer are full, that is when the peer stops
/// reading; the tool must end by itself even then.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest read: 64 KiB holds any UDP datagram whole (a payload is
/// at most 65,527 bytes, 65,507 over IPv4). A datagram longer than the
/// buffer would be cut to fit, the rest lost, with no error.
pub(crate) const READ_BUF_SIZE: usize = 64 * 1024;

/// What to send: the `--send` arguments, or the lines typed on stdin.
#[derive(Debug)]
pub enum Script {
    /// Each one write (TCP) or one datagram (UDP), in order.
    Given(Vec<Vec<u8>>),
    /// Lines as typed (without their `\n`); the channel closes at the end
    /// of stdin.
    Stdin(Receiver<String>),
}

/// How our side ends the conversation after the last send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ending {
    /// Keep reading until the peer closes or falls quiet, then close.
    #[default]
    Wait,
    /// `--shut`: shut down our sending side (FIN: the peer's read returns
    /// 0 bytes), then keep reading as with `Wait`.
    Shut,
    /// `--reset`: after one more pause, close with SO_LINGER 0, so the
    /// kernel sends RST instead of FIN.
    Reset,
}

/// Everything a conversation needs besides its socket.
#[derive(Debug)]
pub struct Options {
    /// What to send.
    pub script: Script,
    /// The least time between two sends (and before the first), spent
    /// reading.
    pub pause: Duration,
    /// After the last send, how long a silence ends the conversation.
    pub quiet: Duration,
    /// What we do after the last send.
    pub ending: Ending,
}

/// The socket a conversation runs on.
#[derive(Debug)]
pub enum Link {
    /// A TCP connection: a stream of bytes.
    Tcp(TcpStream),
    /// A connected UDP socket: datagrams to and from one peer only (the
    /// kernel drops datagrams from any other address).
    Udp(UdpSocket),
    /// An unconnected UDP socket, as in listen mode: datagrams from
    /// anyone, each shown with its sender; ours go to `peer`, the sender
    /// of the first.
    UdpFrom {
        /// The socket.
        socket: UdpSocket,
        /// Where our datagrams go.
        peer: SocketAddr,
    },
}

/// What one read brought.
enum Heard {
    /// Bytes from the TCP stream, in `buf[..n]`.
    Bytes(usize),
    /// One datagram in `buf[..n]`, from `from` if it must be shown.
    Datagram(usize, Option<SocketAddr>),
    /// The TCP peer closed its side: a read returned 0 bytes.
    Closed,
}

impl Link {
    fn set_read_timeout(&self, timeout: Duration) -> io::Result<()> {
        // A zero timeout means "block forever" to setsockopt; never ask
        // for less than a millisecond.
        let timeout = Some(timeout.max(Duration::from_millis(1)));
        match self {
            Link::Tcp(stream) => stream.set_read_timeout(timeout),
            Link::Udp(socket) | Link::UdpFrom { socket, .. } => {
                socket.set_read_timeout(timeout)
            }
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<Heard> {
        match self {
            Link::Tcp(stream) => Ok(match recv_some(stream, buf)? {
                Received::Data(bytes) => Heard::Bytes(bytes.len()),
                Received::Closed => Heard::Closed,
            }),
            // One recv is one datagram, never part of one nor two: UDP
            // keeps the sender's boundaries. 0 bytes is an empty
            // datagram, not a close; UDP has no connection to close.
            Link::Udp(socket) => Ok(Heard::Datagram(socket.recv(buf)?, None)),
            Link::UdpFrom { socket, .. } => {
                let (n, from) = socket.recv_from(buf)?;
                Ok(Heard::Datagram(n, Some(from)))
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            // `write` may take less than it is given; `write_all` loops.
            Link::Tcp(stream) => stream.write_all(bytes),
            // One send is one datagram, whole or not at all.
            Link::Udp(socket) => socket.send(bytes).map(drop),
            Link::UdpFrom { socket, peer } => {
                socket.send_to(bytes, *peer).map(drop)
            }
        }
    }
}

/// A read or write error that is the peer's doing, told as a closing.
fn closing_for(err: &io::Error) -> Option<Closing> {
    use io::ErrorKind::*;
    match err.kind() {
        // EPIPE: a write after the peer's RST arrived (Rust ignores
        // SIGPIPE, so it is an error, not a killed process).
        ConnectionReset | ConnectionAborted | BrokenPipe => {
            Some(Closing::ResetByPeer)
        }
        ConnectionRefused => Some(Closing::Refused),
        _ => None,
    }
}

/// A conversation in progress.
struct Conversation<'t, W: Write> {
    link: Link,
    transcript: &'t mut Transcript<W>,
    buf: Vec<u8>,
    /// When bytes last arrived (or the conversation started): the start
    /// of both the partial-line gap and the quiet wait.
    last_heard: Instant,
}

/// What to do next, between two sends.
enum Next {
    /// Send this.
    Send(Vec<u8>),
    /// Nothing more to send.
    Done,
    /// The peer ended the conversation while we waited for a typed line.
    Ended(Closing),
}

/// Runs a conversation on `link` and prints it on `transcript`, ending
/// with the closing line. Errors are the ones that are not the peer's
/// doing (a full send buffer for [`WRITE_TIMEOUT`], stdout gone).
pub fn converse<W: Write>(
    link: Link,
    options: Options,
    transcript: &mut Transcript<W>,
) -> anyhow::Result<()> {
    if let Link::Tcp(stream) = &link {
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    }
    let mut talk = Conversation {
        link,
        transcript,
        buf: vec![0; READ_BUF_SIZE],
        last_heard: Instant::now(),
    };
    let closing = talk.run(options)?;
    // Close first, then say so: with --reset, `(closed)` is printed once
    // the RST is on its way.
    let Conversation {
        link, transcript, ..
    } = talk;
    drop(link);
    transcript.note(&closing.line())?;
    Ok(())
}

impl<W: Write> Conversation<'_, W> {
    /// The sends, each after its pause, then our ending; returns how the
    /// conversation ended.
    fn run(&mut self, options: Options) -> anyhow::Result<Closing> {
        let Options {
            mut script,
            pause,
            quiet,
            ending,
        } = options;
        let mut last_said = Instant::now();
        loop {
            let message = match self.next_message(&mut script)? {
                Next::Send(message) => message,
                Next::Done => break,
                Next::Ended(closing) => return Ok(closing),
            };
            if let Some(closing) = self.hear_until(last_said + pause)? {
                return Ok(closing);
            }
            self.transcript.sent(&message)?;
            if let Err(err) = self.link.send(&message) {
                return closing_for(&err).ok_or_else(|| send_error(err));
            }
            last_said = Instant::now();
        }
        match (ending, &self.link) {
            (Ending::Shut, Link::Tcp(stream)) => {
                // FIN: the peer's next read returns 0 bytes once it has
                // read everything we sent. Our receiving side stays open,
                // so its answer to the end of input still shows.
                if let Err(err) = stream.shutdown(Shutdown::Write) {
                    return match err.kind() {
                        // The peer's RST came first and closed the socket.
                        io::ErrorKind::NotConnected => Ok(Closing::ResetByPeer),
                        _ => closing_for(&err).ok_or_else(|| err.into()),
                    };
                }
            }
            (Ending::Reset, Link::Tcp(_)) => {
                if let Some(closing) = self.hear_until(last_said + pause)? {
                    return Ok(closing);
                }
                if let Link::Tcp(stream) = &self.link {
                    // SO_LINGER on, with a time of 0: close() drops
                    // whatever is unsent and sends RST, not FIN. The
                    // peer's next read fails with ECONNRESET instead of
                    // returning 0 bytes.
                    SockRef::from(stream).set_linger(Some(Duration::ZERO))?;
                }
                return Ok(Closing::ByUs);
            }
            // UDP has no connection to shut down or reset (the command
            // line refuses those flags with --udp).
            _ => {}
        }
        self.hear_until_quiet(last_said, quiet)
    }

    /// The next message of the script; for typed lines, reads the socket
    /// while it waits for one.
    fn next_message(&mut self, script: &mut Script) -> anyhow::Result<Next> {
        let typed = match script {
            Script::Given(messages) => {
                return Ok(if messages.is_empty() {
                    Next::Done
                } else {
                    Next::Send(messages.remove(0))
                });
            }
            Script::Stdin(typed) => typed.clone(),
        };
        loop {
            match typed.try_recv() {
                Ok(line) => return Ok(Next::Send(format!("{line}\n").into())),
                Err(TryRecvError::Disconnected) => return Ok(Next::Done),
                Err(TryRecvError::Empty) => {
                    let poll = Instant::now() + STDIN_POLL;
                    if let Some(closing) = self.hear_until(poll)? {
                        return Ok(Next::Ended(closing));
                    }
                }
            }
        }
    }

    /// Reads and prints until `deadline`, or until the peer ends the
    /// conversation.
    fn hear_until(
        &mut self,
        deadline: Instant,
    ) -> anyhow::Result<Option<Closing>> {
        loop {
            let now = Instant::now();
            let complete_at = self.last_heard + PARTIAL_GAP;
            if self.transcript.has_partial() && now >= complete_at {
                self.transcript.flush_partial()?;
            }
            if now >= deadline {
                return Ok(None);
            }
            let mut wait = deadline - now;
            if self.transcript.has_partial() {
                wait = wait.min(complete_at - now);
            }
            self.link.set_read_timeout(wait)?;
            match self.link.read(&mut self.buf) {
                Ok(Heard::Bytes(n)) => {
                    self.last_heard = Instant::now();
                    self.transcript.received(&self.buf[..n])?;
                }
                Ok(Heard::Datagram(n, from)) => {
                    self.last_heard = Instant::now();
                    self.transcript.datagram(from, &self.buf[..n])?;
                }
                Ok(Heard::Closed) => return Ok(Some(Closing::ByPeer)),
                // The timeout ran out: time to look at the clock again.
                Err(err)
                    if is_timeout(&err)
                        || err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => match closing_for(&err) {
                    Some(closing) => return Ok(Some(closing)),
                    None => return Err(err.into()),
                },
            }
        }
    }

    /// Reads until the peer ends the conversation or nothing has come for
    /// `quiet` since `last_said` and since the last bytes heard.
    fn hear_until_quiet(
        &mut self,
        last_said: Instant,
        quiet: Duration,
    ) -> anyhow::Result<Closing> {
        loop {
            let deadline = self.last_heard.max(last_said) + quiet;
            if Instant::now() >= deadline {
                return Ok(Closing::Quiet(quiet));
            }
            if let Some(closing) = self.hear_until(deadline)? {
                return Ok(closing);
            }
        }
    }
}

/// A send that failed for a reason other than the peer's reset.
fn send_error(err: io::Error) -> anyhow::Error {
    if is_timeout(&err) {
        anyhow::anyhow!(
            "the peer stopped reading: nothing could be sent for {} s",
            WRITE_TIMEOUT.as_secs()
        )
    } else {
        anyhow::Error::new(err).context("cannot send")
    }
}
