//! The server's peak memory, as the kernel counts it: `VmHWM` ("high
//! water mark") in `/proc/PID/status` is the most resident memory the
//! process has had since it started. A bench reads it after a run, on a
//! server started for that run, to show whether memory stayed bounded.

use std::fs;

use anyhow::Context;

/// The peak resident memory of process `pid`, in KiB (Linux only).
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {path} for the server's memory; pass the pid of \
             a running server with --server-pid (Linux only), or leave \
             the flag out"
        )
    })?;
    peak_rss_in(&status)
        .with_context(|| format!("no VmHWM line in {path}; is it a process?"))
}

/// The `VmHWM:   12345 kB` line of a `/proc/PID/status` text.
fn peak_rss_in(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let value = line.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?;
    value.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figure is read from its line, whatever the spacing.
    #[test]
    fn vm_hwm_is_read_from_status() {
        let status = "Name:\tchat-room\nVmPeak:\t  300000 kB\n\
                      VmHWM:\t   12345 kB\nVmRSS:\t   12000 kB\n";
        assert_eq!(peak_rss_in(status), Some(12345));
        assert_eq!(peak_rss_in("Name:\tkthreadd\n"), None);
    }

    /// This very process has a peak.
    #[test]
    #[cfg(target_os = "linux")]
    fn own_peak_is_readable() {
        assert!(peak_rss_kib(std::process::id()).unwrap() > 0);
    }
}
