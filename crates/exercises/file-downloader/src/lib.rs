//! Lesson 4, your turn: the file server and its client.
//!
//! Every `todo!()` in this crate is yours to write. Each says which stage
//! of the checker it unlocks and where the book explains it. The rest
//! (the command line, Ctrl-C, the lesson's constants, the parsing of a
//! name and of the `--framed` lines) is written for you, so that what you
//! write is the lesson's idea and nothing else.
//!
//! # The loop
//!
//! ```text
//! cargo run -p checker -- file-downloader            # check, stage by stage
//! cargo run -p checker -- file-downloader --watch    # again at every save
//! cargo run -p checker -- file-downloader --hint     # where the lesson does it
//! cargo run -p checker -- file-downloader --list     # every stage
//! cargo run -p file-downloader-exercise -- server --root docs
//! cargo run -p checker -- file-downloader --reset    # start over
//! ```
//!
//! The lesson's own crate, `crates/file-downloader`, is the solution. Try
//! first; read it when a hint sends you there.
//!
//! # What to write, in the order the stages ask for it
//!
//! 1. [`server::serve`]: the accept loop, a thread per client (stage
//!    `listen`, then `vanish`).
//! 2. [`server::handle_raw`], [`server::open_under_root`] and
//!    [`server::send_file`]: one request of the original protocol
//!    (`small-file`, `missing`, `traversal`, `big-file`).
//! 3. [`server::handle_framed`]: the same with `--framed` (`framed-size`
//!    to `framed-resume`).
//! 4. [`client::download_raw`]: the client (`client-small` to
//!    `client-cut`).
//! 5. [`client::download_framed`]: the client with `--framed`
//!    (`client-framed` to `client-refusal`).

// The skeleton compiles without warnings while its functions are
// `todo!()` and their arguments unused. Delete this line when you are
// done, and let the compiler check your work too.
#![allow(clippy::todo, unused_variables)]

pub mod client;
pub mod server;
