//! hello-echo's stages: the server, then the client, in the original
//! protocol (one `recv` is one message), then the same with `--lines`.
//!
//! The protocol (`program`/`checker` as in the reports; nothing ends in a
//! newline unless `--lines`):
//!
//! ```text
//! server: Welcome!
//! client: Ada
//! server: Hello, Ada!
//! client: exit
//! server: (closes)
//! ```
//!
//! Names are random (from the run's seed), so a program that knows the
//! sample session by heart does not pass.
//!
//! The server's stages are lesson 7's too ([`super::select_server`]),
//! run by these same functions against a server with one thread.

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use hello_echo::{EXIT, MAX_LINE_NAME, WELCOME, greeting};

use crate::lessons::shared::{
    INVALID_UTF8, QUIET, exit_code, join_crowd, random_cuts, random_name,
    random_pause, still_running, stops_on_ctrl_c,
};
use crate::lessons::{CLIENT, Lesson, SERVER};
use crate::report::Failure;
use crate::stage::{Ctx, End, Stage};
use crate::wire::Peer;

/// How many clients connect at once in `burst`, and how soon each must
/// be welcomed.
const BURST: usize = 64;
const BURST_WITHIN: Duration = Duration::from_secs(2);

const LINES: &[&str] = &["--lines"];

