//! The accept loop every TCP lesson runs: a thread per connection, as in the
//! originals, with what they leave out.
//!
//! ```text
//!     accept() ──> over the cap? ──yes──> send busy message, close
//!        │              │no
//!        │              └──> set timeouts, register, spawn a thread
//!        │                        └──> handler(conn) ... returns
//!        │                                 └──> log how it ended
//!        ├── fails, out of descriptors ──> close the spare, accept with
//!        │                                 its number, send busy, close
//!     Shutdown triggered
//!        └──> stop accepting, shut the read side of every open
//!             connection (their blocked reads return 0), wait up to
//!             the grace period, then cut whatever is left
//! ```
//!
//! The originals block forever on a silent client, spawn without limit, and
//! can only be stopped by killing the process. Here every connection has a
//! read and a write timeout, the number of connections is capped (one over
//! the cap is told and closed, never left hanging in the backlog), a
//! process out of file descriptors still tells a waiting client so, a
//! failing connection is logged with its address and never stops the
//! server, and [`serve`] returns once a [`Shutdown`] handle is triggered.
//!
//! Each connection costs one descriptor, its socket: the handler and the
//! registry that a shutdown uses share it (`Arc<TcpStream>`) instead of
//! duplicating it with `try_clone`. The server keeps two more for itself:
//! the spare ([`Spare`]) and the waker's socket.
//!
//! With [`ServerConfig::sequential`] the handler runs on the accepting
//! thread instead of a thread of its own: one client at a time, as the
//! originals' simplest servers do, for handlers that never block.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, select};
use socket2::{Domain, Socket, Type};

use crate::descriptors::{Spare, is_out_of_descriptors};
use crate::log::Log;
use crate::shutdown::Shutdown;

/// Default cap on connections served at once. Each one costs a thread and
/// one file descriptor (the socket, shared with the registry below rather
/// than duplicated), so 512 of them and the server's own reserve fit under
/// the common limit of 1024 open files; where the limit is lower, the
/// servers lower the cap to fit at start and say so
/// ([`crate::descriptors`]). Servers take `--max-clients` to change it.
pub const MAX_CONNECTIONS: usize = 512;

/// A connection that sends nothing for this long is closed, so a client that
/// connects and goes silent cannot hold a thread forever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A write that cannot make progress for this long (the peer stopped
/// reading and both socket buffers are full) fails instead of blocking.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// After a shutdown, how long handlers get to finish before their sockets
/// are cut. Short enough that Ctrl-C exits well within 2 seconds.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(1000);

/// What a client over the cap is told before it is closed.
pub const BUSY_MESSAGE: &[u8] =
    b"server busy: too many connections, try again later\n";

/// How long to pause after `accept` (or the datagram loop's `recv_from`)
/// itself fails, so the loop does not spin while the condition lasts.
pub const ERROR_BACKOFF: Duration = Duration::from_millis(100);

/// How much of a peer's unread input [`lingering_close`] and [`refuse`]
/// read and drop before closing, so the close does not become a reset.
const DISCARD_LIMIT: usize = 64 * 1024;

/// How long [`lingering_close`] waits for the peer to stop sending (and
/// lesson 7's one-thread server, for a client it has finished with).
pub const LINGER_TIME: Duration = Duration::from_millis(500);

/// How the accept loop treats connections. Lessons start from
/// `ServerConfig::default()` and change what their flags set.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Most connections served at once; the next one gets `busy_message`.
    /// Servers started from the command line fit it to the open-file
    /// limit first ([`crate::cli::ServerFlags::config`]).
    pub max_connections: usize,
    /// Read timeout on every connection (`None`: wait forever).
    pub read_timeout: Option<Duration>,
    /// Write timeout on every connection (`None`: wait forever).
    pub write_timeout: Option<Duration>,
    /// Sent to a client over the cap, just before closing it.
    pub busy_message: Vec<u8>,
    /// How long handlers get to finish after a shutdown.
    pub grace: Duration,
    /// Stop accepting after this many connections and return when they are
    /// done: `Some(1)` is the single-client server of the originals.
    pub max_accepts: Option<u64>,
    /// Run each connection's handler on the accepting thread, one client
    /// at a time, as the originals' simplest servers do: the next client
    /// waits in the backlog meanwhile. Only for handlers that never block
    /// (see [`say_and_close`]); the cap does not apply.
    pub sequential: bool,
    /// Where events go.
    pub log: Log,
    /// The set of open connections; keep a clone to watch it from a test.
    pub connections: Connections,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            max_connections: MAX_CONNECTIONS,
            read_timeout: Some(IDLE_TIMEOUT),
            write_timeout: Some(WRITE_TIMEOUT),
            busy_message: BUSY_MESSAGE.to_vec(),
            grace: SHUTDOWN_GRACE,
            max_accepts: None,
            sequential: false,
            log: Log::stderr(),
            connections: Connections::default(),
        }
    }
}

