//! A stop signal that any number of threads can check or wait on.
//!
//! Ctrl-C, SIGTERM and tests all pull the same handle, so the code path a
//! test exercises is the one a user's Ctrl-C takes.
//!
//! The trick: a channel on which nothing is ever sent. Every clone of the
//! handle holds the receiving end; `trigger` drops the only sender, and from
//! then on every receiver reports "disconnected" at once. A thread can block
//! on it (`wait`), poll it (`is_triggered`) or put it in a `select!` beside
//! its other channels.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

/// A cloneable stop handle. All clones see the same signal.
#[derive(Clone, Debug)]
pub struct Shutdown {
    /// The only sender, and what to run on the trigger.
    trigger: Arc<Mutex<Trigger>>,
    /// Reports `Disconnected` once the sender is gone.
    receiver: Receiver<()>,
}

/// What `trigger` takes out: the sender, which it drops, and the hooks,
/// which it runs.
struct Trigger {
    sender: Option<Sender<()>>,
    hooks: Vec<Box<dyn FnOnce() + Send>>,
}

impl fmt::Debug for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trigger")
            .field("triggered", &self.sender.is_none())
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl Shutdown {
    /// A handle that has not been triggered yet.
    pub fn new() -> Shutdown {
        let (sender, receiver) = crossbeam_channel::bounded(0);
        let trigger = Trigger {
            sender: Some(sender),
            hooks: Vec::new(),
        };
        Shutdown {
            trigger: Arc::new(Mutex::new(trigger)),
            receiver,
        }
    }

    /// Asks everyone holding a clone to stop. Calling it twice is harmless.
    pub fn trigger(&self) {
        let mut trigger = self.lock();
        // Dropping the last sender is what wakes every receiver.
        drop(trigger.sender.take());
        let hooks = std::mem::take(&mut trigger.hooks);
        drop(trigger);
        for hook in hooks {
            hook();
        }
    }

    /// Runs `hook` when the handle triggers, on the thread that triggers
    /// it (at once, if it has already): for a thread that sleeps in
    /// something other than this handle, such as a poller, to be woken
    /// without a thread of its own waiting on the handle.
    pub fn on_trigger(&self, hook: impl FnOnce() + Send + 'static) {
        let mut trigger = self.lock();
        if trigger.sender.is_some() {
            trigger.hooks.push(Box::new(hook));
            return;
        }
        drop(trigger);
        hook();
    }

    fn lock(&self) -> MutexGuard<'_, Trigger> {
        // A poisoned lock still holds a valid state: use it anyway.
        self.trigger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `trigger` has been called, without blocking.
    pub fn is_triggered(&self) -> bool {
        matches!(self.receiver.try_recv(), Err(TryRecvError::Disconnected))
    }

    /// Blocks until `trigger` is called.
    pub fn wait(&self) {
        // `recv` can only return an error: nothing is ever sent.
        let _ = self.receiver.recv();
    }

    /// Blocks until `trigger` is called or `timeout` passes; returns whether
    /// it was triggered. A pause that ends early when the program stops.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        matches!(
            self.receiver.recv_timeout(timeout),
            Err(RecvTimeoutError::Disconnected)
        )
    }

    /// The receiving end, for `crossbeam_channel::select!` beside other
    /// channels. It becomes ready (disconnected) when the handle triggers.
    pub fn receiver(&self) -> &Receiver<()> {
        &self.receiver
    }

    // ANCHOR: trigger_on_signals
    /// Triggers this handle on Ctrl-C (SIGINT) and SIGTERM. A second Ctrl-C
    /// exits at once, in case a stop hangs. Call it once, from `main`.
    pub fn trigger_on_signals(&self) -> anyhow::Result<()> {
        let shutdown = self.clone();
        ctrlc::set_handler(move || {
            if shutdown.is_triggered() {
                // 128 + SIGINT: what a shell reports for a killed program.
                std::process::exit(130);
            }
            shutdown.trigger();
        })
        .map_err(|err| {
            anyhow::anyhow!("cannot install the Ctrl-C handler: {err}")
        })
    }
    // ANCHOR_END: trigger_on_signals
}

impl Default for Shutdown {
    fn default() -> Shutdown {
        Shutdown::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every clone sees the trigger, including one made before it.
    #[test]
    fn trigger_reaches_every_clone() {
        let shutdown = Shutdown::new();
        let clone = shutdown.clone();
        assert!(!clone.is_triggered());
        shutdown.trigger();
        assert!(clone.is_triggered());
        assert!(clone.wait_timeout(Duration::from_secs(5)));
        shutdown.trigger();
    }

    /// A waiting thread wakes up when another thread triggers.
    #[test]
    fn wait_returns_after_trigger_from_another_thread() {
        let shutdown = Shutdown::new();
        let waiter = {
            let shutdown = shutdown.clone();
            std::thread::spawn(move || {
                shutdown.wait_timeout(Duration::from_secs(5))
            })
        };
        shutdown.trigger();
        assert!(waiter.join().expect("waiter thread"));
    }

    /// `wait_timeout` reports false when nobody triggers.
    #[test]
    fn hooks_run_once_on_the_trigger_or_at_once_after_it() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let shutdown = Shutdown::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        shutdown.on_trigger(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 0, "not before the trigger");
        shutdown.clone().trigger();
        shutdown.trigger();
        assert_eq!(runs.load(Ordering::SeqCst), 1, "once, however often");
        let counted = Arc::clone(&runs);
        shutdown.on_trigger(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 2, "at once once triggered");
    }

    #[test]
    fn wait_timeout_without_trigger_is_false() {
        let shutdown = Shutdown::new();
        assert!(!shutdown.wait_timeout(Duration::from_millis(1)));
    }
}
