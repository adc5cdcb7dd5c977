//! Test helpers for every lesson: a server (TCP or UDP) in-process on
//! `127.0.0.1:0`, a built binary started as a child process, and socket
//! reads that fail a test after [`TEST_TIMEOUT`] instead of hanging it.
//!
//! Behind the `testing` feature; lessons enable it in `[dev-dependencies]`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::bind::{BACKLOG, bind_tcp, bind_udp};
use crate::shutdown::Shutdown;

/// The longest any test waits for a socket or a process. Generous, so a
/// slow machine passes; finite, so a bug fails instead of hanging.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(5);

/// 127.0.0.1, port 0: the kernel picks a free port.
pub fn any_loopback_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A lesson's server running on a thread of the test process.
///
/// The listener is bound before the thread starts, so a client can connect
/// as soon as `start` returns: no sleeping, no retrying.
#[derive(Debug)]
pub struct TestServer<R> {
    addr: SocketAddr,
    shutdown: Shutdown,
    result: Receiver<R>,
}

impl<R: Send + 'static> TestServer<R> {
    /// Binds 127.0.0.1:0 and runs `serve(listener, shutdown)` on a thread.
    pub fn start(
        serve: impl FnOnce(TcpListener, Shutdown) -> R + Send + 'static,
    ) -> TestServer<R> {
        let listener =
            bind_tcp(any_loopback_port(), BACKLOG).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        TestServer::run(listener, addr, serve)
    }

    /// Binds a UDP socket on 127.0.0.1:0 and runs `serve(socket, shutdown)`
    /// on a thread: the datagram lessons' `start`.
    pub fn start_udp(
        serve: impl FnOnce(UdpSocket, Shutdown) -> R + Send + 'static,
    ) -> TestServer<R> {
        let socket =
            bind_udp(any_loopback_port()).expect("bind UDP 127.0.0.1:0");
        let addr = socket.local_addr().expect("local address");
        TestServer::run(socket, addr, serve)
    }

    /// Runs `serve` on an already-bound socket, on a thread of its own.
    fn run<S: Send + 'static>(
        socket: S,
        addr: SocketAddr,
        serve: impl FnOnce(S, Shutdown) -> R + Send + 'static,
    ) -> TestServer<R> {
        let shutdown = Shutdown::new();
        let (tx, result) = crossbeam_channel::bounded(1);
        let handle = shutdown.clone();
        thread::spawn(move || {
            let _ = tx.send(serve(socket, handle));
        });
        TestServer {
            addr,
            shutdown,
            result,
        }
    }

    /// A UDP socket connected to the server (so it receives only the
    /// server's datagrams), with a read timeout of [`TEST_TIMEOUT`].
    pub fn udp_client(&self) -> UdpSocket {
        let socket = UdpSocket::bind(any_loopback_port()).expect("bind client");
        socket
            .set_read_timeout(Some(TEST_TIMEOUT))
            .expect("read timeout");
        socket.connect(self.addr).expect("connect UDP");
        socket
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A client connection with read and write timeouts set.
    pub fn connect(&self) -> TcpStream {
        connect(self.addr)
    }

    /// Triggers the shutdown and returns what the server returned. Fails the
    /// test if the server does not stop within [`TEST_TIMEOUT`].
    pub fn stop(self) -> R {
        self.shutdown.trigger();
        self.result
            .recv_timeout(TEST_TIMEOUT)
            .expect("server did not stop within TEST_TIMEOUT")
    }
}

impl<R> Drop for TestServer<R> {
    fn drop(&mut self) {
        // A test that panicked halfway still stops its server.
        self.shutdown.trigger();
    }
}

/// Connects to `addr` with read and write timeouts of [`TEST_TIMEOUT`].
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TEST_TIMEOUT)
        .unwrap_or_else(|err| panic!("connect to {addr}: {err}"));
    stream
        .set_read_timeout(Some(TEST_TIMEOUT))
        .expect("read timeout");
    stream
        .set_write_timeout(Some(TEST_TIMEOUT))
        .expect("write timeout");
    stream
}

