//! The `http-get-exercise` command: `http-get`'s command line for one URL,
//! running your code. Written for you; nothing to do here.
//!
//! `-o`, `--max-redirects` and `--timeout` are the lesson's own
//! (`http_get::cli`); the rest of the lesson's flags (several URLs, `-O`,
//! `-i`, `-H`, `--max-time`, `--jobs`) are left out on purpose, to keep
//! your part to one request.

use std::process::ExitCode;

use clap::Parser;
use http_get::cli::{LimitArgs, OutputArg};
use http_get::request::Method;
use http_get_exercise::client::Options;
use http_get_exercise::save;
use netkit::cli::exit_code;

/// Lesson 6, your turn: one HTTP/1.1 GET written by hand. Writes the body
/// to stdout, or saves it with -o. Exits 0 only for a 2xx answer.
#[derive(Parser, Debug)]
struct Cli {
    /// The URL to fetch (http:// only)
    #[arg(value_name = "URL")]
    url: String,

    #[command(flatten)]
    output: OutputArg,

    // Not the lesson's: its `--head` help points to `--include`, which
    // this command does not have.
    /// Ask for the head only (a HEAD request), and print it
    #[arg(long)]
    head: bool,

    #[command(flatten)]
    limits: LimitArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = Options {
        method: if cli.head { Method::Head } else { Method::Get },
        max_redirects: cli.limits.max_redirects,
        timeout: *cli.limits.timeout,
    };
    exit_code(save::get(&cli.url, &options, cli.output.path()))
}
