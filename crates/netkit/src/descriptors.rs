//! Open-file descriptors: every socket is one, and a process may hold only
//! so many (`ulimit -n`). A server that forgets this learns it from
//! `accept` failing with `EMFILE` ("Too many open files"), while the
//! clients it cannot accept wait in the backlog, answered by nobody.
//!
//! Two limits apply. The *soft* limit is the one the kernel enforces; the
//! *hard* limit is how far a process may raise its own soft limit without
//! privileges. Shells and containers often start programs with a soft
//! limit of 1024 (256 on macOS) under a much higher hard one, so
//! [`raise_limit`] lifts the soft limit to the hard limit at start, as
//! Go's runtime does for every program. [`fit_cap`] then checks that the
//! server's connection cap fits in what is left, and lowers it if not: a
//! client over the cap is told so at once, which a client past the
//! descriptor limit never is. Servers started from the command line do
//! both before they print `listening on` ([`crate::cli::ServerFlags`]).
//!
//! ```console
//! $ sh -c 'ulimit -n 256; exec target/debug/hello-echo server'
//! note: the cap of 512 connections is lowered to 236: the open-file limit
//! (ulimit -n) is 256, 4 are open, 16 are kept in reserve, and each
//! connection takes 1 descriptor; raise the limit with `ulimit -n` to
//! serve more
//! listening on 127.0.0.1:9999
//! ```

use std::io;

/// Descriptors a server keeps for itself beyond its connections: the
/// spare that [`Spare`] holds, a client being refused at the cap, the
/// shutdown's wake-up connection (both of its ends), and room for what a
/// handler opens for a moment.
pub const RESERVED: usize = 16;

/// Descriptors a connection holds that owns its socket and nothing else:
/// hello-echo's and chat-room's (whose reader, writer and broker share
/// the one socket).
pub const SOCKET_ONLY: usize = 1;

/// How many connections fit in the open-file limit, and what that rests
/// on, for the log line and the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The soft limit in force (`ulimit -n`).
    pub limit: u64,
    /// Descriptors already open (standard streams, the listener, ...).
    pub open: usize,
    /// Connections that fit, at `per_connection` descriptors each, after
    /// [`RESERVED`].
    pub connections: usize,
}

/// Raises the soft open-file limit to the hard limit. Returns the soft
/// limit now in force, or `None` where there is no such limit to read (not
/// Unix) or it is unlimited. Failing to raise it is not an error: the
/// limit stays as it was, and [`fit_cap`] works with that.
pub fn raise_limit() -> Option<u64> {
    imp::raise_limit()
}

/// What fits in the open-file limit in force, at `per_connection`
/// descriptors per connection. `None` where no limit is known.
pub fn budget(per_connection: usize) -> Option<Budget> {
    let limit = imp::soft_limit()?;
    let open = imp::open_descriptors()?;
    Some(Budget::new(limit, open, per_connection))
}

impl Budget {
    /// What fits in `limit` with `open` descriptors already taken.
    pub fn new(limit: u64, open: usize, per_connection: usize) -> Budget {
        let usable = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_sub(open.saturating_add(RESERVED));
        Budget {
            limit,
            open,
            connections: usable / per_connection.max(1),
        }
    }
}

/// The connection cap to use: `wanted`, or less if the open-file limit
/// cannot hold that many connections, with a note saying why. An error
/// that names `ulimit -n` if not even one connection fits. Raises the
/// soft limit first ([`raise_limit`]).
pub fn fit_cap(
    wanted: usize,
    per_connection: usize,
) -> io::Result<(usize, Option<String>)> {
    raise_limit();
    match budget(per_connection) {
        Some(budget) => budget.fit(wanted, per_connection),
        None => Ok((wanted, None)),
    }
}

impl Budget {
    /// [`fit_cap`]'s decision, for this budget.
    pub fn fit(
        &self,
        wanted: usize,
        per_connection: usize,
    ) -> io::Result<(usize, Option<String>)> {
        let each = match per_connection {
            1 => "1 descriptor".to_owned(),
            n => format!("{n} descriptors"),
        };
        if self.connections == 0 {
            return Err(io::Error::other(format!(
                "the open-file limit (ulimit -n) is {}, and {} are open \
                 already: no room for a connection of {each}; raise it, \
                 for example with `ulimit -n 1024`",
                self.limit, self.open
            )));
        }
        if self.connections >= wanted {
            return Ok((wanted, None));
        }
        let note = format!(
            "note: the cap of {wanted} connections is lowered to {}: the \
             open-file limit (ulimit -n) is {}, {} are open, {RESERVED} are \
             kept in reserve, and each connection takes {each}; raise the \
             limit with `ulimit -n` to serve more",
            self.connections, self.limit, self.open
        );
        Ok((self.connections, Some(note)))
    }
}

/// Whether an error says the process (`EMFILE`) or the whole system
/// (`ENFILE`) is out of descriptors.
pub fn is_out_of_descriptors(err: &io::Error) -> bool {
    imp::is_out_of_descriptors(err)
}

