//! The `time-server` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use netkit::cli::{announce, exit_code};
use netkit::{Log, ServerConfig, Shutdown};
use time_server::{DEFAULT_ADDR, Format};

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
    Server(ServerArgs),
    /// Ask a server for the time and compare it with ours
    Client(ClientArgs),
    /// Run each format, server and client, in this process
    Demo,
}

/// The wire format and transport; both ends must use the same.
#[derive(Args, Debug)]
struct Protocol {
    /// RFC 867 Daytime: one human-readable line (standard port 13)
    #[arg(long, conflicts_with = "rfc868")]
    rfc867: bool,

    /// RFC 868 Time: 4 bytes, seconds since 1900 (standard port 37)
    #[arg(long)]
    rfc868: bool,

    /// UDP instead of TCP: any datagram gets the time in a datagram
    #[arg(long)]
    udp: bool,
}

impl Protocol {
    fn format(&self) -> Format {
        match (self.rfc867, self.rfc868) {
            (true, _) => Format::Daytime,
            (_, true) => Format::Time,
            _ => Format::Original,
        }
    }
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    #[command(flatten)]
    protocol: Protocol,

    /// Log only problems, not every request
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    connect: String,

    #[command(flatten)]
    protocol: Protocol,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            let format = args.protocol.format();
            let log = if args.quiet {
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
