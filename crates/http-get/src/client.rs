//! One GET (or HEAD), redirects followed: connect, send the request, read
//! the head, and hand back the body as a reader.
//!
//! # Try it
//!
//! ```text
//! cargo run -q -p http-get -- serve --bind 127.0.0.1:8080 &  # the fixtures
//! cargo run -q -p http-get -- -i http://127.0.0.1:8080/docs/start
//! ```

use std::collections::HashSet;
use std::io::{self, BufReader, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use netkit::Log;
use url::Url;

use crate::body::{ChunkedReader, Framing, LengthReader, framing};
use crate::clock::{Clock, TimedStream};
use crate::head::{Head, read_final_head};
use crate::request::{Header, Method, encode};
use crate::target::{Target, resolve};
use crate::tls::{self, Transport};

/// How long a connect, or any one read or write, may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How many redirects are followed by default (curl's `-L` follows 50,
/// browsers about 20; a page that needs more than 5 is rare).
pub const MAX_REDIRECTS: u32 = 5;

/// The buffer between the socket and the parsers: one read brings a
/// whole head as a rule, and a large body goes through in few calls.
const READ_BUFFER: usize = 64 * 1024;

/// What to ask, and how patiently.
#[derive(Clone, Debug)]
pub struct Options {
    /// GET or HEAD.
    pub method: Method,
    /// Extra headers (`-H`).
    pub headers: Vec<Header>,
    /// Redirects to follow before giving up.
    pub max_redirects: u32,
    /// Bound on the connect and on each read and write.
    pub timeout: Duration,
    /// Bound on the whole transfer: the connects, every redirect, the
    /// head and the body, counted from the call to [`fetch`]. `None` (the
    /// default, as with curl's `--max-time`): as long as it takes.
    pub max_time: Option<Duration>,
    /// Whom `https://` trusts: Mozilla's roots by default, and the CAs
    /// of `--cacert` ([`tls::client_config`]).
    pub tls: Arc<rustls::ClientConfig>,
    /// `-v`: where each connection's story goes (the address connected
    /// to; for TLS the version, cipher suite and certificates), one `* `
    /// line each, as curl writes them. `None`: told to nobody.
    pub verbose: Option<Log>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            method: Method::Get,
            headers: Vec::new(),
            max_redirects: MAX_REDIRECTS,
            timeout: DEFAULT_TIMEOUT,
            max_time: None,
            tls: tls::default_config(),
            verbose: None,
        }
    }
}

/// The connection, plain or TLS, on its transfer's clock and buffered:
/// what the head parser and the body readers read from.
pub type Connection = BufReader<Transport>;

/// The final response: its head, and its body to read.
#[derive(Debug)]
pub struct Response {
    /// The URL that answered (after redirects).
    pub url: Url,
    /// Status line and headers.
    pub head: Head,
    /// How the body ends.
    pub framing: Framing,
    /// The redirects followed to get here: status and the URL that sent
    /// it on.
    pub redirects: Vec<(u16, Url)>,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Empty,
    Length(LengthReader<Connection>),
    Chunked(ChunkedReader<Connection>),
    UntilClose(Connection),
}

impl Response {
    /// Whether the status is 2xx: the only success.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.head.status)
    }

    /// The body's length, when the server said it.
    pub fn length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(length) => Some(length),
            Framing::Empty => Some(0),
            Framing::Chunked | Framing::UntilClose => None,
        }
    }
}

impl Read for Response {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.body {
            Body::Empty => Ok(0),
            Body::Length(reader) => reader.read(buf),
            Body::Chunked(reader) => reader.read(buf),
            Body::UntilClose(reader) => reader.read(buf),
        }
    }
}

/// Headers that belong to one site, credentials above all: dropped when a
/// redirect leaves the site they were given for (a `-H 'Host: ...'` too,
/// or the next server would be told it is the first one).
fn belongs_to_site(name: &str) -> bool {
    ["Authorization", "Cookie", "Proxy-Authorization", "Host"]
        .iter()
        .any(|credential| name.eq_ignore_ascii_case(credential))
}

/// Whether a status sends the client elsewhere, with the same method.
fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

