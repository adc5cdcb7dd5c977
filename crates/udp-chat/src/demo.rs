//! `udp-chat demo`: the echo server and client, then two chat peers
//! exchanging a line each way, all on loopback in one process.

use std::io;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use crossbeam_channel::{Receiver, Sender};
use netkit::demo::{LineSender, Prefixed, stdout_log};
use netkit::{Shutdown, listen_udp};

use crate::chat::{Mode, chat};
use crate::echo::{EchoOptions, run_echo_client, serve_echo};

/// How long the demo waits for a chat line to arrive before giving up.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the demo.
pub fn demo() -> anyhow::Result<()> {
    echo_demo()?;
    chat_demo()
}

fn echo_demo() -> anyhow::Result<()> {
    println!("--- the hello echo");
    let socket = listen_udp("127.0.0.1:0")?;
    let addr = socket.local_addr()?;
    println!("server: listening on {addr}");
    let shutdown = Shutdown::new();
    let server = {
        let shutdown = shutdown.clone();
        thread::spawn(move || {
            serve_echo(&socket, &shutdown, &stdout_log("server: "))
        })
    };
    let client = listen_udp("127.0.0.1:0")?;
    client.connect(addr)?;
    let options = EchoOptions {
        count: 3,
        ..EchoOptions::default()
    };
    let mut out = Prefixed::new(io::stdout(), "client: ");
    let report =
        run_echo_client(&client, options, &mut out, &mut io::stderr())?;
    println!("client: {} answered, {} lost", report.answered, report.lost);
    shutdown.trigger();
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))??;
    Ok(())
}

/// A peer run on its own thread: its typed lines come from the demo, and
/// what it shows comes back line by line.
struct Peer {
    name: &'static str,
    typed: Sender<String>,
    shown: Receiver<String>,
    thread: thread::JoinHandle<anyhow::Result<()>>,
}

impl Peer {
    fn start(
        name: &'static str,
        peer: std::net::SocketAddr,
        socket: std::net::UdpSocket,
    ) -> Peer {
        let (typed, input) = crossbeam_channel::unbounded();
        let (shown_tx, shown) = crossbeam_channel::unbounded();
        let thread = thread::spawn(move || {
            let mut out = LineSender::new(shown_tx);
            chat(
                &socket,
                Some(peer),
                Mode::Live,
                &input,
                &mut out,
                &Shutdown::new(),
            )
        });
        Peer {
            name,
            typed,
            shown,
            thread,
        }
    }

    fn say(&self, line: &str) -> anyhow::Result<()> {
        println!("peer {}: (types) {line}", self.name);
        self.typed
            .send(line.to_owned())
            .context("the peer has stopped")
    }

    fn show_next(&self) -> anyhow::Result<()> {
        let line = self
            .shown
            .recv_timeout(DELIVERY_TIMEOUT)
            .context("no datagram arrived: UDP does not promise delivery")?;
        println!("peer {}: {line}", self.name);
        Ok(())
    }

    fn leave(self) -> anyhow::Result<()> {
        // Dropping the typed-lines sender is the peer's end of input.
        drop(self.typed);
        self.thread
            .join()
            .map_err(|_| anyhow::anyhow!("a chat thread panicked"))?
    }
}

fn chat_demo() -> anyhow::Result<()> {
    println!("--- two chat peers");
    let socket_a = listen_udp("127.0.0.1:0")?;
    let socket_b = listen_udp("127.0.0.1:0")?;
    let (addr_a, addr_b) = (socket_a.local_addr()?, socket_b.local_addr()?);
    println!("peer A: listening on {addr_a}");
    println!("peer B: listening on {addr_b}");
    let a = Peer::start("A", addr_b, socket_a);
    let b = Peer::start("B", addr_a, socket_b);
    a.say("hello B, this is A")?;
    b.show_next()?;
    b.say("hi A, B here")?;
    a.show_next()?;
    a.leave()?;
    b.leave()
}