/// hello-echo: lesson 1.
pub const LESSON: Lesson = Lesson {
    name: "hello-echo",
    exercise: "hello-echo-exercise",
    exercise_dir: "crates/exercises/hello-echo",
    server: Some(SERVER),
    client: Some(CLIENT),
    peer: None,
    stages: &[
        Stage {
            slug: "listen",
            checks: "prints `listening on ADDR`, keeps running, accepts a connection there",
            why: "A server's socket goes through socket(), bind() and listen() before a client can connect; only then does the server print where it listens, so that nobody connects too early. From then on it accepts clients for as long as it runs.",
            book: "hello-echo.md#opening-the-listening-socket",
            hint: "Read `bind_tcp` in crates/netkit/src/bind.rs: one socket2 call per Python call (socket, SO_REUSEADDR, bind, listen). Then the accept loop must run without stopping: `serve` in crates/netkit/src/server.rs.",
            end: End::Server,
            flags: &[],
            run: listen,
        },
        Stage {
            slug: "welcome",
            checks: "greets each connection with `Welcome!`",
            why: "accept() gives the server a new socket for each client, and in this protocol the server speaks first on it. Nothing marks the end of the welcome on the wire: the client knows it is 8 bytes.",
            book: "hello-echo.md#the-handler",
            hint: "Read `handle_raw` in crates/hello-echo/src/server.rs: its first line writes WELCOME with write_all.",
            end: End::Server,
            flags: &[],
            run: welcome,
        },
        Stage {
            slug: "hello",
            checks: "answers a name X with `Hello, X!` and nothing more",
            why: "The original protocol has no framing: the reply is exactly the name's bytes between `Hello, ` and `!`, with no newline, and the client reads exactly that many bytes.",
            book: "hello-echo.md#the-reply",
            hint: "Read `handle_raw` in crates/hello-echo/src/server.rs (one read is one message) and `greeting` in crates/hello-echo/src/lib.rs.",
            end: End::Server,
            flags: &[],
            run: hello,
        },
        Stage {
            slug: "exit",
            checks: "answers several names in turn, then closes on `exit`",
            why: "A server ends a conversation by closing its socket: the client's next read returns 0 bytes. The conversation goes on, one read and one reply at a time, until then.",
            book: "hello-echo.md#the-handler",
            hint: "Read the loop in `handle_raw` (crates/hello-echo/src/server.rs): it compares the message with EXIT before answering, and returning from the handler closes the socket.",
            end: End::Server,
            flags: &[],
            run: exit,
        },
        Stage {
            slug: "two-clients",
            checks: "welcomes and answers a second client while the first is idle",
            why: "Serving one client blocks in its reads; while it waits, a second client is connected (the kernel did the handshake) but nobody answers it. A thread per connection lets each wait on its own.",
            book: "hello-echo.md#the-accept-loop",
            hint: "Read `serve` and `start_handler` in crates/netkit/src/server.rs: each accepted connection goes to a thread of its own, and the loop goes straight back to accept().",
            end: End::Server,
            flags: &[],
            run: two_clients,
        },
        Stage {
            slug: "not-utf8",
            checks: "answers a name that is not UTF-8, byte for byte, and the connection lives",
            why: "TCP carries bytes, not text. Decoding what a client sent can fail; the server greets the bytes as they came, and nothing a client sends ends its connection.",
            book: "hello-echo.md#3-decodeutf-8-on-whatever-arrived",
            hint: "Read `greeting` in crates/hello-echo/src/lib.rs: bytes in, bytes out, nothing decoded.",
            end: End::Server,
            flags: &[],
            run: not_utf8,
        },
        Stage {
            slug: "burst",
            checks: "welcomes 64 clients that connect at once, each within 2 s",
            why: "Clients that connect together wait in the listen backlog until accept() takes them; a small backlog, or slow work between two accepts, leaves them waiting, and the kernel drops handshakes that do not fit.",
            book: "concepts.md#the-backlog",
            hint: "Read BACKLOG and `bind_tcp` in crates/netkit/src/bind.rs, and keep the accept loop quick: everything slow belongs in the connection's thread (`serve` in crates/netkit/src/server.rs).",
            end: End::Server,
            flags: &[],
            run: burst,
        },
        Stage {
            slug: "vanish",
            checks: "keeps serving after clients vanish mid-conversation",
            why: "A client can disappear at any moment; its reset makes the server's next read or write fail (ECONNRESET, EPIPE). That error belongs to one connection: log it, close it, keep serving the rest.",
            book: "hello-echo.md#the-handler",
            hint: "Read `run_handler` in crates/netkit/src/server.rs: a handler's error is logged with the client's address, and the loop goes on.",
            end: End::Server,
            flags: &[],
            run: vanish,
        },
        Stage {
            slug: "stop",
            checks: "exits 0 within 2 s of Ctrl-C, with a client connected",
            why: "Ctrl-C sends SIGINT. Without a handler a Rust program dies at once, killed by the signal; a server catches it, stops accepting, closes its connections and exits 0.",
            book: "hello-echo.md#6-no-way-to-stop-but-killing-the-process",
            hint: "Read `trigger_on_signals` in crates/netkit/src/shutdown.rs, and how `serve` in crates/netkit/src/server.rs returns when the handle triggers.",
            end: End::Server,
            flags: &[],
            run: stop,
        },
        Stage {
            slug: "client-welcome",
            checks: "the client prints the welcome, then sends its first name",
            why: "In this protocol the server speaks first: the client connects, reads the welcome, and only then sends.",
            book: "hello-echo.md#the-client",
            hint: "Read `run_client` in crates/hello-echo/src/client.rs.",
            end: End::Client,
            flags: &[],
            run: client_welcome,
        },
        Stage {
            slug: "client-hello",
            checks: "the client sends each name after the last reply, prints each reply, ends with `exit`",
            why: "With no framing, two names sent together may arrive as one message: the client sends one name, waits for its reply, and only then sends the next.",
            book: "hello-echo.md#the-client",
            hint: "Read `run_client` in crates/hello-echo/src/client.rs: one name, one `expect_reply`, in turn.",
            end: End::Client,
            flags: &[],
            run: client_hello,
        },
        Stage {
            slug: "client-split-reply",
            checks: "the client prints a reply that arrives in pieces as one line",
            why: "TCP keeps no message boundaries: one write of 15 bytes may arrive in several reads. A client that knows the reply's length reads until it has all of it.",
            book: "hello-echo.md#1-one-recv1024-taken-as-one-whole-message",
            hint: "Read `expect_reply` in crates/hello-echo/src/client.rs: `take(len)` and `read_to_end(..)` read until the whole reply is there.",
            end: End::Client,
            flags: &[],
            run: client_split_reply,
        },
        Stage {
            slug: "client-server-gone",
            checks: "when the server closes early, the client prints no reply, one `error:` line, and exits 1",
            why: "A read of 0 bytes means the server closed. The client says so in one line on stderr and exits 1, rather than print an empty reply, a traceback or a panic.",
            book: "hello-echo.md#the-client",
            hint: "Read `expect_reply` and `unexpected` in crates/hello-echo/src/client.rs: fewer bytes than the reply's length means the server closed.",
            end: End::Client,
            flags: &[],
            run: client_server_gone,
        },
        Stage {
            slug: "lines-hello",
            checks: "with --lines: a welcome line, a reply line per name line, a close on `exit`",
            why: "With --lines every message ends in \\n, both ways, so the reader finds the boundaries itself instead of trusting each read.",
            book: "hello-echo.md#1-one-recv1024-taken-as-one-whole-message",
            hint: "Read `handle_lines` in crates/hello-echo/src/server.rs and netkit's `LineReader` (crates/netkit/src/framing.rs).",
            end: End::Server,
            flags: LINES,
            run: lines_hello,
        },
        Stage {
            slug: "lines-split",
            checks: "with --lines: a name line that arrives in pieces gets one reply",
            why: "A line can arrive cut anywhere, even inside a UTF-8 character: keep what came and read again until the newline.",
            book: "hello-echo.md#1-one-recv1024-taken-as-one-whole-message",
            hint: "Read `read_line` in crates/netkit/src/framing.rs: bytes are kept until a newline arrives.",
            end: End::Server,
            flags: LINES,
            run: lines_split,
        },
        Stage {
            slug: "lines-pipelined",
            checks: "with --lines: several name lines in one write are each answered, in order",
            why: "Several lines can arrive in one read: answer the first, and keep the rest for the next ones instead of dropping them.",
            book: "hello-echo.md#1-one-recv1024-taken-as-one-whole-message",
            hint: "Read `LineDecoder` in crates/netkit/src/framing.rs: what follows a newline stays in the buffer for the next line.",
            end: End::Server,
            flags: LINES,
            run: lines_pipelined,
        },
        Stage {
            slug: "lines-too-long",
            checks: "with --lines: a line over the limit gets no reply but a close, and the server goes on",
            why: "A reader that waits for a newline must bound the line, or one client fills the server's memory. Over the bound, the server may say why in an `error:` line, then closes; it answers nothing.",
            book: "hello-echo.md#1-one-recv1024-taken-as-one-whole-message",
            hint: "Read `handle_lines` in crates/hello-echo/src/server.rs: LineReader is made with MAX_LINE_NAME, and a longer line is an InvalidData error.",
            end: End::Server,
            flags: LINES,
            run: lines_too_long,
        },
        Stage {
            slug: "client-lines",
            checks: "with --lines: the client sends name lines and prints reply lines that arrive in pieces",
            why: "The client frames as the server does: it reads each reply up to its newline, however the reply was cut on the way.",
            book: "hello-echo.md#the-client",
            hint: "Read the `Protocol::Lines` branch of `run_client` and `expect_line` in crates/hello-echo/src/client.rs.",
            end: End::Client,
            flags: LINES,
            run: client_lines,
        },
    ],
};

