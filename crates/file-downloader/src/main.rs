//! The `file-downloader` command: parses arguments, calls the library,
//! turns an error into one `error:` line and exit code 1. Nothing else.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand};
use file_downloader::client::progress_bar;
use file_downloader::{
    CLIENT_TIMEOUT, DESCRIPTORS_PER_CLIENT, DownloadOptions, Output, Root,
    ServerOptions, Streaming, cli, download, serve,
};
use netkit::Shutdown;
use netkit::cli::{
    DurationArg, ServerFlags, announce_listener, exit_code, nonzero_duration,
};

/// Lesson 4: a file server that streams the files under one directory,
/// and its client.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the files under a directory, a thread per client
    Server(LessonServerArgs),
    /// Download one file from a server
    Client(LessonClientArgs),
    /// Run a server and a client in this process, on a free port
    Demo,
}

/// `server`: the shared flags, then the lesson's extras.
#[derive(Args, Debug)]
struct LessonServerArgs {
    #[command(flatten)]
    common: cli::ServerArgs,

    /// How file bytes get into the socket. The default is sendfile on Linux
    /// and Android, buffered on other systems (which have no sendfile mode)
    #[arg(long, value_name = "HOW", value_enum, default_value_t)]
    copy: Streaming,

    #[command(flatten)]
    flags: ServerFlags,
}

/// `client`: the shared flags, then the lesson's extras.
#[derive(Args, Debug)]
struct LessonClientArgs {
    #[command(flatten)]
    common: cli::ClientArgs,

    /// Replace the output file if it exists
    #[arg(long)]
    force: bool,

    /// Resume into the .part file left by a cut download
    #[arg(short = 'c', long = "continue", requires = "framed")]
    resume: bool,

    /// Give up when the server sends nothing for this long, as in 30s or 2m
    #[arg(long, value_name = "DURATION", default_value_t = CLIENT_TIMEOUT.into(),
          value_parser = nonzero_duration)]
    timeout: DurationArg,
}

fn main() -> ExitCode {
    exit_code(run(Cli::parse()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => {
            let root = &args.common.root;
            let served = Root::open(root)
                .with_context(|| format!("cannot serve {}", root.display()))?;
            let listener = netkit::listen(&args.common.addr())?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            let options = ServerOptions {
                protocol: args.common.protocol(),
                streaming: args.copy,
                net: args.flags.config(DESCRIPTORS_PER_CLIENT)?,
            };
            announce_listener(&listener)?;
            options.net.log.event(format_args!(
                "serving the files under {}",
                root.canonicalize()?.display()
            ));
            serve(listener, &shutdown, served, &options)?;
            Ok(())
        }
        Command::Client(args) => client(args),
        Command::Demo => file_downloader::demo::demo(),
    }
}

fn client(args: LessonClientArgs) -> anyhow::Result<()> {
    let fetch = args.common.resolve(Cli::command)?;
    let output = Output::new(fetch.output, args.force);
    output.check_free()?;

    let stream = netkit::connect(&fetch.connect)?;
    let options = DownloadOptions {
        protocol: fetch.protocol,
        resume: args.resume,
        timeout: *args.timeout,
    };
    let progress = progress_bar(io::stdout().is_terminal());
    let saved = download(&stream, &fetch.name, &output, &options, &progress);
    progress.finish_and_clear();
    let saved = saved?;
    if saved.resumed_from > 0 {
        eprintln!("resumed: the first {} bytes were there", saved.resumed_from);
    }
    println!("saved {} bytes to {}", saved.size, saved.path.display());
    Ok(())
}
