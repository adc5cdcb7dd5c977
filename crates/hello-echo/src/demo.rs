//! `hello-echo demo`: a server on a free loopback port and the client
//! against it, in one process, both sides printed on stdout.

use std::io;
use std::thread;

use anyhow::Context;
use netkit::demo::{Prefixed, stdout_log};
use netkit::{ServerConfig, Shutdown};

use crate::{DEFAULT_NAMES, Protocol, ServerOptions, run_client, serve};

/// Runs the demo; returns when the server has stopped.
pub fn demo() -> anyhow::Result<()> {
    // Bound before the server thread starts, so the client cannot be early.
    let listener = netkit::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server: listening on {addr}");

    let shutdown = Shutdown::new();
    let options = ServerOptions {
        net: ServerConfig {
            log: stdout_log("server: "),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = {
        let shutdown = shutdown.clone();
        thread::spawn(move || serve(listener, &shutdown, &options))
    };

    let names: Vec<String> = DEFAULT_NAMES.map(String::from).to_vec();
    let mut stream = netkit::connect(&addr.to_string())?;
    let mut out = Prefixed::new(io::stdout(), "client: ");
    run_client(&mut stream, &names, Protocol::Raw, &mut out)?;
    drop(stream);

    shutdown.trigger();
    let report = server
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))?
        .context("server")?;
    println!("server: stopped after {} connection(s)", report.accepted);
    Ok(())
}
