//! The chat room's delivery latency (lesson 5): how long a message from
//! one user takes to reach every other, and what one user who never reads
//! does to that.
//!
//! `clients` users log in: receivers, then one sender. The sender sends
//! message 0, waits until every receiver has read it (or `timeout` has
//! passed), then sends message 1, and so on: one message in flight at a
//! time, so each figure is the room's delivery time and not a queue the
//! bench built up itself. A message's latency at one receiver is the time
//! from the sender's write to the end of the read that completed the
//! message there; every (message, receiver) pair is one value in the
//! sample. A pair not read within `timeout` is lost.
//!
//! With `stalled`, one more user logs in last and then never reads, with
//! a small receive buffer so that its socket fills fast. Our server cuts
//! such a user once its outbox stays full, and says so to the others
//! (`* bench-stalled was disconnected: ...`); the report says when. The
//! original's server waits for it forever instead: no receiver hears
//! anything more, and after [`STALL_LIMIT`] such messages in a row the
//! bench stops and reports where the room stopped.
//!
//! # Try it
//!
//! ```text
//! target/release/chat-room server --lines --bind 127.0.0.1:0 2>server.log
//! target/release/netbench chat-room --connect 127.0.0.1:PORT --stalled
//! python3 crates/chat-room/python/server.py --bind 127.0.0.1:0
//! target/release/netbench chat-room --connect 127.0.0.1:PORT \
//!     --framing raw --clients 50
//! ```

pub mod wire;

use std::collections::BTreeSet;
use std::io::Write;
use std::net::{Shutdown as Half, SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use std::{fmt, mem};

use anyhow::{Context, bail};
use crossbeam_channel::{Receiver, Sender};
use netkit::{NetError, Received, recv_some};
use serde::{Deserialize, Serialize};

use crate::process::peak_rss_kib;
use crate::soak::faults::connect_with_recv_buffer;
use crate::stats::{Latencies, Summary, millis};
use wire::{Answer, Framing, Heard, Inbox};

/// The issue's room: 200 users, one talking.
pub const DEFAULT_CLIENTS: usize = 200;
/// Below the Rust server's default cap of 512 connections, with room for
/// the stalled client.
pub const MAX_CLIENTS: usize = 500;

/// Enough messages that a stalled client is cut during the run: before
/// our server's 256-message outbox for it fills, the kernel's send buffer
/// for its socket fills, and Linux grows that one up to `tcp_wmem`'s
/// maximum (4 MiB by default). 5000 of [`DEFAULT_SIZE`] are 4.7 MB.
pub const DEFAULT_MESSAGES: u64 = 5000;
/// A bound on what may be asked for; the run itself also stops at
/// [`RUN_LIMIT`], whichever comes first.
pub const MAX_MESSAGES: u64 = 20_000;

/// Bytes of text per message: a long chat line, so that a client that
/// stops reading fills its buffers within a short run.
pub const DEFAULT_SIZE: usize = 900;
/// Room for the longest mark (`m19999.`) and some padding.
pub const MIN_SIZE: usize = 16;
/// The chat room's longest message is 1024 bytes (the original's
/// `recv(1024)`), and the original's server takes one read as one
/// message: stay under it, with room for the newline.
pub const MAX_SIZE: usize = 1000;

/// The whole run, logins included, stops after this long. Our server
/// closes a connection that has sent nothing for 60 s, and receivers send
/// nothing after their name: a longer run would measure that instead.
pub const RUN_LIMIT: Duration = Duration::from_secs(50);

/// After this many messages in a row that reached no receiver at all, the
/// server has stopped passing messages on (the original's, blocked on the
/// stalled client): the run ends there.
pub const STALL_LIMIT: u32 = 3;

/// How long a client waits for the answer to its name: a server that
/// has not answered in 5 s is not going to.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The sender's name. No bench name holds an `m` (see [`wire`]).
pub const SENDER_NAME: &str = "bench-sender";
/// The name of the user who never reads.
pub const STALLED_NAME: &str = "bench-stalled";

fn receiver_name(index: usize) -> String {
    format!("bench-r{index}")
}

/// What to run: the command line's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server, HOST:PORT on this machine (loopback only)
    #[arg(long = "connect", value_name = "HOST:PORT",
          value_parser = crate::loopback_addr)]
    pub addr: SocketAddr,
    /// Users who log in: one sender, the others receivers
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CLIENTS,
          value_parser = crate::count(2..=MAX_CLIENTS))]
    pub clients: usize,
    /// Messages to send, one at a time: the next leaves once every
    /// receiver has read the last, or its timeout has passed
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MESSAGES,
          value_parser = clap::value_parser!(u64).range(1..=MAX_MESSAGES))]
    pub messages: u64,
    /// Bytes of text in each message (padding, then its number)
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_SIZE,
          value_parser = crate::count(MIN_SIZE..=MAX_SIZE))]
    pub size: usize,
    /// How the server frames what it sends: lines (the Rust server) or
    /// raw (the original's, as the Python port speaks it)
    #[arg(long, value_enum, default_value_t = Framing::Lines)]
    pub framing: Framing,
    /// Add one more user, who logs in and then never reads
    #[arg(long)]
    pub stalled: bool,
    /// Seconds a message may take to reach a receiver before it counts
    /// as lost
    #[arg(long, value_name = "SECS", default_value = "2",
          value_parser = crate::duration(1..=30, Duration::from_secs))]
    pub timeout: Duration,
    /// The server's process id, to report its memory (and, in the modes
    /// that measure them, its threads and CPU time) from /proc, Linux
    #[arg(long, value_name = "PID")]
    pub server_pid: Option<u32>,
}

