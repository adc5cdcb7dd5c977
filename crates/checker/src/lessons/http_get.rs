//! http-get's stages: the program is a client only, and in every stage
//! the checker is its HTTP server, with exact bytes both ways.
//!
//! A stage starts `http-get [flags] http://127.0.0.1:PORT/PATH -o FILE`
//! (FILE in a directory of the stage's own), reads the request the
//! client sends, answers it, and then looks at what the client did: its
//! exit code, and the file it saved or did not save.
//!
//! ```text
//! program: GET /notes/qzt.txt?v=12 HTTP/1.1\r\n
//! program: Host: 127.0.0.1:40213\r\n
//! program: User-Agent: http-get/0.1\r\n      (optional, as are
//! program: Accept: */*\r\n                    these three)
//! program: Connection: close\r\n
//! program: \r\n
//! checker: HTTP/1.1 200 OK\r\n
//! checker: Content-Length: 5\r\n
//! checker: \r\n
//! checker: hello                               (then it closes)
//! ```
//!
//! Paths, bodies, chunk sizes and where a response is cut into pieces
//! are random (from the run's seed).
//!
//! The checker answers as a server that honours `Connection: close`: it
//! closes once its response is sent. Where no body follows the head (a
//! HEAD, a 204, a 304) it holds the connection open until the client
//! exits instead: the head is the whole response, and a client that
//! waits for a body or for the close is wrong there.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use http_get::client::MAX_REDIRECTS;

use crate::lessons::shared::{STOP_WITHIN, exit_code, random_cuts};
use crate::lessons::{Launch, Lesson};
use crate::report::{Failure, shown};
use crate::stage::{Ctx, End, Stage};
use crate::wire::Peer;

/// The longest request line or header line the checker reads.
const MAX_REQUEST_LINE: usize = 8 * 1024;

/// The most header lines a request may have before the checker stops
/// reading it.
const MAX_REQUEST_HEADERS: usize = 64;

/// The headers a request may carry: `Host`, which HTTP/1.1 requires,
/// and the three the lesson's client sends (crates/http-get/src/
/// request.rs). Anything else asks the server for something the client
/// never meant: `Accept-Encoding: gzip` is a promise to decode gzip.
const ALLOWED_HEADERS: &[&str] =
    &["Host", "User-Agent", "Accept", "Connection"];

/// The pauses between the pieces of a response cut on purpose: long
/// enough that each piece arrives in a read of its own.
const PIECE_PAUSE_MS: std::ops::RangeInclusive<u64> = 100..=200;

/// `--timeout` in the `stall` stage. The client then has
/// [`CLIENT_EXIT_TIMEOUT`](crate::stage::CLIENT_EXIT_TIMEOUT) (5 s) to
/// give up: its timeout, and a margin for a loaded machine.
const STALL_TIMEOUT: &str = "1s";

/// Status lines that are not HTTP/1.x status lines: another protocol's
/// greeting, a page without a head, a code of 4 digits, a code in the
/// wrong place.
const BAD_STATUS_LINES: &[&str] = &[
    "SSH-2.0-OpenSSH_9.6",
    "<!DOCTYPE html>",
    "HTTP/1.1 2000 OK",
    "HTTP/1.1 OK 200",
    "ICY 200 OK",
];

/// The redirect codes a client follows with the same request (RFC 9110
/// section 15.4), and their reasons.
const REDIRECTS: &[(u16, &str)] = &[
    (301, "Moved Permanently"),
    (302, "Found"),
    (303, "See Other"),
    (307, "Temporary Redirect"),
    (308, "Permanent Redirect"),
];

