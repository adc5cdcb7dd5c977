//! `netbench suite`: every lesson measured, the Rust server against the
//! Python port, the bare server kept in netbench, and a reference tool
//! where there is one; the table and chart of the book's benchmarks page.
//!
//! For each row the same load runs against each contender in turn, and
//! the turns alternate (Rust, Python, bare, reference, then Rust again),
//! so that a slow moment of the machine falls on all of them alike. Each
//! figure is the median of `--repeats` runs with its min–max.
//!
//! Every server is started on a free port of 127.0.0.1 (it prints
//! `listening on IP:PORT`), loaded, and stopped with SIGINT (SIGKILL
//! after [`STOP_TIMEOUT`]), by `netkit::testing`'s process handling: only
//! processes the suite started, and every load has its own time limit.
//! Reference tools are not installed for you: a missing one is named
//! with how to install it, and its cells are skipped.
//!
//! It writes `target/bench/results.json`, `results.md` (the table, by
//! [`table`]) and `chart.svg`; `--update-docs` copies them into
//! `docs/src/bench/`, merging in only the lessons measured. `--soak`
//! instead runs `netbench soak` against every lesson's Rust server at
//! once ([`soak`]).
//!
//! # Try it
//!
//! ```text
//! scripts/bench --quick hello-echo     # cargo run --release -p netbench -- suite
//! ```

mod cases;
mod soak;
pub mod table;
mod tools;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use netkit::testing::{ServerProcess, try_finish_within, try_spawn_piped};
use serde::Serialize;

use crate::results::{Entry, Machine, Results, Row};
use cases::{Case, Run};

/// Every lesson, in the table's order.
pub const LESSONS: [&str; 7] = [
    "hello-echo",
    "time-server",
    "udp-chat",
    "file-downloader",
    "chat-room",
    "http-get",
    "select-server",
];

/// How long a server may take to say where it listens.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to exit after SIGINT.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one load run may take, whatever it is.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);
/// The big file of file-downloader and http-get: 1 GiB, as the issue
/// asks; 64 MiB with `--quick`.
const BIG_FILE_SIZE: u64 = 1 << 30;
const QUICK_FILE_SIZE: u64 = 64 << 20;
/// The scale row's connections, and the descriptors a process needs
/// besides its connections'.
const SCALE_CONNECTIONS: u64 = 10_000;
const SPARE_FILES: u64 = 256;
/// The tools behind the reference cells, and how to install each.
const INSTALL: [(&str, &str); 5] = [
    ("socat", "apt install socat"),
    ("iperf3", "apt install iperf3"),
    ("curl", "apt install curl"),
    ("nginx", "apt install nginx"),
    ("openssl", "apt install openssl"),
];

/// What `netbench suite` was asked.
pub struct Options {
    /// The lessons to measure, all if none.
    pub lessons: Vec<String>,
    /// Runs behind each figure (1 with `quick`).
    pub repeats: u32,
    /// One short run of everything with small loads: a check that every
    /// row works, not a measurement.
    pub quick: bool,
    /// Also write the results into the book, `docs/src/bench/`.
    pub update_docs: bool,
    /// Soak the servers instead.
    pub soak: bool,
}

/// Where everything is, and what the cases are built from.
struct Setup {
    quick: bool,
    /// The workspace, for the Python ports and the book.
    root: PathBuf,
    /// Where the lessons' release binaries are.
    release: PathBuf,
    /// This very netbench: the bare servers and the loads.
    netbench: PathBuf,
    python: String,
    /// The scale row's connections.
    scale: usize,
    /// The directory of the big file, and its size.
    files: PathBuf,
    big_size: u64,
    /// A scratch directory, removed at the end.
    workdir: PathBuf,
}

