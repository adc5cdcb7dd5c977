//! The flags that `http-get` and its exercise (`crates/exercises/http-get`)
//! both take, written once so that both spell them the same: the checker
//! drives either program with `-o FILE`, `--max-redirects N` and
//! `--timeout DURATION`. Each binary flattens them into its own `Cli`
//! (`#[command(flatten)]`) beside the flags only it has.
//!
//! `--head` is each binary's own, for its help: the lesson's implies
//! `--include`, a flag the exercise does not have.

use std::path::{Path, PathBuf};

use clap::Args;
use netkit::cli::{DurationArg, nonzero_duration};

use crate::client::{DEFAULT_TIMEOUT, MAX_REDIRECTS};

/// `-o FILE`: where the body goes instead of stdout.
#[derive(Args, Debug)]
pub struct OutputArg {
    /// Save the body to FILE (one URL only)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArg {
    /// The file to save the body to, if `-o` was given.
    pub fn path(&self) -> Option<&Path> {
        self.output.as_deref()
    }
}

/// `--max-redirects N --timeout DURATION`: how far one URL may lead the
/// client, and how long each step on its socket may wait.
#[derive(Args, Debug)]
pub struct LimitArgs {
    /// Follow at most N redirects
    #[arg(long, value_name = "N", default_value_t = MAX_REDIRECTS)]
    pub max_redirects: u32,

    /// Give up on a connect, or a read or write, after this long, as in 30s
    /// or 500ms
    #[arg(long, value_name = "DURATION", default_value_t = DEFAULT_TIMEOUT.into(),
          value_parser = nonzero_duration)]
    pub timeout: DurationArg,
}
