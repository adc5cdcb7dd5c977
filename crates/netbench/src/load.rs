//! The shape of the timed modes: many clients at once, each doing the
//! same small exchange over and over for a fixed time, every exchange
//! timed.
//!
//! First every worker sets itself up (connects, reads a welcome) while
//! nothing is timed; then all start together, on one signal, and repeat
//! their step until the window closes. Counting only the window keeps the
//! figure a rate of the server's steady state: 10,000 connections take
//! seconds to open, and that is not the thing measured.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};
use std::{fmt, io};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::process::snapshot;
use crate::stats::{Latencies, Summary};

/// Each worker's stack. Its loop needs a few KiB, and the default of
/// 2 MiB, reserved 10,000 times, is 20 GiB of address space; this keeps
/// the bench's own footprint small next to the server it measures.
const WORKER_STACK: usize = 128 * 1024;

/// Workers setting up at once. Opening 10,000 connections in the same
/// instant overflows the server's accept queue (its `listen` backlog,
/// 128 in hello-echo's Python port): the kernel then drops handshakes and
/// retries them a second or more later, so setup would time out on a
/// server that is merely slow to accept. Taking turns keeps the queue
/// short; setup is not timed.
const SETUP_AT_ONCE: usize = 64;

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
    /// The latency of every completed step.
    pub latencies: Latencies,
    /// What a report gives of the run.
    pub figures: Figures,
}

/// A timed run's figures, as a mode's report gives them; a figure not
/// measured is `None` (`null` in JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// From the start signal to the end of the last step, in seconds.
    pub seconds: f64,
    /// Completed steps per second of that.
    pub per_s: f64,
    /// Left out if no step completed.
    #[serde(flatten)]
    pub latency: Option<Summary>,
    /// The server's threads halfway through the window.
    pub server_threads: Option<u64>,
    /// Its resident memory then, in KiB.
    pub server_rss_kib: Option<u64>,
    /// Its peak resident memory over the run, in KiB.
    pub server_peak_rss_kib: Option<u64>,
    /// Its CPU time per completed step, in µs: what one request cost it,
    /// whatever the load generator beside it cost.
    pub server_cpu_us_per_step: Option<f64>,
}

impl Figures {
    /// A summary line's figures, after the mode's name and load: `, 3.0
    /// s: 99992 round trips/s; latency p50 0.142 ms, p99 0.462 ms, max
    /// 7.774 ms; server 19 threads, 3.0 MiB under load (peak 3.2 MiB);
    /// server CPU 11.2 µs per round trip`, for `steps` "round trips".
    pub fn write_summary(
        &self,
        f: &mut fmt::Formatter<'_>,
        steps: &str,
        step: &str,
    ) -> fmt::Result {
        write!(f, ", {:.1} s: {:.0} {steps}/s", self.seconds, self.per_s)?;
        if let Some(latency) = self.latency {
            write!(f, "; {latency}")?;
        }
        if let (Some(threads), Some(rss), Some(peak)) = (
            self.server_threads,
            self.server_rss_kib,
            self.server_peak_rss_kib,
        ) {
            write!(
                f,
                "; server {threads} threads, {:.1} MiB under load (peak \
                 {:.1} MiB)",
                rss as f64 / 1024.0,
                peak as f64 / 1024.0
            )?;
        }
        if let Some(us) = self.server_cpu_us_per_step {
            write!(f, "; server CPU {us:.1} µs per {step}")?;
        }
        Ok(())
    }
}

