//! `rawsock`: a raw-socket tool for the lessons, doing `nc`'s job (and
//! `xxd`'s, and `socat`'s) the same way on every platform.
//!
//! A lesson often needs to talk to a server by hand: send exactly these
//! bytes, a `\r\n` or a broken UTF-8 sequence included, see exactly what
//! comes back, close with a FIN or a reset, be the server a client talks
//! to. `nc` does that, but its flags differ between the OpenBSD and GNU
//! builds, some systems lack it, and what it prints depends on timing.
//! A fresh clone of this workspace has Rust and python3; this tool is
//! built with the rest, and prints a conversation the same way every run,
//! so the book's transcripts of it can be run and compared by a test.
//!
//! # What it prints
//!
//! One event per line on stdout, in the order they happened, every byte
//! escaped ([`netkit::text::escaped`]: `\n`, `\r`, `\t`, `\0`, `\\`,
//! `\xHH`):
//!
//! ```text
//! $ cargo run -q -p rawsock -- connect 127.0.0.1:9999 --send Michael --send exit
//! < Welcome!
//! > Michael
//! < Hello, Michael!
//! > exit
//! (closed by the peer)
//! ```
//!
//! `>` is what we sent (one write, or one datagram), `<` what we
//! received: cut after each `\n`, with a piece that has no `\n` printed
//! once nothing more follows it ([`transcript`] says why). In listen mode
//! the first lines are `listening on ADDR` (the real port, so port 0
//! works) and, for TCP, `connection from ADDR`; a UDP datagram is one
//! `<` line, shown as `< from ADDR: TEXT` in listen mode. The last line
//! says how the conversation ended ([`Closing`]):
//!
//! ```text
//! (closed by the peer)               a read returned 0 bytes (FIN)
//! (reset by the peer)                ECONNRESET (RST)
//! (nothing for 1000 ms; closing)     --quiet ran out after the last send
//! (closed)                           we closed first, with --reset
//! (refused: nothing listens on that port)   UDP: ICMP port unreachable
//! ```
//!
//! # How it talks
//!
//! Each `--send TEXT` (escapes: [`ESCAPES`]) is sent after a `--pause`
//! (200 ms by default) spent reading, so the peer's answer to one message
//! is printed before the next is sent; without `--send`, the lines typed
//! on stdin are sent, each with its `\n`, until stdin ends. Then it reads
//! until the peer closes or nothing has come for `--quiet` (1000 ms).
//! A peer that closes (or resets) ends the conversation at once: what
//! was left to send is not sent. `--shut` shuts down our sending side
//! after the last send (a FIN: the peer reads the end of input) and goes
//! on reading, so the peer's answer to the end of input still shows;
//! `--reset` waits one more pause, then closes with a RST instead of a
//! FIN ([`Ending`]). Every wait is bounded, so the tool
//! always ends by itself; only listen mode waits, as any server does,
//! for its peer to come, and stdin mode for the end of stdin.
//!
//! # Try it
//!
//! ```text
//! cargo run -q -p hello-echo -- server --bind 127.0.0.1:9999   # terminal 1
//! cargo run -q -p rawsock -- connect 127.0.0.1:9999 --send Michael --send exit
//! cargo run -q -p rawsock -- connect 127.0.0.1:9999 --send Ada --reset
//!
//! cargo run -q -p rawsock -- listen 127.0.0.1:9998 --udp --send 'pong\n'
//! cargo run -q -p rawsock -- connect 127.0.0.1:9998 --udp --send ping
//! ```
//!
//! The last two, in two terminals, are a UDP exchange: the listener
//! prints `< from 127.0.0.1:PORT: ping` and answers that address.
//!
//! # Layout
//!
//! - [`escape`]: `--send`'s escapes decoded into bytes.
//! - [`transcript`]: received bytes cut into lines; the closing lines.
//! - [`conversation`]: sends, pauses and reads on one thread, in order.
//! - this file: opening the socket for each mode.
//! - `main.rs`: the command line, nothing else.

pub mod conversation;
pub mod escape;
pub mod transcript;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use netkit::NetError;

pub use conversation::{Ending, Link, Options, PARTIAL_GAP, Script, converse};
pub use escape::{ESCAPES, unescape};
pub use transcript::{Closing, Transcript};

/// `--pause`'s default: between two sends, time for the peer's answer to
/// the first to arrive (loopback answers in well under a millisecond; a
/// Python server, or one that sleeps a little, takes longer).
pub const DEFAULT_PAUSE: Duration = Duration::from_millis(200);

