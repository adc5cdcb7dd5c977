//! The program under test, run from outside as a learner runs it: a child
//! process in a process group of its own, its stdout read line by line
//! (the `listening on` line, a client's replies), the end of its stderr
//! kept for the report, and the whole group killed when a stage is done.
//!
//! Why a group: a terminal's Ctrl-C sends SIGINT to every process of the
//! foreground group, so the checker's "Ctrl-C" does the same, and a
//! program that started helpers of its own (`cargo run`, a shell script)
//! is stopped with them. The group is also why the checker's own Ctrl-C
//! does not reach the program by itself: [`kill_all`] does it instead.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use rustix::process::{Pid, Signal, kill_process_group};

/// How many lines of a program's stderr, and of a client's stdout, the
/// checker keeps: enough for any report, bounded whatever it prints.
const KEPT_LINES: usize = 1000;

/// How often [`Running::wait`] looks whether the program has exited: std
/// cannot wait for a child with a timeout, so it asks.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// The process groups started and not yet killed, for [`kill_all`].
static GROUPS: Mutex<Vec<Pid>> = Mutex::new(Vec::new());

/// A command line to run: the program and its first arguments (`python3
/// server.py`, `target/debug/hello-echo server`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    argv: Vec<String>,
}

impl Program {
    /// The program `argv[0]` with the arguments that follow.
    pub fn new(argv: Vec<String>) -> Program {
        assert!(!argv.is_empty(), "a program needs at least its name");
        Program { argv }
    }

    /// Splits a command line as a shell would (`--cmd 'python3 my
    /// server.py'`), without running a shell.
    pub fn parse(command: &str) -> Option<Program> {
        let argv = shlex::split(command)?;
        (!argv.is_empty()).then_some(Program { argv })
    }

    /// The same program with more arguments after the ones it has.
    pub fn with_args<S: AsRef<str>>(&self, args: &[S]) -> Program {
        let mut argv = self.argv.clone();
        argv.extend(args.iter().map(|arg| arg.as_ref().to_owned()));
        Program { argv }
    }

    /// The command line as a user would type it, for the report, with
    /// paths inside the workspace shown from its root.
    pub fn shown(&self) -> String {
        let root = format!("{}/", crate::target::workspace_root().display());
        let argv: Vec<&str> = self
            .argv
            .iter()
            .map(|arg| arg.strip_prefix(&root).unwrap_or(arg))
            .collect();
        shlex::try_join(argv.iter().copied()).unwrap_or_else(|_| argv.join(" "))
    }

    /// Starts the program: stdin closed, stdout and stderr read on threads
    /// of their own, in a new process group.
    pub fn start(&self) -> io::Result<Running> {
        self.start_with(false)
    }

    /// [`start`](Self::start), with stdin a pipe the checker writes to
    /// ([`Running::type_in`]) when `typed`: for a program that reads what
    /// a user types (a chat client).
    pub fn start_with(&self, typed: bool) -> io::Result<Running> {
        let stdin = if typed { Stdio::piped() } else { Stdio::null() };
        let mut child = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, led by the child: the group's id is its pid.
            .process_group(0)
            // A panic's message, without a backtrace that would push it
            // out of the report's last lines.
            .env_remove("RUST_BACKTRACE")
            .spawn()?;
        let group = Pid::from_child(&child);
        lock(&GROUPS).push(group);
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let stderr_tail = Arc::new(Mutex::new((VecDeque::new(), 0)));
        let stderr_done = keep_tail(stderr, Arc::clone(&stderr_tail));
        Ok(Running {
            child,
            group,
            stdin,
            stdout: lines_of(stdout),
            stdout_seen: Vec::new(),
            stderr: stderr_tail,
            stderr_done,
            status: None,
        })
    }
}

