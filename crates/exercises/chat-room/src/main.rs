//! The `chat-room-exercise` command: the same command line as
//! `chat-room`, running your code. Written for you; nothing to do here.

use std::io;
use std::process::ExitCode;

use chat_room::cli::{ClientArgs, FramingFlag, ServerArgs};
use chat_room_exercise::{client, server};
use clap::{Parser, Subcommand};
use netkit::cli::{announce_listener, exit_code, stdin_lines, until_ctrl_c};

/// Lesson 5, your turn: the chat room's server and client.
#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// The flags are the lesson's own (`chat_room::cli`), so that this is the
// lesson's command line by construction. Its server's are a subset: no
// `--max-clients`, `--timeout` or `--quiet` (your server has no cap on
// clients, no idle timeout and no log to quiet), and there is no `demo`.
#[derive(Subcommand, Debug)]
enum Command {
    /// Run the chat room
    Server {
        #[command(flatten)]
        args: ServerArgs,

        #[command(flatten)]
        framing: FramingFlag,
    },
    /// Join the chat room
    Client(ClientArgs),
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server { args, framing } => {
            let listener = netkit::listen(&args.bind)?;
            announce_listener(&listener)?;
            let framing = framing.framing();
            // At Ctrl-C the process ends and the kernel closes every
            // socket your threads still hold. (The lesson's server does
            // better: its broker says `quit` to everyone first.)
            until_ctrl_c(move || Ok(server::serve(listener, framing)?))
        }
        Command::Client(args) => {
            let stream = netkit::connect(&args.connect)?;
            client::run_client(
                stream,
                &args.username,
                args.framing.framing(),
                &stdin_lines(),
                io::stdout(),
            )
        }
    }
}
