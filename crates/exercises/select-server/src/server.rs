//! The event loop: one thread, every socket non-blocking, and a poller
//! (mio's `Poll`: epoll on Linux, kqueue on macOS) that says which
//! sockets are ready. It knows sockets, not protocols: what the clients
//! say is a [`Service`]'s business ([`crate::hello`], [`crate::room`]).
//!
//! ```text
//! loop:
//!     poll.poll(&mut events, None)          sleep until a socket is ready
//!     for each event:
//!         LISTENER  ->  accept_all          accept until WouldBlock
//!         a client  ->  drive(token)        write owed, read, until
//!                                           WouldBlock
//!     drive every client that is owed bytes (a socket that was
//!     writable already says so no more)
//! ```
//!
//! # Try it
//!
//! ```text
//! cargo run -p select-server-exercise -- server               # terminal 1
//! cargo run -p hello-echo -- client Ada Bob                   # terminal 2
//! ```

use std::collections::HashMap;
use std::io;
use std::net;

use mio::net::{TcpListener, TcpStream};
use mio::{Poll, Token};

/// The listener's token. Each client gets a token of its own, the next
/// number after the last one given: never one used before, so that a
/// late event for a client that is gone finds nobody, not a newcomer.
pub const LISTENER: Token = Token(0);

/// The most one read takes: the originals' `recv(1024)`. In both
/// protocols one read is one message, so this size is part of the
/// protocol.
pub const READ_SIZE: usize = hello_echo::READ_BUF_SIZE;

/// One client, as the loop keeps it. Yours to change: this is one way
/// to start.
#[derive(Debug)]
pub struct Client {
    /// Its socket, non-blocking, registered with the poller.
    pub stream: TcpStream,
    /// Bytes owed to it: put here by the service, written by the loop as
    /// far as the socket takes them. A write may take fewer bytes than it
    /// is given; the rest stays here for the next time.
    pub owed: Vec<u8>,
    /// No more input wanted (`exit`, `quit`, a refused name): close once
    /// everything owed is written.
    pub finished: bool,
}

/// Every client, by its token.
pub type Clients = HashMap<Token, Client>;

/// A protocol, as the loop sees it: told what happened to each client,
/// it answers by adding to a client's `owed` bytes (its own, or anyone
/// else's) and marks a client `finished` when its conversation is over.
/// It never touches a socket, and never waits.
pub trait Service {
    /// `client` was accepted, and is in `clients`.
    fn connected(&mut self, client: Token, clients: &mut Clients);
    /// One read from `client` returned `bytes`.
    fn received(&mut self, client: Token, bytes: &[u8], clients: &mut Clients);
    /// `client` closed its side (a read of 0 bytes), or its connection
    /// failed: it is gone, and nothing more will be read from it.
    fn left(&mut self, client: Token, clients: &mut Clients);
}

/// Everything the loop owns: one thread, so no locks. Yours to change:
/// this is one way to start.
#[derive(Debug)]
pub struct Server<S> {
    /// The poller every socket is registered with.
    pub poll: Poll,
    /// The protocol.
    pub service: S,
    /// Every client.
    pub clients: Clients,
    /// The number of the next client's token.
    pub next_token: usize,
}

/// Serves `service` to every client from this one thread, for as long as
/// the program runs: make `listener` non-blocking, register it with a
/// new `Poll` under [`LISTENER`], then loop as the sketch at the top of
/// this file says. Edge-triggered: an event says a socket *became*
/// ready, once. After each batch of events, drive every client that is
/// owed bytes, or finished: a service may have given bytes to a client
/// whose socket is writable already, and that socket will not say so
/// again.
pub fn serve<S: Service>(
    listener: net::TcpListener,
    service: S,
) -> io::Result<()> {
    todo!(
        "stage listen: a non-blocking listener registered with a mio Poll, \
         then the loop: poll, accept or drive, again \
         (book: select-server.md, \"Your turn\")"
    )
}

impl<S: Service> Server<S> {
    /// Accepts every connection waiting: one event on the listener may
    /// stand for many, and none comes for those left behind. Until
    /// `accept` says `WouldBlock`: give each client the next token,
    /// register its socket for reading and writing at once (edge-
    /// triggered, asking costs nothing while a socket is not ready), put
    /// it in `clients`, tell the service, and drive it at once: it is
    /// owed its welcome, and may have spoken already.
    pub fn accept_all(&mut self, listener: &TcpListener) {
        todo!(
            "stage listen: accept until WouldBlock, register each client \
             (book: select-server.md, \"Your turn\")"
        )
    }

    /// Does all the work `token`'s socket allows now: write what it is
    /// owed ([`write_owed`]), then read until `WouldBlock`, giving each
    /// read's bytes to the service (which may owe it more: write again).
    /// A read of 0 bytes means the client closed its side, and an error
    /// (a reset) that the connection is gone: tell the service it left,
    /// and close it (remove it from `clients`: dropping the socket closes
    /// it). A finished client is read no more, and closed once it is
    /// owed nothing. A token that is no longer in `clients` is nobody.
    pub fn drive(&mut self, token: Token) {
        todo!(
            "stage welcome: write what is owed, read until WouldBlock, \
             close what is over (book: select-server.md, \"Your turn\")"
        )
    }
}

/// Writes `client`'s owed bytes until none are left or the socket says
/// `WouldBlock`, and drops from `owed` what the socket took. An error is
/// the connection's end (the client reset it): return it.
pub fn write_owed(client: &mut Client) -> io::Result<()> {
    todo!(
        "stage welcome: write until nothing is owed or WouldBlock; a write \
         may take less than it is given (book: select-server.md, \"Your \
         turn\")"
    )
}
