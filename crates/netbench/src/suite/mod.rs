//! `netbench suite`: every lesson measured, the Rust server against the
//! Python port, the bare server kept in netbench, and a reference tool
//! where there is one; the table and chart of the book's benchmarks page.
//!
//! For each row the same load runs against each contender in turn, and
//! the turns alternate (Rust, Python, bare, reference, then Rust again),
//! so that a slow moment of the machine falls on all of them alike. Each
//! figure is the median of `--repeats` runs with its min–max. Every
//! server is started on a free port of 127.0.0.1 (it prints `listening
//! on IP:PORT`), loaded, and stopped with SIGINT (SIGKILL after
//! `STOP_TIMEOUT`); every load has its own time limit. A missing
//! reference tool is named with how to install it, and its cells skipped.
//!
//! It writes `target/bench/results.json`, `results.md` ([`table`]) and
//! `chart.svg`; `--update-docs` copies them into `docs/src/bench/`,
//! merging in only the lessons measured. `--soak` instead soaks every
//! lesson's Rust server at once (`suite/soak.rs`).
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
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use netkit::testing::ServerProcess;

use crate::results::{Entry, Machine, Results, Row};
use crate::stats::thousands;
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
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to exit after SIGINT.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one load run may take, whatever it is.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
/// The scale row's connections, and the descriptors a process needs
/// besides its connections'.
const SCALE_CONNECTIONS: u64 = 10_000;
const SPARE_FILES: u64 = 256;

/// What `netbench suite` was asked.
pub struct Options {
    /// The lessons to measure, all if none.
    pub lessons: Vec<String>,
    /// Runs behind each figure (1 with `quick`).
    pub repeats: u32,
    /// One short run of everything with small loads.
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
    scale: usize,
    /// The directory of the big file (`big.bin`), and its size.
    files: PathBuf,
    big_size: u64,
    /// A scratch directory, removed at the end.
    workdir: PathBuf,
}

