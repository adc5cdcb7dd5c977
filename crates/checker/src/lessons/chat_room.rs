//! chat-room's stages: the server in the original protocol (one `recv`
//! is one message, nothing framed), the same room with `--lines`, under
//! a reader that never reads and under a crowd, then the client.
//!
//! The protocol (`program`/`checker` as in the reports; nothing ends in a
//! newline unless `--lines`):
//!
//! ```text
//! checker A: Ada
//! program A: success
//! checker B: Ada                         (taken)
//! program B: reuse                       (and closes)
//! checker A: hello
//! program C: [Sun Dec  6 10:15:03 2026] Ada: hello
//! checker A: quit
//! program A: quit                        (and closes; "Ada" is free)
//! ```
//!
//! Without `--lines` nothing marks where a message ends, so the checker
//! sends one message per write and waits for its effect (an answer, a
//! broadcast) before the next: a server that takes one read for one
//! message, as the original does, must pass. Names and messages are
//! random (from the run's seed); the time stamps are checked against the
//! clock, with a second's margin either side.
//!
//! The server's stages are lesson 7's too ([`super::select_server`]),
//! run by these same functions with `--protocol chat` on the command
//! line of a server with one thread.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chat_room::broker::SLOW_CLIENT_WAIT;
use chat_room::protocol::{MAX_MESSAGE, QUIT, REUSE, SUCCESS, ctime, said};
use jiff::{SignedDuration, Zoned};

use crate::lessons::shared::{
    INVALID_UTF8, exit_code, random_cuts, random_pause, still_running,
    stops_on_ctrl_c,
};
use crate::lessons::{CLIENT, Lesson, SERVER};
use crate::report::{Failure, Said, shown};
use crate::stage::{CLIENT_EXIT_TIMEOUT, Ctx, End, Stage};
use crate::wire::{CONNECT_TIMEOUT, Peer, REPLY_TIMEOUT};

/// How long the checker listens for bytes that should not come: an echo
/// of one's own message, a broadcast of an empty one.
const QUIET: Duration = Duration::from_millis(300);

/// How long a name given up without `quit` may stay taken: the server
/// learns of the leave from a read of 0 bytes (or a reset), which may
/// come a moment after the checker's next login on a busy machine.
const NAME_FREED_WITHIN: Duration = Duration::from_secs(3);

/// The pause between two tries of a login that was refused as taken.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// `lines-stuck`: how many messages of [`STUCK_MESSAGE_LEN`] bytes the
/// talker sends while one user never reads: 16 MB, more than the
/// kernel's buffers for the stuck user hold on Linux (its receive buffer
/// is made small on purpose, the server's send buffer grows to 4 MB at
/// most by default), so that an outbox of the lesson's 256 messages, or
/// of a few thousand, fills too.
const STUCK_MESSAGES: usize = 16_000;
const STUCK_MESSAGE_LEN: usize = 1000;

/// How far the talker of `lines-stuck` may run ahead of the user who
/// reads, in messages (64 KB): the room's buffers for the reader then
/// never fill, so a checker slowed down by a busy machine is never taken
/// for a user who stopped reading. The stuck user's buffers fill all the
/// same: they are never emptied.
const STUCK_WINDOW: usize = 64;

/// The receive buffer the stuck user asks for (Linux doubles it, to
/// 8 KB): small, so that it is full after a few messages.
const STUCK_RECV_BUFFER: usize = 4096;

/// How long every message of `lines-stuck` may take to reach the user
/// who reads, in all: the talker's 16 MB take a fraction of a second on
/// loopback; the rest is for a busy machine and the lesson's wait for
/// the stuck one ([`SLOW_CLIENT_WAIT`]), which is far shorter.
const STUCK_WITHIN: Duration = Duration::from_secs(30);

/// How long the stuck user's connection may take to end once the
/// others have everything: it is cut, not waited for.
const CUT_WITHIN: Duration = Duration::from_secs(10);

/// `lines-crowd`: users, and messages each sends (5,000 in all, each to
/// 49 others), and how long all of it may take.
const CROWD: usize = 50;
const CROWD_MESSAGES: usize = 100;
const CROWD_WITHIN: Duration = Duration::from_secs(60);

/// How many crowd users connect at once: fewer than the original's
/// listen backlog of 5, which a crowd connecting all at once overflows
/// (the kernel then drops handshakes, and they are tried again a second
/// later or more). How many clients connect at once is lesson 1's
/// `burst`; this stage is about what the room does with them.
const CROWD_LOGINS_AT_ONCE: usize = 4;

/// How many of a crowd user's lines go in one write.
const CROWD_BATCH: usize = 10;

/// How far a crowd user may run ahead of what it has read itself, in
/// lines: two batches from everyone else (about 40 KB), well within the
/// room's buffers for one user, so that no user reads so far behind that
/// a room which cuts slow readers (as the lesson's does) cuts it.
const CROWD_WINDOW: usize = 2 * CROWD_BATCH * (CROWD - 1);

const LINES: &[&str] = &["--lines"];

