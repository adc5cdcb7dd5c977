//! Lesson 5: a chat room. Many clients, one broker, nobody blocks anybody.
//!
//! A port of exercise 16-9 in the originals' chapter 02 (Python 2, and
//! incomplete). A client logs in with a name; the server answers `success`
//! or `reuse` (taken); then everything the client sends reaches every
//! other user as `[<ctime>] <name>: <message>`, until it sends `quit`.
//!
//! # The protocol
//!
//! By default the original's bytes: the bare name in one send, each
//! message in one send, one read taken as one message, no notices. With
//! `--lines` on the server and on every client, every message ends with
//! `\n`, and the server adds its notices (`* ...`) and commands:
//!
//! ```text
//! > alice\n                      (--lines; without it, the same bytes
//! < success\n                     without the \n, and no "* ..." lines)
//! < * bob joined\n
//! > hello\n
//!                                 bob reads: [Sun Nov 22 09:15:03 2026] alice: hello
//! > /msg bob psst\n
//!                                 bob reads: [Sun Nov 22 09:15:09 2026] alice (to you): psst
//! > /who\n
//! < * online (2): alice, bob\n
//! > quit\n
//! < quit\n
//!   (server closes)
//! ```
//!
//! # Layout
//!
//! - [`protocol`]: names, commands, ctime, the two framings (pure).
//! - [`broker`]: the one thread that owns the users.
//! - [`outbox`]: a user's way out: the socket at once, or a queue and
//!   its writer thread.
//! - [`server`]: reader and writer threads per connection.
//! - [`client`]: login, then a sending and a receiving thread.
//! - [`demo`]: a server and three scripted clients in one process.
//! - [`cli`]: the server's and the client's flags, shared with the
//!   exercise.
//! - `main.rs`: the command line, nothing else.

pub mod broker;
pub mod cli;
pub mod client;
pub mod demo;
pub mod outbox;
pub mod protocol;
pub mod server;

pub use server::{Report, ServerOptions, serve};

/// Where the server listens unless told otherwise: the original's port.
pub const DEFAULT_ADDR: &str = "127.0.0.1:21567";
