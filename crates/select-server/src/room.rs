//! Lesson 5's chat room as a [`Service`]: the same names, messages,
//! commands and notices as `chat-room`'s threaded server, from the same
//! pure functions (`chat_room::protocol`), with no broker thread, no
//! channel and no writer thread.
//!
//! In the threaded room each message hops from the sender's reader
//! thread to the broker, then to one writer thread per user, which each
//! wake to write it. Here the loop's thread reads the message, appends it
//! to every other user's outbox, and writes each outbox when the loop
//! next looks: one thread, no hops, and several messages that arrived
//! together go out in one write.
//!
//! What a user is owed waits in its own outbox, never in a blocking
//! write. The room goes at its slowest reader's pace, as the threaded
//! room does: while anyone is [`MAX_OWED`] behind, nobody is read, so a
//! sender faster than its readers is slowed to theirs by TCP's flow
//! control. A user who stays behind and takes nothing for
//! [`SLOW_CLIENT_WAIT`] has stopped reading, and is cut off: everyone
//! waits that long for it, once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use chat_room::broker::{OUTBOX_CAPACITY, SLOW_CLIENT_WAIT};
use chat_room::protocol::{
    Framing, Login, MAX_MESSAGE, NOT_READING, QUIT, REUSE, Request, SUCCESS,
    check_name, commands, nobody_called, notice, online, parse_request,
    read_login, said, shutting_down, whispered, wrong_framing_hint,
};
use jiff::Zoned;
use mio::Token;
use netkit::Log;
use netkit::framing::LineDecoder;

use crate::server::{Outboxes, Service};

#[cfg(doc)]
use crate::server::MAX_OWED;

/// The most one user may be behind, in bytes, before it is cut off at
/// once: the threaded room's bound, its outbox of [`OUTBOX_CAPACITY`]
/// messages of up to [`MAX_MESSAGE`] bytes. The room's pace
/// ([`Room::shared_pace`]) stops all reading once anyone is owed
/// [`MAX_OWED`], a quarter of this, so what the others say keeps a user
/// well below it. One read can still bring more at once (a packet of
/// `/who` lines in a crowded room, all answered to the sender): this
/// bound holds whatever comes, as the threaded room's outbox does.
pub const MAX_BEHIND: usize = OUTBOX_CAPACITY * MAX_MESSAGE;

/// Where one connection is in the room.
#[derive(Debug)]
enum Person {
    /// Connected; its name is not all here yet.
    Arriving {
        peer: SocketAddr,
        /// What it has sent so far (`--lines`: a name may come in pieces).
        sent: Vec<u8>,
    },
    /// Logged in.
    Joined {
        name: String,
        /// `--lines`: bytes received but not yet a whole line.
        lines: LineDecoder,
    },
}

/// The room: everyone in it, by the loop's token for their connection.
#[derive(Debug)]
pub struct Room {
    framing: Framing,
    log: Log,
    people: HashMap<Token, Person>,
    /// Who has each name.
    names: HashMap<String, Token>,
}

impl Room {
    /// An empty room whose clients frame their messages as `framing` says.
    pub fn new(framing: Framing, log: Log) -> Room {
        Room {
            framing,
            log,
            people: HashMap::new(),
            names: HashMap::new(),
        }
    }

    /// A connection said who it is.
    fn log_in(
        &mut self,
        client: Token,
        peer: SocketAddr,
        raw_name: &[u8],
        rest: &[u8],
        out: &mut Outboxes,
    ) {
        let name = match check_name(raw_name) {
            Ok(name) => name,
            Err(bad) => {
                // Neither "success" nor "reuse": an original client stops.
                let hint = wrong_framing_hint(self.framing, raw_name, &bad);
                let refusal = format!("error: {bad}{hint}");
                self.people.remove(&client);
                out.send(client, &self.framing.encode(refusal.as_bytes()));
                out.finish(client);
                self.log
                    .problem(format_args!("{peer}: refused: {bad}{hint}"));
                return;
            }
        };
        if self.names.contains_key(&name) {
            // The original's "reuse", then the connection closes.
            self.people.remove(&client);
            out.send(client, &self.framing.encode(REUSE));
            out.finish(client);
            self.log.event(format_args!("{name:?} is taken; refused"));
            return;
        }
        let mut lines = LineDecoder::new(MAX_MESSAGE);
        lines.push(rest);
        self.names.insert(name.clone(), client);
        self.people.insert(
            client,
            Person::Joined {
                name: name.clone(),
                lines,
            },
        );
        // A chat user may listen for hours without a word: the idle limit
        // that bounds a login ends here (keepalive takes over).
        out.be_patient(client);
        self.send(client, SUCCESS, out);
        self.log.event(format_args!("{name} joined"));
        self.announce(client, &format!("{name} joined"), out);
        // Lines that came in the same reads as the name.
        self.read_lines(client, out);
    }

