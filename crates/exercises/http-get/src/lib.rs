//! Lesson 6, your turn: an HTTP/1.1 client on a `TcpStream`.
//!
//! Read `docs/src/http-get.md` first; `crates/http-get` is the solution.
//! Four pieces are yours, each a `todo!()` that names the stage of the
//! checker it unlocks (`cargo run -p checker -- http-get`):
//!
//! - [`request::encode`]: the request's bytes (stages `request`,
//!   `request-headers`).
//! - [`body::framing`]: where the body ends, RFC 9112 section 6.3
//!   (`content-length` to `no-body`).
//! - [`body::read_chunked`]: a chunked body, decoded (`chunked`).
//! - [`client::redirect_to`]: which redirect to follow, and when to stop
//!   (`redirect` to `redirect-limit`).
//!
//! The rest is written: the URL's parsing and the head's (the lesson's
//! own), the connection and its timeouts in [`client`], and saving a body
//! under a temporary name in [`save`].

// The todo!()s are yours to replace; until then their arguments go
// unused.
#![allow(clippy::todo, unused_variables)]

pub mod body;
pub mod client;
pub mod request;
pub mod save;
