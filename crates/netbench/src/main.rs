//! The `netbench` command: parses arguments, calls the library, prints
//! the report, turns an error into one `error:` line and exit code 1.
//! Nothing else.
//!
//! ```text
//! netbench chat-room --connect 127.0.0.1:PORT [--clients 200]
//!     [--messages 5000] [--size 900] [--stalled] [--framing lines|raw]
//!     [--timeout 2] [--server-pid PID] [--json]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand};
use netbench::chat_room::{
    self, DEFAULT_CLIENTS, DEFAULT_MESSAGES, DEFAULT_SIZE, DEFAULT_TIMEOUT,
    MAX_CLIENTS, MAX_MESSAGES, MAX_SIZE, MIN_SIZE, wire::Framing,
};
use netbench::loopback_addr;
use netkit::cli::exit_code;

/// The workspace's load generator: many clients against a lesson's
/// server on this machine, and what they measured.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lesson 5: how long a message takes to reach every other user,
    /// with or without a user who never reads
    ChatRoom(ChatRoomArgs),
}

#[derive(Args, Debug)]
struct ChatRoomArgs {
    /// The chat server, HOST:PORT on this machine (loopback only)
    #[arg(long, value_name = "HOST:PORT")]
    connect: String,

    /// Users who log in: one sender, the others receivers
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_CLIENTS,
        value_parser = RangedU64ValueParser::<usize>::new()
            .range(2..=MAX_CLIENTS as u64),
    )]
    clients: usize,

    /// Messages to send, one at a time: the next leaves once every
    /// receiver has read the last, or its timeout has passed
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MESSAGES,
        value_parser = clap::value_parser!(u64).range(1..=MAX_MESSAGES),
    )]
    messages: u64,

    /// Bytes of text in each message (padding, then its number)
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = DEFAULT_SIZE,
        value_parser = RangedU64ValueParser::<usize>::new()
            .range(MIN_SIZE as u64..=MAX_SIZE as u64),
    )]
    size: usize,

    /// Add one more user, who logs in and then never reads
    #[arg(long)]
    stalled: bool,

    /// How the server frames what it sends: lines (the Rust server) or
    /// raw (the original's, as the Python port speaks it)
    #[arg(long, value_enum, default_value_t = Framing::Lines)]
    framing: Framing,

    /// Seconds a message may take to reach a receiver before it counts
    /// as lost
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = DEFAULT_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=30),
    )]
    timeout: u64,

    /// The server's process id, to report its peak memory (VmHWM, Linux)
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,

    /// Print the figures as one JSON line on stdout; the summary goes to
    /// stderr
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::ChatRoom(args) => {
            let options = chat_room::Options {
                addr: loopback_addr(&args.connect)?,
                clients: args.clients,
                messages: args.messages,
                size: args.size,
                framing: args.framing,
                stalled: args.stalled,
                timeout: Duration::from_secs(args.timeout),
                server_pid: args.server_pid,
            };
            let report = chat_room::run(&options)?;
            if args.json {
                eprintln!("{report}");
                println!("{}", report.json());
            } else {
                println!("{report}");
            }
            Ok(())
        }
    }
}
