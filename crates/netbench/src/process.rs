//! What the kernel counts of a server process, in `/proc/PID/` (Linux
//! only): its memory and threads in `status`, the CPU time of all its
//! threads, user and kernel, in `stat`, its descriptors in `fd`. A bench
//! reads them before, halfway through and after a run, to show whether
//! memory stayed bounded and what each request cost in CPU, whatever the
//! load generator next to it cost.

use std::fs;
use std::time::Duration;

use anyhow::Context;

/// A process's memory and threads at one moment, from
/// `/proc/PID/status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Resident memory now (`VmRSS`), in KiB.
    pub rss_kib: u64,
    /// The most it has had since it started (`VmHWM`), in KiB.
    pub peak_rss_kib: u64,
    /// Its threads now (`Threads`).
    pub threads: u64,
    /// CPU time used so far by all its threads, user and kernel.
    pub cpu: Duration,
}

/// The peak resident memory of process `pid`, in KiB.
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    Ok(snapshot(pid)?.peak_rss_kib)
}

/// Process `pid`'s memory, threads and CPU time now.
pub fn snapshot(pid: u32) -> anyhow::Result<Snapshot> {
    let path = format!("/proc/{pid}/status");
    let status = fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {path} for the server's memory; pass the pid of \
             a running server with --server-pid (Linux only), or leave \
             the flag out"
        )
    })?;
    let mut snapshot = snapshot_of(&status).with_context(|| {
        format!("no VmHWM line in {path}; is it a process?")
    })?;
    let path = format!("/proc/{pid}/stat");
    let stat = fs::read_to_string(&path)
        .with_context(|| format!("cannot read {path} for the CPU time"))?;
    let ticks = cpu_ticks(&stat)
        .with_context(|| format!("{path} has no CPU times where expected"))?;
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    snapshot.cpu = Duration::from_secs_f64(ticks as f64 / per_second as f64);
    Ok(snapshot)
}

/// Process `pid`'s open descriptors now: one entry of `/proc/PID/fd` per
/// socket, file or pipe it holds. Listing that directory opens a
/// descriptor in this process, not in `pid`.
pub fn open_descriptors(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/fd");
    let entries = fs::read_dir(&path).with_context(|| {
        format!(
            "cannot list {path} for the server's descriptors; pass the pid \
             of a running server of yours with --server-pid (Linux only)"
        )
    })?;
    // A descriptor closed while we list is an error here: it counts as
    // gone, as it is.
    Ok(entries.filter(Result::is_ok).count() as u64)
}

/// User plus system CPU time, in clock ticks, from a `/proc/PID/stat`
/// line: fields 14 and 15 (proc(5)), counted after the command name,
/// which is in parentheses and may itself hold spaces.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Field 3 (the state) is the first after the name.
    let mut fields = after_name.split_whitespace().skip(14 - 3);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// The figures of a `/proc/PID/status` text, the CPU time left at 0.
fn snapshot_of(status: &str) -> Option<Snapshot> {
    Some(Snapshot {
        rss_kib: field(status, "VmRSS:")?,
        peak_rss_kib: field(status, "VmHWM:")?,
        threads: field(status, "Threads:")?,
        cpu: Duration::ZERO,
    })
}

/// The number on a `Name:   12345 kB` or `Name:   12` line.
fn field(status: &str, name: &str) -> Option<u64> {
    let value = status.lines().find_map(|line| line.strip_prefix(name))?;
    value.trim().trim_end_matches("kB").trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figure is read from its line, whatever the spacing.
    #[test]
    fn vm_hwm_is_read_from_status() {
        let status = "Name:\tchat-room\nVmPeak:\t  300000 kB\n\
                      VmHWM:\t   12345 kB\nVmRSS:\t   12000 kB\n\
                      Threads:\t7\n";
        assert_eq!(
            snapshot_of(status),
            Some(Snapshot {
                rss_kib: 12000,
                peak_rss_kib: 12345,
                threads: 7,
                cpu: Duration::ZERO,
            })
        );
        assert_eq!(snapshot_of("Name:\tkthreadd\nThreads:\t1\n"), None);
    }

    /// The CPU times are found after a command name with spaces and
    /// parentheses in it.
    #[test]
    fn cpu_ticks_are_read_from_stat() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 \
                    250 31 0 0 20 0 9 0 1000 2000000 500";
        assert_eq!(cpu_ticks(stat), Some(281));
        assert_eq!(cpu_ticks("42 (x) S 1"), None);
    }

    /// This very process has a peak and holds descriptors, at least
    /// stdin, stdout and stderr (other tests open and close more
    /// meanwhile, so no exact count); no process is an error that says
    /// what to pass.
    #[test]
    #[cfg(target_os = "linux")]
    fn own_process_is_read() {
        assert!(peak_rss_kib(std::process::id()).unwrap() > 0);
        let count = open_descriptors(std::process::id()).unwrap();
        assert!(count >= 3, "{count}");
        let err = open_descriptors(u32::MAX).unwrap_err();
        assert!(format!("{err:#}").contains("--server-pid"), "{err:#}");
    }
}