/// A command that runs `program` with `args` under an open-file limit
/// (`ulimit -n`) of `limit`, soft and hard, or soft only: through `sh`,
/// whose `ulimit` calls `setrlimit` before it `exec`s the program (a
/// `pre_exec` hook would do the same, with `unsafe`).
pub fn with_open_file_limit(
    limit: u64,
    soft_only: bool,
    program: &str,
    args: &[&str],
) -> Command {
    let which = if soft_only { "-S -n" } else { "-n" };
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit {which} {limit} && exec \"$@\""))
        .arg("sh")
        .arg(program)
        .args(args);
    command
}

/// What one of [`hold_many`]'s clients got first.
#[derive(Debug)]
pub struct FirstAnswer {
    /// The client, still connected.
    pub stream: TcpStream,
    /// Its first bytes, up to the length asked for: fewer if the server
    /// closed first, and an error if nothing came within the wait.
    pub answer: std::io::Result<Vec<u8>>,
}

/// Opens `count` connections to `addr` one after another, sends each
/// `hello(i)`, and reads its first `len` bytes with a read timeout of
/// `within`: how long a client may wait for a welcome or a refusal. Keeps
/// every connection open, so that they are all held at once.
pub fn hold_many(
    addr: SocketAddr,
    count: usize,
    hello: impl Fn(usize) -> Vec<u8>,
    len: usize,
    within: Duration,
) -> Vec<FirstAnswer> {
    (0..count)
        .map(|i| {
            let mut stream = connect(addr);
            stream.set_read_timeout(Some(within)).expect("read timeout");
            let answer = stream
                .write_all(&hello(i))
                .and_then(|()| read_up_to(&mut stream, len));
            FirstAnswer { stream, answer }
        })
        .collect()
}

/// Checks [`hold_many`]'s answers: the first `cap` clients' answers start
/// with `welcome`, every later one's with `refusal`, and none waited in
/// silence or was closed without a word. A failure lists what the
/// clients got, in runs.
pub fn assert_served_then_refused(
    answers: &[FirstAnswer],
    cap: usize,
    welcome: &[u8],
    refusal: &[u8],
) {
    let got: Vec<String> = answers
        .iter()
        .map(|client| match &client.answer {
            Ok(bytes) if bytes.starts_with(welcome) => "welcome".into(),
            Ok(bytes) if bytes.starts_with(refusal) => "refusal".into(),
            Ok(bytes) => format!("{:?}", String::from_utf8_lossy(bytes)),
            Err(err) => format!("no answer ({})", err.kind()),
        })
        .collect();
    let wanted =
        (0..answers.len()).map(|i| if i < cap { "welcome" } else { "refusal" });
    if !got.iter().map(String::as_str).eq(wanted) {
        let mut runs: Vec<(&str, usize, usize)> = Vec::new();
        for (i, what) in got.iter().enumerate() {
            match runs.last_mut() {
                Some((last, _, end)) if *last == what => *end = i,
                _ => runs.push((what, i, i)),
            }
        }
        let runs: Vec<String> = runs
            .iter()
            .map(|(what, from, to)| format!("clients {from}..={to}: {what}"))
            .collect();
        panic!(
            "wanted {cap} welcomed, then refusals; got:\n{}",
            runs.join("\n")
        );
    }
}