/// chat-room: lesson 5.
pub const LESSON: Lesson = Lesson {
    name: "chat-room",
    exercise: "chat-room-exercise",
    exercise_dir: "crates/exercises/chat-room",
    server: Some(SERVER),
    client: Some(CLIENT),
    peer: None,
    stages: &[
        Stage {
            slug: "listen",
            checks: "prints `listening on ADDR`, keeps running, accepts a connection there",
            why: "A server prints where it listens only once its socket listens, so that nobody connects too early; from then on it accepts clients for as long as it runs.",
            book: "chat-room.md#serve-and-handle",
            hint: "Read `serve` in crates/chat-room/src/server.rs: netkit's accept loop runs `handle` on a thread per connection.",
            end: End::Server,
            flags: &[],
            run: listen,
        },
        Stage {
            slug: "login",
            checks: "answers a name with `success` and nothing more",
            why: "The original protocol has no framing: the client sends its bare name in one send, and reads the 7 bytes `success` as the whole answer. A newline after it would be read as the start of the first message.",
            book: "chat-room.md#the-original-protocol",
            hint: "Read `login` in crates/chat-room/src/server.rs (the first read is the name) and `handle` in crates/chat-room/src/broker.rs (the Join event answers SUCCESS).",
            end: End::Server,
            flags: &[],
            run: login,
        },
        Stage {
            slug: "reuse",
            checks: "answers a name in use with `reuse` and closes that connection",
            why: "Names are the room's keys: one owner decides who has which, so two logins with the same name cannot both win. The loser is told `reuse`, then the server closes, and its client's next read returns 0 bytes.",
            book: "chat-room.md#the-original-protocol",
            hint: "Read the Join branch of `handle` in crates/chat-room/src/broker.rs: a taken name gets REUSE, and dropping the outbox closes the connection.",
            end: End::Server,
            flags: &[],
            run: reuse,
        },
        Stage {
            slug: "broadcast",
            checks: "sends a message to everyone else as `[ctime] name: message`, not back",
            why: "The server is the only one connected to everybody: it writes each message to every other user's socket, stamped with the time as Python's time.ctime() writes it and the sender's name.",
            book: "chat-room.md#the-original-protocol",
            hint: "Read `message` and `tell_others` in crates/chat-room/src/broker.rs, and `said` and `ctime` in crates/chat-room/src/protocol.rs.",
            end: End::Server,
            flags: &[],
            run: broadcast,
        },
        Stage {
            slug: "quit",
            checks: "answers `quit` with `quit`, closes, and frees the name",
            why: "A server ends a conversation by closing its socket: after `quit` the client reads 0 bytes. The name is free once the user has left, and nobody else hears the `quit`.",
            book: "chat-room.md#the-original-protocol",
            hint: "Read the Quit branch of `message` in crates/chat-room/src/broker.rs, and `remove`: the name is freed before the answer goes out.",
            end: End::Server,
            flags: &[],
            run: quit,
        },
        Stage {
            slug: "vanish",
            checks: "a user who vanishes without `quit` frees the name, and the room goes on",
            why: "A read of 0 bytes means the peer closed; a reset makes the read fail. Either way the user is gone: loop on it and the server broadcasts empty messages forever, forget it and the name stays taken.",
            book: "chat-room.md#1-a-client-that-leaves-without-quit-never-leaves",
            hint: "Read `read_messages` in crates/chat-room/src/server.rs (Received::Closed ends the loop) and the Leave event in `handle` in crates/chat-room/src/broker.rs.",
            end: End::Server,
            flags: &[],
            run: vanish,
        },
        Stage {
            slug: "not-utf8",
            checks: "passes on a message that is not UTF-8 byte for byte; a bad name ends nobody's session",
            why: "TCP carries bytes, not text. Decoding what a client sent can fail, and an exception in a connection's thread (or in the accept loop) ends far more than one message. The server passes bytes on as they came, and refuses a name it cannot read.",
            book: "chat-room.md#5-bytes-are-decoded-as-text-and-an-error-ends-a-thread",
            hint: "Read `said` in crates/chat-room/src/protocol.rs (bytes in, bytes out) and `check_name`, which refuses a name that is not UTF-8 without ending anything else.",
            end: End::Server,
            flags: &[],
            run: not_utf8,
        },
        Stage {
            slug: "silent-login",
            checks: "logs a user in while another connection has not sent its name",
            why: "recv() blocks until the client sends. Reading names in the accept loop makes every later client wait for the slowest one; each connection's login belongs on its own thread.",
            book: "chat-room.md#6-the-login-happens-in-the-accept-loop",
            hint: "Read `handle` in crates/chat-room/src/server.rs: the login is the first thing each connection's own thread does.",
            end: End::Server,
            flags: &[],
            run: silent_login,
        },
        Stage {
            slug: "stop",
            checks: "exits 0 within 2 s of Ctrl-C, with users logged in",
            why: "Ctrl-C sends SIGINT. A server catches it, stops accepting, tells its users where the protocol allows (`quit`), closes their connections and exits 0.",
            book: "chat-room.md#the-brokers-loop",
            hint: "Read `run` and `close_all` in crates/chat-room/src/broker.rs: the shutdown ends the broker's loop, and every user gets QUIT.",
            end: End::Server,
            flags: &[],
            run: stop,
        },
        Stage {
            slug: "lines-login",
            checks: "with --lines: a name line in pieces gets `success\\n`, a taken one `reuse\\n`",
            why: "With --lines every message ends in \\n, both ways: the server reads until the newline, however TCP cut the name, and its answers end in \\n too.",
            book: "chat-room.md#framing-chosen-on-both-ends-never-guessed",
            hint: "Read `login` in crates/chat-room/src/server.rs and `read_login` in crates/chat-room/src/protocol.rs: bytes are kept until a newline arrives.",
            end: End::Server,
            flags: LINES,
            run: lines_login,
        },
        Stage {
            slug: "lines-messages",
            checks: "with --lines: lines in one write, or cut in pieces, each reach the others as one line, in order",
            why: "One read may bring several lines, or part of one. The server passes on each complete line and keeps the rest for the next read.",
            book: "chat-room.md#4-one-recv-is-taken-as-one-message",
            hint: "Read `read_messages` in crates/chat-room/src/server.rs: a LineDecoder gives every complete line, and keeps what follows.",
            end: End::Server,
            flags: LINES,
            run: lines_messages,
        },
        Stage {
            slug: "lines-stuck",
            checks: "with --lines: a user who never reads delays nobody, and is cut off",
            why: "A send to a client that stops reading blocks once its receive window and the server's send buffer are full. If the talker's thread does that send, the whole room waits; a bounded queue per user, and a short wait before cutting the stuck one, keep everyone else served.",
            book: "chat-room.md#2-one-client-that-stops-reading-stops-the-room",
            hint: "Read `send` in crates/chat-room/src/broker.rs: a full outbox is waited for SLOW_CLIENT_WAIT at most, then the user is cut; and `write_outbox` in crates/chat-room/src/server.rs, the writer thread that blocks instead of the broker.",
            end: End::Server,
            flags: LINES,
            run: lines_stuck,
        },
        Stage {
            slug: "lines-crowd",
            checks: "with --lines: 50 users send 5,000 messages at once; everyone gets every message, in order",
            why: "Many threads that touch the same table of users need one owner for it (or a lock); otherwise a user joins while another thread walks the table, and messages are lost or a thread dies.",
            book: "chat-room.md#3-threads-change-the-dictionary-while-others-walk-through-it",
            hint: "Read `run` and `tell` in crates/chat-room/src/broker.rs: one thread owns the users, and every message goes through it.",
            end: End::Server,
            flags: LINES,
            run: lines_crowd,
        },
        Stage {
            slug: "client-login",
            checks: "the client sends its bare name, and after `success` each typed line as it is",
            why: "The original server takes its first read as the name: the client sends the name in one write, with nothing after it, and waits for the answer before it sends anything else.",
            book: "chat-room.md#the-client",
            hint: "Read `login` in crates/chat-room/src/client.rs (one write, then read the answer), then `chat`: one write per typed line.",
            end: End::Client,
            flags: &[],
            run: client_login,
        },
        Stage {
            slug: "client-messages",
            checks: "the client prints each message the server sends on a line of its own",
            why: "The client does two things at once: it waits for what the user types, and for what the server sends. A thread for each, or it prints nothing while the user thinks.",
            book: "chat-room.md#the-client",
            hint: "Read `chat` and `print_messages` in crates/chat-room/src/client.rs: a thread of its own prints what arrives.",
            end: End::Client,
            flags: &[],
            run: client_messages,
        },
        Stage {
            slug: "client-reuse",
            checks: "on `reuse` the client prints one `error:` line and exits 1",
            why: "A refused login ends the client: it says why in one line on stderr and exits 1, rather than wait for a key or print a traceback.",
            book: "chat-room.md#the-client",
            hint: "Read `login` in crates/chat-room/src/client.rs: `read_answer` tells Taken from Success.",
            end: End::Client,
            flags: &[],
            run: client_reuse,
        },
        Stage {
            slug: "client-quit",
            checks: "typed `quit` is sent; the client exits 0 once the server answers and closes",
            why: "Leaving is part of the protocol: the client says `quit`, the server answers `quit` and closes, and the client's read of 0 bytes ends it.",
            book: "chat-room.md#the-client",
            hint: "Read `chat` in crates/chat-room/src/client.rs: a typed QUIT ends the loop, and it waits for the server's close.",
            end: End::Client,
            flags: &[],
            run: client_quit,
        },
        Stage {
            slug: "client-eof",
            checks: "at the end of its input the client leaves (`quit`, or its close) and exits 0",
            why: "The end of input (Ctrl-D, or the end of a pipe) is a read of 0 bytes from stdin: the user is done. The client tells the server, with `quit` or by closing its side (FIN), and exits.",
            book: "chat-room.md#the-client",
            hint: "Read `chat` in crates/chat-room/src/client.rs: the end of input leaves the loop, and `Half::Write` sends FIN.",
            end: End::Client,
            flags: &[],
            run: client_eof,
        },
        Stage {
            slug: "client-lines",
            checks: "with --lines: lines cut in pieces, and several in one read, are each printed as one",
            why: "With --lines the client reads up to each newline: a line may arrive in pieces, and one read may bring several lines; each is one message.",
            book: "chat-room.md#the-client",
            hint: "Read `print_messages` in crates/chat-room/src/client.rs: a LineDecoder gives each complete line.",
            end: End::Client,
            flags: LINES,
            run: client_lines,
        },
    ],
};

