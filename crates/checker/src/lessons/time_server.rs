//! time-server's stages: the server in the original protocol, with
//! clients that talk, vanish and crowd in; the two RFC formats and UDP;
//! then the client.
//!
//! The protocol (`program`/`checker` as in the reports; nothing ends in a
//! newline):
//!
//! ```text
//! checker: (connects, says nothing)
//! program: 2026-12-06 10:15:03.123456
//! program: (closes)
//! ```
//!
//! The answer is checked against the checker's own clock: both run on
//! this machine, so a correct server is within a second of it. The
//! original's text has no time zone; it is read in this machine's, as
//! the server wrote it.

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use time_server::Format;
use time_server::client::{MAX_ANSWER, READ_TIMEOUT};
use time_server::clock::{parse_answer, python_str, rfc868_seconds};

use crate::lessons::shared::{
    QUIET, STOP_WITHIN, exit_code, join_crowd, random_pause, still_running,
    stops_on_ctrl_c,
};
use crate::lessons::{CLIENT, Lesson, SERVER};
use crate::report::{Failure, shown};
use crate::stage::{CLIENT_EXIT_TIMEOUT, Ctx, End, Stage};
use crate::udp::Datagrams;
use crate::wire::{Peer, REPLY_TIMEOUT};

/// How far the time a server sends may be from the checker's clock: the
/// same clock is read by both, so this is only the time it takes to send
/// and read the answer on a busy machine, with margin.
const SAME_CLOCK: SignedDuration = SignedDuration::from_secs(1);

/// How many clients come one after another in `next-client`.
const IN_TURN: std::ops::RangeInclusive<usize> = 3..=5;

/// How many clients connect at once in `burst`, and how soon each must
/// have its answer.
const BURST: usize = 16;
const BURST_WITHIN: Duration = Duration::from_secs(2);

/// How many clients send bytes before reading in `no-reset`: the reset
/// comes only when those bytes arrive before the server closes. The
/// first client or two may lose that race to a fast server; the later
/// ones' bytes are waiting before it accepts them.
const TALKERS: usize = 10;

/// How many clients send bytes and reset in `vanish`.
const VANISHING: usize = 50;

/// How long a client may wait for a server that never answers: the
/// lesson's client gives up after READ_TIMEOUT; this leaves it 5 s more.
const CLIENT_GIVES_UP_WITHIN: Duration =
    Duration::from_secs(READ_TIMEOUT.as_secs() + 5);

/// What a client sends though nobody asked: a telnet user's Enter, a
/// browser's request, a greeting.
const CHATTER: &[&[u8]] = &[
    b"\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"hello?\n",
    b"what time is it",
];

/// 2036-02-07 06:28:16 UTC, when RFC 868's 32-bit count of seconds since
/// 1900 wraps to 0.
const RFC868_WRAP: i64 = (1 << 32) - time_server::clock::RFC868_EPOCH_OFFSET;

const RFC867: &[&str] = &["--rfc867"];
const RFC868: &[&str] = &["--rfc868"];
const UDP: &[&str] = &["--udp"];

