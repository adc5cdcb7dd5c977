//! Lesson 3, your turn: the UDP hello echo (server and client) and the
//! chat peer.
//!
//! Every `todo!()` in this crate is yours to write. Each says which stage
//! of the checker it unlocks and where the book explains it. The rest
//! (the command line, Ctrl-C, the lesson's constants) is written for you,
//! so that what you write is the lesson's idea and nothing else.
//!
//! # The loop
//!
//! ```text
//! cargo run -p checker -- udp-chat            # check, stage by stage
//! cargo run -p checker -- udp-chat --watch    # again at every save
//! cargo run -p checker -- udp-chat --hint     # where the lesson does it
//! cargo run -p checker -- udp-chat --list     # every stage
//! cargo run -p udp-chat-exercise -- server    # run it yourself
//! cargo run -p checker -- udp-chat --reset    # start over
//! ```
//!
//! The lesson's own crate, `crates/udp-chat`, is the solution. Try
//! first; read it when a hint sends you there.
//!
//! # What to write, in the order the stages ask for it
//!
//! 1. [`server::open_socket`]: the server's socket (stage `listen`).
//! 2. [`server::serve`] and [`server::answer`]: receive each datagram and
//!    answer its sender (`hello` to `too-long`).
//! 3. [`client::ask`]: one request, asked again when no reply comes
//!    (`client-hello` to `client-stale`).
//! 4. [`chat::chat`]: the chat peer, showing datagrams while you type
//!    (`chat-send`, `chat-live`).

// The skeleton compiles without warnings while its functions are
// `todo!()` and their arguments unused. Delete this line when you are
// done, and let the compiler check your work too.
#![allow(clippy::todo, unused_variables)]

pub mod chat;
pub mod client;
pub mod server;
