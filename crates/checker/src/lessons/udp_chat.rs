//! udp-chat's stages: the hello echo's server, its client with the
//! checker as a server that loses datagrams on purpose, then the chat
//! peer.
//!
//! The echo (`program`/`checker` as in the reports; one line is one
//! datagram, and nothing ends in a newline):
//!
//! ```text
//! checker: Ada
//! program: Hello, Ada!        (sent back to the address Ada came from)
//! ```
//!
//! The client sends `0`, `1`, ... one at a time. Loopback loses nothing,
//! so the checker loses datagrams itself: it receives a request and does
//! not answer, which is the same to the client as a request or a reply
//! lost on the way.
//!
//! The chat peer is started as `chat --bind 127.0.0.1:0 --peer ADDR`,
//! where ADDR is the checker's socket; it prints `listening on` like a
//! server, so the checker learns where to send. A line typed at the peer
//! goes to ADDR as one datagram; a datagram to the peer is shown on its
//! stdout.
//!
//! Names are random (from the run's seed), so a program that knows the
//! sample session by heart does not pass.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use udp_chat::echo::reply;
use udp_chat::{MAX_MESSAGE, REPLY_TIMEOUT as CLIENT_TIMEOUT, RETRIES};

use crate::lessons::shared::{
    QUIET, exit_code, random_name, still_running, stops_on_ctrl_c,
};
use crate::lessons::{CLIENT, Launch, Lesson, SERVER};
use crate::program::{NotListening, describe};
use crate::report::{Failure, shown};
use crate::stage::{CLIENT_CONNECT_TIMEOUT, Ctx, End, START_TIMEOUT, Stage};
use crate::udp::Datagrams;
use crate::wire::REPLY_TIMEOUT;

/// How long the checker waits for a client to ask again after it
/// dropped a request. The lesson's client waits [`CLIENT_TIMEOUT`] (1 s);
/// five times that leaves room for a learner's longer timeout and a
/// loaded machine.
const RESEND_WITHIN: Duration = Duration::from_secs(5);

/// How long a client may take from its start to its first request: as
/// long as a TCP client may take to connect, for an interpreter's start
/// on a loaded machine.
const FIRST_WITHIN: Duration = CLIENT_CONNECT_TIMEOUT;

/// How long a client that gets no reply at all may take to give up:
/// the lesson's client needs `RETRIES + 1` timeouts (4 s), and this is
/// three times that. The original never gives up.
const GIVE_UP_WITHIN: Duration =
    Duration::from_secs(3 * (RETRIES as u64 + 1) * CLIENT_TIMEOUT.as_secs());

/// The chat peer: `<binary> chat`, `python3 chat.py`.
const PEER: Launch = Launch {
    subcommand: Some("chat"),
    script: "chat.py",
};

