//! Lesson 5's chat room as a [`Service`], in the same loop as the hello
//! protocol. Nothing ends in a newline unless `--lines`:
//!
//! ```text
//! client A: Ada
//! server A: success
//! client B: Ada                      (taken)
//! server B: reuse                    (and closes)
//! client A: hello
//! server C: [Sun Dec  6 10:15:03 2026] Ada: hello
//! client A: quit
//! server A: quit                     (and closes; "Ada" is free)
//! ```
//!
//! Lesson 5's room needs a broker thread that owns the users and a
//! writer thread per user, so that nobody waits for anybody. Here the
//! loop's one thread owns the users, and a message to everyone else is
//! bytes added to what each of them is owed: the loop writes them as
//! each socket has room, and waits for none.
//!
//! # Try it
//!
//! ```text
//! cargo run -p select-server-exercise -- server --protocol chat  # terminal 1
//! cargo run -p chat-room -- client -u alice                      # terminal 2
//! cargo run -p chat-room -- client -u bob                        # terminal 3
//! ```

use std::collections::HashMap;

use chat_room::protocol::Framing;
use mio::Token;
use netkit::framing::LineDecoder;

use crate::server::{Clients, Service};

/// Where one connection is in the room. Yours to change: this is one way
/// to start.
#[derive(Debug)]
pub enum Person {
    /// Connected; its name is not all here yet.
    Arriving {
        /// What it has sent so far: with `--lines`, a name may come in
        /// pieces.
        sent: Vec<u8>,
    },
    /// Logged in.
    Joined {
        /// Its name, which nobody else has.
        name: String,
        /// `--lines`: bytes received but not yet a whole line, at most
        /// `chat_room::protocol::MAX_MESSAGE` of them.
        lines: LineDecoder,
    },
}

/// The room: everyone in it, by the loop's token for their connection.
#[derive(Debug)]
pub struct Room {
    /// The original's raw sends, or `--lines`.
    pub framing: Framing,
    /// Every connection the room knows.
    pub people: HashMap<Token, Person>,
    /// Who has each name.
    pub names: HashMap<String, Token>,
}

impl Room {
    /// An empty room whose clients frame their messages as `framing` says.
    pub fn new(framing: Framing) -> Room {
        Room {
            framing,
            people: HashMap::new(),
            names: HashMap::new(),
        }
    }

    /// A connection sent its name, `raw_name`, and with `--lines` perhaps
    /// messages after it, `rest`. A name `chat_room::protocol::check_name`
    /// refuses is owed one line starting `error:`, and the connection is
    /// finished; a name in use is owed `REUSE`, and finished. Otherwise
    /// the user joins, and is owed `SUCCESS`.
    pub fn log_in(
        &mut self,
        client: Token,
        raw_name: &[u8],
        rest: &[u8],
        clients: &mut Clients,
    ) {
        todo!(
            "stage chat-login: check the name, answer SUCCESS or REUSE \
             (book: select-server.md, \"The protocol\")"
        )
    }

    /// One message from a user who has joined, as
    /// `chat_room::protocol::parse_request` reads it: what a user says
    /// goes to everyone else as `chat_room::protocol::said` (stamped with
    /// `jiff::Zoned::now()`), never back; `quit` is answered `QUIT`, the
    /// user finished and [`remove`](Room::remove)d. (The commands `/who`
    /// and `/msg` are yours to add, or to ignore.)
    pub fn message(
        &mut self,
        client: Token,
        bytes: &[u8],
        clients: &mut Clients,
    ) {
        todo!(
            "stage chat-broadcast: `said` to everyone else, and `quit` \
             answered (book: select-server.md, \"The protocol\")"
        )
    }

    /// Owes `message` to the user `to`, in the room's framing
    /// (`Framing::encode`). Nobody is waited for: a user more than
    /// `select_server::room::MAX_BEHIND` bytes behind has stopped
    /// reading, and is cut off at once (removed, and its connection
    /// closed: gone from `clients`).
    pub fn send(&mut self, to: Token, message: &[u8], clients: &mut Clients) {
        todo!(
            "stage chat-login: owe the message, framed \
             (book: select-server.md, \"The protocol\")"
        )
    }

    /// Forgets a user, and frees its name at once.
    pub fn remove(&mut self, client: Token) {
        todo!(
            "stage chat-quit: forget the user and free its name \
             (book: select-server.md, \"The protocol\")"
        )
    }
}

impl Service for Room {
    /// A new connection is arriving: nothing is owed to it until it
    /// sends its name.
    fn connected(&mut self, client: Token, clients: &mut Clients) {
        todo!(
            "stage chat-listen: keep the new connection as arriving \
             (book: select-server.md, \"The protocol\")"
        )
    }

    /// An arriving connection's first read is its name (the original's
    /// rule), or with `--lines` its first line
    /// (`chat_room::protocol::read_login`, which may need more reads):
    /// [`log_in`](Room::log_in). A joined user's read is one
    /// [`message`](Room::message), or with `--lines` holds lines, each a
    /// message, and perhaps part of the next.
    fn received(&mut self, client: Token, bytes: &[u8], clients: &mut Clients) {
        todo!(
            "stage chat-login: a name from an arriving connection, messages \
             from a joined one (book: select-server.md, \"The protocol\")"
        )
    }

    /// The connection is gone, without `quit`: if it had joined,
    /// [`remove`](Room::remove) it, so that its name is free.
    fn left(&mut self, client: Token, clients: &mut Clients) {
        todo!(
            "stage chat-vanish: free the name of a user who is gone \
             (book: select-server.md, \"The protocol\")"
        )
    }
}
