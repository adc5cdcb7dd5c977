//! The `udp-chat-exercise` command: the same command line as `udp-chat`,
//! running your code. Written for you; nothing to do here.

use std::io;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Parser, Subcommand};
use netkit::cli::{
    DurationArg, announce, exit_code, nonzero_duration, stdin_lines,
    until_ctrl_c,
};
use udp_chat::{CHAT_ADDR, DEFAULT_COUNT, ECHO_ADDR, REPLY_TIMEOUT, RETRIES};
use udp_chat_exercise::{chat, client, server};

/// Lesson 3, your turn: the UDP hello echo, and a chat.
#[derive(Parser, Debug)]
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
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = ECHO_ADDR)]
    bind: String,
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

    /// Whom to talk to, HOST:PORT
    #[arg(long, value_name = "HOST:PORT")]
    peer: String,
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
            let local = if server.is_ipv6() {
                "[::]:0"
            } else {
                "0.0.0.0:0"
            };
            let socket = std::net::UdpSocket::bind(local)?;
            // Connected: only the server's datagrams reach us.
            socket.connect(server)?;
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
        Command::Chat(args) => {
            let socket = netkit::listen_udp(&args.bind)?;
            let peer = netkit::bind::resolve(&args.peer)?[0];
            announce(socket.local_addr()?);
            until_ctrl_c(move || {
                chat::chat(&socket, peer, &stdin_lines(), &mut io::stdout())
            })
        }
    }
}
