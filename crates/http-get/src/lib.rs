//! Lesson 6: HTTP/1.1 by hand over a TCP socket.
//!
//! The originals fetch web pages two ways: by writing `GET /` to a socket
//! and printing what comes back (chapters 01 and 02), and with requests,
//! which hides all of it (chapter 05's threaded downloader). This crate is
//! the middle: a small, correct HTTP/1.1 client written on `TcpStream`,
//! one request per connection.
//!
//! - [`target`]: a URL to a host, port and request target.
//! - [`request`]: the request's bytes.
//! - [`head`]: the response's status line and headers, with limits.
//! - [`body`]: where the body ends (RFC 9112 section 6.3), as readers.
//! - [`clock`]: `--timeout` for each step, `--max-time` for the whole.
//! - [`tls`]: `https://`, TLS between the socket and HTTP.
//! - [`test_ca`]: a CA made on the spot, for `serve --tls` and the tests.
//! - [`client`]: one request and its redirects.
//! - [`download`]: saving bodies, and a bounded pool for many URLs.
//! - [`fixture`]: a loopback server of chosen bytes, for the demo and tests.
//! - [`demo`]: the original's JSON-then-download program, on loopback.
//! - [`served`]: `http-get serve`, the fixture server with every route the
//!   book fetches.
//! - [`cli`]: the flags shared with the exercise.
//! - `main.rs`: the command line, nothing else.

pub mod body;
pub mod cli;
pub mod client;
pub mod clock;
pub mod demo;
pub mod download;
pub mod fixture;
pub mod head;
pub mod request;
pub mod served;
pub mod target;
pub mod test_ca;
pub mod tls;