/// udp-chat: lesson 3.
pub const LESSON: Lesson = Lesson {
    name: "udp-chat",
    exercise: "udp-chat-exercise",
    exercise_dir: "crates/exercises/udp-chat",
    server: Some(SERVER),
    client: Some(CLIENT),
    peer: Some(PEER),
    stages: &[
        Stage {
            slug: "listen",
            checks: "prints `listening on ADDR`, keeps running, and a datagram sent there is received",
            why: "A UDP server needs only socket() and bind(): no listen(), no accept(), no connection. Once bound, its one socket receives every client's datagrams; a datagram sent to a port nobody has bound is answered by the kernel with ICMP \"port unreachable\".",
            book: "udp-chat.md#no-connection-one-socket-for-everyone",
            hint: "Read `listen_udp` in crates/netkit/src/bind.rs (one call: bind) and the Server branch of `run` in crates/udp-chat/src/main.rs.",
            end: End::Server,
            flags: &[],
            run: listen,
        },
        Stage {
            slug: "hello",
            checks: "answers each datagram X with one datagram `Hello, X!`, from the address it listens on",
            why: "recvfrom() returns one whole datagram and the address it came from; that address is the only way to answer. One sendto() is one datagram: the reply is exactly `Hello, X!`, with no newline.",
            book: "udp-chat.md#the-hello-echo",
            hint: "Read `serve_echo` and `reply` in crates/udp-chat/src/echo.rs, and the loop of `serve_datagrams` in crates/netkit/src/udp.rs: recv_from, then send_to the sender.",
            end: End::Server,
            flags: &[],
            run: hello,
        },
        Stage {
            slug: "two-clients",
            checks: "two clients whose datagrams interleave each get their own answers",
            why: "There is no connection per client: every client's datagrams arrive on the one socket, mixed. Each reply goes to the address its own request came from, never to the last or the first client heard.",
            book: "udp-chat.md#no-connection-one-socket-for-everyone",
            hint: "Read `serve_datagrams` in crates/netkit/src/udp.rs: the reply is sent to the address recv_from returned with this very datagram.",
            end: End::Server,
            flags: &[],
            run: two_clients,
        },
        Stage {
            slug: "empty",
            checks: "answers an empty datagram with `Hello, !`, and goes on",
            why: "A datagram may hold 0 bytes, and recvfrom() then returns 0. On a TCP socket 0 means the peer closed; on UDP it is a message like any other, and there is nothing to close.",
            book: "udp-chat.md#what-udp-does-not-do",
            hint: "Read `reply` in crates/udp-chat/src/echo.rs: an empty request is greeted like any other.",
            end: End::Server,
            flags: &[],
            run: empty,
        },
        Stage {
            slug: "not-utf8",
            checks: "answers a datagram that is not UTF-8 byte for byte",
            why: "A datagram carries bytes, not text. Decoding it can fail; the server greets the bytes as they came.",
            book: "udp-chat.md#the-hello-echo",
            hint: "Read `reply` in crates/udp-chat/src/echo.rs: bytes in, bytes out, nothing decoded.",
            end: End::Server,
            flags: &[],
            run: not_utf8,
        },
        Stage {
            slug: "too-long",
            checks: "answers a datagram over 1024 bytes whole, or with an `error:` reply, never cut",
            why: "recvfrom() into a buffer shorter than the datagram cuts it to the buffer's size and drops the rest, silently: the original's 1024-byte buffer greets the first 1024 bytes as if they were all. Read into a buffer larger than any datagram (65,535 bytes), then answer in full or refuse.",
            book: "udp-chat.md#1-long-datagrams-are-cut-without-a-word",
            hint: "Read `reply` in crates/udp-chat/src/echo.rs (over MAX_MESSAGE, an error) and MAX_DATAGRAM in crates/netkit/src/udp.rs, the size of the receive buffer.",
            end: End::Server,
            flags: &[],
            run: too_long,
        },
        Stage {
            slug: "stop",
            checks: "exits 0 within 2 s of Ctrl-C",
            why: "Ctrl-C sends SIGINT. A thread blocked in recvfrom() does not notice a signal by itself: something must wake it (a read timeout, or a datagram to itself), then the server closes its socket and exits 0.",
            book: "udp-chat.md#the-hello-echo",
            hint: "Read `wake_on_shutdown` in crates/netkit/src/udp.rs: on shutdown an empty datagram to the server's own port ends its wait in recv_from.",
            end: End::Server,
            flags: &[],
            run: stop,
        },
        Stage {
            slug: "client-hello",
            checks: "the client sends 0, 1, ... one at a time, each after the last reply, prints each reply, exits 0",
            why: "A UDP client sends a datagram to the server's address and reads the reply on its own socket; connect() on a UDP socket makes no connection, it only fixes where datagrams go and which are let in. With nothing to mark which reply answers which request, the client sends the next request only when this one is answered.",
            book: "udp-chat.md#the-hello-echo",
            hint: "Read `run_echo_client` in crates/udp-chat/src/echo.rs.",
            end: End::Client,
            flags: &[],
            run: client_hello,
        },
        Stage {
            slug: "client-lost",
            checks: "when no reply ever comes, the client gives up in bounded time, says so in an `error:` line, exits 1",
            why: "UDP does not tell a sender that a datagram was lost, and recv() with no timeout waits for ever. The client sets a read timeout, asks again a few times, then gives up and says what was lost.",
            book: "udp-chat.md#2-a-lost-datagram-hangs-the-client-forever",
            hint: "Read `run_echo_client` in crates/udp-chat/src/echo.rs (set_read_timeout, a bounded number of tries) and the Client branch of `run` in crates/udp-chat/src/main.rs (the loss becomes an error and exit code 1).",
            end: End::Client,
            flags: &[],
            run: client_lost,
        },
        Stage {
            slug: "client-retry",
            checks: "when the first request gets no reply, the client asks again and finishes",
            why: "Nothing resends a lost datagram: after its timeout the client sends the same request again. A lost request and a lost reply look the same to it.",
            book: "udp-chat.md#the-client-wait-ask-again-give-up",
            hint: "Read the inner loop of `run_echo_client` in crates/udp-chat/src/echo.rs: up to RETRIES more tries, each with its own deadline.",
            end: End::Client,
            flags: &[],
            run: client_retry,
        },
        Stage {
            slug: "client-stale",
            checks: "a late reply to the first try, arriving after the retry's, is not printed or counted twice",
            why: "After a retry, both tries may be answered: the first reply was only late, not lost. UDP may also duplicate a datagram. The client takes a datagram as the answer only if it is the reply it expects, and skips the rest.",
            book: "udp-chat.md#3-any-datagram-is-taken-for-the-reply",
            hint: "Read `run_echo_client` in crates/udp-chat/src/echo.rs: a datagram that is not the expected reply is counted as skipped, and the wait goes on.",
            end: End::Client,
            flags: &[],
            run: client_stale,
        },
        Stage {
            slug: "chat-send",
            checks: "the peer sends each typed line as one datagram, without its newline, from its own port",
            why: "A chat peer is client and server at once: it binds its port, and sends from that same socket, so the other peer's recvfrom() learns the address to answer. One line typed is one datagram.",
            book: "udp-chat.md#the-chat",
            hint: "Read `say` in crates/udp-chat/src/chat.rs, and the Chat branch of `run` in crates/udp-chat/src/main.rs: one socket, bound once, used both ways.",
            end: End::Peer,
            flags: &[],
            run: chat_send,
        },
        Stage {
            slug: "chat-live",
            checks: "a datagram that arrives while a line is half typed is shown at once",
            why: "Reading stdin blocks, and so does recvfrom(): one thread cannot wait on both. A receive thread hands each datagram over a channel, and the chat waits on that channel and on the typed lines at once.",
            book: "udp-chat.md#the-chat-receiving-while-you-type",
            hint: "Read `chat` and `live` in crates/udp-chat/src/chat.rs: a receive thread, and select! over the incoming datagrams and the typed lines.",
            end: End::Peer,
            flags: &[],
            run: chat_live,
        },
    ],
};

