//! The `time-server-exercise` command: the same command line as
//! `time-server`, running your code. Written for you; nothing to do here.

use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use netkit::cli::{announce, announce_listener, exit_code, until_ctrl_c};
use time_server::cli::{ClientArgs, ServerArgs};
use time_server_exercise::{client, server};

/// Lesson 2, your turn: a server that sends the time and hangs up, and
/// its client.
#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    // The lesson's flags, minus its `--quiet`: your server writes no log.
    /// Send the time to every client, one at a time
    Server(ServerArgs),
    /// Ask a server for the time and print it
    Client(ClientArgs),
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            let format = args.protocol.format();
            if args.protocol.udp {
                let socket = netkit::listen_udp(&args.bind)?;
                announce(socket.local_addr()?);
                until_ctrl_c(move || Ok(server::serve_udp(&socket, format)?))
            } else {
                // `resolve` fails rather than return no address.
                let addr = netkit::bind::resolve(&args.bind)?[0];
                let listener = server::open_listener(addr)?;
                announce_listener(&listener)?;
                until_ctrl_c(move || Ok(server::serve_tcp(listener, format)?))
            }
        }
        Command::Client(args) => {
            let format = args.protocol.format();
            if args.protocol.udp {
                // The lesson's UDP client: asking with a datagram is the
                // server's half of the lesson here.
                let reading = time_server::query_udp(&args.connect, format)?;
                return Ok(reading.print(&mut io::stdout())?);
            }
            let stream = netkit::connect(&args.connect)?;
            client::run_client(&stream, format, &mut io::stdout())
        }
    }
}
