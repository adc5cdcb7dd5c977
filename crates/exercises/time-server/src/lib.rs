//! Lesson 2, your turn: the time server and its client.
//!
//! Every `todo!()` in this crate is yours to write. Each says which stage
//! of the checker it unlocks and where the book explains it. The rest
//! (the command line, Ctrl-C, the lesson's formats and parser) is written
//! for you, so that what you write is the lesson's idea and nothing else.
//!
//! # The loop
//!
//! ```text
//! cargo run -p checker -- time-server            # check, stage by stage
//! cargo run -p checker -- time-server --watch    # again at every save
//! cargo run -p checker -- time-server --hint     # where the lesson does it
//! cargo run -p checker -- time-server --list     # every stage
//! cargo run -p time-server-exercise -- server    # run it yourself
//! cargo run -p checker -- time-server --reset    # start over
//! ```
//!
//! The lesson's own crate, `crates/time-server`, is the solution. Try
//! first; read it when a hint sends you there.
//!
//! # What to write, in the order the stages ask for it
//!
//! 1. [`server::open_listener`]: the listening socket, as in lesson 1
//!    (stage `listen`).
//! 2. [`server::serve_tcp`]: the accept loop, one client at a time
//!    (`time`, `next-client`, `burst`, `vanish`).
//! 3. [`server::answer`]: the answer in each format (`time`, `rfc867`,
//!    `rfc868`).
//! 4. [`server::say_and_close`]: send it and hang up cleanly (`time`,
//!    `no-reset`).
//! 5. [`server::serve_udp`]: the same over UDP (`udp`).
//! 6. [`client::read_answer`]: the client's read to the close, with a
//!    deadline (`client-time` to `client-never-closes`).
//! 7. [`client::rfc868_instant`]: the 4 bytes of RFC 868 read back
//!    (`client-rfc868`).

// The skeleton compiles without warnings while its functions are
// `todo!()` and their arguments unused. Delete this line when you are
// done, and let the compiler check your work too.
#![allow(clippy::todo, unused_variables)]

pub mod client;
pub mod server;
