//! The built binary: the demo runs both lessons' scripts, and Ctrl-C
//! with users connected tells them and exits 0.

use std::io::{BufRead, BufReader, Write};
use std::process::Command;

use netkit::testing::{ServerProcess, TEST_TIMEOUT, connect, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_select-server");

#[test]
fn the_demo_runs_lesson_1s_and_lesson_5s_scripts() {
    let (status, out, err) = run_to_end(Command::new(BIN).arg("demo"));
    assert!(status.success(), "{err}");
    for line in [
        "client: Hello, Sarah!",
        "server: stopped after 1 connection(s)",
        "another alice: error: the name alice is taken; pick another with -u",
        "carol sees: * online (3): alice, bob, carol",
        "bob sees: * the server is shutting down",
        "server: stopped after 4 connection(s)",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} in:\n{out}");
    }
}

#[test]
fn ctrl_c_tells_every_chat_user_and_exits_0() {
    let server = ServerProcess::start(Command::new(BIN).args([
        "server",
        "--protocol",
        "chat",
        "--lines",
        "--bind",
        "127.0.0.1:0",
    ]));
    let mut users: Vec<BufReader<_>> = ["ann", "ben"]
        .iter()
        .map(|name| {
            let mut stream = connect(server.addr);
            stream
                .write_all(format!("{name}\n").as_bytes())
                .expect("name");
            let mut user = BufReader::new(stream);
            let mut line = String::new();
            user.read_line(&mut line).expect("answer");
            assert_eq!(line, "success\n");
            user
        })
        .collect();
    server.interrupt();
    let exited = server.wait(TEST_TIMEOUT);
    assert!(exited.status.success(), "{exited:?}");
    for user in &mut users {
        let mut rest = Vec::new();
        std::io::Read::read_to_end(user, &mut rest).expect("to the end");
        let rest = String::from_utf8(rest).expect("UTF-8");
        assert!(
            rest.ends_with("* the server is shutting down\nquit\n"),
            "{rest:?}"
        );
    }
}
