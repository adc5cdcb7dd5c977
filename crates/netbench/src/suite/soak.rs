//! `netbench suite --soak`: nothing of speed. It starts the Rust server
//! of each lesson but http-get (select-server twice, once per protocol),
//! its log in a file, and runs `netbench soak` against all of them at
//! once, 5 minutes each (1 with --quick). It prints one row per server
//! and writes `target/bench/soak.md` (and each server's samples,
//! `soak-SERVER.csv`, to plot the slope); a server that fails its soak
//! fails the run.

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::bail;
use netkit::testing::{try_finish_within, try_spawn_piped};

use super::{Running, STOP_TIMEOUT, Setup, start, tools};

/// Each server's `--max-clients`: a burst opens the cap and 50 more.
const CAP: &str = "64";
const HEADER: &str = "| server | memory (RSS, median), KiB | threads (least) \
    | open descriptors (least) | normal exchanges | faults | verdict |\n\
    |---|---|---|---|---|---|---|\n";

/// Soaks every server of `lessons` at once; an error if one failed.
pub fn run(setup: &Setup, lessons: &[&str], out: &Path) -> anyhow::Result<()> {
    let minutes = if setup.quick { 1 } else { 5 };
    let root = setup.workdir.join("soak-files");
    fs::create_dir_all(&root)?;
    fs::write(
        root.join("small.txt"),
        "a small file, fetched whole\n".repeat(40),
    )?;
    tools::write_random(&root.join("large.bin"), 64 << 20)?;
    let root_flag = root.display().to_string();
    let cap = ["--max-clients", CAP];
    let lines = ["--lines", "--max-clients", CAP];
    let files = ["--root", &root_flag, "--max-clients", CAP];
    let chat = ["--protocol", "chat", "--lines", "--max-clients", CAP];
    // (the row's name, the lesson whose load it gets, the server's flags);
    // lesson 7 speaks both protocols: it gets both lessons' abuse.
    let servers: [(&str, &str, &[&str]); 7] = [
        ("hello-echo", "hello-echo", &cap),
        ("time-server", "time-server", &[]),
        ("udp-chat", "udp-chat", &[]),
        ("file-downloader", "file-downloader", &files),
        ("chat-room", "chat-room", &lines),
        ("select-server hello", "hello-echo", &cap),
        ("select-server chat", "chat-room", &chat),
    ];
    let (mut running, mut guards) = (Vec::new(), Vec::new());
    for (name, load_for, flags) in servers {
        let lesson = name.split(' ').next().unwrap_or(name);
        if !lessons.contains(&lesson) {
            continue;
        }
        let slug = name.replace(' ', "-");
        let log = setup.workdir.join(format!("soak-{slug}.log"));
        let server = start(
            &setup.rust(lesson, flags),
            Stdio::from(File::create(&log)?),
        )?;
        let mut soak = Command::new(&setup.netbench);
        soak.args(["soak", load_for, "--connect", &server.addr.to_string()])
            .args(["--server-pid", &server.id().to_string(), "--cap", CAP])
            .args(["--duration", &format!("{minutes}m"), "--log"])
            .arg(&log)
            .arg("--samples")
            .arg(out.join(format!("soak-{slug}.csv")));
        if load_for == "file-downloader" {
            soak.arg("--root").arg(&root);
            soak.args(["--small-file", "small.txt"]);
            soak.args(["--large-file", "large.bin"]);
        }
        eprintln!("bench: {soak:?}");
        let soak = try_spawn_piped(&mut soak)?;
        guards.push(Running::new(soak.id()));
        running.push((name, server, soak));
    }
    // Five minutes more than the judged part, for the warm-up (six rounds
    // of faults).
    let deadline = Instant::now() + Duration::from_secs((minutes + 5) * 60);
    let (mut rows, mut failed) = (String::new(), Vec::new());
    for (name, server, soak) in running {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
        let finished = try_finish_within(soak, left);
        server.stop(STOP_TIMEOUT);
        let Some((status, report, errors)) = finished else {
            failed.push(format!("{name}: the soak ran over its time"));
            continue;
        };
        eprintln!("{report}{errors}");
        // netbench names the row after the load's lesson: the first cell
        // becomes the server's name.
        for line in report.lines().filter_map(|line| line.strip_prefix("row: "))
        {
            let rest = line.splitn(3, '|').nth(2).unwrap_or("");
            rows += &format!("| {name} |{rest}\n");
        }
        if !status.success() {
            failed.push(format!("{name}: netbench soak exited {status}"));
        }
    }
    let markdown = format!("{HEADER}{rows}");
    fs::write(out.join("soak.md"), &markdown)?;
    println!("{markdown}");
    eprintln!("bench: wrote {}", out.join("soak.md").display());
    if !failed.is_empty() {
        bail!("{}", failed.join("\n"));
    }
    Ok(())
}
