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

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

/// A cloneable stop handle. All clones see the same signal.
#[derive(Clone, Debug)]
pub struct Shutdown {
    /// The only sender. `trigger` takes it out and drops it.
    sender: Arc<Mutex<Option<Sender<()>>>>,
    /// Reports `Disconnected` once the sender is gone.
    receiver: Receiver<()>,
}

impl Shutdown {
    /// A handle that has not been triggered yet.
    pub fn new() -> Shutdown {
        let (sender, receiver) = crossbeam_channel::bounded(0);
        Shutdown {
            sender: Arc::new(Mutex::new(Some(sender))),
            receiver,
        }
    }

    /// Asks everyone holding a clone to stop. Calling it twice is harmless.
    pub fn trigger(&self) {
        // A poisoned lock still holds a valid Option: take the sender anyway.
        let mut sender =
            self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        // Dropping the last sender is what wakes every receiver.
        drop(sender.take());
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
    fn wait_timeout_without_trigger_is_false() {
        let shutdown = Shutdown::new();
        assert!(!shutdown.wait_timeout(Duration::from_millis(1)));
    }
}