/// A name that is not UTF-8: a random name with a byte no UTF-8 text
/// holds, before or after it.
fn random_non_utf8(rng: &mut fastrand::Rng) -> Vec<u8> {
    let name = random_name(rng);
    if rng.bool() {
        [b"\xff".as_slice(), &name].concat()
    } else {
        [name.as_slice(), b"\xc3\x28"].concat()
    }
}

/// One datagram sent to the server and its greeting expected, from the
/// server's own address.
fn greet(
    client: &mut Datagrams,
    server: SocketAddr,
    name: &[u8],
) -> Result<(), Failure> {
    client.send_to(name, server)?;
    let from = client.expect(&reply(name), "the reply")?;
    if from != server {
        return Err(client
            .fail("the reply came from another address than the server's")
            .expected(server.to_string(), from.to_string())
            .note(
                "A client that connect()s its UDP socket to the server \
                 drops datagrams from any other address.",
            ));
    }
    Ok(())
}

fn listen(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    still_running(ctx, "printing `listening on`")?;
    let name = random_name(&mut ctx.rng);
    let mut client = Datagrams::bind("the client")?;
    client.send_to(&name, addr)?;
    // A reply or none: both are this stage's business only if nothing
    // listens, which comes back as ICMP "port unreachable".
    client.recv(QUIET)?;
    still_running(ctx, "a datagram came")
}

