//! The server: a broker thread that owns the users, and a thread per
//! connection that logs its client in and reads what it says. The
//! protocol, with nothing ending in a newline unless `--lines`:
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
//! # Try it
//!
//! ```text
//! cargo run -p chat-room-exercise -- server             # terminal 1
//! cargo run -p chat-room -- client -u alice             # terminal 2
//! cargo run -p chat-room -- client -u bob               # terminal 3
//! ```

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use chat_room::protocol::Framing;
use crossbeam_channel::{Receiver, Sender};

/// What a connection's thread tells the broker. Yours to change: this is
/// one way to start.
#[derive(Debug)]
pub enum Event {
    /// A client sent its name.
    Join {
        /// The connection's number, unique while the server runs.
        id: u64,
        /// The name, as sent.
        name: Vec<u8>,
        /// Where the broker puts the bytes for this client: a bounded
        /// queue that a writer thread of the connection empties.
        outbox: Sender<Vec<u8>>,
        /// The socket, to cut a client that stops reading.
        stream: Arc<TcpStream>,
    },
    /// A client sent a message.
    Message {
        /// The connection it came from.
        id: u64,
        /// The message, without its framing.
        bytes: Vec<u8>,
    },
    /// A connection ended without `quit`.
    Leave {
        /// The connection.
        id: u64,
    },
}

/// Starts [`run_broker`] on a thread of its own, then accepts clients on
/// `listener` for as long as the program runs, each served by [`handle`]
/// on a thread of its own. A client's error ends that client only: print
/// it to stderr with the client's address, and go on accepting.
pub fn serve(listener: TcpListener, framing: Framing) -> io::Result<()> {
    todo!(
        "stage listen: start the broker's thread, then accept clients in a \
         loop, each on a thread of its own (book: chat-room.md, \"`serve` \
         and `handle`\")"
    )
}

/// One client: read its name (the first read, or the first line with
/// `--lines`), send [`Event::Join`] with a fresh outbox and start the
/// writer thread that empties it into the socket, then read messages
/// (one read is one message, or a line with `--lines`: see
/// `chat_room::protocol::MAX_MESSAGE`) and send each as
/// [`Event::Message`] until the client leaves. A read of 0 bytes, or an
/// error, is [`Event::Leave`]. Bytes, never text.
pub fn handle(
    stream: TcpStream,
    id: u64,
    framing: Framing,
    events: &Sender<Event>,
) -> io::Result<()> {
    todo!(
        "stage login: read the name, join, start the writer, then read \
         messages until the client leaves (book: chat-room.md, \"Readers \
         and writers\")"
    )
}

/// The broker: the only owner of the users. Answers a Join with
/// `chat_room::protocol::SUCCESS` or `REUSE` (then drops that outbox,
/// which ends the connection), passes each message on to everyone else
/// as `chat_room::protocol::said` (in the room's framing:
/// `Framing::encode`), answers `QUIT` with `QUIT` and frees the name,
/// and frees the name of a user who leaves. A user whose outbox stays
/// full (it does not read) is cut, not waited for: see
/// `chat_room::broker::SLOW_CLIENT_WAIT`.
pub fn run_broker(events: &Receiver<Event>, framing: Framing) {
    todo!(
        "stage login: own the users: answer each Join, pass each Message \
         on, free the names of those who leave (book: chat-room.md, \"The \
         broker's loop\")"
    )
}
