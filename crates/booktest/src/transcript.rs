//! Reading a page's ```console blocks, and comparing what they show with
//! what the programs print. No I/O here: `run.rs` runs what this finds.
//!
//! A block is one terminal: `$ ` starts a command, and the lines after it,
//! up to the next `$ `, are what the command printed. The blocks between
//! two headings are one session, run side by side. A command whose output
//! shows a line `^C` is long-running (a server): it is stopped with
//! SIGINT once the rest of its session is done.

use std::sync::LazyLock;

use regex::Regex;

/// The line a page puts right before a block that is not run, with why.
/// Allowed only on pages that show measurements (see `run::may_skip`).
pub const SKIP: &str = "<!-- transcript: not run:";

/// A line of output that stands for any number of lines.
pub const ANY_LINES: &str = "...";

/// Inside a line, stands for any text.
pub const ANY_TEXT: &str = "[..]";

/// The line that stands for the learner pressing Ctrl-C.
pub const CTRL_C: &str = "^C";

/// One ```console block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The page's line number of the opening fence, for messages.
    pub line: usize,
    /// Why the page says it is not run, if it says so.
    pub skip: Option<String>,
    /// Its `$ ` lines, in order.
    pub commands: Vec<Command>,
}

/// One `$ ` line and what the page shows it printing.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The page's line number of the `$ ` line.
    pub line: usize,
    /// The command, without its `$ `.
    pub text: String,
    /// The lines shown after it, `^C` removed.
    pub expected: Vec<String>,
    /// Whether the output showed `^C`: the command runs until the session
    /// is done and is then interrupted.
    pub long_running: bool,
}

impl Block {
    /// The long-running command, which must be the block's last.
    pub fn server(&self) -> Option<&Command> {
        self.commands.last().filter(|c| c.long_running)
    }

    /// The commands run to the end, in order, before any server.
    pub fn scripted(&self) -> &[Command] {
        match self.server() {
            Some(_) => &self.commands[..self.commands.len() - 1],
            None => &self.commands,
        }
    }
}

/// The blocks of one session: those between two headings.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The heading above them, for messages.
    pub heading: String,
    /// The terminals, in the page's order.
    pub blocks: Vec<Block>,
}

/// A page's sessions, in order; sessions without a console block are left
/// out. A mistake in how a block is written is an error naming its line.
pub fn parse(page: &str) -> Result<Vec<Session>, String> {
    let mut sessions: Vec<Session> = Vec::new();
    let mut heading = String::from("(top of the page)");
    let mut new_session = true;
    let mut fence: Option<(String, bool)> = None; // (the fence, is console)
    let mut block: Option<Block> = None;
    let mut previous = "";
    for (index, line) in page.lines().enumerate() {
        let number = index + 1;
        if let Some((open, console)) = &fence {
            let closing = line.trim();
            if closing.starts_with(open.as_str())
                && closing.trim_start_matches(['`', '~']).is_empty()
            {
                let is_console = *console;
                fence = None;
                if is_console && let Some(done) = block.take() {
                    if new_session {
                        sessions.push(Session {
                            heading: heading.clone(),
                            blocks: Vec::new(),
                        });
                        new_session = false;
                    }
                    if let Some(session) = sessions.last_mut() {
                        session.blocks.push(done);
                    }
                }
                previous = line;
                continue;
            }
            if *console && let Some(block) = block.as_mut() {
                add_line(block, line, number)?;
            }
            previous = line;
            continue;
        }
        let trimmed = line.trim_start();
        if let Some(info) = trimmed
            .strip_prefix("```")
            .map(|rest| ("```", rest))
            .or_else(|| trimmed.strip_prefix("~~~").map(|rest| ("~~~", rest)))
        {
            let (marker, info) = info;
            let console =
                info.trim().split([',', ' ']).next() == Some("console");
            fence = Some((marker.to_string(), console));
            if console {
                if line.len() != trimmed.len() {
                    return Err(format!(
                        "line {number}: an indented console block (a list item's?) \
                         is not a transcript; start it at the margin"
                    ));
                }
                let skip = previous
                    .trim()
                    .strip_prefix(SKIP)
                    .and_then(|rest| rest.strip_suffix("-->"))
                    .map(|why| why.trim().to_string());
                block = Some(Block {
                    line: number,
                    skip,
                    commands: Vec::new(),
                });
            }
        } else if line.starts_with('#') {
            heading = line.trim_start_matches('#').trim().to_string();
            new_session = true;
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    if fence.is_some() {
        return Err("a code block is never closed".into());
    }
    for session in &sessions {
        for block in &session.blocks {
            check_block(block)?;
        }
    }
    Ok(sessions)
}

fn add_line(
    block: &mut Block,
    line: &str,
    number: usize,
) -> Result<(), String> {
    if let Some(command) = line.strip_prefix("$ ") {
        block.commands.push(Command {
            line: number,
            text: command.to_string(),
            expected: Vec::new(),
            long_running: false,
        });
        return Ok(());
    }
    match block.commands.last_mut() {
        Some(command) if line == CTRL_C => command.long_running = true,
        Some(command) => command.expected.push(line.to_string()),
        None if line.trim().is_empty() => {}
        None => {
            return Err(format!(
                "line {number}: output before any `$ ` command"
            ));
        }
    }
    Ok(())
}

fn check_block(block: &Block) -> Result<(), String> {
    for (index, command) in block.commands.iter().enumerate() {
        if command.long_running && index + 1 != block.commands.len() {
            return Err(format!(
                "line {}: a command that runs until ^C must be its block's last",
                command.line
            ));
        }
        if command.long_running && shown_port(&command.text).is_none() {
            return Err(format!(
                "line {}: a server must spell its address (`--bind 127.0.0.1:9999`, \
                 `listen 127.0.0.1:9999`) so that it can run on a free port",
                command.line
            ));
        }
    }
    Ok(())
}

static BIND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(--bind[ =]|\blisten )(\S+):(\d+)\b").expect("a valid pattern")
});

