//! The built `file-downloader` binary as users and scripts drive it: the
//! CONTRACT.md command shape, the original's bare port, what the client
//! refuses to overwrite, and downloads cut by a dying server.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Fixture, contents, ok};
use netkit::testing::{
    Process, ServerProcess, TEST_TIMEOUT, TestServer, finish, run_to_end,
    signal, spawn_piped,
};

/// CONTRACT.md: a server stops within 2 seconds of Ctrl-C or SIGTERM.
const STOP_DEADLINE: Duration = Duration::from_secs(2);

fn file_downloader() -> Command {
    Command::new(env!("CARGO_BIN_EXE_file-downloader"))
}

fn server(root: &Path, extra: &[&str]) -> ServerProcess {
    ServerProcess::start(
        file_downloader()
            .args(["server", "--bind", "127.0.0.1:0", "--root"])
            .arg(root)
            .args(extra),
    )
}

/// The client, run in `folder` (where it saves by default).
fn client(folder: &Path, addr: &str, args: &[&str]) -> Command {
    let mut command = file_downloader();
    command
        .current_dir(folder)
        .args(["client", "--connect", addr])
        .args(args);
    command
}

/// `--help` names every subcommand; `demo` runs and exits 0.
#[test]
fn help_and_demo() {
    let (status, out, _) = run_to_end(file_downloader().arg("--help"));
    assert!(status.success());
    for word in ["server", "client", "demo"] {
        assert!(out.contains(word), "{out}");
    }
    let (status, out, err) = run_to_end(file_downloader().arg("demo"));
    assert!(status.success(), "{err}");
    assert!(
        out.contains("client: saved 3145728 bytes, identical to the original"),
        "{out}"
    );
    assert!(out.contains("client: error: the server refused"), "{out}");
}

/// The `listening on` line, a download saved under the original's name,
/// the one line on stdout, and exit 0 on SIGINT and SIGTERM.
#[test]
fn download_then_signals() {
    let fixture = Fixture::new();
    for stop in [Process::interrupt, Process::terminate] {
        let server = server(&fixture.root(), &[]);
        let folder = fixture.downloads();
        let addr = server.addr.to_string();
        let (status, out, err) =
            run_to_end(&mut client(&folder, &addr, &["small.txt"]));
        assert!(status.success(), "{err}");
        assert_eq!(out, "saved 14 bytes to [接收]small.txt\n");
        let saved = fs::read(folder.join("[接收]small.txt")).expect("saved");
        assert_eq!(saved, contents(14));
        stop(&server);
        let exited = server.wait(STOP_DEADLINE);
        assert!(exited.status.success(), "{}", exited.stderr);
        assert_eq!(exited.stdout_rest, "");
    }
}

/// Every `--copy` value `--help` lists serves a download, in both
/// protocols, and so does the default, which `--help` names: a mode the
/// program offers is one that works on this system.
#[test]
fn every_copy_mode_serves_a_download() {
    use clap::ValueEnum;
    use file_downloader::Streaming;
    let (name, size) = common::FILES[4];
    let fixture = Fixture::new();
    let (status, help, _) =
        run_to_end(file_downloader().args(["server", "--help"]));
    assert!(status.success());
    let value = |mode: &Streaming| {
        let value = mode.to_possible_value().expect("every mode is listed");
        value.get_name().to_owned()
    };
    let default = format!("[default: {}]", value(&Streaming::default()));
    assert!(help.contains(&default), "{help}");
    let mut runs = vec![vec![]];
    for mode in Streaming::value_variants().iter().map(value) {
        assert!(help.contains(&format!("- {mode}: ")), "{help}");
        runs.push(vec!["--copy".to_owned(), mode]);
    }
    for copy in &runs {
        for framed in [&[][..], &["--framed"][..]] {
            let mut extra: Vec<&str> =
                copy.iter().map(String::as_str).collect();
            extra.extend(framed);
            let server = server(&fixture.root(), &extra);
            let folder = fixture.downloads();
            let addr = server.addr.to_string();
            let (status, out, err) =
                run_to_end(client(&folder, &addr, &[name]).args(framed));
            assert!(status.success(), "{extra:?}: {err}");
            assert_eq!(out, format!("saved {size} bytes to [接收]{name}\n"));
            let saved = fs::read(folder.join(format!("[接收]{name}")));
            assert!(saved.expect("saved") == contents(size), "{extra:?}");
        }
    }
}