/// http-get: lesson 6.
pub const LESSON: Lesson = Lesson {
    name: "http-get",
    exercise: "http-get-exercise",
    exercise_dir: "crates/exercises/http-get",
    server: None,
    client: Some(Launch {
        subcommand: None,
        script: "get.py",
    }),
    peer: None,
    stages: &[
        Stage {
            slug: "request",
            checks: "sends `GET /path?query HTTP/1.1`, a `Host` with the port, CR LF line ends, an empty line",
            why: "An HTTP/1.1 request is a request line, header lines and an empty line, each ending in CR LF. The request line names the path and query only; the host goes in `Host`, which HTTP/1.1 requires (one address serves many sites), with the port when it is not 80.",
            book: "http-get.md#the-request",
            hint: "Read `encode` in crates/http-get/src/request.rs, and how `new` in crates/http-get/src/target.rs makes the Host header and the request target from the URL.",
            end: End::Client,
            flags: &[],
            run: request,
        },
        Stage {
            slug: "request-headers",
            checks: "sends no header it did not mean to (only Host, User-Agent, Accept, Connection, each once) and nothing after the empty line",
            why: "Every header is a request the server may act on: `Accept-Encoding: gzip` lets it send a compressed body the client must then decode. A GET has no body, so nothing follows the empty line.",
            book: "http-get.md#the-request",
            hint: "Read `encode` in crates/http-get/src/request.rs: four headers of its own, and `-H` replaces one or adds one.",
            end: End::Client,
            flags: &[],
            run: request_headers,
        },
        Stage {
            slug: "content-length",
            checks: "saves a body of `Content-Length` bytes, cut across reads, byte for byte",
            why: "TCP keeps no boundaries: the head and the body arrive in pieces of any size, the head's end is the empty line, and `Content-Length` says how many bytes of body follow. A body is bytes, not text: decoding it would change it.",
            book: "http-get.md#content-length-exactly-that-many-bytes",
            hint: "Read `framing` and `LengthReader` in crates/http-get/src/body.rs.",
            end: End::Client,
            flags: &[],
            run: content_length,
        },
        Stage {
            slug: "chunked",
            checks: "decodes a chunked body, with chunk extensions and trailers, cut across reads",
            why: "With `Transfer-Encoding: chunked` the body comes in pieces, each with its size in hex in front (and maybe `;extensions`), until a chunk of size 0 and optional trailer lines. The sizes, CR LFs and trailers are framing, not body.",
            book: "http-get.md#chunked-pieces-with-their-size-in-front",
            hint: "Read `ChunkedReader` in crates/http-get/src/body.rs: a small state machine, one line or one chunk at a time.",
            end: End::Client,
            flags: &[],
            run: chunked,
        },
        Stage {
            slug: "until-close",
            checks: "saves a body with neither length nor chunks: everything until the server closes",
            why: "A response with neither `Content-Length` nor `Transfer-Encoding` ends its body by closing the connection: a read of 0 bytes is the end.",
            book: "http-get.md#until-the-close",
            hint: "Read the last step of `framing` in crates/http-get/src/body.rs, and `fetch` in crates/http-get/src/client.rs.",
            end: End::Client,
            flags: &[],
            run: until_close,
        },
        Stage {
            slug: "head",
            checks: "with --head: sends HEAD, prints the head, and finishes without a body while the connection stays open",
            why: "A response to HEAD has no body, whatever its `Content-Length` says (that is the length a GET would get). The client is done at the empty line, and must not wait for bytes or for the close.",
            book: "http-get.md#rfc-9112-63-in-order",
            hint: "Read step 1 of `framing` in crates/http-get/src/body.rs.",
            end: End::Client,
            flags: &[],
            run: head,
        },
        Stage {
            slug: "no-body",
            checks: "a 204 saves an empty file and a 304 nothing, each at once, while the connection stays open",
            why: "A 204 or a 304 ends at its head: no body follows, whatever the headers say. A client that reads on waits for bytes that never come.",
            book: "http-get.md#rfc-9112-63-in-order",
            hint: "Read step 1 of `framing` in crates/http-get/src/body.rs.",
            end: End::Client,
            flags: &[],
            run: no_body,
        },
        Stage {
            slug: "status-error",
            checks: "a 404 is an error: exit 1, and its error page is not saved",
            why: "Only a 2xx response carries the resource. A 404's body is an error page; saved under the output name it would pass for the file.",
            book: "http-get.md#saving-a-body",
            hint: "Read `download` in crates/http-get/src/download.rs: it asks `is_success` (crates/http-get/src/client.rs) before anything is saved.",
            end: End::Client,
            flags: &[],
            run: status_error,
        },
        Stage {
            slug: "bad-status",
            checks: "a response that does not start with an HTTP/1.x status line is an error, and nothing is saved",
            why: "Anything can listen on a port: an SSH server, a web page with no head. The first line must be `HTTP/1.x NNN reason`; anything else is not an HTTP response, and its bytes are not a body.",
            book: "http-get.md#the-response-head",
            hint: "Read `parse_status_line` and `read_head` in crates/http-get/src/head.rs.",
            end: End::Client,
            flags: &[],
            run: bad_status,
        },
        Stage {
            slug: "short-body",
            checks: "a body shorter than its `Content-Length` is an error, and no file is left",
            why: "A close before `Content-Length` bytes means the transfer broke. Only the length tells a cut body from a whole one; a truncated file saved as if complete is worse than none.",
            book: "http-get.md#content-length-exactly-that-many-bytes",
            hint: "Read `LengthReader` in crates/http-get/src/body.rs and `save_file` in crates/http-get/src/download.rs (a temporary name, renamed when complete).",
            end: End::Client,
            flags: &[],
            run: short_body,
        },
        Stage {
            slug: "stall",
            checks: "with --timeout 1s: a server that stalls mid-body is an error within seconds, and no file is left",
            why: "A read blocks for as long as the peer sends nothing, which can be for ever. A read timeout turns a stalled server into an error; the half-written file goes with it.",
            book: "http-get.md#connecting-with-timeouts",
            hint: "Read `TimedStream` in crates/http-get/src/clock.rs and `save_file` in crates/http-get/src/download.rs.",
            end: End::Client,
            flags: &[],
            run: stall,
        },
        Stage {
            slug: "interim",
            checks: "skips interim `100 Continue` and `103 Early Hints` heads, and saves the final response's body",
            why: "Before the final response a server may send interim 1xx heads, which have no body: the response that counts is the first with a status of 200 or more.",
            book: "http-get.md#the-response-head",
            hint: "Read `read_final_head` in crates/http-get/src/head.rs.",
            end: End::Client,
            flags: &[],
            run: interim,
        },
        Stage {
            slug: "redirect",
            checks: "follows 301, 302, 303, 307 and 308, each to its `Location` on a new connection, and saves the last body",
            why: "A 3xx with `Location` sends the client elsewhere: a new request, here on a new connection, since each request asked for `Connection: close`. The redirect's own body is not the resource.",
            book: "http-get.md#redirects",
            hint: "Read `fetch` and `is_redirect` in crates/http-get/src/client.rs.",
            end: End::Client,
            flags: &[],
            run: redirect,
        },
        Stage {
            slug: "relative-location",
            checks: "resolves a relative `Location` (`next`, `../up`, `/top`) against the URL it came from",
            why: "A `Location` may be relative, as a link in a page is: `next` replaces the last part of the path, `../x` goes up a level, `/x` starts at the root. It is resolved against the URL that answered, not sent as it is.",
            book: "http-get.md#redirects",
            hint: "Read `resolve` in crates/http-get/src/target.rs.",
            end: End::Client,
            flags: &[],
            run: relative_location,
        },
        Stage {
            slug: "redirect-limit",
            checks: "with --max-redirects N: a chain of redirects that never ends stops after N, with exit 1 and no file",
            why: "A server can redirect for ever, each time somewhere new. A client counts the redirects it follows and gives up past its limit, instead of looping.",
            book: "http-get.md#redirects",
            hint: "Read `fetch` in crates/http-get/src/client.rs, and MAX_REDIRECTS there.",
            end: End::Client,
            flags: &[],
            run: redirect_limit,
        },
    ],
};

