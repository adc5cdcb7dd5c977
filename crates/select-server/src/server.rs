//! The event loop: one thread, every socket non-blocking, and a poller
//! (epoll on Linux, kqueue on the BSDs and macOS) that says which sockets
//! are ready. Python's `selectors.DefaultSelector` is the same idea.
//!
//! mio's readiness is edge-triggered: an event says a socket *became*
//! ready, once. So every time a socket is looked at, it is read until
//! `WouldBlock` and written until `WouldBlock`; whatever is left is picked
//! up by the next event, never by the same one twice.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hello_echo::{Protocol, READ_BUF_SIZE};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use netkit::Shutdown;

use crate::conversation::Conversation;

const LISTENER: Token = Token(0);
const WAKE: Token = Token(1);
/// The first token given to a client; each new client gets the next one.
const FIRST_CLIENT: usize = 2;

/// How long a socket whose answer is all sent waits for the client's end
/// of stream before it is closed anyway (as the threaded servers linger):
/// closing with unread input would send a reset, which can destroy the
/// client's copy of the last reply.
const LINGER: Duration = Duration::from_millis(500);

/// What a run served, for the log line when it stops.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Clients accepted.
    pub connections: u64,
}

/// One client: its socket and its conversation.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    conversation: Conversation,
    /// Set once everything is said and the write side is shut: the client
    /// has until then to close its side.
    lingering_until: Option<Instant>,
}

/// Serves hello-echo's protocol to every client from this one thread,
/// until `shutdown` is triggered.
pub fn serve(
    listener: net::TcpListener,
    shutdown: &Shutdown,
    protocol: Protocol,
) -> io::Result<Report> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    // Ctrl-C arrives on another thread (the signal handler's); the waker is
    // how it interrupts `poll`, which would otherwise sleep until a socket
    // is ready.
    // The loop keeps its own handle on the waker: dropped, it would close
    // its descriptor, and a wake-up not yet collected would go with it.
    let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
    let (stop, wake) = (shutdown.clone(), Arc::clone(&waker));
    thread::spawn(move || {
        stop.wait();
        let _ = wake.wake();
    });

    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next_token = FIRST_CLIENT;
    let mut report = Report::default();
    let mut events = Events::with_capacity(1024);
    let mut buf = [0; READ_BUF_SIZE];
    while !shutdown.is_triggered() {
        let timeout = next_deadline(&clients)
            .map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(err) = poll.poll(&mut events, timeout) {
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        for event in events.iter() {
            match event.token() {
                LISTENER => accept_all(
                    &listener,
                    &poll,
                    &mut clients,
                    &mut next_token,
                    protocol,
                    &mut report,
                ),
                WAKE => {}
                token => {
                    if let Some(client) = clients.get_mut(&token)
                        && !drive(client, &mut buf)
                    {
                        close(&poll, &mut clients, token);
                    }
                }
            }
        }
        let now = Instant::now();
        let expired: Vec<Token> = clients
            .iter()
            .filter(|(_, c)| c.lingering_until.is_some_and(|at| at <= now))
            .map(|(token, _)| *token)
            .collect();
        for token in expired {
            close(&poll, &mut clients, token);
        }
    }
    // Nothing in this protocol tells a client the server is going: each is
    // closed, as the threaded server closes its connections.
    let tokens: Vec<Token> = clients.keys().copied().collect();
    for token in tokens {
        close(&poll, &mut clients, token);
    }
    Ok(report)
}

/// Accepts every connection waiting: one readiness event on the listener
/// may stand for many clients.
fn accept_all(
    listener: &TcpListener,
    poll: &Poll,
    clients: &mut HashMap<Token, Client>,
    next_token: &mut usize,
    protocol: Protocol,
    report: &mut Report,
) {
    loop {
        let (mut stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                // Out of descriptors (EMFILE), or a client that reset before
                // it was accepted: the server goes on, and the listener's
                // next event tries again.
                eprintln!("accept failed: {err}");
                return;
            }
        };
        let token = Token(*next_token);
        *next_token += 1;
        // Registered for both at once, and never changed: with
        // edge-triggered events, asking costs nothing while a socket is
        // not ready.
        if let Err(err) = poll.registry().register(
            &mut stream,
            token,
            Interest::READABLE | Interest::WRITABLE,
        ) {
            eprintln!("{peer}: cannot watch this socket: {err}");
            continue;
        }
        eprintln!("{peer}: connected");
        report.connections += 1;
        clients.insert(
            token,
            Client {
                stream,
                peer,
                conversation: Conversation::new(protocol),
                lingering_until: None,
            },
        );
    }
}

/// Does all the work a client's socket allows now: writes what is owed,
/// reads what has come, until either would block. Returns false once the
/// client should be closed.
fn drive(client: &mut Client, buf: &mut [u8]) -> bool {
    if client.lingering_until.is_some() {
        return discard_input(&mut client.stream);
    }
    loop {
        while !client.conversation.owed().is_empty() {
            match client.stream.write(client.conversation.owed()) {
                // A write may take fewer bytes than it was given.
                Ok(n) if n > 0 => client.conversation.sent(n),
                Ok(_) => return false,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        if !client.conversation.wants_input() {
            break;
        }
        match client.stream.read(buf) {
            // A read of 0 bytes: the client closed its side.
            Ok(0) => client.conversation.peer_closed(),
            Ok(n) => client.conversation.received(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    if client.conversation.finished() {
        // All said: send our FIN, then wait a little for the client's.
        let _ = client.stream.shutdown(net::Shutdown::Write);
        client.lingering_until = Some(Instant::now() + LINGER);
        return discard_input(&mut client.stream);
    }
    true
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

fn close(poll: &Poll, clients: &mut HashMap<Token, Client>, token: Token) {
    if let Some(mut client) = clients.remove(&token) {
        let _ = poll.registry().deregister(&mut client.stream);
        eprintln!("{}: closed", client.peer);
    }
}

/// The soonest a lingering client must be closed, if any is lingering.
fn next_deadline(clients: &HashMap<Token, Client>) -> Option<Instant> {
    clients.values().filter_map(|c| c.lingering_until).min()
}
