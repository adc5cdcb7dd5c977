//! The shape of the timed modes: many clients at once, each doing the
//! same small exchange over and over for a fixed time, every exchange
//! timed.
//!
//! A run has two phases. First every worker sets itself up (connects,
//! reads a welcome) while nothing is timed; then all start together, on
//! one signal, and repeat their step until the window closes. Counting
//! only the window keeps the figure a rate of the server's steady state:
//! 10,000 connections take seconds to open, and that is not the thing
//! measured.
//!
//! ```text
//!   worker 1: setup ──┐              step step step step ... │
//!   worker 2: setup ──┤ all ready ──> step step step ...     │ window
//!   worker N: setup ──┘   (start)     step step step step ...│ closes
//! ```
//!
//! A worker whose step fails stops there, and the run reports the first
//! error and how many workers failed: a loaded server that refuses or
//! drops connections must show in the figures, not vanish from them.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};
use std::{fmt, io};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::process::{Snapshot, snapshot};
use crate::stats::{Latencies, Summary};

/// Each worker's stack. Its loop needs a few KiB, and the default of
/// 2 MiB, reserved 10,000 times, is 20 GiB of address space; this keeps
/// the bench's own footprint small next to the server it measures.
pub const WORKER_STACK: usize = 128 * 1024;

/// Workers setting up at once. Opening 10,000 connections in the same
/// instant overflows the server's accept queue (its `listen` backlog,
/// 128 in the Python ports): the kernel then drops handshakes and
/// retries them a second or more later, so setup would time out on a
/// server that is merely slow to accept. Taking turns keeps the queue
/// short; setup is not timed.
pub const SETUP_AT_ONCE: usize = 64;

/// How long a read or a write may wait. A loaded server answers within
/// milliseconds; ten seconds without an answer is a stalled server, and
/// the error says so rather than the run hanging.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Latencies a worker keeps before it counts them in the run's
/// histogram. The histogram is shared, behind a lock: taking it once per
/// batch rather than once per step keeps the workers from waiting on
/// each other (a worker descheduled with the lock held would stall the
/// others' timed steps), and the batch bounds each worker's memory.
const BATCH: usize = 256;

/// What one run does.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Workers at once, one thread each.
    pub workers: usize,
    /// How long the timed window lasts.
    pub duration: Duration,
    /// The server to look at in `/proc` halfway through the window.
    pub server_pid: Option<u32>,
}

/// What a run counted.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Steps completed in the window, by every worker.
    pub steps: u64,
    /// From the start signal to the end of the last worker's last step.
    pub elapsed: Duration,
    /// The latency of every completed step.
    pub latencies: Latencies,
    /// Workers that failed, in setup or in a step.
    pub failed: usize,
    /// The first failure, with the worker's number.
    pub first_error: Option<String>,
    /// The server halfway through the window: its threads and memory
    /// under load.
    pub server_loaded: Option<Snapshot>,
    /// The server after the window (its peak memory over the run).
    pub server_after: Option<Snapshot>,
    /// The CPU time the server used from the start signal to the end of
    /// the window, all its threads, user and kernel.
    pub server_cpu: Option<Duration>,
}

/// A timed run's figures, as a mode's report gives them; a figure not
/// measured is `None` (`null` in JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// From the start signal to the end of the last step, in seconds.
    pub seconds: f64,
    /// Completed steps per second of that.
    pub per_s: f64,
    /// The steps' latencies (left out if none completed).
    #[serde(flatten)]
    pub latency: Option<Summary>,
    /// The server's threads halfway through the window.
    pub server_threads: Option<u64>,
    /// Its resident memory then, in KiB.
    pub server_rss_kib: Option<u64>,
    /// Its peak resident memory over the run, in KiB.
    pub server_peak_rss_kib: Option<u64>,
    /// Its CPU time per completed step, in µs, all threads, user and
    /// kernel: what one request cost it, whatever the load generator
    /// beside it cost.
    pub server_cpu_us_per_step: Option<f64>,
}