/// The request the client sent: its lines as they came (line ends
/// included), and its header fields.
struct Request {
    lines: Vec<Vec<u8>>,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The request line without its line end.
    fn line(&self) -> &[u8] {
        trim_line_end(&self.lines[0])
    }

    /// Every value of the header `name` (any case).
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads a request head: lines up to the empty one, each bounded, and
/// at most [`MAX_REQUEST_HEADERS`] of them.
fn read_request(peer: &mut Peer) -> Result<Request, Failure> {
    let mut lines = Vec::new();
    let mut headers = Vec::new();
    loop {
        let line = peer.read_line(MAX_REQUEST_LINE);
        if !line.ends_with(b"\n") {
            return Err(peer.fail(if line.len() >= MAX_REQUEST_LINE {
                "a line of the request is over 8 KiB"
            } else if lines.is_empty() {
                "the client sent no request line"
            } else {
                "the request ended before its empty line"
            }));
        }
        let text = trim_line_end(&line).to_vec();
        lines.push(line);
        if lines.len() == 1 {
            continue;
        }
        if text.is_empty() {
            return Ok(Request { lines, headers });
        }
        if lines.len() > MAX_REQUEST_HEADERS {
            return Err(peer.fail("the request has over 64 header lines"));
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        let Some((name, value)) = text.split_once(':') else {
            return Err(peer
                .fail("a header line of the request has no colon")
                .expected("Name: value", shown(text.as_bytes())));
        };
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
}

/// Reads the request and checks its request line: `METHOD TARGET
/// HTTP/1.1`.
fn expect_request(
    peer: &mut Peer,
    method: &str,
    target: &str,
) -> Result<Request, Failure> {
    let request = read_request(peer)?;
    let wanted = format!("{method} {target} HTTP/1.1");
    if request.line() != wanted.as_bytes() {
        return Err(peer
            .fail("the request line is not the one the URL asks for")
            .expected(shown(wanted.as_bytes()), shown(request.line())));
    }
    Ok(request)
}

/// A random path of one to three parts, with a query now and then:
/// letters, digits and `-`, which no URL parser changes.
fn random_target(rng: &mut fastrand::Rng) -> String {
    let mut target = String::new();
    for _ in 0..rng.usize(1..=3) {
        target.push('/');
        target.push_str(&random_word(rng));
    }
    if rng.bool() {
        target.push_str(&format!("?v={}", rng.u16(..)));
    }
    target
}

fn random_word(rng: &mut fastrand::Rng) -> String {
    (0..rng.usize(1..=10))
        .map(|_| match rng.u8(..8) {
            0 => rng.digit(10),
            1 => '-',
            _ => rng.lowercase(),
        })
        .collect()
}

/// Random text of `len` bytes, lines of words: a body no decoding
/// changes, for the stages about something else.
fn random_text(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    let mut text = Vec::with_capacity(len);
    while text.len() < len {
        let word = random_word(rng);
        text.extend_from_slice(word.as_bytes());
        text.push(if rng.u8(..6) == 0 { b'\n' } else { b' ' });
    }
    text.truncate(len);
    text
}

/// Random bytes that are not UTF-8, with CR LF pairs and an empty line
/// among them: a body that looks like more head, or like text, is
/// still just bytes.
fn random_binary(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    let mut body: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
    for marker in [&b"\xff\xfe"[..], b"\r\n\r\n"] {
        let at = rng.usize(..=body.len());
        body.splice(at..at, marker.iter().copied());
    }
    body
}

/// Sends `bytes` cut at random places, with a random pause between the
/// pieces.
fn send_cut(
    ctx: &mut Ctx,
    peer: &mut Peer,
    bytes: &[u8],
) -> Result<(), Failure> {
    let cuts = random_cuts(&mut ctx.rng, bytes.len());
    let pause = Duration::from_millis(ctx.rng.u64(PIECE_PAUSE_MS));
    peer.send_in_pieces(bytes, &cuts, pause)
}

/// A directory of the stage's own for the output file.
fn output_dir() -> Result<tempfile::TempDir, Failure> {
    tempfile::Builder::new()
        .prefix("checker-http-get-")
        .tempdir()
        .map_err(|err| Failure::new(format!("cannot make a directory: {err}")))
}

/// `URL -o FILE`, after `flags`, for a client of the checker at `addr`.
fn get_args(
    flags: &[String],
    target: &str,
    out: &Path,
) -> impl FnOnce(std::net::SocketAddr) -> Vec<String> {
    let mut args = flags.to_vec();
    let target = target.to_owned();
    let out = out.display().to_string();
    move |addr| {
        args.extend([format!("http://{addr}{target}"), "-o".into(), out]);
        args
    }
}

/// A 200 response with a `Content-Length` body.
fn ok_response(body: &[u8]) -> Vec<u8> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body].concat()
}

/// Waits for the client to exit, and checks it exited 0 with `body`
/// saved in `file`.
fn saved(ctx: &mut Ctx, file: &Path, body: &[u8]) -> Result<(), Failure> {
    let (code, _) = ctx.client_finished()?;
    if code != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 after a complete 200 response",
        )
        .expected("exit code 0", exit_code(code)));
    }
    let Ok(got) = fs::read(file) else {
        return Err(Failure::new(format!(
            "the client exited 0 but saved no {}",
            file.display()
        )));
    };
    if got != body {
        return Err(Failure::new(
            "the saved file is not the body the server sent",
        )
        .expected(shown(body), shown(&got)));
    }
    Ok(())
}

