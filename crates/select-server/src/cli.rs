//! The server's command line, shared by the lesson's binary and its
//! exercise (`crates/exercises/select-server`), so that both take the
//! same flags, with the same names, defaults and `--help`.
//!
//! The exercise's server is a subset, on purpose: these flags only. The
//! loop you write there has no cap on clients, no idle limit and no log
//! to quiet, so netkit's `ServerFlags` (`--max-clients`, `--timeout`,
//! `--quiet`) are flattened in the lesson's `main.rs` alone, after
//! [`ServerArgs`].

use clap::{Args, ValueEnum};

/// `server [--protocol hello|chat] [--bind HOST:PORT] [--lines]`.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Which lesson's protocol to speak
    #[arg(long, value_enum, default_value_t = Which::Hello)]
    pub protocol: Which,
    /// The address to listen on [default: hello's 127.0.0.1:9999,
    /// chat's 127.0.0.1:21567]
    #[arg(long, value_name = "HOST:PORT")]
    pub bind: Option<String>,
    /// End every message, both ways, in \n (lessons 1 and 5's --lines)
    #[arg(long)]
    pub lines: bool,
}

impl ServerArgs {
    /// Where to listen: `--bind`, or the default of the lesson whose
    /// protocol is spoken, so that its clients find the server unchanged.
    pub fn address(&self) -> &str {
        self.bind.as_deref().unwrap_or(match self.protocol {
            Which::Hello => hello_echo::DEFAULT_ADDR,
            Which::Chat => chat_room::DEFAULT_ADDR,
        })
    }
}

/// The two protocols the learner already knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// Lesson 1: Welcome!, then Hello, X! for each message
    Hello,
    /// Lesson 5: the chat room
    Chat,
}