/// Runs the suite (or the soak); an error if any run failed.
pub fn run(options: &Options) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        bail!("a debug build measures itself: use cargo run --release");
    }
    // Started in the background by a shell, this process ignores SIGINT,
    // and its children would inherit that and ignore our stop signal.
    // A handler here is reset to the default in each child at exec.
    ctrlc::set_handler(interrupted)?;
    let asked = |lesson: &&str| options.lessons.iter().any(|l| l == lesson);
    let mut lessons: Vec<&str> = LESSONS.into_iter().filter(asked).collect();
    if lessons.is_empty() {
        lessons = LESSONS.to_vec();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or("target".into());
    let (target, out) = (root.join(&target), root.join(target).join("bench"));
    let cargo = std::env::var("CARGO").unwrap_or("cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(&root).args(["build", "--release", "-q"]);
    build.args(lessons.iter().flat_map(|name| ["-p", name]));
    // Lesson 7's reference column is lessons 1 and 5's servers.
    if lessons.contains(&"select-server") {
        build.args(["-p", "hello-echo", "-p", "chat-room"]);
    }
    eprintln!("bench: {build:?}");
    if !build.status()?.success() {
        bail!("the build failed");
    }
    // The servers and the loads inherit the open-file limit; `None` is
    // no limit at all: as good as a million.
    let before = netkit::descriptors::budget(1).map_or(0, |b| b.limit);
    let nofile = netkit::descriptors::raise_limit().unwrap_or(1 << 20);
    if before < nofile {
        eprintln!("bench: open-file limit raised from {before} to {nofile}");
    }
    fs::create_dir_all(&out)?;
    let scratch = tempfile::Builder::new().prefix("bench-").tempdir_in(&out)?;
    let q = options.quick;
    let setup = Setup {
        quick: q,
        release: target.join("release"),
        netbench: std::env::current_exe()?,
        // The soak has no scale row.
        scale: if options.soak {
            0
        } else {
            scale_connections(nofile, q)
        },
        files: scratch.path().join("files"),
        // Long enough that the connection's start is lost in the transfer.
        big_size: if q { 64 << 20 } else { 1 << 30 },
        workdir: scratch.path().into(),
        root,
    };
    if options.soak {
        return soak::run(&setup, &lessons, &out);
    }
    let references = ["socat", "iperf3", "curl", "nginx", "openssl"];
    let missing: Vec<&str> =
        references.into_iter().filter(|t| !on_path(t)).collect();
    for tool in &missing {
        eprintln!(
            "bench: {tool} is not installed; its cells are skipped \
             (to include them: apt install {tool})"
        );
    }
    if lessons.contains(&"file-downloader") || lessons.contains(&"http-get") {
        tools::write_random(&setup.files.join("big.bin"), setup.big_size)?;
    }
    let repeats = if q { 1 } else { options.repeats };
    let (machine, mut failures) = (machine(nofile), Vec::new());
    let mut results = Results {
        machine,
        repeats,
        ..Results::default()
    };
    for case in lessons.iter().flat_map(|lesson| cases::of(lesson, &setup)) {
        let (rows, failed) = run_case(&setup, &case, repeats, &missing);
        results.rows.extend(rows);
        failures.extend(failed);
    }
    println!("{}", write_all(&results, &out)?);
    eprintln!(
        "bench: wrote {}/results.{{json,md}}, chart.svg",
        out.display()
    );
    if options.update_docs {
        let docs = setup.root.join("docs/src/bench");
        let book = fs::read_to_string(docs.join("results.json"));
        let results = match book {
            // Some lessons only: their rows replace theirs in the book's
            // results, and every other lesson keeps its rows and its date.
            Ok(book) if lessons.len() < LESSONS.len() => {
                let book: Results = serde_json::from_str(&book)?;
                book.merged(&results, &lessons, &LESSONS)
            }
            _ => results,
        };
        fs::create_dir_all(&docs)?;
        write_all(&results, &docs)?;
        eprintln!("bench: wrote them into {}", docs.display());
    }
    if !failures.is_empty() {
        bail!("some runs failed:\n  {}", failures.join("\n  "));
    }
    Ok(())
}

/// results.json, results.md and chart.svg into `dir`; returns the table.
fn write_all(results: &Results, dir: &Path) -> anyhow::Result<String> {
    fs::write(dir.join("results.json"), results.to_json()?)?;
    let markdown = table::table(results, &LESSONS);
    fs::write(dir.join("results.md"), &markdown)?;
    fs::write(dir.join("chart.svg"), crate::chart::draw_svg(results)?)?;
    Ok(markdown)
}

fn on_path(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(tool).is_file())
}

/// How many connections the scale rows open, and why not more: our
/// server holds one descriptor per connection, its socket (the registry
/// that wakes handlers at shutdown shares it: `netkit::server`), so it
/// needs an open-file limit a little above the connections; a process
/// can raise its soft limit up to the hard limit only.
fn scale_connections(nofile: u64, quick: bool) -> usize {
    let fits = nofile.saturating_sub(SPARE_FILES) / 1000 * 1000;
    let mut count = fits.min(SCALE_CONNECTIONS);
    let mut why = String::new();
    if count < SCALE_CONNECTIONS {
        why = format!(
            ", not {}: our server needs one descriptor per connection, so \
             {} open files, and the hard limit here is {} (raise it with \
             ulimit -Hn as root, or in limits.conf)",
            thousands(SCALE_CONNECTIONS),
            thousands(SCALE_CONNECTIONS + SPARE_FILES),
            thousands(nofile)
        );
    }
    if quick {
        (count, why) = (count.min(2000), " (--quick)".into());
    }
    eprintln!(
        "bench: the scale rows run {} connections{why}",
        thousands(count)
    );
    count as usize
}

