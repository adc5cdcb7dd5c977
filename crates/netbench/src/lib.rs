//! netbench: the workspace's load generator. It puts many clients on a
//! lesson's server, on this machine, and reports what they measured.
//!
//! The lessons claim things a unit test cannot show: that a message
//! reaches 200 users within milliseconds, that one user who stops reading
//! does not slow the others. netbench measures those claims, against our
//! Rust servers and against the Python ports of the originals, with the
//! same clients, so the two can be set side by side.
//!
//! Every mode is bounded: a fixed number of clients and messages, a
//! timeout on every wait, a limit on the whole run. It stops by itself
//! and reports what it saw, losses and stalls included, rather than hang
//! on a server that has stopped.
//!
//! # Layout
//!
//! One module per lesson's load, each with its own `//!` saying what it
//! measures and how to run it:
//!
//! - [`hello_echo`]: lesson 1's round trips per second and their latency
//!   over 1 to 10,000 connections.
//! - [`time_server`]: lesson 2's connections per second.
//! - [`udp_chat`]: lesson 3's answered datagrams per second with a window
//!   in flight, and the ones never answered.
//! - [`file_downloader`]: lesson 4's download rate for one big file.
//! - [`chat_room`]: lesson 5's delivery latency, one sender and many
//!   receivers, optionally with a client that never reads.
//!   - [`chat_room::wire`]: the bench's messages, and finding them again
//!     in a byte stream (pure).
//!
//! And what they share, or what the bench needs besides:
//!
//! - [`load`]: many workers at once for a fixed time, every step timed
//!   (the shape of the timed modes).
//! - [`bare`]: each lesson's protocol with nothing else, the limit of its
//!   model to measure the lesson's server against.
//! - [`chart`]: a results file's targets, met or missed, as an SVG
//!   chart.
//! - [`stats`]: latency percentiles, from an HDR histogram.
//! - [`process`]: a server's memory, threads and CPU time, from `/proc`.
//! - [`results`]: the results file the suite writes and the chart
//!   reads, as serde types; a target's judgement, and merging lessons.
//! - [`soak`]: a server for minutes under its normal load and faults,
//!   its memory, threads and descriptors judged flat or rising.
//! - [`suite`]: runs all of it (`netbench suite`, `scripts/bench`):
//!   every lesson's server, the Python port and the bare server under
//!   the same load, in turns, and the table and chart in the book;
//!   its cases are data, in `suite/cases.rs`.
//! - `main.rs`: the command line: each load's options are its flags;
//!   the soak's and the bare servers' are read there.
//!
//! # Try it
//!
//! ```text
//! cargo build --release -p chat-room -p netbench
//! target/release/chat-room server --lines --bind 127.0.0.1:0 2>/dev/null
//!                            # prints "listening on 127.0.0.1:PORT"
//! target/release/netbench chat-room --connect 127.0.0.1:PORT
//! ```

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::time::Duration;

use anyhow::bail;
use clap::builder::{RangedU64ValueParser, TypedValueParser};

pub mod bare;
pub mod chart;
pub mod chat_room;
pub mod file_downloader;
pub mod hello_echo;
pub mod load;
pub mod process;
pub mod results;
pub mod soak;
pub mod stats;
pub mod suite;
pub mod time_server;
pub mod udp_chat;

/// The longest a timed mode may be asked to run: long enough for a
/// steady figure, short enough that a bench of every lesson ends within
/// minutes.
pub const MAX_SECONDS: u64 = 60;

/// A duration on the command line: a whole number of `unit`s
/// (`Duration::from_secs`, `from_millis`) within `range`.
pub fn duration(
    range: RangeInclusive<u64>,
    unit: fn(u64) -> Duration,
) -> impl TypedValueParser<Value = Duration> {
    clap::value_parser!(u64).range(range).map(unit)
}

/// A count on the command line, within `range`.
pub fn count(range: RangeInclusive<usize>) -> RangedU64ValueParser<usize> {
    let (start, end) = range.into_inner();
    RangedU64ValueParser::new().range(start as u64..=end as u64)
}

/// Resolves `HOST:PORT` and checks that it is this machine: netbench opens
/// hundreds of connections and sends as fast as the server answers, which
/// is a test on loopback and an attack anywhere else.
pub fn loopback_addr(spec: &str) -> anyhow::Result<SocketAddr> {
    let addrs = netkit::bind::resolve(spec)?;
    if let Some(away) = addrs.iter().find(|addr| !addr.ip().is_loopback()) {
        bail!(
            "{away} is not a loopback address: netbench loads only \
             servers on this machine; start the server with --bind \
             127.0.0.1:0 and pass the address it prints"
        );
    }
    // `resolve` never returns an empty list.
    match addrs.first() {
        Some(addr) => Ok(*addr),
        None => bail!("{spec} names no address; write HOST:PORT"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loopback addresses pass, in both IP versions; others are refused
    /// with the way to fix it.
    #[test]
    fn only_loopback_is_accepted() {
        assert_eq!(
            loopback_addr("127.0.0.1:21567").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 21567))
        );
        assert!(loopback_addr("[::1]:9").unwrap().ip().is_loopback());
        let err = loopback_addr("192.0.2.1:21567").unwrap_err();
        assert!(err.to_string().contains("--bind 127.0.0.1:0"), "{err}");
        assert!(loopback_addr("127.0.0.1").is_err());
    }
}