/// The port a long-running command asks for, as the page shows it.
pub fn shown_port(command: &str) -> Option<u16> {
    let captures = BIND.captures(command)?;
    captures[3].parse().ok()
}

/// The command with its address's port set to 0, so the system picks a
/// free one.
pub fn on_free_port(command: &str) -> String {
    BIND.replacen(command, 1, "${1}${2}:0").into_owned()
}

/// `command` with every use of the page's `shown` port replaced by the
/// `real` one its server got.
pub fn with_port(command: &str, shown: u16, real: u16) -> String {
    let pattern =
        Regex::new(&format!(r":{shown}\b")).expect("a number is a pattern");
    pattern
        .replace_all(command, format!(":{real}"))
        .into_owned()
}

/// The port in a `listening on IP:PORT` line.
pub fn listening_port(line: &str) -> Option<u16> {
    let rest = line.trim().strip_prefix("listening on ")?;
    rest.rsplit_once(':')?.1.parse().ok()
}

/// What varies from run to run, each turned into one word, on both sides
/// of the comparison. Integers without a fraction are left alone: a count
/// or a size on a page must be today's.
static VARYING: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let day = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
    let month = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    [
        // The port after an address: the system picks it.
        (
            r"(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]*\]|localhost):\d{1,5}\b",
            "${1}:PORT",
        ),
        // ctime() and the HTTP date: `Wed Dec  2 15:30:06 2026`,
        // `Sun, 06 Dec 2026 15:00:00 GMT`.
        (
            &format!(
                r"{day} {month} +\d{{1,2}} \d{{2}}:\d{{2}}:\d{{2}} \d{{4}}"
            ),
            "DATETIME",
        ),
        (
            &format!(r"{day}, \d{{2}} {month} \d{{4}} \d{{2}}:\d{{2}}:\d{{2}}"),
            "DATETIME",
        ),
        (
            r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?",
            "DATETIME",
        ),
        (r"\d{4}-\d{2}-\d{2}", "DATE"),
        (&format!(r"{day} {month} +\d{{1,2}}"), "DATE"),
        (r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b", "TIME"),
        // Anything under /tmp: made afresh each run.
        (r"/tmp/[^\s'`]*", "/tmp/PATH"),
    ]
    .into_iter()
    .map(|(pattern, word)| {
        (Regex::new(pattern).expect("a valid pattern"), word)
    })
    .collect()
});

static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{1,3}(?:\.\d{1,3}){3}\b").expect("a valid pattern")
});
static DECIMAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[+-]?\d+\.\d+").expect("a valid pattern"));

/// A line with what varies between runs replaced (see `VARYING`); decimal
/// numbers with a fraction (a measurement: `0.002268 s`, `1.2 MiB/s`)
/// become `NUM`, except inside an IPv4 address.
pub fn normalise(line: &str) -> String {
    let mut line = line.trim_end().to_string();
    for (pattern, word) in VARYING.iter() {
        line = pattern.replace_all(&line, *word).into_owned();
    }
    let mut out = String::new();
    let mut at = 0;
    for address in IPV4.find_iter(&line) {
        out.push_str(&DECIMAL.replace_all(&line[at..address.start()], "NUM"));
        out.push_str(address.as_str());
        at = address.end();
    }
    out.push_str(&DECIMAL.replace_all(&line[at..], "NUM"));
    out
}

/// Whether one shown line matches one printed line, both normalised;
/// `[..]` in the shown line matches any text.
fn line_matches(shown: &str, printed: &str) -> bool {
    if !shown.contains(ANY_TEXT) {
        return shown == printed;
    }
    let pattern = shown
        .split(ANY_TEXT)
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(".*");
    Regex::new(&format!("^{pattern}$")).is_ok_and(|re| re.is_match(printed))
}

/// Whether what a page shows matches what was printed: line by line after
/// `normalise`, with `...` lines matching any number of lines.
pub fn matches(shown: &[String], printed: &[String]) -> bool {
    let shown: Vec<String> = shown.iter().map(|l| normalise(l)).collect();
    let printed: Vec<String> = printed.iter().map(|l| normalise(l)).collect();
    let shown = trim_blank_end(&shown);
    let printed = trim_blank_end(&printed);
    match_from(shown, printed)
}