/// One accepted connection, as a handler sees it.
#[derive(Debug)]
pub struct Connection {
    /// The socket, with the configured timeouts already set. Shared (not
    /// duplicated with `try_clone`, which costs a descriptor) with the
    /// registry, so that a shutdown can reach it. `&TcpStream` reads and
    /// writes, so `let mut stream = &*conn.stream;` is all a handler needs.
    pub stream: Arc<TcpStream>,
    /// The client's address, for log lines.
    pub peer: SocketAddr,
    /// Triggered when the server stops; a handler that sleeps or waits on
    /// something other than the socket should watch it.
    pub shutdown: Shutdown,
    /// The server's log.
    pub log: Log,
}

/// What [`serve`] did, returned when it stops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServeReport {
    /// Connections handed to a handler.
    pub accepted: u64,
    /// Connections over the cap, or past the open-file limit, told and
    /// closed.
    pub refused: u64,
    /// Handlers still running when the grace period ran out; their sockets
    /// were shut down under them.
    pub unfinished: usize,
}

// ANCHOR: serve
/// Accepts connections on `listener` until `shutdown` triggers (or
/// `max_accepts` is reached), running `handler` on its own thread for each.
pub fn serve<H>(
    listener: TcpListener,
    shutdown: &Shutdown,
    config: &ServerConfig,
    handler: H,
) -> io::Result<ServeReport>
where
    H: Fn(&Connection) -> io::Result<()> + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let waker = Waker::start(&listener, shutdown, &config.connections)?;
    let mut spare = Spare::take();
    let mut report = ServeReport::default();
    while config.max_accepts.is_none_or(|max| report.accepted < max) {
        let accepted = accept(&listener, &mut spare);
        // This connection may be the waker's: either way, we are done.
        if shutdown.is_triggered() {
            break;
        }
        match accepted {
            Accepted::Client(stream, peer) => {
                if !config.sequential
                    && config.connections.active() >= config.max_connections
                {
                    refuse(&stream, peer, config);
                    report.refused += 1;
                } else {
                    start_handler(stream, peer, shutdown, config, &handler);
                    report.accepted += 1;
                }
            }
            Accepted::NoDescriptor(stream, peer) => {
                refuse_out_of_descriptors(&stream, peer, config);
                report.refused += 1;
                drop(stream);
                spare.restore();
            }
            Accepted::Failed(err) => {
                config.log.problem(format_args!("accept failed: {err}"));
                shutdown.wait_timeout(ERROR_BACKOFF);
                spare.restore();
            }
        }
    }
    // Closing the listening socket stops accepting: from here the kernel
    // refuses new connections instead of queueing them.
    drop(listener);
    report.unfinished = config.connections.finish(shutdown, config.grace);
    waker.stop();
    Ok(report)
}
// ANCHOR_END: serve

/// What [`accept`] got.
enum Accepted {
    /// A client, and descriptors to serve it.
    Client(TcpStream, SocketAddr),
    /// A client accepted with the spare descriptor, and none left over:
    /// to be told the server is busy, and closed.
    NoDescriptor(TcpStream, SocketAddr),
    /// `accept` failed, for a reason the loop waits out.
    Failed(io::Error),
}

// ANCHOR: accept
/// Accepts the next client. Out of file descriptors (`EMFILE`), `accept`
/// fails while the client waits in the backlog, told nothing; so the
/// spare descriptor is closed to make room, and the client accepted
/// with it. If taking the spare back then works, a descriptor came free
/// meanwhile and the client is served; if not, it is refused.
fn accept(listener: &TcpListener, spare: &mut Spare) -> Accepted {
    match listener.accept() {
        Ok((stream, peer)) => Accepted::Client(stream, peer),
        Err(err) if is_out_of_descriptors(&err) && spare.release() => {
            // On Linux a blocked `accept` holds its descriptor number
            // while it waits (the failing one fails at once, client or
            // not): this one waits, holding the spare's, for a client.
            match listener.accept() {
                Ok((stream, peer)) if spare.restore() => {
                    Accepted::Client(stream, peer)
                }
                Ok((stream, peer)) => Accepted::NoDescriptor(stream, peer),
                Err(err) => Accepted::Failed(err),
            }
        }
        Err(err) => Accepted::Failed(err),
    }
}
// ANCHOR_END: accept