/// How the measurement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// Every message was sent.
    Done,
    /// The server stopped passing messages on.
    Stalled,
    /// [`RUN_LIMIT`] ran out.
    TimeLimit,
}

/// What a run measured: `--json` prints it as one line; a figure not
/// measured is `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename = "chat-room")]
pub struct Report {
    framing: Framing,
    clients: usize,
    /// Everyone but the sender.
    receivers: u64,
    stalled: bool,
    size: usize,
    messages: u64,
    /// Messages actually sent.
    sent: u64,
    /// (message, receiver) pairs read within the timeout.
    delivered: u64,
    /// Pairs not read within the timeout.
    lost: u64,
    /// Reads of a message that came after its timeout.
    late: u64,
    #[serde(flatten)]
    latency: Option<Summary>,
    ending: Ending,
    /// With `ending` stalled: the first message that reached nobody.
    stalled_at_message: Option<u64>,
    /// Whether the server cut the stalled user; `null` without one, or
    /// when the server has no notices to say so (the original's).
    cut: Option<bool>,
    /// When the receivers heard of the cut, since the first message.
    cut_after_ms: Option<f64>,
    /// The message in flight then.
    cut_at_message: Option<u64>,
    /// Other bench users the server cut: receivers too slow for it.
    others_cut: u64,
    /// Receivers whose connection ended during the run.
    receivers_closed: u64,
    server_peak_rss_kib: Option<u64>,
    /// From the first message sent to the end of the last wait.
    seconds: f64,
}

/// Logs the users in, sends the messages, and reports.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    if let Some(pid) = options.server_pid {
        peak_rss_kib(pid)?; // fail now, not after the run
    }
    let run_until = Instant::now() + RUN_LIMIT;
    let receivers = options.clients - 1;
    let mut room = Room::new();
    for index in 0..receivers {
        if Instant::now() > run_until {
            bail!(
                "logging in took over {RUN_LIMIT:?} ({index} of {receivers} \
                 receivers); is the server overloaded?"
            );
        }
        room.add_reader(options, &receiver_name(index))?;
    }
    // The sender reads too (notices), so that it never becomes a slow
    // client itself; whatever it hears carries no bench message.
    let sender = room.add_reader(options, SENDER_NAME)?;
    // Each message leaves in its own segment at once: without NODELAY,
    // Nagle's algorithm holds a small write back until the previous one
    // is acknowledged, and the server delays that acknowledgement.
    sender.set_nodelay(true)?;
    sender.set_write_timeout(Some(options.timeout))?;
    // The user who never reads after its login, its socket kept open to
    // the end. Its receive buffer (SO_RCVBUF, which Linux doubles) is
    // small, so that its window closes after a few messages and the
    // server's side fills next.
    let _stalled = if options.stalled {
        let stream = open(options.addr, Some(4096))?;
        log_in(&stream, STALLED_NAME, options.framing)?;
        Some(stream)
    } else {
        None
    };
    eprintln!(
        "netbench: {} users logged in; sending {} messages",
        options.clients + usize::from(options.stalled),
        options.messages
    );
    let mut tally =
        measure(options, &sender, &room.events, receivers, run_until)?;
    // Notices that came in after the last wait.
    for event in room.events.try_iter() {
        tally.hear(event, options.messages);
    }
    let server_peak_rss_kib = match options.server_pid {
        Some(pid) => Some(peak_rss_kib(pid)?),
        None => None,
    };
    Ok(tally.report(options, server_peak_rss_kib))
}