// ---------------------------------------------------------------------
// Random names and messages.

/// A random user name: a capital letter, then letters and digits, now and
/// then one of more than one UTF-8 byte. Never a space, never `:`.
fn random_name(rng: &mut fastrand::Rng) -> String {
    const OTHERS: &[char] = &['é', 'ü', 'ñ', 'ß', '李', '雷', '7', '_'];
    let len = rng.usize(2..=12);
    let mut name = String::new();
    name.push(rng.uppercase());
    for _ in 1..len {
        if rng.u8(..8) == 0 {
            name.push(OTHERS[rng.usize(..OTHERS.len())]);
        } else {
            name.push(rng.lowercase());
        }
    }
    name
}

/// `count` different random names.
fn random_names(rng: &mut fastrand::Rng, count: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    while names.len() < count {
        let name = random_name(rng);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A random message: words of letters, now and then a character of more
/// than one UTF-8 byte. It starts with a capital letter, so it is never
/// `quit` nor a `/` command.
fn random_message(rng: &mut fastrand::Rng) -> Vec<u8> {
    const OTHERS: &[char] = &['é', 'ü', '你', '好', '!', ',', '7'];
    let len = rng.usize(1..=60);
    let mut text = String::new();
    text.push(rng.uppercase());
    for _ in 1..len {
        match rng.u8(..10) {
            0 => text.push(' '),
            1 => text.push(OTHERS[rng.usize(..OTHERS.len())]),
            _ => text.push(rng.lowercase()),
        }
    }
    text.into_bytes()
}

/// A message that is not UTF-8: random letters around a byte sequence
/// that no UTF-8 text contains.
fn random_non_utf8(rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut message = b"Hi ".to_vec();
    message.extend_from_slice(INVALID_UTF8[rng.usize(..INVALID_UTF8.len())]);
    message.extend(std::iter::repeat_with(|| rng.lowercase() as u8).take(5));
    message
}

/// `bytes` and a newline.
fn line(bytes: &[u8]) -> Vec<u8> {
    [bytes, b"\n"].concat()
}

// ---------------------------------------------------------------------
// Time stamps.

/// The seconds a broadcast's stamp may show: from a second before the
/// clock started to a second after it is read. ctime() has no time zone
/// in it: the program and the checker share the machine's.
#[derive(Debug)]
struct Clock {
    from: Zoned,
}

impl Clock {
    fn start() -> Clock {
        let now = Zoned::now();
        let from = now.checked_sub(SignedDuration::from_secs(1)).unwrap_or(now);
        Clock { from }
    }

    /// Every second from the start to a second after now.
    fn seconds(&self) -> Vec<Zoned> {
        let until = Zoned::now()
            .checked_add(SignedDuration::from_secs(1))
            .unwrap_or_else(|_| Zoned::now());
        let mut seconds = Vec::new();
        let mut at = self.from.clone();
        while at <= until {
            let next = at.checked_add(SignedDuration::from_secs(1));
            seconds.push(at);
            match next {
                Ok(next) => at = next,
                Err(_) => break,
            }
        }
        seconds
    }

    /// Whether `got` is `name`'s `message` as the lesson writes it
    /// (`said`), stamped with a second of this clock.
    fn is_said(&self, got: &[u8], name: &str, message: &[u8]) -> bool {
        self.seconds()
            .iter()
            .any(|at| said(at, name, message) == got)
    }

    /// The line as it should be, stamped now: for a report.
    fn example(name: &str, message: &[u8]) -> Vec<u8> {
        said(&Zoned::now(), name, message)
    }
}

/// How long `name`'s broadcast of `message` is: the stamp has a fixed
/// length (`ctime` pads the day with a space).
fn said_len(name: &str, message: &[u8]) -> usize {
    said(&Zoned::now(), name, message).len()
}

// ---------------------------------------------------------------------
// Conversations with the server.

/// A user logged in, in the room's framing.
#[derive(Debug)]
struct User {
    name: String,
    peer: Peer,
    lines: bool,
}

impl User {
    /// Connects and logs in as `name`; fails unless the answer is
    /// `success`.
    fn join(
        addr: SocketAddr,
        name: &str,
        lines: bool,
    ) -> Result<User, Failure> {
        let mut peer = Peer::connect(addr, name)?;
        send_name(&mut peer, name.as_bytes(), lines)?;
        expect_answer(&mut peer, SUCCESS, lines, "`success`")?;
        Ok(User {
            name: name.to_owned(),
            peer,
            lines,
        })
    }

    /// Sends one message in one write.
    fn say(&mut self, message: &[u8]) -> Result<(), Failure> {
        if self.lines {
            self.peer.send(&line(message))
        } else {
            self.peer.send(message)
        }
    }

    /// Expects `from`'s `message` as a broadcast, stamped by `clock`.
    fn hears(
        &mut self,
        clock: &Clock,
        from: &str,
        message: &[u8],
    ) -> Result<(), Failure> {
        let what = format!("{from}'s message");
        let got = if self.lines {
            let limit = said_len(from, message) + 2;
            let line = next_line(&mut self.peer, limit);
            match line.strip_suffix(b"\n") {
                Some(got) => got.to_vec(),
                None => line,
            }
        } else {
            self.peer.read_exactly(said_len(from, message), &what)?
        };
        if clock.is_said(&got, from, message) {
            return Ok(());
        }
        let mut wanted = Clock::example(from, message);
        if self.lines {
            wanted.push(b'\n');
        }
        Err(self
            .peer
            .fail(format!(
                "{} did not get {what} as the protocol says",
                self.name
            ))
            .expected(shown(&wanted), shown(&got))
            .note(format!(
                "A message reaches everyone else as `[<ctime>] <name>: \
                 <message>`, the time as Python's time.ctime() writes it \
                 (`{}`).",
                ctime(&Zoned::now())
            )))
    }

    /// Fails if anything but our server's notices (`* ...`, with
    /// --lines) comes within [`QUIET`].
    fn hears_nothing(&mut self, after: &str) -> Result<(), Failure> {
        self.peer.expect_quiet(QUIET, after)
    }
}

/// Sends a name as a login, in one write.
fn send_name(peer: &mut Peer, name: &[u8], lines: bool) -> Result<(), Failure> {
    if lines {
        peer.send(&line(name))
    } else {
        peer.send(name)
    }
}

/// Expects the server's answer to a login (or a command).
fn expect_answer(
    peer: &mut Peer,
    answer: &[u8],
    lines: bool,
    what: &str,
) -> Result<(), Failure> {
    if lines {
        peer.expect_line(answer, what)
    } else {
        peer.expect(answer, what)
    }
}

/// The next line that is not one of the lesson's notices (`* bob
/// joined`): with --lines our server tells who comes and goes, which
/// the stages neither ask for nor forbid.
fn next_line(peer: &mut Peer, limit: usize) -> Vec<u8> {
    loop {
        let line = peer.read_line(limit.max(256));
        if !line.starts_with(b"* ") {
            return line;
        }
    }
}

/// Logs in as `name`, trying again (for [`NAME_FREED_WITHIN`]) while the
/// answer is `reuse`: the server may learn of the leave that frees the
/// name a moment after the checker's next login.
fn join_again(
    addr: SocketAddr,
    name: &str,
    after: &str,
) -> Result<User, Failure> {
    let deadline = Instant::now() + NAME_FREED_WITHIN;
    loop {
        let mut peer = Peer::connect(addr, &format!("{name} again"))?;
        peer.send(name.as_bytes())?;
        // `reuse` is the shorter answer: read that many bytes first.
        let start =
            peer.read_exactly(REUSE.len(), "an answer")
                .map_err(|failure| {
                    failure.because(format!(
                        "after {after}, a login with the same name was not \
                     answered"
                    ))
                })?;
        if REUSE.starts_with(&start) && Instant::now() < deadline {
            thread::sleep(RETRY_PAUSE);
            continue;
        }
        if !SUCCESS.starts_with(&start) {
            return Err(peer
                .fail(format!(
                    "after {after}, the name {name} was still taken \
                     {NAME_FREED_WITHIN:?} later"
                ))
                .expected("success", shown(&start)));
        }
        peer.expect(&SUCCESS[start.len()..], "the rest of `success`")?;
        return Ok(User {
            name: name.to_owned(),
            peer,
            lines: false,
        });
    }
}

// ---------------------------------------------------------------------
// The server's stages, original protocol.

pub(crate) fn listen(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let peer = Peer::connect(addr, "the connection")?;
    still_running(ctx, "printing `listening on`")?;
    drop(peer);
    Ok(())
}

pub(crate) fn login(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let mut user = User::join(addr, &name, false)?;
    user.hears_nothing("`success`")
}

pub(crate) fn reuse(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 2);
    let message = random_message(&mut ctx.rng);
    let mut first = User::join(addr, &names[0], false)?;
    let mut second = Peer::connect(addr, "the second login")?;
    second.send(names[0].as_bytes())?;
    second.expect(REUSE, "`reuse`")?;
    // The loser's connection ends: its client reads 0 bytes.
    second.expect_close("`reuse`", true)?;
    // The winner is still in the room.
    let clock = Clock::start();
    let mut other = User::join(addr, &names[1], false)?;
    first.say(&message)?;
    other.hears(&clock, &names[0], &message).map_err(|failure| {
        failure.because("after a refused login, the name's owner was not heard")
    })
}

pub(crate) fn broadcast(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 3);
    let mut users = names
        .iter()
        .map(|name| User::join(addr, name, false))
        .collect::<Result<Vec<_>, _>>()?;
    for from in 0..users.len() {
        let message = random_message(&mut ctx.rng);
        let clock = Clock::start();
        users[from].say(&message)?;
        for to in (0..users.len()).filter(|&to| to != from) {
            users[to].hears(&clock, &names[from], &message)?;
        }
        // Nobody hears their own message back.
        users[from].hears_nothing("the others got the message")?;
    }
    Ok(())
}

