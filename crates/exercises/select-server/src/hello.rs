//! Lesson 1's protocol as a [`Service`]. Nothing ends in a newline
//! unless `--lines`:
//!
//! ```text
//! server: Welcome!
//! client: Ada
//! server: Hello, Ada!
//! client: exit
//! server: (closes the connection)
//! ```
//!
//! A thread per connection keeps its place in the conversation in its
//! stack and in which line of code it is running. One thread serving
//! every client keeps it in a value: a [`Conversation`] per client, with
//! no socket in it, handed the bytes each read returned.

use std::collections::HashMap;

use hello_echo::Protocol;
use mio::Token;
use netkit::framing::LineDecoder;

use crate::server::{Clients, Service};

/// Where one client's conversation is. Yours to change: this is one way
/// to start.
#[derive(Debug)]
pub struct Conversation {
    /// `--lines`: bytes received but not yet a whole line, at most
    /// `hello_echo::MAX_LINE_NAME` of them. A line may come in pieces,
    /// over several reads and so over several events.
    pub lines: LineDecoder,
}

/// Every client's conversation, by the loop's token for its connection.
#[derive(Debug)]
pub struct Hello {
    /// The original protocol, or `--lines`.
    pub protocol: Protocol,
    /// Every client's conversation.
    pub conversations: HashMap<Token, Conversation>,
}

impl Hello {
    /// Lesson 1's protocol, in its original form or with `--lines`.
    pub fn new(protocol: Protocol) -> Hello {
        Hello {
            protocol,
            conversations: HashMap::new(),
        }
    }

    /// One message of the original protocol (one read is one message, as
    /// `recv(1024)` is in the original): `hello_echo::EXIT` finishes the
    /// client; anything else is answered with `hello_echo::greeting`,
    /// bytes in, bytes out, nothing decoded.
    pub fn message(
        &mut self,
        client: Token,
        bytes: &[u8],
        clients: &mut Clients,
    ) {
        todo!(
            "stage hello: owe the client greeting(bytes), or finish it on \
             EXIT (book: select-server.md, \"The protocol\")"
        )
    }

    /// What one read returned, with `--lines`: push it into the
    /// conversation's `LineDecoder`, and answer every whole line that is
    /// now there, each reply a line. A line over `MAX_LINE_NAME` is owed
    /// one line starting `error:`, and the client is finished.
    pub fn lines(
        &mut self,
        client: Token,
        bytes: &[u8],
        clients: &mut Clients,
    ) {
        todo!(
            "stage lines-hello: every whole line answered, the rest kept \
             for the next read (book: select-server.md, \"The protocol\")"
        )
    }
}

impl Service for Hello {
    /// A new client: start its conversation, and owe it the welcome
    /// (`hello_echo::WELCOME`, and a newline with `--lines`).
    fn connected(&mut self, client: Token, clients: &mut Clients) {
        todo!(
            "stage welcome: a conversation for the client, and WELCOME \
             owed to it (book: select-server.md, \"The protocol\")"
        )
    }

    fn received(&mut self, client: Token, bytes: &[u8], clients: &mut Clients) {
        match self.protocol {
            Protocol::Raw => self.message(client, bytes, clients),
            Protocol::Lines => self.lines(client, bytes, clients),
        }
    }

    /// The client is gone: forget its conversation.
    fn left(&mut self, client: Token, clients: &mut Clients) {
        todo!(
            "stage vanish: forget the conversation of a client that left \
             (book: select-server.md, \"The protocol\")"
        )
    }
}
