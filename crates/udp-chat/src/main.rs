//! The `udp-chat` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Parser, Subcommand};
use netkit::cli::{
    DurationArg, announce, exit_code, nonzero_duration, stdin_lines,
};
use netkit::{Log, Shutdown};
use udp_chat::chat::{Mode, chat};
use udp_chat::echo::{EchoOptions, run_echo_client, serve_echo};
use udp_chat::{CHAT_ADDR, DEFAULT_COUNT, ECHO_ADDR, REPLY_TIMEOUT, RETRIES};

/// Lesson 3: UDP. A hello echo that survives lost datagrams, and a chat.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Answer each datagram X with "Hello, X!"
    Server(ServerArgs),
    /// Send 0, 1, 2... to the server, print the replies, count losses
    Client(ClientArgs),
    /// Chat with another peer over UDP
    Chat(ChatArgs),
    /// Run the echo and two chat peers in this process
    Demo,
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = ECHO_ADDR)]
    bind: String,

    /// Log only problems, not every datagram
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// Server address, HOST:PORT
    #[arg(long, value_name = "HOST:PORT", default_value = ECHO_ADDR)]
    connect: String,

    /// How many requests to send (0, 1, ... N-1)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_COUNT)]
    count: u32,

    /// How long to wait for each reply, as in 1s or 300ms
    #[arg(long, value_name = "DURATION", default_value_t = REPLY_TIMEOUT.into(),
          value_parser = nonzero_duration)]
    timeout: DurationArg,

    /// How many times to ask again before counting a reply as lost
    #[arg(long, value_name = "N", default_value_t = RETRIES)]
    retries: u32,
}

#[derive(Args, Debug)]
struct ChatArgs {
    /// This peer's own address, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = CHAT_ADDR)]
    bind: String,

    /// Whom to talk to, HOST:PORT (or type /peer HOST:PORT later)
    #[arg(long, value_name = "HOST:PORT")]
    peer: Option<String>,

    /// The original's menu: choose to send or to receive, one at a time
    #[arg(long)]
    menu: bool,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            let socket = netkit::listen_udp(&args.bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            announce(socket.local_addr()?);
            let log = if args.quiet {
                Log::stderr().quiet()
            } else {
                Log::stderr()
            };
            serve_echo(&socket, &shutdown, &log)?;
            Ok(())
        }
        Command::Client(args) => {
            let server = netkit::bind::resolve(&args.connect)?[0];
            let local = if server.is_ipv6() {
                "[::]:0"
            } else {
                "0.0.0.0:0"
            };
            let socket = std::net::UdpSocket::bind(local)?;
            // Connected: only the server's datagrams reach us, and an ICMP
            // "port unreachable" comes back as ConnectionRefused.
            socket.connect(server)?;
            let options = EchoOptions {
                count: args.count,
                timeout: *args.timeout,
                retries: args.retries,
            };
            let report = match run_echo_client(
                &socket,
                options,
                &mut io::stdout(),
                &mut io::stderr(),
            ) {
                Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
                    bail!(
                        "nothing listens on UDP {server}; start the server first"
                    )
                }
                other => other?,
            };
            eprintln!(
                "{} requests: {} answered, {} retries, {} lost",
                args.count, report.answered, report.retries, report.lost
            );
            if report.lost > 0 {
                bail!(
                    "{} of {} requests got no reply",
                    report.lost,
                    args.count
                );
            }
            Ok(())
        }
        Command::Chat(args) => {
            let socket = netkit::listen_udp(&args.bind)?;
            let peer = match &args.peer {
                Some(spec) => Some(netkit::bind::resolve(spec)?[0]),
                None => None,
            };
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            announce(socket.local_addr()?);
            if io::stdin().is_terminal() && !args.menu {
                eprintln!("type a line to send it; /help for commands");
            }
            let mode = if args.menu { Mode::Menu } else { Mode::Live };
            chat(
                &socket,
                peer,
                mode,
                &stdin_lines(),
                &mut io::stdout(),
                &shutdown,
            )
        }
        Command::Demo => udp_chat::demo::demo(),
    }
}
