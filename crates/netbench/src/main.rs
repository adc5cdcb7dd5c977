//! The `netbench` command: parses arguments, calls the library, prints
//! the report, turns an error into one `error:` line and exit code 1.
//! Nothing else.
//!
//! ```text
//! netbench hello-echo --connect A [--connections 16] [--duration 3]
//! netbench time-server --connect A [--clients 16] [--duration 3]
//! netbench udp-chat --connect A [--in-flight 32] [--duration 3]
//! netbench file-downloader --connect A [--name FILE] [--request raw]
//! netbench chat-room --connect A [--clients 200] [--stalled] ...
//!     (each: [--server-pid PID] [--json])
//! netbench soak LESSON --connect A --server-pid PID [--duration 5m] ...
//! netbench bare LESSON [--bind 127.0.0.1:0] [--root DIR]
//! netbench chart --input results.json --output chart.svg
//! netbench suite [--quick] [--repeats N] [--update-docs] [--soak] [LESSON...]
//! ```

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use netbench::{
    bare, chart, chat_room, file_downloader, hello_echo, loopback_addr, soak,
    suite, time_server, udp_chat,
};
use netkit::cli::{DurationArg, exit_code, nonzero_duration};

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
    /// Lesson 1: round trips per second and their latency, over many
    /// connections at once
    HelloEcho(Load<hello_echo::Options>),
    /// Lesson 2: connections per second, each one asked for the time
    /// and read to its end
    TimeServer(Load<time_server::Options>),
    /// Lesson 3: answered datagrams per second with a window in flight,
    /// and the ones that never came back
    UdpChat(Load<udp_chat::Options>),
    /// Lesson 4: one file downloaded into nothing, in MiB/s
    FileDownloader(Load<file_downloader::Options>),
    /// Lesson 5: how long a message takes to reach every other user,
    /// with or without a user who never reads
    ChatRoom(Load<chat_room::Options>),
    /// A lesson's server for minutes under its normal load and faults,
    /// watched for a leak of memory, threads or descriptors
    Soak(SoakArgs),
    /// A bare server for a lesson: its protocol and nothing else, the
    /// limit of its model to measure the lesson's server against
    Bare(BareArgs),
    /// Draws the targets of a `scripts/bench` results file, met or missed,
    /// as an SVG chart
    Chart(ChartArgs),
    /// Measures every lesson (or those named): the Rust server against
    /// the Python port, the bare server and a reference tool, in turns;
    /// writes target/bench/results.json, results.md and chart.svg
    #[command(after_help = SUITE_HELP)]
    Suite(SuiteArgs),
}

const SUITE_HELP: &str = "Reference tools are not installed for you: a \
missing one (socat, iperf3, curl, nginx, openssl) is named with how to \
install it, and its cells are skipped.

Exit status: 0 if every row ran (skipped tools aside), 1 if a run \
failed, 2 for a usage error.";

#[derive(Args, Debug)]
struct SuiteArgs {
    /// Lessons to measure (default: all)
    #[arg(value_name = "LESSON",
          value_parser = clap::builder::PossibleValuesParser::new(suite::LESSONS))]
    lessons: Vec<String>,

    /// Runs of each figure; the table shows their median and min-max
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,

    /// One short run of each, small loads: a check that every row
    /// works, not a measurement
    #[arg(long)]
    quick: bool,

    /// Copy the table and chart into docs/src/bench/ (naming lessons
    /// replaces only their rows there)
    #[arg(long)]
    update_docs: bool,

    /// Instead: soak each Rust server for 5 minutes (1 with --quick)
    /// under its load and faults, watching memory, threads and
    /// descriptors; writes target/bench/soak.md
    #[arg(long)]
    soak: bool,
}

/// A load mode's flags, and how to report.
#[derive(Args, Debug)]
struct Load<T: Args> {
    #[command(flatten)]
    options: T,

    /// Print the figures as one JSON line on stdout; the summary goes to
    /// stderr
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct BareArgs {
    /// Which lesson's protocol
    #[arg(value_enum)]
    lesson: bare::Lesson,

    /// Address to listen on (loopback only)
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:0")]
    bind: String,

    /// The directory the bare file server serves
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: std::path::PathBuf,
}

#[derive(Args, Debug)]
struct SoakArgs {
    /// Which lesson's server it is
    #[arg(value_enum)]
    lesson: soak::Lesson,

