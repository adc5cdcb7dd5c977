//! The bench's side of the chat room's wire, as pure functions: the
//! message the sender writes, how a receiver finds it again in what it
//! reads, and the server's answer to a login.
//!
//! Every bench message is padding followed by a mark, `m<k>.`:
//!
//! ```text
//! > ----------------m17.\n                  (the sender, --framing lines)
//! < [Sun Nov 22 09:15:03 2026] bench-sender: ----------------m17.\n
//! ```
//!
//! Our server ends every line with `\n`; the original's (the Python port)
//! sends `[ctime] NAME: TEXT` with nothing after it, so two messages can
//! arrive glued in one read and one can arrive split over two. The mark is
//! self-delimiting, so a scanner that keeps its state between reads finds
//! it either way. The mark comes last: a receiver has message `k` only
//! once its final bytes have arrived. Nothing else on the wire holds a
//! lowercase `m` followed by a digit: the ctime has none, and the bench's
//! names have no `m` (a unit test checks them).

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// How the chat server frames what it sends.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    /// Ours (the Rust server): every message and notice ends with `\n`.
    Lines,
    /// The original's (the Python port): no delimiter at all.
    Raw,
}

impl Framing {
    /// Its name, as `--framing` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Framing::Lines => "lines",
            Framing::Raw => "raw",
        }
    }
}

/// The most digits a mark may have: 19 always fit in a `u64`, and a
/// longer run is not one of our marks.
const MAX_MARK_DIGITS: usize = 19;

/// The longest line a receiver keeps: the chat room's longest message is
/// 1024 bytes, plus a ctime and a name. Longer lines are cut here; a mark
/// is never that far from the start of a bench line.
const MAX_LINE: usize = 4096;

/// Message `seq` as the sender puts it on the wire in `framing`: `size`
/// bytes of text, padding then the mark (longer only if the mark alone
/// is), and a newline for `Lines`.
pub fn encode(seq: u64, size: usize, framing: Framing) -> Vec<u8> {
    let mark = format!("m{seq}.");
    let mut bytes = vec![b'-'; size.saturating_sub(mark.len())];
    bytes.extend_from_slice(mark.as_bytes());
    if framing == Framing::Lines {
        bytes.push(b'\n');
    }
    bytes
}

/// Finds marks (`m<digits>.`) in a byte stream fed in pieces of any size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum MarkScanner {
    #[default]
    Outside,
    /// Just read the `m`.
    Marked,
    /// Read the `m` and these digits: the value and how many.
    Digits(u64, usize),
}

impl MarkScanner {
    /// Scans `bytes`, continuing whatever mark the last piece ended in,
    /// and appends every mark completed in it to `heard`.
    fn feed(&mut self, bytes: &[u8], heard: &mut Vec<Heard>) {
        for &byte in bytes {
            *self = match (*self, byte) {
                (MarkScanner::Marked, b'0'..=b'9') => {
                    MarkScanner::Digits(u64::from(byte - b'0'), 1)
                }
                (MarkScanner::Digits(value, count), b'0'..=b'9')
                    if count < MAX_MARK_DIGITS =>
                {
                    MarkScanner::Digits(
                        value * 10 + u64::from(byte - b'0'),
                        count + 1,
                    )
                }
                (MarkScanner::Digits(value, _), b'.') => {
                    heard.push(Heard::Message(value));
                    MarkScanner::Outside
                }
                // An `m` always starts a mark afresh, even inside one
                // that turned out not to be a mark.
                (_, b'm') => MarkScanner::Marked,
                _ => MarkScanner::Outside,
            };
        }
    }
}

/// What a receiver learned from one read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    /// Bench message number `seq` arrived, complete.
    Message(u64),
    /// The server says it cut this user (`* NAME was disconnected...`).
    Cut(String),
}