/// One descriptor held in reserve, so that a server out of descriptors can
/// still accept a waiting client to tell it so, instead of leaving it in
/// the backlog: give the spare back, accept, refuse, close, take the
/// spare again (nginx and libev do the same).
#[derive(Debug)]
pub struct Spare(Option<std::fs::File>);

impl Spare {
    /// Takes the spare descriptor (on Unix, `/dev/null` opened for
    /// reading). Elsewhere there is none to take.
    pub fn take() -> Spare {
        Spare(imp::spare())
    }

    /// Closes the spare, so that its descriptor is free for one `accept`.
    /// Returns false if there was none to close.
    pub fn release(&mut self) -> bool {
        self.0.take().is_some()
    }

    /// Takes the spare again after [`release`](Spare::release). Returns
    /// whether it is held now: false if no descriptor was free.
    pub fn restore(&mut self) -> bool {
        if self.0.is_none() {
            self.0 = imp::spare();
        }
        self.0.is_some()
    }
}

#[cfg(unix)]
mod imp {
    use std::io;

    use rustix::io::Errno;
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

    /// The most macOS accepts as a soft limit when the hard limit is
    /// "unlimited" (`OPEN_MAX` in its <sys/syslimits.h>); Go's runtime
    /// falls back the same way. Not exercised on Linux, where the hard
    /// limit is always a number.
    const OPEN_MAX_FALLBACK: u64 = 10_240;

    pub fn raise_limit() -> Option<u64> {
        let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
        if current.is_some() && current != maximum {
            let raise = |to: Option<u64>| {
                setrlimit(
                    Resource::Nofile,
                    Rlimit {
                        current: to,
                        maximum,
                    },
                )
            };
            if raise(maximum).is_err() {
                let _ = raise(Some(OPEN_MAX_FALLBACK));
            }
        }
        soft_limit()
    }

    pub fn soft_limit() -> Option<u64> {
        getrlimit(Resource::Nofile).current
    }

    /// Counts the entries of `/dev/fd` (on Linux a link to
    /// `/proc/self/fd`), less the one the listing itself holds open.
    pub fn open_descriptors() -> Option<usize> {
        let entries = std::fs::read_dir("/dev/fd").ok()?;
        Some(entries.count().saturating_sub(1))
    }

    pub fn is_out_of_descriptors(err: &io::Error) -> bool {
        let code = err.raw_os_error();
        code == Some(Errno::MFILE.raw_os_error())
            || code == Some(Errno::NFILE.raw_os_error())
    }

    pub fn spare() -> Option<std::fs::File> {
        std::fs::File::open("/dev/null").ok()
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io;

    pub fn raise_limit() -> Option<u64> {
        None
    }

    pub fn soft_limit() -> Option<u64> {
        None
    }

    pub fn open_descriptors() -> Option<usize> {
        None
    }

    pub fn is_out_of_descriptors(_err: &io::Error) -> bool {
        false
    }

    pub fn spare() -> Option<std::fs::File> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reserve comes off the top, and the rest is divided among
    /// connections.
    #[test]
    fn the_budget_keeps_the_reserve_and_divides_the_rest() {
        assert_eq!(Budget::new(1024, 10, 1).connections, 1024 - 10 - RESERVED);
        assert_eq!(Budget::new(1024, 10, 2).connections, 499);
        assert_eq!(Budget::new(20, 10, 1).connections, 0);
    }

    /// A cap that fits is kept, a cap that does not is lowered with a
    /// note, and no room at all is an error naming `ulimit -n`.
    #[test]
    fn the_cap_is_kept_lowered_or_refused() {
        let budget = Budget::new(256, 13, 1);
        assert_eq!(budget.fit(100, 1).ok(), Some((100, None)));
        let (cap, note) = budget.fit(512, 1).unwrap_or_default();
        assert_eq!(cap, 256 - 13 - RESERVED);
        assert!(note.is_some_and(|n| n.contains("lowered to 227")));
        let err = Budget::new(24, 13, 1).fit(512, 1).err();
        assert!(err.is_some_and(|e| e.to_string().contains("ulimit -n")));
    }

    /// The process's own budget: at least the standard streams are open.
    #[test]
    fn the_process_has_a_budget() {
        if let Some(budget) = budget(1) {
            assert!(budget.open >= 3, "stdin, stdout and stderr are open");
        }
    }

    /// EMFILE and ENFILE are both "out of descriptors"; a timeout is not.
    #[cfg(unix)]
    #[test]
    fn emfile_and_enfile_are_recognised() {
        use rustix::io::Errno;
        for errno in [Errno::MFILE, Errno::NFILE] {
            let err = io::Error::from_raw_os_error(errno.raw_os_error());
            assert!(is_out_of_descriptors(&err));
        }
        let timeout = io::Error::from(io::ErrorKind::WouldBlock);
        assert!(!is_out_of_descriptors(&timeout));
    }
}