/// Waits for the client to exit, and checks it failed: exit 1, and
/// nothing at all left in `dir` (no file under the output name, and no
/// partial file beside it).
fn failed_and_left_nothing(
    ctx: &mut Ctx,
    dir: &Path,
    after: &str,
) -> Result<(), Failure> {
    let (code, _) = ctx.client_finished()?;
    if code != Some(1) {
        return Err(Failure::new(format!(
            "the client did not fail after {after}"
        ))
        .expected("exit code 1", exit_code(code)));
    }
    let left: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|err| Failure::new(format!("cannot list {dir:?}: {err}")))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    if let Some(file) = left.first() {
        let bytes = fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        return Err(Failure::new(format!(
            "after {after}, the client left a file behind"
        ))
        .expected(
            "no file: a failed download saves nothing",
            format!("{} ({bytes} bytes)", file.display()),
        ));
    }
    Ok(())
}

fn request(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("page");
    let mut addr = None;
    let mut peer = ctx.start_client_with(|checker| {
        addr = Some(checker);
        get_args(&[], &target, &out)(checker)
    })?;
    let request = expect_request(&mut peer, "GET", &target)?;
    if let Some(line) = request.lines.iter().find(|l| !l.ends_with(b"\r\n")) {
        return Err(peer
            .fail("a line of the request does not end in CR LF")
            .expected(
                format!("{}\\r\\n", shown(trim_line_end(line))),
                shown(line),
            ));
    }
    let host = addr.map(|a| a.to_string()).unwrap_or_default();
    let hosts: Vec<&str> = request.all("Host").collect();
    if hosts != [host.as_str()] {
        return Err(peer
            .fail("the request does not name its host in one `Host` header")
            .expected(format!("Host: {host}"), format!("{hosts:?}")));
    }
    // The rest of the exchange is other stages' business.
    peer.send(&ok_response(b""))
}

