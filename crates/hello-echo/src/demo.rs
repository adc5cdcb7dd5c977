//! `hello-echo demo`: a server on a free loopback port and the client
//! against it, in one process, both sides printed on stdout.

use std::io;
use std::net::TcpListener;
use std::thread;

use anyhow::Context;
use netkit::demo::{Prefixed, stdout_log};
use netkit::{Log, ServerConfig, Shutdown};

use crate::{DEFAULT_NAMES, Protocol, ServerOptions, run_client, serve};

/// Runs the demo; returns when the server has stopped.
pub fn demo() -> anyhow::Result<()> {
    run_with(|listener, shutdown, log| {
        let options = ServerOptions {
            net: ServerConfig {
                log,
                ..Default::default()
            },
            ..Default::default()
        };
        let report = serve(listener, &shutdown, &options)?;
        Ok(report.accepted)
    })
}

/// The demo against the server that `serve` runs (in a thread of its
/// own): the original protocol on `listener`, logging to the `Log` it is
/// given, until the `Shutdown` triggers; it returns how many connections
/// it served. Lesson 7 runs the same demo against its one-thread server.
pub fn run_with<F>(serve: F) -> anyhow::Result<()>
where
    F: FnOnce(TcpListener, Shutdown, Log) -> anyhow::Result<u64>
        + Send
        + 'static,
{
    // Bound before the server thread starts, so the client cannot be early.
    let listener = netkit::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server: listening on {addr}");

    let shutdown = Shutdown::new();
    let server = {
        let shutdown = shutdown.clone();
        let log = stdout_log("server: ");
        thread::spawn(move || serve(listener, shutdown, log))
    };

    let names: Vec<String> = DEFAULT_NAMES.map(String::from).to_vec();
    let mut stream = netkit::connect(&addr.to_string())?;
    let mut out = Prefixed::new(io::stdout(), "client: ");
    run_client(&mut stream, &names, Protocol::Raw, &mut out)?;
    drop(stream);

    shutdown.trigger();
    let connections = server
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))?
        .context("server")?;
    println!("server: stopped after {connections} connection(s)");
    Ok(())
}
