//! What the room's tests share: a `--lines` user speaking the protocol
//! by hand (lesson 5's clients cannot write flat out or read slowly on
//! cue), and the check that a sender faster than its reader is heard in
//! full, at the reader's pace.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

/// A `--lines` user, logged in, with a line reader.
pub struct LineUser {
    lines: BufReader<TcpStream>,
}

impl LineUser {
    /// Logs in as `name` on `stream`, which has a read timeout.
    pub fn join(mut stream: TcpStream, name: &str) -> LineUser {
        stream
            .write_all(format!("{name}\n").as_bytes())
            .expect("name");
        let mut user = LineUser {
            lines: BufReader::new(stream),
        };
        assert_eq!(user.line(), "success");
        user
    }

    /// The next line, without its newline; "" at the end of the stream.
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.lines.read_line(&mut line).expect("a line in time");
        line.trim_end_matches('\n').to_owned()
    }

    pub fn say(&mut self, text: &str) {
        self.stream()
            .write_all(format!("{text}\n").as_bytes())
            .expect("say");
    }

    pub fn stream(&mut self) -> &mut TcpStream {
        self.lines.get_mut()
    }
}

/// `sender` writes `messages` lines of 1 KB flat out, from a thread,
/// while `reader` takes them slowly: a millisecond's sleep after every
/// `per_ms` lines. The reader must get every one, in order, and then
/// nobody may have been cut off: had the reader been, `sender` would be
/// told before the answer to its `/who`.
pub fn outrun(
    sender: &mut LineUser,
    reader: &mut LineUser,
    messages: usize,
    per_ms: usize,
) {
    let filler = "x".repeat(1000);
    let sending = {
        let lines: String =
            (0..messages).map(|i| format!("{i} {filler}\n")).collect();
        let mut stream = sender.stream().try_clone().expect("clone");
        thread::spawn(move || stream.write_all(lines.as_bytes()))
    };
    for i in 0..messages {
        let heard = reader.line();
        let want = format!("] sender: {i} {filler}");
        assert!(heard.ends_with(&want), "message {i}: {heard:.60}");
        if i % per_ms == per_ms - 1 {
            // A slow reader, not a stopped one.
            thread::sleep(Duration::from_millis(1));
        }
    }
    sending.join().expect("thread").expect("every message sent");
    sender.say("/who");
    assert_eq!(sender.line(), "* online (2): reader, sender");
}
