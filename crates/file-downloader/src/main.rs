//! The `file-downloader` command: parses arguments, calls the library,
//! turns an error into one `error:` line and exit code 1. Nothing else.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
use file_downloader::client::{
    ask, check_name, default_output, host_port, progress_bar,
};
use file_downloader::{
    CLIENT_TIMEOUT, DEFAULT_ADDR, DEFAULT_HOST, DEFAULT_PORT,
    DESCRIPTORS_PER_CLIENT, DownloadOptions, Output, Protocol, Root,
    ServerOptions, Streaming, download, serve,
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
    Server(ServerArgs),
    /// Download one file from a server
    Client(ClientArgs),
    /// Run a server and a client in this process, on a free port
    Demo,
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Port to listen on, on 127.0.0.1: the original's `server.py 7890`
    #[arg(value_name = "PORT", conflicts_with = "bind")]
    port: Option<u16>,

    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    bind: String,

    /// The directory whose files are served (nothing outside it is)
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,

    /// Send a header with each file's size first (the client needs it too)
    #[arg(long)]
    framed: bool,

    /// How file bytes get into the socket. The default is sendfile on Linux
    /// and Android, buffered on other systems (which have no sendfile mode)
    #[arg(long, value_name = "HOW", value_enum, default_value_t)]
    copy: Streaming,

    #[command(flatten)]
    flags: ServerFlags,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// Server address, HOST:PORT [default: asked on a terminal, else
    /// 127.0.0.1:7890]
    #[arg(long, value_name = "HOST:PORT")]
    connect: Option<String>,

    /// The file to download: a path under the server's directory [default:
    /// asked on a terminal]
    name: Option<String>,

    /// Where to save it [default: "[接收]" and the name's last part, as the
    /// original]
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,

    /// Expect a header with the file's size (the server needs it too)
    #[arg(long)]
    framed: bool,

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
            let root = Root::open(&args.root).with_context(|| {
                format!("cannot serve {}", args.root.display())
            })?;
            let bind = match args.port {
                Some(port) => format!("{DEFAULT_HOST}:{port}"),
                None => args.bind,
            };
            let listener = netkit::listen(&bind)?;
            let shutdown = Shutdown::new();
            shutdown.trigger_on_signals()?;
            let options = ServerOptions {
                protocol: protocol(args.framed),
                streaming: args.copy,
                net: args.flags.config(DESCRIPTORS_PER_CLIENT)?,
            };
            announce_listener(&listener)?;
            options.net.log.event(format_args!(
                "serving the files under {}",
                args.root.canonicalize()?.display()
            ));
            serve(listener, &shutdown, root, &options)?;
            Ok(())
        }
        Command::Client(args) => client(args),
        Command::Demo => file_downloader::demo::demo(),
    }
}

fn client(args: ClientArgs) -> anyhow::Result<()> {
    // Like the original, ask for what is missing, but only when a person
    // is there to answer: in a script, a prompt would wait forever. The
    // questions go to stderr, so stdout holds only the result line.
    let interactive = io::stdin().is_terminal();
    let (mut input, mut prompt) = (io::stdin().lock(), io::stderr());
    let connect = match args.connect {
        Some(connect) => connect,
        None if interactive => {
            let ip =
                ask(&mut input, &mut prompt, "server ip", Some(DEFAULT_HOST))?;
            let port = DEFAULT_PORT.to_string();
            let port =
                ask(&mut input, &mut prompt, "server port", Some(&port))?;
            host_port(&ip, &port)
        }
        None => DEFAULT_ADDR.to_owned(),
    };
    let name = match args.name {
        Some(name) => name,
        None if interactive => ask(&mut input, &mut prompt, "file name", None)?,
        None => Cli::command()
            .error(
                ErrorKind::MissingRequiredArgument,
                "the client needs the NAME of the file to download",
            )
            .exit(),
    };
    let protocol = protocol(args.framed);
    check_name(&name, protocol)?;
    let path = match args.output {
        Some(path) => path,
        None => default_output(&name)?,
    };
    let output = Output::new(path, args.force);
    output.check_free()?;

    let stream = netkit::connect(&connect)?;
    let options = DownloadOptions {
        protocol,
        resume: args.resume,
        timeout: *args.timeout,
    };
    let progress = progress_bar(io::stdout().is_terminal());
    let saved = download(&stream, &name, &output, &options, &progress);
    progress.finish_and_clear();
    let saved = saved?;
    if saved.resumed_from > 0 {
        eprintln!("resumed: the first {} bytes were there", saved.resumed_from);
    }
    println!("saved {} bytes to {}", saved.size, saved.path.display());
    Ok(())
}

fn protocol(framed: bool) -> Protocol {
    if framed {
        Protocol::Framed
    } else {
        Protocol::Raw
    }
}
