//! Lesson 2: the server that answers and hangs up.
//!
//! A port of the time server in the originals' chapter 05 (and of the
//! greeting server and client beside it, which have the same shape), with
//! the two standard protocols it is the ancestor of.
//!
//! # The protocol
//!
//! The client connects and says nothing. The server sends the time and
//! closes; the close is how the client knows the answer is complete.
//!
//! ```text
//!   (client connects)
//! < 2026-11-22 09:15:03.123456
//!   (server closes)
//! ```
//!
//! `--rfc867` sends an RFC 867 Daytime line instead, `--rfc868` the 4-byte
//! RFC 868 Time number ([`clock`] has all three), and `--udp` answers any
//! datagram with a datagram instead. The standard ports are 13 (Daytime)
//! and 37 (Time); binding a port below 1024 needs administrator rights, so
//! the default here is the original's 6789.
//!
//! # Try it
//!
//! ```text
//! cargo run -p time-server -- server            # terminal 1
//! cargo run -p time-server -- client            # terminal 2
//! python3 crates/time-server/python/client.py   # or the Python client
//! ```
//!
//! # Layout
//!
//! - [`clock`]: the three formats, written and read, without I/O.
//! - [`server`]: the TCP and UDP servers.
//! - [`client`]: asks, reads to the end, works out the clock offset.
//! - [`demo`]: everything in one process.
//! - [`cli`]: the server's and the client's flags, shared with the exercise.
//! - `main.rs`: the command line, nothing else.

pub mod cli;
pub mod client;
pub mod clock;
pub mod demo;
pub mod server;

pub use client::{Reading, query_tcp, query_udp};
pub use clock::Format;
pub use server::{serve_tcp, serve_udp};

/// Where the server listens unless `--bind` says otherwise: the original's
/// port, for TCP and UDP alike.
pub const DEFAULT_ADDR: &str = "127.0.0.1:6789";
