//! select-server's stages: lesson 1's server stages, in hello-echo's
//! protocol, then lesson 5's server stages, with `--protocol chat` on the
//! server's command line; and the one stage of its own, `one-thread`, the
//! point of the lesson: every client served from one thread.
//!
//! The stages that lessons 1 and 5 check are run by their own functions
//! ([`hello_echo`], [`chat_room`]): the same bytes on the wire, from
//! another model of server. What changes is what a failure explains (the
//! poller, the loop, the per-connection state), where the book explains
//! it, and where the hint sends the learner: this lesson's crate. The
//! chat room's stages are given their flags as any stage is
//! ([`Stage::flags`]): `--protocol chat`, and `--lines` for the framed
//! ones.
//!
//! `one-thread` counts the server's threads in /proc twice: with one
//! client connected and mid-conversation, then with 100. A thread per
//! connection has 99 more the second time; one thread that waits on
//! every socket has none. Whatever else a runtime starts (a signal
//! handler's thread, a waker's, an interpreter's) is there both times,
//! so the rule asks for nothing the lesson does not teach.

use std::fs;
use std::net::SocketAddr;

use crate::lessons::shared::group_members;
use crate::lessons::{Lesson, SERVER, chat_room, hello_echo};
use crate::report::Failure;
use crate::stage::{Ctx, End, Stage};
use crate::wire::Peer;

/// `one-thread`: how many clients are connected, each mid-conversation,
/// when the server's threads are counted the second time.
const CLIENTS: usize = 100;

const LINES: &[&str] = &["--lines"];
const CHAT: &[&str] = &["--protocol", "chat"];
const CHAT_LINES: &[&str] = &["--protocol", "chat", "--lines"];

