//! The `chat-room` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use chat_room::client::{ANSWER_WAIT, chat, login};
use chat_room::protocol::{BadName, Framing, check_name};
use chat_room::{DEFAULT_ADDR, ServerOptions, serve};
use clap::{Args, Parser, Subcommand};
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
    Server(ServerArgs),
    /// Join the chat room
    Client(ClientArgs),
    /// Run a server and three scripted clients in this process
    Demo,
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    #[command(flatten)]
    flags: ServerFlags,

    #[command(flatten)]
    framing: FramingFlag,
}

#[derive(Args, Debug)]
struct FramingFlag {
    /// End every name, message and answer with a newline (ours; both ends
    /// need it). Without it, the original's bytes: one send per message
    #[arg(long)]
    lines: bool,
}

impl FramingFlag {
    fn framing(&self) -> Framing {
        if self.lines {
            Framing::Lines
        } else {
            Framing::Raw
        }
    }
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// Your name in the room: 1 to 32 printable characters, no spaces
    #[arg(short, long, value_name = "NAME", value_parser = valid_name)]
    username: String,

    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    connect: String,

    #[command(flatten)]
    framing: FramingFlag,
}

/// The server's name rule, checked before connecting: a bad name is a
/// usage error (exit 2), with the rule in the message.
fn valid_name(name: &str) -> Result<String, BadName> {
    check_name(name.as_bytes())
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
                net: args.flags.config(SOCKET_ONLY)?,
                framing: args.framing.framing(),
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
