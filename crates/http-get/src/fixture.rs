//! A small HTTP server on loopback for the demo and the tests: each path
//! answers with bytes we choose, right or wrong, whole or in pieces.
//!
//! A real server would never send a malformed head or close halfway on
//! purpose; a test of the client must. So a route holds the exact bytes
//! of its response, and [`ok`], [`chunked`] and [`redirect`] build the
//! usual ones; [`trickle`] and [`Reply::Paced`] make a slow server.
//! [`serve_tls`] serves the same bytes inside TLS.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use netkit::{Connection, Log, ServeReport, ServerConfig, Shutdown};

use crate::body::chunk_encode;
use crate::head::trim_line_end;

/// The pause between [`Reply::Pieces`], so that each arrives in a read of
/// its own.
pub const PIECE_GAP: Duration = Duration::from_millis(20);

/// The most bytes of a request head the fixture reads.
const MAX_REQUEST: usize = 16 * 1024;

/// How a route answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// These bytes, then close.
    Bytes(Vec<u8>),
    /// These pieces, [`PIECE_GAP`] apart, then close.
    Pieces(Vec<Vec<u8>>),
    /// These pieces, each this long after the one before, then close (or
    /// stop early, when the client has gone): a server slow on purpose.
    Paced(Vec<Vec<u8>>, Duration),
    /// These bytes, then nothing, without closing, until the server
    /// stops: a server that hangs halfway.
    Stall(Vec<u8>),
    /// A 200 whose body is the request head received, one line per
    /// header line, its CR LF shown as `\r\n`: what the client sent.
    Echo,
    /// These bytes, then the connection drops. Over TLS: without the
    /// `close_notify` that says the server meant to stop (a truncation,
    /// or an attack); over plain TCP the same as [`Reply::Bytes`].
    Dropped(Vec<u8>),
}

/// Request targets (`/a?b`) and their replies; anything else gets 404.
#[derive(Clone, Debug, Default)]
pub struct Routes {
    routes: HashMap<String, Reply>,
    seen: Arc<Mutex<Vec<String>>>,
    log: Option<Log>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Routes {
        Routes::default()
    }

    /// Adds a route.
    pub fn at(mut self, target: &str, reply: Reply) -> Routes {
        self.routes.insert(target.to_owned(), reply);
        self
    }

    /// Logs every request and the status it got, as one line.
    pub fn logging(mut self, log: Log) -> Routes {
        self.log = Some(log);
        self
    }

