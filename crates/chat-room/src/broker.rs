//! The broker: one thread that owns the users.
//!
//! In the original every connection's thread reads the shared `clients`
//! dictionary, sends to every other client itself, and deletes its own
//! entry, all at once with nothing to order them; and one client that
//! stops reading makes `send` block in the thread of whoever is talking.
//! Here the users belong to one thread, the broker. Connections tell it
//! what happened through one channel ([`Event`]); it answers through each
//! user's [`Outbox`]: a write straight into the socket, which cannot wait,
//! and for what the socket has no room for, a bounded queue that the
//! user's writer thread empties into it:
//!
//! ```text
//!  reader threads ──Event──> broker ──bytes──> outbox ──────────> sockets
//!  (one per client)          (one)               └─> queue ──> writer threads
//!                                                    (bounded)   (one per client)
//! ```
//!
//! Every arrow points one way, so no two threads can each wait for the
//! other: the channels form an acyclic graph. The broker never waits on a
//! socket, and never long for a client: a client whose queue stays full
//! (it has stopped reading) is disconnected after [`SLOW_CLIENT_WAIT`],
//! not waited for.

use std::collections::HashMap;
use std::time::Duration;

use crossbeam_channel::{Receiver, select};
use jiff::Zoned;
use netkit::{Log, Shutdown};

use crate::outbox::{Outbox, Refused};
use crate::protocol::{
    Framing, NOT_READING, QUIT, REUSE, Request, SUCCESS, commands,
    nobody_called, notice, online, parse_request, said, shutting_down,
    whispered,
};

// ANCHOR: limits
/// How many messages may wait for one client's writer, in its queue. A
/// burst fits. A client that stops reading fills it only after the
/// kernel's buffers for its socket are full (megabytes on Linux), and is
/// then dropped.
pub const OUTBOX_CAPACITY: usize = 256;

/// How long the broker waits for room in a full queue before it cuts
/// the client. Everyone waits this long, once, for a client that stopped
/// reading; waiting forever, as the original does, would stop the room.
pub const SLOW_CLIENT_WAIT: Duration = Duration::from_millis(250);
// ANCHOR_END: limits

/// What a connection tells the broker.
#[derive(Debug)]
pub enum Event {
    /// A client sent a name.
    Join {
        /// The connection's number, unique for the server's lifetime.
        id: u64,
        /// The name it asks for (already checked against the name rule).
        name: String,
        /// How to frame what it is sent.
        framing: Framing,
        /// Its socket and its writer's queue; dropping it ends the
        /// writer.
        outbox: Outbox,
    },
    /// A client sent a message.
    Message {
        /// The connection it came from.
        id: u64,
        /// The message, without framing.
        bytes: Vec<u8>,
    },
    /// A connection ended: the client left without `quit`, or broke a rule.
    Leave {
        /// The connection.
        id: u64,
        /// The rule it broke, if it did: told to the client first, if it
        /// is still there, and then to the others.
        broke: Option<String>,
    },
}

/// What the broker did, returned when it stops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrokerReport {
    /// Logins accepted.
    pub joined: u64,
    /// Logins refused because the name was taken.
    pub name_taken: u64,
    /// Messages passed on.
    pub messages: u64,
    /// Clients cut because their queue was full.
    pub too_slow: u64,
}

struct User {
    name: String,
    framing: Framing,
    outbox: Outbox,
}

/// The broker's state: only its own thread ever touches it.
struct Broker {
    users: HashMap<u64, User>,
    ids: HashMap<String, u64>,
    log: Log,
    report: BrokerReport,
}

// ANCHOR: run
/// Runs the broker until `shutdown` triggers, then tells every client and
/// lets their writers close.
pub fn run(
    events: &Receiver<Event>,
    shutdown: &Shutdown,
    log: Log,
) -> BrokerReport {
    let mut broker = Broker {
        users: HashMap::new(),
        ids: HashMap::new(),
        log,
        report: BrokerReport::default(),
    };
    loop {
        select! {
            recv(events) -> event => match event {
                Ok(event) => broker.handle(event),
                // Every connection and the server are gone.
                Err(_) => break,
            },
            // The shutdown's channel closes when it triggers.
            recv(shutdown.receiver()) -> _ => break,
        }
    }
    broker.close_all();
    broker.report
}
// ANCHOR_END: run