/// select-server: lesson 7.
pub const LESSON: Lesson = Lesson {
    name: "select-server",
    exercise: "select-server-exercise",
    exercise_dir: "crates/exercises/select-server",
    server: Some(SERVER),
    client: None,
    peer: None,
    stages: &[
        Stage {
            slug: "listen",
            checks: "prints `listening on ADDR`, keeps running, accepts a connection there",
            why: "The listener is a socket like the others here: non-blocking, registered with the poller, reported readable when a connection waits in its accept queue. The server prints where it listens once it does, then waits in the poller for as long as it runs.",
            book: "select-server.md#run-it",
            hint: "Read `serve` in crates/select-server/src/server.rs: the listener is made non-blocking and registered with the Poll before the loop starts.",
            end: End::Server,
            flags: &[],
            run: hello_echo::listen,
        },
        Stage {
            slug: "welcome",
            checks: "greets each connection with `Welcome!`",
            why: "A new connection is owed the welcome at once. One thread never waits to write it: the bytes join what the client is owed, and are written as far as the socket takes them; the rest waits for the socket to be writable again.",
            book: "select-server.md#the-protocol",
            hint: "Read `accept_all` in crates/select-server/src/server.rs (a new client is driven at once) and `connected` in crates/select-server/src/hello.rs (its welcome is owed).",
            end: End::Server,
            flags: &[],
            run: hello_echo::welcome,
        },
        Stage {
            slug: "hello",
            checks: "answers a name X with `Hello, X!` and nothing more",
            why: "In the original protocol one read is one message, answered with exactly `Hello, X!`, no newline. The answer is a value added to what the client is owed, not a blocking write.",
            book: "select-server.md#the-protocol",
            hint: "Read `received` and `answer` in crates/select-server/src/hello.rs: the bytes of one read in, the reply appended to what is owed.",
            end: End::Server,
            flags: &[],
            run: hello_echo::hello,
        },
        Stage {
            slug: "exit",
            checks: "answers several names in turn, then closes on `exit`",
            why: "With no thread per client, where a conversation is lives in a value: `exit` marks it over, what is owed is still written, then the server shuts its side and the client reads 0 bytes.",
            book: "select-server-under-the-hood.md#one-connection-start-to-end",
            hint: "Read `answer` in crates/select-server/src/hello.rs (EXIT ends the conversation) and `after_work` in crates/select-server/src/server.rs (FIN once all is said).",
            end: End::Server,
            flags: &[],
            run: hello_echo::exit,
        },
        Stage {
            slug: "two-clients",
            checks: "welcomes and answers a second client while the first is idle",
            why: "A blocking read waits for one client while the others go unanswered. Non-blocking sockets and a poller let one thread wait on all of them at once, and serve whichever is ready.",
            book: "select-server-under-the-hood.md#what-ready-means",
            hint: "Read `serve` and `drive` in crates/select-server/src/server.rs: poll() says which sockets are ready, and each is served until it would block.",
            end: End::Server,
            flags: &[],
            run: hello_echo::two_clients,
        },
        Stage {
            slug: "one-thread",
            checks: "serves 100 clients at once with no more threads than it has for 1",
            why: "A thread per connection is how a blocking server waits on many clients; this lesson's server waits on all of them in one call (epoll, kqueue, select) and keeps each client's place in a value. With 100 clients it has the threads it had with one: the loop's, and the few a runtime starts for itself.",
            book: "select-server-under-the-hood.md#one-connection-start-to-end",
            hint: "Read `serve` in crates/select-server/src/server.rs (one Poll, one loop, every socket registered with it) and `Conversation` in crates/select-server/src/hello.rs (a client's place, kept in a value).",
            end: End::Server,
            flags: &[],
            run: one_thread,
        },
        Stage {
            slug: "not-utf8",
            checks: "answers a name that is not UTF-8, byte for byte, and the connection lives",
            why: "TCP carries bytes, not text. The loop hands the protocol the bytes each read returned, and the greeting is made of bytes, never decoded: nothing a client sends ends its connection, nor, in one thread, anyone else's.",
            book: "select-server.md#the-protocol",
            hint: "Read `greeting` in crates/hello-echo/src/lib.rs and `answer` in crates/select-server/src/hello.rs: bytes in, bytes out.",
            end: End::Server,
            flags: &[],
            run: hello_echo::not_utf8,
        },
        Stage {
            slug: "burst",
            checks: "welcomes 64 clients that connect at once, each within 2 s",
            why: "One readiness event on the listener may stand for many connections in its accept queue. Edge-triggered, no new event comes for those already waiting: accept until WouldBlock, or they wait until yet another client connects.",
            book: "select-server-under-the-hood.md#edge-drain-until-wouldblock",
            hint: "Read `accept_all` in crates/select-server/src/server.rs: it loops until accept() returns WouldBlock.",
            end: End::Server,
            flags: &[],
            run: hello_echo::burst,
        },
        Stage {
            slug: "vanish",
            checks: "keeps serving after clients vanish mid-conversation",
            why: "A reset makes the next read or write on that socket fail (ECONNRESET, EPIPE). In one thread that error belongs to one client: close its socket, forget its state, and go on serving the rest. The loop itself never ends on it.",
            book: "select-server-under-the-hood.md#one-connection-start-to-end",
            hint: "Read `drive` and `gone` in crates/select-server/src/server.rs: a failed read or write closes that client only.",
            end: End::Server,
            flags: &[],
            run: hello_echo::vanish,
        },
        Stage {
            slug: "stop",
            checks: "exits 0 within 2 s of Ctrl-C, with a client connected",
            why: "Ctrl-C sends SIGINT, and the loop sleeps in poll(), which only a socket wakes. The server catches the signal on another thread, wakes the poller (mio's Waker, the self-pipe trick), closes its clients and exits 0.",
            book: "select-server-under-the-hood.md#waking-the-loop-for-ctrl-c",
            hint: "Read `serve` in crates/select-server/src/server.rs (the Waker that Ctrl-C's handler wakes) and `begin_stop`: the loop's last turns write what is owed, then close.",
            end: End::Server,
            flags: &[],
            run: hello_echo::stop,
        },
        Stage {
            slug: "lines-hello",
            checks: "with --lines: a welcome line, a reply line per name line, a close on `exit`",
            why: "With --lines every message ends in \\n, both ways. The loop still hands over whatever each read returned; the conversation finds the lines in it.",
            book: "select-server.md#the-protocol",
            hint: "Read `received` in crates/select-server/src/hello.rs: each conversation has a LineDecoder of its own.",
            end: End::Server,
            flags: LINES,
            run: hello_echo::lines_hello,
        },
        Stage {
            slug: "lines-split",
            checks: "with --lines: a name line that arrives in pieces gets one reply",
            why: "A line can arrive cut anywhere, over several reads and so over several events: what came so far waits in the client's state, not in a thread's local variable, until its newline comes.",
            book: "select-server-under-the-hood.md#one-connection-start-to-end",
            hint: "Read `Conversation` in crates/select-server/src/hello.rs: its LineDecoder keeps a part line from one event to the next.",
            end: End::Server,
            flags: LINES,
            run: hello_echo::lines_split,
        },
        Stage {
            slug: "lines-pipelined",
            checks: "with --lines: several name lines in one write are each answered, in order",
            why: "One read may bring several lines: answer each, in order. And bytes left unread in a socket bring no new edge-triggered event: read until WouldBlock.",
            book: "select-server-under-the-hood.md#edge-drain-until-wouldblock",
            hint: "Read `drive` in crates/select-server/src/server.rs (a client is read until WouldBlock, a few reads a turn) and `received` in crates/select-server/src/hello.rs (every whole line is answered).",
            end: End::Server,
            flags: LINES,
            run: hello_echo::lines_pipelined,
        },
        Stage {
            slug: "lines-too-long",
            checks: "with --lines: a line over the limit gets no reply but a close, and the server goes on",
            why: "A reader that waits for a newline must bound the line, or one client fills the server's memory, which here is every client's. Over the bound, the server may say why in an `error:` line, then closes; it answers nothing.",
            book: "select-server.md#the-protocol",
            hint: "Read `received` in crates/select-server/src/hello.rs: the LineDecoder is made with MAX_LINE_NAME, and a longer line ends the conversation.",
            end: End::Server,
            flags: LINES,
            run: hello_echo::lines_too_long,
        },
        Stage {
            slug: "chat-listen",
            checks: "--protocol chat: prints `listening on ADDR`, keeps running, accepts a connection there",
            why: "The chat room is served by the same loop: only the protocol it drives changes. It listens, prints where, and accepts clients for as long as it runs.",
            book: "select-server.md#run-it",
            hint: "Read `run` in crates/select-server/src/main.rs: with --protocol chat, `serve` (crates/select-server/src/server.rs) drives a Room instead of a Hello.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::listen,
        },
        Stage {
            slug: "chat-login",
            checks: "--protocol chat: answers a name with `success` and nothing more",
            why: "The original protocol has no framing: the first read is the name, answered with the 7 bytes `success`. In one thread a login is a state of the connection (arriving, then joined), not a place in a thread's code.",
            book: "select-server.md#the-protocol",
            hint: "Read `received` and `log_in` in crates/select-server/src/room.rs: an arriving connection's first read is its name.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::login,
        },
        Stage {
            slug: "chat-reuse",
            checks: "--protocol chat: answers a name in use with `reuse` and closes that connection",
            why: "One owner decides who has which name, and here the owner is the loop's thread itself: no broker, no lock. The loser is told `reuse`, then its connection is finished and closed.",
            book: "select-server.md#the-protocol",
            hint: "Read `log_in` in crates/select-server/src/room.rs: a taken name is answered REUSE, and the connection finished.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::reuse,
        },
        Stage {
            slug: "chat-broadcast",
            checks: "--protocol chat: sends a message to everyone else as `[ctime] name: message`, not back",
            why: "The loop's thread appends each message to what every other user is owed, and writes each socket as far as it takes. Nobody's write waits for anybody else's.",
            book: "select-server.md#python-beside-rust",
            hint: "Read `message` and `tell` in crates/select-server/src/room.rs, and `said` in crates/chat-room/src/protocol.rs.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::broadcast,
        },
        Stage {
            slug: "chat-quit",
            checks: "--protocol chat: answers `quit` with `quit`, closes, and frees the name",
            why: "After `quit` the server answers `quit`, finishes the connection (what is owed is written, then its FIN) and frees the name at once; nobody else hears the `quit`.",
            book: "select-server.md#the-protocol",
            hint: "Read the Quit branch of `message`, and `remove`, in crates/select-server/src/room.rs.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::quit,
        },
        Stage {
            slug: "chat-vanish",
            checks: "--protocol chat: a user who vanishes without `quit` frees the name, and the room goes on",
            why: "A read of 0 bytes, or a failed read, means the user is gone: the loop tells the room, which frees the name. Forget it and the name stays taken; go on reading it and the loop spins on a closed socket.",
            book: "select-server-under-the-hood.md#one-connection-start-to-end",
            hint: "Read `drive` in crates/select-server/src/server.rs (a read of 0 bytes, or an error, calls `left`) and `left` in crates/select-server/src/room.rs.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::vanish,
        },
        Stage {
            slug: "chat-not-utf8",
            checks: "--protocol chat: passes on a message that is not UTF-8 byte for byte; a bad name ends nobody's session",
            why: "TCP carries bytes. The room passes a message on byte for byte, and refuses a name it cannot read without ending anything else: in one thread, an exception would end every user's session at once.",
            book: "select-server.md#the-protocol",
            hint: "Read `log_in` in crates/select-server/src/room.rs (`check_name` refuses the name) and `said` in crates/chat-room/src/protocol.rs.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::not_utf8,
        },
        Stage {
            slug: "chat-silent-login",
            checks: "--protocol chat: logs a user in while another connection has not sent its name",
            why: "A connection that has not sent its name costs the loop nothing: it is read only once the poller says it is readable. A blocking recv() for the name, as the original's accept loop does, would stop everyone.",
            book: "select-server-under-the-hood.md#what-ready-means",
            hint: "Read `received` in crates/select-server/src/room.rs: an arriving connection is read only when its bytes have come.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::silent_login,
        },
        Stage {
            slug: "chat-stop",
            checks: "--protocol chat: exits 0 within 2 s of Ctrl-C, with users logged in",
            why: "Ctrl-C wakes the loop through its Waker; the room says `quit` to each user, what is owed is written, and every socket is closed before the process exits 0.",
            book: "select-server-under-the-hood.md#waking-the-loop-for-ctrl-c",
            hint: "Read `stopping` in crates/select-server/src/room.rs and `begin_stop` in crates/select-server/src/server.rs.",
            end: End::Server,
            flags: CHAT,
            run: chat_room::stop,
        },
        Stage {
            slug: "chat-lines-login",
            checks: "--protocol chat --lines: a name line in pieces gets `success\\n`, a taken one `reuse\\n`",
            why: "With --lines a name may arrive in pieces, over several events: the connection keeps what came until the newline.",
            book: "select-server.md#the-protocol",
            hint: "Read `received` in crates/select-server/src/room.rs and `read_login` in crates/chat-room/src/protocol.rs.",
            end: End::Server,
            flags: CHAT_LINES,
            run: chat_room::lines_login,
        },
        Stage {
            slug: "chat-lines-messages",
            checks: "--protocol chat --lines: lines in one write, or cut in pieces, each reach the others as one line, in order",
            why: "One read may bring several lines, or part of one: each user's LineDecoder hands over the whole lines and keeps the rest for the next event.",
            book: "select-server.md#the-protocol",
            hint: "Read `read_lines` in crates/select-server/src/room.rs.",
            end: End::Server,
            flags: CHAT_LINES,
            run: chat_room::lines_messages,
        },
        Stage {
            slug: "chat-lines-stuck",
            checks: "--protocol chat --lines: a user who never reads delays nobody, and is cut off",
            why: "In one thread, a blocking write to a user who stopped reading stops every other user too. Writes are non-blocking, what a socket will not take waits in that user's outbox, and a user too far behind is cut off at once.",
            book: "select-server-under-the-hood.md#back-pressure-in-one-thread",
            hint: "Read `send` in crates/select-server/src/room.rs (MAX_BEHIND) and `write_owed` in crates/select-server/src/server.rs (until WouldBlock, never waiting).",
            end: End::Server,
            flags: CHAT_LINES,
            run: chat_room::lines_stuck,
        },
        Stage {
            slug: "chat-lines-crowd",
            checks: "--protocol chat --lines: 50 users send 5,000 messages at once; everyone gets every message, in order",
            why: "50 users talking at once are 245,000 lines to write from one thread: each socket is written as far as it takes, the rest stays owed, and the loop goes on to the next ready socket. One thread owns the users, so no message is lost to a race.",
            book: "select-server-under-the-hood.md#edge-drain-until-wouldblock",
            hint: "Read `flush` and `drive` in crates/select-server/src/server.rs: every client given bytes is written in the same turn of the loop.",
            end: End::Server,
            flags: CHAT_LINES,
            run: chat_room::lines_crowd,
        },
    ],
};

