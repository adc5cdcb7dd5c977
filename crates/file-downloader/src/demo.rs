//! `file-downloader demo`: a server on a free loopback port serving a
//! temporary folder, and the client asking it for a small file, a 3 MiB
//! file, a missing one and `../../etc/passwd`, first in the original
//! protocol and then with `--framed`. Both sides print on stdout.

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::thread;

use anyhow::Context;
use indicatif::ProgressBar;
use netkit::demo::stdout_log;
use netkit::{ServerConfig, Shutdown};

use crate::{
    DownloadOptions, Output, Protocol, Root, ServerOptions, download, serve,
};

/// The files the demo serves: (name, size).
const SMALL: (&str, usize) = ("hello.txt", 14);
const LARGE: (&str, usize) = ("big.bin", 3 * 1024 * 1024);

/// Runs the demo; returns when both servers have stopped.
pub fn demo() -> anyhow::Result<()> {
    // Both folders are deleted when these handles are dropped.
    let served = tempfile::tempdir()?;
    let downloads = tempfile::tempdir()?;
    fs::write(served.path().join(SMALL.0), b"Hello, files!\n")?;
    let large: Vec<u8> = (0..LARGE.1).map(|i| (i % 251) as u8).collect();
    fs::write(served.path().join(LARGE.0), &large)?;
    println!(
        "(serving a folder with {} ({} bytes) and {} ({} bytes))",
        SMALL.0, SMALL.1, LARGE.0, LARGE.1
    );

    let asks = [SMALL.0, LARGE.0, "missing.txt", "../../etc/passwd"];
    for protocol in [Protocol::Raw, Protocol::Framed] {
        println!("\n--- {protocol:?} protocol ---");
        with_server(served.path(), protocol, |addr| {
            for name in asks {
                fetch(addr, name, protocol, served.path(), downloads.path())?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Runs a server for `root` on a free port while `client` runs.
fn with_server(
    root: &Path,
    protocol: Protocol,
    client: impl FnOnce(SocketAddr) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    // Bound before the server thread starts, so the client cannot be early.
    let listener = netkit::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server: listening on {addr}");
    let root = Root::open(root)?;
    let options = ServerOptions {
        protocol,
        net: ServerConfig {
            log: stdout_log("server: "),
            ..Default::default()
        },
        ..Default::default()
    };
    let shutdown = Shutdown::new();
    let server = {
        let shutdown = shutdown.clone();
        thread::spawn(move || serve(listener, &shutdown, root, &options))
    };
    let result = client(addr);
    shutdown.trigger();
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))?
        .context("server")?;
    result
}

/// Downloads `name` into `folder`, prints what happened, and compares the
/// copy with the file under `root`.
fn fetch(
    addr: SocketAddr,
    name: &str,
    protocol: Protocol,
    root: &Path,
    folder: &Path,
) -> anyhow::Result<()> {
    println!("client: asking for {name:?}");
    let file_name = Path::new(name).file_name().unwrap_or_default();
    let output = Output::new(folder.join(file_name), true);
    let stream = netkit::connect(&addr.to_string())?;
    let options = DownloadOptions {
        protocol,
        ..Default::default()
    };
    match download(&stream, name, &output, &options, &ProgressBar::hidden()) {
        Ok(saved) => {
            let same = fs::read(&saved.path)? == fs::read(root.join(name))?;
            let same = if same {
                "identical to"
            } else {
                "DIFFERENT from"
            };
            println!("client: saved {} bytes, {same} the original", saved.size);
        }
        // A refusal is part of the show, not a failure of the demo.
        Err(err) => println!("client: error: {err:#}"),
    }
    Ok(())
}