/// What the receivers tell the bench.
#[derive(Debug)]
enum Event {
    /// Receiver `member` read something, at `at`.
    Heard {
        member: usize,
        heard: Heard,
        at: Instant,
    },
    /// Receiver `member`'s connection ended.
    Closed { member: usize },
}

/// The users who read, each with a thread, and what they hear.
struct Room {
    /// A handle on each socket, to shut it down at the end.
    streams: Vec<TcpStream>,
    readers: Vec<JoinHandle<()>>,
    heard: Sender<Event>,
    events: Receiver<Event>,
}

impl Room {
    fn new() -> Room {
        // The bench reads events all the time, so this is never near full.
        let (heard, events) = crossbeam_channel::bounded(64 * 1024);
        Room {
            streams: Vec::new(),
            readers: Vec::new(),
            heard,
            events,
        }
    }

    /// Logs `name` in and starts its reader thread; returns the socket.
    fn add_reader(
        &mut self,
        options: &Options,
        name: &str,
    ) -> anyhow::Result<TcpStream> {
        let stream = open(options.addr, None)?;
        let early = log_in(&stream, name, options.framing)?;
        // A backstop: the bench shuts every socket down when it ends.
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let member = self.readers.len();
        let reader = {
            let (stream, heard) = (stream.try_clone()?, self.heard.clone());
            let framing = options.framing;
            thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || listen(member, stream, framing, early, heard))?
        };
        self.readers.push(reader);
        self.streams.push(stream.try_clone()?);
        Ok(stream)
    }
}