/// The original's `server.py 7890`: a bare port listens on 127.0.0.1; with
/// `--bind` as well it is a usage error.
#[test]
fn a_bare_port_listens_on_loopback() {
    let fixture = Fixture::new();
    let server = ServerProcess::start(
        file_downloader()
            .args(["server", "0", "--root"])
            .arg(fixture.root()),
    );
    assert!(server.addr.ip().is_loopback(), "{}", server.addr);
    assert_ne!(server.addr.port(), 0);
    server.interrupt();
    assert!(server.wait(STOP_DEADLINE).status.success());

    let (status, _, err) = run_to_end(file_downloader().args([
        "server",
        "7890",
        "--bind",
        "127.0.0.1:0",
    ]));
    assert_eq!(status.code(), Some(2), "{err}");
}

/// A root that is not a directory: one `error:` line, exit 1.
#[test]
fn a_bad_root_is_one_error_line() {
    let fixture = Fixture::new();
    for root in [
        fixture.root().join("missing"),
        fixture.root().join("small.txt"),
    ] {
        let (status, out, err) = run_to_end(
            file_downloader()
                .args(["server", "--bind", "127.0.0.1:0", "--root"])
                .arg(&root),
        );
        assert_eq!(status.code(), Some(1), "{err}");
        assert_eq!(out, "");
        assert!(err.starts_with("error: cannot serve"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// Without a terminal nobody can answer a prompt: a missing NAME is a
/// usage error, and `--continue` without `--framed` too.
#[test]
fn client_usage_errors() {
    let fixture = Fixture::new();
    let folder = fixture.downloads();
    let (status, _, err) = run_to_end(&mut client(&folder, "127.0.0.1:9", &[]));
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("NAME"), "{err}");
    let (status, _, err) = run_to_end(&mut client(
        &folder,
        "127.0.0.1:9",
        &["--continue", "a.txt"],
    ));
    assert_eq!(status.code(), Some(2), "{err}");
}

/// On a terminal, the client asks for what is missing, as the original
/// does: server ip, port and file name (an empty answer takes the
/// default). `script` runs it on a pseudo-terminal and types the answers.
#[test]
fn on_a_terminal_the_client_asks() {
    use std::io::Write;
    use std::process::Stdio;
    let fixture = Fixture::new();
    let server = server(&fixture.root(), &[]);
    let folder = fixture.downloads();
    let binary = env!("CARGO_BIN_EXE_file-downloader");
    let mut running = Command::new("script")
        .args(["-qec", &format!("{binary} client"), "/dev/null"])
        .current_dir(&folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script (util-linux)");
    let answers = format!("\n{}\nsmall.txt\n", server.addr.port());
    let mut typing = running.stdin.take().expect("piped stdin");
    typing.write_all(answers.as_bytes()).expect("type");
    drop(typing);
    let (status, out, err) = finish(running);
    assert!(status.success(), "{out}{err}");
    for shown in [
        "server ip [127.0.0.1]: ",
        "server port [7890]: ",
        "file name: ",
    ] {
        assert!(out.contains(shown), "{out}");
    }
    assert!(out.contains("saved 14 bytes to [接收]small.txt"), "{out}");
    let saved = fs::read(folder.join("[接收]small.txt")).expect("saved");
    assert_eq!(saved, contents(14));
}

/// An existing file is kept unless `--force`, and the refusal comes before
/// connecting (nothing listens on the address given).
#[test]
fn existing_files_are_not_overwritten_without_force() {
    let fixture = Fixture::new();
    let folder = fixture.downloads();
    let existing = folder.join("[接收]small.txt");
    fs::write(&existing, b"mine").expect("write");
    let unused = netkit::testing::any_loopback_port().to_string();
    let (status, _, err) =
        run_to_end(&mut client(&folder, &unused, &["small.txt"]));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("already exists; pass --force"), "{err}");
    assert_eq!(fs::read(&existing).expect("kept"), b"mine");

    let server = server(&fixture.root(), &[]);
    let addr = server.addr.to_string();
    let (status, _, err) =
        run_to_end(&mut client(&folder, &addr, &["small.txt", "--force"]));
    assert!(status.success(), "{err}");
    assert_eq!(fs::read(&existing).expect("replaced"), contents(14));
}

/// A missing file, in each protocol: exit 1 with the reason where the
/// protocol can carry one, and no file.
#[test]
fn a_missing_file_is_an_error_and_no_file() {
    let fixture = Fixture::new();
    for (flags, expected) in [
        (&[][..], "the server sent nothing for \"nope.txt\""),
        (
            &["--framed"][..],
            "the server refused \"nope.txt\": no such file",
        ),
    ] {
        let server = server(&fixture.root(), flags);
        let folder = fixture.downloads();
        let addr = server.addr.to_string();
        let (status, _, err) =
            run_to_end(client(&folder, &addr, &["nope.txt"]).args(flags));
        assert_eq!(status.code(), Some(1), "{err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{err}"
        );
        let left = fs::read_dir(&folder).expect("list").count();
        assert_eq!(left, 0, "files were left in the download folder");
    }
}

/// A download cut halfway (a fake server closes after 1,000 of 3 MiB)
/// leaves only the `.part`; `--continue` against a real server completes
/// it, fetching only the rest.
#[test]
fn a_cut_download_resumes_with_continue() {
    let fixture = Fixture::new();
    let (name, size) = common::FILES[4];
    let body = contents(size);
    let folder = fixture.downloads();
    let answer = ok(size, &body[..1000]);
    let fake = TestServer::start(move |listener, _| {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().expect("accept");
        let _ = stream.read(&mut [0; 2048]);
        let _ = stream.write_all(&answer);
    });
    let addr = fake.addr().to_string();
    let (status, _, err) =
        run_to_end(&mut client(&folder, &addr, &["--framed", name]));
    fake.stop();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("incomplete: got 1000 of 3145745 bytes"),
        "{err}"
    );
    let output = folder.join(format!("[接收]{name}"));
    let part = folder.join(format!("[接收]{name}.part"));
    assert!(!output.exists());
    assert_eq!(fs::read(&part).expect("part"), body[..1000]);

    let server = server(&fixture.root(), &["--framed"]);
    let addr = server.addr.to_string();
    let (status, out, err) = run_to_end(&mut client(
        &folder,
        &addr,
        &["--framed", "--continue", name],
    ));
    assert!(status.success(), "{err}");
    assert!(err.contains("the first 1000 bytes were there"), "{err}");
    assert_eq!(out, format!("saved {size} bytes to [接收]{name}\n"));
    assert!(fs::read(&output).expect("saved") == body);
    assert!(!part.exists());
}

/// The real thing: the server process is killed (SIGKILL) in the middle
/// of a transfer. The client, frozen meanwhile so the transfer cannot
/// finish first, then reads what was in flight and the end of the stream:
/// with `--framed` it reports the download incomplete and leaves no file
/// under the final name.
#[test]
fn a_killed_server_leaves_no_complete_looking_file() {
    let fixture = Fixture::new();
    // 1 GiB, sparse. The client writes only what arrives before the
    // kill, a few MiB.
    let size: u64 = 1 << 30;
    fixture.sparse("huge", size);
    let mut server = server(&fixture.root(), &["--framed", "--quiet"]);
    let folder = fixture.downloads();
    let addr = server.addr.to_string();
    let running =
        spawn_piped(&mut client(&folder, &addr, &["--framed", "huge"]));
    let part = folder.join("[接收]huge.part");
    // Wait (bounded) until the transfer is under way.
    let deadline = Instant::now() + TEST_TIMEOUT;
    while fs::metadata(&part).map_or(0, |m| m.len()) < 1 << 20 {
        assert!(Instant::now() < deadline, "the download did not start");
        std::thread::sleep(Duration::from_millis(1));
    }
    signal(running.id(), "-STOP");
    server.kill();
    signal(running.id(), "-CONT");
    let (status, _, err) = finish(running);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("incomplete: got"), "{err}");
    assert!(err.contains(&format!("of {size} bytes")), "{err}");
    assert!(!folder.join("[接收]huge").exists());
    let kept = fs::metadata(&part).expect("part kept").len();
    assert!(kept < size, "{kept}");
}