fn request_headers(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("page");
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    let request = expect_request(&mut peer, "GET", &target)?;
    for (name, _) in &request.headers {
        if !ALLOWED_HEADERS.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return Err(peer
                .fail(format!(
                    "the client sent a header it was not asked for: {name}"
                ))
                .expected(
                    format!("only {}", ALLOWED_HEADERS.join(", ")),
                    shown(name.as_bytes()),
                ));
        }
        if request.all(name).count() > 1 {
            return Err(
                peer.fail(format!("the client sent `{name}` more than once"))
            );
        }
    }
    // A GET has no body: nothing may follow the empty line.
    peer.expect_quiet(Duration::from_millis(200), "the request's empty line")?;
    peer.send(&ok_response(b""))
}

fn content_length(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("body.bin");
    let len = ctx.rng.usize(1..=3000);
    let body = random_binary(&mut ctx.rng, len);
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    send_cut(ctx, &mut peer, &ok_response(&body))?;
    drop(peer);
    saved(ctx, &out, &body)
}

/// `body` as a chunked body: chunks of random sizes, their size in hex
/// of either case, now and then an extension, and trailer fields.
fn chunk(rng: &mut fastrand::Rng, body: &[u8]) -> Vec<u8> {
    const EXTENSIONS: &[&str] = &[";name=value", ";x", " ;q=\"a b\"", ""];
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let size = rng.usize(1..=rest.len().min(300));
        let (piece, after) = rest.split_at(size);
        let hex = if rng.bool() {
            format!("{size:x}")
        } else {
            format!("{size:X}")
        };
        let ext = EXTENSIONS[rng.usize(..EXTENSIONS.len())];
        out.extend_from_slice(format!("{hex}{ext}\r\n").as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
        rest = after;
    }
    out.extend_from_slice(
        b"0;last\r\nX-Checksum: 0bad\r\nExpires: never\r\n\r\n",
    );
    out
}

