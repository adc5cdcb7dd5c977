//! The `select-server` command: parses arguments, binds, serves until
//! Ctrl-C, turns an error into one `error:` line and exit code 1.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hello_echo::{DEFAULT_ADDR, Protocol};
use netkit::Shutdown;
use netkit::cli::{ServerFlags, announce_listener, exit_code};
use netkit::descriptors::SOCKET_ONLY;

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
        #[command(flatten)]
        flags: ServerFlags,
    },
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server { bind, lines, flags } => {
            let listener = netkit::listen(&bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            // The same cap and idle limit as lesson 1's server, from the
            // same flags; each connection holds one descriptor, its socket.
            let config = flags.config(SOCKET_ONLY)?;
            announce_listener(&listener)?;
            let protocol = Protocol::with_lines(lines);
            let report =
                select_server::serve(listener, &shutdown, protocol, &config)?;
            config.log.event(format_args!(
                "stopped after {} connection(s)",
                report.connections
            ));
            Ok(())
        }
    }
}
