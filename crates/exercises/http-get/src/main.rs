//! The `http-get-exercise` command: the same command line as `http-get`
//! (one URL), running your code. Written for you; nothing to do here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use http_get::client::{DEFAULT_TIMEOUT, MAX_REDIRECTS};
use http_get::request::Method;
use http_get_exercise::client::Options;
use http_get_exercise::save;
use netkit::cli::{DurationArg, exit_code, nonzero_duration};

/// Lesson 6, your turn: one HTTP/1.1 GET written by hand. Writes the body
/// to stdout, or saves it with -o. Exits 0 only for a 2xx answer.
#[derive(Parser, Debug)]
struct Cli {
    /// The URL to fetch (http:// only)
    #[arg(value_name = "URL")]
    url: String,

    /// Save the body to FILE
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Ask for the head only (a HEAD request), and print it
    #[arg(long)]
    head: bool,

    /// Follow at most N redirects
    #[arg(long, value_name = "N", default_value_t = MAX_REDIRECTS)]
    max_redirects: u32,

    /// Give up on a connect, or a read or write, after this long, as in
    /// 30s or 500ms
    #[arg(long, value_name = "DURATION",
          default_value_t = DEFAULT_TIMEOUT.into(),
          value_parser = nonzero_duration)]
    timeout: DurationArg,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = Options {
        method: if cli.head { Method::Head } else { Method::Get },
        max_redirects: cli.max_redirects,
        timeout: *cli.timeout,
    };
    exit_code(save::get(&cli.url, &options, cli.output.as_deref()))
}