/// Sets up one accepted connection and runs its handler: on a thread of
/// its own, or on this one when the server is sequential.
fn start_handler<H>(
    stream: TcpStream,
    peer: SocketAddr,
    shutdown: &Shutdown,
    config: &ServerConfig,
    handler: &Arc<H>,
) where
    H: Fn(&Connection) -> io::Result<()> + Send + Sync + 'static,
{
    let log = config.log.clone();
    if let Err(err) = set_timeouts(&stream, config) {
        log.problem(format_args!("{peer}: cannot set up the socket: {err}"));
        return;
    }
    // Registered so that a shutdown can reach the connection.
    let stream = Arc::new(stream);
    let id = config.connections.register(&stream);
    let conn = Connection {
        stream,
        peer,
        shutdown: shutdown.clone(),
        log,
    };
    let connections = config.connections.clone();
    let read_timeout = config.read_timeout;
    if config.sequential {
        let _registered = Registered { connections, id };
        // Declared after the registration, so dropped before it: see below.
        let conn = conn;
        run_handler(&conn, &**handler, read_timeout);
        return;
    }
    let handler = Arc::clone(handler);
    let spawned =
        thread::Builder::new()
            .name(format!("conn {peer}"))
            .spawn(move || {
                // Made here, not before the spawn: if the spawn fails, the
                // registration must outlive the closure (see below). It
                // unregisters when the thread ends, even by a panic.
                let _registered = Registered { connections, id };
                // Locals drop in reverse order, by a panic too: the
                // handler's handle on the socket first, then the
                // registry's, which closes it. So once a connection has
                // left the registry, its descriptor is free.
                let conn = conn;
                run_handler(&conn, &*handler, read_timeout);
            });
    if let Err(err) = spawned {
        // Out of threads (or memory for a stack): refuse like over the cap.
        // The closure and its handle on the socket are gone; the
        // registry's is still there.
        config
            .log
            .problem(format_args!("{peer}: cannot start a thread: {err}"));
        if let Some(stream) = config.connections.handle(id) {
            refuse(&stream, peer, config);
        }
        config.connections.leave(id);
    }
}

/// Runs the handler on one connection and logs how it ended.
fn run_handler<H>(
    conn: &Connection,
    handler: &H,
    read_timeout: Option<Duration>,
) where
    H: Fn(&Connection) -> io::Result<()>,
{
    let peer = conn.peer;
    conn.log.event(format_args!("{peer}: connected"));
    match handler(conn) {
        Ok(()) => conn.log.event(format_args!("{peer}: closed")),
        // The shutdown closed our read side under the handler: what it
        // reports (a cut line, say) is our doing, not the peer's.
        Err(_) if conn.shutdown.is_triggered() => {
            conn.log
                .event(format_args!("{peer}: closed by the shutdown"));
        }
        Err(err) => conn.log.problem(format_args!(
            "{peer}: {}; closed",
            describe(&err, read_timeout)
        )),
    }
}

fn set_timeouts(stream: &TcpStream, config: &ServerConfig) -> io::Result<()> {
    // An accepted socket starts with no timeouts (it copies the listening
    // socket's, and we set none there): `None` needs no system call, which
    // a server that accepts tens of thousands of connections a second
    // notices.
    if let Some(timeout) = config.read_timeout {
        stream.set_read_timeout(Some(timeout))?;
    }
    if let Some(timeout) = config.write_timeout {
        stream.set_write_timeout(Some(timeout))?;
    }
    // Request/reply protocols send small messages and wait for the answer;
    // Nagle's algorithm would hold a small reply back waiting for an ACK.
    stream.set_nodelay(true)
}

/// Tells a client over the cap why it is being closed, without ever making
/// the accept loop wait on it.
fn refuse(stream: &TcpStream, peer: SocketAddr, config: &ServerConfig) {
    let _ = say_and_close(stream, &config.busy_message);
    let cap = config.max_connections;
    let connections = match cap {
        1 => "connection",
        _ => "connections",
    };
    config.log.problem(format_args!(
        "{peer}: refused: the cap of {cap} open {connections} is reached \
         (--max-clients)"
    ));
}

/// Tells a client it cannot be served because the process is out of file
/// descriptors: the same answer as over the cap, since for the client it
/// is the same news.
fn refuse_out_of_descriptors(
    stream: &TcpStream,
    peer: SocketAddr,
    config: &ServerConfig,
) {
    let _ = say_and_close(stream, &config.busy_message);
    config.log.problem(format_args!(
        "{peer}: refused: out of file descriptors (ulimit -n)"
    ));
}

