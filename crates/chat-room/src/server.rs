//! The chat server: a reader and a writer thread per client, and the
//! broker between them.
//!
//! The accept loop, the cap, the timeouts and the shutdown are netkit's.
//! Each connection's handler logs the client in, starts a writer thread
//! for its queue, and then reads: every message becomes an
//! [`Event`] for the broker. The handler never writes to the socket after
//! login. The broker writes what the socket takes at once, and the writer
//! what it does not (see [`outbox`](crate::outbox)): a reader is never
//! stuck behind a slow write, and bytes from two senders never
//! interleave.
//!
//! # Try it
//!
//! ```text
//! cargo run -p chat-room -- server                   # terminal 1
//! cargo run -p chat-room -- client -u alice          # terminal 2
//! cargo run -p chat-room -- client -u bob            # terminal 3
//! ```
//!
//! With `--lines` on the server and on every client, each message ends
//! with a newline, so the raw-socket tool (which sends a line per Enter)
//! can join too:
//!
//! ```text
//! cargo run -p chat-room -- server --lines
//! cargo run -p chat-room -- client --lines -u alice
//! cargo run -q -p rawsock -- connect 127.0.0.1:21567  # a name, Enter
//! ```

use std::io::{self, Write};
use std::net::{Shutdown as Half, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use crossbeam_channel::Sender;
use netkit::framing::{LineDecoder, LineTooLong};
use netkit::server::{keep_alive, lingering_close};
use netkit::{
    Connection, Received, ServeReport, ServerConfig, Shutdown, recv_some,
};

use crate::broker::{self, BrokerReport, Event, OUTBOX_CAPACITY};
use crate::outbox::{Queue, outbox};
use crate::protocol::{
    Framing, Login, MAX_MESSAGE, check_name, read_login, wrong_framing_hint,
};

/// How many events may wait for the broker before readers wait too.
const EVENT_QUEUE: usize = 1024;

/// Everything the server can be told, apart from where to listen.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// The accept loop's settings: cap, timeouts, log.
    pub net: ServerConfig,
    /// How every client frames its messages: the original's bytes, or
    /// lines (`--lines`).
    pub framing: Framing,
}

/// What the server did, returned when it stops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The accept loop's counts.
    pub connections: ServeReport,
    /// The broker's.
    pub broker: BrokerReport,
}

// ANCHOR: serve
/// Serves the chat room on `listener` until `shutdown` triggers.
pub fn serve(
    listener: TcpListener,
    shutdown: &Shutdown,
    options: &ServerOptions,
) -> io::Result<Report> {
    let (events, inbox) = crossbeam_channel::bounded(EVENT_QUEUE);
    let broker = {
        let (shutdown, log) = (shutdown.clone(), options.net.log.clone());
        thread::Builder::new()
            .name("broker".into())
            .spawn(move || broker::run(&inbox, &shutdown, log))?
    };
    let next_id = Arc::new(AtomicU64::new(1));
    let framing = options.framing;
    let connections = netkit::serve(listener, shutdown, &options.net, {
        let events = events.clone();
        move |conn| {
            let id = next_id.fetch_add(1, Ordering::Relaxed);
            handle(conn, id, framing, &events)
        }
    });
    drop(events);
    let broker = broker
        .join()
        .map_err(|_| io::Error::other("the broker thread panicked"))?;
    Ok(Report {
        connections: connections?,
        broker,
    })
}
// ANCHOR_END: serve

// ANCHOR: handle
/// One client: log in, start the writer, then read until it leaves.
fn handle(
    conn: &Connection,
    id: u64,
    framing: Framing,
    events: &Sender<Event>,
) -> io::Result<()> {
    let Some(LoggedIn {
        name: raw_name,
        rest,
    }) = login(&conn.stream, framing)?
    else {
        return Ok(()); // gone before it said who it is
    };
    let name = match check_name(&raw_name) {
        Ok(name) => name,
        Err(bad) => {
            // No writer yet, so we may write here; neither "success" nor
            // "reuse", so an original client just stops.
            let hint = wrong_framing_hint(framing, &raw_name, &bad);
            let refusal =
                framing.encode(format!("error: {bad}{hint}").as_bytes());
            (&*conn.stream).write_all(&refusal)?;
            lingering_close(&conn.stream);
            conn.log
                .problem(format_args!("{}: refused: {bad}{hint}", conn.peer));
            return Ok(());
        }
    };
    // A chat user may listen for hours without a word: the idle timeout
    // that bounds a login ends here. Keepalive probes find a client that
    // vanished without a FIN instead, and a shutdown still wakes the read.
    conn.stream.set_read_timeout(None)?;
    keep_alive(&conn.stream)?;
    let (outbox, queue) = outbox(Arc::clone(&conn.stream), OUTBOX_CAPACITY);
    let joined = Event::Join {
        id,
        name,
        framing,
        outbox,
    };
    if events.send(joined).is_err() {
        return Ok(()); // the broker has stopped: the server is stopping
    }
    // The reader (this thread), the writer and the broker share the one
    // socket: `&TcpStream` reads and writes, and shutdown works on any
    // handle. One descriptor per user, where `try_clone` would take one
    // for each.
    thread::scope(|scope| {
        let stream = &conn.stream;
        scope.spawn(move || write_outbox(stream, queue));
        let broke = read_messages(conn, id, framing, rest, events);
        // When the server stops, netkit wakes every reader as if its
        // client had closed. That is no leave: the broker is about to say
        // goodbye to everyone, and a Leave would make it drop this client
        // first, without a word.
        if broke.is_some() || !conn.shutdown.is_triggered() {
            let _ = events.send(Event::Leave { id, broke });
        }
    });
    // The writer is done and has sent FIN; drop what the client still
    // sends, so that closing does not reset the last bytes we sent.
    lingering_close(&conn.stream);
    Ok(())
}
// ANCHOR_END: handle

