//! Helpers shared by this crate's integration tests (each test file
//! includes it with `mod common;`).

#![allow(dead_code)] // each test file uses a different part of it

use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;

use http_get::fixture::{Routes, serve};
use netkit::testing::TestServer;
use netkit::{Log, ServeReport, ServerConfig};

/// The fixture server, running in the test process.
pub type Server = TestServer<io::Result<ServeReport>>;

/// The fixture server on 127.0.0.1:0, quiet, serving `routes`.
pub fn start(routes: Routes) -> Server {
    start_at(move |_| routes)
}

/// The same, with routes built once the server's address is known (for
/// responses that hold absolute URLs, as the original's JSON does).
pub fn start_at(
    routes: impl FnOnce(&str) -> Routes + Send + 'static,
) -> Server {
    let config = ServerConfig {
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    };
    TestServer::start(move |listener, shutdown| {
        let base = format!("http://{}", listener.local_addr()?);
        serve(listener, &shutdown, routes(&base), &config)
    })
}

/// The URL of `target` on `server`.
pub fn url(server: &Server, target: &str) -> String {
    format!("http://{}{target}", server.addr())
}

/// The `http-get` binary, run in `dir`.
pub fn http_get(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_http-get"));
    command.current_dir(dir);
    command
}

/// `n` bytes in which a byte out of place shows, and which are not UTF-8
/// (every value from 0 to 255 comes up once `n` is over 256), so that a
/// program that decodes the body as text cannot pass.
pub fn data(n: usize, seed: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251 + seed) as u8).collect()
}

/// The names in `dir`, sorted, hidden ones (a `.part` left behind)
/// included.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read the output directory")
        .map(|entry| {
            let entry = entry.expect("a directory entry");
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    names
}