impl Outcome {
    /// What a report gives of the run.
    pub fn figures(&self) -> Figures {
        let seconds = self.elapsed.as_secs_f64();
        let cpu = self.server_cpu.filter(|_| self.steps > 0);
        Figures {
            seconds,
            per_s: self.steps as f64 / seconds.max(f64::EPSILON),
            latency: self.latencies.summary(),
            server_threads: self.server_loaded.map(|s| s.threads),
            server_rss_kib: self.server_loaded.map(|s| s.rss_kib),
            server_peak_rss_kib: self.server_after.map(|s| s.peak_rss_kib),
            server_cpu_us_per_step: cpu
                .map(|cpu| cpu.as_secs_f64() * 1e6 / self.steps as f64),
        }
    }
}

impl Figures {
    /// Writes `; latency p50 …, p99 …, max …` for a summary line.
    pub fn write_latency(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.latency {
            Some(l) => write!(f, "; {l}"),
            None => Ok(()),
        }
    }
}

/// What one worker brings back.
struct Tally {
    steps: u64,
    /// What failed: setting up, or step number N of the window.
    error: Option<(String, io::Error)>,
    ended: Instant,
}

/// Runs `plan.workers` threads: each calls `setup(index)` once, waits for
/// all the others, then calls `step` on what setup returned until the
/// window closes. `setup` and `step` must bound their own waits (socket
/// timeouts): the run ends only when every worker has returned.
pub fn run<S, Setup, Step>(
    plan: Plan,
    setup: Setup,
    step: Step,
) -> anyhow::Result<Outcome>
where
    Setup: Fn(usize) -> io::Result<S> + Sync,
    Step: Fn(&mut S) -> io::Result<()> + Sync,
{
    if let Some(pid) = plan.server_pid {
        snapshot(pid)?; // fail now, not after the run
    }
    // Each worker says when it is set up, then waits for `go` to close:
    // closing a channel wakes every receiver at once. `start` is set
    // just before; a worker that wakes to find it unset was not needed
    // (another could not be started) and returns at once.
    let (ready_tx, ready_rx) = crossbeam_channel::unbounded::<()>();
    let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(0);
    // A token per worker setting up: sending blocks while all are taken.
    let (turn_tx, turn_rx) = crossbeam_channel::bounded::<()>(SETUP_AT_ONCE);
    let start: OnceLock<Instant> = OnceLock::new();
    let latencies = Mutex::new(Latencies::default());
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(plan.workers);
        for index in 0..plan.workers {
            let (ready_tx, go_rx, start) =
                (ready_tx.clone(), go_rx.clone(), &start);
            let (setup, step, latencies) = (&setup, &step, &latencies);
            let (turn_tx, turn_rx) = (&turn_tx, &turn_rx);
            let spawned = thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || {
                    let _ = turn_tx.send(());
                    let state = setup(index);
                    let _ = turn_rx.recv();
                    let _ = ready_tx.send(());
                    let _ = go_rx.recv(); // returns once `go_tx` is dropped
                    let start = start.get().copied()?;
                    let deadline = start + plan.duration;
                    Some(work(state, step, deadline, latencies))
                });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(err) => {
                    drop(go_tx); // release the workers already waiting
                    return Err(err).with_context(|| {
                        format!(
                            "cannot start worker {index} of {}; lower the \
                             number of connections",
                            plan.workers
                        )
                    });
                }
            }
        }
        drop(ready_tx);
        for _ in 0..plan.workers {
            // Every worker sends once, after a setup bounded by its own
            // timeouts (or drops its sender by panicking: no hang).
            let _ = ready_rx.recv();
        }
        let start_at = *start.get_or_init(Instant::now);
        drop(go_tx);
        let at_start = plan.server_pid.map(snapshot).transpose()?;
        let loaded = plan.server_pid.map(|pid| {
            thread::sleep(plan.duration / 2);
            snapshot(pid)
        });
        let tallies: Vec<Tally> = handles
            .into_iter()
            // A worker returns `None` only when the run was called off,
            // which returned above; a panic is a bug in the bench.
            .filter_map(|handle| {
                handle.join().expect("a bench worker panicked")
            })
            .collect();
        let server_loaded = loaded.transpose()?;
        let server_after = plan.server_pid.map(snapshot).transpose()?;
        // Every worker has returned: nothing else holds the lock.
        let mut all = latencies.lock().unwrap_or_else(PoisonError::into_inner);
        let mut outcome = sum(
            tallies,
            start_at,
            std::mem::take(&mut all),
            server_loaded,
            server_after,
        );
        if let (Some(before), Some(after)) = (at_start, server_after) {
            outcome.server_cpu = Some(after.cpu.saturating_sub(before.cpu));
        }
        Ok(outcome)
    })
}

