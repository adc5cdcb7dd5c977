//! Stages and the runner that takes a program through them.
//!
//! A stage checks one idea of the lesson, from outside: it starts the
//! program afresh (as a server the checker talks to, or as a client of a
//! server the checker plays), talks to it over loopback, and passes or
//! fails with a report. Starting afresh keeps stages apart: one that
//! crashes the program cannot fail the next.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use crate::program::{NotListening, Running, describe};
use crate::report::Failure;
use crate::target::Target;
use crate::udp::Datagrams;
use crate::wire::Peer;

/// How long a server may take from its start to its `listening on` line.
/// Generous: an interpreter may be slow to start on a loaded machine.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the checker, as a server, waits for a client to connect.
pub const CLIENT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to finish once its server is done.
pub const CLIENT_EXIT_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the checker looks for a connecting client.
const ACCEPT_POLL: Duration = Duration::from_millis(5);

/// How long a failure waits for the last of the program's stderr, and
/// how long a pause in it must be to count as the end.
const STDERR_DRAIN: Duration = Duration::from_secs(1);
const STDERR_QUIET: Duration = Duration::from_millis(150);

/// How many lines of the program's stderr a failure shows.
const STDERR_LINES: usize = 12;

/// Which end of the lesson a stage runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The program is the server; the checker connects to it.
    Server,
    /// The program is the client; the checker is its server.
    Client,
    /// The program is a peer that sends and receives (udp-chat's `chat`);
    /// the checker is the other peer.
    Peer,
}

/// One stage: one idea, checked from outside.
#[derive(Clone, Copy, Debug)]
pub struct Stage {
    /// Its stable name, used on the command line and in the book.
    pub slug: &'static str,
    /// What it checks, in one line.
    pub checks: &'static str,
    /// The socket fact behind it, shown when it fails.
    pub why: &'static str,
    /// Where the book explains it: a page and a section's anchor.
    pub book: &'static str,
    /// Where to look when stuck: the function of the lesson's own crate
    /// that does it, and what to notice there.
    pub hint: &'static str,
    /// Which end of the program it runs.
    pub end: End,
    /// Flags the program is started with (`--lines`).
    pub flags: &'static [&'static str],
    /// The check itself.
    pub run: fn(&mut Ctx) -> Result<(), Failure>,
}

/// What a stage works with: random data from the run's seed, and the
/// program it started.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// Random names, lengths and pauses; the same for the same seed.
    pub rng: fastrand::Rng,
    /// Start the program with its stdin a pipe the stage types into
    /// ([`Running::type_in`]) instead of closed: set it before starting
    /// a program that reads what its user types.
    pub typed: bool,
    target: &'a Target,
    flags: &'a [&'a str],
    /// The program this stage started, if it started one yet.
    program: Option<Running>,
    /// The checker's listening socket, when it plays the server.
    listener: Option<TcpListener>,
    /// Why the stage could not check its idea on this system, if it
    /// skipped itself ([`skip`](Ctx::skip)).
    skipped: Option<String>,
}