/// `count` random names, as the client's arguments take them.
pub(crate) fn random_names(
    rng: &mut fastrand::Rng,
    count: usize,
) -> Vec<Vec<u8>> {
    (0..count).map(|_| random_name(rng)).collect()
}

/// A name that is not UTF-8: random letters around a byte sequence that
/// no UTF-8 text contains.
fn random_non_utf8(rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut name = random_name(rng);
    let at = rng.usize(..=name.len());
    let bad = INVALID_UTF8[rng.usize(..INVALID_UTF8.len())];
    // Cut only between whole characters, so the name stays invalid
    // only because of `bad`.
    let at = (at..=name.len())
        .find(|&i| std::str::from_utf8(&name[..i]).is_ok())
        .unwrap_or(name.len());
    name.splice(at..at, bad.iter().copied());
    name
}

/// One name sent and its greeting expected.
pub(crate) fn greet(peer: &mut Peer, name: &[u8]) -> Result<(), Failure> {
    peer.send(name)?;
    peer.expect(&greeting(name), "the reply")
}

/// A connection that has been welcomed.
pub(crate) fn welcomed(addr: SocketAddr, label: &str) -> Result<Peer, Failure> {
    let mut peer = Peer::connect(addr, label)?;
    peer.expect(WELCOME, "the welcome")?;
    Ok(peer)
}

