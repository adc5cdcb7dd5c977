//! Socket helpers shared by every lesson, each written once.
//!
//! The lessons port small Python socket programs. What those programs do
//! with three lines of `socket` calls is in each lesson; what every server
//! needs and the originals leave out (a cap on connections, timeouts, a way
//! to stop, bounded reads) is here, so each lesson stays about its protocol.
//!
//! # Layout
//!
//! - [`bind`]: `socket`/`setsockopt`/`bind`/`listen` step by step, as in
//!   Python, plus `HOST:PORT` resolution and errors that say what to do.
//! - [`server`]: the threaded accept loop, with a connection cap, timeouts
//!   and a tested shutdown.
//! - [`descriptors`]: the open-file limit, and a cap that fits in it.
//! - [`shutdown`]: the stop handle that Ctrl-C, SIGTERM and tests trigger.
//! - [`framing`]: one bounded `recv`, and newline framing with a maximum
//!   line length, each telling "peer closed" apart from errors.
//! - [`udp`]: the datagram server loop, with the same shutdown.
//! - [`log`]: where server events go.
//! - [`text`]: peer bytes as text that is safe to print.
//! - [`cli`]: the flags, output line and exit codes every lesson shares.
//! - [`demo`]: helpers for the `demo` subcommands.
//! - `testing` (feature `testing`): servers in-process on port 0, binaries
//!   as child processes, reads that time out instead of hanging a test.

pub mod bind;
pub mod cli;
pub mod demo;
pub mod descriptors;
pub mod framing;
pub mod log;
pub mod server;
pub mod shutdown;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;
pub mod udp;

pub use bind::{
    NetError, bind_tcp, bind_udp, connect, connect_within, listen, listen_udp,
};
pub use framing::{LineReader, Received, recv_some};
pub use log::Log;
pub use server::{Connection, Connections, ServeReport, ServerConfig, serve};
pub use shutdown::Shutdown;

/// Whether an I/O error is a socket timeout running out. A read or write
/// timeout shows up as `WouldBlock` on Unix and `TimedOut` on Windows.
pub fn is_timeout(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}
