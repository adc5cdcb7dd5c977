//! The `chat-room-exercise` command: the same command line as
//! `chat-room`, running your code. Written for you; nothing to do here.

use std::io;
use std::process::ExitCode;
use std::thread;

use chat_room::DEFAULT_ADDR;
use chat_room::protocol::{BadName, Framing, check_name};
use chat_room_exercise::{client, server};
use clap::{Args, Parser, Subcommand};
use netkit::Shutdown;
use netkit::cli::{announce_listener, exit_code, stdin_lines};

/// Lesson 5, your turn: the chat room's server and client.
#[derive(Parser, Debug)]
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
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    /// End every name, message and answer with a newline (the clients
    /// need it too)
    #[arg(long)]
    lines: bool,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// Your name in the room: 1 to 32 printable characters, no spaces
    #[arg(short, long, value_name = "NAME", value_parser = valid_name)]
    username: String,

    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    connect: String,

    /// End the name and every message with a newline (the server needs
    /// it too)
    #[arg(long)]
    lines: bool,
}

/// The server's name rule, checked before connecting.
fn valid_name(name: &str) -> Result<String, BadName> {
    check_name(name.as_bytes())
}

fn framing(lines: bool) -> Framing {
    if lines { Framing::Lines } else { Framing::Raw }
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            let listener = netkit::listen(&args.bind)?;
            announce_listener(&listener)?;
            let framing = framing(args.lines);
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            let (done, finished) = crossbeam_channel::bounded(1);
            thread::spawn(move || {
                // If `serve` panics (a todo!(), say), `done` is dropped
                // unsent, and `finished` reports it below.
                let _ = done.send(server::serve(listener, framing));
            });
            crossbeam_channel::select! {
                // Ctrl-C. Returning ends the process, and the kernel
                // closes every socket the threads still hold. (The
                // lesson's server does better: its broker says `quit` to
                // everyone first.)
                recv(shutdown.receiver()) -> _ => Ok(()),
                recv(finished) -> served => match served {
                    Ok(served) => Ok(served?),
                    Err(_) => anyhow::bail!("serve panicked"),
                },
            }
        }
        Command::Client(args) => {
            let stream = netkit::connect(&args.connect)?;
            client::run_client(
                stream,
                &args.username,
                framing(args.lines),
                &stdin_lines(),
                io::stdout(),
            )
        }
    }
}
