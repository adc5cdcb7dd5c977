//! Lesson 3's hello echo under load: how many datagrams the server
//! answers per second with a window of requests in flight, how long each
//! answer takes, and how many never come back.
//!
//! # What is measured
//!
//! One UDP socket, connected to the server, sends the requests `0`, `1`,
//! `2`, ... (each its sequence number in decimal, as the original client
//! sends them) and reads the answers, `Hello, 0!` and so on. Up to
//! `in_flight` requests are outstanding at once: each answer frees a slot
//! and the next request takes it at once. A request's latency is the time
//! from just before its `send` to the return of the `recv` that brought
//! its answer.
//!
//! UDP promises nothing: a datagram may be dropped (by a full receive
//! buffer, usually) and then nothing says so. A request that has no
//! answer `loss_after` after it was sent is counted lost, and its slot
//! goes to a new request, so a lost datagram never shrinks the window.
//! An answer that comes after that is counted late, not answered; an
//! answer to a request already answered, to one never sent, or a
//! datagram that is not an answer at all, is unexpected.
//!
//! ```text
//!   oldest ─────────── in flight (at most in_flight) ────────── newest
//!    [ 40 ]  [ 41 ]  [ 43 ]  [ 44 ]  [ 46 ]  [ 47 ]  [ 48 ]  [ 49 ]
//!      │               ▲
//!      │               └─ "Hello, 43!": answered, latency kept; 50 sent
//!      └─ no answer after loss_after: lost; 51 sent
//!   "Hello, 40!" after that: late       "Hello, 43!" again: unexpected
//!
//!   |<──────── duration: requests sent ────────>|<─ drain ─>|
//!                                                 ≤ loss_after
//! ```
//!
//! Sending stops after `duration`; the bench then waits for the requests
//! still in flight, until each is answered or lost, which takes at most
//! `loss_after`. Every request sent is answered or lost in the end, and
//! the rate is answered requests per second of `duration`.
//!
//! Times are taken when `recv` returns, so they include any time the
//! bench itself waited for a CPU. On a busy machine, a pause of the bench
//! longer than `loss_after` counts the whole window lost, and then its
//! answers late: `late` close to `lost` says the answers came and the
//! bench was not there to read them, as a datagram a server dropped
//! never comes late.
//!
//! A window of more than about 256 measures the server's receive buffer
//! too: Linux's default (208 KiB) holds about 256 small requests, and
//! whenever the server waits for a CPU, the rest of a full window
//! arriving meanwhile is dropped. Those losses are the server's (they
//! show in the `drops` column of `/proc/net/udp` for its port), and none
//! comes late.
//!
//! # Try it
//!
//! ```text
//! cargo build --release -p udp-chat -p netbench
//! target/release/udp-chat server --bind 127.0.0.1:0 -q
//!                            # prints "listening on 127.0.0.1:PORT"
//! target/release/netbench udp-chat --connect 127.0.0.1:PORT --in-flight 32
//! python3 crates/udp-chat/python/server.py --bind 127.0.0.1:0 2>/dev/null
//! target/release/netbench udp-chat --connect 127.0.0.1:PORT --in-flight 1
//! ```
//!
//! The Python server writes a line to stderr for every datagram: send it
//! to `/dev/null`, or the terminal is what gets measured.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use socket2::{Domain, Protocol, Socket, Type};

use crate::MAX_DURATION;
use serde::{Deserialize, Serialize};

use crate::process::snapshot;
use crate::stats::{Latencies, Summary};

/// The largest window the bench keeps in flight: [`RECV_BUFFER`] is
/// sized to hold this many answers.
pub const MAX_IN_FLIGHT: usize = 1024;

/// What one answer costs in our receive buffer. The kernel charges a
/// queued datagram's whole allocation (its "truesize": the bytes, the
/// headers and the kernel's bookkeeping), not its payload: 832 bytes for
/// a 14-byte answer on loopback (Linux 6), rounded up here.
pub const DATAGRAM_COST: usize = 1024;

