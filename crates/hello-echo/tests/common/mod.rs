//! Helpers shared by this crate's integration tests (each test file
//! includes it with `mod common;`).

#![allow(dead_code)] // each test file uses a different part of it

use std::io;
use std::time::Duration;

use hello_echo::{Protocol, ServerOptions};
use netkit::testing::TestServer;
use netkit::{Connections, Log, ServeReport, ServerConfig};

/// A hello-echo server in-process on 127.0.0.1:0, silent, with
/// `connections` to watch its handlers.
pub fn start(
    protocol: Protocol,
    net: ServerConfig,
) -> TestServer<io::Result<ServeReport>> {
    let options = ServerOptions {
        protocol,
        delay: Duration::ZERO,
        net,
    };
    TestServer::start(move |listener, shutdown| {
        hello_echo::serve(listener, &shutdown, &options)
    })
}

/// Default settings with a quiet log and a registry the test keeps.
pub fn quiet_config(connections: &Connections) -> ServerConfig {
    ServerConfig {
        log: Log::to(|_| {}),
        connections: connections.clone(),
        ..ServerConfig::default()
    }
}

/// The transcript the original client prints against any correct server.
pub const TRANSCRIPT: &str =
    "Welcome!\nHello, Michael!\nHello, Tracy!\nHello, Sarah!\n";
