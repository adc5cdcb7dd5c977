//! Two limits on time: `--timeout` bounds each connect, read and write,
//! and `--max-time` (off unless given) the whole transfer, from its first
//! connect to the end of its body, redirects included.
//!
//! A socket has only the first kind built in: `set_read_timeout` and
//! `set_write_timeout` (`SO_RCVTIMEO`, `SO_SNDTIMEO`; Python's
//! `settimeout`) bound one call, and the next call starts afresh. A
//! server that sends a byte a second, or a `100 Continue` head every few
//! seconds, never lets one call wait long, and keeps the client for as
//! long as it likes. So before each read and write, [`TimedStream`] sets
//! the socket's timeout to what the [`Clock`] allows: `--timeout`, or
//! what is left of `--max-time` if that is less.
//!
//! ```text
//! --timeout 30s --max-time 10s, a server that sends a byte a second:
//!
//! read at 0 s     may wait 10 s (what is left)   a byte at 1 s
//! read at 1 s     may wait 9 s                   a byte at 2 s
//! ...
//! read at 10 s    nothing is left                "not finished within
//!                                                --max-time 10s"
//! ```

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use netkit::cli::DurationArg;

/// The time limits of one transfer, counted from when it starts.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// The most one connect, read or write may wait (`--timeout`).
    timeout: Duration,
    /// `--max-time`, and the moment it runs out.
    deadline: Option<(Duration, Instant)>,
}

impl Clock {
    /// Starts the clock of a transfer that may take `max_time` in all
    /// (`None`: as long as it takes), each step at most `timeout`.
    pub fn start(timeout: Duration, max_time: Option<Duration>) -> Clock {
        let now = Instant::now();
        Clock {
            timeout,
            // A max-time too large to add to now (a billion years) is a
            // deadline that never comes: none.
            deadline: max_time
                .and_then(|max| Some((max, now.checked_add(max)?))),
        }
    }

    /// How long the next connect, read or write may wait: the timeout, or
    /// what is left of the max-time if that is less. An error once
    /// nothing is left.
    pub fn wait(&self) -> io::Result<Duration> {
        let Some((_, end)) = self.deadline else {
            return Ok(self.timeout);
        };
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.out_of_time());
        }
        Ok(left.min(self.timeout))
    }

    /// Whether a wait of `wait`, from [`Clock::wait`], was the max-time's
    /// rather than the timeout's: the one to blame when it runs out.
    pub fn cut_short(&self, wait: Duration) -> bool {
        wait < self.timeout
    }

    /// The timeout, for messages.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The error for a transfer that ran out of max-time: its own, so
    /// that it is never taken for a silent server.
    pub fn out_of_time(&self) -> io::Error {
        let max = self.deadline.map_or(Duration::ZERO, |(max, _)| max);
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "not finished within --max-time {}",
                DurationArg::from(max)
            ),
        )
    }

    /// A read or write that failed after a wait of `wait`, in words when
    /// it timed out: the server `did` nothing for the timeout, or the
    /// max-time ran out.
    fn explain(&self, err: io::Error, wait: Duration, did: &str) -> io::Error {
        if !netkit::is_timeout(&err) {
            err
        } else if self.cut_short(wait) {
            self.out_of_time()
        } else {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the server {did} for {} s",
                    self.timeout.as_secs_f64()
                ),
            )
        }
    }
}

// ANCHOR: timed_stream
/// A connected TCP stream whose every read and write waits no longer than
/// its [`Clock`] allows.
#[derive(Debug)]
pub struct TimedStream {
    stream: TcpStream,
    clock: Clock,
    /// The timeouts set on the socket now. Each is set again only when
    /// the wait changes, which without --max-time is never: no extra
    /// system call per read.
    read_wait: Option<Duration>,
    write_wait: Option<Duration>,
}

impl TimedStream {
    /// Puts `stream` on `clock`.
    pub fn new(stream: TcpStream, clock: Clock) -> TimedStream {
        TimedStream {
            stream,
            clock,
            read_wait: None,
            write_wait: None,
        }
    }
}

impl Read for TimedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let wait = self.clock.wait()?;
        if self.read_wait != Some(wait) {
            self.stream.set_read_timeout(Some(wait))?;
            self.read_wait = Some(wait);
        }
        self.stream
            .read(buf)
            .map_err(|err| self.clock.explain(err, wait, "sent nothing"))
    }
}

impl Write for TimedStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let wait = self.clock.wait()?;
        if self.write_wait != Some(wait) {
            self.stream.set_write_timeout(Some(wait))?;
            self.write_wait = Some(wait);
        }
        self.stream
            .write(buf)
            .map_err(|err| self.clock.explain(err, wait, "took nothing"))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}
// ANCHOR_END: timed_stream

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_max_time_every_wait_is_the_timeout() {
        let clock = Clock::start(Duration::from_secs(30), None);
        assert_eq!(clock.wait().unwrap(), Duration::from_secs(30));
        assert!(!clock.cut_short(clock.wait().unwrap()));
    }

    #[test]
    fn the_max_time_shortens_the_wait_then_ends_it() {
        let clock = Clock::start(
            Duration::from_secs(30),
            Some(Duration::from_millis(100)),
        );
        let wait = clock.wait().unwrap();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(clock.cut_short(wait));
        std::thread::sleep(Duration::from_millis(150));
        let err = clock.wait().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(err.to_string(), "not finished within --max-time 100ms");
    }

    /// A max-time larger than the clock can count is no limit, not a
    /// panic.
    #[test]
    fn a_max_time_past_the_end_of_time_never_runs_out() {
        let clock = Clock::start(Duration::from_secs(30), Some(Duration::MAX));
        assert_eq!(clock.wait().unwrap(), Duration::from_secs(30));
    }
}