/// How many threads the processes `pids` have in all, from the
/// `Threads:` line of each one's /proc/PID/status; a process that has
/// gone counts 0.
fn threads_of(pids: &[u32]) -> usize {
    pids.iter()
        .filter_map(|pid| {
            let status =
                fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            status
                .lines()
                .find_map(|line| line.strip_prefix("Threads:"))
                .and_then(|count| count.trim().parse::<usize>().ok())
        })
        .sum()
}

/// The threads of the server's process group: the program, and whatever
/// runs it (a shell, `cargo run`, an interpreter), counted alike.
fn server_threads(group: u32, with: &str) -> Result<usize, Failure> {
    match threads_of(&group_members(group)) {
        0 => Err(Failure::new(format!(
            "the checker found none of the server's processes in /proc \
             with {with}"
        ))),
        threads => Ok(threads),
    }
}

fn one_thread(ctx: &mut Ctx) -> Result<(), Failure> {
    if !cfg!(target_os = "linux") {
        return ctx.skip(
            "the threads are counted in /proc/PID/status, which only Linux \
             has",
        );
    }
    let addr: SocketAddr = ctx.start_server()?;
    let group = ctx.program()?.pid();
    let names = hello_echo::random_names(&mut ctx.rng, CLIENTS);
    let mut clients: Vec<Peer> = Vec::with_capacity(CLIENTS);
    let mut alone = 0;
    for (i, name) in names.iter().enumerate() {
        let label = format!("client {} of {CLIENTS}", i + 1);
        let mut client = hello_echo::welcomed(addr, &label)?;
        hello_echo::greet(&mut client, name)?;
        clients.push(client);
        if i == 0 {
            alone = server_threads(group, "1 client connected")?;
        }
    }
    let crowded =
        server_threads(group, &format!("{CLIENTS} clients connected"))?;
    // Each is still being served, whatever the count: a second name each.
    for (client, name) in clients.iter_mut().zip(&names) {
        hello_echo::greet(client, name)?;
    }
    if crowded > alone {
        return Err(Failure::new(format!(
            "with {CLIENTS} clients connected the server had {crowded} \
             threads, {} more than with 1 client",
            crowded - alone
        ))
        .expected(
            format!("at most {alone} threads, as with 1 client"),
            format!("{crowded} threads"),
        )
        .note(
            "The threads of every process in the server's process group, \
             from the `Threads:` line of /proc/PID/status, counted with 1 \
             client mid-conversation and again with 100. A thread per \
             client is what this lesson replaces: one thread waits on every \
             socket at once and keeps each client's place in a value.",
        ));
    }
    Ok(())
}
