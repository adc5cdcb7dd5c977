//! The event loop: one thread, every socket non-blocking, and a poller
//! (epoll on Linux, kqueue on the BSDs and macOS) that says which sockets
//! are ready. Python's `selectors.DefaultSelector` is the same idea.
//!
//! mio's readiness is edge-triggered: an event says a socket *became*
//! ready, once. So every time a socket is looked at, it is read until
//! `WouldBlock` and written until `WouldBlock`; whatever is left is picked
//! up by the next event, never by the same one twice.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hello_echo::{Protocol, READ_BUF_SIZE};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use netkit::server::say_and_close;
use netkit::{ServerConfig, Shutdown};

use crate::conversation::Conversation;

const LISTENER: Token = Token(0);
const WAKE: Token = Token(1);
/// The first token given to a client; each new client gets the next one.
const FIRST_CLIENT: usize = 2;

/// How long a socket whose answer is all sent waits for the client's end
/// of stream before it is closed anyway: netkit's, as the threaded servers
/// linger. Closing with unread input would send a reset, which can destroy
/// the client's copy of the last reply.
const LINGER: Duration = netkit::server::LINGER_TIME;

/// How long to wait before trying `accept` again after it failed.
const ACCEPT_AGAIN: Duration = Duration::from_millis(100);

/// What a run served, for the log line when it stops.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Clients accepted and served (not those refused over the cap).
    pub connections: u64,
}

/// One client: its socket and its conversation.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    conversation: Conversation,
    /// When this client is closed unless something happens first: the
    /// idle limit while it is read, the linger once all is said.
    deadline: Option<Instant>,
    /// Everything is said and our side is shut: waiting for its FIN.
    lingering: bool,
}

/// Everything the loop owns. One thread, so no locks: the clients and
/// their deadlines are plain collections.
struct Server<'a> {
    poll: Poll,
    config: &'a ServerConfig,
    protocol: Protocol,
    clients: HashMap<Token, Client>,
    /// Every client's deadline, soonest first: the poller sleeps until the
    /// first one, and no thread is needed to time anyone out.
    deadlines: BTreeSet<(Instant, Token)>,
    next_token: usize,
    report: Report,
    /// When to try `accept` again after it failed (out of descriptors):
    /// the listener, edge-triggered, will not say again that clients are
    /// waiting until yet another one arrives.
    accept_again: Option<Instant>,
}

/// Serves hello-echo's protocol to every client from this one thread,
/// until `shutdown` is triggered. `config` gives the connection cap, the
/// idle limit (`read_timeout`), what a client over the cap is told, and
/// the log.
pub fn serve(
    listener: net::TcpListener,
    shutdown: &Shutdown,
    protocol: Protocol,
    config: &ServerConfig,
) -> io::Result<Report> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    // Ctrl-C arrives on another thread (the signal handler's); the waker is
    // how it interrupts `poll`, which would otherwise sleep until a socket
    // is ready. The loop keeps its own handle on the waker: dropped, it
    // would close its descriptor, and a wake-up not yet collected would go
    // with it.
    let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
    let (stop, wake) = (shutdown.clone(), Arc::clone(&waker));
    thread::spawn(move || {
        stop.wait();
        let _ = wake.wake();
    });

    let mut server = Server {
        poll,
        config,
        protocol,
        clients: HashMap::new(),
        deadlines: BTreeSet::new(),
        next_token: FIRST_CLIENT,
        report: Report::default(),
        accept_again: None,
    };
    let mut events = Events::with_capacity(1024);
    let mut buf = [0; READ_BUF_SIZE];
    while !shutdown.is_triggered() {
        let first_deadline = server.deadlines.first().map(|&(at, _)| at);
        let timeout = [first_deadline, server.accept_again]
            .into_iter()
            .flatten()
            .min()
            .map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(err) = server.poll.poll(&mut events, timeout) {
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        for event in events.iter() {
            match event.token() {
                LISTENER => server.accept_all(&listener),
                WAKE => {}
                token => server.drive(token, &mut buf),
            }
        }
        let now = Instant::now();
        server.expire(now);
        if server.accept_again.is_some_and(|at| at <= now) {
            server.accept_all(&listener);
        }
    }
    // Nothing in this protocol tells a client the server is going: each is
    // closed, as the threaded server closes its connections.
    let tokens: Vec<Token> = server.clients.keys().copied().collect();
    for token in tokens {
        server.close(token, None);
    }
    Ok(server.report)
}

