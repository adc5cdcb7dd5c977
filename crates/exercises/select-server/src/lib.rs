//! Lesson 7, your turn: lesson 1's hello-echo and lesson 5's chat room,
//! every client served from one thread with a readiness poller (mio).
//!
//! Every `todo!()` in this crate is yours to write. Each says which stage
//! of the checker it unlocks and where the book explains it. The rest
//! (the command line, Ctrl-C, both protocols' constants and formatting)
//! is written for you, so that what you write is the lesson's idea and
//! nothing else: the loop, and each client's place kept in a value.
//!
//! # The loop
//!
//! ```text
//! cargo run -p checker -- select-server            # check, stage by stage
//! cargo run -p checker -- select-server --watch    # again at every save
//! cargo run -p checker -- select-server --hint     # where the lesson does it
//! cargo run -p checker -- select-server --list     # every stage
//! cargo run -p select-server-exercise -- server    # run it yourself
//! cargo run -p checker -- select-server --reset    # start over
//! ```
//!
//! The lesson's own crate, `crates/select-server`, is the solution. Try
//! first; read it when a hint sends you there.
//!
//! # What to write, in the order the stages ask for it
//!
//! 1. [`server::serve`] and [`server::Server::accept_all`]: the poller,
//!    and the loop that waits on it (stage `listen`).
//! 2. [`server::Server::drive`] and [`server::write_owed`]: write what a
//!    client is owed, read what it sent, each until `WouldBlock`
//!    (`welcome`, then `two-clients`, `one-thread`, `vanish`).
//! 3. [`hello::Hello`]'s conversation: the welcome, a reply per message,
//!    `exit` (`welcome` to `not-utf8`, then the `lines-` stages).
//! 4. [`room::Room`]: lesson 5's room, in the same loop (the `chat-`
//!    stages).
//!
//! mio's readiness is edge-triggered: an event says a socket *became*
//! ready, once. So each time the loop looks at a socket it goes on until
//! the kernel says `WouldBlock`; what it leaves behind brings no new
//! event.

// The skeleton compiles without warnings while its functions are
// `todo!()` and their arguments unused. Delete this line when you are
// done, and let the compiler check your work too.
#![allow(clippy::todo, unused_variables)]

pub mod hello;
pub mod room;
pub mod server;