pub(crate) fn listen(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let peer = Peer::connect(addr, "the connection")?;
    still_running(ctx, "printing `listening on`")?;
    drop(peer);
    Ok(())
}

pub(crate) fn welcome(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    welcomed(addr, "the connection")?;
    Ok(())
}

pub(crate) fn hello(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let mut peer = welcomed(addr, "the connection")?;
    greet(&mut peer, &name)?;
    // A raw reply is all there is: a newline after it would be read by
    // the client as the start of the next reply.
    peer.expect_quiet(QUIET, "the reply")
}

pub(crate) fn exit(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let count = ctx.rng.usize(2..=5);
    let names = random_names(&mut ctx.rng, count);
    let mut peer = welcomed(addr, "the connection")?;
    for name in &names {
        greet(&mut peer, name)?;
    }
    peer.send(EXIT)?;
    peer.expect_close("`exit`", false)
}

pub(crate) fn two_clients(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 2);
    let mut first = welcomed(addr, "client A")?;
    let mut second = welcomed(addr, "client B").map_err(|failure| {
        failure.because(
            "a second client was not welcomed while the first, welcomed, \
             sent nothing",
        )
    })?;
    greet(&mut second, &names[1])
        .map_err(|failure| failure.because("client B was not answered"))?;
    greet(&mut first, &names[0]).map_err(|failure| {
        failure.because("client A, back from idling, was not answered")
    })
}

pub(crate) fn not_utf8(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let bad = random_non_utf8(&mut ctx.rng);
    let good = random_name(&mut ctx.rng);
    let mut peer = welcomed(addr, "the connection")?;
    greet(&mut peer, &bad)?;
    greet(&mut peer, &good).map_err(|failure| {
        failure.because(
            "after the name that is not UTF-8, the next name was not answered",
        )
    })
}

pub(crate) fn burst(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, BURST);
    let start = Instant::now();
    let clients: Vec<_> = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            thread::spawn(move || -> Result<Duration, Failure> {
                let mut peer = welcomed(addr, &format!("client {}", i + 1))?;
                let welcomed_after = start.elapsed();
                greet(&mut peer, &name)?;
                peer.send(EXIT)?;
                Ok(welcomed_after)
            })
        })
        .collect();
    let slowest = join_crowd(clients, "served")?
        .into_iter()
        .max()
        .unwrap_or_default();
    if slowest > BURST_WITHIN {
        return Err(Failure::new(format!(
            "of {BURST} clients that connected at once, the last was \
             welcomed only after {:.1} s",
            slowest.as_secs_f64()
        ))
        .expected(
            format!("every welcome within {BURST_WITHIN:?}"),
            format!("{:.1} s", slowest.as_secs_f64()),
        ));
    }
    Ok(())
}

pub(crate) fn vanish(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let names = random_names(&mut ctx.rng, 3);
    // Gone before the welcome: connected, then reset.
    Peer::connect(addr, "client A")?.reset();
    // Gone between a name and its reply.
    let mut b = welcomed(addr, "client B")?;
    b.send(&names[0])?;
    b.reset();
    // Gone without `exit`, mid-conversation.
    let mut c = welcomed(addr, "client C")?;
    greet(&mut c, &names[1])?;
    drop(c);
    let mut d = welcomed(addr, "client D").map_err(|failure| {
        failure
            .because("after three clients vanished, a new one was not welcomed")
    })?;
    greet(&mut d, &names[2])?;
    still_running(ctx, "three clients vanished")
}

