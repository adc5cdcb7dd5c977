//! The `chat-room` command (work in progress: server only).

use std::process::ExitCode;

use chat_room::{DEFAULT_ADDR, ServerOptions, serve};
use clap::{Args, Parser, Subcommand};
use netkit::Shutdown;
use netkit::cli::{ServerFlags, announce_listener, exit_code};

/// Lesson 5: a chat room with a broker thread.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the chat room
    Server(ServerArgs),
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    #[command(flatten)]
    flags: ServerFlags,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            let listener = netkit::listen(&args.bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            let options = ServerOptions {
                net: args.flags.config(),
            };
            announce_listener(&listener)?;
            serve(listener, &shutdown, &options)?;
            Ok(())
        }
    }
}
