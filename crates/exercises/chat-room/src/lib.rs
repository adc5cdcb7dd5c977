//! Lesson 5, your turn: the chat room's server and client.
//!
//! Every `todo!()` in this crate is yours to write. Each says which stage
//! of the checker it unlocks and where the book explains it. The rest
//! (the command line, Ctrl-C, the protocol's constants and formatting)
//! is written for you, so that what you write is the lesson's idea and
//! nothing else.
//!
//! # The loop
//!
//! ```text
//! cargo run -p checker -- chat-room            # check, stage by stage
//! cargo run -p checker -- chat-room --watch    # again at every save
//! cargo run -p checker -- chat-room --hint     # where the lesson does it
//! cargo run -p checker -- chat-room --list     # every stage
//! cargo run -p chat-room-exercise -- server    # run it yourself
//! cargo run -p checker -- chat-room --reset    # start over
//! ```
//!
//! The lesson's own crate, `crates/chat-room`, is the solution. Try
//! first; read it when a hint sends you there.
//!
//! # What to write, in the order the stages ask for it
//!
//! 1. [`server::serve`]: the broker's thread, then the accept loop, a
//!    thread per client (stage `listen`, then `silent-login`, `stop`).
//! 2. [`server::handle`]: one client's login and its reads (`login`,
//!    `quit`, `vanish`, `not-utf8`, and the `lines-` stages).
//! 3. [`server::run_broker`]: the one thread that owns the users
//!    (`login` to `quit`, `lines-stuck`, `lines-crowd`).
//! 4. [`client::run_client`]: log in, then send what is typed and print
//!    what arrives (`client-login` to `client-lines`).

// The skeleton compiles without warnings while its functions are
// `todo!()` and their arguments unused. Delete this line when you are
// done, and let the compiler check your work too.
#![allow(clippy::todo, unused_variables)]

pub mod client;
pub mod server;