impl Server<'_> {
    /// Accepts every connection waiting: one readiness event on the
    /// listener may stand for many clients.
    fn accept_all(&mut self, listener: &TcpListener) {
        self.accept_again = None;
        loop {
            let (mut stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                    continue;
                }
                Err(err) => {
                    // Out of descriptors (EMFILE), or a client that reset
                    // before it was accepted: the server goes on, and
                    // tries again shortly, when a client may have left.
                    self.config
                        .log
                        .problem(format_args!("accept failed: {err}"));
                    self.accept_again = Some(Instant::now() + ACCEPT_AGAIN);
                    return;
                }
            };
            if self.clients.len() >= self.config.max_connections {
                // Told why, without waiting on it: a fresh socket's send
                // buffer has room for a short message.
                let stream = net::TcpStream::from(stream);
                let _ = say_and_close(&stream, &self.config.busy_message);
                let cap = self.config.max_connections;
                self.config.log.problem(format_args!(
                    "{peer}: refused: the cap of {cap} open {} is reached \
                     (--max-clients)",
                    if cap == 1 {
                        "connection"
                    } else {
                        "connections"
                    }
                ));
                continue;
            }
            let token = Token(self.next_token);
            self.next_token += 1;
            // Registered for both at once, and never changed: with
            // edge-triggered events, asking costs nothing while a socket
            // is not ready.
            if let Err(err) = self.poll.registry().register(
                &mut stream,
                token,
                Interest::READABLE | Interest::WRITABLE,
            ) {
                self.config.log.problem(format_args!(
                    "{peer}: cannot watch this socket: {err}"
                ));
                continue;
            }
            // Small replies, each awaited: Nagle's algorithm would hold one
            // back waiting for an ACK, as the threaded servers note.
            let _ = stream.set_nodelay(true);
            self.config.log.event(format_args!("{peer}: connected"));
            self.report.connections += 1;
            self.clients.insert(
                token,
                Client {
                    stream,
                    peer,
                    conversation: Conversation::new(self.protocol),
                    deadline: None,
                    lingering: false,
                },
            );
            self.drive(token, &mut [0; READ_BUF_SIZE]);
        }
    }

    /// Does all the work a client's socket allows now, then closes it or
    /// sets its next deadline.
    fn drive(&mut self, token: Token, buf: &mut [u8]) {
        let Some(client) = self.clients.get_mut(&token) else {
            return;
        };
        let was_lingering = client.lingering;
        let (open, received) = work(client, buf);
        if !open {
            self.close(token, None);
            return;
        }
        let deadline = if client.lingering && !was_lingering {
            Some(Instant::now() + LINGER)
        } else if client.lingering {
            client.deadline
        } else if received || client.deadline.is_none() {
            // Idle means nothing received while we wait for input.
            self.config.read_timeout.map(|limit| Instant::now() + limit)
        } else {
            client.deadline
        };
        self.set_deadline(token, deadline);
    }

    fn set_deadline(&mut self, token: Token, deadline: Option<Instant>) {
        let Some(client) = self.clients.get_mut(&token) else {
            return;
        };
        if let Some(old) = client.deadline {
            self.deadlines.remove(&(old, token));
        }
        client.deadline = deadline;
        if let Some(new) = deadline {
            self.deadlines.insert((new, token));
        }
    }

    /// Closes every client whose deadline has passed.
    fn expire(&mut self, now: Instant) {
        while let Some(&(at, token)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            let Some(client) = self.clients.get_mut(&token) else {
                continue;
            };
            client.deadline = None;
            let why = match (client.lingering, self.config.read_timeout) {
                (false, Some(limit)) if client.conversation.wants_input() => {
                    Some(format!("timed out (idle limit {limit:?})"))
                }
                (false, _) => continue, // waiting to write: no idle limit
                (true, _) => None,
            };
            self.close(token, why);
        }
    }

    fn close(&mut self, token: Token, why: Option<String>) {
        let Some(mut client) = self.clients.remove(&token) else {
            return;
        };
        if let Some(at) = client.deadline {
            self.deadlines.remove(&(at, token));
        }
        let _ = self.poll.registry().deregister(&mut client.stream);
        let peer = client.peer;
        match why {
            Some(why) => self
                .config
                .log
                .problem(format_args!("{peer}: {why}; closed")),
            None => self.config.log.event(format_args!("{peer}: closed")),
        }
    }
}

/// Writes what is owed and reads what has come, until either would block.
/// Returns whether the socket stays open, and whether anything was read.
fn work(client: &mut Client, buf: &mut [u8]) -> (bool, bool) {
    if client.lingering {
        return (discard_input(&mut client.stream), false);
    }
    let mut received = false;
    loop {
        while !client.conversation.owed().is_empty() {
            match client.stream.write(client.conversation.owed()) {
                // A write may take fewer bytes than it was given.
                Ok(n) if n > 0 => client.conversation.sent(n),
                Ok(_) => return (false, received),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return (false, received),
            }
        }
        if !client.conversation.wants_input() {
            break;
        }
        match client.stream.read(buf) {
            // A read of 0 bytes: the client closed its side.
            Ok(0) => client.conversation.peer_closed(),
            Ok(n) => {
                received = true;
                client.conversation.received(&buf[..n]);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (false, received),
        }
    }
    if client.conversation.finished() {
        // All said: send our FIN, then wait a little for the client's.
        let _ = client.stream.shutdown(net::Shutdown::Write);
        client.lingering = true;
        return (discard_input(&mut client.stream), received);
    }
    (true, received)
}

/// Reads and drops what a finished client still sends; false once it has
/// closed its side (or failed), so the socket can close without a reset.
fn discard_input(stream: &mut TcpStream) -> bool {
    let mut sink = [0; 4096];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return true,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}