/// The receive buffer (SO_RCVBUF) the bench asks for: room for
/// [`MAX_IN_FLIGHT`] answers at [`DATAGRAM_COST`], 1 MiB (which Linux
/// doubles: a margin of two). A datagram that arrives to a full receive
/// buffer is dropped without a word, and the default
/// (`net.core.rmem_default`, 208 KiB) holds about 256 answers: a fast
/// server answering a window of 1024 before we read any would lose most
/// of them in *our* socket, and the bench would blame the server.
pub const RECV_BUFFER: usize = MAX_IN_FLIGHT * DATAGRAM_COST;

/// Room for the longest answer a lesson-3 server sends (`Hello, `, a
/// 1024-byte message, `!`), so none is cut. Ours are under 30 bytes; a
/// datagram longer than the buffer would be cut to it without a word,
/// and no longer one is an answer to us anyway.
const RECV_SIZE: usize = 2048;

/// The longest one `recv` waits. A deadline further off than this is
/// waited for in steps of it: the read timeout then stays the same from
/// one `recv` to the next, and is not set again (one more system call)
/// before each.
const MAX_WAIT: Duration = Duration::from_millis(100);

/// How long a `send` may block. On loopback a UDP send never waits (the
/// datagram leaves our send buffer as it is handed to the receiver); a
/// timeout all the same, so that no wait is forever.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// What to measure, and where.
#[derive(Clone, Debug)]
pub struct Options {
    /// The echo server, on loopback.
    pub addr: SocketAddr,
    /// Requests outstanding at once, 1 to [`MAX_IN_FLIGHT`].
    pub in_flight: usize,
    /// How long to send requests for.
    pub duration: Duration,
    /// How long a request may wait for its answer before it counts as
    /// lost and its slot is given to a new one.
    pub loss_after: Duration,
    /// The server's process, to read its peak memory.
    pub server_pid: Option<u32>,
}

/// What a run measured: `--json` prints it as one line. Every request
/// sent ends answered or lost: `sent == answered + lost`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename = "udp-chat")]
pub struct Report {
    /// Requests outstanding at once.
    pub in_flight: usize,
    /// After how long an unanswered request counted as lost, in ms.
    pub loss_after_ms: u64,
    /// From the first request sent to the moment sending stopped, in
    /// seconds: the time `per_s` divides by (the drain after it is not
    /// counted).
    pub duration_s: f64,
    /// Requests sent, all within the window.
    pub sent: u64,
    /// Requests answered within `loss_after`.
    pub answered: u64,
    /// Requests not answered within `loss_after`.
    pub lost: u64,
    /// Answers that came for lost requests (at most one each).
    pub late: u64,
    /// Datagrams that answered nothing outstanding: a second answer to a
    /// request, an answer to a request never sent, or no answer at all.
    pub unexpected: u64,
    /// Answered requests per second of the window.
    pub per_s: f64,
    /// The latencies of the answered requests.
    #[serde(flatten)]
    pub latency: Option<Summary>,
    /// The server's peak resident memory, in KiB.
    pub server_peak_rss_kib: Option<u64>,
    /// The server's CPU time per answered request, in µs, all threads,
    /// user and kernel (requests sent and lost cost it something too,
    /// uncounted).
    pub server_cpu_us_per_step: Option<f64>,
}

/// The request for sequence number `seq`: the number in decimal, as the
/// original client sends it.
pub fn request(seq: u64) -> String {
    seq.to_string()
}

