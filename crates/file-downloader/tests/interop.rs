//! The four pairings: the Python port and the Rust program, as server and
//! as client, in both protocols, on a small file and one over 1 MiB. Each
//! pairing saves the same bytes and prints the same line.

mod common;

use std::fs;
use std::process::Command;
use std::time::Duration;

use common::{FILES, Fixture, contents};
use netkit::testing::{Lang, ServerProcess, run_to_end};

fn command(lang: Lang, role: &str) -> Command {
    lang.command(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_file-downloader"),
        role,
    )
}

/// A server of `lang` for the fixture's root, on a free port.
fn start_server(
    lang: Lang,
    fixture: &Fixture,
    extra: &[&str],
) -> ServerProcess {
    ServerProcess::start(
        command(lang, "server")
            .args(["--bind", "127.0.0.1:0", "--root"])
            .arg(fixture.root())
            .args(extra),
    )
}

fn all_four_pairings(extra: &[&str]) {
    let fixture = Fixture::new();
    // 14 bytes, and 3 MiB + 17: past the original's 1 KiB and any buffer.
    let files = [FILES[1], FILES[4]];
    for server_lang in Lang::BOTH {
        let server = start_server(server_lang, &fixture, extra);
        let addr = server.addr.to_string();
        for client_lang in Lang::BOTH {
            let folder = fixture.downloads();
            for (name, size) in files {
                let pairing = format!(
                    "{server_lang:?} server, {client_lang:?} client, {name}, \
                     {extra:?}"
                );
                let (status, out, err) = run_to_end(
                    command(client_lang, "client")
                        .current_dir(&folder)
                        .args(["--connect", &addr, name])
                        .args(extra),
                );
                assert!(status.success(), "{pairing}: {err}");
                assert_eq!(
                    out,
                    format!("saved {size} bytes to [接收]{name}\n"),
                    "{pairing}"
                );
                let saved = fs::read(folder.join(format!("[接收]{name}")))
                    .expect("saved file");
                assert!(saved == contents(size), "{pairing}: bytes differ");
            }
        }
        server.interrupt();
        let exited = server.wait(Duration::from_secs(2));
        assert!(
            exited.status.success(),
            "{server_lang:?}: {}",
            exited.stderr
        );
    }
}

/// The original protocol, all four pairings.
#[test]
fn four_pairings_agree_on_the_original_protocol() {
    all_four_pairings(&[]);
}

/// `--framed` on both ends, all four pairings.
#[test]
fn four_pairings_agree_when_framed() {
    all_four_pairings(&["--framed"]);
}

/// Each server refuses a path out of its root, whichever client asks:
/// the client exits 1 and saves nothing.
#[test]
fn every_pairing_refuses_traversal() {
    let fixture = Fixture::new();
    for extra in [&[][..], &["--framed"][..]] {
        for server_lang in Lang::BOTH {
            let server = start_server(server_lang, &fixture, extra);
            let addr = server.addr.to_string();
            for client_lang in Lang::BOTH {
                let folder = fixture.downloads();
                let (status, _, err) = run_to_end(
                    command(client_lang, "client")
                        .current_dir(&folder)
                        .args(["--connect", &addr, "../secret", "-o", "stolen"])
                        .args(extra),
                );
                assert_eq!(
                    status.code(),
                    Some(1),
                    "{server_lang:?}/{client_lang:?} {extra:?}: {err}"
                );
                assert!(!folder.join("stolen").exists());
            }
            server.interrupt();
            assert!(server.wait(Duration::from_secs(2)).status.success());
        }
    }
}
