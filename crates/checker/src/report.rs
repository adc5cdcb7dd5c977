//! What a failed stage tells the learner: what went wrong in one sentence,
//! what the checker expected and what it got, what was said on the wire,
//! and (added by the runner) the program's stderr, the socket fact behind
//! the stage and where the book explains it.
//!
//! Everything a program sent is shown escaped ([`shown`]): it may hold
//! terminal control sequences, and the learner must see the bytes that
//! were really there, not what a terminal makes of them.

use std::fmt::Write as _;

use netkit::text::printable;

/// Where the report's prose wraps: a terminal's 80 columns, less a
/// margin.
pub const WIDTH: usize = 78;

/// How much of a message the report shows before it cuts the middle out.
const SHOWN_CHARS: usize = 72;

/// One thing said on a connection, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Said {
    /// Bytes the checker sent, in one write.
    Checker(Vec<u8>),
    /// Bytes the program sent, as one expectation took them.
    Program(Vec<u8>),
    /// The program closed the connection (a read returned 0 bytes).
    Closed,
    /// The program reset the connection.
    Reset,
    /// Nothing came for this long.
    Silence(String),
    /// Something the checker did that is not bytes (a pause, a close).
    Note(String),
}

/// Why a stage failed.
#[derive(Clone, Debug, Default)]
pub struct Failure {
    /// What went wrong, in one sentence.
    pub summary: String,
    /// What the checker wanted, when there is one thing it wanted.
    pub expected: Option<String>,
    /// What it got instead.
    pub got: Option<String>,
    /// The connections involved, each with what was said on it.
    pub conversations: Vec<(String, Vec<Said>)>,
    /// More that the learner needs to see (a client's stdout, say).
    pub notes: Vec<String>,
}

impl Failure {
    /// A failure with only a summary.
    pub fn new(summary: impl Into<String>) -> Failure {
        Failure {
            summary: summary.into(),
            ..Failure::default()
        }
    }

    /// Adds what was expected and what came instead.
    pub fn expected(
        mut self,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Failure {
        self.expected = Some(expected.into());
        self.got = Some(got.into());
        self
    }

    /// Puts a summary in the stage's words first, keeping the one the
    /// failure had as its first note.
    pub fn because(mut self, summary: impl Into<String>) -> Failure {
        let detail = std::mem::replace(&mut self.summary, summary.into());
        self.notes.insert(0, detail);
        self
    }

    /// Adds a line of explanation.
    pub fn note(mut self, note: impl Into<String>) -> Failure {
        self.notes.push(note.into());
        self
    }

    /// The report's body, each line indented by `indent`.
    pub fn render(&self, indent: &str) -> String {
        let mut out = String::new();
        // Prose wraps at a terminal's width; bytes and lines from the
        // wire are shown as they are.
        let prose = textwrap::Options::new(WIDTH)
            .initial_indent(indent)
            .subsequent_indent(indent);
        let _ = writeln!(out, "{}", textwrap::fill(&self.summary, &prose));
        if let (Some(expected), Some(got)) = (&self.expected, &self.got) {
            let _ = writeln!(out, "{indent}  expected: {expected}");
            let _ = writeln!(out, "{indent}  got:      {got}");
        }
        for note in &self.notes {
            let _ = writeln!(out, "{}", textwrap::fill(note, &prose));
        }
        for (label, said) in &self.conversations {
            let _ = writeln!(out, "{indent}{label}:");
            for line in said {
                let _ = writeln!(out, "{indent}  {}", said_line(line));
            }
        }
        out
    }
}

/// One line of a conversation, as the report shows it.
fn said_line(said: &Said) -> String {
    match said {
        Said::Checker(bytes) => format!("checker: {}", shown(bytes)),
        Said::Program(bytes) => format!("program: {}", shown(bytes)),
        Said::Closed => "program: (closed the connection)".into(),
        Said::Reset => "program: (reset the connection)".into(),
        Said::Silence(what) => format!("program: (nothing for {what})"),
        Said::Note(note) => format!("checker: ({note})"),
    }
}

/// `bytes` as the report shows them: in quotes, escaped, the middle cut
/// out of a long message, and the bytes themselves in hex when they are
/// not UTF-8 (which [`printable`] can only show as U+FFFD).
pub fn shown(bytes: &[u8]) -> String {
    let text = printable(bytes);
    let chars = text.chars().count();
    let mut out = if chars > SHOWN_CHARS {
        let head: String = text.chars().take(SHOWN_CHARS / 2).collect();
        let tail: String = text.chars().skip(chars - SHOWN_CHARS / 4).collect();
        format!("\"{head}…{tail}\" ({} bytes)", bytes.len())
    } else {
        format!("\"{text}\"")
    };
    if std::str::from_utf8(bytes).is_err() {
        let hex: Vec<String> = bytes
            .iter()
            .take(SHOWN_CHARS / 3)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let more = if bytes.len() > SHOWN_CHARS / 3 {
            " …"
        } else {
            ""
        };
        let _ = write!(out, " (not UTF-8: {}{more})", hex.join(" "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Control characters are escaped, bytes that are not UTF-8 are also
    /// given in hex, and a long message keeps its two ends.
    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown(b"Hello, Ada!"), "\"Hello, Ada!\"");
        assert_eq!(shown(b"a\r\n"), "\"a\\r\\n\"");
        assert_eq!(shown(b"A\xff"), "\"A\u{fffd}\" (not UTF-8: 41 ff)");
        let long = shown(&[b'x'; 500]);
        assert!(long.ends_with("\" (500 bytes)"), "{long}");
        assert!(long.chars().count() < 100, "{long}");
    }
}
