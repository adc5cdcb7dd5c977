//! The `udp-chat-exercise` command: the same command line as `udp-chat`,
//! running your code. Written for you; nothing to do here.

use std::io;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Parser, Subcommand};
use netkit::cli::{announce, exit_code, stdin_lines, until_ctrl_c};
use udp_chat::cli::{ChatArgs, ClientArgs, ServerArgs};
use udp_chat::echo::client_socket;
use udp_chat_exercise::{chat, client, server};

/// Lesson 3, your turn: the UDP hello echo, and a chat.
#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// The flags are the lesson's own (`udp_chat::cli`), so that this is the
// lesson's command line by construction. It is a subset: no `--quiet`
// (your server logs nothing), no `--menu`, and `--peer` is required
// (your chat has no `/peer` command to name a peer later).
#[derive(Subcommand, Debug)]
enum Command {
    /// Answer each datagram X with "Hello, X!"
    Server(ServerArgs),
    /// Send 0, 1, 2... to the server, print the replies, count losses
    Client(ClientArgs),
    /// Chat with another peer over UDP
    Chat {
        #[command(flatten)]
        args: ChatArgs,

        /// Whom to talk to, HOST:PORT
        #[arg(long, value_name = "HOST:PORT")]
        peer: String,
    },
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            // `resolve` fails rather than return no address.
            let addr = netkit::bind::resolve(&args.bind)?[0];
            let socket = server::open_socket(addr)?;
            announce(socket.local_addr()?);
            until_ctrl_c(move || Ok(server::serve(socket)?))
        }
        Command::Client(args) => {
            let server = netkit::bind::resolve(&args.connect)?[0];
            // Connected: only the server's datagrams reach us.
            let socket = client_socket(server)?;
            let options = client::Options {
                count: args.count,
                timeout: *args.timeout,
                retries: args.retries,
            };
            let lost = client::run_client(&socket, options, &mut io::stdout())?;
            if lost > 0 {
                bail!("{lost} of {} requests got no reply", args.count);
            }
            Ok(())
        }
        Command::Chat { args, peer } => {
            let socket = netkit::listen_udp(&args.bind)?;
            let peer = netkit::bind::resolve(&peer)?[0];
            announce(socket.local_addr()?);
            until_ctrl_c(move || {
                chat::chat(&socket, peer, &stdin_lines(), &mut io::stdout())
            })
        }
    }
}