fn hello(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let mut client = Datagrams::bind("the client")?;
    for _ in 0..ctx.rng.usize(2..=3) {
        let name = random_name(&mut ctx.rng);
        greet(&mut client, addr, &name)?;
        // One datagram per request: a second one (a newline, say) would
        // be taken for the reply to the next request.
        client.expect_quiet(QUIET, "one reply")?;
    }
    Ok(())
}

fn two_clients(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let mut a = Datagrams::bind("client A")?;
    let mut b = Datagrams::bind("client B")?;
    let names: Vec<Vec<u8>> =
        (0..4).map(|_| random_name(&mut ctx.rng)).collect();
    // A, then B, both before either reads: the requests interleave.
    a.send_to(&names[0], addr)?;
    b.send_to(&names[1], addr)?;
    let mix = |failure: Failure, who: &str| {
        failure.because(format!(
            "{who} did not get the reply to its own request, sent while the \
             other client's was on its way"
        ))
    };
    b.expect(&reply(&names[1]), "B's reply")
        .map_err(|failure| mix(failure, "client B"))?;
    a.expect(&reply(&names[0]), "A's reply")
        .map_err(|failure| mix(failure, "client A"))?;
    // And the other way round.
    b.send_to(&names[2], addr)?;
    a.send_to(&names[3], addr)?;
    a.expect(&reply(&names[3]), "A's reply")
        .map_err(|failure| mix(failure, "client A"))?;
    b.expect(&reply(&names[2]), "B's reply")
        .map_err(|failure| mix(failure, "client B"))?;
    a.expect_quiet(QUIET, "A's replies")?;
    b.expect_quiet(QUIET, "B's replies")
}

fn empty(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let mut client = Datagrams::bind("the client")?;
    greet(&mut client, addr, b"")?;
    greet(&mut client, addr, &name).map_err(|failure| {
        failure.because("after an empty datagram, the next was not answered")
    })
}

fn not_utf8(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let bad = random_non_utf8(&mut ctx.rng);
    let good = random_name(&mut ctx.rng);
    let mut client = Datagrams::bind("the client")?;
    greet(&mut client, addr, &bad)?;
    greet(&mut client, addr, &good).map_err(|failure| {
        failure.because(
            "after a datagram that is not UTF-8, the next was not answered",
        )
    })
}

fn too_long(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let len = MAX_MESSAGE + ctx.rng.usize(1..=3000);
    let long: Vec<u8> = (0..len).map(|_| ctx.rng.lowercase() as u8).collect();
    let name = random_name(&mut ctx.rng);
    let mut client = Datagrams::bind("the client")?;
    client.send_to(&long, addr)?;
    let whole = [b"Hello, ".as_slice(), &long, b"!"].concat();
    match client.recv(REPLY_TIMEOUT)? {
        Some((got, _)) if got == whole || got.starts_with(b"error:") => {}
        Some((got, _)) => {
            let cut = got.len() < whole.len()
                && got.starts_with(b"Hello, ")
                && long.starts_with(&got[7..got.len().saturating_sub(1)]);
            let summary = if cut {
                format!(
                    "the reply greets only the first {} of the datagram's \
                     {len} bytes: it was cut without a word",
                    got.len().saturating_sub(8)
                )
            } else {
                format!("the reply to a {len}-byte datagram is neither")
            };
            return Err(client.fail(summary).expected(
                format!(
                    "{} (all {len} bytes), or a datagram starting `error:`",
                    shown(&whole)
                ),
                shown(&got),
            ));
        }
        None => {
            return Err(client
                .fail(format!(
                    "a {len}-byte datagram got no reply within \
                     {REPLY_TIMEOUT:?}"
                ))
                .expected(
                    "the whole greeting, or a datagram starting `error:`",
                    "no datagram",
                ));
        }
    }
    greet(&mut client, addr, &name).map_err(|failure| {
        failure.because("after the long datagram, the next was not answered")
    })
}

