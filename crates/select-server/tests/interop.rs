//! The four pairings: our Python port (selectors) and the Rust server
//! (mio), each with lesson 1's Python and Rust clients, unchanged, in both
//! protocols. Every pairing prints what lesson 1's pairings print: one
//! thread or a thread per client, the client cannot tell.

use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use hello_echo::Protocol;
use hello_echo::client::run_client;
use netkit::testing::{ServerProcess, TEST_TIMEOUT, run_to_end};

const TRANSCRIPT: &str =
    "Welcome!\nHello, Michael!\nHello, Tracy!\nHello, Sarah!\n";

#[derive(Clone, Copy, Debug)]
enum Lang {
    Python,
    Rust,
}

fn server(lang: Lang, extra: &[&str]) -> ServerProcess {
    let mut command = match lang {
        Lang::Python => {
            let mut c = Command::new("python3");
            c.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/server.py"));
            c
        }
        Lang::Rust => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_select-server"));
            c.arg("server");
            c
        }
    };
    ServerProcess::start(command.args(["--bind", "127.0.0.1:0"]).args(extra))
}

/// What lesson 1's client prints against `server`.
fn client(lang: Lang, server: &ServerProcess, lines: bool) -> String {
    let addr = server.addr.to_string();
    match lang {
        Lang::Python => {
            let script = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../hello-echo/python/client.py"
            );
            let mut command = Command::new("python3");
            command.args([script, "--connect", &addr]);
            if lines {
                command.arg("--lines");
            }
            let (status, out, err) = run_to_end(&mut command);
            assert!(status.success(), "Python client: {err}");
            out
        }
        Lang::Rust => {
            let mut stream =
                TcpStream::connect_timeout(&server.addr, TEST_TIMEOUT)
                    .expect("connect");
            let names: Vec<String> = hello_echo::DEFAULT_NAMES
                .iter()
                .map(|n| n.to_string())
                .collect();
            let mut out = Vec::new();
            run_client(
                &mut stream,
                &names,
                Protocol::with_lines(lines),
                &mut out,
            )
            .expect("Rust client");
            String::from_utf8(out).expect("UTF-8")
        }
    }
}

fn all_four_pairings(lines: bool) {
    let extra: &[&str] = if lines { &["--lines"] } else { &[] };
    for server_lang in [Lang::Python, Lang::Rust] {
        for client_lang in [Lang::Python, Lang::Rust] {
            let running = server(server_lang, extra);
            assert_eq!(
                client(client_lang, &running, lines),
                TRANSCRIPT,
                "{server_lang:?} server, {client_lang:?} client, {extra:?}"
            );
            running.interrupt();
            let exited = running.wait(Duration::from_secs(2));
            assert!(
                exited.status.success(),
                "{server_lang:?} server on Ctrl-C: {}",
                exited.stderr
            );
        }
    }
}

#[test]
fn four_pairings_agree_on_the_original_protocol() {
    all_four_pairings(false);
}

#[test]
fn four_pairings_agree_with_lines() {
    all_four_pairings(true);
}