    /// Every whole line a `--lines` user has sent, as messages.
    fn read_lines(&mut self, client: Token, out: &mut Outboxes) {
        loop {
            let next = match self.people.get_mut(&client) {
                Some(Person::Joined { lines, .. }) => lines.next_line(),
                _ => return,
            };
            match next {
                Ok(Some(line)) if line.is_empty() => {}
                Ok(Some(line)) => self.message(client, &line, out),
                Ok(None) => return,
                Err(too_long) => {
                    let rule = format!(
                        "a message longer than {} bytes",
                        too_long.max_len
                    );
                    let told = notice(&format!("disconnected: {rule}"));
                    self.send(client, &told, out);
                    out.finish(client);
                    self.remove(
                        client,
                        &format!("was disconnected: {rule}"),
                        out,
                    );
                    return;
                }
            }
        }
    }

    // ANCHOR: message
    /// One message from a logged-in user, as the threaded room's broker
    /// handles it.
    fn message(&mut self, client: Token, bytes: &[u8], out: &mut Outboxes) {
        let Some(Person::Joined { name, .. }) = self.people.get(&client) else {
            return;
        };
        let name = name.clone();
        let now = Zoned::now();
        match parse_request(bytes) {
            Request::Say(text) => {
                self.tell(client, &said(&now, &name, text), false, out)
            }
            Request::Quit => {
                // The original answers "quit" and closes.
                self.send(client, QUIT, out);
                out.finish(client);
                self.remove(client, "left", out);
            }
            Request::Who => {
                let online = online(self.names.keys().map(String::as_str));
                self.send(client, &online, out);
            }
            Request::Private { to, text } => {
                let to = String::from_utf8_lossy(to);
                match self.names.get(to.as_ref()).copied() {
                    Some(target) => {
                        self.send(target, &whispered(&now, &name, text), out)
                    }
                    None => self.send(client, &nobody_called(&to), out),
                }
            }
            Request::Unknown => self.send(client, &commands(), out),
        }
    }
    // ANCHOR_END: message

    // ANCHOR: send
    /// Owes `message` to one user, framed. A user now more than
    /// [`MAX_BEHIND`] bytes behind has stopped reading: it is cut off
    /// at once, and the others are told. Nobody waits for it.
    fn send(&mut self, to: Token, message: &[u8], out: &mut Outboxes) {
        self.send_framed(to, &self.framing.encode(message), out);
    }

    /// [`Room::send`], for bytes framed already: a message to everyone is
    /// framed once.
    fn send_framed(&mut self, to: Token, framed: &[u8], out: &mut Outboxes) {
        out.send(to, framed);
        if out.owed(to) > MAX_BEHIND {
            out.cut(to);
            self.remove(to, NOT_READING, out);
        }
    }
    // ANCHOR_END: send

    /// Sends `message` to everyone but `from`: everyone, or (`notices`)
    /// only those who frame with lines. The original server sent no
    /// notices, and an original client, which takes one read as one
    /// message, would often read a notice glued to the message after it.
    fn tell(
        &mut self,
        from: Token,
        message: &[u8],
        notices: bool,
        out: &mut Outboxes,
    ) {
        if notices && self.framing != Framing::Lines {
            return;
        }
        let others: Vec<Token> = self
            .people
            .iter()
            .filter(|&(&id, person)| {
                id != from && matches!(person, Person::Joined { .. })
            })
            .map(|(&id, _)| id)
            .collect();
        let framed = self.framing.encode(message);
        for id in others {
            self.send_framed(id, &framed, out);
        }
    }

    /// Tells everyone but `from` who came or went, in a notice.
    fn announce(&mut self, from: Token, news: &str, out: &mut Outboxes) {
        self.tell(from, &notice(news), true, out);
    }

    /// Forgets a user, frees its name at once, and tells the others.
    fn remove(&mut self, client: Token, how: &str, out: &mut Outboxes) {
        let Some(Person::Joined { name, .. }) = self.people.remove(&client)
        else {
            return;
        };
        self.names.remove(&name);
        self.log.event(format_args!("{name} {how}"));
        self.announce(client, &format!("{name} {how}"), out);
    }
}

impl Service for Room {
    fn connected(&mut self, client: Token, peer: SocketAddr, _: &mut Outboxes) {
        let sent = Vec::new();
        self.people.insert(client, Person::Arriving { peer, sent });
    }

