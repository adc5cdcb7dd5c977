//! `time-server demo`: each format and transport on a free loopback port,
//! server and client in one process, both sides printed on stdout.

use std::thread;

use anyhow::Context;
use netkit::demo::stdout_log;
use netkit::{ServerConfig, Shutdown};

use crate::clock::Format;
use crate::{query_tcp, query_udp, serve_tcp, serve_udp};

/// Runs the demo; returns when every server has stopped.
pub fn demo() -> anyhow::Result<()> {
    let runs = [
        (Format::Original, false, "the original, over TCP"),
        (Format::Time, false, "RFC 868 Time, over TCP"),
        (Format::Daytime, true, "RFC 867 Daytime, over UDP"),
    ];
    for (format, udp, title) in runs {
        println!("--- {title}");
        let shutdown = Shutdown::new();
        let log = stdout_log("server: ");
        let reading = if udp {
            let socket = netkit::listen_udp("127.0.0.1:0")?;
            let addr = socket.local_addr()?;
            println!("server: listening on {addr}");
            let server = {
                let (shutdown, log) = (shutdown.clone(), log.clone());
                thread::spawn(move || {
                    serve_udp(&socket, &shutdown, format, &log)
                })
            };
            let reading = query_udp(&addr.to_string(), format);
            shutdown.trigger();
            join(server)?;
            reading?
        } else {
            let listener = netkit::listen("127.0.0.1:0")?;
            let addr = listener.local_addr()?;
            println!("server: listening on {addr}");
            let net = ServerConfig {
                log,
                ..Default::default()
            };
            let server = {
                let shutdown = shutdown.clone();
                thread::spawn(move || {
                    serve_tcp(listener, &shutdown, format, &net)
                })
            };
            let reading = query_tcp(&addr.to_string(), format);
            shutdown.trigger();
            join(server)?;
            reading?
        };
        let mut out =
            netkit::demo::Prefixed::new(std::io::stdout(), "client: ");
        reading.print(&mut out)?;
    }
    Ok(())
}

fn join<T>(
    server: thread::JoinHandle<std::io::Result<T>>,
) -> anyhow::Result<T> {
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))?
        .context("server")
}
