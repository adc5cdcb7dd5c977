//! The parts of every lesson's command line that are the same everywhere:
//! the server flags, the `listening on` line, and how errors end the
//! program (see CONTRACT.md).

use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::thread;

use clap::builder::RangedU64ValueParser;

use crate::descriptors;
use crate::log::Log;
use crate::server::{IDLE_TIMEOUT, MAX_CONNECTIONS, ServerConfig};

/// Flags shared by every TCP server, flattened into each lesson's `server`
/// subcommand with `#[command(flatten)]`.
#[derive(clap::Args, Clone, Debug)]
pub struct ServerFlags {
    /// Most clients served at once; one more is told the server is busy
    /// and closed
    #[arg(
        long,
        value_name = "N",
        default_value_t = MAX_CONNECTIONS,
        value_parser = RangedU64ValueParser::<usize>::new().range(1..),
    )]
    pub max_clients: usize,

    /// Close a connection that sends nothing for this long, as in 60s,
    /// 2m or 500ms (0: never)
    #[arg(long, value_name = "DURATION", default_value_t = IDLE_TIMEOUT.into())]
    pub timeout: DurationArg,

    /// Log only problems, not every connection
    #[arg(long, short)]
    pub quiet: bool,
}

impl ServerFlags {
    /// The accept loop's configuration these flags describe, for a server
    /// whose connections hold `descriptors_per_connection` open files
    /// each (1, the socket, unless the handler opens more).
    ///
    /// Raises the open-file limit and fits the cap in it first
    /// ([`descriptors::fit_cap`]): a lowered cap is said in one log line,
    /// and no room at all is an error, before `listening on` is printed.
    pub fn config(
        &self,
        descriptors_per_connection: usize,
    ) -> io::Result<ServerConfig> {
        let log = if self.quiet {
            Log::stderr().quiet()
        } else {
            Log::stderr()
        };
        let (max_connections, note) =
            descriptors::fit_cap(self.max_clients, descriptors_per_connection)?;
        if let Some(note) = note {
            log.problem(format_args!("{note}"));
        }
        Ok(ServerConfig {
            max_connections,
            read_timeout: (!self.timeout.is_zero()).then(|| *self.timeout),
            log,
            ..ServerConfig::default()
        })
    }
}

/// A duration on the command line, with its unit: `2s`, `500ms`, `1m30s`
/// (humantime's syntax), shown the same way in `--help`. A bare number is
/// refused with a hint ("time unit needed, for example 60sec or 60ms"):
/// seconds in one program and milliseconds in the next is how a wait of
/// a quarter of an hour happens. `*arg` is the `std::time::Duration`.
pub type DurationArg = humantime::Duration;

/// Parses a [`DurationArg`] that must not be zero: for waits that have to
/// end (`value_parser = nonzero_duration`).
pub fn nonzero_duration(text: &str) -> Result<DurationArg, String> {
    let duration: DurationArg = text.parse().map_err(|err| format!("{err}"))?;
    if duration.is_zero() {
        return Err("must be more than 0".into());
    }
    Ok(duration)
}

/// Prints the one line a server writes on stdout, with the real port.
/// Scripts and tests start a server on port 0 and read it.
pub fn announce(addr: SocketAddr) {
    // stdout is line-buffered: the newline sends the line out at once, even
    // into a pipe.
    println!("listening on {addr}");
}

/// [`announce`] for a TCP listener.
pub fn announce_listener(listener: &TcpListener) -> io::Result<()> {
    announce(listener.local_addr()?);
    Ok(())
}

/// Ends `main`: nothing on success, else one `error:` line (the error and
/// its causes, joined by `: `) on stderr and exit code 1.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `work` on a thread of its own and returns its result, or `Ok` at
/// Ctrl-C (SIGINT) or SIGTERM, whichever comes first: the exercises' way
/// to keep CONTRACT.md's exit 0 on Ctrl-C whatever the learner's code is
/// doing. Returning ends the process, and the kernel closes every socket
/// the thread still holds, as Python does with daemon threads; a lesson's
/// own server does better and tells each connection to finish.
///
/// A panic in `work` (a `todo!()` reached) is an error, not a program
/// left running with nobody serving.
pub fn until_ctrl_c(
    work: impl FnOnce() -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<()> {
    let shutdown = crate::Shutdown::new();
    shutdown.trigger_on_signals()?;
    let (done, finished) = crossbeam_channel::bounded(1);
    thread::spawn(move || {
        // If `work` panics, `done` is dropped unsent, and `finished`
        // reports it below.
        let _ = done.send(work());
    });
    crossbeam_channel::select! {
        recv(shutdown.receiver()) -> _ => Ok(()),
        recv(finished) -> result => match result {
            Ok(result) => result,
            Err(_) => anyhow::bail!("the program's thread panicked"),
        },
    }
}

/// Lines typed on stdin, read on a thread of their own: a read from the
/// terminal blocks, and a chat must go on showing messages meanwhile. The
/// channel closes at the end of input (Ctrl-D). A line that is not UTF-8
/// comes through with U+FFFD for its bad bytes, rather than end the input.
pub fn stdin_lines() -> crossbeam_channel::Receiver<String> {
    let (lines, receiver) = crossbeam_channel::unbounded();
    thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        let mut line = Vec::new();
        loop {
            line.clear();
            match stdin.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']).to_owned();
            if lines.send(text).is_err() {
                break;
            }
        }
    });
    receiver
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Durations carry their unit; zero is refused where a wait must end,
    /// and a bare number is refused everywhere, with the hint.
    #[test]
    fn durations_need_a_unit() {
        let parsed = |text: &str| text.parse::<DurationArg>().map(|d| *d);
        assert_eq!(parsed("500ms").ok(), Some(Duration::from_millis(500)));
        assert_eq!(parsed("1m30s").ok(), Some(Duration::from_secs(90)));
        assert_eq!(parsed("0").ok(), Some(Duration::ZERO));
        let bare = parsed("60").map_err(|err| err.to_string());
        assert!(bare.is_err_and(|err| err.contains("unit")));
        assert!(nonzero_duration("0s").is_err());
        assert!(nonzero_duration("2s").is_ok());
        assert_eq!(
            DurationArg::from(Duration::from_secs(60)).to_string(),
            "1m"
        );
    }
}