    fn received(&mut self, client: Token, bytes: &[u8], out: &mut Outboxes) {
        match self.people.get_mut(&client) {
            Some(Person::Arriving { peer, sent }) => {
                sent.extend_from_slice(bytes);
                let peer = *peer;
                let (name, rest) = match self.framing {
                    // The original's rule: the first read is the name.
                    Framing::Raw => (std::mem::take(sent), Vec::new()),
                    Framing::Lines => match read_login(sent) {
                        Login::Line { name, rest } => (name, rest),
                        // Part of a name: read on; the idle limit ends a
                        // client that never finishes it.
                        Login::Incomplete => return,
                        // No name is this long: refuse it as it is.
                        Login::TooLong => (std::mem::take(sent), Vec::new()),
                    },
                };
                self.log_in(client, peer, &name, &rest, out);
            }
            Some(Person::Joined { lines, .. }) => match self.framing {
                // The original's rule: one read is one message.
                Framing::Raw => self.message(client, bytes, out),
                Framing::Lines => {
                    lines.push(bytes);
                    self.read_lines(client, out);
                }
            },
            None => {}
        }
    }

    fn left(&mut self, client: Token, out: &mut Outboxes) {
        match self.people.get(&client) {
            Some(Person::Arriving { .. }) => {
                self.people.remove(&client);
            }
            Some(Person::Joined { .. }) => self.remove(client, "left", out),
            None => {}
        }
    }

    /// Tells every user the server is going, as the threaded room does:
    /// a notice for those who frame with lines, then `quit`, which makes
    /// an original client close. A user far behind may not have read that
    /// far before the loop stops waiting, as one whose outbox is full
    /// misses it there.
    fn stopping(&mut self, out: &mut Outboxes) {
        for (&client, person) in &self.people {
            if let Person::Joined { .. } = person {
                if self.framing == Framing::Lines {
                    let bye = shutting_down();
                    out.send(client, &self.framing.encode(&bye));
                }
                out.send(client, &self.framing.encode(QUIT));
            }
        }
        self.people.clear();
        self.names.clear();
    }

    // ANCHOR: pace
    /// The room goes at its slowest reader's pace, as the threaded room
    /// does when its broker waits for room in a full outbox: while anyone
    /// is [`MAX_OWED`] behind, nobody is read,
    /// and a user who takes nothing for [`SLOW_CLIENT_WAIT`] meanwhile is
    /// cut off. Without it, a sender faster than its readers would be read
    /// at full speed, and a reader who reads, only more slowly, would be
    /// cut off like one who never reads.
    fn shared_pace(&self) -> Option<Duration> {
        Some(SLOW_CLIENT_WAIT)
    }

    fn too_slow(&mut self, client: Token, out: &mut Outboxes) {
        match self.people.get(&client) {
            Some(Person::Joined { .. }) => {
                self.remove(client, NOT_READING, out)
            }
            _ => self.left(client, out),
        }
    }
    // ANCHOR_END: pace
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A user the loop has accepted and the room has logged in.
    fn join(room: &mut Room, out: &mut Outboxes, id: usize, name: &str) {
        let token = Token(id);
        out.open(token);
        let peer = SocketAddr::from(([127, 0, 0, 1], 40_000));
        room.connected(token, peer, out);
        room.received(token, format!("{name}\n").as_bytes(), out);
    }

    /// With no loop to write or to stop reading, a user is owed at most
    /// [`MAX_BEHIND`] (and one message): then it is cut off, and the
    /// others are told.
    #[test]
    fn nobody_is_owed_more_than_max_behind() {
        let mut room = Room::new(Framing::Lines, Log::default().quiet());
        let mut out = Outboxes::default();
        join(&mut room, &mut out, 2, "alice");
        join(&mut room, &mut out, 3, "bob");
        let line = format!("{}\n", "x".repeat(1000));
        let (alice, bob) = (Token(2), Token(3));
        let mut most = 0;
        for _ in 0..2 * MAX_BEHIND / line.len() {
            room.received(alice, line.as_bytes(), &mut out);
            most = most.max(out.owed(bob));
        }
        assert!(most > MAX_BEHIND - MAX_MESSAGE, "it got near: {most}");
        assert!(most <= MAX_BEHIND + 2 * MAX_MESSAGE, "{most}");
        assert_eq!(out.owed(bob), 0, "cut off: nothing kept for it");
        room.received(alice, b"/who\n", &mut out);
        let told = String::from_utf8_lossy(&out.take(alice)).into_owned();
        assert!(told.contains("* bob was disconnected: not reading"));
        assert!(told.ends_with("* online (1): alice\n"), "{told:.80}");
    }
}