/// time-server: lesson 2.
pub const LESSON: Lesson = Lesson {
    name: "time-server",
    exercise: "time-server-exercise",
    exercise_dir: "crates/exercises/time-server",
    server: Some(SERVER),
    client: Some(CLIENT),
    peer: None,
    stages: &[
        Stage {
            slug: "listen",
            checks: "prints `listening on ADDR` and accepts a connection there",
            why: "A server's socket goes through socket(), bind() and listen() before a client can connect; only then does the server print where it listens, so that nobody connects too early.",
            book: "time-server.md#the-server-one-client-at-a-time",
            hint: "Read `bind_tcp` in crates/netkit/src/bind.rs (socket, SO_REUSEADDR, bind, listen), then `serve_tcp` in crates/time-server/src/server.rs: the accept loop runs until Ctrl-C.",
            end: End::Server,
            flags: &[],
            run: listen,
        },
        Stage {
            slug: "time",
            checks: "sends the time as `str(datetime.now())` writes it, within 1 s of the checker's clock, then closes",
            why: "The client asks nothing: connecting is the question. The server reads its clock, sends the text, and closes; the close (a read of 0 bytes at the client) is the only end of the answer, since it has no length and no newline.",
            book: "time-server.md#the-original-strdatetimenow",
            hint: "Read `python_str` and `answer` in crates/time-server/src/clock.rs, and `serve_tcp` in crates/time-server/src/server.rs: the clock is read once per connection, then `say_and_close` (in crates/netkit/src/server.rs) sends the answer and closes.",
            end: End::Server,
            flags: &[],
            run: time,
        },
        Stage {
            slug: "next-client",
            checks: "answers 3 to 5 clients that come one after another",
            why: "accept() returns one connection and the listening socket goes on listening: after closing one client, the server goes back to accept() for the next.",
            book: "time-server.md#the-server-one-client-at-a-time",
            hint: "Read `serve_tcp` in crates/time-server/src/server.rs: `netkit::serve` loops over accept() until Ctrl-C; with `sequential: true` it runs each answer on the accepting thread.",
            end: End::Server,
            flags: &[],
            run: next_client,
        },
        Stage {
            slug: "burst",
            checks: "answers 16 clients that connect at once, each within 2 s",
            why: "Clients that connect together wait in the listen backlog until accept() takes them. A server that answers one at a time serves them all quickly only if nothing between two accepts waits.",
            book: "time-server-under-the-hood.md#why-one-at-a-time-is-the-right-model",
            hint: "Read `serve_tcp` in crates/time-server/src/server.rs and `say_and_close` in crates/netkit/src/server.rs: nothing in the answer waits for the client, so one at a time is fast.",
            end: End::Server,
            flags: &[],
            run: burst,
        },
        Stage {
            slug: "no-reset",
            checks: "a client that sent bytes first still gets the time and a close, not a reset",
            why: "Closing a TCP socket with unread bytes in its receive buffer sends a reset (RST) instead of a FIN: the client sees an error where the end of the answer should be, and may lose the answer. Shut down the sending side first (FIN), then read and drop what the client sent.",
            book: "time-server.md#a-client-that-talks-turns-the-close-into-a-reset",
            hint: "Read `say_and_close` in crates/netkit/src/server.rs: write, shutdown(Write), then drain the input without waiting.",
            end: End::Server,
            flags: &[],
            run: no_reset,
        },
        Stage {
            slug: "vanish",
            checks: "keeps serving after 50 clients send bytes and reset the connection",
            why: "A client can reset its connection before the server has answered it; the server's write then fails (ECONNRESET, EPIPE). That error belongs to one connection: log it, close it, and accept the next.",
            book: "time-server.md#the-server-one-client-at-a-time",
            hint: "Read `run_handler` in crates/netkit/src/server.rs: a handler's error (here `say_and_close` failing) is logged with the client's address, and the loop goes on.",
            end: End::Server,
            flags: &[],
            run: vanish,
        },
        Stage {
            slug: "rfc867",
            checks: "with --rfc867: one line of Daytime ending in CRLF, within 1 s of the checker's clock, then the close",
            why: "RFC 867's Daytime is the standard form of this server: one line of text for people, ending in CRLF, with the zone's offset so that it means one instant.",
            book: "time-server.md#rfc-867-daytime",
            hint: "Read `answer` in crates/time-server/src/clock.rs: the Daytime line is one strftime and \\r\\n.",
            end: End::Server,
            flags: RFC867,
            run: rfc867,
        },
        Stage {
            slug: "rfc868",
            checks: "with --rfc868: 4 bytes, big-endian seconds since 1900, within 1 s of the checker's clock, then the close",
            why: "RFC 868's Time is for programs: a 32-bit number, most significant byte first (network byte order), counting seconds from 1900-01-01 UTC. It wraps to 0 in February 2036.",
            book: "time-server.md#rfc-868-time",
            hint: "Read `rfc868_seconds` in crates/time-server/src/clock.rs: Unix seconds plus RFC868_EPOCH_OFFSET, kept to 32 bits, sent with to_be_bytes.",
            end: End::Server,
            flags: RFC868,
            run: rfc868,
        },
        Stage {
            slug: "udp",
            checks: "with --udp: each datagram, empty or not, gets the time in one datagram",
            why: "UDP has no connection and no close: a datagram is the question and a datagram is the answer, sent back to the address recvfrom() gave. An empty datagram is a datagram too.",
            book: "time-server.md#over-udp",
            hint: "Read `serve_udp` in crates/time-server/src/server.rs and `serve_datagrams` in crates/netkit/src/udp.rs: recv_from, then send_to the sender.",
            end: End::Server,
            flags: UDP,
            run: udp,
        },
        Stage {
            slug: "stop",
            checks: "exits 0 within 2 s of Ctrl-C",
            why: "Ctrl-C sends SIGINT. Without a handler a Rust program dies at once, killed by the signal; a server catches it, stops accepting and exits 0.",
            book: "hello-echo.md#6-no-way-to-stop-but-killing-the-process",
            hint: "Read `trigger_on_signals` in crates/netkit/src/shutdown.rs, and how `serve` in crates/netkit/src/server.rs returns when the handle triggers.",
            end: End::Server,
            flags: &[],
            run: stop,
        },
        Stage {
            slug: "client-time",
            checks: "the client prints the time the server sent as its first line, and exits 0",
            why: "The client connects, sends nothing and reads: the server's close tells it the answer is complete.",
            book: "time-server.md#closing-is-the-end-of-the-message",
            hint: "Read `query_tcp` and `Reading::print` in crates/time-server/src/client.rs: read to the end, then print what the server said.",
            end: End::Client,
            flags: &[],
            run: client_time,
        },
        Stage {
            slug: "client-split",
            checks: "the client prints an answer that arrives in pieces as one line",
            why: "TCP keeps no message boundaries: the server's one write may arrive in several reads. Only the close says the answer is whole, so the client reads until a read returns 0 bytes.",
            book: "time-server.md#one-recv1024-is-not-the-whole-answer",
            hint: "Read `query_tcp` in crates/time-server/src/client.rs: `read_to_end(..)` reads until the close, and `take(..)` bounds it.",
            end: End::Client,
            flags: &[],
            run: client_split,
        },
        Stage {
            slug: "client-never-closes",
            checks: "when the server neither answers nor closes, the client gives up within 15 s with one `error:` line and exit 1",
            why: "A read with no timeout waits forever for a server that never answers. A read timeout (SO_RCVTIMEO) makes it fail instead, and the client says so.",
            book: "concepts.md#blocking-and-timeouts",
            hint: "Read `query_tcp` in crates/time-server/src/client.rs: set_read_timeout(READ_TIMEOUT) before reading.",
            end: End::Client,
            flags: &[],
            run: client_never_closes,
        },
        Stage {
            slug: "client-rfc868",
            checks: "with --rfc868: the client shows a number past 2036's wrap as its UTC date and time",
            why: "An RFC 868 number is 4 big-endian bytes, and 32 bits of seconds wrap every 136 years: 0 is 1900 and also 2036-02-07 06:28:16 UTC. The client takes the era that puts the number nearest its own clock.",
            book: "time-server.md#rfc-868-time",
            hint: "Read `from_rfc868` and `parse_answer` in crates/time-server/src/clock.rs: u32::from_be_bytes, then the era nearest the reference.",
            end: End::Client,
            flags: RFC868,
            run: client_rfc868,
        },
    ],
};