/// What a client sent to log in.
struct LoggedIn {
    /// The name, unchecked.
    name: Vec<u8>,
    /// Bytes that came after the name: its first messages (`--lines`).
    rest: Vec<u8>,
}

/// Reads the name, in the room's framing. Returns `None` if the client
/// left first.
fn login(stream: &TcpStream, framing: Framing) -> io::Result<Option<LoggedIn>> {
    let mut sent = Vec::new();
    let mut buf = [0; 256];
    loop {
        match recv_some(&mut &*stream, &mut buf)? {
            Received::Data(bytes) => sent.extend_from_slice(bytes),
            Received::Closed => return Ok(None),
        }
        let rest = match framing {
            // The original's rule: the first read is the name, as sent.
            // Its client sends the name in one `send` and then waits for
            // the answer, so nothing else can be in that read.
            Framing::Raw => Vec::new(),
            Framing::Lines => match read_login(&sent) {
                Login::Line { name, rest } => {
                    sent = name;
                    rest
                }
                // Part of a name: it may arrive in pieces. Read on; the
                // idle timeout ends a client that never finishes it.
                Login::Incomplete => continue,
                // No name is this long: refuse it as it is.
                Login::TooLong => Vec::new(),
            },
        };
        return Ok(Some(LoggedIn { name: sent, rest }));
    }
}

// ANCHOR: read_messages
/// Reads messages and hands them to the broker until the client leaves.
/// Returns the rule the client broke, if it broke one, to tell it.
fn read_messages(
    conn: &Connection,
    id: u64,
    framing: Framing,
    rest: Vec<u8>,
    events: &Sender<Event>,
) -> Option<String> {
    let mut lines = LineDecoder::new(MAX_MESSAGE);
    lines.push(&rest);
    let mut buf = [0; MAX_MESSAGE];
    loop {
        // Complete lines first: one read may have brought several.
        while let Some(line) = next_line(&mut lines, framing) {
            match line {
                Ok(line) if line.is_empty() => {}
                Ok(bytes) => {
                    if events.send(Event::Message { id, bytes }).is_err() {
                        return None;
                    }
                }
                Err(too_long) => {
                    return Some(format!(
                        "a message longer than {} bytes",
                        too_long.max_len
                    ));
                }
            }
        }
        let bytes = match recv_some(&mut &*conn.stream, &mut buf) {
            Ok(Received::Data(bytes)) => bytes,
            // A read of 0 bytes: the client closed (the original looped
            // here forever, broadcasting empty messages).
            Ok(Received::Closed) => return None,
            Err(err) => {
                if !conn.shutdown.is_triggered() {
                    conn.log.event(format_args!("{}: {err}", conn.peer));
                }
                return None;
            }
        };
        match framing {
            // The original's rule: one read is one message.
            Framing::Raw => {
                let message = Event::Message {
                    id,
                    bytes: bytes.to_vec(),
                };
                if events.send(message).is_err() {
                    return None;
                }
            }
            Framing::Lines => lines.push(bytes),
        }
    }
}
// ANCHOR_END: read_messages

/// The next complete line, if the client frames with lines and one is
/// there.
fn next_line(
    lines: &mut LineDecoder,
    framing: Framing,
) -> Option<Result<Vec<u8>, LineTooLong>> {
    if framing == Framing::Raw {
        return None;
    }
    lines.next_line().transpose()
}

// ANCHOR: write_outbox
/// The writer thread: writes what the socket had no room for when the
/// broker tried, and sleeps while the client keeps up. When the broker
/// drops the outbox (the user quit, was refused, was too slow, or the
/// server is stopping), it sends FIN after the last message, and ends the
/// reading side too.
fn write_outbox(stream: &TcpStream, queue: Queue) {
    // An error ends the writer, and drops the queue: the broker hears of
    // it at its next message for the client.
    let _ = queue.write_all_to(stream);
    // FIN after the last message (queued bytes still go out first). Then
    // SHUT_RD: the reader thread, blocked in recv(), gets 0 bytes at once.
    // Without it, a client that keeps its socket open after "quit" would
    // hold the reader, and a place under the cap, until the idle timeout.
    let _ = stream.shutdown(Half::Write);
    let _ = stream.shutdown(Half::Read);
}
// ANCHOR_END: write_outbox