/// Runs the suite (or the soak); an error if any run failed.
pub fn run(options: &Options) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        bail!("a debug build measures itself: run it with cargo run --release");
    }
    // Started in the background by a shell, this process ignores SIGINT,
    // and its children would inherit that and ignore our stop signal.
    // A handler here is reset to the default in each child at exec.
    ctrlc::set_handler(|| std::process::exit(130))?;
    let lessons: Vec<&str> = match options.lessons.is_empty() {
        true => LESSONS.to_vec(),
        false => LESSONS
            .into_iter()
            .filter(|l| options.lessons.iter().any(|o| o == l))
            .collect(),
    };
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let root = root.canonicalize().unwrap_or(root);
    let target =
        root.join(std::env::var("CARGO_TARGET_DIR").unwrap_or("target".into()));
    let out = target.join("bench");
    let mut crates = lessons.clone();
    if lessons.contains(&"select-server") {
        crates.extend(["hello-echo", "chat-room"]); // its reference column
    }
    build(&root, &crates)?;
    let nofile = raise_nofile();
    fs::create_dir_all(&out)?;
    let scratch = tempfile::Builder::new().prefix("bench-").tempdir_in(&out)?;
    let workdir = scratch.path().to_path_buf();
    let setup = Setup {
        quick: options.quick,
        release: target.join("release"),
        netbench: std::env::current_exe()?,
        python: "python3".into(),
        // The soak has no scale row.
        scale: if options.soak {
            0
        } else {
            scale_connections(nofile, options.quick)
        },
        files: workdir.join("files"),
        big_size: if options.quick {
            QUICK_FILE_SIZE
        } else {
            BIG_FILE_SIZE
        },
        workdir,
        root,
    };
    if options.soak {
        return soak::run(&setup, &lessons, &out);
    }
    let missing: Vec<&str> = INSTALL
        .iter()
        .map(|(tool, _)| *tool)
        .filter(|t| !installed(t))
        .collect();
    for tool in &missing {
        eprintln!(
            "bench: {tool} is not installed; its cells are skipped (to include them: {})",
            install(tool)
        );
    }
    if lessons
        .iter()
        .any(|l| ["file-downloader", "http-get"].contains(l))
    {
        tools::write_random(&setup.files.join("big.bin"), setup.big_size)?;
    }
    let repeats = if options.quick { 1 } else { options.repeats };
    let mut results = Results {
        machine: machine(nofile),
        repeats,
        measured: None,
        rows: vec![],
    };
    let mut failures = Vec::new();
    for lesson in &lessons {
        for case in cases_of(lesson, &setup) {
            let (rows, failed) = run_case(&setup, &case, repeats, &missing);
            results.rows.extend(rows);
            failures.extend(failed);
        }
    }
    let markdown = write_all(&results, &out)?;
    println!("{markdown}");
    eprintln!(
        "bench: wrote {}, results.md and chart.svg",
        out.join("results.json").display()
    );
    if options.update_docs {
        let docs = setup.root.join("docs/src/bench");
        let mut book = results;
        let earlier = fs::read_to_string(docs.join("results.json"));
        if let (true, Ok(text)) = (lessons.len() < LESSONS.len(), earlier) {
            // Some lessons only: their rows replace theirs in the book's
            // results, and every other lesson keeps its rows and its date.
            let earlier: Results = serde_json::from_str(&text)?;
            book = earlier.merged(&book, &lessons, &LESSONS);
        }
        fs::create_dir_all(&docs)?;
        write_all(&book, &docs)?;
        eprintln!("bench: wrote them into {}", docs.display());
    }
    if !failures.is_empty() {
        bail!("some runs failed:\n  {}", failures.join("\n  "));
    }
    Ok(())
}

fn cases_of(lesson: &str, setup: &Setup) -> Vec<Case> {
    match lesson {
        "hello-echo" => cases::hello_echo(setup),
        "time-server" => cases::time_server(setup),
        "udp-chat" => cases::udp_chat(setup),
        "file-downloader" => cases::file_downloader(setup),
        "chat-room" => cases::chat_room(setup),
        "http-get" => cases::http_get(setup),
        _ => cases::select_server(setup),
    }
}