/// The checker's clock, and its zone: the server's, on this machine.
fn zone() -> TimeZone {
    TimeZone::system()
}

/// Checks that `answer` is a time of `format` between `asked` and
/// `answered` (give or take [`SAME_CLOCK`] and the format's resolution),
/// and returns the instant.
fn is_the_time(
    format: Format,
    answer: &[u8],
    asked: Timestamp,
    answered: Timestamp,
) -> Result<Timestamp, Failure> {
    let time = parse_answer(format, answer, &zone(), answered)
        .map_err(|err| Failure::new(err.to_string()))?;
    // Daytime and Time cut the fraction of a second: the server's clock
    // read up to a second after what it says.
    let cut = match format {
        Format::Original => SignedDuration::ZERO,
        Format::Daytime | Format::Time => SignedDuration::from_secs(1),
    };
    let earliest = asked - SAME_CLOCK - cut;
    let latest = answered + SAME_CLOCK;
    if time.instant < earliest || time.instant > latest {
        let off = time.instant.duration_since(answered).as_secs_f64();
        return Err(Failure::new(format!(
            "the time sent is {off:+.3} s from the checker's clock"
        ))
        .expected(
            format!(
                "a time within {} s of {}",
                SAME_CLOCK.as_secs(),
                answered.to_zoned(zone()).strftime("%Y-%m-%d %H:%M:%S %Z")
            ),
            // RFC 868's bytes, with what they mean.
            match format {
                Format::Time => format!("{} ({})", shown(answer), time.text),
                _ => shown(answer),
            },
        )
        .note(
            "The checker and the server read the same clock. The original \
             format has no time zone: it is this machine's local time.",
        ));
    }
    Ok(time.instant)
}

