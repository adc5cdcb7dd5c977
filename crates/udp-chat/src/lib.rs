//! Lesson 3: UDP. Datagrams instead of a stream, and what that costs.
//!
//! Two programs from the originals: the UDP hello echo of chapter 01 (a
//! server that answers each datagram `X` with `Hello, X!`, and a client
//! that sends `0` to `99`), and the two-peer chat of chapter 04.
//!
//! # What UDP does not do
//!
//! There is no connection, so no `listen` and no `accept`: one socket
//! receives every peer's datagrams, each with its sender's address. A
//! datagram arrives whole or not at all, but it may not arrive, may arrive
//! twice, and may overtake an earlier one. Nothing resends a lost one:
//! the client has to notice and ask again. And a datagram longer than the
//! buffer it is read into is cut, silently: the originals read 1024 bytes.
//!
//! # The echo protocol
//!
//! ```text
//! > 0              (one datagram to the server)
//! < Hello, 0!      (one datagram back to the sender's address)
//! ```
//!
//! # Try it
//!
//! ```text
//! cargo run -p udp-chat -- server                             # terminal 1
//! cargo run -p udp-chat -- client --count 5                   # terminal 2
//! cargo run -p udp-chat -- chat --bind 127.0.0.1:7890 --peer 127.0.0.1:7891
//! cargo run -p udp-chat -- chat --bind 127.0.0.1:7891 --peer 127.0.0.1:7890
//! ```
//!
//! # Layout
//!
//! - [`echo`]: the hello echo, server and client with retries.
//! - [`chat`]: the chat, live or with the original's menu.
//! - [`demo`]: both, in one process.
//! - [`cli`]: the flags, shared with the exercise.
//! - `main.rs`: the command line, nothing else.

pub mod chat;
pub mod cli;
pub mod demo;
pub mod echo;

use std::time::Duration;

// ANCHOR: constants
/// The echo server's address unless `--bind` says otherwise (chapter 01).
pub const ECHO_ADDR: &str = "127.0.0.1:9999";

/// A chat peer's own address unless `--bind` says otherwise (chapter 04).
pub const CHAT_ADDR: &str = "127.0.0.1:7890";

/// The largest message we send, and the largest we show. It is the
/// originals' read buffer, so whatever we send reaches them whole, and it
/// is under the 1,472 bytes of UDP payload that fit in one Ethernet frame,
/// so the datagram is never split into IP fragments (a datagram whose one
/// fragment is lost is lost whole).
pub const MAX_MESSAGE: usize = 1024;

/// How many requests the echo client sends: `0` to `99`, as the original.
pub const DEFAULT_COUNT: u32 = 100;

/// How long the echo client waits for a reply before it asks again.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(1);

/// How many times the echo client asks again before it counts a reply as
/// lost.
pub const RETRIES: u32 = 3;
// ANCHOR_END: constants