impl Ctx<'_> {
    /// Starts the program as a server on a free loopback port and returns
    /// the address from its `listening on` line.
    pub fn start_server(&mut self) -> Result<SocketAddr, Failure> {
        self.start_server_with(&[])
    }

    /// [`start_server`](Self::start_server) with the stage's own
    /// arguments before `--bind` (`--root DIR`).
    pub fn start_server_with(
        &mut self,
        args: &[String],
    ) -> Result<SocketAddr, Failure> {
        let command = self
            .target
            .server_command(self.flags, args)
            .ok_or_else(|| Failure::new("there is no server to check"))?;
        let mut running = command.start_with(self.typed).map_err(|err| {
            Failure::new(format!("cannot start `{}`: {err}", command.shown()))
        })?;
        let listening = running.listening(START_TIMEOUT);
        self.program = Some(running);
        let started = format!("`{}`", command.shown());
        match listening {
            Ok(addr) => Ok(addr),
            Err(NotListening::Exited(status)) => Err(Failure::new(format!(
                "{started} exited ({}) without printing `listening on \
                 ADDR`",
                describe(status)
            ))),
            Err(NotListening::OtherLine(line)) => Err(Failure::new(format!(
                "{started} printed something else as its first line"
            ))
            .expected("listening on 127.0.0.1:PORT", format!("{line:?}"))),
            Err(NotListening::Silent(wait)) => Err(Failure::new(format!(
                "{started} printed no `listening on ADDR` line within \
                 {wait:?}"
            ))
            .note(
                "A server prints that line on stdout once its socket \
                 listens, and flushes it: a script (and the checker) read \
                 it to learn the port.",
            )),
        }
    }

    /// Skips the stage, saying why in its place in the report: for a
    /// check that this system cannot make (a thread count, where there
    /// is no /proc). The stage returns what this returns.
    pub fn skip(&mut self, reason: impl Into<String>) -> Result<(), Failure> {
        self.skipped = Some(reason.into());
        Ok(())
    }

    /// The program this stage started.
    pub fn program(&mut self) -> Result<&mut Running, Failure> {
        self.program
            .as_mut()
            .ok_or_else(|| Failure::new("the stage started no program"))
    }

    /// Plays the server for the program as a client: listens on a free
    /// loopback port, starts the client with `args` after `--connect
    /// ADDR`, and returns the checker's end of the connection it opens.
    pub fn start_client(&mut self, args: &[String]) -> Result<Peer, Failure> {
        self.start_client_with(|addr| {
            let mut argv = vec!["--connect".to_owned(), addr.to_string()];
            argv.extend_from_slice(args);
            argv
        })
    }

    /// [`start_client`](Self::start_client) for a client whose command
    /// line is not `--connect ADDR ...`: `args` makes it from the
    /// checker's address (http-get's `http://ADDR/path`).
    pub fn start_client_with(
        &mut self,
        args: impl FnOnce(SocketAddr) -> Vec<String>,
    ) -> Result<Peer, Failure> {
        let listener = netkit::bind_tcp(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            netkit::bind::BACKLOG,
        )
        .map_err(|err| Failure::new(format!("cannot listen: {err}")))?;
        let addr = listener
            .local_addr()
            .map_err(|err| Failure::new(format!("cannot listen: {err}")))?;
        let command = self
            .target
            .client_command(self.flags, &args(addr))
            .ok_or_else(|| Failure::new("there is no client to check"))?;
        let running = command.start_with(self.typed).map_err(|err| {
            Failure::new(format!("cannot start `{}`: {err}", command.shown()))
        })?;
        self.program = Some(running);
        self.listener = Some(listener);
        self.accept_client()
    }

    /// The client's next connection to the checker's listening socket
    /// (after a redirect, a retry). Fails if the client exits first or
    /// does not connect within [`CLIENT_CONNECT_TIMEOUT`].
    pub fn accept_client(&mut self) -> Result<Peer, Failure> {
        let (Some(listener), Some(running)) =
            (&self.listener, &mut self.program)
        else {
            return Err(Failure::new("the stage started no client"));
        };
        match accept_within(listener, running)? {
            Some(stream) => Peer::over(stream, "the connection"),
            None => Err(Failure::new(format!(
                "the client did not connect within {CLIENT_CONNECT_TIMEOUT:?}"
            ))),
        }
    }

    /// Plays a UDP server for the program as a client: binds a socket on
    /// a free loopback port, starts the client with `args` after
    /// `--connect ADDR`, and returns the checker's socket. There is no
    /// connection to accept: the client's first datagram is its hello.
    pub fn start_udp_client(
        &mut self,
        args: &[String],
    ) -> Result<Datagrams, Failure> {
        let socket = Datagrams::bind("the checker, as the server")?;
        let mut argv =
            vec!["--connect".to_owned(), socket.local_addr()?.to_string()];
        argv.extend_from_slice(args);
        let command = self
            .target
            .client_command(self.flags, &argv)
            .ok_or_else(|| Failure::new("there is no client to check"))?;
        let running = command.start_with(self.typed).map_err(|err| {
            Failure::new(format!("cannot start `{}`: {err}", command.shown()))
        })?;
        self.program = Some(running);
        Ok(socket)
    }

    /// Starts the program as a peer (udp-chat's `chat`) with `args`
    /// after the stage's flags, its stdin a pipe the stage types into.
    pub fn start_peer(&mut self, args: &[String]) -> Result<(), Failure> {
        let command = self
            .target
            .peer_command(self.flags, args)
            .ok_or_else(|| Failure::new("there is no peer to check"))?;
        let running = command.start_with(true).map_err(|err| {
            Failure::new(format!("cannot start `{}`: {err}", command.shown()))
        })?;
        self.program = Some(running);
        Ok(())
    }

    /// Waits for a client started by [`start_client`](Self::start_client)
    /// to exit, and returns its exit code and its stdout lines.
    pub fn client_finished(
        &mut self,
    ) -> Result<(Option<i32>, Vec<String>), Failure> {
        let running = self.program()?;
        let Some(status) = running.wait(CLIENT_EXIT_TIMEOUT) else {
            return Err(Failure::new(format!(
                "the client was still running {CLIENT_EXIT_TIMEOUT:?} \
                 after its server was done"
            )));
        };
        let stdout = running.stdout(CLIENT_EXIT_TIMEOUT).to_vec();
        // And the end of its stderr, for a stage that reads it next.
        running.stderr_to_end(CLIENT_EXIT_TIMEOUT);
        if status.code().is_none() {
            return Err(Failure::new(format!(
                "the client ended with {}",
                describe(status)
            )));
        }
        Ok((status.code(), stdout))
    }
}