/// results.json, results.md and chart.svg into `dir`; returns the table.
fn write_all(results: &Results, dir: &Path) -> anyhow::Result<String> {
    // One space of indent, as the book's file has always been written.
    let mut json = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    results.serialize(&mut serde_json::Serializer::with_formatter(
        &mut json, formatter,
    ))?;
    json.push(b'\n');
    fs::write(dir.join("results.json"), json)?;
    let markdown = table::table(results, &LESSONS);
    fs::write(dir.join("results.md"), &markdown)?;
    fs::write(dir.join("chart.svg"), crate::chart::draw_svg(results)?)?;
    Ok(markdown)
}

/// `cargo build --release` of the lessons measured.
fn build(root: &Path, crates: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or("cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root).args(["build", "--release", "-q"]);
    for name in crates {
        command.args(["-p", name]);
    }
    eprintln!("bench: {command:?}");
    if !command.status()?.success() {
        bail!("the build failed");
    }
    Ok(())
}

fn installed(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(tool).is_file())
}

fn install(tool: &str) -> &'static str {
    INSTALL
        .iter()
        .find(|(t, _)| *t == tool)
        .map_or("", |(_, how)| how)
}

/// Raises the open-file limit to the hard limit (the servers and the
/// loads inherit it) and returns the limit now in force.
fn raise_nofile() -> u64 {
    let before = netkit::descriptors::budget(1).map(|budget| budget.limit);
    // `None` is no limit at all: as good as a million.
    let now = netkit::descriptors::raise_limit().unwrap_or(1 << 20);
    if before.is_some_and(|before| before < now) {
        eprintln!(
            "bench: open-file limit raised from {} to {now} for the servers and netbench",
            before.unwrap_or(0)
        );
    }
    now
}

/// How many connections the scale rows open, and why not more: our
/// server holds one descriptor per connection, its socket (the registry
/// that wakes handlers at shutdown shares it: `netkit::server`), so it
/// needs an open-file limit a little above the connections; a process
/// can raise its soft limit up to the hard limit only.
fn scale_connections(nofile: u64, quick: bool) -> usize {
    let fits = nofile.saturating_sub(SPARE_FILES);
    let (mut count, mut why) = (SCALE_CONNECTIONS, String::new());
    if fits < SCALE_CONNECTIONS {
        count = fits / 1000 * 1000;
        why = format!(
            ", not {}: our server needs one descriptor per connection, so {} open files, \
             and the hard limit here is {} (raise it with ulimit -Hn as root, or in limits.conf)",
            thousands(SCALE_CONNECTIONS),
            thousands(SCALE_CONNECTIONS + SPARE_FILES),
            thousands(nofile)
        );
    }
    if quick && count > 2000 {
        (count, why) = (2000, " (--quick)".into());
    }
    eprintln!(
        "bench: the scale rows run {} connections{why}",
        thousands(count)
    );
    count as usize
}

/// 10000 as "10,000".
pub fn thousands(n: u64) -> String {
    match n {
        0..1000 => n.to_string(),
        _ => format!("{},{:03}", thousands(n / 1000), n % 1000),
    }
}

/// What the figures were measured on.
fn machine(nofile: u64) -> Machine {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name"));
    let python = Command::new("python3").arg("--version").output();
    let python =
        python.map(|out| String::from_utf8_lossy(&out.stdout).into_owned());
    Machine {
        cores: cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count(),
        cpu: model
            .and_then(|l| l.split_once(':'))
            .map_or("", |(_, m)| m.trim())
            .into(),
        kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .into(),
        python: python
            .unwrap_or_default()
            .trim()
            .trim_start_matches("Python ")
            .into(),
        date: jiff::Zoned::now().date().to_string(),
        nofile,
    }
}

