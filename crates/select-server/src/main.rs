//! The `select-server` command: parses arguments, binds, serves until
//! Ctrl-C, turns an error into one `error:` line and exit code 1.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hello_echo::{DEFAULT_ADDR, Protocol};
use netkit::Shutdown;
use netkit::cli::{announce_listener, exit_code};

/// Lesson 7: hello-echo's protocol served to every client from one
/// thread, with a readiness poller.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve every client from one thread
    Server {
        /// The address to listen on
        #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
        bind: String,
        /// End every message, both ways, in \n (lesson 1's --lines)
        #[arg(long)]
        lines: bool,
    },
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server { bind, lines } => {
            let listener = netkit::listen(&bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            announce_listener(&listener)?;
            let report = select_server::serve(
                listener,
                &shutdown,
                Protocol::with_lines(lines),
            )?;
            eprintln!("stopped after {} connection(s)", report.connections);
            Ok(())
        }
    }
}