pub(crate) fn quit(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 2);
    let message = random_message(&mut ctx.rng);
    let mut leaving = User::join(addr, &names[0], false)?;
    let mut staying = User::join(addr, &names[1], false)?;
    leaving.say(QUIT)?;
    leaving.peer.expect(QUIT, "`quit`")?;
    leaving.peer.expect_close("`quit`", true)?;
    staying.hears_nothing("another user's `quit`")?;
    // The name is free once its user has left (the lesson frees it
    // before the answer goes out; a moment after it is not wrong).
    let mut back = join_again(addr, &names[0], "`quit`")?;
    let clock = Clock::start();
    staying.say(&message)?;
    back.hears(&clock, &names[1], &message)
}

pub(crate) fn vanish(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 3);
    let message = random_message(&mut ctx.rng);
    let mut staying = User::join(addr, &names[0], false)?;
    // Gone with a close (FIN), without `quit`.
    let closing = User::join(addr, &names[1], false)?;
    drop(closing);
    staying.hears_nothing("a user closed its connection")?;
    // Gone with a reset, as when a client crashes.
    let resetting = User::join(addr, &names[2], false)?;
    resetting.peer.reset();
    staying.hears_nothing("a user reset its connection")?;
    let mut back = join_again(addr, &names[1], "its user closed")?;
    join_again(addr, &names[2], "its user reset the connection")?;
    let clock = Clock::start();
    staying.say(&message)?;
    back.hears(&clock, &names[0], &message)?;
    still_running(ctx, "two users vanished")
}