/// After a crowd of clients has left, a new one sending `hello` is
/// served: its answer starts with `welcome`. A server frees a place when a
/// handler notices its client's close, a moment after the close itself,
/// so an answer starting with `refusal` in that moment means try again,
/// until [`TEST_TIMEOUT`]; anything else fails the test.
pub fn assert_served_again(
    addr: SocketAddr,
    hello: &[u8],
    welcome: &[u8],
    refusal: &[u8],
) {
    let deadline = Instant::now() + TEST_TIMEOUT;
    let len = welcome.len().max(refusal.len());
    loop {
        let mut stream = connect(addr);
        let answer = stream
            .write_all(hello)
            .and_then(|()| read_up_to(&mut stream, len))
            .unwrap_or_else(|err| panic!("after the crowd left: {err}"));
        if answer.starts_with(welcome) {
            return;
        }
        assert!(
            answer.starts_with(refusal) && Instant::now() < deadline,
            "after the crowd left, got {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
}

/// The cap in a server's note that it lowered its cap to fit the
/// open-file limit (`note: the cap of 512 connections is lowered to N:
/// ...`); fails the test if `note` is not that line.
pub fn lowered_cap(note: &str) -> usize {
    note.strip_prefix("note: the cap of ")
        .and_then(|rest| rest.split_once(" connections is lowered to "))
        .and_then(|(_, rest)| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a note on a lowered cap: {note:?}"))
}

/// Reads until `len` bytes have come, or the peer closed.
fn read_up_to(stream: &mut impl Read, len: usize) -> std::io::Result<Vec<u8>> {
    let mut got = Vec::new();
    stream.take(len as u64).read_to_end(&mut got)?;
    Ok(got)
}

/// Reads exactly `n` bytes, or fails the test.
pub fn read_exactly(stream: &mut impl Read, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    stream
        .read_exact(&mut buf)
        .unwrap_or_else(|err| panic!("reading {n} bytes: {err}"));
    buf
}

/// Reads until the peer closes, or fails the test. A reset counts as an
/// error here: a server that closes properly sends FIN, not RST.
pub fn read_to_close(stream: &mut impl Read) -> Vec<u8> {
    let mut buf = Vec::new();
    stream
        .read_to_end(&mut buf)
        .unwrap_or_else(|err| panic!("reading to end of stream: {err}"));
    buf
}

/// A built program (a lesson's binary, or `python3 client.py`) running as
/// a child process, read line by line on stdout and on stderr where they
/// are piped (`start_interactive` pipes all three): for clients a test
/// types into and watches.
#[derive(Debug)]
pub struct Process {
    child: Child,
    /// Its stdout, line by line as printed; the channel closes when the
    /// process closes its stdout.
    stdout_lines: Receiver<String>,
    /// Its stderr, the same way.
    stderr_lines: Receiver<String>,
}

/// How a [`Process`] (or a [`ServerProcess`]) ended.
#[derive(Debug)]
pub struct Exited {
    /// Its exit status.
    pub status: ExitStatus,
    /// What it printed on stdout and was not already taken with
    /// [`Process::next_line`] (for a server: after the `listening on`
    /// line).
    pub stdout_rest: String,
    /// What it printed on stderr and was not already taken with
    /// [`Process::next_error_line`].
    pub stderr: String,
}

impl Process {
    /// Starts `command` with stdin, stdout and stderr piped.
    pub fn start_interactive(command: &mut Command) -> Process {
        Process::spawn(command.stdin(Stdio::piped()))
    }

    fn spawn(command: &mut Command) -> Process {
        let command = command.stdout(Stdio::piped()).stderr(Stdio::piped());
        Process::try_start(command)
            .unwrap_or_else(|err| panic!("start {command:?}: {err}"))
    }

    /// Starts `command` with the standard streams it was given: the
    /// fallible start, for a caller that reports errors instead of
    /// failing a test (`netbench suite`). A stream left unpiped has no
    /// lines to read.
    pub fn try_start(command: &mut Command) -> std::io::Result<Process> {
        let mut child = command.spawn()?;
        Ok(Process {
            stdout_lines: lines_of(child.stdout.take()),
            stderr_lines: lines_of(child.stderr.take()),
            child,
        })
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited (and not been waited for yet).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// The next line the process prints on stdout; fails the test if none
    /// comes within [`TEST_TIMEOUT`].
    pub fn next_line(&self) -> String {
        self.stdout_lines
            .recv_timeout(TEST_TIMEOUT)
            .expect("a line on stdout in time")
    }

    /// The next line it prints on stderr; fails the test if none comes
    /// within [`TEST_TIMEOUT`].
    pub fn next_error_line(&self) -> String {
        self.stderr_lines
            .recv_timeout(TEST_TIMEOUT)
            .expect("a line on stderr in time")
    }

    /// Types `line` and Enter into a process started interactively.
    pub fn type_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("started interactive");
        writeln!(stdin, "{line}").expect("write to stdin");
        stdin.flush().expect("flush stdin");
    }

    /// Closes its stdin: the end of input, as Ctrl-D in a terminal.
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) {
        signal(self.child.id(), "-INT");
    }

    /// Sends SIGTERM, as `kill` and service managers do.
    pub fn terminate(&self) {
        signal(self.child.id(), "-TERM");
    }

    /// Kills it with SIGKILL, as a crash or `kill -9` would: no handler
    /// runs, and the kernel closes its sockets for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits up to `timeout` for the process to exit, then returns how it
    /// ended; kills it and fails the test if it does not exit in time.
    pub fn wait(self, timeout: Duration) -> Exited {
        self.exit_within(timeout).unwrap_or_else(|| {
            panic!("process did not exit within {timeout:?}")
        })
    }

    /// Sends SIGINT, as Ctrl-C does, and waits up to `grace` for the
    /// process to exit; kills it if it has not (then `None`).
    pub fn stop(self, grace: Duration) -> Option<Exited> {
        // An error means it is gone already: nothing to stop.
        let _ = try_signal(self.id(), "-INT");
        self.exit_within(grace)
    }

    /// [`wait`](Self::wait) without failing: `None`, the process killed,
    /// if it did not exit within `timeout`.
    pub fn exit_within(mut self, timeout: Duration) -> Option<Exited> {
        let Some(status) = wait_with_deadline(&mut self.child, timeout) else {
            let _ = self.child.kill();
            return None;
        };
        // The process has exited, so each channel closes once its reader
        // thread has passed on the last line.
        let rest = |lines: &Receiver<String>| {
            lines.iter().map(|line| line + "\n").collect::<String>()
        };
        Some(Exited {
            status,
            stdout_rest: rest(&self.stdout_lines),
            stderr: rest(&self.stderr_lines),
        })
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Only our own child, by its handle; harmless if it already exited.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a pipe line by line on a thread; the lines arrive on the channel,
/// which closes at the end of the pipe (at once for no pipe).
fn lines_of(pipe: Option<impl Read + Send + 'static>) -> Receiver<String> {
    let (tx, lines) = crossbeam_channel::unbounded();
    let Some(pipe) = pipe else {
        return lines;
    };
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    lines
}

/// A server (a lesson's binary, or `python3 server.py`) running as a
/// child process, whose first stdout line was `listening on ADDR`. Every
/// [`Process`] method works on it too.
#[derive(Debug)]
pub struct ServerProcess {
    process: Process,
    /// The address from the `listening on` line.
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `command` with stdin closed, stdout and stderr piped, and
    /// waits (at most [`TEST_TIMEOUT`]) for its `listening on` line.
    pub fn start(command: &mut Command) -> ServerProcess {
        let command = command.stdin(Stdio::null()).stderr(Stdio::piped());
        ServerProcess::try_start(command, TEST_TIMEOUT)
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// [`start`](Self::start) without failing, for a caller that reports
    /// errors (`netbench suite`): waits up to `within` for the line, and
    /// leaves stdin and stderr as `command` has them (so a server's log
    /// can go to a file, or nowhere).
    pub fn try_start(
        command: &mut Command,
        within: Duration,
    ) -> Result<ServerProcess, String> {
        let process = Process::try_start(command.stdout(Stdio::piped()))
            .map_err(|err| format!("start {command:?}: {err}"))?;
        ServerProcess::listening(process, within)
    }

    /// Like [`start`](Self::start), with stdin piped: for programs a user
    /// types into. Write to it with [`Process::type_line`].
    pub fn start_interactive(command: &mut Command) -> ServerProcess {
        ServerProcess::listening(
            Process::start_interactive(command),
            TEST_TIMEOUT,
        )
        .unwrap_or_else(|err| panic!("{err}"))
    }

    fn listening(
        process: Process,
        within: Duration,
    ) -> Result<ServerProcess, String> {
        let first = process
            .stdout_lines
            .recv_timeout(within)
            .unwrap_or_default();
        let addr = first
            .strip_prefix("listening on ")
            .and_then(|addr| addr.trim().parse().ok());
        let Some(addr) = addr else {
            let mut process = process;
            process.kill();
            let stderr = process.exit_within(TEST_TIMEOUT).map(|e| e.stderr);
            return Err(format!(
                "printed {first:?} instead of `listening on ADDR` within \
                 {within:?}; stderr: {}",
                stderr.unwrap_or_default()
            ));
        };
        Ok(ServerProcess { process, addr })
    }

    /// Waits up to `timeout` for the server to exit: [`Process::wait`].
    pub fn wait(self, timeout: Duration) -> Exited {
        self.process.wait(timeout)
    }

    /// Stops the server as Ctrl-C would: [`Process::stop`].
    pub fn stop(self, grace: Duration) -> Option<Exited> {
        self.process.stop(grace)
    }
}

impl std::ops::Deref for ServerProcess {
    type Target = Process;

    fn deref(&self) -> &Process {
        &self.process
    }
}

impl std::ops::DerefMut for ServerProcess {
    fn deref_mut(&mut self) -> &mut Process {
        &mut self.process
    }
}

/// Runs a client-like command to completion with stdin closed, failing the
/// test if it takes longer than [`TEST_TIMEOUT`]. Returns status, stdout,
/// stderr.
pub fn run_to_end(command: &mut Command) -> (ExitStatus, String, String) {
    finish(spawn_piped(command))
}

/// Starts a command with stdin closed and stdout and stderr piped, for
/// a test that must do something while it runs; [`finish`] collects it.
pub fn spawn_piped(command: &mut Command) -> Child {
    try_spawn_piped(command)
        .unwrap_or_else(|err| panic!("start {command:?}: {err}"))
}

/// [`spawn_piped`] without failing.
pub fn try_spawn_piped(command: &mut Command) -> std::io::Result<Child> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

/// Waits up to [`TEST_TIMEOUT`] for a child from [`spawn_piped`] to exit
/// and returns its status, stdout and stderr; kills it and fails the test
/// if it does not exit in time.
pub fn finish(child: Child) -> (ExitStatus, String, String) {
    finish_within(child, TEST_TIMEOUT)
}

/// [`finish`] for a child that takes longer by design (the checker, which
/// runs a whole program through its stages): it must exit within
/// `timeout`.
pub fn finish_within(
    child: Child,
    timeout: Duration,
) -> (ExitStatus, String, String) {
    let id = child.id();
    try_finish_within(child, timeout).unwrap_or_else(|| {
        panic!("child {id} did not finish within {timeout:?}")
    })
}

/// [`finish_within`] without failing: `None`, the child killed, if it
/// did not finish in time. For a child from [`try_spawn_piped`]: it
/// panics if the child's stdout or stderr is not piped.
pub fn try_finish_within(
    mut child: Child,
    timeout: Duration,
) -> Option<(ExitStatus, String, String)> {
    let stdout = collect(child.stdout.take().expect("piped stdout"));
    let stderr = collect(child.stderr.take().expect("piped stderr"));
    let Some(status) = wait_with_deadline(&mut child, timeout) else {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    };
    Some((
        status,
        stdout.recv_timeout(TEST_TIMEOUT).unwrap_or_default(),
        stderr.recv_timeout(TEST_TIMEOUT).unwrap_or_default(),
    ))
}

/// Reads a pipe to its end on a thread; the text arrives on the channel.
fn collect(mut pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

/// Polls for the child's exit. Polling a process is the portable way:
/// std cannot wait on a child with a timeout.
fn wait_with_deadline(
    child: &mut Child,
    timeout: Duration,
) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(10));
            }
            Ok(None) | Err(_) => return None,
        }
    }
}

/// Sends a signal (`-INT`, `-STOP`, `-CONT`...) to the process `pid`,
/// which must be one the test started.
pub fn signal(pid: u32, which: &str) {
    assert!(try_signal(pid, which), "kill {which} {pid} failed");
}

/// [`signal`] without failing: whether `kill` succeeded.
pub fn try_signal(pid: u32, which: &str) -> bool {
    Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .is_ok_and(|status| status.success())
}

/// Which implementation of a lesson's program to run: our Python port of
/// the original, or the Rust program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// `python3 crates/<lesson>/python/<role>.py`
    Python,
    /// The lesson's binary, with `<role>` as its subcommand.
    Rust,
}

impl Lang {
    /// Both, Python first: the order of the four pairings.
    pub const BOTH: [Lang; 2] = [Lang::Python, Lang::Rust];

    /// The command for one end of a lesson. `crate_dir` is the lesson's
    /// `CARGO_MANIFEST_DIR`, `binary` its `CARGO_BIN_EXE_<name>`, `role`
    /// `server` or `client`.
    pub fn command(self, crate_dir: &str, binary: &str, role: &str) -> Command {
        match self {
            Lang::Python => {
                let mut command = Command::new("python3");
                command.arg(format!("{crate_dir}/python/{role}.py"));
                command
            }
            Lang::Rust => {
                let mut command = Command::new(binary);
                command.arg(role);
                command
            }
        }
    }
}
