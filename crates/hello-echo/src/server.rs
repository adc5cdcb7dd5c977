//! The hello-echo server: what one connection's thread does.
//!
//! The accept loop, the connection cap, the timeouts and the shutdown are
//! netkit's ([`netkit::serve`]); this file is only the protocol. Compare it
//! with `serve_original` in `python/server.py`, our Python port of the
//! original's per-connection function: it sends the welcome with `send`,
//! takes each `recv(1024)` as one name, sleeps a second, decodes the bytes
//! as UTF-8 to compare them with `exit`, and formats the reply as text.
//!
//! What changes: bytes are never decoded (a name that is not UTF-8 got the
//! original's thread killed by a `UnicodeDecodeError`), `write_all` replaces
//! `send` (which may send only part of what it is given), the one-second
//! sleep is off unless `--delay`, and a silent client times out instead of
//! holding its thread forever.
//!
//! # Try it
//!
//! ```text
//! cargo run -p hello-echo -- server --delay       # terminal 1
//! cargo run -p rawsock -- connect 127.0.0.1:9999 --send Ada --send exit
//!                                                 # terminals 2 and 3 at once
//! ```

use std::io::{self, Write};
use std::net::TcpListener;
use std::time::Duration;

use netkit::server::lingering_close;
use netkit::{
    Connection, LineReader, Received, ServeReport, ServerConfig, Shutdown,
    recv_some,
};

use crate::{EXIT, MAX_LINE_NAME, Protocol, READ_BUF_SIZE, WELCOME, greeting};

/// Everything the server can be told, apart from where to listen.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// How messages are delimited on the wire.
    pub protocol: Protocol,
    /// A pause before each reply ([`crate::ORIGINAL_DELAY`] with `--delay`).
    pub delay: Duration,
    /// The accept loop's settings: cap, timeouts, log, `--once`.
    pub net: ServerConfig,
}

// ANCHOR: serve
/// Serves hello-echo clients on `listener` until `shutdown` triggers (or,
/// with `--once`, until its one client is done).
pub fn serve(
    listener: TcpListener,
    shutdown: &Shutdown,
    options: &ServerOptions,
) -> io::Result<ServeReport> {
    let (protocol, delay) = (options.protocol, options.delay);
    netkit::serve(
        listener,
        shutdown,
        &options.net,
        move |conn| match protocol {
            Protocol::Raw => handle_raw(conn, delay),
            Protocol::Lines => handle_lines(conn, delay),
        },
    )
}
// ANCHOR_END: serve

// ANCHOR: handle_raw
/// One client, the original's protocol: each read is one message.
fn handle_raw(conn: &Connection, delay: Duration) -> io::Result<()> {
    // `&TcpStream` reads and writes: the socket needs no `mut` of its own.
    let mut stream = &*conn.stream;
    stream.write_all(WELCOME)?;
    let mut buf = [0; READ_BUF_SIZE];
    loop {
        // One read is taken as one message. TCP keeps no boundaries, so
        // this holds only while the client waits for each reply before it
        // sends again; a longer message arrives in several reads and is
        // answered piece by piece, as the original does.
        let message = match recv_some(&mut stream, &mut buf)? {
            Received::Data(bytes) => bytes,
            // A read of 0 bytes: the client closed its side.
            Received::Closed => return Ok(()),
        };
        pause(&conn.shutdown, delay);
        if message == EXIT {
            return Ok(());
        }
        // `write_all` loops until every byte is in the kernel's send
        // buffer; a single `write` (Python's `send`) may take only part.
        stream.write_all(&greeting(message))?;
    }
}
// ANCHOR_END: handle_raw

// ANCHOR: handle_lines
/// One client, `--lines`: every message is a line, both ways.
fn handle_lines(conn: &Connection, delay: Duration) -> io::Result<()> {
    // `&TcpStream` reads and writes, so the line reader and the replies
    // can share the one socket.
    let mut stream = &*conn.stream;
    stream.write_all(&[WELCOME, b"\n"].concat())?;
    // Names only as long as their greeting still fits in a line.
    let mut lines = LineReader::new(stream, MAX_LINE_NAME);
    loop {
        let line = match lines.read_line() {
            Ok(Received::Data(line)) => line,
            Ok(Received::Closed) => return Ok(()),
            // Over the limit: say why, close so that the client gets to
            // read it, and return the error for the log.
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                stream.write_all(format!("error: {err}\n").as_bytes())?;
                lingering_close(stream);
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        pause(&conn.shutdown, delay);
        if line == EXIT {
            return Ok(());
        }
        stream.write_all(&[&greeting(&line)[..], b"\n"].concat())?;
    }
}
// ANCHOR_END: handle_lines

/// The original's `time.sleep(1)`, cut short when the server stops.
fn pause(shutdown: &Shutdown, delay: Duration) {
    if !delay.is_zero() {
        shutdown.wait_timeout(delay);
    }
}