pub(crate) fn not_utf8(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 3);
    let bad = random_non_utf8(&mut ctx.rng);
    let good = random_message(&mut ctx.rng);
    let mut sender = User::join(addr, &names[0], false)?;
    let mut reader = User::join(addr, &names[1], false)?;
    let clock = Clock::start();
    sender.say(&bad)?;
    reader.hears(&clock, &names[0], &bad)?;
    sender.say(&good)?;
    reader.hears(&clock, &names[0], &good).map_err(|failure| {
        failure.because(
            "after a message that is not UTF-8, the sender's next message \
             did not arrive",
        )
    })?;
    // A name that is not UTF-8: any answer, or none, but the room goes on.
    let mut bad_name = Peer::connect(addr, "a name that is not UTF-8")?;
    bad_name.send(&bad)?;
    let _ = bad_name.read_line(256);
    drop(bad_name);
    let mut next = User::join(addr, &names[2], false).map_err(|failure| {
        failure.because("after a login with a name that is not UTF-8, the next login failed")
    })?;
    sender.say(&good)?;
    next.hears(&Clock::start(), &names[0], &good)
}

pub(crate) fn silent_login(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let silent = Peer::connect(addr, "a connection that sends no name")?;
    User::join(addr, &name, false).map_err(|failure| {
        failure.because(
            "a login was not answered while an earlier connection had not \
             sent its name yet",
        )
    })?;
    drop(silent);
    Ok(())
}

pub(crate) fn stop(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 2);
    let mut users = names
        .iter()
        .map(|name| User::join(addr, name, false))
        .collect::<Result<Vec<_>, _>>()?;
    stops_on_ctrl_c(ctx, ", with users logged in", "accept() or recv()")?;
    for user in &mut users {
        // `quit`, what makes an original client leave, or nothing; then
        // the end of the stream (a close, or a reset).
        let said = user.peer.read_line(64);
        if !said.is_empty() && said != QUIT {
            return Err(user
                .peer
                .fail(
                    "the server sent something else than `quit` as it stopped",
                )
                .expected("`quit`, or nothing", shown(&said)));
        }
        user.peer.expect_close("the server stopped", true)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------
// The server's stages, with --lines.

pub(crate) fn lines_login(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let message = line(name.as_bytes());
    let cuts = random_cuts(&mut ctx.rng, message.len());
    let pause = random_pause(&mut ctx.rng);
    let mut peer = Peer::connect(addr, &name)?;
    peer.send_in_pieces(&message, &cuts, pause)?;
    peer.expect_line(SUCCESS, "`success` and its newline")?;
    let mut second = Peer::connect(addr, "the second login")?;
    second.send(&message)?;
    second.expect_line(REUSE, "`reuse` and its newline")?;
    second.expect_close("`reuse`", true)
}

pub(crate) fn lines_messages(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 2);
    let count = ctx.rng.usize(3..=6);
    let messages: Vec<Vec<u8>> =
        (0..count).map(|_| random_message(&mut ctx.rng)).collect();
    let mut sender = User::join(addr, &names[0], true)?;
    let mut reader = User::join(addr, &names[1], true)?;
    let clock = Clock::start();
    // Several lines in one write.
    let all: Vec<u8> = messages.iter().flat_map(|m| line(m)).collect();
    sender.peer.send(&all)?;
    for message in &messages {
        reader.hears(&clock, &names[0], message)?;
    }
    // One line in pieces, cut anywhere, even inside a character.
    let last = line(&messages[0]);
    let cuts = random_cuts(&mut ctx.rng, last.len());
    let pause = random_pause(&mut ctx.rng);
    sender.peer.send_in_pieces(&last, &cuts, pause)?;
    reader.hears(&clock, &names[0], &messages[0])?;
    reader.hears_nothing("the messages")
}

