//! The command line both binaries take: the lesson's and its exercise's
//! (`crates/exercises/file-downloader`). Written once, so the exercise's
//! `server` and `client` are the lesson's by construction: the same flags,
//! the same defaults, the same questions on a terminal.
//!
//! The lesson's extras are not here: `--copy` and netkit's server flags
//! (`--max-clients`, `--timeout`, `--quiet`) on the server, and `--force`,
//! `--continue` and `--timeout` on the client. Its `main.rs` flattens them
//! in after these, for features the exercise does not ask you to write.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use clap::Args;
use clap::error::ErrorKind;

use crate::client::{ask, check_name, default_output, host_port};
use crate::{DEFAULT_ADDR, DEFAULT_HOST, DEFAULT_PORT, Protocol};

/// `server [PORT] [--bind HOST:PORT] [--root DIR] [--framed]`.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Port to listen on, on 127.0.0.1: the original's `server.py 7890`
    #[arg(value_name = "PORT", conflicts_with = "bind")]
    pub port: Option<u16>,

    /// Address to listen on, HOST:PORT (port 0 picks a free port)
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    pub bind: String,

    /// The directory whose files are served (nothing outside it is)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,

    /// Send a header with each file's size first (the client needs it too)
    #[arg(long)]
    pub framed: bool,
}

impl ServerArgs {
    /// Where to listen: `PORT` on [`DEFAULT_HOST`], else `--bind`.
    pub fn addr(&self) -> String {
        match self.port {
            Some(port) => format!("{DEFAULT_HOST}:{port}"),
            None => self.bind.clone(),
        }
    }

    /// The original protocol, or `--framed`.
    pub fn protocol(&self) -> Protocol {
        protocol(self.framed)
    }
}

/// `client [--connect HOST:PORT] [-o PATH] [--framed] [NAME]`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Server address, HOST:PORT [default: asked on a terminal, else
    /// 127.0.0.1:7890]
    #[arg(long, value_name = "HOST:PORT")]
    pub connect: Option<String>,

    /// The file to download: a path under the server's directory [default:
    /// asked on a terminal]
    pub name: Option<String>,

    /// Where to save it [default: "[接收]" and the name's last part, as the
    /// original]
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Expect a header with the file's size (the server needs it too)
    #[arg(long)]
    pub framed: bool,
}

/// One download, every blank filled: what [`ClientArgs::resolve`] returns.
#[derive(Clone, Debug)]
pub struct Fetch {
    /// The server's address, HOST:PORT.
    pub connect: String,
    /// The file asked for, checked with [`check_name`].
    pub name: String,
    /// Where the file goes once it is whole.
    pub output: PathBuf,
    /// The original protocol, or `--framed`.
    pub protocol: Protocol,
}

impl ClientArgs {
    /// The original protocol, or `--framed`.
    pub fn protocol(&self) -> Protocol {
        protocol(self.framed)
    }

    /// Fills in what the flags leave out. Like the original, asks for the
    /// server and the name, but only when a person is there to answer: in
    /// a script a prompt would wait forever, so the address takes its
    /// default and a missing `NAME` is a usage error, told with `usage`
    /// (the binary's `Cli::command`), and the program exits 2. The
    /// questions go to stderr, so stdout holds only the result line.
    ///
    /// The name is checked before anything connects, and before it gives
    /// the default output name.
    pub fn resolve(
        self,
        usage: impl FnOnce() -> clap::Command,
    ) -> anyhow::Result<Fetch> {
        let protocol = self.protocol();
        let interactive = io::stdin().is_terminal();
        let (mut input, mut prompt) = (io::stdin().lock(), io::stderr());
        let connect = match self.connect {
            Some(connect) => connect,
            None if interactive => {
                let ip = ask(
                    &mut input,
                    &mut prompt,
                    "server ip",
                    Some(DEFAULT_HOST),
                )?;
                let port = DEFAULT_PORT.to_string();
                let port =
                    ask(&mut input, &mut prompt, "server port", Some(&port))?;
                host_port(&ip, &port)
            }
            None => DEFAULT_ADDR.to_owned(),
        };
        let name = match self.name {
            Some(name) => name,
            None if interactive => {
                ask(&mut input, &mut prompt, "file name", None)?
            }
            None => usage()
                .error(
                    ErrorKind::MissingRequiredArgument,
                    "the client needs the NAME of the file to download",
                )
                .exit(),
        };
        check_name(&name, protocol)?;
        let output = match self.output {
            Some(path) => path,
            None => default_output(&name)?,
        };
        Ok(Fetch {
            connect,
            name,
            output,
            protocol,
        })
    }
}

fn protocol(framed: bool) -> Protocol {
    if framed {
        Protocol::Framed
    } else {
        Protocol::Raw
    }
}