// ANCHOR: say_and_close
/// Sends a short message and closes, without ever blocking: for servers
/// that answer and hang up, and for refusals.
///
/// Non-blocking, because a fresh connection's send buffer always has room
/// for a short message, and a peer that does not read cannot stall us. Then
/// FIN, so the client reads the message and then end-of-stream; then
/// whatever the client had already sent is read and dropped, because a
/// close with unread input goes out as a reset, which can destroy the
/// message before the client reads it.
pub fn say_and_close(stream: &TcpStream, message: &[u8]) -> io::Result<()> {
    stream.set_nonblocking(true)?;
    let mut writer = stream;
    // `WouldBlock` here would mean the message did not fit: an error.
    writer.write_all(message)?;
    stream.shutdown(net::Shutdown::Write)?;
    // With the socket non-blocking, this ends at the first empty read.
    discard_input(stream, Instant::now() + LINGER_TIME);
    Ok(())
}
// ANCHOR_END: say_and_close

/// Turns on TCP keepalive: after [`KEEPALIVE_IDLE`] without a segment,
/// the kernel probes the peer, and if it never answers, reads and writes
/// fail. That is how a server notices a client that vanished without a
/// FIN (power lost, cable pulled) on a connection meant to stay silent
/// for hours, where a read timeout would cut a client that is only
/// listening.
///
/// Any TCP socket will do: std's, or a poller's non-blocking one (mio's).
pub fn keep_alive<'s, S>(stream: &'s S) -> io::Result<()>
where
    socket2::SockRef<'s>: From<&'s S>,
{
    let probes = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_PROBES);
    socket2::SockRef::from(stream).set_tcp_keepalive(&probes)
}

/// Silence before the first keepalive probe.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
/// Time between unanswered probes.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// Unanswered probes before the connection is given up: a dead peer is
/// noticed about 90 s after it went.
pub const KEEPALIVE_PROBES: u32 = 3;

// ANCHOR: lingering_close
/// Closes a connection after a last message (an error, a goodbye) so that
/// the peer gets to read it.
///
/// If the peer sent bytes we never read, `close()` sends a reset (RST)
/// instead of the usual FIN, and a reset can make the peer's kernel throw
/// away data it has not handed to its program yet: our last message. So:
/// FIN first, then read and drop what the peer still sends until it closes
/// too, or the limits on bytes and time run out, and only then close.
pub fn lingering_close(stream: &TcpStream) {
    let _ = stream.shutdown(net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER_TIME));
    discard_input(stream, Instant::now() + LINGER_TIME);
}
// ANCHOR_END: lingering_close

/// Reads and drops input until end-of-stream, an error (a timeout, or
/// `WouldBlock` on a non-blocking socket), [`DISCARD_LIMIT`] bytes, or the
/// deadline.
fn discard_input(mut stream: &TcpStream, deadline: Instant) {
    let mut sink = [0; 4096];
    let mut discarded = 0;
    while discarded < DISCARD_LIMIT {
        match stream.read(&mut sink) {
            Ok(n) if n > 0 => discarded += n,
            _ => break,
        }
        if Instant::now() >= deadline {
            break;
        }
    }
}

/// Turns a handler's error into a phrase for the log line.
pub fn describe(err: &io::Error, read_timeout: Option<Duration>) -> String {
    use io::ErrorKind::*;
    if crate::is_timeout(err) {
        return match read_timeout {
            Some(limit) => format!("timed out (idle limit {limit:?})"),
            None => "timed out".to_owned(),
        };
    }
    match err.kind() {
        ConnectionReset => "connection reset by the peer".to_owned(),
        BrokenPipe => "the peer closed before our reply was sent".to_owned(),
        _ => err.to_string(),
    }
}

/// Removes a connection from the registry when its thread ends.
struct Registered {
    connections: Connections,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.connections.leave(self.id);
    }
}

/// The open connections: a handle on each socket (the same socket as the
/// handler's, not a duplicate descriptor), kept so that shutdown can reach
/// connections whose threads are blocked in a read.
#[derive(Clone, Debug, Default)]
pub struct Connections {
    shared: Arc<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    state: Mutex<RegistryState>,
    /// Notified whenever a connection leaves and when closing begins.
    changed: Condvar,
}

#[derive(Debug, Default)]
struct RegistryState {
    open: HashMap<u64, Arc<TcpStream>>,
    next_id: u64,
    closing: bool,
}

impl Connections {
    /// How many connections are being served right now.
    pub fn active(&self) -> usize {
        self.lock().open.len()
    }