/// Connects with a small receive buffer, asked for before the handshake
/// (the window is agreed on then), so that a user who never reads is
/// full after a few messages.
fn connect_small(addr: SocketAddr, label: &str) -> Result<Peer, Failure> {
    let failed = |err: std::io::Error| {
        Failure::new(format!("{label}: could not connect to {addr}: {err}"))
    };
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )
    .map_err(failed)?;
    socket
        .set_recv_buffer_size(STUCK_RECV_BUFFER)
        .map_err(failed)?;
    socket
        .connect_timeout(&addr.into(), CONNECT_TIMEOUT)
        .map_err(failed)?;
    Peer::over(TcpStream::from(socket), label)
}

/// Two ends of one connection: one thread reads while another writes.
fn split(addr: SocketAddr, label: &str) -> Result<(Peer, Peer), Failure> {
    let stream =
        TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).map_err(|err| {
            Failure::new(format!("{label}: could not connect to {addr}: {err}"))
        })?;
    let other = stream.try_clone().map_err(|err| {
        Failure::new(format!("{label}: cannot clone the socket: {err}"))
    })?;
    Ok((Peer::over(stream, label)?, Peer::over(other, label)?))
}

/// The talker's message number `n` in `lines-stuck`: its number, then
/// filler up to [`STUCK_MESSAGE_LEN`] bytes.
fn stuck_message(n: usize) -> Vec<u8> {
    let mut message = format!("{n:0>7} ").into_bytes();
    message.resize(STUCK_MESSAGE_LEN, b'x');
    message
}

pub(crate) fn lines_stuck(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 3);
    // The stuck user logs in, then never reads again.
    let mut stuck =
        connect_small(addr, &format!("{} (never reads)", names[0]))?;
    stuck.send(&line(names[0].as_bytes()))?;
    stuck.expect_line(SUCCESS, "`success`")?;
    let mut reader = User::join(addr, &names[1], true)?;
    let (mut talker, mut talker_reads) = split(addr, &names[2])?;
    talker.send(&line(names[2].as_bytes()))?;
    talker_reads.expect_line(SUCCESS, "`success`")?;
    let start = Instant::now();
    let clock = Clock::start();
    let heard_so_far = Arc::new(AtomicUsize::new(0));
    let progress = Arc::clone(&heard_so_far);
    let writer = thread::spawn(move || -> Result<(), Failure> {
        for batch in (0..STUCK_MESSAGES).collect::<Vec<_>>().chunks(16) {
            let ahead = batch[0].saturating_sub(STUCK_WINDOW);
            if !caught_up(&progress, ahead, start + STUCK_WITHIN) {
                return Ok(()); // the reader reports what it missed
            }
            let bytes: Vec<u8> = batch
                .iter()
                .flat_map(|&n| line(&stuck_message(n)))
                .collect();
            talker.send(&bytes)?;
        }
        Ok(())
    });
    let name = names[2].clone();
    let mut heard = 0;
    while heard < STUCK_MESSAGES {
        reader.hears(&clock, &name, &stuck_message(heard)).map_err(
            |failure| {
                failure.because(format!(
                "while {} did not read, {} got only {heard} of {} \
                 messages",
                names[0], names[1], STUCK_MESSAGES
            ))
            .note(format!(
                "The lesson waits {SLOW_CLIENT_WAIT:?} for a user whose \
                 queue is full, then cuts it: nobody else waits longer."
            ))
            },
        )?;
        heard += 1;
        heard_so_far.store(heard, Ordering::Relaxed);
        if start.elapsed() > STUCK_WITHIN {
            return Err(Failure::new(format!(
                "while {} did not read, {} got only {heard} of {} messages \
                 in {STUCK_WITHIN:?}",
                names[0], names[1], STUCK_MESSAGES
            )));
        }
    }
    let _ = writer.join();
    // The stuck one is cut: what the kernel holds for it, then the end.
    let deadline = Instant::now() + CUT_WITHIN;
    loop {
        let got = stuck.read_line(2 * MAX_MESSAGE);
        if got.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            return Err(stuck.fail(format!(
                "the user who never read was still connected \
                 {CUT_WITHIN:?} after the others had every message"
            )));
        }
    }
    stuck
        .expect_close("its queue stayed full", true)
        .map_err(|failure| {
            failure.because(format!(
                "the user who never read was not cut off ({} was waited for)",
                names[0]
            ))
        })
}

/// Whether the last read on `peer` found silence (rather than a close or
/// a reset).
fn silent(peer: &Peer) -> bool {
    matches!(peer.conversation().1.last(), Some(Said::Silence(_)))
}