fn chunked(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("chunked.txt");
    let len = ctx.rng.usize(50..=1500);
    let body = random_text(&mut ctx.rng, len);
    let encoded = chunk(&mut ctx.rng, &body);
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
                 Transfer-Encoding: chunked\r\nTrailer: X-Checksum, Expires\r\n\
                 Connection: close\r\n\r\n";
    send_cut(ctx, &mut peer, &[&head[..], &encoded].concat())?;
    drop(peer);
    saved(ctx, &out, &body)
}

fn until_close(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("page.txt");
    let len = ctx.rng.usize(1..=2000);
    let body = random_text(&mut ctx.rng, len);
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
                 Connection: close\r\n\r\n";
    send_cut(ctx, &mut peer, &[&head[..], &body].concat())?;
    peer.close_write();
    drop(peer);
    saved(ctx, &out, &body)
}

/// Waits for the client to exit while `peer` stays open, and returns its
/// exit code and stdout. A client still running then is stopped before
/// the checker closes: one that waited for the close would otherwise go
/// on, write into a directory that is about to go, and its last words in
/// the report would be about that.
fn finished_while_open(
    ctx: &mut Ctx,
    peer: Peer,
) -> Result<(Option<i32>, Vec<String>), Failure> {
    let finished = ctx.client_finished();
    if finished.is_err() {
        let program = ctx.program()?;
        program.interrupt();
        program.wait(STOP_WITHIN);
    }
    drop(peer);
    finished
}

/// The failure of a client that did not finish after a head with no body.
fn waited_for_a_body(what: &str) -> impl FnOnce(Failure) -> Failure {
    let summary = format!(
        "after {what} the client did not finish while the connection \
         stayed open: it waited for a body, or for the close"
    );
    move |failure| failure.because(summary)
}

fn head(ctx: &mut Ctx) -> Result<(), Failure> {
    let target = random_target(&mut ctx.rng);
    let length = ctx.rng.u32(1..=100_000);
    let mut peer = ctx.start_client_with(|addr| {
        vec!["--head".into(), format!("http://{addr}{target}")]
    })?;
    expect_request(&mut peer, "HEAD", &target)?;
    let status = "HTTP/1.1 200 OK";
    peer.send(
        format!(
            "{status}\r\nContent-Type: text/html\r\nContent-Length: \
             {length}\r\n\r\n"
        )
        .as_bytes(),
    )?;
    let (code, stdout) = finished_while_open(ctx, peer)
        .map_err(waited_for_a_body("the head"))?;
    if code != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 after a 200 response to HEAD",
        )
        .expected("exit code 0", exit_code(code)));
    }
    if stdout.first().map(String::as_str) != Some(status) {
        return Err(Failure::new(
            "with --head the client did not print the status line first",
        )
        .expected(format!("{status:?}"), format!("{stdout:?}")));
    }
    Ok(())
}

fn no_body(ctx: &mut Ctx) -> Result<(), Failure> {
    // 204: a success with an empty body.
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("empty");
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    peer.send(b"HTTP/1.1 204 No Content\r\nX-Served-By: checker\r\n\r\n")?;
    let (code, _) =
        finished_while_open(ctx, peer).map_err(waited_for_a_body("a 204"))?;
    if code != Some(0) || fs::read(&out).ok().as_deref() != Some(&[][..]) {
        return Err(Failure::new(
            "after a 204 the client did not save an empty file and exit 0",
        )
        .expected(
            "exit code 0 and an empty file",
            format!(
                "{}, {}",
                exit_code(code),
                match fs::read(&out) {
                    Ok(bytes) => format!("a file of {} bytes", bytes.len()),
                    Err(_) => "no file".into(),
                }
            ),
        ));
    }
    // 304: no body either, even with a Content-Length (the length of the
    // representation the client is told it already has); not a 2xx.
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("cached");
    let length = ctx.rng.u32(1..=100_000);
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    peer.send(
        format!(
            "HTTP/1.1 304 Not Modified\r\nETag: \"{length:x}\"\r\n\
             Content-Length: {length}\r\n\r\n"
        )
        .as_bytes(),
    )?;
    let (code, _) =
        finished_while_open(ctx, peer).map_err(waited_for_a_body("a 304"))?;
    if code != Some(1) || out.exists() {
        return Err(Failure::new(
            "after a 304 the client did not exit 1 without a file",
        )
        .expected(
            "exit code 1 (not a 2xx), no file",
            format!(
                "{}, {}",
                exit_code(code),
                if out.exists() { "a file" } else { "no file" }
            ),
        ));
    }
    Ok(())
}

