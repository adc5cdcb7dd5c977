//! The book's transcripts, run. Every ```console block on a page in
//! `docs/src` shows commands and what they print; this crate runs them as
//! a learner would and fails where the output has drifted from the page,
//! as `scripts/check` fails where an included listing has.
//!
//! How a page writes a transcript that can be run (the rules, in short;
//! CONTRIBUTING.md has them in full):
//!
//! ~~~text
//! ## Two terminals                      <- a heading starts a session
//!
//! ```console                            <- terminal 1
//! $ cargo run -q -p hello-echo -- server --bind 127.0.0.1:9999
//! listening on 127.0.0.1:9999
//! 127.0.0.1:50312: connected
//! ^C                                    <- runs until the session is done
//! ```
//!
//! ```console                            <- terminal 2, started once
//! $ cargo run -q -p hello-echo -- client --connect 127.0.0.1:9999
//! Welcome!                                 terminal 1 is listening
//! ```
//! ~~~
//!
//! The server runs on a free port, and that port replaces 9999 in the
//! other terminals' commands. Ports, clock times, dates and decimal
//! numbers match any value; `...` and `[..]` are wildcards for a line and
//! for text in a line.
//!
//! Try it: `cargo run -q -p booktest -- docs/src/hello-echo.md`.

pub mod run;
pub mod transcript;
