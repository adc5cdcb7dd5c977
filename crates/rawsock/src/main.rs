//! The `rawsock` command: parses arguments, calls the library, turns an
//! error into one `error:` line and exit code 1. Nothing else.

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use netkit::cli::{exit_code, stdin_lines};
use rawsock::{Ending, MAX_WAIT, Mode, Options, Script, Transcript};

/// A raw socket: connect or listen, TCP or UDP, send bytes, and print
/// what comes back escaped, one event per line (`>` sent, `<` received),
/// ending with how the conversation closed.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Connect to HOST:PORT and talk
    Connect(Talk),
    /// Listen on HOST:PORT, then talk to the first client (TCP) or to the
    /// sender of the first datagram (UDP)
    Listen(Talk),
}

#[derive(Args, Debug)]
struct Talk {
    /// The address, as 127.0.0.1:9999, [::1]:9999 or localhost:9999
    /// (listen: port 0 picks a free port, printed on the first line)
    #[arg(value_name = "HOST:PORT")]
    addr: String,

    /// UDP instead of TCP: each --send is one datagram, and each datagram
    /// received is one `<` line
    #[arg(long)]
    udp: bool,

    /// Send TEXT, as one write (TCP) or one datagram (UDP); repeat it to
    /// send more, in order. Escapes: \n \r \t \0 \\ \xHH. Without --send,
    /// the lines typed on stdin are sent, each with its \n
    #[arg(
        long,
        value_name = "TEXT",
        allow_hyphen_values = true,
        value_parser = parse_send,
    )]
    send: Vec<Message>,

    /// Wait this long before each send, printing what arrives meanwhile
    #[arg(
        long,
        value_name = "MS",
        default_value_t = millis(rawsock::DEFAULT_PAUSE),
        value_parser = clap::value_parser!(u64).range(0..=millis(MAX_WAIT)),
    )]
    pause: u64,

    /// After the last send, end once nothing has arrived for this long
    /// (or when the peer closes)
    #[arg(
        long,
        value_name = "MS",
        default_value_t = millis(rawsock::DEFAULT_QUIET),
        value_parser = clap::value_parser!(u64).range(1..=millis(MAX_WAIT)),
    )]
    quiet: u64,

    /// After the last send, shut down sending (FIN: the peer reads end
    /// of file) and go on reading
    #[arg(long, conflicts_with_all = ["udp", "reset"])]
    shut: bool,

    /// After the last send and a pause, close with SO_LINGER 0: a reset
    /// (RST) instead of a FIN, so the peer's read fails
    #[arg(long, conflicts_with = "udp")]
    reset: bool,

    /// Also print each received line's bytes in hex, 16 to a row
    #[arg(long)]
    hex: bool,
}

/// One `--send` argument, its escapes decoded.
#[derive(Clone, Debug)]
struct Message(Vec<u8>);

fn parse_send(text: &str) -> Result<Message, String> {
    rawsock::unescape(text)
        .map(Message)
        .map_err(|err| err.to_string())
}

/// Milliseconds, for the flags' defaults and bounds (small constants).
const fn millis(duration: Duration) -> u64 {
    duration.as_secs() * 1000 + duration.subsec_millis() as u64
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let (listen, talk) = match cli.command {
        Command::Connect(talk) => (false, talk),
        Command::Listen(talk) => (true, talk),
    };
    let mode = match (listen, talk.udp) {
        (false, false) => Mode::Connect,
        (true, false) => Mode::Listen,
        (false, true) => Mode::ConnectUdp,
        (true, true) => Mode::ListenUdp,
    };
    let script = if talk.send.is_empty() {
        Script::Stdin(stdin_lines())
    } else {
        Script::Given(talk.send.into_iter().map(|m| m.0).collect())
    };
    let options = Options {
        script,
        pause: Duration::from_millis(talk.pause),
        quiet: Duration::from_millis(talk.quiet),
        ending: if talk.shut {
            Ending::Shut
        } else if talk.reset {
            Ending::Reset
        } else {
            Ending::Wait
        },
    };
    let mut out = Transcript::new(io::stdout(), talk.hex);
    rawsock::run(mode, &talk.addr, options, &mut out)
}