/// Accepts the client's connection, giving up when it exits first or
/// after [`CLIENT_CONNECT_TIMEOUT`].
fn accept_within(
    listener: &TcpListener,
    client: &mut Running,
) -> Result<Option<TcpStream>, Failure> {
    let failed = |err: io::Error| Failure::new(format!("accept: {err}"));
    // Non-blocking, so that the wait can also watch the client process.
    listener.set_nonblocking(true).map_err(failed)?;
    let deadline = Instant::now() + CLIENT_CONNECT_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                // Some systems hand on the listener's non-blocking mode.
                stream.set_nonblocking(false).map_err(failed)?;
                return Ok(Some(stream));
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(failed(err)),
        }
        if let Some(status) = client.exited() {
            return Err(Failure::new(format!(
                "the client exited ({}) without connecting",
                describe(status)
            )));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(ACCEPT_POLL);
    }
}

/// How a run goes: how far, whether it stops at the first failure.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// The seed every stage's random data comes from.
    pub seed: u64,
    /// Run stages 1 to this one (1-based), not all of them.
    pub up_to: Option<usize>,
    /// Go on after a failure, to see every stage's result.
    pub keep_going: bool,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Stages that passed.
    pub passed: Vec<&'static str>,
    /// Stages that failed, in order.
    pub failed: Vec<&'static str>,
    /// Stages not run because the target has no program for their end,
    /// or that skipped themselves on this system ([`Ctx::skip`]).
    pub skipped: Vec<&'static str>,
}