/// The sequence number a datagram answers: `Hello, 42!` gives 42.
/// `None` for anything that is not the answer to one of our requests,
/// including numbers written otherwise than [`request`] writes them
/// (`+42`, `042`) or too large for a `u64`. Any bytes at all may come
/// in: nothing here can panic.
pub fn parse_reply(datagram: &[u8]) -> Option<u64> {
    let digits = datagram.strip_prefix(b"Hello, ")?.strip_suffix(b"!")?;
    let canonical = match digits {
        [] => false,
        [_] => true,
        [first, ..] => *first != b'0', // "0" alone, no leading zeros
    };
    if !canonical || !digits.iter().all(u8::is_ascii_digit) {
        return None; // (u64's parser would take a leading '+')
    }
    // All ASCII digits, so UTF-8; too many of them overflow: `None`.
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Sends requests for `duration`, keeping `in_flight` of them
/// outstanding, waits at most `loss_after` for the last ones, and
/// reports.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    check(options)?;
    // Read now: it fails early on a wrong pid, and the CPU time the
    // server used before the run is subtracted at the end.
    let before = options.server_pid.map(snapshot).transpose()?;
    let socket = open(options)?;
    let mut window = Window::new(options.loss_after);
    let mut buf = vec![0; RECV_SIZE];
    let mut read_timeout = None;
    let start = Instant::now();
    let send_until = start + options.duration;
    let mut stopped = None; // when sending stopped
    loop {
        let now = Instant::now();
        window.expire(now);
        if now < send_until {
            while window.outstanding() < options.in_flight {
                let seq = window.send(Instant::now());
                send(&socket, options.addr, &request(seq), window.answered)?;
            }
        } else if stopped.is_none() {
            stopped = Some(now);
        }
        if stopped.is_some() && window.outstanding() == 0 {
            break;
        }
        // Wake up for the next deadline: the oldest request's loss, or
        // the end of sending.
        let mut deadline = window.next_loss();
        if stopped.is_none() {
            deadline = Some(deadline.map_or(send_until, |d| d.min(send_until)));
        }
        let wait = deadline
            .map_or(MAX_WAIT, |d| d.saturating_duration_since(Instant::now()))
            .min(MAX_WAIT);
        // A zero read timeout is refused (it would mean "no timeout"):
        // the deadline is here, go round again.
        if wait.is_zero() {
            continue;
        }
        if read_timeout != Some(wait) {
            socket.set_read_timeout(Some(wait))?;
            read_timeout = Some(wait);
        }
        match socket.recv(&mut buf) {
            // One recv is one datagram, whole (RECV_SIZE holds any).
            Ok(len) => {
                let at = Instant::now();
                window.receive(buf.get(..len).and_then(parse_reply), at);
            }
            Err(err) if netkit::is_timeout(&err) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                return Err(refused(options.addr, window.answered));
            }
            Err(err) => return Err(err).context("receiving an answer"),
        }
    }
    let window_time = stopped
        .map_or(Duration::ZERO, |at| at.saturating_duration_since(start));
    let after = options.server_pid.map(snapshot).transpose()?;
    let mut report = window.report(options, window_time);
    report.server_peak_rss_kib = after.map(|after| after.peak_rss_kib);
    if let (Some(before), Some(after)) = (before, after) {
        let cpu = after.cpu.saturating_sub(before.cpu).as_secs_f64();
        report.server_cpu_us_per_step =
            (report.answered > 0).then(|| cpu * 1e6 / report.answered as f64);
    }
    Ok(report)
}

/// Refuses options the bench cannot honour.
fn check(options: &Options) -> anyhow::Result<()> {
    if !(1..=MAX_IN_FLIGHT).contains(&options.in_flight) {
        bail!(
            "{} requests in flight: pass 1 to {MAX_IN_FLIGHT}",
            options.in_flight
        );
    }
    if options.duration.is_zero() || options.duration > MAX_DURATION {
        bail!(
            "a run of {:?}: pass 1 s to {MAX_DURATION:?}",
            options.duration
        );
    }
    if options.loss_after.is_zero() {
        bail!(
            "loss after 0 ms would count every request lost: pass 1 ms or more"
        );
    }
    if !options.addr.ip().is_loopback() {
        bail!(
            "{} is not a loopback address: netbench loads only servers on \
             this machine",
            options.addr
        );
    }
    Ok(())
}

