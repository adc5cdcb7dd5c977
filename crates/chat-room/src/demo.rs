//! `chat-room demo`: a server on a free loopback port and three scripted
//! clients in one process: logins, a name refused because it is taken, a
//! broadcast, a private message, `/who`, a leave, and the shutdown. All
//! of them frame with lines (`--lines`), so that the server's notices,
//! which the original's clients never get, are seen too.

use std::net::SocketAddr;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, anyhow};
use crossbeam_channel::{Receiver, Sender};
use netkit::demo::{LineSender, stdout_log};
use netkit::{ServerConfig, Shutdown};

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
    fn join(addr: SocketAddr, name: &'static str) -> anyhow::Result<Person> {
        let stream = netkit::connect(&addr.to_string())?;
        let early = login(&stream, name, FRAMING, ANSWER_WAIT)?;
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

/// Runs the demo; returns when the server has stopped.
pub fn demo() -> anyhow::Result<()> {
    let listener = netkit::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server: listening on {addr}");
    let shutdown = Shutdown::new();
    let options = ServerOptions {
        net: ServerConfig {
            log: stdout_log("server: "),
            ..Default::default()
        },
        framing: FRAMING,
    };
    let server = {
        let shutdown = shutdown.clone();
        thread::spawn(move || serve(listener, &shutdown, &options))
    };

    let alice = Person::join(addr, "alice")?;
    let bob = Person::join(addr, "bob")?;
    alice.sees("* bob joined")?;
    let stream = netkit::connect(&addr.to_string())?;
    match login(&stream, "alice", FRAMING, ANSWER_WAIT) {
        Ok(_) => println!("another alice: logged in (this should not happen)"),
        Err(err) => println!("another alice: error: {err:#}"),
    }
    drop(stream);
    let carol = Person::join(addr, "carol")?;
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
    alice.sees("* carol left")?;
    bob.sees("* carol left")?;

    shutdown.trigger();
    alice.sees("* the server is shutting down")?;
    bob.sees("* the server is shutting down")?;
    let report = server
        .join()
        .map_err(|_| anyhow!("the server thread panicked"))?
        .context("server")?;
    alice.leaves()?;
    bob.leaves()?;
    println!(
        "server: stopped; {} logins, {} refused, {} messages",
        report.broker.joined, report.broker.name_taken, report.broker.messages
    );
    Ok(())
}
