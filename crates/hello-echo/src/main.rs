//! The `hello-echo` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::io;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hello_echo::cli::ClientArgs;
use hello_echo::{DEFAULT_ADDR, ORIGINAL_DELAY, Protocol, ServerOptions};
use netkit::Shutdown;
use netkit::cli::{ServerFlags, announce_listener, exit_code};
use netkit::descriptors::SOCKET_ONLY;

/// Lesson 1: a TCP server that says "Welcome!" and answers each message X
/// with "Hello, X!", and its client.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve clients, a thread for each
    Server(ServerArgs),
    /// Send names to a server and print its replies
    Client(ClientArgs),
    /// Run a server and a client in this process, on a free port
    Demo,
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    /// Sleep one second before each reply, as the original server does
    #[arg(long)]
    delay: bool,

    /// Serve a single client, then exit (the single-client server of 03)
    #[arg(long)]
    once: bool,

    /// Frame messages as lines ending in \n (the client needs it too)
    #[arg(long)]
    lines: bool,

    #[command(flatten)]
    flags: ServerFlags,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        // ANCHOR: server_command
        Command::Server(args) => {
            let listener = netkit::listen(&args.bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            let mut net = args.flags.config(SOCKET_ONLY)?;
            net.max_accepts = args.once.then_some(1);
            let options = ServerOptions {
                protocol: Protocol::with_lines(args.lines),
                delay: if args.delay {
                    ORIGINAL_DELAY
                } else {
                    Default::default()
                },
                net,
            };
            announce_listener(&listener)?;
            hello_echo::serve(listener, &shutdown, &options)?;
            Ok(())
        }
        // ANCHOR_END: server_command
        Command::Client(args) => {
            let (names, protocol) =
                (args.names(), Protocol::with_lines(args.lines));
            // Refuse bad names before connecting, not halfway through.
            hello_echo::check_names(&names, protocol)?;
            let mut stream = netkit::connect(&args.connect)?;
            hello_echo::run_client(
                &mut stream,
                &names,
                protocol,
                &mut io::stdout(),
            )
        }
        Command::Demo => hello_echo::demo::demo(),
    }
}