fn stop(ctx: &mut Ctx) -> Result<(), Failure> {
    let addr = ctx.start_server()?;
    let name = random_name(&mut ctx.rng);
    let mut client = Datagrams::bind("the client")?;
    greet(&mut client, addr, &name)?;
    stops_on_ctrl_c(ctx, "", "recv_from()")
}

/// Starts the client with `--count count` and returns the checker's
/// socket, the server it plays.
fn start_echo_client(ctx: &mut Ctx, count: u32) -> Result<Datagrams, Failure> {
    ctx.start_udp_client(&["--count".to_owned(), count.to_string()])
}

/// Waits up to `within` for request `n` and returns its sender. A resend
/// of the request before it (its reply crossed the client's timeout on a
/// busy machine) is skipped: the client has its reply by now. Gives up
/// early if the client exits.
fn request(
    ctx: &mut Ctx,
    server: &mut Datagrams,
    n: u32,
    within: Duration,
) -> Result<SocketAddr, Failure> {
    let expected = n.to_string().into_bytes();
    let earlier = n.checked_sub(1).map(|m| m.to_string().into_bytes());
    let deadline = Instant::now() + within;
    let client = ctx.program()?;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match server.recv_while(left, || client.exited().is_none())? {
            Some((got, from)) if got == expected => return Ok(from),
            Some((got, _)) if Some(&got) == earlier.as_ref() => {}
            Some((got, _)) => {
                return Err(server
                    .fail(format!(
                        "the client sent something else where its request \
                         {n} was expected"
                    ))
                    .expected(shown(&expected), shown(&got)));
            }
            None => {
                let summary = match client.exited() {
                    Some(status) => format!(
                        "the client exited ({}) before its request {n}",
                        describe(status)
                    ),
                    None => format!(
                        "the client's request {n} did not come within \
                         {within:?}"
                    ),
                };
                return Err(server
                    .fail(summary)
                    .expected(shown(&expected), "no datagram"));
            }
        }
    }
}

/// Fails if a datagram other than a resend of request `n` comes within
/// [`QUIET`]: the client must wait for `n`'s reply before the next.
fn no_next_request(server: &mut Datagrams, n: u32) -> Result<(), Failure> {
    let same = n.to_string().into_bytes();
    match server.recv(QUIET)? {
        Some((got, _)) if got != same => Err(server
            .fail(format!("the client sent more before the reply to {n}"))
            .expected(format!("nothing until the reply to {n}"), shown(&got))),
        _ => Ok(()),
    }
}

/// The replies to `0` .. `count - 1`, as the client prints them.
fn printed(count: u32) -> Vec<String> {
    (0..count)
        .map(|n| {
            String::from_utf8_lossy(&reply(n.to_string().as_bytes()))
                .into_owned()
        })
        .collect()
}

/// Waits for the client to exit, and checks that it printed each reply
/// once, in order, and exited 0.
fn printed_every_reply_once(ctx: &mut Ctx, count: u32) -> Result<(), Failure> {
    let (code, stdout) = ctx.client_finished()?;
    let expected = printed(count);
    if stdout != expected {
        return Err(Failure::new(
            "the client did not print each reply once, one per line, in \
             order",
        )
        .expected(format!("{expected:?}"), format!("{stdout:?}")));
    }
    if code != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 when every request was answered",
        )
        .expected("exit code 0", exit_code(code)));
    }
    Ok(())
}

