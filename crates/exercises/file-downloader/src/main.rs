//! The `file-downloader-exercise` command: the same command line as
//! `file-downloader` (less its extras), running your code. Written for
//! you; nothing to do here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use file_downloader::{DEFAULT_ADDR, Protocol};
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

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    /// The directory whose files are served (nothing outside it is)
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,

    /// Send a header with each file's size first (the client needs it too)
    #[arg(long)]
    framed: bool,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    connect: String,

    /// The file to download: a path under the server's directory
    name: String,

    /// Where to save it
    #[arg(short, long, value_name = "PATH")]
    output: PathBuf,

    /// Expect a header with the file's size (the server needs it too)
    #[arg(long)]
    framed: bool,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn protocol(framed: bool) -> Protocol {
    if framed {
        Protocol::Framed
    } else {
        Protocol::Raw
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            // Fails now, with a clear message, rather than at each request.
            let root = args.root.canonicalize().map_err(|err| {
                anyhow::anyhow!("cannot serve {}: {err}", args.root.display())
            })?;
            let listener = netkit::listen(&args.bind)?;
            announce_listener(&listener)?;
            let protocol = protocol(args.framed);
            until_ctrl_c(move || Ok(server::serve(listener, root, protocol)?))
        }
        Command::Client(args) => {
            let mut stream = netkit::connect(&args.connect)?;
            let size = match protocol(args.framed) {
                Protocol::Raw => {
                    client::download_raw(&mut stream, &args.name, &args.output)?
                }
                Protocol::Framed => client::download_framed(
                    &mut stream,
                    &args.name,
                    &args.output,
                )?,
            };
            println!("saved {size} bytes to {}", args.output.display());
            Ok(())
        }
    }
}