impl Drop for Room {
    /// Ends every reader, on success and on error alike.
    fn drop(&mut self) {
        // A reader may wait to hand over what it heard: dropping the
        // receiving end makes that wait fail at once.
        drop(mem::replace(&mut self.events, crossbeam_channel::never()));
        for stream in &self.streams {
            // A read blocked on this socket returns 0 bytes at once.
            let _ = stream.shutdown(Half::Both);
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

/// A receiver's thread: reads until the connection ends, and tells the
/// bench when each message arrived and what notices mattered.
fn listen(
    member: usize,
    mut stream: TcpStream,
    framing: Framing,
    early: Vec<u8>,
    events: Sender<Event>,
) {
    let mut inbox = Inbox::new(framing);
    let mut heard = Vec::new();
    let mut at = Instant::now();
    inbox.push(&early, &mut heard); // what came with the login's answer
    // One read takes whatever is waiting: many messages, maybe.
    let mut buf = vec![0; 64 * 1024];
    loop {
        for heard in heard.drain(..) {
            if events.send(Event::Heard { member, heard, at }).is_err() {
                return; // the bench has ended
            }
        }
        // Closed or failed: the server closed, or the bench shut us down.
        let Ok(Received::Data(bytes)) = recv_some(&mut stream, &mut buf) else {
            break;
        };
        // The time of the read, before any parsing: the message is here.
        at = Instant::now();
        inbox.push(bytes, &mut heard);
    }
    let _ = events.send(Event::Closed { member });
}

/// Connects to `addr`, with a receive buffer of `buffer` bytes if given.
fn open(addr: SocketAddr, buffer: Option<usize>) -> anyhow::Result<TcpStream> {
    connect_with_recv_buffer(addr, buffer)
        .map_err(|err| NetError::Connect(addr, err).into())
}

/// Sends `name` and waits for `success`; returns the bytes that came
/// after it (notices, with our server).
fn log_in(
    mut stream: &TcpStream,
    name: &str,
    framing: Framing,
) -> anyhow::Result<Vec<u8>> {
    stream.set_read_timeout(Some(LOGIN_TIMEOUT))?;
    stream.write_all(&wire::login_bytes(name, framing))?;
    let mut got = Vec::new();
    let mut buf = [0; 1024];
    loop {
        match recv_some(&mut stream, &mut buf) {
            Ok(Received::Data(bytes)) => got.extend_from_slice(bytes),
            Ok(Received::Closed) => bail!(
                "the server closed {name}'s connection at login; is it a \
                 chat-room server, with room for {name}?"
            ),
            // A bare "success" and then silence: an original server,
            // which never sends the newline `Lines` waits for.
            Err(err) if netkit::is_timeout(&err) && got == b"success" => {
                bail!(
                    "the server answered {name}'s login with a bare \
                     \"success\", as the original does; pass --framing raw"
                )
            }
            Err(err) if netkit::is_timeout(&err) => bail!(
                "no answer to {name}'s login within {LOGIN_TIMEOUT:?} (got \
                 {:?}); is it a chat-room server?",
                String::from_utf8_lossy(&got)
            ),
            Err(err) => {
                return Err(err).context(format!("logging {name} in"));
            }
        }
        match wire::read_answer(&got, framing) {
            Answer::Success(rest) => return Ok(rest),
            Answer::NeedMore => {}
            Answer::Refused(text) => bail!(
                "the server refused {name}: {text:?}; is another netbench \
                 running against it, or is --framing wrong?"
            ),
        }
    }
}

/// The sender's loop: one message, wait for every receiver, the next.
fn measure(
    options: &Options,
    mut sender: &TcpStream,
    events: &Receiver<Event>,
    receivers: usize,
    run_until: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::new(receivers);
    let mut silent = 0; // messages in a row that reached nobody
    for seq in 0..options.messages {
        if Instant::now() > run_until {
            tally.ending = Ending::TimeLimit;
            break;
        }
        let message = wire::encode(seq, options.size, options.framing);
        let sent_at = Instant::now();
        match sender.write_all(&message) {
            Ok(()) => tally.sent += 1,
            // The server has stopped reading from the sender.
            Err(err) if netkit::is_timeout(&err) => {
                tally.stalled(seq);
                break;
            }
            Err(err) => {
                return Err(err).context(format!(
                    "sending message {seq}: the server closed the sender's \
                     connection"
                ));
            }
        }
        let delivered = tally.wait_for(seq, sent_at, options.timeout, events);
        if tally.open_receivers == 0 {
            bail!("every receiver's connection closed by message {seq}");
        }
        silent = if delivered == 0 { silent + 1 } else { 0 };
        if silent == STALL_LIMIT {
            tally.stalled(seq + 1 - u64::from(STALL_LIMIT));
            break;
        }
    }
    tally.elapsed = tally.start.elapsed();
    Ok(tally)
}

/// What the sender's loop has counted so far.
struct Tally {
    start: Instant,
    /// Per receiver: the last message it read, to count each pair once.
    last: Vec<Option<u64>>,
    /// Per receiver: whether its connection is still open.
    open: Vec<bool>,
    open_receivers: usize,
    latencies: Latencies,
    sent: u64,
    late: u64,
    /// When the stalled user's cut was heard, since `start`, and the
    /// message in flight then.
    cut: Option<(Duration, u64)>,
    others_cut: BTreeSet<String>,
    ending: Ending,
    stalled_at_message: Option<u64>,
    elapsed: Duration,
}

impl Tally {
    fn new(receivers: usize) -> Tally {
        Tally {
            start: Instant::now(),
            last: vec![None; receivers],
            open: vec![true; receivers],
            open_receivers: receivers,
            latencies: Latencies::default(),
            sent: 0,
            late: 0,
            cut: None,
            others_cut: BTreeSet::new(),
            ending: Ending::Done,
            stalled_at_message: None,
            elapsed: Duration::ZERO,
        }
    }

    /// Waits until every open receiver has read message `seq`, or until
    /// `timeout` after `sent_at`. Returns how many read it in time.
    fn wait_for(
        &mut self,
        seq: u64,
        sent_at: Instant,
        timeout: Duration,
        events: &Receiver<Event>,
    ) -> usize {
        let mut delivered = 0;
        let mut waiting = self.open_receivers;
        while waiting > 0 {
            // A timeout; or disconnected, which cannot happen while the
            // room holds a sender: no more news either way.
            let Ok(event) = events.recv_deadline(sent_at + timeout) else {
                break;
            };
            match event {
                Event::Heard {
                    member,
                    heard: Heard::Message(got),
                    at,
                } if got == seq && self.first_read(member, seq) => {
                    self.latencies
                        .record(at.saturating_duration_since(sent_at));
                    delivered += 1;
                    waiting -= 1;
                }
                Event::Closed { member } if self.close(member) => {
                    if self.last.get(member) != Some(&Some(seq)) {
                        waiting -= 1;
                    }
                }
                event => self.hear(event, seq),
            }
        }
        delivered
    }

    /// Whether this is receiver `member`'s first read of `seq` (the
    /// sender, whose member number is past the receivers', reads none).
    fn first_read(&mut self, member: usize, seq: u64) -> bool {
        match self.last.get_mut(member) {
            Some(last) if *last != Some(seq) => {
                *last = Some(seq);
                true
            }
            _ => false,
        }
    }

    /// Marks receiver `member` closed; false if it is not a receiver or
    /// was closed already.
    fn close(&mut self, member: usize) -> bool {
        match self.open.get_mut(member) {
            Some(open) if *open => {
                *open = false;
                self.open_receivers -= 1;
                true
            }
            _ => false,
        }
    }

    /// Anything else a reader heard while message `seq` was in flight.
    fn hear(&mut self, event: Event, seq: u64) {
        match event {
            Event::Heard {
                heard: Heard::Message(got),
                ..
            } if got < seq => self.late += 1,
            Event::Heard {
                heard: Heard::Cut(name),
                at,
                ..
            } => {
                if name != STALLED_NAME {
                    // Every reader hears it: count each name once.
                    self.others_cut.insert(name);
                } else if self.cut.is_none() {
                    let after = at.saturating_duration_since(self.start);
                    self.cut = Some((after, seq));
                }
            }
            Event::Closed { member } => {
                self.close(member);
            }
            Event::Heard { .. } => {}
        }
    }

    /// The server stopped passing messages on at message `seq`.
    fn stalled(&mut self, seq: u64) {
        self.ending = Ending::Stalled;
        self.stalled_at_message = Some(seq);
    }

    fn report(self, options: &Options, peak: Option<u64>) -> Report {
        let receivers = options.clients as u64 - 1;
        let delivered = self.latencies.count();
        // Whether the stalled user was cut is known only where the
        // server says so: ours, with its notices.
        let cut = match (options.stalled, self.cut, options.framing) {
            (true, Some(_), _) => Some(true),
            (true, None, Framing::Lines) => Some(false),
            _ => None,
        };
        Report {
            framing: options.framing,
            clients: options.clients,
            receivers,
            stalled: options.stalled,
            size: options.size,
            messages: options.messages,
            sent: self.sent,
            delivered,
            lost: self.sent * receivers - delivered,
            late: self.late,
            latency: self.latencies.summary(),
            ending: self.ending,
            stalled_at_message: self.stalled_at_message,
            cut,
            cut_after_ms: self.cut.map(|(after, _)| millis(after)),
            cut_at_message: self.cut.map(|(_, at_message)| at_message),
            others_cut: self.others_cut.len() as u64,
            receivers_closed: self.open.iter().filter(|open| !**open).count()
                as u64,
            server_peak_rss_kib: peak,
            seconds: self.elapsed.as_secs_f64(),
        }
    }
}

/// The one-line summary for a person:
///
/// ```text
/// chat-room (lines): 200 users + 1 stalled, 5000/5000 messages of 900 B
/// in 22.9 s; latency p50 1.821 ms, p99 6.030 ms, max 263.015 ms; lost 0
/// of 995000; stalled user cut after 15.4 s (message 3434); server peak
/// RSS 10.7 MiB
/// ```
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let framing = self.framing.name();
        write!(f, "chat-room ({framing}): {} users", self.clients)?;
        if self.stalled {
            write!(f, " + 1 stalled")?;
        }
        write!(
            f,
            ", {}/{} messages of {} B in {:.1} s; ",
            self.sent, self.messages, self.size, self.seconds
        )?;
        match &self.latency {
            Some(l) => write!(f, "{l}")?,
            None => write!(f, "no message delivered")?,
        }
        write!(f, "; lost {} of {}", self.lost, self.sent * self.receivers)?;
        if self.late > 0 {
            write!(f, " ({} came late)", self.late)?;
        }
        if let Some(at_message) = self.stalled_at_message {
            write!(
                f,
                "; the server stopped passing messages on at message \
                 {at_message} ({STALL_LIMIT} in a row reached nobody)"
            )?;
        }
        if self.ending == Ending::TimeLimit {
            write!(f, "; stopped by the {RUN_LIMIT:?} limit")?;
        }
        match (self.cut, self.cut_after_ms, self.cut_at_message) {
            (Some(true), Some(after_ms), Some(at_message)) => write!(
                f,
                "; stalled user cut after {:.1} s (message {at_message})",
                after_ms / 1000.0
            )?,
            (Some(false), ..) => write!(f, "; stalled user not cut")?,
            // No stalled user, or no notices to tell (the original's).
            _ => {}
        }
        if self.others_cut > 0 {
            write!(f, "; {} other users cut as too slow", self.others_cut)?;
        }
        if self.receivers_closed > 0 {
            write!(f, "; {} receivers closed", self.receivers_closed)?;
        }
        if let Some(kib) = self.server_peak_rss_kib {
            write!(f, "; server peak RSS {:.1} MiB", kib as f64 / 1024.0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bench's names are valid chat names and hold no `m`, so no
    /// name is ever taken for a message's mark.
    #[test]
    fn names_cannot_be_taken_for_marks() {
        let receivers = (0..MAX_CLIENTS).map(receiver_name);
        let names: Vec<String> = receivers
            .chain([SENDER_NAME.to_owned(), STALLED_NAME.to_owned()])
            .collect();
        for name in &names {
            assert!(!name.contains('m'), "{name}");
            assert!(name.len() <= 32 && !name.contains(' '), "{name}");
        }
    }

    fn heard(member: usize, heard: Heard, at: Instant) -> Event {
        Event::Heard { member, heard, at }
    }

    /// A wait counts each receiver's first read of the message in flight,
    /// counts older messages as late, takes a closed receiver off the
    /// wait, and notes the stalled user's cut.
    #[test]
    fn a_wait_counts_first_reads_and_ends_when_all_have_read() {
        let (tell, events) = crossbeam_channel::unbounded();
        let mut tally = Tally::new(3);
        let sent_at = Instant::now();
        let at = sent_at + Duration::from_millis(2);
        let cut = Heard::Cut(STALLED_NAME.to_owned());
        for event in [
            heard(0, Heard::Message(7), at),
            heard(0, Heard::Message(7), at), // twice: counted once
            heard(1, Heard::Message(6), at), // the last one, late
            heard(3, cut, at),               // the sender's reader
            Event::Closed { member: 2 },
            heard(1, Heard::Message(7), at),
        ] {
            tell.send(event).unwrap();
        }
        let delivered = tally.wait_for(7, sent_at, Duration::ZERO, &events);
        // Timeout zero: only what was already queued counts.
        assert_eq!(delivered, 2);
        assert_eq!(tally.latencies.count(), 2);
        let two_ms = Some(Duration::from_millis(2));
        assert_eq!(tally.latencies.percentile(100), two_ms);
        assert_eq!(tally.late, 1);
        assert_eq!(tally.open_receivers, 2);
        assert_eq!(tally.cut.map(|(_, at_message)| at_message), Some(7));
        assert!(events.is_empty(), "the wait ended when all had read");
    }

    /// The JSON line has the keys the suite reads (`p50_ms`, `p99_ms`,
    /// `lost`, `stalled_at_message`), and the counts add up: every pair
    /// of a message sent and a receiver is delivered or lost.
    #[test]
    fn json_has_the_keys_the_suite_reads() {
        let options = Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 9)),
            clients: 4,
            messages: 10,
            size: DEFAULT_SIZE,
            framing: Framing::Raw,
            stalled: true,
            timeout: Duration::from_secs(2),
            server_pid: None,
        };
        let mut tally = Tally::new(3);
        tally.sent = 5;
        tally.latencies.record(Duration::from_millis(1));
        tally.stalled(5);
        let json = serde_json::to_value(tally.report(&options, None)).unwrap();
        assert_eq!(json["mode"], "chat-room");
        assert_eq!(json["framing"], "raw");
        assert_eq!(json["p50_ms"], 1.0);
        assert_eq!(json["p99_ms"], 1.0);
        assert_eq!(json["delivered"], 1);
        assert_eq!(json["lost"], 3 * 5 - 1);
        assert_eq!(json["ending"], "stalled");
        assert_eq!(json["stalled_at_message"], 5);
        // The original's server sends no notices: whether it cut the
        // stalled user is not known.
        assert!(json["cut"].is_null(), "{json}");
    }
}
