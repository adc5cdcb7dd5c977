//! The `hello-echo-exercise` command: the same command line as
//! `hello-echo`, running your code. Written for you; nothing to do here.

use std::io;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hello_echo::cli::ClientArgs;
use hello_echo::{DEFAULT_ADDR, Protocol};
use hello_echo_exercise::{client, server};
use netkit::cli::{announce_listener, exit_code, until_ctrl_c};

/// Lesson 1, your turn: the "Welcome!" / "Hello, X!" server and client.
#[derive(Parser, Debug)]
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
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    /// Frame messages as lines ending in \n (the client needs it too)
    #[arg(long)]
    lines: bool,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            // `resolve` fails rather than return no address.
            let addr = netkit::bind::resolve(&args.bind)?[0];
            let listener = server::open_listener(addr)?;
            announce_listener(&listener)?;
            let protocol = Protocol::with_lines(args.lines);
            until_ctrl_c(move || Ok(server::serve(listener, protocol)?))
        }
        Command::Client(args) => {
            let (names, protocol) =
                (args.names(), Protocol::with_lines(args.lines));
            hello_echo::check_names(&names, protocol)?;
            let mut stream = netkit::connect(&args.connect)?;
            client::run_client(&mut stream, &names, protocol, &mut io::stdout())
        }
    }
}
