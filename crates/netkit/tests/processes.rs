//! The fallible process helpers that `netbench suite` uses: a server that
//! never says where it listens is an error to report, not a panic, and
//! `stop` ends a process with SIGINT.

use std::process::{Command, Stdio};

use netkit::testing::{Process, ServerProcess, TEST_TIMEOUT};

/// A program that prints something else and exits is an error naming
/// what it printed, so the caller can fail one case and go on.
#[test]
fn a_server_that_never_listens_is_an_error() {
    let mut command = Command::new("sh");
    command
        .args(["-c", "echo oops; exit 3"])
        .stderr(Stdio::null());
    let err = ServerProcess::try_start(&mut command, TEST_TIMEOUT).unwrap_err();
    assert!(err.contains("\"oops\""), "{err}");
}

/// `stop` interrupts a process that has not exited, and it exits from
/// the signal, within the grace period.
#[test]
fn stop_interrupts_a_running_process() {
    let mut command = Command::new("sleep");
    command.arg("30").stdin(Stdio::null());
    let mut process = Process::try_start(&mut command).unwrap();
    assert!(!process.has_exited());
    let exited = process.stop(TEST_TIMEOUT).expect("exited in time");
    assert_eq!(exited.status.code(), None, "ended by a signal");
}
