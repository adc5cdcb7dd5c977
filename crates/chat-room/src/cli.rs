//! The command line's flags, shared by the lesson's binary and its
//! exercise (`crates/exercises/chat-room`), so that both take the same
//! flags, with the same names, defaults and `--help`, and both refuse a
//! name the server would refuse before they connect.
//!
//! The exercise's server is a subset, on purpose: `--bind` and `--lines`
//! only. The server you write there has no cap on clients, no idle
//! timeout and no log to quiet, so `netkit`'s `ServerFlags`
//! (`--max-clients`, `--timeout`, `--quiet`) are flattened in the
//! lesson's `main.rs` alone, between [`ServerArgs`] and [`FramingFlag`],
//! where the lesson's `--help` has always listed them.

use clap::Args;

use crate::DEFAULT_ADDR;
use crate::protocol::{BadName, Framing, check_name};

/// `server [--bind HOST:PORT]`: where the chat room listens. Each binary
/// flattens a [`FramingFlag`] after it.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    pub bind: String,
}

/// `--lines`: the framing, which the server and every client must agree
/// on; nothing on the wire says which one a peer uses.
#[derive(Args, Debug)]
pub struct FramingFlag {
    /// End every name, message and answer with a newline (ours; both ends
    /// need it). Without it, the original's bytes: one send per message
    #[arg(long)]
    pub lines: bool,
}

impl FramingFlag {
    /// The framing the flag asks for: the original's raw sends unless
    /// `--lines`.
    pub fn framing(&self) -> Framing {
        if self.lines {
            Framing::Lines
        } else {
            Framing::Raw
        }
    }
}

/// `client --username NAME [--connect HOST:PORT] [--lines]`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Your name in the room: 1 to 32 printable characters, no spaces
    #[arg(short, long, value_name = "NAME", value_parser = valid_name)]
    pub username: String,

    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    pub connect: String,

    /// The room's framing.
    #[command(flatten)]
    pub framing: FramingFlag,
}

/// The server's name rule, checked before connecting: a bad name is a
/// usage error (exit 2), with the rule in the message.
fn valid_name(name: &str) -> Result<String, BadName> {
    check_name(name.as_bytes())
}
