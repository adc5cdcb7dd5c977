//! The event loop: one thread, every socket non-blocking, and a poller
//! (epoll on Linux, kqueue on the BSDs and macOS) that says which sockets
//! are ready. Python's `selectors.DefaultSelector` is the same idea.
//!
//! mio's readiness is edge-triggered: an event says a socket *became*
//! ready, once. So a socket is written until `WouldBlock` and read until
//! `WouldBlock`, and the loop remembers when it stopped reading early:
//! at the end of a client's turn ([`READS_PER_TURN`]), or because the
//! client is owed too much ([`MAX_OWED`]). No event will come for input
//! that was already there.
//!
//! The loop knows sockets, not protocols. What the clients say is a
//! [`Service`]'s business ([`crate::hello`], [`crate::room`]): it is handed
//! the bytes each read returned, and answers by putting bytes in the
//! [`Outboxes`], for the client that spoke or for any other. The loop
//! writes them out when each socket has room.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use netkit::server::{keep_alive, say_and_close};
use netkit::{ServerConfig, Shutdown};

const LISTENER: Token = Token(0);
const WAKE: Token = Token(1);
/// The first token given to a client; each new client gets the next one.
const FIRST_CLIENT: usize = 2;

/// The most one read takes: the originals' `recv(1024)`. In both original
/// protocols one read is one message, so this size is part of the
/// protocol, not a tuning knob.
pub const READ_SIZE: usize = 1024;
const _: () = assert!(
    READ_SIZE == hello_echo::READ_BUF_SIZE
        && READ_SIZE == chat_room::protocol::MAX_MESSAGE
);

/// How many bytes may be owed to a client before its input is left
/// unread. A client that sends and never reads the answers would
/// otherwise grow its outbox without end; left unread, its bytes fill the
/// kernel's buffers and TCP's flow control stops the client instead
/// (back-pressure).
pub const MAX_OWED: usize = 64 * 1024;

/// How long a socket whose answer is all sent waits for the client's end
/// of stream before it is closed anyway: netkit's, as the threaded servers
/// linger. Closing with unread input would send a reset, which can destroy
/// the client's copy of the last reply.
const LINGER: Duration = netkit::server::LINGER_TIME;

/// How many reads one client gets in a turn before the others get
/// theirs. Reading until `WouldBlock` is the rule, but a quick client can
/// send its next message before the read that would block: without a
/// limit it would keep the thread while the others wait. A client cut
/// short is driven again after the next poll.
pub const READS_PER_TURN: usize = 4;

/// How long to wait before trying `accept` again after it failed.
const ACCEPT_AGAIN: Duration = Duration::from_millis(100);

// ANCHOR: service
/// A protocol, as the loop sees it: told what happened to each client,
/// it answers through the [`Outboxes`]. It never touches a socket, so it
/// can be tested without one.
pub trait Service {
    /// A client was accepted.
    fn connected(
        &mut self,
        client: Token,
        peer: SocketAddr,
        out: &mut Outboxes,
    );
    /// One read from `client` returned `bytes`.
    fn received(&mut self, client: Token, bytes: &[u8], out: &mut Outboxes);
    /// `client` closed its side, or its connection failed or timed out:
    /// nothing more will be read from it.
    fn left(&mut self, client: Token, out: &mut Outboxes);
    /// The server is stopping: the last words to each client. Everything
    /// owed is then sent, and every connection closed.
    fn stopping(&mut self, out: &mut Outboxes);

    /// Whether the clients go at one pace, and how long they wait for the
    /// slowest. `None`, the default: each client is held back only by
    /// what it is owed itself. `Some(wait)`: while any client is owed
    /// [`MAX_OWED`] or more, *no* client is read, so a sender faster than
    /// its readers is slowed to theirs; a client that stays that far
    /// behind and takes nothing for `wait` is cut ([`Service::too_slow`]).
    fn shared_pace(&self) -> Option<Duration> {
        None
    }

    /// `client` kept the others waiting for longer than
    /// [`Service::shared_pace`] allows: its connection is closed once this
    /// returns. By default it is treated as having left.
    fn too_slow(&mut self, client: Token, out: &mut Outboxes) {
        self.left(client, out);
    }
}
// ANCHOR_END: service