fn trim_blank_end(lines: &[String]) -> &[String] {
    let end = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(0, |i| i + 1);
    &lines[..end]
}

fn match_from(shown: &[String], printed: &[String]) -> bool {
    match shown.first() {
        None => printed.is_empty(),
        Some(first) if first == ANY_LINES => (0..=printed.len())
            .any(|skip| match_from(&shown[1..], &printed[skip..])),
        Some(first) => {
            !printed.is_empty()
                && line_matches(first, &printed[0])
                && match_from(&shown[1..], &printed[1..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    #[test]
    fn blocks_commands_and_sessions() {
        let page = "# Title\n\n```console\n$ cargo run -q -p x -- server --bind 127.0.0.1:9999\n\
                    listening on 127.0.0.1:9999\n^C\nstopped\n```\n\n```console\n$ a\none\n$ b\n```\n\n\
                    ## Next\n\n```text\nnot a transcript\n```\n\n<!-- transcript: not run: needs nginx -->\n\
                    ```console\n$ nginx\n```\n";
        let sessions = parse(page).unwrap();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[0].heading, "Title");
        let server = sessions[0].blocks[0].server().unwrap();
        assert_eq!(server.expected, ["listening on 127.0.0.1:9999", "stopped"]);
        assert_eq!(sessions[0].blocks[1].commands.len(), 2);
        assert_eq!(sessions[0].blocks[1].commands[0].expected, ["one"]);
        assert!(sessions[0].blocks[1].server().is_none());
        assert_eq!(sessions[1].heading, "Next");
        assert_eq!(sessions[1].blocks[0].skip.as_deref(), Some("needs nginx"));
    }

    #[test]
    fn a_server_must_show_its_address_and_come_last() {
        let no_address =
            "```console\n$ x server\nlistening on 127.0.0.1:1\n^C\n```\n";
        assert!(parse(no_address).unwrap_err().contains("spell its address"));
        let not_last =
            "```console\n$ x server --bind 127.0.0.1:1\n^C\n$ y\n```\n";
        assert!(parse(not_last).unwrap_err().contains("last"));
    }

    #[test]
    fn an_indented_console_block_is_refused() {
        let page = "- a list item:\n\n  ```console\n  $ x\n  ```\n";
        assert!(parse(page).unwrap_err().contains("indented"));
    }

    #[test]
    fn ports_are_freed_and_substituted() {
        let server =
            "cargo run -q -p x -- server --bind 127.0.0.1:9999 --lines";
        assert_eq!(shown_port(server), Some(9999));
        assert_eq!(
            on_free_port(server),
            "cargo run -q -p x -- server --bind 127.0.0.1:0 --lines"
        );
        assert_eq!(
            on_free_port("cargo run -q -p rawsock -- listen [::1]:7890"),
            "cargo run -q -p rawsock -- listen [::1]:0"
        );
        assert_eq!(
            with_port(
                "x --connect 127.0.0.1:9999 http://127.0.0.1:99990/",
                9999,
                41234
            ),
            "x --connect 127.0.0.1:41234 http://127.0.0.1:99990/"
        );
        assert_eq!(listening_port("listening on [::1]:4321"), Some(4321));
        assert_eq!(listening_port("server: listening on 1.2.3.4:5"), None);
    }

    #[test]
    fn what_varies_is_normalised_and_counts_are_not() {
        assert_eq!(
            normalise("server: 127.0.0.1:49210: connected to [::1]:80"),
            "server: 127.0.0.1:PORT: connected to [::1]:PORT"
        );
        assert_eq!(
            normalise("[Wed Dec  2 15:30:06 2026] alice: hi"),
            "[DATETIME] alice: hi"
        );
        assert_eq!(
            normalise("2026-11-22 02:59:13.586022"),
            normalise("2027-01-01 00:00:00.1")
        );
        assert_eq!(
            normalise("clock offset: +0.002268 s (±0.002363 s)"),
            "clock offset: NUM s (±NUM s)"
        );
        assert_eq!(normalise("OK 3117"), "OK 3117");
        assert_ne!(normalise("OK 1717"), normalise("OK 3117"));
        assert_eq!(normalise("saved /tmp/.tmpAb12/x"), "saved /tmp/PATH");
    }

    #[test]
    fn wildcards_match_lines_and_text() {
        let printed = lines("a\nb 1.5 s\nc\nd");
        assert!(matches(&lines("a\nb 2.0 s\nc\nd"), &printed));
        assert!(matches(&lines("a\n...\nd"), &printed));
        assert!(matches(&lines("...\nd"), &printed));
        assert!(matches(&lines("a\nb [..]\n..."), &printed));
        assert!(!matches(&lines("a\nc\nd"), &printed));
        assert!(!matches(&lines("a\nb 2.0 s\nc"), &printed));
        assert!(!matches(&lines("a\n...\nx"), &printed));
        assert!(matches(&lines("a\n"), &lines("a\n\n")));
    }
}