fn status_error(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("wanted.txt");
    let page = format!("<h1>Not Found</h1><p>{target} is not here.</p>\n");
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    let response = format!(
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    peer.send(response.as_bytes())?;
    drop(peer);
    failed_and_left_nothing(ctx, dir.path(), "a 404")
}

fn bad_status(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("page");
    let line = BAD_STATUS_LINES[ctx.rng.usize(..BAD_STATUS_LINES.len())];
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    peer.send(
        format!("{line}\r\nContent-Length: 6\r\n\r\nhello\n").as_bytes(),
    )?;
    drop(peer);
    failed_and_left_nothing(
        ctx,
        dir.path(),
        &format!("the status line {line:?}"),
    )
}

fn short_body(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("cut.bin");
    let len = ctx.rng.usize(100..=3000);
    let body = random_text(&mut ctx.rng, len);
    let sent = ctx.rng.usize(1..len / 2);
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    let response = ok_response(&body);
    let cut = response.len() - (len - sent);
    send_cut(ctx, &mut peer, &response[..cut])?;
    drop(peer);
    failed_and_left_nothing(
        ctx,
        dir.path(),
        &format!("a close after {sent} of {len} bytes"),
    )
}

fn stall(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("slow.bin");
    let len = ctx.rng.usize(100..=3000);
    let body = random_text(&mut ctx.rng, len);
    let sent = ctx.rng.usize(1..len / 2);
    let flags = ["--timeout".to_owned(), STALL_TIMEOUT.to_owned()];
    let mut peer = ctx.start_client_with(get_args(&flags, &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    let response = ok_response(&body);
    let cut = response.len() - (len - sent);
    peer.send(&response[..cut])?;
    // The client has its --timeout and CLIENT_EXIT_TIMEOUT more to give
    // up, the connection open all along.
    finished_while_open(ctx, peer).map_err(|failure| {
        failure.because(format!(
            "the client did not give up on a server that stalled, with \
             --timeout {STALL_TIMEOUT}"
        ))
    })?;
    failed_and_left_nothing(
        ctx,
        dir.path(),
        &format!("a stall after {sent} of {len} bytes"),
    )
}

fn interim(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("final.txt");
    let len = ctx.rng.usize(1..=1000);
    let body = random_text(&mut ctx.rng, len);
    let mut peer = ctx.start_client_with(get_args(&[], &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    let interim = b"HTTP/1.1 100 Continue\r\n\r\n\
                    HTTP/1.1 103 Early Hints\r\n\
                    Link: </style.css>; rel=preload; as=style\r\n\r\n";
    send_cut(
        ctx,
        &mut peer,
        &[&interim[..], &ok_response(&body)].concat(),
    )?;
    drop(peer);
    saved(ctx, &out, &body)
}

/// A redirect response: `code` to `location`, with a small page as its
/// body, which the client must not save.
fn redirect_response(code: u16, location: &str) -> Vec<u8> {
    let reason = REDIRECTS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("Redirect", |(_, reason)| reason);
    let page = format!("<a href=\"{location}\">moved</a>\n");
    format!(
        "HTTP/1.1 {code} {reason}\r\nLocation: {location}\r\n\
         Content-Type: text/html\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{page}",
        page.len()
    )
    .into_bytes()
}

fn redirect(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let mut target = random_target(&mut ctx.rng);
    let out = dir.path().join("moved.txt");
    let len = ctx.rng.usize(1..=1000);
    let body = random_text(&mut ctx.rng, len);
    let mut codes: Vec<u16> = REDIRECTS.iter().map(|(code, _)| *code).collect();
    ctx.rng.shuffle(&mut codes);
    let mut addr = None;
    let mut peer = ctx.start_client_with(|checker| {
        addr = Some(checker);
        get_args(&[], &target, &out)(checker)
    })?;
    let origin = addr.map(|a| format!("http://{a}")).unwrap_or_default();
    for (hop, code) in codes.iter().enumerate() {
        expect_request(&mut peer, "GET", &target)?;
        let next = format!("/hop{}{}", hop + 1, random_target(&mut ctx.rng));
        peer.send(&redirect_response(*code, &format!("{origin}{next}")))?;
        drop(peer);
        target = next;
        peer = ctx.accept_client().map_err(|failure| {
            failure.because(format!(
                "the client did not follow a {code} to its Location"
            ))
        })?;
    }
    expect_request(&mut peer, "GET", &target)?;
    peer.send(&ok_response(&body))?;
    drop(peer);
    saved(ctx, &out, &body)
}

fn relative_location(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let rng = &mut ctx.rng;
    let (a, b, c) = (random_word(rng), random_word(rng), random_word(rng));
    let start = format!("/{a}/{b}/{c}?from=start");
    // Each Location, and where it leads from the URL before it.
    let (sibling, up, top) =
        (random_word(rng), random_word(rng), random_word(rng));
    let hops = [
        (format!("{sibling}?x=1"), format!("/{a}/{b}/{sibling}?x=1")),
        (format!("../{up}"), format!("/{a}/{up}")),
        (format!("/{top}/index"), format!("/{top}/index")),
    ];
    let len = rng.usize(1..=1000);
    let body = random_text(rng, len);
    let out = dir.path().join("found.txt");
    let mut peer = ctx.start_client_with(get_args(&[], &start, &out))?;
    expect_request(&mut peer, "GET", &start)?;
    let mut from = start;
    for (location, next) in hops {
        peer.send(&redirect_response(302, &location))?;
        drop(peer);
        peer = ctx.accept_client().map_err(|failure| {
            failure.because(format!(
                "the client did not follow a 302 to {location:?}"
            ))
        })?;
        expect_request(&mut peer, "GET", &next).map_err(|failure| {
            failure.because(format!(
                "`Location: {location}`, from {from}, leads to {next}"
            ))
        })?;
        from = next;
    }
    peer.send(&ok_response(&body))?;
    drop(peer);
    saved(ctx, &out, &body)
}

fn redirect_limit(ctx: &mut Ctx) -> Result<(), Failure> {
    let dir = output_dir()?;
    let target = random_target(&mut ctx.rng);
    let out = dir.path().join("never.txt");
    // Below the default, so that a client that ignores the flag but
    // stops at its own default still fails.
    let most = ctx.rng.u32(1..MAX_REDIRECTS);
    let flags = ["--max-redirects".to_owned(), most.to_string()];
    let mut peer = ctx.start_client_with(get_args(&flags, &target, &out))?;
    expect_request(&mut peer, "GET", &target)?;
    for hop in 1..=most {
        let next = format!("/loop{hop}{}", random_target(&mut ctx.rng));
        peer.send(&redirect_response(302, &next))?;
        drop(peer);
        peer = ctx.accept_client().map_err(|failure| {
            failure.because(format!(
                "the client did not follow redirect {hop} of the {most} \
                 that --max-redirects {most} allows"
            ))
        })?;
        expect_request(&mut peer, "GET", &next)?;
    }
    let next = format!("/loop{}{}", most + 1, random_target(&mut ctx.rng));
    peer.send(&redirect_response(302, &next))?;
    drop(peer);
    // One redirect more than allowed: the client must stop here.
    if let Ok(mut extra) = ctx.accept_client() {
        let _ = read_request(&mut extra);
        return Err(extra
            .fail(format!(
                "with --max-redirects {most} the client followed redirect \
                 {} too",
                most + 1
            ))
            .expected(
                format!("{} requests, then exit 1", most + 1),
                format!("request {}", most + 2),
            ));
    }
    failed_and_left_nothing(
        ctx,
        dir.path(),
        &format!("more redirects than --max-redirects {most}"),
    )
}