/// Waits until `progress` is at least `count`, or `deadline` passes
/// (then false). The checker's threads pace themselves on each other,
/// not on the program: a short poll is enough.
fn caught_up(progress: &AtomicUsize, count: usize, deadline: Instant) -> bool {
    while progress.load(Ordering::Relaxed) < count {
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    true
}

/// One crowd user's end: reads every line the others send, checks each
/// sender's messages arrive whole and in order, and returns how many it
/// got from each.
fn crowd_reader(
    mut peer: Peer,
    me: usize,
    names: &[String],
    messages: &[Vec<Vec<u8>>],
    stamps: &std::collections::HashMap<Vec<u8>, Zoned>,
    deadline: Instant,
    progress: &AtomicUsize,
) -> Result<(), Failure> {
    let expected = (names.len() - 1) * CROWD_MESSAGES;
    let mut next = vec![0usize; names.len()];
    let limit = MAX_MESSAGE + 256;
    for got in 0..expected {
        // A pause is no failure here, however long, while the crowd's
        // time lasts: 245,000 lines on a busy machine may stall for a
        // while. A close is.
        let line = loop {
            let line = next_line(&mut peer, limit);
            if !line.is_empty() || Instant::now() > deadline || !silent(&peer) {
                break line;
            }
        };
        if line.is_empty() {
            let how = if silent(&peer) {
                format!("after {CROWD_WITHIN:?}")
            } else {
                "when its connection ended".to_owned()
            };
            return Err(peer.fail(format!(
                "{} had only {got} of its {expected} messages {how}",
                names[me]
            )));
        }
        let whole = line.strip_suffix(b"\n");
        let found = whole.and_then(|text| {
            // `[<ctime>] <name>: <message>`: the stamp's length is fixed.
            let stamp = text.get(1..25)?;
            let at = stamps.get(stamp)?;
            let rest = text.get(27..)?;
            let colon = rest.windows(2).position(|w| w == b": ")?;
            let from = std::str::from_utf8(&rest[..colon]).ok()?;
            let who = names.iter().position(|name| name == from)?;
            let message = messages[who].get(next[who])?;
            (who != me && said(at, from, message) == text).then_some(who)
        });
        let Some(who) = found else {
            return Err(peer
                .fail(format!(
                    "{} got a line that is not the next message of anyone \
                     (after {got} of {expected})",
                    names[me]
                ))
                .expected(
                    "`[<ctime>] <name>: <message>`, each sender's in order",
                    shown(&line),
                ));
        };
        next[who] += 1;
        progress.store(got + 1, Ordering::Relaxed);
        if Instant::now() > deadline {
            return Err(peer.fail(format!(
                "{} had only {got} of its {expected} messages after \
                 {CROWD_WITHIN:?}",
                names[me]
            )));
        }
    }
    Ok(())
}

pub(crate) fn lines_crowd(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, CROWD);
    let messages: Vec<Vec<Vec<u8>>> = (0..CROWD)
        .map(|i| {
            (0..CROWD_MESSAGES)
                .map(|n| {
                    // Short: 245,000 lines go out in all.
                    let mut m = format!("{i}.{n} ").into_bytes();
                    m.extend(
                        (0..ctx.rng.usize(1..=8))
                            .map(|_| ctx.rng.lowercase() as u8),
                    );
                    m
                })
                .collect()
        })
        .collect();
    // A few log in at a time, so that a slow answer is waited for once
    // per few users rather than once per user.
    let mut ends = Vec::new();
    for group in names.chunks(CROWD_LOGINS_AT_ONCE) {
        let logins: Vec<_> = group
            .iter()
            .map(|name| {
                let name = name.clone();
                thread::spawn(move || -> Result<(Peer, Peer), Failure> {
                    let (mut writer, mut reader) = split(addr, &name)?;
                    writer.send(&line(name.as_bytes()))?;
                    reader.expect_line(SUCCESS, "`success`")?;
                    Ok((writer, reader))
                })
            })
            .collect();
        for login in logins {
            match login.join() {
                Ok(ends_of_one) => ends.push(ends_of_one?),
                Err(_) => {
                    return Err(Failure::new("a checker thread panicked"));
                }
            }
        }
    }
    let start = Instant::now();
    let clock = Clock::start();
    // Every second the stamps may show, up to the deadline.
    let stamps: std::collections::HashMap<Vec<u8>, Zoned> = {
        let mut stamps = std::collections::HashMap::new();
        let mut at = clock.from.clone();
        let end = CROWD_WITHIN.as_secs() + 3;
        for _ in 0..end {
            stamps.insert(ctime(&at).into_bytes(), at.clone());
            match at.checked_add(SignedDuration::from_secs(1)) {
                Ok(next) => at = next,
                Err(_) => break,
            }
        }
        stamps
    };
    let deadline = start + CROWD_WITHIN;
    let (names, messages, stamps) =
        (Arc::new(names), Arc::new(messages), Arc::new(stamps));
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for (me, (mut writer, reader)) in ends.into_iter().enumerate() {
        let (n, m, s) = (names.clone(), messages.clone(), stamps.clone());
        let progress = Arc::new(AtomicUsize::new(0));
        let read = Arc::clone(&progress);
        readers.push(thread::spawn(move || {
            crowd_reader(reader, me, &n, &m, &s, deadline, &read)
        }));
        let m = messages.clone();
        writers.push(thread::spawn(move || -> Result<Peer, Failure> {
            for (b, batch) in m[me].chunks(CROWD_BATCH).enumerate() {
                let ahead = (b * CROWD_BATCH * (CROWD - 1))
                    .saturating_sub(CROWD_WINDOW);
                if !caught_up(&progress, ahead, deadline) {
                    break; // its reader reports what it missed
                }
                let bytes: Vec<u8> =
                    batch.iter().flat_map(|m| line(m)).collect();
                writer.send(&bytes)?;
            }
            // Kept open until the readers are done: a close is a leave.
            Ok(writer)
        }));
    }
    let mut kept = Vec::new();
    for writer in writers {
        match writer.join() {
            Ok(Ok(peer)) => kept.push(peer),
            Ok(Err(failure)) => return Err(failure),
            Err(_) => return Err(Failure::new("a checker thread panicked")),
        }
    }
    for reader in readers {
        match reader.join() {
            Ok(result) => result?,
            Err(_) => return Err(Failure::new("a checker thread panicked")),
        }
    }
    drop(kept);
    Ok(())
}

// ---------------------------------------------------------------------
// The client's stages: the checker plays the server.

/// A client started as `name`, its stdin a pipe the stage types into,
/// and the checker's end of its connection once it has sent its name
/// and been told `success`.
fn client_logged_in(
    ctx: &mut Ctx,
    lines: bool,
) -> Result<(String, Peer), Failure> {
    let name = random_name(&mut ctx.rng);
    ctx.typed = true;
    let mut peer =
        ctx.start_client(&["--username".to_owned(), name.clone()])?;
    if lines {
        peer.expect_line(name.as_bytes(), "the name line")?;
        let answer = line(SUCCESS);
        let cuts = random_cuts(&mut ctx.rng, answer.len());
        peer.send_in_pieces(&answer, &cuts, random_pause(&mut ctx.rng))?;
    } else {
        peer.expect(name.as_bytes(), "the name")?;
        // The bare name: the original server's first read is all of it.
        peer.expect_quiet(QUIET, "the name")?;
        peer.send(SUCCESS)?;
    }
    Ok((name, peer))
}

