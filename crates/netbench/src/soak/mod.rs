//! `netbench soak`: a lesson's server for minutes under its normal load,
//! with faults mixed in, watched from `/proc` once a second, so that a
//! leak (memory, threads, descriptors) shows as a slope.
//!
//! ```text
//!   normal clients (4)  ─ the lesson's exchange, checked, every 5 ms ─┐
//!   fault thread        ─ reset, never reads, bad bytes, burst, ...  ─┼─> server
//!   sampler             ─ VmRSS, Threads, /proc/PID/fd, the log     ─┘   (by pid)
//!
//!   warm-up: six rounds of every fault, under load, not judged (a
//!            server's first minute is not its steady state)
//!   then:    first window ........................ last window
//!            flat = last within the rule of the first (verdict.rs)
//! ```
//!
//! # Try it
//!
//! ```text
//! target/release/hello-echo server --bind 127.0.0.1:0 --max-clients 64 2>soak.log
//! target/release/netbench soak hello-echo --connect 127.0.0.1:PORT \
//!     --server-pid PID --log soak.log --duration 1m --cap 64
//! ```
//!
//! `scripts/bench --soak` starts each server and runs this for it.

pub(crate) mod faults;
mod sampler;
mod verdict;

use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::ValueEnum;

use crate::stats::thousands;
use faults::{ANSWER_LIMIT, IO_WAIT, LONG_HOLD, NEVER_READ_BUFFER};
use faults::{SHORT_HOLD, read_line, read_up_to};
use sampler::{Sample, sample_until};
use verdict::{Figure, Rule, window_len};

/// The lessons whose servers a soak can drive: the five the bare servers
/// speak (chat-room with `--lines`).
pub use crate::bare::Lesson;

/// What a soak is told.
#[derive(Clone, Debug)]
pub struct Options {
    /// Which protocol the server speaks.
    pub lesson: Lesson,
    /// The server.
    pub addr: SocketAddr,
    /// The server's process, for `/proc`.
    pub server_pid: u32,
    /// Its log (stderr) as a file, watched for panics.
    pub log: Option<PathBuf>,
    /// How long the judged part runs, after the warm-up.
    pub duration: Duration,
    /// The server's connection cap: a burst opens this many and 50 more.
    pub cap: usize,
    /// file-downloader: a small file the normal clients fetch, and its size.
    pub small_file: Option<(String, u64)>,
    /// file-downloader: a large file the faults abandon mid-transfer.
    pub large_file: Option<String>,
}

/// What the normal clients and the faults saw; the first five wrong
/// answers are quoted.
#[derive(Debug, Default)]
struct Counts {
    answered: u64,
    turned_away: u64,
    wrong: u64,
    wrong_quoted: Vec<String>,
    faults: u64,
}

/// What a soak saw: its judged samples, one a second, and counts.
#[derive(Debug)]
pub struct Report {
    name: String,
    warm_up: Duration,
    samples: Vec<Sample>,
    counts: Counts,
}

impl Report {
    /// Resident memory, threads and descriptors, each named and judged
    /// (`None` if the server was gone from the start).
    fn figures(&self) -> [(&'static str, Option<Figure>); 3] {
        let of = |get: fn(&sampler::Usage) -> u64, rule| {
            let values: Vec<u64> = self
                .samples
                .iter()
                .filter_map(|s| s.usage.as_ref().map(get))
                .collect();
            Figure::of(&values, rule)
        };
        [
            ("memory (RSS), KiB", of(|u| u.rss_kib, Rule::Memory)),
            ("threads", of(|u| u.threads, Rule::Count)),
            ("open descriptors", of(|u| u.descriptors, Rule::Count)),
        ]
    }

    /// Every sample as CSV with a header: seconds since the judged part
    /// began, then RSS (KiB), threads, descriptors (empty once gone).
    pub fn csv(&self) -> String {
        let mut out = String::from("seconds,rss_kib,threads,descriptors\n");
        for sample in &self.samples {
            let seconds = sample.at.as_secs();
            out += &match sample.usage {
                Some(u) => format!(
                    "{seconds},{},{},{}\n",
                    u.rss_kib, u.threads, u.descriptors
                ),
                None => format!("{seconds},,,\n"),
            };
        }
        out
    }

    /// When the server was first seen gone, if it was.
    fn gone_at(&self) -> Option<Duration> {
        self.samples
            .iter()
            .find(|s| s.usage.is_none())
            .map(|s| s.at)
    }

    fn panicked(&self) -> bool {
        self.samples.iter().any(|s| s.panicked)
    }

    /// Flat, alive, no panic and no wrong answer.
    pub fn passed(&self) -> bool {
        self.gone_at().is_none()
            && !self.panicked()
            && self.counts.wrong == 0
            && self
                .figures()
                .iter()
                .all(|(_, figure)| figure.is_some_and(|f| f.flat()))
    }

    fn verdict(&self) -> &'static str {
        if self.passed() { "flat" } else { "FAILED" }
    }