/// A UDP socket on loopback, with room for a window of answers,
/// connected to the server.
fn open(options: &Options) -> anyhow::Result<UdpSocket> {
    let addr = options.addr;
    let local: SocketAddr = match addr {
        SocketAddr::V4(_) => (Ipv4Addr::LOCALHOST, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::LOCALHOST, 0).into(),
    };
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    // Linux caps the size at `net.core.rmem_max`, then doubles it (room
    // for bookkeeping, says socket(7)); read back, it is the limit the
    // queued datagrams' truesize is held to.
    socket.set_recv_buffer_size(RECV_BUFFER)?;
    let granted = socket.recv_buffer_size()?;
    let needed = options.in_flight * DATAGRAM_COST;
    if granted < needed {
        eprintln!(
            "netbench: warning: the kernel gave the socket {granted} bytes \
             of receive buffer, room for about {} answers; with {} in \
             flight some may be dropped here and counted lost. Raise the \
             cap: sysctl -w net.core.rmem_max={RECV_BUFFER}",
            granted / DATAGRAM_COST,
            options.in_flight
        );
    }
    socket.bind(&local.into())?;
    // A connected UDP socket receives only the server's datagrams (the
    // kernel drops the rest), and hears of an ICMP "port unreachable"
    // for what it sent: the next send or recv fails ECONNREFUSED.
    socket
        .connect(&addr.into())
        .with_context(|| format!("connecting a UDP socket to {addr}"))?;
    let socket = UdpSocket::from(socket);
    socket.set_write_timeout(Some(SEND_TIMEOUT))?;
    Ok(socket)
}

/// Sends one request, whole: one `send` on a UDP socket is one datagram.
fn send(
    socket: &UdpSocket,
    addr: SocketAddr,
    request: &str,
    answered: u64,
) -> anyhow::Result<()> {
    loop {
        match socket.send(request.as_bytes()) {
            Ok(_) => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                return Err(refused(addr, answered));
            }
            Err(err) => {
                return Err(err).context(format!("sending request {request}"));
            }
        }
    }
}

/// The error for an ICMP "port unreachable": nothing listens at `addr`.
fn refused(addr: SocketAddr, answered: u64) -> anyhow::Error {
    if answered == 0 {
        anyhow::anyhow!(
            "no server at {addr} (the kernel answered \"port unreachable\"); \
             start the server first, e.g. `udp-chat server --bind \
             127.0.0.1:0 -q`, and pass the address it prints"
        )
    } else {
        anyhow::anyhow!(
            "the server at {addr} went away during the run, after {answered} \
             answers (\"port unreachable\"); start it again"
        )
    }
}

/// The requests in flight, and the count of what became of the others.
/// No I/O: times are passed in.
struct Window {
    loss_after: Duration,
    /// Sent and not yet answered or lost: sequence number → send time.
    /// Numbers grow with send time, so the first entry is the oldest.
    in_flight: BTreeMap<u64, Instant>,
    /// One bit per sequence number: set while a request is lost and no
    /// answer to it has come, so that the first late one is told from a
    /// duplicate.
    unheard: Bits,
    /// The next request's number; every lower one has been sent.
    next_seq: u64,
    answered: u64,
    lost: u64,
    late: u64,
    unexpected: u64,
    /// The answered requests' latencies.
    latencies: Latencies,
}

impl Window {
    fn new(loss_after: Duration) -> Window {
        Window {
            loss_after,
            in_flight: BTreeMap::new(),
            unheard: Bits::default(),
            next_seq: 0,
            answered: 0,
            lost: 0,
            late: 0,
            unexpected: 0,
            latencies: Latencies::default(),
        }
    }

    /// Requests waiting for their answer.
    fn outstanding(&self) -> usize {
        self.in_flight.len()
    }