fn client_hello(ctx: &mut Ctx) -> Result<(), Failure> {
    let count = ctx.rng.u32(2..=5);
    let mut server = start_echo_client(ctx, count)?;
    for n in 0..count {
        let within = if n == 0 { FIRST_WITHIN } else { REPLY_TIMEOUT };
        let from = request(ctx, &mut server, n, within)?;
        no_next_request(&mut server, n)?;
        server.send_to(&reply(n.to_string().as_bytes()), from)?;
    }
    printed_every_reply_once(ctx, count)
}

fn client_lost(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut server = start_echo_client(ctx, 1)?;
    request(ctx, &mut server, 0, FIRST_WITHIN)?;
    server.note("answers nothing, ever");
    let program = ctx.program()?;
    let Some(status) = program.wait(GIVE_UP_WITHIN) else {
        return Err(server
            .fail(format!(
                "the client was still running {GIVE_UP_WITHIN:?} after its \
                 request, with no reply"
            ))
            .note(
                "recv() with no timeout waits for ever for a datagram that \
                 will not come.",
            ));
    };
    // Its last lines may still be in the pipes.
    program.finish(QUIET, Duration::from_secs(1));
    let stdout = program.stdout(Duration::from_secs(1)).to_vec();
    let stderr = program.stderr();
    let reported = stderr.iter().any(|line| line.starts_with("error:"));
    if status.code() != Some(1) || !reported || !stdout.is_empty() {
        return Err(Failure::new(
            "when no reply came, the client did not end with an `error:` \
             line, nothing printed as a reply, and exit code 1",
        )
        .expected(
            "exit code 1, a line on stderr starting `error:`, nothing on \
             stdout",
            format!(
                "{}, {} on stderr, {} line(s) on stdout",
                describe(status),
                if reported {
                    "an `error:` line"
                } else {
                    "no `error:` line"
                },
                stdout.len()
            ),
        ));
    }
    Ok(())
}

/// Receives request `0` and drops it, then waits for the client to send
/// it again; returns the client's address.
fn drop_first_request(
    ctx: &mut Ctx,
    server: &mut Datagrams,
) -> Result<SocketAddr, Failure> {
    request(ctx, server, 0, FIRST_WITHIN)?;
    server.note("drops that request, as a lossy network would");
    request(ctx, server, 0, RESEND_WITHIN).map_err(|failure| {
        failure.because(format!(
            "the client did not send its request again within \
             {RESEND_WITHIN:?} of getting no reply"
        ))
    })
}

fn client_retry(ctx: &mut Ctx) -> Result<(), Failure> {
    let count = ctx.rng.u32(1..=3);
    let mut server = start_echo_client(ctx, count)?;
    let from = drop_first_request(ctx, &mut server)?;
    server.send_to(b"Hello, 0!", from)?;
    for n in 1..count {
        let from = request(ctx, &mut server, n, REPLY_TIMEOUT)?;
        server.send_to(&reply(n.to_string().as_bytes()), from)?;
    }
    printed_every_reply_once(ctx, count)
}

fn client_stale(ctx: &mut Ctx) -> Result<(), Failure> {
    let count = ctx.rng.u32(2..=4);
    let mut server = start_echo_client(ctx, count)?;
    let from = drop_first_request(ctx, &mut server)?;
    server.send_to(b"Hello, 0!", from)?;
    server.note("the first try's reply, late, follows");
    server.send_to(b"Hello, 0!", from)?;
    for n in 1..count {
        let from = request(ctx, &mut server, n, REPLY_TIMEOUT)?;
        server.send_to(&reply(n.to_string().as_bytes()), from)?;
    }
    printed_every_reply_once(ctx, count)
}