    /// One row of the book's table: lesson, the three figures as
    /// first → last (change), the exchanges and faults, the verdict.
    pub fn row(&self) -> String {
        let cells = self.figures().map(|(_, figure)| {
            figure.map_or("no sample".to_owned(), |f| f.cell())
        });
        format!(
            "| {} | {} | {} | {} | {} ({} wrong) | {} | {} |",
            self.name,
            cells[0],
            cells[1],
            cells[2],
            thousands(self.counts.answered),
            self.counts.wrong,
            thousands(self.counts.faults),
            self.verdict(),
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let judged = self.samples.len();
        writeln!(
            f,
            "{}: {judged} samples a second apart after a warm-up of {:.0} s; \
             windows of {} samples",
            self.name,
            self.warm_up.as_secs_f64(),
            window_len(judged),
        )?;
        let counts = &self.counts;
        writeln!(
            f,
            "  normal exchanges: {} answered, {} turned away (busy), {} wrong; \
             faults: {}",
            thousands(counts.answered),
            thousands(counts.turned_away),
            counts.wrong,
            thousands(counts.faults)
        )?;
        for quote in &counts.wrong_quoted {
            writeln!(f, "    wrong: {quote}")?;
        }
        for (name, figure) in self.figures() {
            match figure {
                Some(fig) => writeln!(
                    f,
                    "  {name:<18} {}, peak {}: {} ({})",
                    fig.cell(),
                    thousands(fig.peak),
                    if fig.flat() { "flat" } else { "NOT FLAT" },
                    fig.rule,
                )?,
                None => writeln!(f, "  {name:<18} no sample")?,
            }
        }
        if let Some(at) = self.gone_at() {
            writeln!(f, "  the server was gone at {} s", at.as_secs())?;
        }
        if self.panicked() {
            writeln!(f, "  a panic is in the server's log")?;
        }
        write!(f, "verdict: {}", self.verdict())
    }
}

/// How one normal exchange went.
enum Outcome {
    Answered,
    /// Refused as busy, or the connection failed (a connect refused
    /// during a burst): not wrong.
    TurnedAway,
    /// An answer the protocol does not allow.
    Wrong(String),
}

impl Counts {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Answered => self.answered += 1,
            Outcome::TurnedAway => self.turned_away += 1,
            Outcome::Wrong(what) => {
                self.wrong += 1;
                if self.wrong_quoted.len() < 5 {
                    self.wrong_quoted.push(what);
                }
            }
        }
    }
}

/// Rounds of every fault, under load, before anything is judged. A
/// thread-per-connection server's memory climbs through its first bursts
/// as the allocator's arenas and the cache of thread stacks fill, then
/// stays: hello-echo's rose by 150-350 KiB after each of its first five
/// to seven bursts, then by a few KiB.
const WARM_UP_ROUNDS: usize = 6;