/// What each client is owed, and what becomes of its connection: the
/// service writes here, the loop empties it into the sockets.
#[derive(Debug, Default)]
pub struct Outboxes {
    boxes: HashMap<Token, Outbox>,
    /// Clients given bytes or an order since the loop last looked. With
    /// edge-triggered readiness a socket that is already writable will
    /// not say so again, so the loop writes to these itself.
    touched: Vec<Token>,
    /// Clients owed [`MAX_OWED`] or more: those a shared pace waits for.
    behind: HashSet<Token>,
}

#[derive(Debug, Default)]
struct Outbox {
    /// Bytes owed, not yet accepted by the socket.
    owed: Vec<u8>,
    /// No more input wanted: close once `owed` is written.
    finished: bool,
    /// Close at once, and drop what is owed.
    cut: bool,
    /// No idle limit: the client may stay silent for hours.
    patient: bool,
    /// Already in `touched`.
    touched: bool,
}

impl Outboxes {
    /// Owes `bytes` to `to`, after what it is owed already.
    pub fn send(&mut self, to: Token, bytes: &[u8]) {
        if let Some(outbox) = self.boxes.get_mut(&to) {
            if !outbox.cut {
                outbox.owed.extend_from_slice(bytes);
                self.touch(to);
                self.recount(to);
            }
        }
    }

    /// How many bytes `to` is owed.
    pub fn owed(&self, to: Token) -> usize {
        self.boxes.get(&to).map_or(0, |outbox| outbox.owed.len())
    }

    /// Reads no more from `to`: its connection closes once everything it
    /// is owed is written.
    pub fn finish(&mut self, to: Token) {
        if let Some(outbox) = self.boxes.get_mut(&to) {
            outbox.finished = true;
            self.touch(to);
        }
    }

    /// Closes `to`'s connection now, dropping what it is owed.
    pub fn cut(&mut self, to: Token) {
        if let Some(outbox) = self.boxes.get_mut(&to) {
            outbox.cut = true;
            outbox.owed = Vec::new();
            self.touch(to);
            self.recount(to);
        }
    }

    /// Lifts the idle limit for `to`, for a client that may listen without
    /// a word for hours; TCP keepalive finds it if it vanishes.
    pub fn be_patient(&mut self, to: Token) {
        if let Some(outbox) = self.boxes.get_mut(&to) {
            outbox.patient = true;
            self.touch(to);
        }
    }

    /// Every client with a connection.
    pub fn clients(&self) -> Vec<Token> {
        self.boxes.keys().copied().collect()
    }

    /// Keeps [`Outboxes::behind`] true to what `to` is owed.
    fn recount(&mut self, to: Token) {
        let owed = self.owed(to);
        if owed >= MAX_OWED {
            self.behind.insert(to);
        } else {
            self.behind.remove(&to);
        }
    }

    /// Whether anyone is [`MAX_OWED`] behind.
    fn anyone_behind(&self) -> bool {
        !self.behind.is_empty()
    }

    /// Whether `to` is [`MAX_OWED`] behind.
    fn is_behind(&self, to: Token) -> bool {
        self.behind.contains(&to)
    }

    /// Forgets a closed client.
    fn remove(&mut self, client: Token) {
        self.boxes.remove(&client);
        self.behind.remove(&client);
    }

    /// Gives `client` an outbox; the loop does this when it accepts one.
    pub(crate) fn open(&mut self, client: Token) {
        self.boxes.insert(client, Outbox::default());
    }

    /// Everything `to` is owed, as if written: for tests of a service.
    #[cfg(test)]
    pub(crate) fn take(&mut self, to: Token) -> Vec<u8> {
        let owed = self
            .boxes
            .get_mut(&to)
            .map(|outbox| std::mem::take(&mut outbox.owed));
        self.recount(to);
        owed.unwrap_or_default()
    }

    fn touch(&mut self, to: Token) {
        if let Some(outbox) = self.boxes.get_mut(&to) {
            if !outbox.touched {
                outbox.touched = true;
                self.touched.push(to);
            }
        }
    }