/// A started [`Program`]. Dropping it kills its process group.
#[derive(Debug)]
pub struct Running {
    child: Child,
    group: Pid,
    /// Its stdin, when the checker types into it.
    stdin: Option<ChildStdin>,
    /// Its stdout, a line at a time.
    stdout: Receiver<String>,
    /// The stdout lines taken from the channel so far.
    stdout_seen: Vec<String>,
    /// The last [`KEPT_LINES`] lines of its stderr, and how many lines
    /// it has printed there in all.
    stderr: Arc<Mutex<(VecDeque<String>, u64)>>,
    /// Disconnects when all of its stderr has been read.
    stderr_done: Receiver<()>,
    /// How it ended, once seen.
    status: Option<ExitStatus>,
}

/// Why a server did not announce where it listens.
#[derive(Debug)]
pub enum NotListening {
    /// It exited first.
    Exited(ExitStatus),
    /// It printed something else as its first line on stdout.
    OtherLine(String),
    /// Nothing came within the wait.
    Silent(Duration),
}

impl Running {
    /// Waits up to `within` for the first line on stdout, which CONTRACT.md
    /// says is `listening on IP:PORT`, and returns the address.
    pub fn listening(
        &mut self,
        within: Duration,
    ) -> Result<SocketAddr, NotListening> {
        let line = match self.stdout.recv_timeout(within) {
            Ok(line) => line,
            // The pipe closed: the program exited, or closed its stdout.
            Err(RecvTimeoutError::Disconnected) => {
                return match self.wait(within) {
                    Some(status) => Err(NotListening::Exited(status)),
                    None => Err(NotListening::Silent(within)),
                };
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(match self.exited() {
                    Some(status) => NotListening::Exited(status),
                    None => NotListening::Silent(within),
                });
            }
        };
        self.stdout_seen.push(line.clone());
        line.strip_prefix("listening on ")
            .and_then(|addr| addr.trim_end().parse().ok())
            .ok_or(NotListening::OtherLine(line))
    }

    /// Writes `bytes` to the program's stdin, as a user typing them (a
    /// line ends with `\n`). Fails if it was started without a pipe
    /// there, or has closed it.
    pub fn type_in(&mut self, bytes: &[u8]) -> io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotConnected, "stdin is not a pipe")
        })?;
        stdin.write_all(bytes)?;
        stdin.flush()
    }

    /// Closes the program's stdin, as Ctrl-D at a terminal: its next
    /// read of stdin returns end of file.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The program's process id, which is also its process group's id:
    /// for a stage that watches it from outside (its memory, in
    /// `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGINT to the program's group, as Ctrl-C in its terminal.
    pub fn interrupt(&self) {
        // It fails only if the group is gone, which is what we wanted.
        let _ = kill_process_group(self.group, Signal::INT);
    }

    /// How it ended, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits up to `within` for the program to exit.
    pub fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(EXIT_POLL);
        }
    }

    /// The next line it prints on stdout, waiting up to `within`: for a
    /// program that goes on running while it is watched (a chat peer).
    pub fn next_stdout_line(&mut self, within: Duration) -> Option<String> {
        let line = self.stdout.recv_timeout(within).ok()?;
        self.stdout_seen.push(line.clone());
        Some(line)
    }

    /// Everything it printed on stdout: for a client that has exited.
    /// Lines still in the pipe are waited for up to `within`.
    pub fn stdout(&mut self, within: Duration) -> &[String] {
        let deadline = Instant::now() + within;
        while self.stdout_seen.len() < KEPT_LINES {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => self.stdout_seen.push(line),
                Err(_) => break,
            }
        }
        &self.stdout_seen
    }

    /// Its stdout lines so far, waiting up to `within` until there are
    /// at least `count`: for a client that is still running, to know it
    /// has printed a message before the next is sent.
    pub fn stdout_lines(
        &mut self,
        count: usize,
        within: Duration,
    ) -> &[String] {
        let deadline = Instant::now() + within;
        while self.stdout_seen.len() < count.min(KEPT_LINES) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => self.stdout_seen.push(line),
                Err(_) => break,
            }
        }
        &self.stdout_seen
    }

    /// Waits until the program has printed nothing on stderr for
    /// `quiet` (at most `within`), then kills its group and waits up to
    /// `within` for the last of its stderr: for a report, which must show
    /// all of it. A program's last words (a traceback, a panic) often
    /// come just after what made the stage fail: a thread dying of an
    /// exception closes its socket before Python prints the traceback.
    pub fn finish(&mut self, quiet: Duration, within: Duration) {
        let deadline = Instant::now() + within;
        let mut seen = lock(&self.stderr).1;
        let mut since = Instant::now();
        while Instant::now() < deadline && since.elapsed() < quiet {
            thread::sleep(EXIT_POLL);
            let now = lock(&self.stderr).1;
            if now != seen {
                (seen, since) = (now, Instant::now());
            }
        }
        let _ = kill_process_group(self.group, Signal::KILL);
        if let Ok(status) = self.child.wait() {
            self.status.get_or_insert(status);
        }
        let _ = self.stderr_done.recv_timeout(within);
    }

    /// All of its stderr that was kept, once the pipe is read to its end
    /// (waiting up to `within`): for a stage that checks what a program
    /// that has exited said there. The lines are read on a thread of their
    /// own, so right after the exit the last of them may still be in the
    /// pipe.
    pub fn stderr_to_end(&mut self, within: Duration) -> Vec<String> {
        // Disconnected once the reading thread has seen the end of file.
        let _ = self.stderr_done.recv_timeout(within);
        self.stderr()
    }

    /// The last `n` lines of its stderr.
    pub fn stderr_tail(&self, n: usize) -> Vec<String> {
        let kept = &lock(&self.stderr).0;
        kept.iter()
            .skip(kept.len().saturating_sub(n))
            .cloned()
            .collect()
    }

    /// All of its stderr that was kept.
    pub fn stderr(&self) -> Vec<String> {
        lock(&self.stderr).0.iter().cloned().collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // The whole group, so nothing it started outlives the stage.
        let _ = kill_process_group(self.group, Signal::KILL);
        let _ = self.child.wait();
        lock(&GROUPS).retain(|group| *group != self.group);
    }
}