/// Runs the soak: the warm-up, then `duration` of load and samples.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    if sampler::usage(options.server_pid).is_none() {
        anyhow::bail!(
            "no process {} to watch (/proc/{}/status); pass the server's \
             pid with --server-pid (Linux only)",
            options.server_pid,
            options.server_pid
        );
    }
    // Wrong answers count in the warm-up too: only the figures are not
    // judged there.
    let counts = Mutex::new(Counts::default());
    let rounds = WARM_UP_ROUNDS * fault_count(options.lesson);
    let warm_started = Instant::now();
    drive(options, &counts, |fault| fault < rounds, || ());
    let warm_up = warm_started.elapsed();
    let start = Instant::now();
    let until = start + options.duration;
    let (pid, log) = (options.server_pid, options.log.as_deref());
    let sample = || sample_until(pid, log, start, until);
    let samples = drive(options, &counts, |_| Instant::now() < until, sample);
    let name = options.lesson.to_possible_value();
    Ok(Report {
        name: name.map(|v| v.get_name().to_owned()).unwrap_or_default(),
        warm_up,
        samples,
        counts: counts.into_inner().unwrap_or_else(|e| e.into_inner()),
    })
}

/// Four normal clients and the faults side by side, while `watch` runs
/// on this thread; faults go on while `more(faults done)`, and the normal
/// clients stop when they do.
fn drive<T: Send>(
    options: &Options,
    counts: &Mutex<Counts>,
    more: impl Fn(usize) -> bool + Sync,
    watch: impl FnOnce() -> T + Send,
) -> T {
    let count = |outcome| {
        if let Ok(mut counts) = counts.lock() {
            counts.count(outcome);
        }
    };
    let done = AtomicBool::new(false);
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                // At least 5 ms between one client's exchanges: about 800
                // a second in all, a steady load that leaves the machine
                // room for five soaks at once.
                let mut next = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    count(normal(options).unwrap_or(Outcome::TurnedAway));
                    next += Duration::from_millis(5);
                    if let Some(wait) =
                        next.checked_duration_since(Instant::now())
                    {
                        thread::sleep(wait);
                    }
                }
            });
        }
        scope.spawn(|| {
            let kinds = fault_count(options.lesson);
            for fault in (0..).take_while(|&fault| more(fault)) {
                // A fault that cannot even connect (a burst filled the
                // backlog) is counted, and tried again next round.
                if let Ok(Some(what)) = run_fault(options, fault % kinds) {
                    count(Outcome::Wrong(format!("after a fault: {what}")));
                }
                if let Ok(mut counts) = counts.lock() {
                    counts.faults += 1;
                }
            }
            done.store(true, Ordering::Relaxed);
        });
        watch()
    })
}

/// How many different faults a lesson's soak cycles through.
fn fault_count(lesson: Lesson) -> usize {
    match lesson {
        Lesson::UdpChat => 3,
        Lesson::TimeServer => 4,
        Lesson::HelloEcho | Lesson::FileDownloader | Lesson::ChatRoom => 6,
    }
}

/// A unique name for a client, so that chat logins never collide.
fn next_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A first answer that is not the one expected: turned away if it is
/// the busy message the servers send over the cap, or its start (read
/// to the length of `Welcome!`, it is `server b`); else wrong.
fn unexpected(what: &str, answer: &[u8]) -> Outcome {
    let busy = netkit::server::BUSY_MESSAGE;
    if !answer.is_empty()
        && (answer.starts_with(busy) || busy.starts_with(answer))
    {
        return Outcome::TurnedAway;
    }
    wrong(what, answer)
}

/// A wrong answer, quoted after `what`, cut to 80 characters.
fn wrong(what: &str, answer: &[u8]) -> Outcome {
    let mut text = netkit::text::printable(answer);
    if let Some((cut, _)) = text.char_indices().nth(80) {
        text = format!("{}...", &text[..cut]);
    }
    Outcome::Wrong(format!("{what} {text:?}"))
}

/// One normal exchange of the lesson, its answer checked.
fn normal(options: &Options) -> io::Result<Outcome> {
    match options.lesson {
        Lesson::HelloEcho => hello_echo_normal(options.addr),
        Lesson::TimeServer => time_server_normal(options.addr),
        Lesson::UdpChat => udp_chat_normal(options.addr),
        Lesson::FileDownloader => file_downloader_normal(options),
        Lesson::ChatRoom => chat_room_normal(options.addr),
    }
}