    /// The next client that still needs the loop to look at it. One the
    /// loop has driven since it was touched is skipped: what it was given
    /// is written already, or waits for its socket's next event.
    fn next_touched(&mut self) -> Option<Token> {
        while let Some(token) = self.touched.pop() {
            if let Some(outbox) = self.boxes.get_mut(&token) {
                if outbox.touched {
                    outbox.touched = false;
                    return Some(token);
                }
            }
        }
        None
    }

    /// The loop has done all it can for `client` just now.
    fn driven(&mut self, client: Token) {
        if let Some(outbox) = self.boxes.get_mut(&client) {
            outbox.touched = false;
        }
    }

    /// Whether to read from this client now: not once it is finished, and
    /// not while it is owed too much (see [`MAX_OWED`]).
    fn wants_input(&self, client: Token) -> bool {
        self.boxes.get(&client).is_some_and(|outbox| {
            !outbox.finished && !outbox.cut && outbox.owed.len() < MAX_OWED
        })
    }
}

/// What a run served, for the log line when it stops.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Clients accepted and served (not those refused over the cap).
    pub connections: u64,
}

/// One client's socket: the loop's side of a connection.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    /// When this client is closed unless something happens first: the
    /// idle limit while it is read, the linger once all is said.
    deadline: Option<Instant>,
    /// Everything is said and our side is shut: waiting for its FIN.
    lingering: bool,
    /// Input may be waiting: an event said the socket is readable, and no
    /// read has said `WouldBlock` since. Only then is it read: a client
    /// the loop writes to because another spoke has nothing to read.
    unread: bool,
    /// Owed bytes wait for the socket to take them: the deadline is the
    /// write timeout's, not the idle limit's.
    writing: bool,
    /// TCP keepalive is on (the service lifted the idle limit).
    kept_alive: bool,
    /// Has input waiting and is not read, because the clients share a
    /// pace and someone is behind: it is in [`Server::paused`].
    paused: bool,
    /// Was behind when its deadline was last set: the others wait for it,
    /// so the deadline is the shared pace's.
    holding_up: bool,
}

/// Everything the loop owns. One thread, so no locks: the clients and
/// their deadlines are plain collections.
struct Server<'a, S> {
    poll: Poll,
    config: &'a ServerConfig,
    service: S,
    clients: HashMap<Token, Client>,
    out: Outboxes,
    /// Every client's deadline, soonest first: the poller sleeps until the
    /// first one, and no thread is needed to time anyone out.
    deadlines: BTreeSet<(Instant, Token)>,
    next_token: usize,
    report: Report,
    /// When to try `accept` again after it failed (out of descriptors):
    /// the listener, edge-triggered, will not say again that clients are
    /// waiting until yet another one arrives.
    accept_again: Option<Instant>,
    /// Where each read lands; one buffer serves every client in turn.
    buf: Box<[u8; READ_SIZE]>,
    /// Clients whose turn ended before a read said `WouldBlock`: their
    /// input may be waiting, and no new event will say so.
    again: Vec<Token>,
    /// The service's [`Service::shared_pace`].
    pace: Option<Duration>,
    /// Clients left unread because someone is behind: driven again once
    /// nobody is, since no new event will say their input is there.
    paused: Vec<Token>,
}

