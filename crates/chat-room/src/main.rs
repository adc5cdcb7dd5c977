//! The `chat-room` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use chat_room::cli::{ClientArgs, FramingFlag, ServerArgs};
use chat_room::client::{ANSWER_WAIT, chat, login};
use chat_room::{ServerOptions, serve};
use clap::{Parser, Subcommand};
use netkit::Shutdown;
use netkit::cli::{ServerFlags, announce_listener, exit_code, stdin_lines};
use netkit::descriptors::SOCKET_ONLY;

/// Lesson 5: a chat room. Many clients, one broker thread, nobody blocks
/// anybody.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the chat room
    Server {
        #[command(flatten)]
        args: ServerArgs,

        // The lesson's alone: the exercise's server takes the other two
        // (see `chat_room::cli`).
        #[command(flatten)]
        flags: ServerFlags,

        #[command(flatten)]
        framing: FramingFlag,
    },
    /// Join the chat room
    Client(ClientArgs),
    /// Run a server and three scripted clients in this process
    Demo,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server {
            args,
            flags,
            framing,
        } => {
            let listener = netkit::listen(&args.bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            let options = ServerOptions {
                net: flags.config(SOCKET_ONLY)?,
                framing: framing.framing(),
            };
            announce_listener(&listener)?;
            serve(listener, &shutdown, &options)?;
            Ok(())
        }
        Command::Client(args) => {
            let stream = netkit::connect(&args.connect)?;
            let framing = args.framing.framing();
            let early = login(&stream, &args.username, framing, ANSWER_WAIT)?;
            // On stderr, always: stdout holds the messages and nothing
            // else, and a script (or a test) waits for this line.
            eprintln!("logged in as {}", args.username);
            let terminal = io::stdout().is_terminal();
            if terminal {
                eprintln!("/who, /msg NAME text; quit or Ctrl-D to leave");
            }
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            chat(
                &stream,
                framing,
                early,
                &stdin_lines(),
                io::stdout(),
                terminal,
                &shutdown,
            )
        }
        Command::Demo => chat_room::demo::demo(),
    }
}