pub(crate) fn stop(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let mut idle = welcomed(addr, "an idle client")?;
    stops_on_ctrl_c(ctx, ", with a client connected", "accept() or read()")?;
    // Its client must see the end too (a close, or the reset of a
    // process that exited with bytes unread).
    idle.expect_close("the server stopped", true)
}

/// A client started with 1 to `most` random names, and what it should
/// print for a whole session: the welcome, then each name's greeting.
struct Session {
    names: Vec<Vec<u8>>,
    printed: Vec<String>,
    peer: Peer,
}

fn start_session(ctx: &mut Ctx, most: usize) -> Result<Session, Failure> {
    let count = ctx.rng.usize(1..=most);
    let names = random_names(&mut ctx.rng, count);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let args: Vec<String> = names.iter().map(|name| text(name)).collect();
    let mut printed = vec![text(WELCOME)];
    printed.extend(names.iter().map(|name| text(&greeting(name))));
    let peer = ctx.start_client(&args)?;
    Ok(Session {
        names,
        printed,
        peer,
    })
}

/// Sends `bytes` cut at random places, with a random pause between the
/// pieces.
fn send_cut(
    ctx: &mut Ctx,
    peer: &mut Peer,
    bytes: &[u8],
) -> Result<(), Failure> {
    let cuts = random_cuts(&mut ctx.rng, bytes.len());
    let pause = random_pause(&mut ctx.rng);
    peer.send_in_pieces(bytes, &cuts, pause)
}

/// Hangs up, and checks that the client printed the whole session and
/// exited 0.
fn session_printed(ctx: &mut Ctx, session: Session) -> Result<(), Failure> {
    drop(session.peer);
    let (code, stdout) = ctx.client_finished()?;
    if stdout != session.printed {
        return Err(Failure::new(
            "the client did not print what the server said, one reply per line",
        )
        .expected(format!("{:?}", session.printed), format!("{stdout:?}")));
    }
    if code != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 after a complete session",
        )
        .expected("exit code 0", exit_code(code)));
    }
    Ok(())
}

fn client_welcome(ctx: &mut Ctx) -> Result<(), Failure> {
    let Session {
        names, mut peer, ..
    } = start_session(ctx, 3)?;
    peer.send(WELCOME)?;
    peer.expect(&names[0], "the first name")?;
    // The stage is done: the checker hangs up, and the client's last
    // words are its own business here.
    drop(peer);
    let (_, stdout) = ctx.client_finished()?;
    if stdout.first().map(String::as_str) != Some("Welcome!") {
        return Err(Failure::new("the client did not print the welcome first")
            .expected(
                "\"Welcome!\" as its first line",
                format!("{stdout:?}"),
            ));
    }
    Ok(())
}

fn client_hello(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut session = start_session(ctx, 4)?;
    let peer = &mut session.peer;
    peer.send(WELCOME)?;
    for name in &session.names {
        peer.expect(name, "the next name")?;
        // The client must wait for this name's reply before the next.
        peer.expect_quiet(QUIET, "one name before its reply")?;
        peer.send(&greeting(name))?;
    }
    peer.expect(EXIT, "`exit`")?;
    session_printed(ctx, session)
}

fn client_split_reply(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut session = start_session(ctx, 3)?;
    send_cut(ctx, &mut session.peer, WELCOME)?;
    for name in &session.names {
        session.peer.expect(name, "the next name")?;
        send_cut(ctx, &mut session.peer, &greeting(name))?;
    }
    session.peer.expect(EXIT, "`exit`")?;
    session_printed(ctx, session)
}