    /// Takes the next sequence number for a request sent `at`.
    fn send(&mut self, at: Instant) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.in_flight.insert(seq, at);
        seq
    }

    /// When the oldest request in flight will count as lost.
    fn next_loss(&self) -> Option<Instant> {
        let (_, sent_at) = self.in_flight.first_key_value()?;
        sent_at.checked_add(self.loss_after)
    }

    /// Counts as lost every request in flight for `loss_after` or more
    /// at `now`, oldest first, freeing their slots.
    fn expire(&mut self, now: Instant) {
        while let Some((&seq, &sent_at)) = self.in_flight.first_key_value() {
            if now.saturating_duration_since(sent_at) < self.loss_after {
                break; // the rest were sent later still
            }
            self.in_flight.remove(&seq);
            self.lost += 1;
            self.unheard.set(seq, true);
        }
    }

    /// Counts a datagram received `at` that answers request `reply`
    /// (`None`: not an answer to any request of ours).
    fn receive(&mut self, reply: Option<u64>, at: Instant) {
        let Some(seq) = reply else {
            self.unexpected += 1;
            return;
        };
        if let Some(sent_at) = self.in_flight.remove(&seq) {
            let latency = at.saturating_duration_since(sent_at);
            if latency < self.loss_after {
                self.answered += 1;
                self.latencies.record(latency);
            } else {
                // Past its time, though not yet expired: lost, and late.
                self.lost += 1;
                self.late += 1;
            }
        } else if seq < self.next_seq && self.unheard.get(seq) {
            self.unheard.set(seq, false);
            self.late += 1;
        } else {
            self.unexpected += 1;
        }
    }

    fn report(self, options: &Options, window: Duration) -> Report {
        let seconds = window.as_secs_f64();
        Report {
            in_flight: options.in_flight,
            loss_after_ms: options.loss_after.as_millis() as u64,
            duration_s: seconds,
            sent: self.next_seq,
            answered: self.answered,
            lost: self.lost,
            late: self.late,
            unexpected: self.unexpected,
            per_s: match seconds > 0.0 {
                true => self.answered as f64 / seconds,
                false => 0.0,
            },
            latency: self.latencies.summary(),
            server_peak_rss_kib: None,
            server_cpu_us_per_step: None,
        }
    }
}

/// A set of sequence numbers, one bit each: a long run with many losses
/// sends millions of requests.
#[derive(Debug, Default)]
struct Bits {
    words: Vec<u64>,
}

impl Bits {
    /// The word holding bit `n`, and the bit's mask in it; `None` past
    /// what a `Vec` could index (a 32-bit machine after 2^37 requests).
    fn place(n: u64) -> Option<(usize, u64)> {
        let word = usize::try_from(n / 64).ok()?;
        Some((word, 1 << (n % 64)))
    }

    fn get(&self, n: u64) -> bool {
        let Some((word, mask)) = Bits::place(n) else {
            return false;
        };
        self.words.get(word).is_some_and(|w| w & mask != 0)
    }

    fn set(&mut self, n: u64, value: bool) {
        let Some((word, mask)) = Bits::place(n) else {
            return;
        };
        if word >= self.words.len() {
            if !value {
                return; // not set, nothing to clear
            }
            self.words.resize(word.saturating_add(1), 0);
        }
        if let Some(w) = self.words.get_mut(word) {
            if value {
                *w |= mask;
            } else {
                *w &= !mask;
            }
        }
    }
}