    /// The request heads received so far, as text.
    pub fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A 200 response with a `Content-Length`.
pub fn ok(body: &[u8], content_type: &str) -> Reply {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    Reply::Bytes([head.as_bytes(), body].concat())
}

/// A 200 response, chunked in pieces of these sizes.
pub fn chunked(body: &[u8], sizes: &[usize]) -> Reply {
    let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\
                Connection: close\r\n\r\n";
    Reply::Bytes([head.as_bytes(), &chunk_encode(body, sizes)].concat())
}

/// A 200 response with a `Content-Length`, whose body comes one byte at
/// a time, `gap` apart: never silent for long, never done soon.
pub fn trickle(body: &[u8], gap: Duration) -> Reply {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let bytes = body.iter().map(|&byte| vec![byte]);
    Reply::Paced(
        std::iter::once(head.into_bytes()).chain(bytes).collect(),
        gap,
    )
}

/// A redirect.
pub fn redirect(status: u16, location: &str) -> Reply {
    Reply::Bytes(
        format!(
            "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\n\
             Content-Length: 0\r\n\r\n"
        )
        .into_bytes(),
    )
}

// ANCHOR: serve
/// Serves `routes` on `listener` until `shutdown` triggers.
pub fn serve(
    listener: TcpListener,
    shutdown: &Shutdown,
    routes: Routes,
    config: &ServerConfig,
) -> io::Result<ServeReport> {
    let routes = Arc::new(routes);
    netkit::serve(listener, shutdown, config, move |conn| {
        let mut stream = &*conn.stream;
        answer(&mut stream, conn, &routes)?;
        netkit::server::lingering_close(&conn.stream);
        Ok(())
    })
}

/// Serves `routes` as [`serve`] does, inside TLS: `tls` holds the
/// certificate chain and key the server presents. Every reply but
/// [`Reply::Dropped`] ends with `close_notify`.
pub fn serve_tls(
    listener: TcpListener,
    shutdown: &Shutdown,
    routes: Routes,
    config: &ServerConfig,
    tls: Arc<rustls::ServerConfig>,
) -> io::Result<ServeReport> {
    let routes = Arc::new(routes);
    netkit::serve(listener, shutdown, config, move |conn| {
        let session = rustls::ServerConnection::new(Arc::clone(&tls))
            .map_err(io::Error::other)?;
        let mut stream = rustls::StreamOwned::new(session, &*conn.stream);
        if answer(&mut stream, conn, &routes)? {
            stream.conn.send_close_notify();
            stream.flush()?;
        }
        netkit::server::lingering_close(&conn.stream);
        Ok(())
    })
}

/// Reads a request from `stream` and writes its route's reply; returns
/// whether the reply ends as the server meant it to (not
/// [`Reply::Dropped`]).
fn answer<S: Read + Write>(
    stream: &mut S,
    conn: &Connection,
    routes: &Routes,
) -> io::Result<bool> {
    let Some(request) = read_request(stream)? else {
        return Ok(true);
    };
    let request_line = request.lines().next().unwrap_or_default().to_owned();
    let target = request_line.split(' ').nth(1).unwrap_or_default();
    routes
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(request.clone());
    let not_found = Reply::Bytes(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n"
            .to_vec(),
    );
    let reply = routes.routes.get(target).unwrap_or(&not_found);
    if let Some(log) = &routes.log {
        let status = status_of(reply);
        let request_line = netkit::text::printable(request_line.as_bytes());
        log.event(format_args!("{}: {request_line} -> {status}", conn.peer));
    }
    match reply {
        Reply::Echo => stream.write_all(&echo(&request))?,
        Reply::Bytes(bytes) => stream.write_all(bytes)?,
        Reply::Pieces(pieces) => send_paced(stream, pieces, PIECE_GAP)?,
        Reply::Paced(pieces, gap) => send_paced(stream, pieces, *gap)?,
        Reply::Stall(bytes) => {
            stream.write_all(bytes)?;
            stream.flush()?;
            // Until the server stops (its channel closes then).
            let _ = conn.shutdown.receiver().recv();
        }
        Reply::Dropped(bytes) => {
            stream.write_all(bytes)?;
            stream.flush()?;
            return Ok(false);
        }
    }
    Ok(true)
}
// ANCHOR_END: serve

/// Writes each piece, then waits `gap`. A client that has gone makes a
/// write fail (a reset, then a broken pipe), and that ends the reply.
fn send_paced(
    stream: &mut impl Write,
    pieces: &[Vec<u8>],
    gap: Duration,
) -> io::Result<()> {
    for piece in pieces {
        stream.write_all(piece)?;
        stream.flush()?;
        thread::sleep(gap);
    }
    Ok(())
}

/// The status line a reply starts with, for the log.
fn status_of(reply: &Reply) -> String {
    let bytes = match reply {
        Reply::Bytes(bytes) | Reply::Stall(bytes) | Reply::Dropped(bytes) => {
            bytes.as_slice()
        }
        Reply::Pieces(pieces) | Reply::Paced(pieces, _) => {
            pieces.first().map_or(&[][..], Vec::as_slice)
        }
        Reply::Echo => b"HTTP/1.1 200 OK",
    };
    let line = bytes.split(|&b| b == b'\r').next().unwrap_or_default();
    String::from_utf8_lossy(line).into_owned()
}

/// A 200 response whose body shows `request`, the head received, line by
/// line with its line ends escaped: a CR would be invisible on a terminal.
fn echo(request: &str) -> Vec<u8> {
    let body: String = request
        .split_inclusive('\n')
        .map(|line| netkit::text::printable(line.as_bytes()) + "\n")
        .collect();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body.as_bytes()].concat()
}

/// Reads a request head; `None` if the client closed first.
fn read_request(stream: &mut impl Read) -> io::Result<Option<String>> {
    let mut reader = BufReader::new(stream.take(MAX_REQUEST as u64));
    let mut head = Vec::new();
    loop {
        let start = head.len();
        if reader.read_until(b'\n', &mut head)? == 0 {
            return Ok(None);
        }
        if trim_line_end(&head[start..]).is_empty() {
            return Ok(Some(String::from_utf8_lossy(&head).into_owned()));
        }
    }
}
