//! The command line's flags, shared by the lesson's binary and its
//! exercise (`crates/exercises/time-server`), so that both take the same
//! flags, with the same defaults and the same `--help`.

use clap::Args;

use crate::{DEFAULT_ADDR, Format};

/// The wire format and transport; both ends must use the same.
#[derive(Args, Debug)]
pub struct Protocol {
    /// RFC 867 Daytime: one human-readable line (standard port 13)
    #[arg(long, conflicts_with = "rfc868")]
    pub rfc867: bool,

    /// RFC 868 Time: 4 bytes, seconds since 1900 (standard port 37)
    #[arg(long)]
    pub rfc868: bool,

    /// UDP instead of TCP: any datagram gets the time in a datagram
    #[arg(long)]
    pub udp: bool,
}

impl Protocol {
    /// The format the flags ask for: the original's line unless
    /// `--rfc867` or `--rfc868` says otherwise (clap refuses both).
    pub fn format(&self) -> Format {
        match (self.rfc867, self.rfc868) {
            (true, _) => Format::Daytime,
            (_, true) => Format::Time,
            _ => Format::Original,
        }
    }
}

/// `server [--bind HOST:PORT] [--rfc867 | --rfc868] [--udp]`: what every
/// time server needs to know. The lesson's binary adds `--quiet` beside it.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    pub bind: String,

    /// What to answer with, and over which transport.
    #[command(flatten)]
    pub protocol: Protocol,
}

/// `client [--connect HOST:PORT] [--rfc867 | --rfc868] [--udp]`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    pub connect: String,

    /// What to ask for, and over which transport.
    #[command(flatten)]
    pub protocol: Protocol,
}
