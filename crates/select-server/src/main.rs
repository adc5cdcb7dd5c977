//! The `select-server` command: parses arguments, binds, serves until
//! Ctrl-C, turns an error into one `error:` line and exit code 1.

use std::process::ExitCode;

use chat_room::protocol::Framing;
use clap::{Parser, Subcommand, ValueEnum};
use hello_echo::Protocol;
use netkit::Shutdown;
use netkit::cli::{ServerFlags, announce_listener, exit_code};
use netkit::descriptors::SOCKET_ONLY;
use select_server::{Hello, Room, serve};

/// Lesson 7: lesson 1's and lesson 5's servers, every client served from
/// one thread with a readiness poller.
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
        /// Which lesson's protocol to speak
        #[arg(long, value_enum, default_value_t = Which::Hello)]
        protocol: Which,
        /// The address to listen on [default: hello's 127.0.0.1:9999,
        /// chat's 127.0.0.1:21567]
        #[arg(long, value_name = "HOST:PORT")]
        bind: Option<String>,
        /// End every message, both ways, in \n (lessons 1 and 5's --lines)
        #[arg(long)]
        lines: bool,
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// Lessons 1 and 5's demos, against this server: both sides printed
    Demo,
}

/// The two protocols the learner already knows.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Which {
    /// Lesson 1: Welcome!, then Hello, X! for each message
    Hello,
    /// Lesson 5: the chat room
    Chat,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let (protocol, bind, lines, flags) = match cli.command {
        Command::Server {
            protocol,
            bind,
            lines,
            flags,
        } => (protocol, bind, lines, flags),
        Command::Demo => return select_server::demo::demo(),
    };
    let bind = bind.unwrap_or_else(|| {
        match protocol {
            Which::Hello => hello_echo::DEFAULT_ADDR,
            Which::Chat => chat_room::DEFAULT_ADDR,
        }
        .to_owned()
    });
    let listener = netkit::listen(&bind)?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals()?;
    // The same cap and idle limit as the threaded servers, from the same
    // flags; each connection holds one descriptor, its socket.
    let config = flags.config(SOCKET_ONLY)?;
    announce_listener(&listener)?;
    let report = match protocol {
        Which::Hello => {
            let hello = Hello::new(Protocol::with_lines(lines));
            serve(listener, &shutdown, hello, &config)?
        }
        Which::Chat => {
            let framing = if lines { Framing::Lines } else { Framing::Raw };
            let room = Room::new(framing, config.log.clone());
            serve(listener, &shutdown, room, &config)?
        }
    };
    config.log.event(format_args!(
        "stopped after {} connection(s)",
        report.connections
    ));
    Ok(())
}