/// A receiver's parser: bytes in, [`Heard`] out. With `Lines` it splits
/// lines, so that notices (`* ...`) are told apart from messages; with
/// `Raw` there are no lines and no notices, only marks in a stream.
#[derive(Clone, Debug)]
pub struct Inbox {
    framing: Framing,
    /// Marks across reads (`Raw`).
    scanner: MarkScanner,
    /// The line so far (`Lines`), at most [`MAX_LINE`] bytes of it.
    line: Vec<u8>,
}

impl Inbox {
    /// An empty inbox for a server that frames with `framing`.
    pub fn new(framing: Framing) -> Inbox {
        Inbox {
            framing,
            scanner: MarkScanner::default(),
            line: Vec::new(),
        }
    }

    /// Takes the bytes of one read and appends what they completed, in
    /// the order it came.
    pub fn push(&mut self, bytes: &[u8], heard: &mut Vec<Heard>) {
        if self.framing == Framing::Raw {
            self.scanner.feed(bytes, heard);
            return;
        }
        for piece in bytes.split_inclusive(|&b| b == b'\n') {
            let room = MAX_LINE.saturating_sub(self.line.len());
            self.line.extend_from_slice(&piece[..piece.len().min(room)]);
            if !piece.ends_with(b"\n") {
                continue;
            }
            // A notice from the server itself (`* bob joined`), or a
            // user's message.
            if let Some(notice) = self.line.strip_prefix(b"* ") {
                const CUT: &[u8] = b" was disconnected";
                if let Some(at) =
                    notice.windows(CUT.len()).position(|w| w == CUT)
                {
                    let name = String::from_utf8_lossy(&notice[..at]);
                    heard.push(Heard::Cut(name.into_owned()));
                }
            } else {
                MarkScanner::default().feed(&self.line, heard);
            }
            self.line.clear();
        }
    }
}

/// The name as a client sends it at login: `NAME\n` to our server, the
/// bare name to the original's, which takes one read as the name.
pub fn login_bytes(name: &str, framing: Framing) -> Vec<u8> {
    match framing {
        Framing::Lines => format!("{name}\n").into_bytes(),
        Framing::Raw => name.as_bytes().to_vec(),
    }
}

/// The server's answer to a login, as far as it has arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Logged in, with the bytes that came after the answer (notices).
    Success(Vec<u8>),
    /// Not a whole answer yet: read more.
    NeedMore,
    /// Anything else (`reuse`, `error: ...`, a busy server's line): the
    /// text, to show.
    Refused(String),
}

