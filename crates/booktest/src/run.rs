//! Running a page's sessions as a learner would, in bash from the
//! repository's root, and saying where what is printed differs from what
//! the page shows.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::transcript::{self, Block, Session};

/// How long one block may run before it is killed.
pub const BLOCK_LIMIT: Duration = Duration::from_secs(30);

/// How long a server has, once interrupted, to print its last lines and
/// exit: the contract's 2 s, and room for a loaded machine.
const STOP_LIMIT: Duration = Duration::from_secs(10);

/// Printed between two commands of a block, to tell their output apart.
const MARK: &str = "\u{1e}booktest-next\n";

/// Runs every block with a `cargo` that runs `cargo run -p CRATE -- ARGS`
/// as the already-built binary (so a page shows no "Compiling" lines and
/// a transcript takes milliseconds), and any other cargo command as itself.
/// Outside the repository it is plain cargo, which fails there as it
/// would for the learner.
const PRELUDE: &str = r#"
cargo() {
  case "$PWD/" in "$BOOKTEST_ROOT"/*) ;; *) command cargo "$@"; return ;; esac
  if [ "$1" != run ]; then command cargo "$@"; return; fi
  shift
  local package= binary=
  while [ $# -gt 0 ]; do
    case "$1" in
      -q|--quiet) shift ;;
      -p|--package) package=$2; shift 2 ;;
      --bin) binary=$2; shift 2 ;;
      --) shift; break ;;
      *) echo "booktest: cargo run $1: not supported in a transcript" >&2; return 2 ;;
    esac
  done
  "$BOOKTEST_BIN/${binary:-$package}" "$@"
}
exec 2>&1
"#;

/// Where the pages and the built binaries are.
pub struct Runner {
    /// The repository's root: the pages' commands run there.
    pub root: PathBuf,
    /// The directory with the workspace's built binaries.
    pub bins: PathBuf,
}

impl Runner {
    /// Builds every binary of the workspace, which the pages run.
    pub fn build(&self) -> Result<(), String> {
        let status = Command::new("cargo")
            .args(["build", "-q", "--workspace", "--bins"])
            .current_dir(&self.root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        match status.success() {
            true => Ok(()),
            false => Err("cargo build --workspace --bins failed".into()),
        }
    }

    /// Runs one page's transcripts; one string per problem, each naming
    /// the page's line.
    pub fn run_page(&self, page: &Path) -> Vec<String> {
        let name = page.strip_prefix(&self.root).unwrap_or(page).display();
        let text = match std::fs::read_to_string(page) {
            Ok(text) => text,
            Err(e) => return vec![format!("{name}: cannot read: {e}")],
        };
        let sessions = match transcript::parse(&text) {
            Ok(sessions) => sessions,
            Err(e) => return vec![format!("{name}: {e}")],
        };
        let before = self.git_status();
        let mut problems = Vec::new();
        for session in &sessions {
            for problem in self.run_session(page, session) {
                problems.push(format!("{name}:{problem}"));
            }
        }
        let after = self.git_status();
        if before != after {
            problems.push(format!(
                "{name}: its transcripts changed the repository (write under target/ only):\n{}",
                indent(&after.unwrap_or_default())
            ));
        }
        problems
    }

    fn git_status(&self) -> Option<String> {
        let output = Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=all"])
            .current_dir(&self.root)
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn run_session(&self, page: &Path, session: &Session) -> Vec<String> {
        let mut problems = Vec::new();
        let mut blocks = Vec::new();
        for block in &session.blocks {
            match &block.skip {
                Some(_) if may_skip(page) => {}
                Some(_) => problems.push(format!(
                    "{}: a lesson's transcript must run (only the benchmarks page may skip one)",
                    block.line
                )),
                None => blocks.push(block),
            }
        }
        // The servers first, each after its block's other commands.
        // Every other port the session names gets a free one: a page
        // shows the lesson's ports (two chat peers on 7890 and 7891, a
        // port nobody listens on), and a test must not depend on them.
        let mut ports = match free_ports(&blocks) {
            Ok(ports) => ports,
            Err(e) => return vec![format!("{}: {e}", session.heading)],
        };
        let mut servers = Vec::new();
        for block in blocks.iter().filter(|b| b.server().is_some()) {
            problems.extend(self.run_block(block, &ports));
            let Some(command) = block.server() else {
                continue;
            };
            match self.start_server(&command.text, &ports) {
                Ok((server, real)) => {
                    if let Some(shown) = transcript::shown_port(&command.text) {
                        ports.push((shown, real));
                    }
                    servers.push((command, server));
                }
                Err(e) => problems
                    .push(format!("{}: `{}`: {e}", command.line, command.text)),
            }
        }
        // Then every other terminal at once, as side by side.
        let others: Vec<_> =
            blocks.iter().filter(|b| b.server().is_none()).collect();
        let results: Vec<Vec<String>> = thread::scope(|scope| {
            let handles: Vec<_> = others
                .iter()
                .map(|block| scope.spawn(|| self.run_block(block, &ports)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec!["a block's thread panicked".into()]
                    })
                })
                .collect()
        });
        problems.extend(results.into_iter().flatten());
        // Then Ctrl-C to each server, the last started first.
        for (command, server) in servers.into_iter().rev() {
            let printed = server.interrupt();
            if let Some(problem) = self.compare(command, &printed) {
                problems.push(problem);
            }
        }
        problems
    }

    /// `None` if `printed` is what the page shows for `command`. Where
    /// the clone is differs from one machine to the next (a page shows it
    /// as `[..]`): it is taken out first, so that a clone under /tmp is
    /// not taken for a temporary path.
    fn compare(
        &self,
        command: &transcript::Command,
        printed: &[String],
    ) -> Option<String> {
        let root = self.root.display().to_string();
        let printed: Vec<String> =
            printed.iter().map(|l| l.replace(&root, "REPO")).collect();
        if transcript::matches(&command.expected, &printed) {
            return None;
        }
        Some(format!(
            "{}: `$ {}` printed something else.\n  the page shows:\n{}\n  it printed:\n{}",
            command.line,
            command.text,
            indent(&command.expected.join("\n")),
            indent(&printed.join("\n")),
        ))
    }

    fn bash(&self, script: &str) -> Command {
        let mut bash = Command::new("bash");
        bash.arg("-c")
            .arg(format!("{PRELUDE}{script}"))
            .current_dir(&self.root)
            .env("BOOKTEST_ROOT", &self.root)
            .env("BOOKTEST_BIN", &self.bins)
            .env("PYTHONUNBUFFERED", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, as a terminal gives each job: Ctrl-C
            // and a kill on timeout reach every process it started.
            .process_group(0);
        bash
    }

    /// Runs a block's commands (its server aside) to the end, in one bash,
    /// and compares each command's output with the page.
    fn run_block(&self, block: &Block, ports: &[(u16, u16)]) -> Vec<String> {
        let commands = block.scripted();
        if commands.is_empty() {
            return Vec::new();
        }
        let mut script = String::new();
        let mark = MARK.replace('\n', "\\n");
        for command in commands {
            // The mark's printf sets `$?`: keep the last command's status
            // across it, so that a page's `echo $?` shows that.
            script.push_str(&format!(
                "booktest_status=$?; printf '{mark}'; (exit $booktest_status)\n"
            ));
            script.push_str(&substitute(&command.text, ports));
            script.push('\n');
        }
        let (output, finished) = match self.bash(&script).spawn() {
            Ok(child) => run_to_end(child, BLOCK_LIMIT),
            Err(e) => {
                return vec![format!("{}: cannot run bash: {e}", block.line)];
            }
        };
        let mut problems = Vec::new();
        if !finished {
            problems.push(format!(
                "{}: still running after {} s; killed (a server needs `^C` in its output)",
                block.line,
                BLOCK_LIMIT.as_secs()
            ));
        }
        let mut outputs = output.split(MARK).skip(1);
        for command in commands {
            let printed = outputs.next().unwrap_or("");
            let printed: Vec<String> =
                printed.lines().map(String::from).collect();
            if let Some(problem) = self.compare(command, &printed) {
                problems.push(problem);
            }
        }
        problems
    }

    fn start_server(
        &self,
        text: &str,
        ports: &[(u16, u16)],
    ) -> Result<(Server, u16), String> {
        let command = transcript::on_free_port(&substitute(text, ports));
        let mut child = self
            .bash(&command)
            .spawn()
            .map_err(|e| format!("cannot run bash: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (lines_tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            lines,
            seen: Vec::new(),
        };
        let deadline = Instant::now() + BLOCK_LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match server.lines.recv_timeout(left) {
                Ok(line) => {
                    let port = transcript::listening_port(&line);
                    server.seen.push(line);
                    if let Some(port) = port {
                        return Ok((server, port));
                    }
                }
                Err(_) => {
                    let seen = server.interrupt();
                    return Err(format!(
                        "never printed `listening on`; it printed:\n{}",
                        indent(&seen.join("\n"))
                    ));
                }
            }
        }
    }
}

/// A long-running command, and what it has printed so far.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    /// Ctrl-C, as the terminal sends it to the job's process group; then
    /// everything it printed, to its end.
    fn interrupt(mut self) -> Vec<String> {
        signal_group(self.child.id(), "-INT");
        let deadline = Instant::now() + STOP_LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    signal_group(self.child.id(), "-KILL");
                    self.seen.push(format!(
                        "(booktest: still running {} s after Ctrl-C; killed)",
                        STOP_LIMIT.as_secs()
                    ));
                    break;
                }
            }
        }
        let _ = self.child.wait();
        self.seen
    }
}

/// A free port for each port the blocks' commands name, but for the ports
/// their servers bind (those get the port their server is given). A port
/// is free when both a TCP and a UDP socket could bind it just now.
fn free_ports(blocks: &[&Block]) -> std::io::Result<Vec<(u16, u16)>> {
    let servers: Vec<u16> = blocks
        .iter()
        .filter_map(|b| b.server())
        .filter_map(|c| transcript::shown_port(&c.text))
        .collect();
    let mut ports: Vec<(u16, u16)> = Vec::new();
    let mut held = Vec::new();
    for command in blocks.iter().flat_map(|b| &b.commands) {
        for shown in transcript::ports_in(&command.text) {
            if servers.contains(&shown)
                || ports.iter().any(|&(s, _)| s == shown)
            {
                continue;
            }
            // Held open until every port is chosen, so no two are the same.
            let (tcp, udp) = free_port()?;
            ports.push((shown, tcp.local_addr()?.port()));
            held.push((tcp, udp));
        }
    }
    Ok(ports)
}

fn free_port() -> std::io::Result<(std::net::TcpListener, std::net::UdpSocket)>
{
    for _ in 0..20 {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = tcp.local_addr()?.port();
        if let Ok(udp) = std::net::UdpSocket::bind(("127.0.0.1", port)) {
            return Ok((tcp, udp));
        }
    }
    Err(std::io::Error::other("no port free for both TCP and UDP"))
}

/// Sends `which` to every process in the group `leader` leads.
fn signal_group(leader: u32, which: &str) {
    let _ = Command::new("kill")
        .args([which, "--", &format!("-{leader}")])
        .stderr(Stdio::null())
        .status();
}

/// Reads a child's output to its end, killing its group if it outlives
/// `limit`. Returns the output and whether it finished by itself.
fn run_to_end(mut child: Child, limit: Duration) -> (String, bool) {
    let Some(mut stdout) = child.stdout.take() else {
        return (String::new(), false);
    };
    let (done_tx, done) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        let _ = done_tx.send(());
        bytes
    });
    let finished = done.recv_timeout(limit).is_ok();
    if !finished {
        signal_group(child.id(), "-KILL");
    }
    let _ = child.wait();
    let bytes = reader.join().unwrap_or_default();
    (String::from_utf8_lossy(&bytes).into_owned(), finished)
}

/// The command with each server's shown port replaced by its real one.
fn substitute(text: &str, ports: &[(u16, u16)]) -> String {
    ports.iter().fold(text.to_string(), |text, &(shown, real)| {
        transcript::with_port(&text, shown, real)
    })
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "    (nothing)".into();
    }
    text.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Only a page of measurements may show a block that is not run.
pub fn may_skip(page: &Path) -> bool {
    page.file_name().is_some_and(|n| n == "benchmarks.md")
}

/// The pages of the book, in `docs/src`, by name.
pub fn pages(root: &Path) -> Vec<PathBuf> {
    let mut pages = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(root.join("docs/src")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "md") {
                pages.insert(path.clone(), ());
            }
        }
    }
    pages.into_keys().collect()
}