/// Runs `plan.workers` threads: each calls `setup(index)` once, waits for
/// all the others, then calls `step` on what setup returned until the
/// window closes. `setup` and `step` must bound their own waits (socket
/// timeouts): the run ends only when every worker has returned. A
/// worker's failure fails the run: a loaded server that refuses or drops
/// connections must show, not vanish from the figures.
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
                    let deadline = *start.get()? + plan.duration;
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
        let start = *start.get_or_init(Instant::now);
        drop(go_tx);
        let at_start = plan.server_pid.map(snapshot).transpose()?;
        let loaded = plan.server_pid.map(|pid| {
            thread::sleep(plan.duration / 2);
            snapshot(pid)
        });
        let mut steps = 0;
        let mut end = start;
        let mut failures = Vec::new();
        // A worker returns `None` only when the run was called off, which
        // returned above; a panic is a bug in the bench.
        let tallies = handles.into_iter().filter_map(|handle| {
            handle.join().expect("a bench worker panicked")
        });
        for (index, tally) in tallies.enumerate() {
            match tally {
                Ok((done, ended)) => {
                    steps += done;
                    end = end.max(ended);
                }
                Err(error) => failures.push(format!("worker {index}, {error}")),
            }
        }
        let server_loaded = loaded.transpose()?;
        let server_after = plan.server_pid.map(snapshot).transpose()?;
        if let Some(first) = failures.first() {
            return Err(anyhow::anyhow!("{first}")).with_context(|| {
                format!(
                    "{} of {} connections failed; the first error follows",
                    failures.len(),
                    plan.workers
                )
            });
        }
        // Every worker has returned: nothing else holds the lock.
        let mut all = latencies.lock().unwrap_or_else(PoisonError::into_inner);
        let latencies = std::mem::take(&mut *all);
        let seconds = end.duration_since(start).as_secs_f64();
        let cpu = at_start.zip(server_after).filter(|_| steps > 0);
        let figures = Figures {
            seconds,
            per_s: steps as f64 / seconds.max(f64::EPSILON),
            latency: latencies.summary(),
            server_threads: server_loaded.map(|s| s.threads),
            server_rss_kib: server_loaded.map(|s| s.rss_kib),
            server_peak_rss_kib: server_after.map(|s| s.peak_rss_kib),
            server_cpu_us_per_step: cpu.map(|(before, after)| {
                let cpu = after.cpu.saturating_sub(before.cpu);
                cpu.as_secs_f64() * 1e6 / steps as f64
            }),
        };
        Ok(Outcome {
            steps,
            latencies,
            figures,
        })
    })
}

/// One worker's window: steps until the deadline, each step's latency
/// counted in `latencies`; returns the steps and when the last ended, or
/// what failed.
fn work<S>(
    state: io::Result<S>,
    step: &(impl Fn(&mut S) -> io::Result<()> + Sync),
    deadline: Instant,
    latencies: &Mutex<Latencies>,
) -> Result<(u64, Instant), String> {
    let mut state = state.map_err(|err| format!("setting up: {err}"))?;
    let mut batch = Vec::new();
    let count = |batch: &mut Vec<Duration>| {
        let mut all = latencies.lock().unwrap_or_else(PoisonError::into_inner);
        batch.drain(..).for_each(|latency| all.record(latency));
    };
    let mut steps = 0;
    loop {
        let began = Instant::now();
        if began >= deadline {
            break;
        }
        step(&mut state).map_err(|err| {
            format!("step {} of the window: {err}", steps + 1)
        })?;
        batch.push(began.elapsed());
        steps += 1;
        if batch.len() == BATCH {
            count(&mut batch);
        }
    }
    let ended = Instant::now();
    count(&mut batch);
    Ok((steps, ended))
}

/// A server for the loads' tests: netkit's accept loop on 127.0.0.1:0,
/// `handler` on each connection, quiet, and stopped when it is dropped.
#[cfg(test)]
pub fn test_server(
    handler: impl Fn(&netkit::Connection) -> io::Result<()> + Send + Sync + 'static,
) -> netkit::testing::TestServer<io::Result<netkit::ServeReport>> {
    netkit::testing::TestServer::start(move |listener, shutdown| {
        let config = netkit::ServerConfig {
            log: netkit::Log::to(|_| ()),
            ..netkit::ServerConfig::default()
        };
        netkit::serve(listener, &shutdown, &config, handler)
    })
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
        assert!(outcome.figures.seconds >= 0.1);
    }

    /// A failed setup and a failed step each stop one worker and fail the
    /// run, which names the first failure with its worker's number.
    #[test]
    fn failures_are_reported() {
        let err = run(
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
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("2 of 3 connections failed"), "{text}");
        assert!(text.contains("worker 0, setting up: refused"), "{text}");
    }
}
