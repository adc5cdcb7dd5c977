//! The `time-server` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use netkit::cli::{announce, exit_code};
use netkit::{Log, ServerConfig, Shutdown};
use time_server::cli::{ClientArgs, ServerArgs};

/// Lesson 2: a server that sends the time and hangs up, and its client.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Send the time to every client, one at a time
    Server {
        #[command(flatten)]
        args: ServerArgs,

        /// Log only problems, not every request
        #[arg(long, short)]
        quiet: bool,
    },
    /// Ask a server for the time and compare it with ours
    Client(ClientArgs),
    /// Run each format, server and client, in this process
    Demo,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server { args, quiet } => {
            let format = args.protocol.format();
            let log = if quiet {
                Log::stderr().quiet()
            } else {
                Log::stderr()
            };
            let shutdown = Shutdown::new();
            if args.protocol.udp {
                let socket = netkit::listen_udp(&args.bind)?;
                shutdown.trigger_on_signals()?;
                announce(socket.local_addr()?);
                time_server::serve_udp(&socket, &shutdown, format, &log)?;
            } else {
                let listener = netkit::listen(&args.bind)?;
                shutdown.trigger_on_signals()?;
                announce(listener.local_addr()?);
                let net = ServerConfig {
                    log,
                    ..ServerConfig::default()
                };
                time_server::serve_tcp(listener, &shutdown, format, &net)?;
            }
            Ok(())
        }
        Command::Client(args) => {
            let format = args.protocol.format();
            let reading = if args.protocol.udp {
                time_server::query_udp(&args.connect, format)?
            } else {
                time_server::query_tcp(&args.connect, format)?
            };
            reading.print(&mut std::io::stdout())?;
            Ok(())
        }
        Command::Demo => time_server::demo::demo(),
    }
}
