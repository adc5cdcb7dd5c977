//! Helpers shared by this crate's integration tests (each test file
//! includes it with `mod common;`).

#![allow(dead_code)] // each test file uses a different part of it

use std::fs;
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use http_get::fixture::{Routes, serve, serve_tls};
use http_get::test_ca::TestCa;
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

/// A test CA ([`TestCa`]), its certificate saved as PEM for `--cacert`.
pub struct Ca {
    ca: TestCa,
    dir: tempfile::TempDir,
}

impl Ca {
    pub fn new() -> Ca {
        let ca = TestCa::new().expect("a CA");
        let dir = tempfile::tempdir().expect("a directory");
        fs::write(dir.path().join("ca.pem"), ca.pem()).expect("ca.pem");
        Ca { ca, dir }
    }

    /// The CA's certificate, as a PEM file for `--cacert`.
    pub fn pem(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A server's TLS settings: a certificate for `names`, signed by
    /// this CA, valid from `valid.0` to `valid.1` (years) if given.
    pub fn server(
        &self,
        names: &[&str],
        valid: Option<(i32, i32)>,
    ) -> Arc<rustls::ServerConfig> {
        self.ca.server(names, valid).expect("a server certificate")
    }

    /// The same as PEM text, for Python's `ssl`: the chain and the key.
    pub fn server_pem(&self, names: &[&str]) -> (String, String) {
        self.ca.server_pem(names).expect("a server certificate")
    }
}

/// The fixture inside TLS on 127.0.0.1:0, quiet, presenting `tls`.
pub fn start_tls(routes: Routes, tls: Arc<rustls::ServerConfig>) -> Server {
    let config = ServerConfig {
        log: Log::to(|_| {}),
        ..ServerConfig::default()
    };
    TestServer::start(move |listener, shutdown| {
        serve_tls(listener, &shutdown, routes, &config, tls)
    })
}

/// The `https://` URL of `target` on a TLS `server`.
pub fn https(server: &Server, target: &str) -> String {
    format!("https://{}{target}", server.addr())
}

/// Answers one connection on `listener` as a plain HTTP server answers a
/// TLS ClientHello (nginx and Python's http.server do): the bytes are no
/// request, so 400, in clear text.
pub fn answer_as_plain_http(listener: &TcpListener) -> io::Result<()> {
    let (mut stream, _) = listener.accept()?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut hello = [0; 512];
    let _ = stream.read(&mut hello)?;
    stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
}
