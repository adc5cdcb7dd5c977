//! The `file-downloader-exercise` command: the same command line as
//! `file-downloader`, running your code. Its flags are the lesson's own
//! types (`file_downloader::cli`), less the lesson's extras (`--copy`,
//! `--max-clients`, `--quiet`, the timeouts, `--force`, `--continue`):
//! features no stage asks you to write. Written for you; nothing to do
//! here.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use file_downloader::Protocol;
use file_downloader::cli::{ClientArgs, ServerArgs};
use file_downloader_exercise::{client, server};
use netkit::cli::{announce_listener, exit_code, until_ctrl_c};

/// Lesson 4, your turn: a file server confined to one directory, and its
/// client.
#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the files under a directory, a thread per client
    Server(ServerArgs),
    /// Download one file from a server
    Client(ClientArgs),
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            // Fails now, with a clear message, rather than at each request.
            let root = args.root.canonicalize().map_err(|err| {
                anyhow::anyhow!("cannot serve {}: {err}", args.root.display())
            })?;
            let listener = netkit::listen(&args.addr())?;
            announce_listener(&listener)?;
            let protocol = args.protocol();
            until_ctrl_c(move || Ok(server::serve(listener, root, protocol)?))
        }
        Command::Client(args) => {
            let fetch = args.resolve(Cli::command)?;
            let mut stream = netkit::connect(&fetch.connect)?;
            let size = match fetch.protocol {
                Protocol::Raw => client::download_raw(
                    &mut stream,
                    &fetch.name,
                    &fetch.output,
                )?,
                Protocol::Framed => client::download_framed(
                    &mut stream,
                    &fetch.name,
                    &fetch.output,
                )?,
            };
            println!("saved {size} bytes to {}", fetch.output.display());
            Ok(())
        }
    }
}
