//! Lesson 3's hello echo under load: how many datagrams the server
//! answers per second with a window of requests in flight, how long each
//! answer takes, and how many never come back.
//!
//! One connected UDP socket sends the requests `0`, `1`, `2`, ... (as the
//! original client does) and takes as answers only `Hello, 0!` and so on,
//! byte for byte ([`parse_reply`]: the lesson's judge shares no code with
//! it). Up to `in_flight` requests are outstanding; each answer frees a
//! slot for the next. A request with no answer `loss_after` after it was
//! sent is lost (UDP drops without a word, from a full receive buffer
//! usually) and its slot is refilled; an answer after that is late; a
//! second answer, or a datagram that answers nothing sent, is unexpected.
//! Sending stops after `duration`, then the bench waits at most
//! `loss_after` for the rest; the rate is answers per second of
//! `duration`.
//!
//! `late` close to `lost` says the bench paused (a busy machine) and was
//! not there to read: a datagram a server dropped never comes late. A
//! window over about 256 measures the server's receive buffer too: the
//! default (208 KiB) holds about 256 requests, and while the server waits
//! for a CPU the rest are dropped (`drops` in `/proc/net/udp`).
//!
//! # Try it
//!
//! ```text
//! target/release/udp-chat server --bind 127.0.0.1:0 -q
//! target/release/netbench udp-chat --connect 127.0.0.1:PORT --in-flight 32
//! python3 crates/udp-chat/python/server.py --bind 127.0.0.1:0 2>/dev/null
//! target/release/netbench udp-chat --connect 127.0.0.1:PORT --in-flight 1
//! ```
//!
//! (The Python server logs every datagram to stderr: send it to
//! `/dev/null`, or the terminal is what gets measured.)

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use serde::{Deserialize, Serialize};
use socket2::SockRef;

use crate::MAX_SECONDS;
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

/// The receive buffer (SO_RCVBUF) the bench asks for: 1 MiB, which Linux
/// doubles (a margin of two). A datagram that arrives to a full receive
/// buffer is dropped without a word, and the default
/// (`net.core.rmem_default`, 208 KiB) holds about 256 answers: a fast
/// server answering a window of 1024 before we read any would lose most
/// of them in *our* socket, and the bench would blame the server.
pub const RECV_BUFFER: usize = MAX_IN_FLIGHT * DATAGRAM_COST;

/// The longest one `recv` waits. A deadline further off is waited for in
/// steps of it, so that the read timeout stays the same from one `recv`
/// to the next and is not set again (one more system call) before each.
const MAX_WAIT: Duration = Duration::from_millis(100);

/// What to run: the command line's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server, HOST:PORT on this machine (loopback only)
    #[arg(long = "connect", value_name = "HOST:PORT",
          value_parser = crate::loopback_addr)]
    pub addr: SocketAddr,
    /// Datagrams sent and not yet answered, at most
    #[arg(long, value_name = "N", default_value_t = 32,
          value_parser = crate::count(1..=MAX_IN_FLIGHT))]
    pub in_flight: usize,
    /// Seconds to measure
    #[arg(long, value_name = "SECS", default_value = "3",
          value_parser = crate::duration(1..=MAX_SECONDS, Duration::from_secs))]
    pub duration: Duration,
    /// Milliseconds after which an unanswered datagram counts as lost
    /// and its slot is given to a new one
    #[arg(long, value_name = "MS", default_value = "200",
          value_parser = crate::duration(1..=10_000, Duration::from_millis))]
    pub loss_after: Duration,
    /// The server's process id, to report its memory (and, in the modes
    /// that measure them, its threads and CPU time) from /proc, Linux
    #[arg(long, value_name = "PID")]
    pub server_pid: Option<u32>,
}