// ANCHOR: fetch
/// Fetches `target`, following redirects; returns the final response
/// with its body unread. A 4xx or 5xx is a response, not an error: the
/// caller decides. The max-time starts now, and goes on while the body
/// is read.
pub fn fetch(target: Target, options: &Options) -> anyhow::Result<Response> {
    let clock = Clock::start(options.timeout, options.max_time);
    let mut target = target;
    let mut redirects = Vec::new();
    let mut seen = HashSet::from([target.url.clone()]);
    let mut headers = options.headers.clone();
    loop {
        let (head, conn) = exchange(&target, options, &headers, &clock)?;
        // --max-redirects 0: the redirect itself is the answer (its
        // Location shows with -i), as with curl without -L.
        let follow = is_redirect(head.status) && options.max_redirects > 0;
        let location = head.get("Location").filter(|_| follow);
        if let Some(location) = location {
            let next = resolve(&target.url, location)
                .with_context(|| format!("redirected to {location:?}"))?;
            // Credentials given for one site are not handed to another
            // (requests does the same): a redirect can point anywhere.
            if next.url.origin() != target.url.origin() {
                headers.retain(|header| !belongs_to_site(&header.name));
            }
            redirects.push((head.status, target.url));
            if !seen.insert(next.url.clone()) {
                bail!(
                    "redirect loop: {} leads back to {}",
                    chain(&redirects),
                    next.url
                );
            }
            if redirects.len() > options.max_redirects as usize {
                bail!(
                    "more than {} redirects: {} -> {}",
                    options.max_redirects,
                    chain(&redirects),
                    next.url
                );
            }
            // The connection is dropped unread: Connection: close.
            target = next;
            continue;
        }
        let framing = framing(options.method == Method::Head, &head)?;
        let body = match framing {
            Framing::Empty => Body::Empty,
            Framing::Length(length) => {
                Body::Length(LengthReader::new(conn, length))
            }
            Framing::Chunked => Body::Chunked(ChunkedReader::new(conn)),
            Framing::UntilClose => Body::UntilClose(conn),
        };
        return Ok(Response {
            url: target.url,
            head,
            framing,
            redirects,
            body,
        });
    }
}
// ANCHOR_END: fetch

fn chain(redirects: &[(u16, Url)]) -> String {
    let urls: Vec<String> = redirects
        .iter()
        .map(|(status, url)| format!("{url} ({status})"))
        .collect();
    urls.join(" -> ")
}

// ANCHOR: exchange
/// One request on a new connection; returns the final head (a few
/// interim 1xx heads are skipped) and the connection, at the start of the
/// body.
fn exchange(
    target: &Target,
    options: &Options,
    headers: &[Header],
    clock: &Clock,
) -> anyhow::Result<(Head, Connection)> {
    let host = target.url.host_str().unwrap_or_default();
    let spec = format!("{host}:{}", target.port);
    let wait = clock.wait()?;
    let stream = netkit::connect_within(&spec, wait)
        .map_err(|err| connect_failed(&spec, err.io_error(), wait, clock))?;
    let verbose = options.verbose.as_ref();
    if let (Some(log), Ok(peer)) = (verbose, stream.peer_addr()) {
        match peer.to_string() == spec {
            true => log.event(format_args!("* connected to {peer}")),
            false => log.event(format_args!("* connected to {peer} ({spec})")),
        }
    }
    // Every read and write is bounded, by the timeout and by what is left
    // of the max-time: a server that stalls halfway, or trickles, is an
    // error, not a hang. The TLS handshake too.
    let stream = TimedStream::new(stream, *clock);
    let mut stream = if target.tls {
        let tls = tls::handshake(stream, host, Arc::clone(&options.tls))?;
        if let Some(log) = verbose {
            for line in tls::describe(&tls.conn) {
                log.event(format_args!("* {line}"));
            }
        }
        Transport::Tls(Box::new(tls))
    } else {
        Transport::Plain(stream)
    };
    let request = encode(options.method, target, headers);
    stream.write_all(&request).context("sending the request")?;
    let mut conn = BufReader::with_capacity(READ_BUFFER, stream);
    let head = read_final_head(&mut conn)?;
    Ok((head, conn))
}
// ANCHOR_END: exchange

/// A failed connect, in words (netkit's message tells a lesson's user to
/// pass `--connect`, which this command does not have).
fn connect_failed(
    spec: &str,
    err: &io::Error,
    wait: Duration,
    clock: &Clock,
) -> anyhow::Error {
    let why = match err.kind() {
        io::ErrorKind::ConnectionRefused => {
            "connection refused (no server listens on that port)".to_owned()
        }
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            if clock.cut_short(wait) =>
        {
            clock.out_of_time().to_string()
        }
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            format!("no answer within {} s", clock.timeout().as_secs_f64())
        }
        _ => err.to_string(),
    };
    anyhow::anyhow!("could not connect to {spec}: {why}")
}