impl Outcome {
    /// Whether every stage that ran passed.
    pub fn success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Runs `stages` against `target`, printing one line per passed stage and
/// a report per failed one to `out`.
pub fn run_stages(
    stages: &[Stage],
    target: &Target,
    options: RunOptions,
    out: &mut impl Write,
) -> io::Result<Outcome> {
    let mut outcome = Outcome::default();
    let last = options.up_to.unwrap_or(stages.len()).min(stages.len());
    let width = stages.iter().map(|s| s.slug.len()).max().unwrap_or(0);
    let mut skip_start = None;
    for (index, stage) in stages.iter().enumerate().take(last) {
        let number = index + 1;
        let has_end = match stage.end {
            End::Server => target.server.is_some(),
            End::Client => target.client.is_some(),
            End::Peer => target.peer.is_some(),
        };
        if !has_end {
            outcome.skipped.push(stage.slug);
            let first = *skip_start.get_or_insert(number);
            // One line for a run of stages skipped for the same reason.
            let run_goes_on = number < last
                && stages.get(number).is_some_and(|next| next.end == stage.end);
            if !run_goes_on {
                let missing = match stage.end {
                    End::Server => "the server's stages: no server (--cmd)",
                    End::Client => {
                        "the client's stages: no client (--client-cmd)"
                    }
                    End::Peer => "the peer's stages: no peer (--peer-cmd)",
                };
                writeln!(out, "skip {first:>2}-{number} {missing}")?;
                skip_start = None;
            }
            continue;
        }
        let mut ctx = Ctx {
            // Each stage has its own stream of random data, so that
            // `--stage N` gives stage N the same data as a whole run.
            rng: fastrand::Rng::with_seed(
                options.seed.wrapping_mul(1000).wrapping_add(number as u64),
            ),
            target,
            flags: stage.flags,
            program: None,
            listener: None,
            typed: false,
            skipped: None,
        };
        let result = (stage.run)(&mut ctx);
        match result {
            Ok(()) if ctx.skipped.is_some() => {
                let reason = ctx.skipped.take().unwrap_or_default();
                writeln!(out, "skip {number:>2} {}: {reason}", stage.slug)?;
                outcome.skipped.push(stage.slug);
            }
            Ok(()) => {
                writeln!(
                    out,
                    "ok   {number:>2} {:width$}  {}",
                    stage.slug, stage.checks
                )?;
                outcome.passed.push(stage.slug);
            }
            Err(failure) => {
                writeln!(
                    out,
                    "FAIL {number:>2} {}: {}",
                    stage.slug, stage.checks
                )?;
                write!(out, "{}", failure.render("     "))?;
                if let Some(program) = &mut ctx.program {
                    program.finish(STDERR_QUIET, STDERR_DRAIN);
                    write_output(program, stage.end, out)?;
                }
                let why = textwrap::Options::new(crate::report::WIDTH)
                    .initial_indent("     why: ")
                    .subsequent_indent("          ");
                writeln!(out, "{}", textwrap::fill(stage.why, why))?;
                writeln!(out, "     book: docs/src/{}", stage.book)?;
                outcome.failed.push(stage.slug);
                if !options.keep_going {
                    break;
                }
            }
        }
        // Dropping the context kills the program's process group.
        drop(ctx);
    }
    Ok(outcome)
}

/// What the program printed, marked as the program's: a client's stdout
/// (its replies are what the stage checks), the end of its stderr, and
/// the text of a `todo!()` it reached, which says what to write next.
fn write_output(
    program: &mut Running,
    end: End,
    out: &mut impl Write,
) -> io::Result<()> {
    if end != End::Server {
        let stdout = program.stdout(Duration::ZERO);
        let shown = &stdout[stdout.len().saturating_sub(STDERR_LINES)..];
        writeln!(out, "     the client's stdout (last lines):")?;
        for line in shown {
            writeln!(out, "       | {line}")?;
        }
        if shown.is_empty() {
            writeln!(out, "       (nothing)")?;
        }
    }
    let tail = program.stderr_tail(STDERR_LINES);
    if tail.is_empty() {
        return Ok(());
    }
    writeln!(out, "     the program's stderr (last lines):")?;
    // Paths in the workspace (a traceback's) shown from its root.
    let root = format!("{}/", crate::target::workspace_root().display());
    for line in &tail {
        writeln!(out, "       | {}", line.replace(&root, ""))?;
    }
    let todo = program.stderr().iter().find_map(|line| {
        line.strip_prefix("not yet implemented: ")
            .map(str::to_owned)
    });
    if let Some(todo) = todo {
        let wrap = textwrap::Options::new(crate::report::WIDTH)
            .initial_indent("     it reached a todo!(): ")
            .subsequent_indent("       ");
        writeln!(out, "{}", textwrap::fill(&todo, wrap))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Program;

    fn skips(ctx: &mut Ctx) -> Result<(), Failure> {
        ctx.skip("no /proc here")
    }

    fn passes(_: &mut Ctx) -> Result<(), Failure> {
        Ok(())
    }

    /// A stage that skips itself says why in its place, counts as
    /// skipped, and fails nothing: the run goes on and succeeds.
    #[test]
    fn a_stage_that_skips_itself_is_reported_skipped_with_its_reason() {
        let stage = |slug, run| Stage {
            slug,
            checks: "checks",
            why: "why",
            book: "page.md#section",
            hint: "hint",
            end: End::Server,
            flags: &[],
            run,
        };
        let stages = [stage("counted", skips), stage("after", passes)];
        let target = Target::commands(Program::parse("true"), None, None);
        let options = RunOptions {
            seed: 1,
            up_to: None,
            keep_going: false,
        };
        let mut out = Vec::new();
        let outcome = run_stages(&stages, &target, options, &mut out)
            .expect("written to memory");
        let out = String::from_utf8(out).expect("UTF-8");
        assert!(out.starts_with("skip  1 counted: no /proc here\n"), "{out}");
        assert_eq!(outcome.skipped, ["counted"]);
        assert_eq!(outcome.passed, ["after"]);
        assert!(outcome.success());
    }
}