    /// The server, HOST:PORT on this machine (loopback only)
    #[arg(long, value_name = "HOST:PORT")]
    connect: String,

    /// The server's process id, sampled from /proc (Linux)
    #[arg(long, value_name = "PID")]
    server_pid: u32,

    /// The server's stderr, as a file, watched for a panic
    #[arg(long, value_name = "FILE")]
    log: Option<std::path::PathBuf>,

    /// How long the judged part runs, after the warm-up (2s, 1m, 5m)
    #[arg(long, value_name = "TIME", default_value = "5m",
          value_parser = nonzero_duration)]
    duration: DurationArg,

    /// The server's connection cap: a burst opens this many and 50 more
    #[arg(long, value_name = "N", default_value_t = netkit::server::MAX_CONNECTIONS)]
    cap: usize,

    /// file-downloader: the directory the server serves
    #[arg(long, value_name = "DIR", requires_all = ["small_file", "large_file"])]
    root: Option<std::path::PathBuf>,

    /// file-downloader: a small file under --root, fetched by the normal
    /// clients
    #[arg(long, value_name = "NAME", requires = "root")]
    small_file: Option<String>,

    /// file-downloader: a large file under --root, abandoned by faults
    #[arg(long, value_name = "NAME", requires = "root")]
    large_file: Option<String>,

    /// Also write every sample to FILE as CSV (seconds, RSS in KiB,
    /// threads, descriptors), to see the slope
    #[arg(long, value_name = "FILE")]
    samples: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
struct ChartArgs {
    /// The results file `scripts/bench` wrote
    #[arg(long, value_name = "FILE")]
    input: std::path::PathBuf,

    /// Where to write the SVG
    #[arg(long, value_name = "FILE")]
    output: std::path::PathBuf,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

/// Prints a report: the summary for a person, or JSON for a script
/// with the summary on stderr.
fn report(
    json: bool,
    report: &(impl std::fmt::Display + serde::Serialize),
) -> anyhow::Result<()> {
    if json {
        eprintln!("{report}");
        println!("{}", serde_json::to_string(report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::HelloEcho(load) => {
            report(load.json, &hello_echo::run(&load.options)?)?;
        }
        Command::TimeServer(load) => {
            report(load.json, &time_server::run(&load.options)?)?;
        }
        Command::UdpChat(load) => {
            report(load.json, &udp_chat::run(&load.options)?)?;
        }
        Command::FileDownloader(load) => {
            report(load.json, &file_downloader::run(&load.options)?)?;
        }
        Command::Soak(args) => {
            if args.lesson == soak::Lesson::FileDownloader
                && args.root.is_none()
            {
                anyhow::bail!(
                    "a file-downloader soak needs --root, --small-file and \
                     --large-file"
                );
            }
            let small_file = match (&args.root, args.small_file) {
                (Some(root), Some(name)) => {
                    let size = std::fs::metadata(root.join(&name))
                        .map_err(|err| {
                            anyhow::anyhow!(
                                "{}: {err}",
                                root.join(&name).display()
                            )
                        })?
                        .len();
                    Some((name, size))
                }
                _ => None,
            };
            let options = soak::Options {
                lesson: args.lesson,
                addr: loopback_addr(&args.connect)?,
                server_pid: args.server_pid,
                log: args.log,
                duration: args.duration.into(),
                cap: args.cap,
                small_file,
                large_file: args.large_file,
            };
            let report = soak::run(&options)?;
            if let Some(path) = &args.samples {
                std::fs::write(path, report.csv()).map_err(|err| {
                    anyhow::anyhow!("{}: {err}", path.display())
                })?;
            }
            println!("{report}");
            println!("row: {}", report.row());
            if !report.passed() {
                anyhow::bail!("the soak failed: see the figures above");
            }
        }
        Command::Bare(args) => {
            let listen = loopback_addr(&args.bind)?;
            bare::serve(args.lesson, listen, &args.root)?;
        }
        Command::Suite(args) => suite::run(&suite::Options {
            lessons: args.lessons,
            repeats: args.repeats,
            quick: args.quick,
            update_docs: args.update_docs,
            soak: args.soak,
        })?,
        Command::Chart(args) => {
            chart::draw_file(&args.input, &args.output)?;
        }
        Command::ChatRoom(load) => {
            report(load.json, &chat_room::run(&load.options)?)?;
        }
    }
    Ok(())
}
