//! The time client: ask, read the whole answer, and work out how far the
//! server's clock is from ours.
//!
//! The original's greeting client reads with one `recv(1024)` and takes
//! that as the whole answer; on a stream that is luck. This client reads
//! until the server closes, which is how this protocol marks the end.
//!
//! # The clock offset
//!
//! We note our clock just before asking (`t0`) and when the answer is in
//! (`t1`). The server read its clock somewhere between the two; assuming
//! the middle, its clock is `server - (t0 + t1) / 2` ahead of ours, give or
//! take half the round trip, plus the format's own resolution. That is the
//! idea NTP refines.
//!
//! # Try it
//!
//! ```text
//! cargo run -p time-server -- server --udp --rfc867   # terminal 1
//! cargo run -p time-server -- client --udp --rfc867   # terminal 2
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use anyhow::{Context, bail};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::clock::{Format, ServerTime, parse_answer};

// ANCHOR: limits
/// The longest answer we accept. The longest real one is ~50 bytes; a
/// server that sends more is not a time server.
pub const MAX_ANSWER: usize = 1024;

/// How long the TCP client waits for the server to finish its answer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// UDP: how long to wait for an answer before asking again, and how many
/// times to ask. A lost datagram is never resent by anyone but us.
pub const UDP_WAIT: Duration = Duration::from_secs(1);
/// See [`UDP_WAIT`].
pub const UDP_TRIES: u32 = 3;
// ANCHOR_END: limits

/// The answer and what it says about the server's clock.
#[derive(Clone, Debug)]
pub struct Reading {
    /// The server's time as it said it.
    pub time: ServerTime,
    /// Seconds the server's clock is ahead of ours (negative: behind).
    pub offset: f64,
    /// How wrong `offset` may be, in seconds.
    pub uncertainty: f64,
}

impl Reading {
    /// Prints the two lines the client shows.
    pub fn print(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(out, "{}", self.time.text)?;
        writeln!(
            out,
            "clock offset: {:+.6} s (±{:.6} s)",
            self.offset, self.uncertainty
        )
    }
}

// ANCHOR: query_tcp
/// Connects to `addr`, reads the answer to the end, and reads it as a time.
pub fn query_tcp(addr: &str, format: Format) -> anyhow::Result<Reading> {
    let stream = netkit::connect(addr)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    // The server reads its clock after it accepts, which is after our
    // connect returns: the handshake is not part of the window.
    let asked = Timestamp::now();
    let mut answer = Vec::new();
    // Until end-of-stream: the server's close says the answer is complete.
    // `take` bounds what a misbehaving server can make us store.
    (&stream)
        .take(MAX_ANSWER as u64 + 1)
        .read_to_end(&mut answer)
        .context("reading the answer")?;
    let answered = Timestamp::now();
    if answer.len() > MAX_ANSWER {
        bail!(
            "the server sent more than {MAX_ANSWER} bytes; is it a time server?"
        );
    }
    reading(format, &answer, asked, answered)
}
// ANCHOR_END: query_tcp

// ANCHOR: query_udp
/// Sends `addr` an empty datagram and reads the datagram that answers it,
/// asking again if none comes.
pub fn query_udp(addr: &str, format: Format) -> anyhow::Result<Reading> {
    let server = *netkit::bind::resolve(addr)?.first().context("no address")?;
    let unspecified: SocketAddr = match server {
        SocketAddr::V4(_) => ([0, 0, 0, 0], 0).into(),
        SocketAddr::V6(_) => ([0u16; 8], 0).into(),
    };
    let socket = UdpSocket::bind(unspecified)?;
    // A connected UDP socket only receives datagrams from that address,
    // and learns of an ICMP "port unreachable" as ConnectionRefused.
    socket.connect(server)?;
    socket.set_read_timeout(Some(UDP_WAIT))?;
    // The answer may be to any of our tries, so the window over which the
    // server read its clock starts at the first.
    let asked = Timestamp::now();
    let mut buf = [0; MAX_ANSWER + 1];
    for _ in 0..UDP_TRIES {
        socket.send(&[])?;
        match socket.recv(&mut buf) {
            Ok(n) if n > MAX_ANSWER => {
                bail!("the server sent a datagram of over {MAX_ANSWER} bytes")
            }
            Ok(n) => {
                return reading(format, &buf[..n], asked, Timestamp::now());
            }
            Err(err) if netkit::is_timeout(&err) => continue,
            Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                bail!(
                    "nothing listens on UDP {server}; start the server with --udp"
                )
            }
            Err(err) => return Err(err).context("waiting for the answer"),
        }
    }
    bail!(
        "no answer from {server} after {UDP_TRIES} tries, {UDP_WAIT:?} each \
         (UDP datagrams can be lost)"
    )
}
// ANCHOR_END: query_udp

// ANCHOR: reading
/// Reads `answer` as a time and sets it against our clock's window.
fn reading(
    format: Format,
    answer: &[u8],
    asked: Timestamp,
    answered: Timestamp,
) -> anyhow::Result<Reading> {
    let round_trip = answered.duration_since(asked).as_secs_f64();
    let midpoint = asked + answered.duration_since(asked) / 2;
    let time = parse_answer(format, answer, &TimeZone::system(), midpoint)?;
    // The answer is cut, not rounded, to the format's resolution: the
    // server's clock read somewhere in [said, said + resolution). Take the
    // middle of that too, so the estimate is not biased by half of it.
    let half_step = format.resolution() / 2.0;
    Ok(Reading {
        offset: time.instant.duration_since(midpoint).as_secs_f64() + half_step,
        uncertainty: round_trip / 2.0 + half_step,
        time,
    })
}
// ANCHOR_END: reading
