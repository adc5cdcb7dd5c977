//! `select-server demo`: lesson 1's demo and lesson 5's, each against the
//! one-thread server instead of the threaded one. The scripts are those
//! lessons' own (`hello_echo::demo::run_with`, `chat_room::demo::run_with`),
//! so what the clients print is what they print there: another model,
//! the same behaviour.

use chat_room::protocol::Framing;
use hello_echo::Protocol;
use netkit::ServerConfig;

use crate::{Hello, Room, serve};

/// Runs both demos, one after the other.
pub fn demo() -> anyhow::Result<()> {
    println!("--- lesson 1's protocol, from one thread ---");
    hello_echo::demo::run_with(|listener, shutdown, log| {
        let config = ServerConfig {
            log,
            ..Default::default()
        };
        let hello = Hello::new(Protocol::Raw);
        Ok(serve(listener, &shutdown, hello, &config)?.connections)
    })?;
    println!();
    println!("--- lesson 5's chat room (--lines), from one thread ---");
    chat_room::demo::run_with(|listener, shutdown, log| {
        let config = ServerConfig {
            log: log.clone(),
            ..Default::default()
        };
        let room = Room::new(Framing::Lines, log);
        let report = serve(listener, &shutdown, room, &config)?;
        Ok(format!(
            "stopped after {} connection(s)",
            report.connections
        ))
    })
}