    /// Waits until no connection is open; returns false if `timeout` passed
    /// first. Tests use it to prove that no handler thread was left behind.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        self.wait_for_at_most(0, timeout)
    }

    /// Waits until at most `count` connections are open; returns false if
    /// `timeout` passed first.
    pub fn wait_for_at_most(&self, count: usize, timeout: Duration) -> bool {
        let state = self.lock();
        let (state, _) = self
            .shared
            .changed
            .wait_timeout_while(state, timeout, |s| s.open.len() > count)
            .unwrap_or_else(PoisonError::into_inner);
        state.open.len() <= count
    }

    fn lock(&self) -> MutexGuard<'_, RegistryState> {
        // Only this module locks it and no code here can panic while
        // holding it; if that changes, the map is still consistent.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn register(&self, stream: &Arc<TcpStream>) -> u64 {
        let mut state = self.lock();
        if state.closing {
            // Accepted in the instant the shutdown began.
            let _ = stream.shutdown(net::Shutdown::Read);
        }
        let id = state.next_id;
        state.next_id += 1;
        state.open.insert(id, Arc::clone(stream));
        id
    }

    /// Another handle on a registered connection's socket.
    fn handle(&self, id: u64) -> Option<Arc<TcpStream>> {
        self.lock().open.get(&id).cloned()
    }

    /// Removes a connection. Its handle is dropped with the lock held, so
    /// whoever sees the connection gone (in [`wait_idle`](Self::wait_idle),
    /// say) also finds its descriptor closed, once the handler's handle
    /// was the first to go.
    fn leave(&self, id: u64) {
        let mut state = self.lock();
        drop(state.open.remove(&id));
        drop(state);
        self.shared.changed.notify_all();
    }

    // ANCHOR: begin_closing
    /// Tells every handler to finish. Shutting down the read side of a
    /// socket wakes a thread blocked in `read` on it, which then returns 0
    /// bytes, as if the client had closed: the handler ends the ordinary
    /// way, and can still write a goodbye on the side left open.
    fn begin_closing(&self) {
        let mut state = self.lock();
        state.closing = true;
        for stream in state.open.values() {
            let _ = stream.shutdown(net::Shutdown::Read);
        }
        drop(state);
        self.shared.changed.notify_all();
    }
    // ANCHOR_END: begin_closing

    /// Waits for handlers: without limit until a shutdown, then for `grace`.
    /// Cuts whatever is still open after that and returns how many.
    fn finish(&self, shutdown: &Shutdown, grace: Duration) -> usize {
        let mut state = self.lock();
        // `begin_closing` notifies after the trigger, so this wakes for it.
        while !state.open.is_empty() && !shutdown.is_triggered() {
            state = self
                .shared
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let deadline = Instant::now() + grace;
        while !state.open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        for stream in state.open.values() {
            let _ = stream.shutdown(net::Shutdown::Both);
        }
        state.open.len()
    }
}

/// A thread that turns a shutdown into something the blocked threads
/// notice. Nothing in std interrupts a blocking `accept()`, so the portable
/// trick is used: connect to our own listening socket, which makes `accept`
/// return, and the loop then sees the shutdown flag.
struct Waker {
    /// Dropped by `stop` to end the thread when `serve` returns on its own.
    done: Sender<()>,
    thread: thread::JoinHandle<()>,
}

impl Waker {
    fn start(
        listener: &TcpListener,
        shutdown: &Shutdown,
        connections: &Connections,
    ) -> io::Result<Waker> {
        let wake_addr = reachable(listener.local_addr()?);
        // The socket is made now, so that its descriptor is there when the
        // shutdown comes, even if the server has run out of them by then.
        let socket =
            Socket::new(Domain::for_address(wake_addr), Type::STREAM, None)?;
        let (done, done_rx) = crossbeam_channel::bounded::<()>(0);
        let shutdown = shutdown.clone();
        let connections = connections.clone();
        let thread =
            thread::Builder::new().name("waker".into()).spawn(move || {
                select! {
                    recv(shutdown.receiver()) -> _ => {
                        connections.begin_closing();
                        let _ = socket
                            .connect_timeout(&wake_addr.into(), SHUTDOWN_GRACE);
                    }
                    recv(done_rx) -> _ => {}
                }
            })?;
        Ok(Waker { done, thread })
    }

    fn stop(self) {
        drop(self.done);
        let _ = self.thread.join();
    }
}

/// The address to connect to in order to reach a listener: a listener on
/// 0.0.0.0 or [::] ("every address") is reached through loopback.
pub(crate) fn reachable(local: SocketAddr) -> SocketAddr {
    let mut addr = local;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}
