//! `chat-room demo`: a server on a free loopback port and three scripted
//! clients in one process: logins, a name refused because it is taken, a
//! broadcast, a private message, `/who`, a leave, and the shutdown. All
//! of them frame with lines (`--lines`), so that the server's notices,
//! which the original's clients never get, are seen too.
//!
//! The script is the same against lesson 7's one-thread room
//! ([`run_with`]).
//!
//! The server's threads log at their own pace. So that the demo prints
//! the same lines in the same order on every run, its log goes into a
//! channel, and the script prints it at the points where it waits for
//! the server, as it does for what each client sees. The accept loop's
//! routine lines (`ADDR: connected`, `ADDR: closed`) are left out: the
//! broker's say the same with names.

use std::net::{SocketAddr, TcpListener};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, anyhow};
use crossbeam_channel::{Receiver, Sender};
use netkit::demo::LineSender;
use netkit::{Log, ServerConfig, Shutdown};

use crate::client::{ANSWER_WAIT, chat, login};
use crate::protocol::Framing;
use crate::{ServerOptions, serve};

/// Everyone's framing in the demo.
const FRAMING: Framing = Framing::Lines;

/// How long a scripted client waits for a line it expects.
const EXPECT_WAIT: Duration = Duration::from_secs(5);

/// A scripted user: what it types goes in, what it sees comes out.
struct Person {
    name: &'static str,
    typing: Sender<String>,
    seen: Receiver<String>,
    session: JoinHandle<anyhow::Result<()>>,
}

impl Person {
    fn join(
        addr: SocketAddr,
        name: &'static str,
        server_log: &ServerLog,
    ) -> anyhow::Result<Person> {
        let stream = netkit::connect(&addr.to_string())?;
        let early = login(&stream, name, FRAMING, ANSWER_WAIT)?;
        server_log.shows("joined")?;
        println!("{name}: logged in");
        let (typing, input) = crossbeam_channel::unbounded();
        let (lines, seen) = crossbeam_channel::unbounded();
        let session = thread::spawn(move || {
            let output = LineSender::new(lines);
            chat(
                &stream,
                FRAMING,
                early,
                &input,
                output,
                false,
                &Shutdown::new(),
            )
        });
        Ok(Person {
            name,
            typing,
            seen,
            session,
        })
    }

    fn says(&self, text: &str) -> anyhow::Result<()> {
        println!("{}> {text}", self.name);
        self.typing
            .send(text.to_owned())
            .map_err(|_| anyhow!("{} has left", self.name))
    }

    /// Prints what this user sees until a line containing `text`.
    fn sees(&self, text: &str) -> anyhow::Result<()> {
        loop {
            let line = self
                .seen
                .recv_timeout(EXPECT_WAIT)
                .with_context(|| format!("{} never saw {text:?}", self.name))?;
            println!("{} sees: {line}", self.name);
            if line.contains(text) {
                return Ok(());
            }
        }
    }

    fn leaves(self) -> anyhow::Result<()> {
        drop(self.typing); // end of input: the client sends quit
        self.session
            .join()
            .map_err(|_| anyhow!("{}'s session panicked", self.name))?
    }
}

/// The server's log, printed when the script says so.
struct ServerLog {
    lines: Receiver<String>,
}

impl ServerLog {
    /// Prints the server's log up to a line containing `text`.
    fn shows(&self, text: &str) -> anyhow::Result<()> {
        loop {
            let line = self
                .lines
                .recv_timeout(EXPECT_WAIT)
                .with_context(|| format!("the server never logged {text:?}"))?;
            println!("server: {line}");
            if line.contains(text) {
                return Ok(());
            }
        }
    }

    /// Prints what is left of the log, once the server has stopped.
    fn rest(&self) {
        for line in self.lines.try_iter() {
            println!("server: {line}");
        }
    }
}

/// Runs the demo; returns when the server has stopped.
pub fn demo() -> anyhow::Result<()> {
    run_with(|listener, shutdown, log| {
        let options = ServerOptions {
            net: ServerConfig {
                log,
                ..Default::default()
            },
            framing: FRAMING,
        };
        let report = serve(listener, &shutdown, &options)?;
        let broker = report.broker;
        Ok(format!(
            "stopped; {} logins, {} refused, {} messages",
            broker.joined, broker.name_taken, broker.messages
        ))
    })
}

/// The demo's script, against the chat server that `serve` runs (in a
/// thread of its own): on `listener`, with `--lines`, logging to the
/// `Log` it is given, until the `Shutdown` triggers; it returns the line
/// the demo ends with. Lesson 7 runs the same script against its
/// one-thread room.
pub fn run_with<F>(serve: F) -> anyhow::Result<()>
where
    F: FnOnce(TcpListener, Shutdown, Log) -> anyhow::Result<String>
        + Send
        + 'static,
{
    let listener = netkit::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server: listening on {addr}");
    let shutdown = Shutdown::new();
    let (log_lines, lines) = crossbeam_channel::unbounded();
    let server_log = ServerLog { lines };
    let log = Log::to(move |line| {
        if line.ends_with(": connected") || line.ends_with(": closed") {
            return;
        }
        // The demo stopped listening: nothing to print the line.
        let _ = log_lines.send(line.to_owned());
    });
    let server = {
        let shutdown = shutdown.clone();
        thread::spawn(move || serve(listener, shutdown, log))
    };

    let alice = Person::join(addr, "alice", &server_log)?;
    let bob = Person::join(addr, "bob", &server_log)?;
    alice.sees("* bob joined")?;
    let stream = netkit::connect(&addr.to_string())?;
    let refused = login(&stream, "alice", FRAMING, ANSWER_WAIT);
    server_log.shows("refused")?;
    match refused {
        Ok(_) => println!("another alice: logged in (this should not happen)"),
        Err(err) => println!("another alice: error: {err:#}"),
    }
    drop(stream);
    let carol = Person::join(addr, "carol", &server_log)?;
    alice.sees("* carol joined")?;
    bob.sees("* carol joined")?;

    alice.says("hello, room")?;
    bob.sees("alice: hello, room")?;
    carol.sees("alice: hello, room")?;
    bob.says("/msg alice lunch?")?;
    alice.sees("bob (to you): lunch?")?;
    carol.says("/who")?;
    carol.sees("* online")?;
    carol.leaves()?;
    server_log.shows("carol left")?;
    alice.sees("* carol left")?;
    bob.sees("* carol left")?;

    shutdown.trigger();
    alice.sees("* the server is shutting down")?;
    bob.sees("* the server is shutting down")?;
    let last = server
        .join()
        .map_err(|_| anyhow!("the server thread panicked"))?
        .context("server")?;
    alice.leaves()?;
    bob.leaves()?;
    server_log.rest();
    println!("server: {last}");
    Ok(())
}
