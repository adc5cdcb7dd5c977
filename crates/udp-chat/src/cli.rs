//! The command line's flags, shared by the lesson's binary and its
//! exercise (`crates/exercises/udp-chat`), so that both take the same
//! flags, with the same names, defaults and help.
//!
//! The exercise's command line is a subset, on purpose: its server logs
//! nothing, so it has no `--quiet`, and its chat is the live one with a
//! fixed peer, so it has no `--menu` and needs `--peer` (there is no
//! `/peer` command to name one later). Those flags are declared in the
//! lesson's `main.rs`, next to the structs here that they extend.

use clap::Args;
use netkit::cli::{DurationArg, nonzero_duration};

use crate::{CHAT_ADDR, DEFAULT_COUNT, ECHO_ADDR, REPLY_TIMEOUT, RETRIES};

/// `server [--bind HOST:PORT]`: where the echo server receives.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = ECHO_ADDR)]
    pub bind: String,
}

/// `client [--connect HOST:PORT] [--count N] [--timeout DURATION]
/// [--retries N]`: the echo client's requests, and how long it waits
/// for each reply before it asks again or counts the reply as lost.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = ECHO_ADDR)]
    pub connect: String,

    /// How many requests to send (0, 1, ... N-1)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_COUNT)]
    pub count: u32,

    /// How long to wait for each reply, as in 1s or 300ms
    #[arg(long, value_name = "DURATION", default_value_t = REPLY_TIMEOUT.into(),
          value_parser = nonzero_duration)]
    pub timeout: DurationArg,

    /// How many times to ask again before counting a reply as lost
    #[arg(long, value_name = "N", default_value_t = RETRIES)]
    pub retries: u32,
}

/// `chat [--bind HOST:PORT]`: the chat peer's own address, where its
/// peer sends. Each binary adds its own `--peer`: optional in the
/// lesson, required in the exercise.
#[derive(Args, Debug)]
pub struct ChatArgs {
    /// This peer's own address, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = CHAT_ADDR)]
    pub bind: String,
}
