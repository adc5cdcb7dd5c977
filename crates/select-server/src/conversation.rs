//! One client's hello-echo conversation as a state machine, with no socket
//! in it: the event loop hands it the bytes each read returned and asks
//! what is owed to the client. A thread per connection keeps this state in
//! its stack and its place in the code; one thread serving every client
//! must keep it in a value, one per connection.

use hello_echo::{EXIT, MAX_LINE_NAME, Protocol, WELCOME, greeting};
use netkit::framing::LineDecoder;

/// How many bytes may be owed to a client before its input is left unread.
/// A client that sends names and never reads the replies would otherwise
/// grow this buffer without end; left unread, its bytes fill the kernel's
/// buffers and TCP's flow control stops the client instead (back-pressure).
pub const MAX_OWED: usize = 64 * 1024;

/// Where one client's conversation is.
#[derive(Debug)]
pub struct Conversation {
    protocol: Protocol,
    /// `--lines`: bytes received but not yet a whole line.
    lines: LineDecoder,
    /// Bytes owed to the client, not yet accepted by its socket.
    owed: Vec<u8>,
    /// No more input is wanted: `exit`, the client's end of stream, or a
    /// line over the limit. What is owed is still sent, then the socket is
    /// closed.
    over: bool,
}

impl Conversation {
    /// A new client: it is owed the welcome.
    pub fn new(protocol: Protocol) -> Conversation {
        let mut owed = WELCOME.to_vec();
        if protocol == Protocol::Lines {
            owed.push(b'\n');
        }
        Conversation {
            protocol,
            lines: LineDecoder::new(MAX_LINE_NAME),
            owed,
            over: false,
        }
    }

    /// What one read returned. In the original protocol one read is one
    /// message, as `recv(1024)` is in the threaded server: the same
    /// assumption, kept so that the bytes on the wire are the same.
    pub fn received(&mut self, bytes: &[u8]) {
        if self.over {
            return;
        }
        match self.protocol {
            Protocol::Raw => self.answer(bytes, b""),
            Protocol::Lines => {
                self.lines.push(bytes);
                while !self.over {
                    match self.lines.next_line() {
                        Ok(Some(line)) => self.answer(&line, b"\n"),
                        Ok(None) => break,
                        Err(too_long) => {
                            let error = format!("error: {too_long}\n");
                            self.owed.extend_from_slice(error.as_bytes());
                            self.over = true;
                        }
                    }
                }
            }
        }
    }

    fn answer(&mut self, message: &[u8], end: &[u8]) {
        if message == EXIT {
            self.over = true;
            return;
        }
        self.owed.extend_from_slice(&greeting(message));
        self.owed.extend_from_slice(end);
    }

    /// The client closed its side (a read returned 0 bytes).
    pub fn peer_closed(&mut self) {
        self.over = true;
    }

    /// The bytes to write next.
    pub fn owed(&self) -> &[u8] {
        &self.owed
    }

    /// The socket took `n` of the owed bytes: a write may take fewer than
    /// it was given, and the rest waits until the socket is writable.
    pub fn sent(&mut self, n: usize) {
        self.owed.drain(..n.min(self.owed.len()));
    }

    /// Whether to read more from this client: not once the conversation is
    /// over, and not while too much is owed (see [`MAX_OWED`]).
    pub fn wants_input(&self) -> bool {
        !self.over && self.owed.len() < MAX_OWED
    }

    /// Whether everything is said: the socket can be closed.
    pub fn finished(&self) -> bool {
        self.over && self.owed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(conversation: &mut Conversation) -> Vec<u8> {
        let owed = conversation.owed().to_vec();
        conversation.sent(owed.len());
        owed
    }

    #[test]
    fn the_original_protocol_answers_each_read_and_ends_on_exit() {
        let mut c = Conversation::new(Protocol::Raw);
        assert_eq!(drain(&mut c), b"Welcome!");
        c.received(b"Michael");
        c.received("Zoë".as_bytes());
        assert_eq!(drain(&mut c), "Hello, Michael!Hello, Zoë!".as_bytes());
        c.received(b"exit");
        assert!(c.finished());
        assert!(!c.wants_input());
    }

    #[test]
    fn lines_are_answered_whatever_the_reads_bring() {
        let mut c = Conversation::new(Protocol::Lines);
        assert_eq!(drain(&mut c), b"Welcome!\n");
        c.received(b"Mich");
        assert_eq!(drain(&mut c), b"");
        c.received(b"ael\r\nTracy\nex");
        assert_eq!(drain(&mut c), b"Hello, Michael!\nHello, Tracy!\n");
        c.received(b"it\nSarah\n");
        assert!(c.finished(), "nothing after exit is answered");
    }

    #[test]
    fn a_line_over_the_limit_is_refused_then_the_conversation_ends() {
        let mut c = Conversation::new(Protocol::Lines);
        drain(&mut c);
        c.received(&vec![b'x'; MAX_LINE_NAME + 1]);
        let said = drain(&mut c);
        assert!(said.starts_with(b"error: "), "{said:?}");
        assert!(c.finished());
    }

    #[test]
    fn a_partial_write_keeps_the_rest_owed() {
        let mut c = Conversation::new(Protocol::Raw);
        c.sent(3);
        assert_eq!(c.owed(), b"come!");
        c.peer_closed();
        assert!(!c.finished(), "the rest is still owed");
        c.sent(5);
        assert!(c.finished());
    }

    #[test]
    fn a_client_that_never_reads_stops_being_read() {
        let mut c = Conversation::new(Protocol::Raw);
        while c.wants_input() {
            c.received(b"a name that is never read back");
        }
        assert!(c.owed().len() >= MAX_OWED);
        c.sent(c.owed().len());
        assert!(c.wants_input(), "read again once the client caught up");
    }
}