/// Runs every contender of a case `repeats` times, alternating; returns
/// its rows and what failed.
fn run_case(
    setup: &Setup,
    case: &Case,
    repeats: u32,
    missing: &[&str],
) -> (Vec<Row>, Vec<String>) {
    let mut runs = vec![Vec::new(); case.contenders.len()];
    let skipped: Vec<Option<String>> = case
        .contenders
        .iter()
        .map(|c| {
            let absent: Vec<&str> = c
                .run
                .needs()
                .into_iter()
                .filter(|t| missing.contains(t))
                .collect();
            let how: Vec<&str> = absent.iter().map(|t| install(t)).collect();
            (!absent.is_empty()).then(|| {
                format!(
                    "{} not installed ({})",
                    absent.join(", "),
                    how.join("; ")
                )
            })
        })
        .collect();
    let mut failures = Vec::new();
    for repeat in 1..=repeats {
        for (i, contender) in case.contenders.iter().enumerate() {
            if skipped[i].is_some() {
                continue;
            }
            eprintln!(
                "bench: {}, {}: {} ({repeat}/{repeats})",
                case.lesson, case.label, contender.who
            );
            if let Some(file) = &case.warm {
                tools::warm(file);
            }
            match run_once(setup, &contender.run) {
                Ok(report) => runs[i].push(report),
                Err(err) => {
                    eprintln!("bench: FAILED: {err:#}");
                    failures.push(format!(
                        "{}, {}, {}: {err:#}",
                        case.lesson, case.label, contender.who
                    ));
                }
            }
        }
    }
    let rows = case.metrics.iter().map(|metric| {
        let entries = case.contenders.iter().enumerate().map(|(i, c)| {
            match &skipped[i] {
                Some(why) => Entry::skipped(&c.who, c.kind, why),
                None => Entry::of_runs(
                    &c.who,
                    c.kind,
                    runs[i]
                        .iter()
                        .filter_map(|r| metric.key.value(r))
                        .collect(),
                ),
            }
        });
        let mut row = Row {
            lesson: case.lesson.into(),
            row: case.label.clone(),
            metric: metric.name.into(),
            better: metric.better,
            entries: entries.collect(),
            targets: vec![],
        };
        row.judge(&metric.targets);
        row
    });
    (rows.collect(), failures)
}

/// One run of one contender: its report, as JSON.
fn run_once(setup: &Setup, run: &Run) -> anyhow::Result<serde_json::Value> {
    match run {
        Run::Server { command, load } => {
            let server = start(command, Stdio::null())?;
            let report = netbench(
                setup,
                load,
                &server.addr.to_string(),
                Some(server.id()),
            );
            server.stop(STOP_TIMEOUT);
            report
        }
        Run::Socat { file, size } => tools::socat(setup, file, *size),
        Run::Iperf3 { size } => tools::iperf3(*size),
        Run::Nginx { client, tls } => tools::nginx(setup, client, *tls),
    }
}

/// Starts a server, its stderr (its log) to `log`, and waits for its
/// `listening on` line.
fn start(command: &[String], log: Stdio) -> anyhow::Result<ServerProcess> {
    let mut command_line = Command::new(&command[0]);
    command_line
        .args(&command[1..])
        .stdin(Stdio::null())
        .stderr(log);
    ServerProcess::try_start(&mut command_line, STARTUP_TIMEOUT)
        .map_err(anyhow::Error::msg)
}

/// Runs one netbench load (`load`: the mode and its flags) against
/// `addr`; returns its JSON report.
fn netbench(
    setup: &Setup,
    load: &[String],
    addr: &str,
    pid: Option<u32>,
) -> anyhow::Result<serde_json::Value> {
    let mut command = Command::new(&setup.netbench);
    command
        .arg(&load[0])
        .args(["--connect", addr, "--json"])
        .args(&load[1..]);
    if let Some(pid) = pid {
        command.args(["--server-pid", &pid.to_string()]);
    }
    let (status, stdout, stderr) = run_to_end(&mut command)?;
    if !status.success() {
        bail!(
            "{}",
            stderr.trim().lines().last().unwrap_or("netbench failed")
        );
    }
    serde_json::from_str(&stdout).context("netbench's --json report")
}

/// Runs a command to its end within [`RUN_TIMEOUT`]: status, stdout,
/// stderr.
fn run_to_end(
    command: &mut Command,
) -> anyhow::Result<(std::process::ExitStatus, String, String)> {
    let child = try_spawn_piped(command)
        .with_context(|| format!("start {command:?}"))?;
    try_finish_within(child, RUN_TIMEOUT)
        .with_context(|| format!("{command:?} ran over {RUN_TIMEOUT:?}"))
}