/// One connection: the answer read to the close, checked as a time of
/// `format`.
fn ask(addr: SocketAddr, format: Format, label: &str) -> Result<(), Failure> {
    let asked = Timestamp::now();
    let mut peer = Peer::connect(addr, label)?;
    let answer = peer.read_to_close(MAX_ANSWER, "the time")?;
    check_answer(&peer, format, &answer, asked)
}

/// Checks an answer read on `peer`, with its shape for `format`.
fn check_answer(
    peer: &Peer,
    format: Format,
    answer: &[u8],
    asked: Timestamp,
) -> Result<(), Failure> {
    let answered = Timestamp::now();
    let with_peer = |mut failure: Failure| {
        failure.conversations.push(peer.conversation());
        failure
    };
    if format == Format::Original {
        original_shape(answer).map_err(with_peer)?;
    }
    if format == Format::Daytime {
        daytime_shape(answer).map_err(with_peer)?;
    }
    is_the_time(format, answer, asked, answered).map_err(with_peer)?;
    Ok(())
}

/// The original's answer is exactly `str(datetime.now())`: no newline,
/// no other digits.
fn original_shape(answer: &[u8]) -> Result<(), Failure> {
    let text = String::from_utf8_lossy(answer);
    // Written back from the instant it reads as, it must be the same
    // text: no padding missing, no digits cut, nothing after it.
    let same =
        parse_answer(Format::Original, answer, &zone(), Timestamp::now())
            .ok()
            .map(|time| python_str(time.instant.to_zoned(zone()).datetime()));
    if same.as_deref() == Some(&*text) {
        return Ok(());
    }
    let want = "exactly the text of str(datetime.now()): \
                2026-12-06 10:15:03.123456 (no fraction when it is 0), \
                nothing after it";
    Err(Failure::new(
        "the answer is not in the original's format, byte for byte",
    )
    .expected(want, shown(answer))
    .note(
        "Nothing marks the end of the answer but the close: a newline \
         after the time would be printed as part of it.",
    ))
}

/// RFC 867 here: one line, ended by CRLF.
fn daytime_shape(answer: &[u8]) -> Result<(), Failure> {
    let one_line = answer
        .strip_suffix(b"\r\n")
        .is_some_and(|line| !line.contains(&b'\n') && !line.contains(&b'\r'));
    if one_line {
        return Ok(());
    }
    Err(Failure::new("the Daytime answer is not one line ending in CRLF")
        .expected(
            "one line like \"Sunday, December 6, 2026 10:15:03 +0000\\r\\n\"",
            shown(answer),
        ))
}

fn listen(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    // Connected is enough: what the server says is the next stage's.
    Peer::connect(addr, "the connection")?;
    Ok(())
}

fn time(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    ask(addr, Format::Original, "the connection")
}

fn next_client(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let count = ctx.rng.usize(IN_TURN);
    for i in 1..=count {
        ask(addr, Format::Original, &format!("client {i}")).map_err(
            |failure| {
                failure.because(format!(
                    "client {i} of {count}, which came after the one before \
                     was answered, did not get the time"
                ))
            },
        )?;
    }
    still_running(ctx, "answering its clients")
}

fn burst(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let start = Instant::now();
    let clients: Vec<_> = (1..=BURST)
        .map(|i| {
            thread::spawn(move || -> Result<Duration, Failure> {
                ask(addr, Format::Original, &format!("client {i}"))?;
                Ok(start.elapsed())
            })
        })
        .collect();
    let slowest = join_crowd(clients, "answered")?
        .into_iter()
        .max()
        .unwrap_or_default();
    if slowest > BURST_WITHIN {
        return Err(Failure::new(format!(
            "of {BURST} clients that connected at once, the last had its \
             answer only after {:.1} s",
            slowest.as_secs_f64()
        ))
        .expected(
            format!("every answer within {BURST_WITHIN:?}"),
            format!("{:.1} s", slowest.as_secs_f64()),
        ));
    }
    Ok(())
}

