//! The client's command line, shared by the lesson's binary and its
//! exercise (`crates/exercises/hello-echo`), so that both take the same
//! flags and the same names.

use clap::Args;

use crate::{DEFAULT_ADDR, DEFAULT_NAMES};

/// `client [--connect HOST:PORT] [--lines] [NAME...]`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    pub connect: String,

    /// Frame messages as lines ending in \n (the server needs it too)
    #[arg(long)]
    pub lines: bool,

    /// Names to send [default: Michael Tracy Sarah]
    pub names: Vec<String>,
}

impl ClientArgs {
    /// The names given, or the original client's.
    pub fn names(&self) -> Vec<String> {
        if self.names.is_empty() {
            DEFAULT_NAMES.map(String::from).to_vec()
        } else {
            self.names.clone()
        }
    }
}