/// The server's answer. With `Lines` it is a line (`success\n`); with
/// `Raw` it is the bare word, and nothing can follow it before the
/// bench's first message.
pub fn read_answer(got: &[u8], framing: Framing) -> Answer {
    const SUCCESS: &[u8] = b"success";
    let (answer, rest) = match framing {
        Framing::Lines => match got.iter().position(|&b| b == b'\n') {
            Some(end) => (&got[..end], &got[end + 1..]),
            None if got.len() <= MAX_LINE => return Answer::NeedMore,
            None => (got, &[][..]),
        },
        Framing::Raw
            if SUCCESS.starts_with(got) && got.len() < SUCCESS.len() =>
        {
            return Answer::NeedMore;
        }
        Framing::Raw => match got.strip_prefix(SUCCESS) {
            Some(rest) => (SUCCESS, rest),
            None => (got, &[][..]),
        },
    };
    if answer == SUCCESS {
        Answer::Success(rest.to_vec())
    } else {
        Answer::Refused(String::from_utf8_lossy(answer).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way of cutting `bytes` into two pieces, and into single bytes.
    fn splits(bytes: &[u8]) -> Vec<Vec<&[u8]>> {
        let mut all: Vec<Vec<&[u8]>> = (0..=bytes.len())
            .map(|at| vec![&bytes[..at], &bytes[at..]])
            .collect();
        all.push(bytes.chunks(1).collect());
        all
    }

    fn heard(framing: Framing, pieces: &[&[u8]]) -> Vec<Heard> {
        let mut inbox = Inbox::new(framing);
        let mut heard = Vec::new();
        for piece in pieces {
            inbox.push(piece, &mut heard);
        }
        heard
    }

    fn marks(bytes: &[u8]) -> Vec<Heard> {
        heard(Framing::Raw, &[bytes])
    }

    #[test]
    fn message_is_padding_then_mark() {
        assert_eq!(encode(17, 8, Framing::Raw), b"----m17.");
        assert_eq!(encode(17, 2, Framing::Raw), b"m17.");
        assert_eq!(encode(3, 6, Framing::Lines), b"---m3.\n");
    }

    /// Glued messages from the original's server, cut anywhere, give
    /// every mark once, in order.
    #[test]
    fn raw_marks_are_found_however_the_stream_is_cut() {
        let stream = b"[Sun Nov 22 09:15:03 2026] bench-sender: ---m7.\
                       [Mon Mar  2 19:05:00 2026] bench-sender: ---m8.";
        for pieces in splits(stream) {
            assert_eq!(
                heard(Framing::Raw, &pieces),
                [Heard::Message(7), Heard::Message(8)],
                "{pieces:?}"
            );
        }
    }

    /// Lines from our server: marks are found once the line is complete,
    /// notices are told apart, and a cut is reported with its name.
    #[test]
    fn lines_give_marks_and_cuts_however_the_stream_is_cut() {
        let stream = b"* bench-r3 joined\n\
                       [Sun Nov 22 09:15:03 2026] bench-sender: --m12.\n\
                       * bench-stalled was disconnected: not reading its \
                       messages\n\
                       [Sun Nov 22 09:15:03 2026] bench-sender: --m13.\n";
        let expected = [
            Heard::Message(12),
            Heard::Cut("bench-stalled".to_owned()),
            Heard::Message(13),
        ];
        for pieces in splits(stream) {
            assert_eq!(heard(Framing::Lines, &pieces), expected, "{pieces:?}");
        }
    }

    /// A line's mark counts only when its newline has arrived.
    #[test]
    fn a_line_counts_when_it_ends() {
        let mut inbox = Inbox::new(Framing::Lines);
        let mut heard = Vec::new();
        inbox.push(b"[x] bench-sender: --m5.", &mut heard);
        assert!(heard.is_empty());
        inbox.push(b"\n", &mut heard);
        assert_eq!(heard, [Heard::Message(5)]);
    }

    /// Things that look like marks but are not.
    #[test]
    fn near_marks_are_not_marks() {
        let found = marks(b"m. m-1. mm2. 3. m12x. messages");
        assert_eq!(found, [Heard::Message(2)]);
        let too_long = format!("m{}.", "9".repeat(30));
        assert!(marks(too_long.as_bytes()).is_empty());
        let largest = format!("m{}.", "9".repeat(MAX_MARK_DIGITS));
        let value = Heard::Message(9_999_999_999_999_999_999);
        assert_eq!(marks(largest.as_bytes()), [value]);
    }

    /// Logins: our server's line, the original's bare word (in pieces),
    /// and refusals.
    #[test]
    fn answers_are_read_in_both_framings() {
        let success = |rest: &[u8]| Answer::Success(rest.to_vec());
        let reuse = Answer::Refused("reuse".to_owned());
        assert_eq!(read_answer(b"succ", Framing::Lines), Answer::NeedMore);
        assert_eq!(
            read_answer(b"success\n* a joined\n", Framing::Lines),
            success(b"* a joined\n")
        );
        assert_eq!(read_answer(b"reuse\n", Framing::Lines), reuse);
        assert_eq!(read_answer(b"", Framing::Raw), Answer::NeedMore);
        assert_eq!(read_answer(b"succ", Framing::Raw), Answer::NeedMore);
        assert_eq!(read_answer(b"success", Framing::Raw), success(b""));
        assert_eq!(read_answer(b"reuse", Framing::Raw), reuse);
        assert_eq!(login_bytes("a", Framing::Lines), b"a\n");
        assert_eq!(login_bytes("a", Framing::Raw), b"a");
    }
}