fn no_reset(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    // Every client connects and sends before any reads, as telnet users
    // pressing Enter would. A server that answers one client at a time
    // then finds the bytes of all but the first client or two already in
    // its receive buffer when it accepts it, so closing without reading
    // them is a reset each time.
    let asked = Timestamp::now();
    let mut talkers = Vec::new();
    for i in 1..=TALKERS {
        let chatter = CHATTER[ctx.rng.usize(..CHATTER.len())];
        let mut peer = Peer::connect(addr, &format!("client {i}"))?;
        peer.send(chatter)?;
        talkers.push((i, chatter, peer));
    }
    for (i, chatter, mut peer) in talkers {
        let answer =
            peer.read_to_close(MAX_ANSWER, "the time")
                .map_err(|failure| {
                    failure.because(format!(
                        "client {i} of {TALKERS}, which sent {} before \
                         reading, did not get the time and a close",
                        shown(chatter)
                    ))
                })?;
        check_answer(&peer, Format::Original, &answer, asked)?;
    }
    Ok(())
}

fn vanish(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    for i in 1..=VANISHING {
        let chatter = CHATTER[ctx.rng.usize(..CHATTER.len())];
        let mut peer = Peer::connect(addr, &format!("client {i}"))?;
        peer.send(chatter)?;
        // Gone with a reset, probably before the server answers: its
        // write finds the connection reset.
        peer.reset();
    }
    ask(addr, Format::Original, "the next client").map_err(|failure| {
        failure.because(format!(
            "after {VANISHING} clients sent bytes and reset their \
             connections, the next one did not get the time"
        ))
    })?;
    still_running(ctx, "clients reset their connections")
}

fn rfc867(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    ask(addr, Format::Daytime, "the connection")
}

fn rfc868(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    ask(addr, Format::Time, "the connection")
}

fn udp(ctx: &mut Ctx) -> Result<(), Failure> {
    let server = ctx.start_server()?;
    let mut socket = Datagrams::bind("the checker's socket")?;
    let junk_len = ctx.rng.usize(1..=512);
    let junk: Vec<u8> = (0..junk_len).map(|_| ctx.rng.u8(..)).collect();
    let chatter = CHATTER[ctx.rng.usize(..CHATTER.len())];
    for request in [&b""[..], chatter, &junk] {
        let asked = Timestamp::now();
        socket.send_to(request, server)?;
        let Some((answer, from)) = socket.recv(REPLY_TIMEOUT)? else {
            return Err(socket
                .fail(format!(
                    "a datagram of {} bytes got no answer within \
                     {REPLY_TIMEOUT:?}",
                    request.len()
                ))
                .note("Any datagram is the question, even an empty one."));
        };
        if from != server {
            return Err(socket
                .fail("the answer came from another address")
                .expected(server.to_string(), from.to_string()));
        }
        let answered = Timestamp::now();
        let with_socket = |mut failure: Failure| {
            failure.conversations.push(socket.conversation());
            failure
        };
        original_shape(&answer).map_err(with_socket)?;
        is_the_time(Format::Original, &answer, asked, answered)
            .map_err(with_socket)?;
        socket.expect_quiet(QUIET, "one datagram for one request")?;
    }
    Ok(())
}

fn stop(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.start_server()?;
    stops_on_ctrl_c(ctx, "", "accept()")
}

/// A time to send a client, in the original's text: not the checker's
/// own time, so that a client printing its own clock does not pass.
fn some_time(rng: &mut fastrand::Rng) -> String {
    let back = SignedDuration::from_secs(rng.i64(3600..=30 * 86_400));
    let nanos = rng.i32(1..1_000_000) * 1000;
    let now = Zoned::now().datetime();
    let then = now.checked_sub(back).unwrap_or(now);
    python_str(then.with().subsec_nanosecond(nanos).build().unwrap_or(then))
}

/// Checks that the client printed `first` as its first line and exited 0.
fn printed_first(
    ctx: &mut Ctx,
    first: &str,
    what: &str,
) -> Result<(), Failure> {
    let (code, stdout) = ctx.client_finished()?;
    if stdout.first().map(String::as_str) != Some(first) {
        return Err(Failure::new(format!(
            "the client did not print {what} as its first line"
        ))
        .expected(format!("{first:?}"), format!("{stdout:?}")));
    }
    if code != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 after a complete answer",
        )
        .expected("exit code 0", exit_code(code)));
    }
    Ok(())
}

