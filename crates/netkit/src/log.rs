//! Where a server's events go: stderr by default, nowhere with `--quiet`,
//! or anywhere a demo or a test wants them.
//!
//! Servers print exactly one line on stdout (`listening on ...`, which
//! scripts read); everything that happens afterwards goes through a `Log`.

use std::fmt;
use std::sync::Arc;

/// A cloneable sink for server events. Cheap to clone: one `Arc`.
#[derive(Clone)]
pub struct Log {
    sink: Arc<dyn Fn(&str) + Send + Sync>,
    /// Whether routine events (connected, closed) are shown, or only
    /// problems.
    verbose: bool,
}

impl Log {
    /// Events and problems to stderr, one line each.
    pub fn stderr() -> Log {
        Log::to(|line| eprintln!("{line}"))
    }

    /// Every line handed to `sink`: a demo prefixes and prints them, a test
    /// collects them.
    pub fn to(sink: impl Fn(&str) + Send + Sync + 'static) -> Log {
        Log {
            sink: Arc::new(sink),
            verbose: true,
        }
    }

    /// The same sink, without routine events: `--quiet`.
    pub fn quiet(self) -> Log {
        Log {
            verbose: false,
            ..self
        }
    }

    /// A routine event, e.g. a connection opened or closed.
    pub fn event(&self, args: fmt::Arguments<'_>) {
        if self.verbose {
            (self.sink)(&args.to_string());
        }
    }

    /// Something went wrong with one connection; always shown.
    pub fn problem(&self, args: fmt::Arguments<'_>) {
        (self.sink)(&args.to_string());
    }
}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Log")
            .field("verbose", &self.verbose)
            .finish()
    }
}

impl Default for Log {
    fn default() -> Log {
        Log::stderr()
    }
}