/// The one-line summary for a person:
///
/// ```text
/// udp-chat: 32 in flight for 3.0 s: 412345 of 412377 answered, 137448
/// per s; latency p50 0.210 ms, p99 0.512 ms, max 3.100 ms; lost 32
/// after 200 ms (5 came late); 3 unexpected; server peak RSS 2.1 MiB
/// ```
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "udp-chat: {} in flight for {:.1} s: {} of {} answered, {:.0} \
             per s; ",
            self.in_flight,
            self.duration_s,
            self.answered,
            self.sent,
            self.per_s
        )?;
        match &self.latency {
            Some(l) => write!(f, "{l}")?,
            None => write!(
                f,
                "nothing answered (is a udp-chat server listening there?)"
            )?,
        }
        write!(f, "; lost {} after {} ms", self.lost, self.loss_after_ms)?;
        if self.late > 0 {
            write!(f, " ({} came late)", self.late)?;
        }
        if self.unexpected > 0 {
            write!(f, "; {} unexpected", self.unexpected)?;
        }
        if let Some(kib) = self.server_peak_rss_kib {
            write!(f, "; server peak RSS {:.1} MiB", kib as f64 / 1024.0)?;
        }
        if let Some(us) = self.server_cpu_us_per_step {
            write!(f, "; server CPU {us:.1} µs per answer")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread::{self, JoinHandle};

    use super::*;

    /// What a lesson-3 server sends back for `request`.
    fn hello(request: &[u8]) -> Vec<u8> {
        [b"Hello, ", request, b"!"].concat()
    }

    /// Every request's answer reads back to its number.
    #[test]
    fn answers_read_back_to_their_request() {
        for seq in [0, 1, 9, 10, 42, 1_000_000, u64::MAX] {
            let answer = hello(request(seq).as_bytes());
            assert_eq!(parse_reply(&answer), Some(seq), "{seq}");
        }
    }

    /// Anything but an answer to a request of ours is refused: other
    /// spellings of a number, other greetings, an error, and every piece
    /// of a whole answer.
    #[test]
    fn what_is_not_an_answer_is_refused() {
        for datagram in [
            &b""[..],
            b"Hello, !",
            b"Hello, 1",
            b"hello, 1!",
            b"Hello,1!",
            b"Hello, +1!",
            b"Hello, -1!",
            b"Hello, 01!",
            b"Hello, 00!",
            b"Hello,  1!",
            b"Hello, 1 !",
            b"Hello, 1!!",
            b"Hello, 1!\n",
            b"Hello, Ada!",
            b"Hello, \xff!",
            b"Hello, 18446744073709551616!", // u64::MAX + 1
            b"error: a 1025-byte message is over the 1024-byte limit",
        ] {
            assert_eq!(parse_reply(datagram), None, "{datagram:?}");
        }
        let whole = b"Hello, 1234!";
        for len in 0..whole.len() {
            assert_eq!(parse_reply(&whole[..len]), None, "{len}");
        }
    }

    /// Arbitrary bytes never panic the parser, and whatever it takes is
    /// exactly the answer to the number it returns.
    #[test]
    fn arbitrary_bytes_never_panic_the_parser() {
        // xorshift64: the same bytes every run.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"Hello, !0123456789+-\xff\x00";
        let mut taken = 0;
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut datagram: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            if next() % 2 == 0 {
                // Half start as an answer would, to get past the prefix.
                datagram.splice(0..0, b"Hello, ".iter().copied());
                datagram.push(b'!');
            }
            if let Some(seq) = parse_reply(&datagram) {
                assert_eq!(datagram, hello(request(seq).as_bytes()));
                taken += 1;
            }
        }
        assert!(taken > 0, "no answer was generated: a vacuous test");
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// An answer within `loss_after` is counted with its latency and
    /// frees its slot; a second answer to it is unexpected, as are an
    /// answer to a request never sent and a datagram that answers
    /// nothing.
    #[test]
    fn an_answer_in_time_counts_once() {
        let t0 = Instant::now();
        let mut window = Window::new(ms(100));
        assert_eq!(window.send(t0), 0);
        assert_eq!(window.send(t0 + ms(1)), 1);
        window.receive(Some(1), t0 + ms(5));
        assert_eq!(window.outstanding(), 1);
        window.receive(Some(1), t0 + ms(6)); // duplicate
        window.receive(Some(2), t0 + ms(6)); // never sent
        window.receive(None, t0 + ms(6)); // not an answer
        assert_eq!(window.answered, 1);
        assert_eq!(window.latencies.count(), 1);
        assert_eq!(window.latencies.percentile(100), Some(ms(4)));
        assert_eq!(window.unexpected, 3);
        assert_eq!((window.lost, window.late), (0, 0));
    }

    /// Requests with no answer after `loss_after` are lost, oldest first,
    /// and their slots freed; the first answer to one afterwards is late,
    /// a second unexpected.
    #[test]
    fn unanswered_requests_are_lost_and_their_answers_late() {
        let t0 = Instant::now();
        let mut window = Window::new(ms(100));
        for at in [0, 10, 20] {
            window.send(t0 + ms(at));
        }
        assert_eq!(window.next_loss(), Some(t0 + ms(100)));
        window.expire(t0 + ms(99));
        assert_eq!(window.lost, 0);
        window.expire(t0 + ms(110)); // 0 and 1 are lost, 2 is not yet
        assert_eq!(window.lost, 2);
        assert_eq!(window.outstanding(), 1);
        assert_eq!(window.next_loss(), Some(t0 + ms(120)));
        window.receive(Some(0), t0 + ms(111));
        window.receive(Some(0), t0 + ms(112));
        assert_eq!((window.late, window.unexpected), (1, 1));
        assert_eq!(window.answered, 0);
    }

    /// An answer that comes past `loss_after`, before the bench noticed
    /// the loss, is lost and late all the same: what counts is when it
    /// came.
    #[test]
    fn an_answer_past_its_time_is_late_even_before_expiry() {
        let t0 = Instant::now();
        let mut window = Window::new(ms(100));
        window.send(t0);
        window.receive(Some(0), t0 + ms(100));
        assert_eq!((window.answered, window.lost, window.late), (0, 1, 1));
        assert_eq!(window.outstanding(), 0);
        window.receive(Some(0), t0 + ms(101));
        assert_eq!((window.late, window.unexpected), (1, 1));
    }

    /// The bit set holds numbers far apart, and clearing one never set
    /// grows nothing.
    #[test]
    fn bits_hold_far_numbers() {
        let mut bits = Bits::default();
        bits.set(1_000_000, false);
        assert!(bits.words.is_empty());
        for n in [0, 63, 64, 1_000_000] {
            bits.set(n, true);
        }
        assert!(bits.get(63) && bits.get(64) && bits.get(1_000_000));
        assert!(!bits.get(1) && !bits.get(999_999) && !bits.get(u64::MAX));
        bits.set(64, false);
        assert!(!bits.get(64) && bits.get(63));
    }

    fn report(answered: u64, latency: Option<Summary>) -> Report {
        Report {
            in_flight: 32,
            loss_after_ms: 200,
            duration_s: 2.0,
            sent: answered + 2,
            answered,
            lost: 2,
            late: 1,
            unexpected: 0,
            per_s: answered as f64 / 2.0,
            latency,
            server_peak_rss_kib: None,
            server_cpu_us_per_step: None,
        }
    }

    /// The JSON line has the stable keys in order, with `null` for what
    /// was not measured and no latency fields when nothing was answered;
    /// it reads back to the same report.
    #[test]
    fn json_has_the_stable_keys() {
        let none = serde_json::to_string(&report(0, None)).unwrap();
        assert_eq!(
            none,
            "{\"mode\":\"udp-chat\",\"in_flight\":32,\"loss_after_ms\":200,\
             \"duration_s\":2.0,\"sent\":2,\"answered\":0,\"lost\":2,\
             \"late\":1,\"unexpected\":0,\"per_s\":0.0,\
             \"server_peak_rss_kib\":null,\"server_cpu_us_per_step\":null}"
        );
        let mut sample = Latencies::default();
        sample.record(ms(1));
        sample.record(ms(2));
        let mut some = report(3, sample.summary());
        some.server_peak_rss_kib = Some(2048);
        some.server_cpu_us_per_step = Some(10.0);
        let line = serde_json::to_string(&some).unwrap();
        assert!(line.contains("\"per_s\":1.5,\"p50_ms\":1.0,"), "{line}");
        assert!(
            line.ends_with(
                "\"server_peak_rss_kib\":2048,\"server_cpu_us_per_step\":10.0}"
            ),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<Report>(&line).unwrap(), some);
        let none: Report = serde_json::from_str(&none).unwrap();
        assert_eq!(none.latency, None);
        let text = some.to_string();
        assert!(text.contains("3 of 5 answered, 2 per s"), "{text}");
    }

    /// A stand-in for lesson 3's server, on a thread: each datagram gets
    /// what `answer` returns for it (given its count from 1), until the
    /// server is dropped.
    struct Echo {
        addr: SocketAddr,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    /// The longest the stand-in waits for a datagram: a backstop, as
    /// dropping it wakes it at once.
    const ECHO_IDLE: Duration = Duration::from_secs(5);

    impl Echo {
        fn start(
            mut answer: impl FnMut(u64, &[u8]) -> Vec<Vec<u8>> + Send + 'static,
        ) -> Echo {
            // Bound before the thread starts: the bench can send at once.
            let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
            socket.set_read_timeout(Some(ECHO_IDLE)).unwrap();
            let addr = socket.local_addr().unwrap();
            let stop = Arc::new(AtomicBool::new(false));
            let stopping = Arc::clone(&stop);
            let thread = thread::spawn(move || {
                let mut buf = [0; RECV_SIZE];
                let mut count = 0;
                while let Ok((len, from)) = socket.recv_from(&mut buf) {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    count += 1;
                    for reply in answer(count, &buf[..len]) {
                        let _ = socket.send_to(&reply, from);
                    }
                }
            });
            Echo {
                addr,
                stop,
                thread: Some(thread),
            }
        }
    }

    impl Drop for Echo {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Nothing interrupts a blocking recv_from: a datagram wakes it.
            if let Ok(waker) = UdpSocket::bind("127.0.0.1:0") {
                let _ = waker.send_to(b"", self.addr);
            }
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn options(addr: SocketAddr, in_flight: usize) -> Options {
        Options {
            addr,
            in_flight,
            duration: Duration::from_secs(1),
            loss_after: Duration::from_secs(2),
            server_pid: None,
        }
    }

    /// Runs the bench on a thread, and fails the test if it has not
    /// ended long after it should have: a hang is a failure, not a wait.
    fn run_bounded(options: Options) -> anyhow::Result<Report> {
        let limit = options.duration + options.loss_after + ECHO_IDLE;
        let (tx, rx) = crossbeam_channel::bounded(1);
        thread::spawn(move || {
            let _ = tx.send(run(&options));
        });
        rx.recv_timeout(limit).expect("the run did not end")
    }

    /// Against a server that answers everything, with room for any
    /// delay: every request sent is answered, and the rate is the
    /// answers over the window.
    #[test]
    fn an_echo_server_answers_every_request() {
        let echo = Echo::start(|_, request| vec![hello(request)]);
        let report = run_bounded(options(echo.addr, 8)).unwrap();
        assert!(report.answered > 0, "{report}");
        assert_eq!(report.lost, 0, "{report}");
        assert_eq!(report.sent, report.answered, "{report}");
        assert_eq!((report.late, report.unexpected), (0, 0), "{report}");
        assert!(report.latency.is_some(), "{report}");
        let per_s = report.answered as f64 / report.duration_s;
        assert!((report.per_s - per_s).abs() < 1e-9, "{report}");
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(&format!("\"per_s\":{per_s}")), "{json}");
    }

    /// Against a server that drops every third datagram, those requests
    /// are lost, their slots are refilled (more are sent than fit in the
    /// window), and the run ends with every request answered or lost.
    #[test]
    fn dropped_requests_are_lost_and_replaced() {
        let echo = Echo::start(|count, request| {
            if count % 3 == 0 {
                vec![]
            } else {
                vec![hello(request)]
            }
        });
        let options = Options {
            loss_after: ms(200),
            ..options(echo.addr, 8)
        };
        let report = run_bounded(options).unwrap();
        assert!(report.lost > 0 && report.answered > 0, "{report}");
        assert!(report.lost >= report.sent / 3, "{report}");
        assert!(report.sent > 8, "slots were refilled: {report}");
        assert_eq!(report.sent, report.answered + report.lost, "{report}");
    }

    /// Against a server that answers twice, the second answers are
    /// unexpected, not answers.
    #[test]
    fn second_answers_are_unexpected() {
        let echo = Echo::start(|_, request| vec![hello(request); 2]);
        let report = run_bounded(options(echo.addr, 8)).unwrap();
        assert!(report.answered > 0 && report.unexpected > 0, "{report}");
        assert!(report.unexpected <= report.answered, "{report}");
        assert_eq!(report.sent, report.answered + report.lost, "{report}");
    }

    /// With no server on the port, the kernel's "port unreachable" ends
    /// the run with an error that says to start the server.
    #[test]
    fn no_server_is_an_error_naming_the_fix() {
        let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = closed.local_addr().unwrap();
        drop(closed); // nothing listens there now
        let err = run_bounded(options(addr, 8)).unwrap_err();
        assert!(err.to_string().contains("start the server"), "{err}");
    }

    /// Options the bench cannot honour are refused before any traffic.
    #[test]
    fn impossible_options_are_refused() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 9));
        for bad in [
            options(addr, 0),
            options(addr, MAX_IN_FLIGHT + 1),
            Options {
                loss_after: Duration::ZERO,
                ..options(addr, 1)
            },
            Options {
                duration: Duration::ZERO,
                ..options(addr, 1)
            },
            options(SocketAddr::from(([192, 0, 2, 1], 9)), 1),
        ] {
            assert!(check(&bad).is_err(), "{bad:?}");
        }
    }
}