/// Kills every program the checker started and has not stopped yet: for
/// the checker's own Ctrl-C, which does not reach their groups.
pub fn kill_all() {
    for group in lock(&GROUPS).drain(..) {
        let _ = kill_process_group(group, Signal::KILL);
    }
}

/// How a program ended, in words: `exit code 1`, or `killed by signal 9`.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        // What a Rust program that panics in `main` exits with.
        (Some(101), _) => "exit code 101: a panic".into(),
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(2)) => "killed by SIGINT (signal 2)".into(),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "an unknown status".into(),
    }
}

/// Reads a pipe line by line on a thread; the lines arrive on the
/// channel, which closes at the end of the pipe. Bytes that are not UTF-8
/// arrive as U+FFFD: what a program prints is shown, never parsed as
/// bytes.
fn lines_of(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (lines, receiver) = crossbeam_channel::unbounded();
    thread::spawn(move || {
        for_each_line(pipe, |line| lines.send(line).is_ok());
    });
    receiver
}

/// Keeps the last [`KEPT_LINES`] lines of a pipe, read on a thread. The
/// channel returned disconnects when the pipe has ended.
fn keep_tail(
    pipe: impl Read + Send + 'static,
    tail: Arc<Mutex<(VecDeque<String>, u64)>>,
) -> Receiver<()> {
    let (done, receiver) = crossbeam_channel::bounded::<()>(0);
    thread::spawn(move || {
        // Dropped when the thread ends: that is the signal.
        let _done = done;
        for_each_line(pipe, |line| {
            let (kept, total) = &mut *lock(&tail);
            if kept.len() == KEPT_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
            *total += 1;
            true
        });
    });
    receiver
}

/// Calls `each` with every line of `pipe` (without its line ending) until
/// the pipe ends or `each` returns false.
fn for_each_line(pipe: impl Read, mut each: impl FnMut(String) -> bool) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        if !each(text.trim_end_matches(['\n', '\r']).to_owned()) {
            return;
        }
    }
}

/// A lock that a panicking thread cannot poison for the others: the data
/// (a list of lines or groups) is valid whatever happened.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
