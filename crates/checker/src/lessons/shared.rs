//! What the lessons' stages check alike, written once: a server that
//! outlives its clients, a server that stops on Ctrl-C, a crowd of
//! clients at once, the processes a server runs as; and the random data
//! they send: names, bytes that are not UTF-8, and the cuts and pauses
//! that split a message.

use std::fs;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::program::describe;
use crate::report::Failure;
use crate::stage::Ctx;

/// How long the checker listens for bytes that should not come (a
/// newline after a raw reply, a second message before its reply).
pub const QUIET: Duration = Duration::from_millis(200);

/// How long a program that should keep running is watched for an exit.
pub const LIVES: Duration = Duration::from_millis(300);

/// CONTRACT.md: a server exits within 2 seconds of Ctrl-C.
pub const STOP_WITHIN: Duration = Duration::from_secs(2);

/// The pauses between the pieces of a message cut on purpose: long
/// enough that each piece arrives in a read of its own, even when the
/// reader waits a while for a busy machine to run it.
pub const PIECE_PAUSE_MS: std::ops::RangeInclusive<u64> = 100..=250;

/// Byte sequences that no UTF-8 text contains: a lone 0xFF, a lead byte
/// followed by no continuation, a cut 3-byte character, continuation
/// bytes with no lead, and two bytes UTF-8 never uses.
pub const INVALID_UTF8: &[&[u8]] =
    &[b"\xff", b"\xc3\x28", b"\xe2\x82", b"\x80\x80", b"\xfe\xfe"];

/// Fails if the program has exited: a server must outlive its clients.
pub fn still_running(ctx: &mut Ctx, after: &str) -> Result<(), Failure> {
    match ctx.program()?.wait(LIVES) {
        None => Ok(()),
        Some(status) => Err(Failure::new(format!(
            "the server exited ({}) after {after}",
            describe(status)
        ))),
    }
}

/// Sends the server Ctrl-C (SIGINT) and fails unless it exits 0 within
/// [`STOP_WITHIN`]. `connected` says who is still connected, for the
/// report (", with a client connected"); `blocked_in` names the call its
/// threads wait in ("accept() or read()").
pub fn stops_on_ctrl_c(
    ctx: &mut Ctx,
    connected: &str,
    blocked_in: &str,
) -> Result<(), Failure> {
    let program = ctx.program()?;
    program.interrupt();
    let Some(status) = program.wait(STOP_WITHIN) else {
        return Err(Failure::new(format!(
            "the server was still running {STOP_WITHIN:?} after Ctrl-C \
             (SIGINT){connected}"
        ))
        .note(format!(
            "A thread blocked in {blocked_in} does not notice a signal by \
             itself; something must wake it, or the process must end \
             without waiting for it."
        )));
    };
    if status.code() != Some(0) {
        return Err(Failure::new("the server did not exit 0 after Ctrl-C")
            .expected("exit code 0", describe(status)));
    }
    Ok(())
}

/// Waits for the checker's threads, one per client of a crowd that
/// connected at once, and returns what each found; the first that
/// failed fails the stage, named as "client I of N that connected at
/// once was not `served`".
pub fn join_crowd<T>(
    clients: Vec<JoinHandle<Result<T, Failure>>>,
    served: &str,
) -> Result<Vec<T>, Failure> {
    let count = clients.len();
    let mut found = Vec::with_capacity(count);
    for (i, client) in clients.into_iter().enumerate() {
        let number = i + 1;
        let result = client.join().map_err(|_| {
            Failure::new(format!(
                "client {number}: the checker's thread panicked"
            ))
        })?;
        found.push(result.map_err(|failure| {
            failure.because(format!(
                "client {number} of {count} that connected at once was not \
                 {served}"
            ))
        })?);
    }
    Ok(found)
}

/// The processes of the group `group`: the program, and any it started
/// (a wrapper's child, an interpreter), from /proc. Empty where there is
/// no /proc.
pub fn group_members(group: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // /proc/PID/stat: "pid (comm) state ppid pgrp ...", and comm
            // may hold spaces and parentheses: count from the last ')'.
            let stat = fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default();
            let pgrp = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(2))
                .and_then(|pgrp| pgrp.parse::<u32>().ok());
            pgrp == Some(group)
        })
        .collect()
}

/// An exit code in words.
pub fn exit_code(code: Option<i32>) -> String {
    match code {
        Some(code) => format!("exit code {code}"),
        None => "no exit code (killed by a signal)".into(),
    }
}

/// A random name: a capital letter, then letters with now and then a
/// space, a digit or a letter of more than one UTF-8 byte. Never `exit`,
/// never a line break.
pub fn random_name(rng: &mut fastrand::Rng) -> Vec<u8> {
    const OTHERS: &[char] = &[' ', 'é', 'ü', 'ñ', 'ø', 'ß', '李', '雷', '7'];
    let len = rng.usize(1..=16);
    let mut name = String::new();
    name.push(rng.uppercase());
    for _ in 1..len {
        if rng.u8(..8) == 0 {
            name.push(OTHERS[rng.usize(..OTHERS.len())]);
        } else {
            name.push(rng.lowercase());
        }
    }
    name.into_bytes()
}

/// A pause between two pieces, within [`PIECE_PAUSE_MS`].
pub fn random_pause(rng: &mut fastrand::Rng) -> Duration {
    Duration::from_millis(rng.u64(PIECE_PAUSE_MS))
}

/// Where to cut `len` bytes into 2 to 4 pieces (strictly inside).
pub fn random_cuts(rng: &mut fastrand::Rng, len: usize) -> Vec<usize> {
    if len < 2 {
        return Vec::new();
    }
    let mut cuts: Vec<usize> =
        (0..rng.usize(1..=3)).map(|_| rng.usize(1..len)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}
