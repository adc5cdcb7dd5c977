//! The `http-get` command: parses arguments, calls the library, prints one
//! `error:` line per failed URL and a summary. Nothing else.

use std::collections::HashSet;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};
use http_get::cli::{LimitArgs, OutputArg};
use http_get::client::Options;
use http_get::download::{
    Job, Save, Settings, read_url_list, remote_name, run_all,
};
use http_get::request::{Header, Method, parse_header};
use indicatif::HumanBytes;
use netkit::cli::{DurationArg, nonzero_duration};

/// Lesson 6: HTTP/1.1 by hand over a TCP socket. Fetches each URL and
/// writes its body to stdout, or saves it (-o, -O). Exits 0 only if every
/// URL answered 2xx.
#[derive(Parser, Debug)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// The URLs to fetch (http:// or https://)
    #[arg(value_name = "URL")]
    urls: Vec<String>,

    #[command(flatten)]
    output: OutputArg,

    /// Save each body under the last part of its URL's path, in the
    /// current directory
    #[arg(short = 'O', long, conflicts_with = "output")]
    remote_name: bool,

    /// Print the status line and headers too
    #[arg(short, long)]
    include: bool,

    /// Ask for the head only (a HEAD request); implies --include
    #[arg(long)]
    head: bool,

    /// Add a header, 'Name: value' (or replace one of ours)
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<Header>,

    #[command(flatten)]
    limits: LimitArgs,

    /// Give up on a URL not done after this long, as in 10s or 500ms: its
    /// connect, every redirect, the head and the body together, counted
    /// from when its download starts (default: no limit)
    #[arg(long, value_name = "DURATION", value_parser = nonzero_duration)]
    max_time: Option<DurationArg>,

    /// Download up to N URLs at once
    #[arg(short, long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,

    /// Read more URLs from FILE, one per line ('-': standard input)
    #[arg(long, value_name = "FILE")]
    urls_from: Option<PathBuf>,

    /// Tell what each connection does on stderr: the address, and for
    /// https:// the TLS version, cipher suite and certificates
    #[arg(short, long)]
    verbose: bool,

    /// For https://, trust the CA certificates in this PEM file as well as
    /// Mozilla's roots (a test server's, or your own CA's); may be repeated
    #[arg(long, value_name = "FILE")]
    cacert: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve fixtures on loopback and download them as the original does:
    /// a JSON list of URLs, then every URL in it, concurrently
    Demo,
    /// Serve the book's fixtures on HOST:PORT: every response the lesson
    /// shows, right or wrong on purpose (GET / lists the paths)
    Serve(ServeArgs),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = http_get::served::DEFAULT_ADDR)]
    bind: String,

    /// Log nothing; without it, one line per request
    #[arg(long, short)]
    quiet: bool,

    /// Serve https:// instead, with a certificate from a CA made now, and
    /// write that CA's certificate to CA_FILE for the client's --cacert
    #[arg(long, value_name = "CA_FILE")]
    tls: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Demo) => {
            return netkit::cli::exit_code(http_get::demo::demo());
        }
        Some(Command::Serve(args)) => {
            return netkit::cli::exit_code(serve(&args));
        }
        None => {}
    }
    let (jobs, settings, workers) = match plan(cli) {
        Ok(plan) => plan,
        Err(err) => return netkit::cli::exit_code(Err(err)),
    };
    let started = Instant::now();
    let count = jobs.len();
    let outcomes = run_all(jobs, workers, &settings);
    let mut failed = 0;
    let mut bytes = 0;
    for (job, result) in &outcomes {
        match result {
            Ok(saved) => bytes += saved.bytes,
            Err(err) => {
                failed += 1;
                // One line, whatever the URL (the user's) or the error
                // (which quotes the server) holds: a CR LF or an escape
                // sequence in either is shown, not obeyed.
                let line = format!("{}: {err:#}", job.url);
                eprintln!(
                    "error: {}",
                    netkit::text::printable(line.as_bytes())
                );
            }
        }
    }
    if count > 1 {
        eprintln!(
            "{} of {count} downloads succeeded, {} in {:.1} s",
            count - failed,
            HumanBytes(bytes),
            started.elapsed().as_secs_f64()
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `http-get serve`: the fixtures on `args.bind` until Ctrl-C. The log is
/// one line per request, on stderr; a client that leaves before its answer
/// is complete is not logged (the flood, the stall and the trickle expect
/// exactly that).
fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let listener = netkit::listen(&args.bind)?;
    let addr = listener.local_addr()?;
    let shutdown = netkit::Shutdown::new();
    shutdown.trigger_on_signals()?;
    let scheme = if args.tls.is_some() { "https" } else { "http" };
    let base = format!("{scheme}://{addr}");
    let other = format!("{scheme}://localhost:{}", addr.port());
    let log = if args.quiet {
        netkit::Log::stderr().quiet()
    } else {
        netkit::Log::stderr()
    };
    let routes = http_get::served::lesson_routes(&base, &other).logging(log);
    let config = netkit::ServerConfig {
        log: netkit::Log::to(|_| {}),
        ..Default::default()
    };
    let Some(ca_file) = &args.tls else {
        netkit::cli::announce(addr);
        http_get::fixture::serve(listener, &shutdown, routes, &config)?;
        return Ok(());
    };
    let ca = http_get::test_ca::TestCa::new()?;
    let tls = ca.server(&http_get::test_ca::LOOPBACK_NAMES, None)?;
    std::fs::write(ca_file, ca.pem()).with_context(|| {
        format!("writing the CA's certificate to {}", ca_file.display())
    })?;
    netkit::cli::announce(addr);
    http_get::fixture::serve_tls(listener, &shutdown, routes, &config, tls)?;
    Ok(())
}

/// Turns the arguments into jobs; what makes no sense is a usage error
/// (exit 2), reported the way clap reports its own.
fn plan(cli: Cli) -> anyhow::Result<(Vec<Job>, Settings, usize)> {
    let usage = |message: &str| {
        Cli::command()
            .error(ErrorKind::ArgumentConflict, message)
            .exit()
    };
    let mut urls = cli.urls;
    if let Some(from) = &cli.urls_from {
        urls.extend(read_url_list(from)?);
    }
    if urls.is_empty() {
        usage("give at least one URL (or --urls-from FILE)");
    }
    if cli.output.path().is_some() && urls.len() > 1 {
        usage("-o saves one URL; for several, use -O");
    }
    let mut names = HashSet::new();
    let mut jobs = Vec::new();
    for url in urls {
        let save = match (cli.output.path(), cli.remote_name) {
            (Some(path), _) => Save::File(path.to_owned()),
            (None, true) => remote_name(&url, std::path::Path::new(".")),
            (None, false) => Save::Stdout,
        };
        if let Save::File(path) = &save {
            if !names.insert(path.clone()) {
                usage(&format!(
                    "two URLs would be saved as {}",
                    path.display()
                ));
            }
        }
        jobs.push(Job { url, save });
    }
    let to_files = jobs.iter().all(|job| job.save != Save::Stdout);
    let settings = Settings {
        options: Options {
            method: if cli.head { Method::Head } else { Method::Get },
            headers: cli.headers,
            max_redirects: cli.limits.max_redirects,
            timeout: *cli.limits.timeout,
            max_time: cli.max_time.map(|max_time| *max_time),
            tls: http_get::tls::client_config(&cli.cacert)?,
            verbose: cli.verbose.then(netkit::Log::stderr),
        },
        show_head: cli.include || cli.head,
        progress: to_files && io::stderr().is_terminal(),
    };
    // Bodies written to stdout one after the other, never interleaved.
    let workers = if to_files { usize::from(cli.jobs) } else { 1 };
    Ok((jobs, settings, workers))
}