impl Broker {
    // ANCHOR: handle
    fn handle(&mut self, event: Event) {
        match event {
            Event::Join {
                id,
                name,
                framing,
                mut outbox,
            } => {
                if self.ids.contains_key(&name) {
                    // The original's "reuse". Dropping the outbox after it
                    // makes the writer close the connection.
                    let _ = outbox.send(&framing.encode(REUSE), Duration::ZERO);
                    self.report.name_taken += 1;
                    self.log.event(format_args!("{name:?} is taken; refused"));
                    return;
                }
                let user = User {
                    name: name.clone(),
                    framing,
                    outbox,
                };
                self.users.insert(id, user);
                self.ids.insert(name.clone(), id);
                self.report.joined += 1;
                self.send(id, SUCCESS);
                self.log.event(format_args!("{name} joined"));
                self.announce(id, &format!("{name} joined"));
            }
            Event::Message { id, bytes } => self.message(id, &bytes),
            Event::Leave { id, broke: None } => self.remove(id, "left"),
            Event::Leave {
                id,
                broke: Some(rule),
            } => {
                self.send(id, &notice(&format!("disconnected: {rule}")));
                self.remove(id, &format!("was disconnected: {rule}"));
            }
        }
    }
    // ANCHOR_END: handle

    fn message(&mut self, id: u64, bytes: &[u8]) {
        // Not logged in (its name was taken): nothing it says counts.
        let Some(name) = self.users.get(&id).map(|user| user.name.clone())
        else {
            return;
        };
        self.report.messages += 1;
        let now = Zoned::now();
        match parse_request(bytes) {
            Request::Say(text) => {
                self.tell_others(id, &said(&now, &name, text))
            }
            Request::Quit => {
                // The original answers "quit" and closes.
                self.send(id, QUIT);
                self.remove(id, "left");
            }
            Request::Who => {
                let online = online(self.ids.keys().map(String::as_str));
                self.send(id, &online);
            }
            Request::Private { to, text } => {
                let to = String::from_utf8_lossy(to);
                match self.ids.get(to.as_ref()).copied() {
                    Some(target) => {
                        self.send(target, &whispered(&now, &name, text));
                    }
                    None => self.send(id, &nobody_called(&to)),
                }
            }
            Request::Unknown => self.send(id, &commands()),
        }
    }

    // ANCHOR: send
    /// Sends `message` to one user, through its outbox: into the socket
    /// at once while the client keeps up. If the client's queue is full,
    /// waits at most [`SLOW_CLIENT_WAIT`] for room: a client that is
    /// reading makes room in that time (and a sender faster than its
    /// readers is slowed to their pace); one that is not is cut, and the
    /// others are told.
    fn send(&mut self, id: u64, message: &[u8]) {
        let Some(user) = self.users.get_mut(&id) else {
            return;
        };
        let bytes = user.framing.encode(message);
        match user.outbox.send(&bytes, SLOW_CLIENT_WAIT) {
            Ok(()) => {}
            Err(Refused::Full) => {
                self.report.too_slow += 1;
                // Its writer may be blocked in a write that will never
                // end: cutting the socket makes that write fail at once,
                // and the writer thread exits.
                user.outbox.cut();
                self.remove(id, NOT_READING);
            }
            // The connection broke, or its writer has stopped: it is
            // leaving.
            Err(Refused::Gone) => self.remove(id, "left"),
        }
    }
    // ANCHOR_END: send

    /// Sends `message` to everyone but `from`.
    fn tell_others(&mut self, from: u64, message: &[u8]) {
        self.tell(from, message, |_| true);
    }

    /// Tells everyone but `from` who came or went, in a notice. Only our
    /// line clients get these: the original server sent none, and an
    /// original client, which takes one read as one message, would often
    /// read a notice glued to the message after it.
    fn announce(&mut self, from: u64, news: &str) {
        let notice = notice(news);
        self.tell(from, &notice, |user| user.framing == Framing::Lines);
    }

    fn tell(&mut self, from: u64, message: &[u8], to: impl Fn(&User) -> bool) {
        let others: Vec<u64> = self
            .users
            .iter()
            .filter(|&(&id, user)| id != from && to(user))
            .map(|(&id, _)| id)
            .collect();
        for id in others {
            self.send(id, message);
        }
    }

    /// Forgets a user, frees its name at once, and tells the others.
    fn remove(&mut self, id: u64, how: &str) {
        let Some(user) = self.users.remove(&id) else {
            return;
        };
        self.ids.remove(&user.name);
        // Dropping `user` drops its outbox: the writer sends what is
        // queued, then closes the connection.
        self.log.event(format_args!("{} {how}", user.name));
        self.announce(id, &format!("{} {how}", user.name));
    }

    /// The server is stopping: tell everyone, then let the writers finish.
    fn close_all(&mut self) {
        // No wait: the server is stopping, so nobody is waited for. A
        // client whose queue is full (one that stopped reading) misses
        // the goodbye, and gets the end of the stream all the same.
        for user in self.users.values_mut() {
            if user.framing == Framing::Lines {
                let bye = user.framing.encode(&shutting_down());
                let _ = user.outbox.send(&bye, Duration::ZERO);
            }
            // "quit" is what makes the original client close; ours too.
            let quit = user.framing.encode(QUIT);
            let _ = user.outbox.send(&quit, Duration::ZERO);
        }
        self.users.clear();
        self.ids.clear();
    }
}
