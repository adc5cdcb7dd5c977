//! Lesson 1's protocol as a [`Service`]: `Welcome!`, then `Hello, X!` for
//! each message, `exit` to leave (`--lines`: every message ends in `\n`).
//!
//! Each client's place in the conversation is a [`Conversation`], with no
//! socket in it: the loop hands it the bytes each read returned. A thread
//! per connection keeps this state in its stack and its place in the
//! code; one thread serving every client must keep it in a value, one per
//! connection.

use std::collections::HashMap;
use std::net::SocketAddr;

use hello_echo::{EXIT, MAX_LINE_NAME, Protocol, WELCOME, greeting};
use mio::Token;
use netkit::framing::LineDecoder;

use crate::server::{Outboxes, Service};

// ANCHOR: conversation
/// Where one client's conversation is.
#[derive(Debug)]
pub struct Conversation {
    protocol: Protocol,
    /// `--lines`: bytes received but not yet a whole line.
    lines: LineDecoder,
    /// No more input is wanted: `exit`, or a line over the limit.
    over: bool,
}

impl Conversation {
    /// A new client's conversation, and the welcome it is owed.
    pub fn new(protocol: Protocol) -> (Conversation, Vec<u8>) {
        let mut welcome = WELCOME.to_vec();
        if protocol == Protocol::Lines {
            welcome.push(b'\n');
        }
        let conversation = Conversation {
            protocol,
            lines: LineDecoder::new(MAX_LINE_NAME),
            over: false,
        };
        (conversation, welcome)
    }

    /// What one read returned; the answer is added to `reply`. In the
    /// original protocol one read is one message, as `recv(1024)` is in
    /// the threaded server: the same assumption, kept so that the bytes
    /// on the wire are the same.
    pub fn received(&mut self, bytes: &[u8], reply: &mut Vec<u8>) {
        if self.over {
            return;
        }
        match self.protocol {
            Protocol::Raw => self.answer(bytes, b"", reply),
            Protocol::Lines => {
                self.lines.push(bytes);
                while !self.over {
                    match self.lines.next_line() {
                        Ok(Some(line)) => self.answer(&line, b"\n", reply),
                        Ok(None) => break,
                        Err(too_long) => {
                            let error = format!("error: {too_long}\n");
                            reply.extend_from_slice(error.as_bytes());
                            self.over = true;
                        }
                    }
                }
            }
        }
    }

    fn answer(&mut self, message: &[u8], end: &[u8], reply: &mut Vec<u8>) {
        if message == EXIT {
            self.over = true;
            return;
        }
        reply.extend_from_slice(&greeting(message));
        reply.extend_from_slice(end);
    }

    /// Whether the conversation is over: what is owed is still sent, then
    /// the socket is closed.
    pub fn is_over(&self) -> bool {
        self.over
    }
}
// ANCHOR_END: conversation

/// Every client's conversation, by the loop's token for its connection.
#[derive(Debug)]
pub struct Hello {
    protocol: Protocol,
    conversations: HashMap<Token, Conversation>,
}

impl Hello {
    /// Lesson 1's protocol, in its original form or with `--lines`.
    pub fn new(protocol: Protocol) -> Hello {
        Hello {
            protocol,
            conversations: HashMap::new(),
        }
    }
}

impl Service for Hello {
    fn connected(&mut self, client: Token, _: SocketAddr, out: &mut Outboxes) {
        let (conversation, welcome) = Conversation::new(self.protocol);
        self.conversations.insert(client, conversation);
        out.send(client, &welcome);
    }

    fn received(&mut self, client: Token, bytes: &[u8], out: &mut Outboxes) {
        let Some(conversation) = self.conversations.get_mut(&client) else {
            return;
        };
        let mut reply = Vec::new();
        conversation.received(bytes, &mut reply);
        out.send(client, &reply);
        if conversation.is_over() {
            self.conversations.remove(&client);
            out.finish(client);
        }
    }

    fn left(&mut self, client: Token, _: &mut Outboxes) {
        self.conversations.remove(&client);
    }

    /// Nothing in this protocol tells a client the server is going: each
    /// gets what it is owed, then the end of the stream, as the threaded
    /// server's clients do.
    fn stopping(&mut self, _: &mut Outboxes) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn talk(protocol: Protocol, reads: &[&[u8]]) -> (Vec<u8>, bool) {
        let (mut conversation, mut said) = Conversation::new(protocol);
        for bytes in reads {
            conversation.received(bytes, &mut said);
        }
        (said, conversation.is_over())
    }

    #[test]
    fn the_original_protocol_answers_each_read_and_ends_on_exit() {
        let reads: [&[u8]; 3] = [b"Michael", "Zoë".as_bytes(), b"exit"];
        let (said, over) = talk(Protocol::Raw, &reads);
        assert_eq!(said, "Welcome!Hello, Michael!Hello, Zoë!".as_bytes());
        assert!(over);
    }

    #[test]
    fn lines_are_answered_whatever_the_reads_bring() {
        let (said, over) = talk(Protocol::Lines, &[b"Mich"]);
        assert_eq!(said, b"Welcome!\n");
        assert!(!over);
        let reads: [&[u8]; 3] = [b"Mich", b"ael\r\nTracy\nex", b"it\nSarah\n"];
        let (said, over) = talk(Protocol::Lines, &reads);
        assert_eq!(said, b"Welcome!\nHello, Michael!\nHello, Tracy!\n");
        assert!(over, "nothing after exit is answered");
    }

    #[test]
    fn a_line_over_the_limit_is_refused_then_the_conversation_ends() {
        let long = vec![b'x'; MAX_LINE_NAME + 1];
        let (said, over) = talk(Protocol::Lines, &[&long]);
        assert!(said.starts_with(b"Welcome!\nerror: "), "{said:?}");
        assert!(over);
    }
}