fn client_time(ctx: &mut Ctx) -> Result<(), Failure> {
    let text = some_time(&mut ctx.rng);
    let mut peer = ctx.start_client(&[])?;
    peer.send(text.as_bytes())?;
    // The close is the end of the answer.
    drop(peer);
    printed_first(ctx, &text, "the time the server sent")
}

fn client_split(ctx: &mut Ctx) -> Result<(), Failure> {
    let text = some_time(&mut ctx.rng);
    let mut cuts: Vec<usize> = (0..ctx.rng.usize(1..=3))
        .map(|_| ctx.rng.usize(1..text.len()))
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let pause = random_pause(&mut ctx.rng);
    let mut peer = ctx.start_client(&[])?;
    // A client that takes the first piece for the whole answer hangs up
    // before the rest: what it printed says more than the failed send.
    let sent = peer.send_in_pieces(text.as_bytes(), &cuts, pause);
    drop(peer);
    printed_first(ctx, &text, "the whole time, sent in pieces,")?;
    sent
}

fn client_never_closes(ctx: &mut Ctx) -> Result<(), Failure> {
    // Connected, and then nothing: no answer, no close.
    let peer = ctx.start_client(&[])?;
    let program = ctx.program()?;
    let Some(status) = program.wait(CLIENT_GIVES_UP_WITHIN) else {
        // Stopped while the connection still hangs, so that what it says
        // on stderr is not about the close that comes with the stage's
        // end.
        program.interrupt();
        program.wait(STOP_WITHIN);
        drop(peer);
        return Err(Failure::new(format!(
            "the client was still waiting {CLIENT_GIVES_UP_WITHIN:?} after \
             connecting to a server that never answers"
        ))
        .note(
            "A read without a timeout waits as long as the connection \
                 lives, which may be forever.",
        ));
    };
    drop(peer);
    let code = status.code();
    // Its last lines may still be in the pipes.
    let stdout = program.stdout(CLIENT_EXIT_TIMEOUT).to_vec();
    let stderr = program.stderr_to_end(CLIENT_EXIT_TIMEOUT);
    let said: Vec<&String> = stderr
        .iter()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let one_error_line = said.len() == 1 && said[0].starts_with("error:");
    if code != Some(1) || !one_error_line || !stdout.is_empty() {
        return Err(Failure::new(
            "when the server never answered, the client did not end with \
             one `error:` line, nothing on stdout, and exit code 1",
        )
        .expected(
            "exit code 1, one line on stderr starting `error:`, no stdout",
            format!(
                "{}, {} line(s) on stderr, stdout {stdout:?}",
                exit_code(code),
                said.len()
            ),
        ));
    }
    Ok(())
}

fn client_rfc868(ctx: &mut Ctx) -> Result<(), Failure> {
    // Some time in the 30 days after the wrap: a small number, which the
    // first era would read as January 1900.
    let after_wrap = RFC868_WRAP + ctx.rng.i64(0..30 * 86_400);
    let Ok(instant) = Timestamp::from_second(after_wrap) else {
        return Err(Failure::new("the checker cannot represent 2036"));
    };
    let number = rfc868_seconds(instant);
    let utc = instant.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let mut peer = ctx.start_client(&[])?;
    peer.send(&number.to_be_bytes())?;
    drop(peer);
    let (code, stdout) = ctx.client_finished()?;
    let first = stdout.first().map(String::as_str).unwrap_or_default();
    if !first.contains(&utc) {
        return Err(Failure::new(format!(
            "the client did not show RFC 868's {number} as {utc} UTC"
        ))
        .expected(
            format!("a first line with {utc} in it"),
            format!("{stdout:?}"),
        )
        .note(format!(
            "The bytes were {}: big-endian, and past the wrap of \
             2036-02-07 06:28:16 UTC, so read in the era nearest today, not \
             the one from 1900.",
            shown(&number.to_be_bytes())
        )));
    }
    if code != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 after a complete answer",
        )
        .expected("exit code 0", exit_code(code)));
    }
    Ok(())
}