fn client_server_gone(ctx: &mut Ctx) -> Result<(), Failure> {
    let Session {
        names, mut peer, ..
    } = start_session(ctx, 3)?;
    peer.send(WELCOME)?;
    peer.expect(&names[0], "the first name")?;
    // Gone without a reply: the client's next read returns 0 bytes.
    peer.close_write();
    drop(peer);
    let (code, stdout) = ctx.client_finished()?;
    // The welcome, and nothing for the reply that never came: an empty
    // line there is the original's `print(s.recv(1024))` of b''.
    if stdout != ["Welcome!"] {
        return Err(Failure::new(
            "when the server closed before its reply, the client printed \
             something for that reply",
        )
        .expected("[\"Welcome!\"]", format!("{stdout:?}")));
    }
    let stderr = ctx.program()?.stderr();
    let said: Vec<&String> = stderr
        .iter()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let one_error_line = said.len() == 1 && said[0].starts_with("error:");
    if code != Some(1) || !one_error_line {
        return Err(Failure::new(
            "when the server closed before its reply, the client did not \
             end with one `error:` line and exit code 1",
        )
        .expected(
            "exit code 1, and one line on stderr starting `error:`",
            format!(
                "{}, and {} line(s) on stderr",
                exit_code(code),
                said.len()
            ),
        ));
    }
    Ok(())
}

/// `bytes` and a newline.
fn line(bytes: &[u8]) -> Vec<u8> {
    [bytes, b"\n"].concat()
}

pub(crate) fn lines_hello(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let mut peer = Peer::connect(addr, "the connection")?;
    peer.expect_line(WELCOME, "the welcome line")?;
    peer.send(&line(&name))?;
    peer.expect_line(&greeting(&name), "the reply line")?;
    peer.send(&line(EXIT))?;
    peer.expect_close("`exit`", false)
}

pub(crate) fn lines_split(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let message = line(&name);
    let cuts = random_cuts(&mut ctx.rng, message.len());
    let pause = random_pause(&mut ctx.rng);
    let mut peer = Peer::connect(addr, "the connection")?;
    peer.expect_line(WELCOME, "the welcome line")?;
    peer.send_in_pieces(&message, &cuts, pause)?;
    peer.expect_line(&greeting(&name), "the reply line")?;
    peer.expect_quiet(QUIET, "one reply")
}

pub(crate) fn lines_pipelined(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let count = ctx.rng.usize(3..=6);
    let names = random_names(&mut ctx.rng, count);
    let mut peer = Peer::connect(addr, "the connection")?;
    peer.expect_line(WELCOME, "the welcome line")?;
    let all: Vec<u8> = names.iter().flat_map(|name| line(name)).collect();
    peer.send(&all)?;
    for name in &names {
        peer.expect_line(&greeting(name), "the next reply line")?;
    }
    peer.send(&line(EXIT))?;
    peer.expect_close("`exit`", false)
}

pub(crate) fn lines_too_long(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let over = ctx.rng.usize(1..=2000);
    let long = vec![b'x'; MAX_LINE_NAME + over];
    let name = random_name(&mut ctx.rng);
    let mut peer = Peer::connect(addr, "the connection")?;
    peer.expect_line(WELCOME, "the welcome line")?;
    peer.send(&line(&long))?;
    let said = peer.read_line(256);
    if !said.is_empty() && !said.starts_with(b"error:") {
        return Err(peer
            .fail(format!(
                "a line of {} bytes, over the limit of {MAX_LINE_NAME}, got \
                 an answer",
                long.len()
            ))
            .expected(
                "a close, perhaps after one line starting `error:`",
                crate::report::shown(&said),
            ));
    }
    // Bytes the server never read may turn its close into a reset.
    peer.expect_close("the line over the limit", true)?;
    let mut next = Peer::connect(addr, "the next client")?;
    next.expect_line(WELCOME, "the welcome line")?;
    next.send(&line(&name))?;
    next.expect_line(&greeting(&name), "the reply line")
}

fn client_lines(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut session = start_session(ctx, 4)?;
    send_cut(ctx, &mut session.peer, &line(WELCOME))?;
    for name in &session.names {
        session.peer.expect_line(name, "the next name line")?;
        send_cut(ctx, &mut session.peer, &line(&greeting(name)))?;
    }
    session.peer.expect_line(EXIT, "the `exit` line")?;
    session_printed(ctx, session)
}
