//! Lesson 4: a file server and its client, streaming over TCP and confined
//! to one directory.
//!
//! A port of the file downloader in the originals' chapter 04. The client
//! connects, sends a file name, and saves whatever the server sends back
//! until the server closes the connection.
//!
//! # The protocol
//!
//! The original's, by default: no header, no terminator, the name in one
//! send and the file's bytes until the server closes (`>` client to
//! server, `<` server to client):
//!
//! ```text
//! > notes.txt
//! < ...the 5,103 bytes of notes.txt...
//!   (server closes: end of file)
//! ```
//!
//! A missing file is answered by closing at once, which the client cannot
//! tell from an empty file, and a connection cut halfway looks exactly
//! like a complete file: a TCP stream has no end marker but its end. So
//! `--framed` on both ends adds a small text header, the lesson's next
//! step ([`wire`]):
//!
//! ```text
//! > FETCH 0 notes.txt\n
//! < OK 5103\n
//! < ...the 5,103 bytes...
//!
//! > FETCH 4096 notes.txt\n          (resume: skip what we already have)
//! < OK 5103\n
//! < ...the last 1,007 bytes...
//!
//! > FETCH 0 ../../etc/passwd\n
//! < ERROR '..' is refused: only files under the served directory\n
//! ```
//!
//! # Try it
//!
//! ```text
//! cargo run -p file-downloader -- server --root docs        # terminal 1
//! cargo run -p file-downloader -- client book.toml          # terminal 2
//! cargo run -p file-downloader -- client                    # it asks
//! python3 crates/file-downloader/python/client.py book.toml -o copy.toml
//! ```
//!
//! # Layout
//!
//! - [`path`]: which names a client may ask for (pure parsing).
//! - [`wire`]: the `--framed` request line and response header.
//! - [`server`]: opening files inside the root, streaming them out.
//! - [`client`]: downloading into a `.part` file, then renaming it.
//! - [`cli`]: the flags of `server` and `client`, shared with the exercise.
//! - [`demo`]: both ends in one process.
//! - `main.rs`: the command line, nothing else.

pub mod cli;
pub mod client;
pub mod demo;
pub mod path;
pub mod server;
pub mod wire;

pub use client::{DownloadOptions, Output, download};
pub use path::{Refusal, parse_name};
pub use server::{Root, ServerOptions, Streaming, serve};

use std::time::Duration;

// ANCHOR: constants
/// Where the server listens unless told otherwise: the original's port, on
/// loopback only (the original listens on every interface, which for a
/// file server means anyone on the network may read the files).
pub const DEFAULT_ADDR: &str = "127.0.0.1:7890";

/// The host of [`DEFAULT_ADDR`], used with a bare port number.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// The port of [`DEFAULT_ADDR`], the original's.
pub const DEFAULT_PORT: u16 = 7890;

/// The longest file name a client may send, in bytes: the original's
/// `recv(1024)`. A longer name is refused, never cut short: a cut name
/// could name another file.
pub const MAX_NAME_LEN: usize = 1024;

/// The longest `--framed` request line: `FETCH`, an offset of up to 20
/// digits, two spaces and the name.
pub const MAX_REQUEST_LINE: usize = MAX_NAME_LEN + 64;

/// The longest `--framed` response header line the client accepts.
pub const MAX_HEADER_LINE: usize = 1024;

/// What the original client puts before the name of the file it saves:
/// "[received]". We keep it, so both clients save under the same name.
pub const RECEIVED_PREFIX: &str = "[接收]";

/// Added to the output name while a download is incomplete.
pub const PART_SUFFIX: &str = ".part";

/// How long the client waits for the server to send anything more before
/// it gives up on the download.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// The client's read buffer: large reads mean fewer system calls (the
/// server's [`server::SEND_BUF_SIZE`] has the measurements).
pub const CLIENT_BUF_SIZE: usize = 1024 * 1024;

/// Open files a connection holds while it sends: its socket (one, shared
/// with netkit's registry, never duplicated) and the file it sends (open
/// from the request to the last byte). `sendfile` needs no pipe, and the
/// served directory is one descriptor for the whole server. The server
/// fits its cap to the open-file limit with it (`tests/limits.rs` counts
/// them). What this rests on: on Linux 5.6 and later cap-std opens a file
/// under the root with one `openat2`; elsewhere it holds a descriptor for
/// each directory on the way until the file is open, a moment, out of the
/// server's small reserve (`netkit::descriptors::RESERVED`).
pub const DESCRIPTORS_PER_CLIENT: usize = 2;
// ANCHOR_END: constants

/// How the two ends talk (both must use the same).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// The original's: the name, then the file's bytes until the close.
    #[default]
    Raw,
    /// `--framed`: a request line and a status header with the size.
    Framed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_address_is_host_and_port() {
        assert_eq!(DEFAULT_ADDR, format!("{DEFAULT_HOST}:{DEFAULT_PORT}"));
    }
}
