//! The `select-server-exercise` command: the same command line as
//! `select-server`, running your code. Written for you; nothing to do here.

use std::process::ExitCode;

use chat_room::protocol::Framing;
use clap::{Parser, Subcommand};
use hello_echo::Protocol;
use netkit::cli::{announce_listener, exit_code, until_ctrl_c};
use select_server::cli::{ServerArgs, Which};
use select_server_exercise::hello::Hello;
use select_server_exercise::room::Room;
use select_server_exercise::server;

/// Lesson 7, your turn: lessons 1 and 5's servers from one thread.
#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// The flags are the lesson's own (`select_server::cli`), so that this is
// the lesson's command line by construction. Its server's are a subset:
// no `--max-clients`, `--timeout` or `--quiet` (your loop has no cap on
// clients, no idle limit and no log to quiet), and there is no `demo`.
#[derive(Subcommand, Debug)]
enum Command {
    /// Serve every client from one thread
    Server(ServerArgs),
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let Command::Server(args) = cli.command;
    let listener = netkit::listen(args.address())?;
    announce_listener(&listener)?;
    // At Ctrl-C the process ends and the kernel closes every socket your
    // loop still holds. (The lesson's server does better: Ctrl-C wakes its
    // loop, which says its last words and closes each client itself.)
    match args.protocol {
        Which::Hello => {
            let hello = Hello::new(Protocol::with_lines(args.lines));
            until_ctrl_c(move || Ok(server::serve(listener, hello)?))
        }
        Which::Chat => {
            let framing = if args.lines {
                Framing::Lines
            } else {
                Framing::Raw
            };
            let room = Room::new(framing);
            until_ctrl_c(move || Ok(server::serve(listener, room)?))
        }
    }
}