/// One worker's window: steps until the deadline or the first error,
/// each step's latency counted in `latencies`.
fn work<S>(
    state: io::Result<S>,
    step: &(impl Fn(&mut S) -> io::Result<()> + Sync),
    deadline: Instant,
    latencies: &Mutex<Latencies>,
) -> Tally {
    let mut batch = Vec::new();
    let count = |batch: &mut Vec<Duration>| {
        let mut all = latencies.lock().unwrap_or_else(PoisonError::into_inner);
        batch.drain(..).for_each(|latency| all.record(latency));
    };
    let mut tally = Tally {
        steps: 0,
        error: None,
        ended: Instant::now(),
    };
    let mut state = match state {
        Ok(state) => state,
        Err(err) => {
            tally.error = Some(("setting up".to_owned(), err));
            return tally;
        }
    };
    loop {
        let began = Instant::now();
        if began >= deadline {
            break;
        }
        if let Err(err) = step(&mut state) {
            let what = format!("step {} of the window", tally.steps + 1);
            tally.error = Some((what, err));
            break;
        }
        batch.push(began.elapsed());
        tally.steps += 1;
        if batch.len() == BATCH {
            count(&mut batch);
        }
    }
    tally.ended = Instant::now();
    count(&mut batch);
    tally
}

/// Adds the workers' tallies up, with the latencies they counted.
fn sum(
    tallies: Vec<Tally>,
    start: Instant,
    latencies: Latencies,
    server_loaded: Option<Snapshot>,
    server_after: Option<Snapshot>,
) -> Outcome {
    let mut steps = 0;
    let mut failed = 0;
    let mut first_error = None;
    let mut end = start;
    for (index, tally) in tallies.into_iter().enumerate() {
        steps += tally.steps;
        end = end.max(tally.ended);
        if let Some((what, err)) = tally.error {
            failed += 1;
            first_error.get_or_insert_with(|| {
                format!("worker {index}, {what}: {err}")
            });
        }
    }
    Outcome {
        steps,
        elapsed: end.duration_since(start),
        latencies,
        failed,
        first_error,
        server_loaded,
        server_after,
        server_cpu: None,
    }
}

/// Turns a run in which some workers failed into an error, for modes
/// whose figure means nothing unless every worker ran to the end.
pub fn all_ran(outcome: &Outcome, workers: usize) -> anyhow::Result<()> {
    match &outcome.first_error {
        None => Ok(()),
        Some(first) => Err(anyhow::anyhow!("{first}")).with_context(|| {
            format!(
                "{} of {workers} connections failed; the first error follows",
                outcome.failed
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn plan(workers: usize) -> Plan {
        Plan {
            workers,
            duration: Duration::from_millis(100),
            server_pid: None,
        }
    }

    /// Every step in the window is counted once, and timed.
    #[test]
    fn steps_are_counted_and_timed() {
        let calls = AtomicU64::new(0);
        let outcome = run(plan(4), Ok, |_| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
        assert!(outcome.steps > 0);
        assert_eq!(outcome.steps, calls.load(Ordering::Relaxed));
        assert_eq!(outcome.latencies.count(), outcome.steps);
        assert_eq!(outcome.failed, 0);
        assert!(outcome.elapsed >= Duration::from_millis(100));
        all_ran(&outcome, 4).unwrap();
    }

    /// A failed setup and a failed step each stop one worker, and the
    /// first error is kept with its worker's number.
    #[test]
    fn failures_are_reported() {
        let outcome = run(
            plan(3),
            |index| match index {
                0 => Err(io::Error::other("refused")),
                _ => Ok(index),
            },
            |index| match index {
                1 => Err(io::Error::other("reset")),
                _ => Ok(()),
            },
        )
        .unwrap();
        assert_eq!(outcome.failed, 2);
        assert_eq!(
            outcome.first_error.as_deref(),
            Some("worker 0, setting up: refused")
        );
        let err = all_ran(&outcome, 3).unwrap_err();
        assert!(format!("{err:#}").contains("2 of 3 connections failed"));
        assert!(outcome.steps > 0, "worker 2 kept going");
    }
}