/// What the figures were measured on.
fn machine(nofile: u64) -> Machine {
    let read = |path| fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo.lines().find(|l| l.starts_with("model name"));
    let python = Command::new("python3").arg("--version").output();
    let python = python.map_or(String::new(), |out| {
        let version = String::from_utf8_lossy(&out.stdout);
        version.trim().trim_start_matches("Python ").into()
    });
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor"));
    Machine {
        cores: cores.count(),
        cpu: model
            .and_then(|l| l.split_once(':'))
            .map_or("", |m| m.1.trim())
            .into(),
        kernel: read("/proc/sys/kernel/osrelease").trim().into(),
        python,
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
    let contenders = &case.contenders;
    let mut runs = vec![Vec::new(); contenders.len()];
    let skips: Vec<_> =
        contenders.iter().map(|c| c.run.skipped(missing)).collect();
    let mut failures = Vec::new();
    for repeat in 1..=repeats {
        for (i, contender) in contenders.iter().enumerate() {
            if skips[i].is_some() {
                continue;
            }
            let what =
                format!("{}, {}, {}", case.lesson, case.label, contender.who);
            eprintln!("bench: {what} ({repeat}/{repeats})");
            case.warm.iter().for_each(|file| tools::warm(file));
            match run_once(setup, &contender.run) {
                Ok(report) => runs[i].push(report),
                Err(err) => {
                    eprintln!("bench: FAILED: {err:#}");
                    failures.push(format!("{what}: {err:#}"));
                }
            }
        }
    }
    let rows = case.metrics.iter().map(|metric| {
        let entries = contenders.iter().zip(&skips).zip(&runs);
        let entries = entries.map(|((c, skip), runs)| match skip {
            Some(why) => Entry::skipped(&c.who, c.kind, why),
            None => {
                let figures = runs.iter().filter_map(|r| metric.value(r));
                Entry::of_runs(&c.who, c.kind, figures.collect())
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

fn run_once(setup: &Setup, run: &Run) -> anyhow::Result<serde_json::Value> {
    match run {
        Run::Server { command, load } => {
            let server = start(command, Stdio::null())?;
            let addr = server.addr.to_string();
            let report = netbench(setup, load, &addr, Some(server.id()));
            server.stop(STOP_TIMEOUT);
            report
        }
        Run::Socat => tools::socat(setup),
        Run::Iperf3 => tools::iperf3(setup.big_size),
        Run::Nginx { client, tls } => tools::nginx(setup, client, *tls),
    }
}

/// The processes this run has started and not yet seen end. No
/// destructor runs after `process::exit`, so on SIGINT (Ctrl-C, which the
/// terminal sends them too, or `kill -INT` to the suite alone, which it
/// does not) the suite passes the signal on before it exits.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn running() -> MutexGuard<'static, Vec<u32>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Holds a process's id in [`RUNNING`] for as long as it lives.
struct Running(u32);

impl Running {
    fn new(pid: u32) -> Running {
        running().push(pid);
        Running(pid)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        running().retain(|&pid| pid != self.0);
    }
}

/// SIGINT: stop what we started, then exit as a process stopped by it.
fn interrupted() {
    for pid in running().clone() {
        netkit::testing::try_signal(pid, "-INT");
    }
    std::process::exit(130);
}

/// A server this run started, held in [`RUNNING`] until it is stopped.
struct Server {
    process: ServerProcess,
    _running: Running,
}

impl Server {
    fn stop(self, grace: Duration) {
        self.process.stop(grace);
    }
}

impl std::ops::Deref for Server {
    type Target = ServerProcess;

    fn deref(&self) -> &ServerProcess {
        &self.process
    }
}

/// Starts a server, its stderr (its log) to `log`, and waits for its
/// `listening on` line.
fn start(command: &[String], log: Stdio) -> anyhow::Result<Server> {
    let mut line = Command::new(&command[0]);
    line.args(&command[1..]).stdin(Stdio::null()).stderr(log);
    let process = ServerProcess::try_start(&mut line, STARTUP_TIMEOUT)
        .map_err(anyhow::Error::msg)?;
    let _running = Running::new(process.id());
    Ok(Server { process, _running })
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
    command.arg(&load[0]).args(["--connect", addr, "--json"]);
    command.args(&load[1..]);
    if let Some(pid) = pid {
        command.args(["--server-pid", &pid.to_string()]);
    }
    let (status, stdout, stderr) = tools::run_to_end(&mut command)?;
    if !status.success() {
        let last = stderr.trim().lines().last().unwrap_or("netbench failed");
        bail!("{last}");
    }
    serde_json::from_str(&stdout).context("netbench's --json report")
}