fn hello_echo_normal(addr: SocketAddr) -> io::Result<Outcome> {
    let mut stream = faults::connect(addr, None)?;
    let welcome = read_up_to(&mut stream, b"Welcome!".len());
    if welcome != b"Welcome!" {
        return Ok(unexpected("welcome", &welcome));
    }
    let name = next_name("soak");
    stream.write_all(name.as_bytes())?;
    let expected = format!("Hello, {name}!");
    let reply = read_up_to(&mut stream, expected.len());
    if reply != expected.as_bytes() {
        return Ok(wrong("reply", &reply));
    }
    stream.write_all(b"exit")?;
    let rest = read_up_to(&mut stream, ANSWER_LIMIT);
    if !rest.is_empty() {
        return Ok(wrong("after exit", &rest));
    }
    Ok(Outcome::Answered)
}

fn time_server_normal(addr: SocketAddr) -> io::Result<Outcome> {
    let mut stream = faults::connect(addr, None)?;
    let answer = read_up_to(&mut stream, ANSWER_LIMIT);
    // str(datetime.now()): "2026-12-02 09:15:03.123456", 26 characters,
    // or 19 in the one microsecond in a million that is .000000.
    let text = String::from_utf8_lossy(&answer);
    if !matches!(text.len(), 19 | 26) || !text.starts_with("20") {
        return Ok(unexpected("time", &answer));
    }
    Ok(Outcome::Answered)
}

fn udp_chat_normal(addr: SocketAddr) -> io::Result<Outcome> {
    let name = next_name("soak");
    match faults::datagram(addr, name.as_bytes())? {
        Some(reply) if reply == format!("Hello, {name}!").as_bytes() => {
            Ok(Outcome::Answered)
        }
        Some(reply) => Ok(wrong("reply", &reply)),
        // UDP promises nothing: a datagram lost under a flood is no bug.
        None => Ok(Outcome::TurnedAway),
    }
}

fn file_downloader_normal(options: &Options) -> io::Result<Outcome> {
    let Some((name, size)) = &options.small_file else {
        return Ok(Outcome::Wrong("no --small-file given".to_owned()));
    };
    let body = faults::send_and_read(options.addr, name.as_bytes())?;
    // Over the cap the server closes without a byte: in this protocol
    // every byte is the file's, so it has no words for "busy".
    if body.is_empty() {
        return Ok(Outcome::TurnedAway);
    }
    if body.len() as u64 != *size {
        return Ok(Outcome::Wrong(format!(
            "{} bytes of {name}, not {size}",
            body.len()
        )));
    }
    Ok(Outcome::Answered)
}

fn chat_room_normal(addr: SocketAddr) -> io::Result<Outcome> {
    let mut stream = faults::connect(addr, None)?;
    let mut lines = io::BufReader::new(stream.try_clone()?);
    let name = next_name("soak");
    stream.write_all(format!("{name}\n").as_bytes())?;
    let answer = read_line(&mut lines);
    if answer != b"success" {
        return Ok(unexpected("login", &answer));
    }
    stream.write_all(b"hello, room\nquit\n")?;
    // Notices and others' messages, then our "quit" and the close. A
    // busy room never falls silent, so the wait for our quit is bounded
    // by time, not by a read timing out.
    let deadline = Instant::now() + IO_WAIT;
    while Instant::now() < deadline {
        let line = read_line(&mut lines);
        if line == b"quit" {
            return Ok(Outcome::Answered);
        }
        if line.is_empty() {
            return Ok(Outcome::Wrong("no quit before the close".to_owned()));
        }
    }
    Ok(Outcome::Wrong(format!(
        "no quit within {} s",
        IO_WAIT.as_secs()
    )))
}