/// What a run measured: `--json` prints it as one line. Every request
/// sent ends answered or lost: `sent == answered + lost`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename = "udp-chat")]
pub struct Report {
    in_flight: usize,
    loss_after_ms: u64,
    /// From the first request sent to the moment sending stopped (the
    /// drain after it is not counted).
    duration_s: f64,
    sent: u64,
    /// Requests answered within `loss_after`.
    answered: u64,
    /// Requests not answered within `loss_after`.
    lost: u64,
    /// Answers that came for lost requests (at most one each).
    late: u64,
    /// Datagrams that answered nothing outstanding.
    unexpected: u64,
    /// Answered requests per second of `duration_s`.
    per_s: f64,
    #[serde(flatten)]
    latency: Option<Summary>,
    server_peak_rss_kib: Option<u64>,
    /// The server's CPU time per answered request, in µs, all threads,
    /// user and kernel (requests lost cost it something too, uncounted).
    server_cpu_us_per_step: Option<f64>,
}

/// The sequence number a datagram answers: `Hello, 42!` gives 42.
/// `None` for anything that is not the answer to one of our requests,
/// including numbers written otherwise than we write them (`+42`, `042`)
/// or too large for a `u64`. Any bytes at all may come in: nothing here
/// can panic.
pub fn parse_reply(datagram: &[u8]) -> Option<u64> {
    let digits = datagram.strip_prefix(b"Hello, ")?.strip_suffix(b"!")?;
    // Digits only (u64's parser would take a leading '+'), and no leading
    // zero but in "0" itself.
    let leading_zero = digits.len() > 1 && digits[0] == b'0';
    if leading_zero || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // All ASCII digits, so UTF-8; none, or too many, fail to parse.
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Sends requests for `duration`, keeping `in_flight` of them
/// outstanding, waits at most `loss_after` for the last ones, and
/// reports.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    // Read now: it fails early on a wrong pid, and the CPU time the
    // server used before the run is subtracted at the end.
    let before = options.server_pid.map(snapshot).transpose()?;
    let socket = open(options)?;
    let mut window = Window::new(options.loss_after);
    // Room for the longest answer a lesson-3 server sends (`Hello, `, a
    // 1024-byte message, `!`): a longer datagram would be cut to the
    // buffer without a word, and no longer one answers us anyway.
    let mut buf = vec![0; 2048];
    let mut read_timeout = None;
    let start = Instant::now();
    let send_until = start + options.duration;
    let mut stopped = None; // when sending stopped
    loop {
        let now = Instant::now();
        window.expire(now);
        if now < send_until {
            while window.in_flight.len() < options.in_flight {
                // The request is its number in decimal, as the original
                // client sends it: one `send` is one datagram, whole.
                let seq = window.send(Instant::now());
                let request = seq.to_string();
                while let Err(err) = socket.send(request.as_bytes()) {
                    if err.kind() != io::ErrorKind::Interrupted {
                        return Err(failed(err, options, &window, "sending"));
                    }
                }
            }
        } else if stopped.is_none() {
            stopped = Some(now);
        }
        if stopped.is_some() && window.in_flight.is_empty() {
            break;
        }
        // Wake up for the next deadline: the oldest request's loss, or
        // the end of sending.
        let mut deadline = window.next_loss().unwrap_or(now + MAX_WAIT);
        if stopped.is_none() {
            deadline = deadline.min(send_until);
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        let wait = wait.min(MAX_WAIT);
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
            // One recv is one datagram, whole.
            Ok(len) => {
                let at = Instant::now();
                window.receive(buf.get(..len).and_then(parse_reply), at);
            }
            Err(err) if netkit::is_timeout(&err) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(failed(err, options, &window, "receiving")),
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

/// A UDP socket on the server's loopback address, with room for a
/// window of answers, connected to the server.
fn open(options: &Options) -> anyhow::Result<UdpSocket> {
    let addr = options.addr;
    let socket = UdpSocket::bind((addr.ip(), 0))?; // any free port
    // Read back, the size is what Linux granted (capped at rmem_max,
    // then doubled), the limit the queued datagrams' truesize is held to.
    let sock = SockRef::from(&socket);
    sock.set_recv_buffer_size(RECV_BUFFER)?;
    let granted = sock.recv_buffer_size()?;
    if granted < options.in_flight * DATAGRAM_COST {
        eprintln!(
            "netbench: warning: the kernel gave the socket {granted} bytes \
             of receive buffer, room for about {} answers; with {} in \
             flight some may be dropped here and counted lost. Raise the \
             cap: sysctl -w net.core.rmem_max={RECV_BUFFER}",
            granted / DATAGRAM_COST,
            options.in_flight
        );
    }
    // A connected UDP socket receives only the server's datagrams (the
    // kernel drops the rest), and hears of an ICMP "port unreachable"
    // for what it sent: the next send or recv fails ECONNREFUSED.
    socket
        .connect(addr)
        .with_context(|| format!("connecting a UDP socket to {addr}"))?;
    // On loopback a UDP send never waits (the datagram leaves our send
    // buffer as it is handed to the receiver); a timeout all the same,
    // so that no wait is forever.
    socket.set_write_timeout(Some(Duration::from_secs(1)))?;
    Ok(socket)
}

/// The error for a failed send or receive. ECONNREFUSED is the kernel
/// passing on an ICMP "port unreachable": nothing listens there.
fn failed(
    err: io::Error,
    options: &Options,
    window: &Window,
    doing: &str,
) -> anyhow::Error {
    if err.kind() != io::ErrorKind::ConnectionRefused {
        return anyhow::Error::new(err).context(format!("{doing} a datagram"));
    }
    anyhow!(
        "no server at {} after {} answers (the kernel answered \"port \
         unreachable\"); start it, e.g. `udp-chat server --bind \
         127.0.0.1:0 -q`, and pass the address it prints",
        options.addr,
        window.answered
    )
}

/// The requests in flight, and the count of what became of the others.
/// No I/O: times are passed in.
#[derive(Default)]
struct Window {
    loss_after: Duration,
    /// Sent and not yet answered or lost: sequence number → send time.
    /// Numbers grow with send time, so the first entry is the oldest.
    in_flight: BTreeMap<u64, Instant>,
    /// Requests lost whose answer has not come (yet): the first answer
    /// to one is late, a second unexpected.
    unheard: HashSet<u64>,
    /// The next request's number; every lower one has been sent.
    next_seq: u64,
    answered: u64,
    lost: u64,
    late: u64,
    unexpected: u64,
    latencies: Latencies,
}

impl Window {
    fn new(loss_after: Duration) -> Window {
        Window {
            loss_after,
            ..Window::default()
        }
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
            self.unheard.insert(seq);
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
        } else if self.unheard.remove(&seq) {
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

/// The summary for a person (`--json` prints the figures for a script):
///
/// ```text
/// udp-chat: 32 in flight for 3.0 s: 412345 of 412377 answered, 137448
/// per s; latency p50 0.210 ms, p99 0.512 ms, max 3.100 ms; lost 32
/// after 200 ms, 5 late, 3 unexpected; server CPU 4.7 µs per answer
/// ```
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "udp-chat: {} in flight for {:.1} s: {} of {} answered, {:.0} \
             per s; {}; lost {} after {} ms, {} late, {} unexpected",
            self.in_flight,
            self.duration_s,
            self.answered,
            self.sent,
            self.per_s,
            self.latency
                .map_or("no latency".to_owned(), |l| l.to_string()),
            self.lost,
            self.loss_after_ms,
            self.late,
            self.unexpected
        )?;
        if let Some(us) = self.server_cpu_us_per_step {
            write!(f, "; server CPU {us:.1} µs per answer")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use netkit::Log;
    use netkit::testing::TestServer;
    use netkit::udp::serve_datagrams;

    use super::*;

    /// What a lesson-3 server sends back for `request`.
    fn hello(request: &[u8]) -> Vec<u8> {
        [b"Hello, ", request, b"!"].concat()
    }

    /// Every request's answer reads back to its number; anything else is
    /// refused: other spellings of a number, other greetings, an error,
    /// and every prefix of a whole answer.
    #[test]
    fn only_answers_to_our_requests_are_read() {
        for seq in [0, 1, 9, 10, 42, 1_000_000, u64::MAX] {
            let answer = hello(seq.to_string().as_bytes());
            assert_eq!(parse_reply(&answer), Some(seq), "{seq}");
        }
        for datagram in [
            &b"Hello, !"[..],
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
        assert_eq!(window.in_flight.len(), 1);
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
    /// a second unexpected. An answer that comes past `loss_after`,
    /// before the bench noticed the loss, is lost and late all the same.
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
        assert_eq!(window.in_flight.len(), 1);
        assert_eq!(window.next_loss(), Some(t0 + ms(120)));
        window.receive(Some(0), t0 + ms(111));
        window.receive(Some(0), t0 + ms(112));
        assert_eq!((window.late, window.unexpected), (1, 1));
        window.receive(Some(2), t0 + ms(120)); // not yet expired
        assert_eq!((window.answered, window.lost, window.late), (0, 3, 2));
        assert!(window.in_flight.is_empty());
        window.receive(Some(2), t0 + ms(121));
        assert_eq!(window.unexpected, 2);
    }

    /// The JSON line has the keys the suite reads, in order, with `null`
    /// for what was not measured and no latency fields when nothing was
    /// answered; with latencies, it reads back the same.
    #[test]
    fn json_has_the_stable_keys() {
        let options = options(SocketAddr::from(([127, 0, 0, 1], 9)), 32);
        let mut report = Window::new(options.loss_after)
            .report(&options, Duration::from_secs(2));
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            "{\"mode\":\"udp-chat\",\"in_flight\":32,\"loss_after_ms\":2000,\
             \"duration_s\":2.0,\"sent\":0,\"answered\":0,\"lost\":0,\
             \"late\":0,\"unexpected\":0,\"per_s\":0.0,\
             \"server_peak_rss_kib\":null,\"server_cpu_us_per_step\":null}"
        );
        let mut sample = Latencies::default();
        sample.record(ms(1));
        report.latency = sample.summary();
        let line = serde_json::to_string(&report).unwrap();
        assert!(line.contains("\"per_s\":0.0,\"p50_ms\":1.0,"), "{line}");
        assert_eq!(serde_json::from_str::<Report>(&line).unwrap(), report);
    }

    /// A stand-in for lesson 3's server: each datagram gets what `answer`
    /// returns for it (given its count from 1), if anything.
    fn echo(
        mut answer: impl FnMut(u64, &[u8]) -> Option<Vec<u8>> + Send + 'static,
    ) -> TestServer<()> {
        TestServer::start_udp(move |socket, stop| {
            let mut count = 0;
            let _ =
                serve_datagrams(&socket, &stop, &Log::to(|_| {}), |r, _| {
                    count += 1;
                    answer(count, r)
                });
        })
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
        let limit = options.duration + options.loss_after * 3;
        let (tx, rx) = crossbeam_channel::bounded(1);
        thread::spawn(move || {
            let _ = tx.send(run(&options));
        });
        rx.recv_timeout(limit).expect("the run did not end")
    }

    /// Against a server that answers everything, with room for any
    /// delay: every request sent is answered.
    #[test]
    fn an_echo_server_answers_every_request() {
        let echo = echo(|_, request| Some(hello(request)));
        let report = run_bounded(options(echo.addr(), 8)).unwrap();
        assert!(report.answered > 0, "{report}");
        assert_eq!(report.sent, report.answered, "{report}");
        assert_eq!((report.late, report.unexpected), (0, 0), "{report}");
        assert!(report.latency.is_some(), "{report}");
    }

    /// Against a server that drops every third datagram, those requests
    /// are lost, their slots are refilled (more are sent than fit in the
    /// window), and the run ends with every request answered or lost.
    #[test]
    fn dropped_requests_are_lost_and_replaced() {
        let echo =
            echo(|count, request| (count % 3 != 0).then(|| hello(request)));
        let options = Options {
            loss_after: ms(200),
            ..options(echo.addr(), 8)
        };
        let report = run_bounded(options).unwrap();
        assert!(report.lost > 0 && report.answered > 0, "{report}");
        assert!(report.lost >= report.sent / 3, "{report}");
        assert!(report.sent > 8, "slots were refilled: {report}");
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
        let err = err.to_string();
        assert!(err.contains("no server at") && err.contains("start it"));
    }
}
