//! Lesson 1, your turn: the hello-echo server and client.
//!
//! Every `todo!()` in this crate is yours to write. Each says which stage
//! of the checker it unlocks and where the book explains it. The rest
//! (the command line, Ctrl-C, the lesson's constants) is written for you,
//! so that what you write is the lesson's idea and nothing else.
//!
//! # The loop
//!
//! ```text
//! cargo run -p checker -- hello-echo            # check, stage by stage
//! cargo run -p checker -- hello-echo --watch    # again at every save
//! cargo run -p checker -- hello-echo --hint     # where the lesson does it
//! cargo run -p checker -- hello-echo --list     # every stage
//! cargo run -p hello-echo-exercise -- server    # run it yourself
//! cargo run -p checker -- hello-echo --reset    # start over
//! ```
//!
//! The lesson's own crate, `crates/hello-echo`, is the solution. Try
//! first; read it when a hint sends you there.
//!
//! # What to write, in the order the stages ask for it
//!
//! 1. [`server::open_listener`]: the listening socket, step by step
//!    (stage `listen`).
//! 2. [`server::serve`]: the accept loop, a thread per client (`listen`,
//!    then `two-clients`, `burst`, `vanish`).
//! 3. [`server::handle_client`]: one conversation (`welcome`, `hello`,
//!    `exit`, `not-utf8`).
//! 4. [`client::read_reply`]: the client's read of a reply whose length
//!    it knows (`client-welcome` to `client-server-gone`).
//! 5. [`server::handle_lines`]: the same conversation with `--lines`
//!    (`lines-hello` to `lines-too-long`).

// The skeleton compiles without warnings while its functions are
// `todo!()` and their arguments unused. Delete this line when you are
// done, and let the compiler check your work too.
#![allow(clippy::todo, unused_variables)]

pub mod client;
pub mod server;