/// Types a line into the client.
fn type_line(ctx: &mut Ctx, text: &[u8]) -> Result<(), Failure> {
    ctx.program()?.type_in(&line(text)).map_err(|err| {
        Failure::new(format!(
            "the checker could not type into the client: {err}"
        ))
    })
}

/// Fails unless the client printed `expected`, one message per line.
fn printed(ctx: &mut Ctx, expected: &[String]) -> Result<(), Failure> {
    let stdout = ctx
        .program()?
        .stdout_lines(expected.len(), REPLY_TIMEOUT)
        .to_vec();
    if stdout != expected {
        return Err(Failure::new(
            "the client did not print each message on a line of its own",
        )
        .expected(format!("{expected:?}"), format!("{stdout:?}")));
    }
    Ok(())
}

fn client_login(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_, mut peer) = client_logged_in(ctx, false)?;
    let message = random_message(&mut ctx.rng);
    type_line(ctx, &message)?;
    peer.expect(&message, "the typed line, without its newline")?;
    peer.expect_quiet(QUIET, "the typed line")
}

fn client_messages(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_, mut peer) = client_logged_in(ctx, false)?;
    let count = ctx.rng.usize(2..=4);
    let others = random_names(&mut ctx.rng, count);
    let mut expected = Vec::new();
    for other in &others {
        let message = said(&Zoned::now(), other, &random_message(&mut ctx.rng));
        // One message per write, and the next only once this one is
        // printed: one read is one message in this protocol.
        peer.send(&message)?;
        expected.push(String::from_utf8_lossy(&message).into_owned());
        printed(ctx, &expected)?;
    }
    Ok(())
}

fn client_reuse(ctx: &mut Ctx) -> Result<(), Failure> {
    let name = random_name(&mut ctx.rng);
    ctx.typed = true;
    let mut peer =
        ctx.start_client(&["--username".to_owned(), name.clone()])?;
    peer.expect(name.as_bytes(), "the name")?;
    peer.send(REUSE)?;
    drop(peer);
    let (code, stdout) = ctx.client_finished()?;
    let stderr = ctx.program()?.stderr();
    let said: Vec<&String> = stderr
        .iter()
        .filter(|line| line.starts_with("error:"))
        .collect();
    if code != Some(1) || said.len() != 1 || !stdout.is_empty() {
        return Err(Failure::new(
            "on `reuse`, the client did not end with one `error:` line and \
             exit code 1",
        )
        .expected(
            "exit code 1, one line on stderr starting `error:`, nothing on stdout",
            format!(
                "{}, {} `error:` line(s), stdout {stdout:?}",
                exit_code(code),
                said.len()
            ),
        ));
    }
    Ok(())
}

fn client_quit(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_, mut peer) = client_logged_in(ctx, false)?;
    type_line(ctx, QUIT)?;
    peer.expect(QUIT, "`quit`")?;
    peer.send(QUIT)?;
    drop(peer);
    let (code, stdout) = ctx.client_finished()?;
    if code != Some(0) || !stdout.is_empty() {
        return Err(Failure::new(
            "after `quit`, answered and closed, the client did not exit 0 \
             with nothing printed",
        )
        .expected(
            "exit code 0, nothing on stdout",
            format!("{}, {stdout:?}", exit_code(code)),
        ));
    }
    Ok(())
}

fn client_eof(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_, mut peer) = client_logged_in(ctx, false)?;
    ctx.program()?.close_stdin();
    // `quit`, or the client's close (FIN): either tells the server.
    match peer.read_exactly(QUIT.len(), "`quit` or a close") {
        Ok(got) if got == QUIT => peer.send(QUIT)?,
        Ok(got) => {
            return Err(peer
                .fail("at the end of its input the client sent something else")
                .expected("`quit`, or a close", shown(&got)));
        }
        Err(failure) => {
            peer.expect_close("the end of the client's input", true)
                .map_err(|_| {
                    failure.because(
                    "at the end of its input the client neither sent `quit` \
                     nor closed",
                )
                })?;
        }
    }
    drop(peer);
    let Some(status) = ctx.program()?.wait(CLIENT_EXIT_TIMEOUT) else {
        return Err(Failure::new(format!(
            "the client was still running {CLIENT_EXIT_TIMEOUT:?} after the \
             end of its input and its server's close"
        )));
    };
    if status.code() != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 at the end of its input",
        )
        .expected("exit code 0", crate::program::describe(status)));
    }
    Ok(())
}

fn client_lines(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_, mut peer) = client_logged_in(ctx, true)?;
    let count = ctx.rng.usize(3..=5);
    let others = random_names(&mut ctx.rng, count);
    let lines: Vec<Vec<u8>> = others
        .iter()
        .map(|other| said(&Zoned::now(), other, &random_message(&mut ctx.rng)))
        .collect();
    let expected: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    // The first two in one write, the rest cut in pieces.
    let together: Vec<u8> = lines[..2].iter().flat_map(|l| line(l)).collect();
    peer.send(&together)?;
    for message in &lines[2..] {
        let bytes = line(message);
        let cuts = random_cuts(&mut ctx.rng, bytes.len());
        peer.send_in_pieces(&bytes, &cuts, random_pause(&mut ctx.rng))?;
    }
    printed(ctx, &expected)?;
    type_line(ctx, QUIT)?;
    peer.expect_line(QUIT, "the `quit` line")?;
    peer.send(&line(QUIT))?;
    drop(peer);
    let (code, stdout) = ctx.client_finished()?;
    if code != Some(0) || stdout != expected {
        return Err(Failure::new(
            "after `quit`, the client did not exit 0 with every message printed",
        )
        .expected(
            format!("exit code 0, {expected:?}"),
            format!("{}, {stdout:?}", exit_code(code)),
        ));
    }
    Ok(())
}