// ANCHOR: serve
/// Serves `service` to every client from this one thread, until
/// `shutdown` is triggered. `config` gives the connection cap, the idle
/// limit (`read_timeout`), what a client over the cap is told, and the
/// log.
pub fn serve<S: Service>(
    listener: net::TcpListener,
    shutdown: &Shutdown,
    service: S,
    config: &ServerConfig,
) -> io::Result<Report> {
    listener.set_nonblocking(true)?;
    let mut listener = Some(TcpListener::from_std(listener));
    let poll = Poll::new()?;
    if let Some(listener) = &mut listener {
        poll.registry()
            .register(listener, LISTENER, Interest::READABLE)?;
    }
    // Ctrl-C arrives on another thread (the signal handler's); the waker is
    // how it interrupts `poll`, which would otherwise sleep until a socket
    // is ready. The loop keeps its own handle on the waker: dropped, it
    // would close its descriptor, and a wake-up not yet collected would go
    // with it.
    let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
    let wake = Arc::clone(&waker);
    shutdown.on_trigger(move || {
        let _ = wake.wake();
    });

    let pace = service.shared_pace();
    let mut server = Server {
        poll,
        config,
        service,
        clients: HashMap::new(),
        out: Outboxes::default(),
        deadlines: BTreeSet::new(),
        next_token: FIRST_CLIENT,
        report: Report::default(),
        accept_again: None,
        buf: Box::new([0; READ_SIZE]),
        again: Vec::new(),
        pace,
        paused: Vec::new(),
    };
    let mut events = Events::with_capacity(1024);
    // Set once the shutdown is seen: the last moment to wait for clients
    // to take their last bytes.
    let mut stop_by = None;
    loop {
        if stop_by.is_none() && shutdown.is_triggered() {
            // No new clients: dropping the listener closes it.
            listener = None;
            server.begin_stop();
            stop_by = Some(Instant::now() + LINGER);
        }
        if let Some(by) = stop_by {
            if server.clients.is_empty() || Instant::now() >= by {
                break;
            }
        }
        let again = std::mem::take(&mut server.again);
        let timeout = if again.is_empty() {
            [server.first_deadline(), server.accept_again, stop_by]
                .into_iter()
                .flatten()
                .min()
                .map(|at| at.saturating_duration_since(Instant::now()))
        } else {
            Some(Duration::ZERO) // look for events, then go on with these
        };
        if let Err(err) = server.poll.poll(&mut events, timeout) {
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        for event in events.iter() {
            match (event.token(), &listener) {
                (LISTENER, Some(listener)) => server.accept_all(listener),
                (LISTENER | WAKE, _) => {}
                (token, _) => {
                    // Readable, or closed, or failed: a read will say.
                    if event.is_readable()
                        || event.is_read_closed()
                        || event.is_error()
                    {
                        server.readable(token);
                    }
                    server.drive(token);
                }
            }
        }
        for token in again {
            server.drive(token);
        }
        server.flush();
        let now = Instant::now();
        server.expire(now);
        server.resume();
        if let Some(listener) = &listener {
            if server.accept_again.is_some_and(|at| at <= now) {
                server.accept_all(listener);
                server.flush();
            }
        }
    }
    for token in server.out.clients() {
        server.close(token, None);
    }
    Ok(server.report)
}
// ANCHOR_END: serve

impl<S: Service> Server<'_, S> {
    // ANCHOR: accept_all
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
                self.refuse(stream, peer);
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
            let client = Client {
                stream,
                peer,
                deadline: None,
                lingering: false,
                // It may have sent something already.
                unread: true,
                writing: false,
                kept_alive: false,
                paused: false,
                holding_up: false,
            };
            self.clients.insert(token, client);
            self.out.open(token);
            self.service.connected(token, peer, &mut self.out);
            self.drive(token);
        }
    }
    // ANCHOR_END: accept_all

    /// Over the cap: told why, without waiting on it (a fresh socket's
    /// send buffer has room for a short message), and closed.
    fn refuse(&self, stream: TcpStream, peer: SocketAddr) {
        let stream = net::TcpStream::from(stream);
        let _ = say_and_close(&stream, &self.config.busy_message);
        let cap = self.config.max_connections;
        let connections = if cap == 1 {
            "connection"
        } else {
            "connections"
        };
        self.config.log.problem(format_args!(
            "{peer}: refused: the cap of {cap} open {connections} is \
             reached (--max-clients)"
        ));
    }

    fn readable(&mut self, token: Token) {
        if let Some(client) = self.clients.get_mut(&token) {
            client.unread = true;
        }
    }

    /// Writes to every client the service gave bytes or an order to.
    fn flush(&mut self) {
        while let Some(token) = self.out.next_touched() {
            self.drive(token);
        }
    }

    // ANCHOR: drive
    /// Does all the work a client's socket allows now: writes what it is
    /// owed and reads what it sent, until either would block; then closes
    /// it or sets its next deadline.
    fn drive(&mut self, token: Token) {
        let Some(client) = self.clients.get_mut(&token) else {
            return;
        };
        let Some(outbox) = self.out.boxes.get_mut(&token) else {
            return;
        };
        if outbox.cut {
            self.close(token, None);
            return;
        }
        if client.lingering {
            match discard_input(&mut client.stream) {
                Discarded::Closed => self.close(token, None),
                Discarded::More => self.again.push(token),
                Discarded::Drained => {}
            }
            return;
        }
        if outbox.patient && !client.kept_alive {
            client.kept_alive = true;
            let _ = keep_alive(&client.stream);
        }
        let (mut received, mut wrote) = (false, false);
        let mut reads = 0;
        loop {
            let Some(client) = self.clients.get_mut(&token) else {
                return;
            };
            match write_owed(&mut client.stream, &mut self.out, token) {
                Ok(n) => wrote |= n > 0,
                Err(_) => return self.gone(token),
            }
            if !client.unread || !self.out.wants_input(token) {
                break;
            }
            if self.pace.is_some() && self.out.anyone_behind() {
                // One pace for all: what this client says would go to one
                // who is already behind, so it waits (and TCP's flow
                // control makes it wait) until nobody is.
                if !client.paused {
                    client.paused = true;
                    self.paused.push(token);
                }
                break;
            }
            match client.stream.read(&mut self.buf[..]) {
                // A read of 0 bytes: the client closed its side.
                Ok(0) => {
                    self.service.left(token, &mut self.out);
                    self.out.finish(token);
                }
                Ok(n) => {
                    received = true;
                    reads += 1;
                    let bytes = &self.buf[..n];
                    self.service.received(token, bytes, &mut self.out);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    client.unread = false;
                    break;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.gone(token),
            }
            if self.out.boxes.get(&token).is_none_or(|outbox| outbox.cut) {
                return self.close(token, None);
            }
            if reads == READS_PER_TURN {
                // The others' turn; what was owed is written below.
                let Some(client) = self.clients.get_mut(&token) else {
                    return;
                };
                match write_owed(&mut client.stream, &mut self.out, token) {
                    Ok(n) => wrote |= n > 0,
                    Err(_) => return self.gone(token),
                }
                self.again.push(token);
                break;
            }
        }
        self.out.driven(token);
        self.after_work(token, received, wrote);
    }
    // ANCHOR_END: drive

    /// Once a client's socket would block: FIN if all is said, and the
    /// deadline it now has.
    fn after_work(&mut self, token: Token, received: bool, wrote: bool) {
        let (Some(client), Some(outbox)) =
            (self.clients.get_mut(&token), self.out.boxes.get(&token))
        else {
            return;
        };
        if outbox.finished && outbox.owed.is_empty() {
            // All said: send our FIN, then wait a little for the client's.
            let _ = client.stream.shutdown(net::Shutdown::Write);
            client.lingering = true;
            match discard_input(&mut client.stream) {
                Discarded::Closed => return self.close(token, None),
                Discarded::More => self.again.push(token),
                Discarded::Drained => {}
            }
            return self.set_deadline(token, Some(Instant::now() + LINGER));
        }
        let now = Instant::now();
        let was_writing = client.writing;
        client.writing = !outbox.owed.is_empty();
        let was_holding_up = client.holding_up;
        client.holding_up = self.pace.is_some() && self.out.is_behind(token);
        let deadline = if client.writing {
            // Waiting for the client to take what it is owed: a write that
            // makes no progress for the write timeout ends the connection,
            // as it ends a threaded server's blocked `write`. One that
            // keeps everyone waiting gets the shared pace's time instead.
            let starts = !was_writing || client.holding_up && !was_holding_up;
            if wrote || starts || client.deadline.is_none() {
                let pace = self.pace.filter(|_| client.holding_up);
                [pace, self.config.write_timeout]
                    .into_iter()
                    .flatten()
                    .min()
                    .map(|limit| now + limit)
            } else {
                client.deadline
            }
        } else if outbox.patient {
            None
        } else if received || was_writing || client.deadline.is_none() {
            // Idle means nothing received while we wait for input.
            self.config.read_timeout.map(|limit| now + limit)
        } else {
            client.deadline
        };
        self.set_deadline(token, deadline);
    }

    /// The connection failed: the service is told, and it is closed.
    fn gone(&mut self, token: Token) {
        self.service.left(token, &mut self.out);
        self.close(token, None);
    }

    fn first_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|&(at, _)| at)
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
            if client.lingering {
                self.close(token, None);
                continue;
            }
            let pace = self.pace.filter(|_| client.holding_up);
            if let (true, Some(wait)) = (client.writing, pace) {
                // A full socket says it is writable again only once a good
                // part of its send buffer is free: a reader taking a little
                // at a time may not have made it say so yet. So the loop
                // asks, with one more write.
                match write_owed(&mut client.stream, &mut self.out, token) {
                    Ok(0) => {}
                    Ok(_) => {
                        self.after_work(token, false, true);
                        continue;
                    }
                    Err(_) => {
                        self.gone(token);
                        continue;
                    }
                }
                let owed = self.out.owed(token);
                self.service.too_slow(token, &mut self.out);
                let why = format!(
                    "not reading ({owed} bytes behind, nothing written for \
                     {wait:?} while the others waited)"
                );
                self.close(token, Some(why));
                continue;
            }
            let why = if client.writing {
                let Some(limit) = self.config.write_timeout else {
                    continue;
                };
                format!("not reading (nothing written for {limit:?})")
            } else {
                let Some(limit) = self.config.read_timeout else {
                    continue;
                };
                if !self.out.wants_input(token) || client.paused {
                    continue;
                }
                format!("timed out (idle limit {limit:?})")
            };
            self.service.left(token, &mut self.out);
            self.close(token, Some(why));
        }
        self.flush();
    }

    /// Once nobody is behind, the clients left unread for it are driven
    /// again: their input is still waiting, and no event will say so.
    fn resume(&mut self) {
        if self.out.anyone_behind() {
            return;
        }
        for token in std::mem::take(&mut self.paused) {
            if let Some(client) = self.clients.get_mut(&token) {
                client.paused = false;
                self.again.push(token);
            }
        }
    }

    /// The shutdown: the service says its last words, then every client is
    /// finished: what it is owed is written, then FIN, then the socket is
    /// closed once the client closes too, or when the linger ends.
    fn begin_stop(&mut self) {
        self.service.stopping(&mut self.out);
        for token in self.out.clients() {
            self.out.finish(token);
        }
        self.flush();
    }

    fn close(&mut self, token: Token, why: Option<String>) {
        self.out.remove(token);
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

/// Writes what `token` is owed until it is all written or the socket
/// would block; returns how many bytes it took. A write may take fewer
/// bytes than it was given: the rest stays owed, for the next time the
/// socket is writable.
fn write_owed(
    stream: &mut TcpStream,
    out: &mut Outboxes,
    token: Token,
) -> io::Result<usize> {
    let Some(outbox) = out.boxes.get_mut(&token) else {
        return Ok(0);
    };
    let mut written = 0;
    while !outbox.owed.is_empty() {
        match stream.write(&outbox.owed) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                outbox.owed.drain(..n);
                written += n;
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    out.recount(token);
    Ok(written)
}

/// What [`discard_input`] found.
enum Discarded {
    /// The client has closed its side (or failed): close the socket.
    Closed,
    /// All it sent is dropped; wait for more, or for its end of stream.
    Drained,
    /// Its turn is over with input left: drive it again after the poll.
    More,
}

/// Reads and drops what a finished client still sends, so that the
/// socket can close without a reset once the client closes its side. At
/// most a turn's reads, like any client.
fn discard_input(stream: &mut TcpStream) -> Discarded {
    let mut sink = [0; 4096];
    let mut reads = 0;
    while reads < READS_PER_TURN {
        match stream.read(&mut sink) {
            Ok(0) => return Discarded::Closed,
            Ok(_) => reads += 1,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                return Discarded::Drained;
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Discarded::Closed,
        }
    }
    Discarded::More
}
