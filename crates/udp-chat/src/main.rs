//! The `udp-chat` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::bail;
use clap::{Parser, Subcommand};
use netkit::cli::{announce, exit_code, stdin_lines};
use netkit::{Log, Shutdown};
use udp_chat::chat::{Mode, chat};
use udp_chat::cli::{ChatArgs, ClientArgs, ServerArgs};
use udp_chat::echo::{EchoOptions, client_socket, run_echo_client, serve_echo};

/// Lesson 3: UDP. A hello echo that survives lost datagrams, and a chat.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// The flags the exercise shares are in `udp_chat::cli`. Declared here,
// this binary's own: `--quiet`, `--menu`, and `--peer`, which is optional
// here (`/peer` can name one later) and required in the exercise.
#[derive(Subcommand, Debug)]
enum Command {
    /// Answer each datagram X with "Hello, X!"
    Server {
        #[command(flatten)]
        args: ServerArgs,

        /// Log only problems, not every datagram
        #[arg(long, short)]
        quiet: bool,
    },
    /// Send 0, 1, 2... to the server, print the replies, count losses
    Client(ClientArgs),
    /// Chat with another peer over UDP
    Chat {
        #[command(flatten)]
        args: ChatArgs,

        /// Whom to talk to, HOST:PORT (or type /peer HOST:PORT later)
        #[arg(long, value_name = "HOST:PORT")]
        peer: Option<String>,

        /// The original's menu: choose to send or to receive, one at a time
        #[arg(long)]
        menu: bool,
    },
    /// Run the echo and two chat peers in this process
    Demo,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server { args, quiet } => {
            let socket = netkit::listen_udp(&args.bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            announce(socket.local_addr()?);
            let log = if quiet {
                Log::stderr().quiet()
            } else {
                Log::stderr()
            };
            serve_echo(&socket, &shutdown, &log)?;
            Ok(())
        }
        Command::Client(args) => {
            let server = netkit::bind::resolve(&args.connect)?[0];
            // Connected: only the server's datagrams reach us, and an ICMP
            // "port unreachable" comes back as ConnectionRefused.
            let socket = client_socket(server)?;
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
        Command::Chat { args, peer, menu } => {
            let socket = netkit::listen_udp(&args.bind)?;
            let peer = match &peer {
                Some(spec) => Some(netkit::bind::resolve(spec)?[0]),
                None => None,
            };
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            announce(socket.local_addr()?);
            if io::stdin().is_terminal() && !menu {
                eprintln!("type a line to send it; /help for commands");
            }
            let mode = if menu { Mode::Menu } else { Mode::Live };
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