/// Starts the peer, talking to a socket of the checker's, and returns
/// that socket and the peer's address from its `listening on` line.
fn start_chat(ctx: &mut Ctx) -> Result<(Datagrams, SocketAddr), Failure> {
    let other = Datagrams::bind("the other peer")?;
    ctx.start_peer(&[
        "--bind".to_owned(),
        crate::target::BIND_ANY.to_owned(),
        "--peer".to_owned(),
        other.local_addr()?.to_string(),
    ])?;
    let addr = ctx.program()?.listening(START_TIMEOUT).map_err(|why| {
        let why = match why {
            NotListening::Exited(status) => describe(status),
            NotListening::OtherLine(line) => format!("it printed {line:?}"),
            NotListening::Silent(wait) => format!("nothing within {wait:?}"),
        };
        Failure::new(format!(
            "the peer did not print `listening on ADDR` first: {why}"
        ))
        .note(
            "A peer prints that line on stdout once its socket is bound, so \
             that the other peer (and the checker) learns where to send.",
        )
    })?;
    Ok((other, addr))
}

/// Types `line` and a newline at the peer.
fn type_line(ctx: &mut Ctx, line: &[u8]) -> Result<(), Failure> {
    ctx.program()?
        .type_in(&[line, b"\n"].concat())
        .map_err(|err| Failure::new(format!("cannot type at the peer: {err}")))
}

/// Waits for the datagram a typed line makes, from the peer's own port.
fn expect_said(
    other: &mut Datagrams,
    line: &[u8],
    peer: SocketAddr,
) -> Result<(), Failure> {
    let from = other.expect(line, "the typed line's datagram")?;
    if from != peer {
        return Err(other
            .fail("the line came from another port than the peer's own")
            .expected(peer.to_string(), from.to_string())
            .note(
                "The other peer answers the address a datagram came from: \
                 send from the socket you bound.",
            ));
    }
    Ok(())
}

fn chat_send(ctx: &mut Ctx) -> Result<(), Failure> {
    let (mut other, peer) = start_chat(ctx)?;
    for _ in 0..ctx.rng.usize(2..=3) {
        let line = random_name(&mut ctx.rng);
        type_line(ctx, &line)?;
        expect_said(&mut other, &line, peer)?;
    }
    other.expect_quiet(QUIET, "one datagram per line")
}

fn chat_live(ctx: &mut Ctx) -> Result<(), Failure> {
    let (mut other, peer) = start_chat(ctx)?;
    let line = random_name(&mut ctx.rng);
    // Long enough that no line the peer prints holds it by chance.
    let mut message = random_name(&mut ctx.rng);
    while message.len() < 12 {
        message.push(b' ');
        message.extend(random_name(&mut ctx.rng));
    }
    // Half a line typed, no newline yet: the peer's user is typing.
    let cut = (1..line.len())
        .find(|&i| std::str::from_utf8(&line[..i]).is_ok())
        .unwrap_or(line.len());
    let program = ctx.program()?;
    program.type_in(&line[..cut]).map_err(|err| {
        Failure::new(format!("cannot type at the peer: {err}"))
    })?;
    other.note(format!(
        "(the peer's user has typed {})",
        shown(&line[..cut])
    ));
    other.send_to(&message, peer)?;
    let text = String::from_utf8_lossy(&message).into_owned();
    let deadline = Instant::now() + REPLY_TIMEOUT;
    let mut shown_lines = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match program.next_stdout_line(left) {
            Some(out) if out.contains(&text) => break,
            Some(out) => shown_lines.push(out),
            None => {
                return Err(other
                    .fail(format!(
                        "the message was not shown within {REPLY_TIMEOUT:?} \
                         while a line was half typed"
                    ))
                    .expected(
                        format!("a line on stdout holding {text:?}"),
                        format!("{shown_lines:?}"),
                    ));
            }
        }
    }
    program
        .type_in(&[&line[cut..], b"\n"].concat())
        .map_err(|err| {
            Failure::new(format!("cannot type at the peer: {err}"))
        })?;
    expect_said(&mut other, &line, peer)
}
