//! Lesson 1: the TCP "Welcome!" / "Hello, X!" server and its client.
//!
//! A port of the TCP server and client in the originals' chapter 01, with
//! the single-client and threaded servers of chapter 03 as `--once` and the
//! default. The server greets every connection, then answers each message
//! `X` with `Hello, X!` until the client sends `exit` or closes.
//!
//! # The protocol
//!
//! No framing, exactly as the original: each `recv` of at most
//! [`READ_BUF_SIZE`] bytes is taken as one message. A sample session
//! (`>` client to server, `<` server to client, no newlines on the wire):
//!
//! ```text
//! < Welcome!
//! > Michael
//! < Hello, Michael!
//! > exit
//!   (server closes)
//! ```
//!
//! With `--lines` on both ends every message is a line ending in `\n`
//! instead, the usual fix for TCP having no message boundaries
//! ([`Protocol::Lines`]).
//!
//! # Try it
//!
//! ```text
//! cargo run -p hello-echo -- server                # terminal 1
//! cargo run -p hello-echo -- client                # terminal 2
//! python3 crates/hello-echo/python/client.py       # or the Python client
//! cargo run -p rawsock -- connect 127.0.0.1:9999   # or type at it yourself
//! ```
//!
//! # Layout
//!
//! - [`server`]: the per-connection handler, both protocols.
//! - [`client`]: sends names and checks each reply.
//! - [`cli`]: the client's flags, shared with the exercise.
//! - [`demo`]: both ends in one process.
//! - `main.rs`: the command line, nothing else.

pub mod cli;
pub mod client;
pub mod demo;
pub mod server;

pub use client::{check_names, run_client};
pub use server::{ServerOptions, serve};

use std::time::Duration;

// ANCHOR: constants
/// Where the server listens unless `--bind` says otherwise. Chapter 01's
/// server binds 8888 while its client dials 9999; we use 9999 for both.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9999";

/// The most bytes one read takes: the original's `recv(1024)`. In the
/// original protocol this is also the longest message.
pub const READ_BUF_SIZE: usize = 1024;

/// The longest line either end sends or reads with `--lines`, newline
/// excluded: the same as a raw message.
pub const MAX_LINE_LEN: usize = READ_BUF_SIZE;

/// The longest name with `--lines`. Its reply, `Hello, <name>!`, is 8
/// bytes longer and must still fit in a line of [`MAX_LINE_LEN`]; so the
/// server refuses a longer name line, and the client a longer name, and
/// no name either accepts can get a reply the other refuses.
pub const MAX_LINE_NAME: usize =
    MAX_LINE_LEN - GREETING_START.len() - GREETING_END.len();

/// The first thing the server says on every connection.
pub const WELCOME: &[u8] = b"Welcome!";

/// The message that ends a session.
pub const EXIT: &[u8] = b"exit";

/// The names the original client sends.
pub const DEFAULT_NAMES: [&str; 3] = ["Michael", "Tracy", "Sarah"];

/// The original server sleeps this long before each reply; `--delay`
/// brings it back, to watch threads serve clients side by side.
pub const ORIGINAL_DELAY: Duration = Duration::from_secs(1);
// ANCHOR_END: constants

/// How messages are delimited on the wire. Both ends must agree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// The original's: one `recv` is one message. Works only while each
    /// side waits for the other's answer before sending again.
    #[default]
    Raw,
    /// Every message, both ways, ends in `\n`; a line may be at most
    /// [`MAX_LINE_LEN`] bytes, and a name [`MAX_LINE_NAME`].
    Lines,
}

impl Protocol {
    /// The protocol `--lines` (or its absence) asks for.
    pub fn with_lines(lines: bool) -> Protocol {
        if lines {
            Protocol::Lines
        } else {
            Protocol::Raw
        }
    }
}

// ANCHOR: greeting
/// The reply to `name`, built from bytes: a name that is not UTF-8 is
/// greeted as it came instead of killing the connection, and for UTF-8
/// names the bytes equal Python's `('Hello, %s!' % name).encode()`.
pub fn greeting(name: &[u8]) -> Vec<u8> {
    [GREETING_START, name, GREETING_END].concat()
}

/// What [`greeting`] puts before and after the name.
const GREETING_START: &[u8] = b"Hello, ";
const GREETING_END: &[u8] = b"!";
// ANCHOR_END: greeting

#[cfg(test)]
mod tests {
    use super::*;

    /// The reply is the original's bytes, and bytes that are not UTF-8
    /// pass through unchanged.
    #[test]
    fn greeting_wraps_any_bytes() {
        assert_eq!(greeting(b"Michael"), b"Hello, Michael!");
        assert_eq!(greeting("李雷".as_bytes()), "Hello, 李雷!".as_bytes());
        assert_eq!(greeting(b"\xff"), b"Hello, \xff!");
    }
}