/// Runs fault number `which` of the lesson's list; what the server did
/// that it must never do, in words, if it did (refusals and cuts are
/// fine).
fn run_fault(options: &Options, which: usize) -> io::Result<Option<String>> {
    let addr = options.addr;
    let burst = || faults::burst(addr, options.cap).map(|()| None);
    let never_reads = |first: &[u8], again: &[u8], hold| {
        let mut stream = faults::connect(addr, Some(NEVER_READ_BUFFER))?;
        let _ = stream.write_all(first);
        faults::fill_and_hold(stream, again, hold).map(|_| None)
    };
    let bad = |bytes: &[u8]| faults::send_and_read(addr, bytes).map(|_| None);
    let large_file = options.large_file.as_deref().unwrap_or("");
    match (options.lesson, which) {
        (Lesson::HelloEcho, 0) => faults::reset_after(addr, b"hal"),
        (Lesson::HelloEcho, 1) => never_reads(b"", b"name", SHORT_HOLD),
        (Lesson::HelloEcho, 2) => never_reads(b"", b"name", LONG_HOLD),
        (Lesson::HelloEcho, 3) => bad(b"\xff\xfe\x1b[2J\0"),
        (Lesson::HelloEcho, 4) => bad(&[b'x'; 64 * 1024]),
        (Lesson::HelloEcho, _) => burst(),

        (Lesson::TimeServer, 0) => faults::reset_after(addr, b""),
        (Lesson::TimeServer, 1) => bad(&[b'x'; 64 * 1024]),
        (Lesson::TimeServer, 2) => {
            // Connected, never read: the server's one line and FIN sit
            // in our buffer; it must not wait on us.
            let _stream = faults::connect(addr, Some(NEVER_READ_BUFFER))?;
            thread::sleep(SHORT_HOLD);
            Ok(None)
        }
        (Lesson::TimeServer, _) => burst(),

        (Lesson::UdpChat, 0) => faults::datagram(addr, b"").map(|_| None),
        (Lesson::UdpChat, 1) => {
            let big = vec![b'x'; faults::MAX_UDP_PAYLOAD];
            faults::datagram(addr, &big).map(|_| None)
        }
        (Lesson::UdpChat, _) => faults::flood(addr).map(|()| None),

        (Lesson::FileDownloader, 0) => {
            // A transfer cut short by a reset.
            let mut stream = faults::connect(addr, None)?;
            stream.write_all(large_file.as_bytes())?;
            let _ = read_up_to(&mut stream, 64 * 1024);
            faults::reset(stream);
            Ok(None)
        }
        (Lesson::FileDownloader, 1) => {
            // A client that asks for the large file and never reads (its
            // unread bytes make the close a reset): the server's write
            // stalls until its timeout.
            let mut stream = faults::connect(addr, Some(NEVER_READ_BUFFER))?;
            stream.write_all(large_file.as_bytes())?;
            thread::sleep(LONG_HOLD);
            Ok(None)
        }
        (Lesson::FileDownloader, 2) => {
            // Outside the root: zero bytes of anything.
            let got = faults::send_and_read(addr, b"../../../../etc/passwd")?;
            Ok((!got.is_empty()).then(|| {
                format!("{} bytes for ../../../../etc/passwd", got.len())
            }))
        }
        (Lesson::FileDownloader, 3) => bad(b"\xff\xfe\0name"),
        (Lesson::FileDownloader, 4) => faults::reset_after(addr, b""),
        (Lesson::FileDownloader, _) => burst(),

        (Lesson::ChatRoom, 0) => {
            let login = format!("{}\nhalf a mess", next_name("reset"));
            faults::reset_after(addr, login.as_bytes())
        }
        (Lesson::ChatRoom, 1) => {
            // Logged in, never reading, while the normal clients talk:
            // its outbox fills and the server cuts it, or it goes first.
            let login = format!("{}\n", next_name("deaf"));
            never_reads(login.as_bytes(), b"la la la\n", LONG_HOLD)
        }
        (Lesson::ChatRoom, 2) => bad(b"\xff\xfe\n"),
        (Lesson::ChatRoom, 3) => bad(&[b'n'; 64 * 1024]),
        (Lesson::ChatRoom, 4) => {
            let login = format!("{}\n", next_name("long"));
            bad(&[login.as_bytes(), &[b'm'; 4096]].concat())
        }
        (Lesson::ChatRoom, _) => burst(),
    }
}