/// `--quiet`'s default: after the last send, a silence this long ends the
/// conversation.
pub const DEFAULT_QUIET: Duration = Duration::from_millis(1000);

/// The longest `--pause` or `--quiet`: an hour is more than any lesson
/// needs, and a bound keeps deadlines far from the clock's limits.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Which protocol, and which end of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Connect to a TCP server.
    Connect,
    /// Accept one TCP connection.
    Listen,
    /// Send datagrams to one address and receive its answers.
    ConnectUdp,
    /// Wait for a first datagram and answer its sender.
    ListenUdp,
}

/// Opens the socket `mode` needs on `addr` (`HOST:PORT`) and runs the
/// conversation, printing it on `out`.
pub fn run<W: Write>(
    mode: Mode,
    addr: &str,
    options: Options,
    out: &mut Transcript<W>,
) -> anyhow::Result<()> {
    match mode {
        Mode::Connect => {
            let stream = netkit::connect(addr).map_err(reword)?;
            converse(Link::Tcp(stream), options, out)
        }
        Mode::Listen => {
            let listener = netkit::listen(addr).map_err(reword)?;
            listen_tcp(listener, options, out)
        }
        Mode::ConnectUdp => {
            let peer = resolve(addr)?;
            connect_udp(peer, options, out)
        }
        Mode::ListenUdp => {
            let socket = netkit::listen_udp(addr).map_err(reword)?;
            listen_udp(socket, options, out)
        }
    }
}

/// Says where it listens, accepts one connection, and talks on it. The
/// listener is closed once it has accepted: one more client would be
/// refused, as by `nc -l`.
pub fn listen_tcp<W: Write>(
    listener: TcpListener,
    options: Options,
    out: &mut Transcript<W>,
) -> anyhow::Result<()> {
    out.note(&format!("listening on {}", listener.local_addr()?))?;
    let (stream, from) = listener.accept()?;
    drop(listener);
    out.note(&format!("connection from {from}"))?;
    converse(Link::Tcp(stream), options, out)
}

/// Talks to `peer` over UDP from a socket on a free port.
pub fn connect_udp<W: Write>(
    peer: SocketAddr,
    options: Options,
    out: &mut Transcript<W>,
) -> anyhow::Result<()> {
    let any: SocketAddr = if peer.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = netkit::bind_udp(any)?;
    // A connected UDP socket sends to `peer` only, receives from `peer`
    // only, and, on Linux, hears of an ICMP "port unreachable" as
    // ECONNREFUSED on its next call, which an unconnected socket is not
    // told. No packet goes out: UDP's connect only records the address.
    socket.connect(peer)?;
    converse(Link::Udp(socket), options, out)
}

/// Says where it listens, waits for a first datagram, and talks to its
/// sender; datagrams from anyone else are still shown, with their sender.
pub fn listen_udp<W: Write>(
    socket: UdpSocket,
    options: Options,
    out: &mut Transcript<W>,
) -> anyhow::Result<()> {
    out.note(&format!("listening on {}", socket.local_addr()?))?;
    let mut buf = vec![0; conversation::READ_BUF_SIZE];
    // No timeout here: waiting for a peer is what a server does; Ctrl-C
    // ends it.
    let (n, peer) = loop {
        match socket.recv_from(&mut buf) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            result => break result?,
        }
    };
    out.datagram(Some(peer), &buf[..n])?;
    converse(Link::UdpFrom { socket, peer }, options, out)
}

/// The first address `addr` names.
fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    let addrs = netkit::bind::resolve(addr).map_err(reword)?;
    // `resolve` returns at least one address or an error.
    addrs
        .first()
        .copied()
        .ok_or_else(|| anyhow::anyhow!("{addr} names no address"))
}

/// netkit's messages, but for this tool's command line: the address is
/// an argument here, not `--bind` or `--connect`.
fn reword(err: NetError) -> anyhow::Error {
    use io::ErrorKind::*;
    match &err {
        NetError::Connect(addr, io) if io.kind() == ConnectionRefused => {
            anyhow::anyhow!(
                "could not connect to {addr}: connection refused (nothing \
                 is listening there); start the server first, or check \
                 the port"
            )
        }
        NetError::Bind(addr, io) if io.kind() == AddrInUse => {
            anyhow::anyhow!(
                "{addr} is already in use; listen on another port (0 \
                 picks a free one), or stop the program that holds it"
            )
        }
        _ => err.into(),
    }
}
