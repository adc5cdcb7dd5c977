//! Lesson 7: one thread, many sockets. Lesson 1's hello-echo protocol and
//! lesson 5's chat room, served without a thread per client: every socket
//! is non-blocking, a poller says which are ready, and each client's
//! place in the conversation is a value, not a thread's stack. It is the
//! `select` the chat-room tutorial names at its end and never shows.
//!
//! Layout:
//! - [`server`]: the event loop that accepts, reads and writes, and the
//!   [`Service`] a protocol implements for it;
//! - [`hello`]: lesson 1's protocol, one [`hello::Conversation`] per
//!   client;
//! - [`room`]: lesson 5's chat room, with no broker and no writer threads;
//! - [`demo`]: lessons 1 and 5's demos against this server;
//! - [`cli`]: the server's flags, shared with the lesson's exercise.
//!
//! Try it (the clients are lessons 1 and 5's, unchanged):
//!
//! ```text
//! $ cargo run -p select-server -- server --bind 127.0.0.1:9999     # terminal 1
//! $ cargo run -p hello-echo -- client --connect 127.0.0.1:9999     # terminal 2
//!
//! $ cargo run -p select-server -- server --protocol chat           # terminal 1
//! $ cargo run -p chat-room -- client -u alice                      # terminal 2
//! $ cargo run -p chat-room -- client -u bob                        # terminal 3
//! ```

pub mod cli;
pub mod demo;
pub mod hello;
pub mod room;
pub mod server;

pub use hello::Hello;
pub use room::Room;
pub use server::{Outboxes, Report, Service, serve};
