//! The `select-server` command: parses arguments, binds, serves until
//! Ctrl-C, turns an error into one `error:` line and exit code 1.

use std::process::ExitCode;

use chat_room::protocol::Framing;
use clap::{Parser, Subcommand};
use hello_echo::Protocol;
use netkit::Shutdown;
use netkit::cli::{ServerFlags, announce_listener, exit_code};
use netkit::descriptors::SOCKET_ONLY;
use select_server::cli::{ServerArgs, Which};
use select_server::{Hello, Room, serve};

/// Lesson 7: lesson 1's and lesson 5's servers, every client served from
/// one thread with a readiness poller.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve every client from one thread
    Server {
        #[command(flatten)]
        args: ServerArgs,
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Lessons 1 and 5's demos, against this server: both sides printed
    Demo,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let (args, flags) = match cli.command {
        Command::Server { args, flags } => (args, flags),
        Command::Demo => return select_server::demo::demo(),
    };
    let listener = netkit::listen(args.address())?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals()?;
    // The same cap and idle limit as the threaded servers, from the same
    // flags; each connection holds one descriptor, its socket.
    let config = flags.config(SOCKET_ONLY)?;
    announce_listener(&listener)?;
    let report = match args.protocol {
        Which::Hello => {
            let hello = Hello::new(Protocol::with_lines(args.lines));
            serve(listener, &shutdown, hello, &config)?
        }
        Which::Chat => {
            let framing = if args.lines {
                Framing::Lines
            } else {
                Framing::Raw
            };
            let room = Room::new(framing, config.log.clone());
            serve(listener, &shutdown, room, &config)?
        }
    };
    config.log.event(format_args!(
        "stopped after {} connection(s)",
        report.connections
    ));
    Ok(())
}
