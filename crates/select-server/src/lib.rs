//! Lesson 7: one thread, many sockets. The same hello-echo protocol as
//! lesson 1 (`Welcome!`, then `Hello, X!` for each message, `exit` to
//! leave; `--lines` to end each message in `\n`), served without a thread
//! per client: every socket is non-blocking, a poller says which are
//! ready, and each client's place in the conversation is a value, not a
//! thread's stack. It is the `select` the chat-room tutorial names at its
//! end and never shows.
//!
//! Layout:
//! - [`conversation`]: one client's state, with no socket in it;
//! - [`server`]: the event loop that reads, writes and accepts.
//!
//! Try it (the client is lesson 1's, unchanged):
//!
//! ```text
//! $ cargo run -p select-server -- server --bind 127.0.0.1:9999     # terminal 1
//! $ cargo run -p hello-echo -- client --connect 127.0.0.1:9999     # terminal 2
//! ```

pub mod conversation;
pub mod server;

pub use server::{Report, serve};
