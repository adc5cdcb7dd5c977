//! `accept` failing with EMFILE (out of file descriptors) is survived: the
//! server goes on serving the clients it has, and accepts again once
//! some have left.
//!
//! The command line fits the cap to the open-file limit, so that a
//! server started from it never runs out. To run out on purpose this
//! test starts itself again, as the server, under `ulimit -n 64` with a
//! cap of 10,000 that nothing lowers. (It has its own `main`, no test
//! harness, so that the child's first line is its `listening on`.)

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hello_echo::{Protocol, WELCOME};
use netkit::testing::{
    ServerProcess, TEST_TIMEOUT, connect, with_open_file_limit,
};
use netkit::{ServerConfig, Shutdown};
use select_server::{Hello, serve};

/// Set in the child's environment: be the server.
const CHILD: &str = "SELECT_SERVER_EMFILE_CHILD";

/// The child's open-file limit, and how many clients the test opens: well
/// over it.
const LIMIT: u64 = 64;
const CLIENTS: usize = 100;

fn main() {
    if std::env::var_os(CHILD).is_some() {
        be_the_server();
    } else {
        out_of_descriptors_is_survived();
        println!("test out_of_descriptors_is_survived ... ok");
    }
}

fn be_the_server() {
    let listener = netkit::listen("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    println!("listening on {addr}");
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals().expect("signals");
    let config = ServerConfig {
        max_connections: 10_000,
        ..ServerConfig::default()
    };
    serve(listener, &shutdown, Hello::new(Protocol::Raw), &config)
        .expect("serve");
}

fn out_of_descriptors_is_survived() {
    let exe = std::env::current_exe().expect("this test's path");
    let exe = exe.to_str().expect("a UTF-8 path");
    let mut command = with_open_file_limit(LIMIT, false, exe, &[]);
    let server = ServerProcess::start(command.env(CHILD, "1"));
    // The test holds CLIENTS sockets itself: lift its own limit first.
    netkit::descriptors::raise_limit();

    // Every connection completes (the kernel's backlog takes it), but the
    // server can accept only as many as it has descriptors for.
    let mut clients: Vec<TcpStream> =
        (0..CLIENTS).map(|_| connect(server.addr)).collect();
    // Accepts are in order: the first client not welcomed is the first
    // left in the backlog.
    let welcomed = clients
        .iter_mut()
        .position(|client| !welcomed_within(client, Duration::from_millis(500)))
        .unwrap_or(CLIENTS);
    assert!(
        (32..CLIENTS).contains(&welcomed),
        "{welcomed} of {CLIENTS} welcomed under a limit of {LIMIT}"
    );
    // Those it accepted are still served.
    let first = &mut clients[0];
    first.write_all(b"Ada").expect("send");
    let mut hello = [0; 11];
    first.read_exact(&mut hello).expect("the reply");
    assert_eq!(&hello, b"Hello, Ada!");

    // Once they leave, the server accepts again: the last client, which
    // waited in the backlog all along, is welcomed with no new connection
    // to wake the listener (the server retries `accept` on a timer), and
    // so is a new one.
    let mut waiting = clients.pop().expect("a client in the backlog");
    drop(clients);
    assert!(
        welcomed_within(&mut waiting, TEST_TIMEOUT),
        "the client left in the backlog was never accepted"
    );
    assert_welcomed_again(server.addr);

    server.interrupt();
    let exited = server.wait(TEST_TIMEOUT);
    assert!(exited.status.success(), "{exited:?}");
    assert!(
        exited.stderr.contains("accept failed: Too many open files"),
        "{}",
        exited.stderr
    );
}

fn welcomed_within(client: &mut TcpStream, wait: Duration) -> bool {
    client.set_read_timeout(Some(wait)).expect("read timeout");
    let mut welcome = [0; WELCOME.len()];
    match client.read_exact(&mut welcome) {
        Ok(()) => welcome == WELCOME,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut
            ) =>
        {
            false
        }
        Err(err) => panic!("a client got {err} instead of a welcome"),
    }
}

/// A new client is welcomed, within the test's timeout: the server
/// retries `accept` every 100 ms, and frees a descriptor for each client
/// that left once it reads that client's end of stream.
fn assert_welcomed_again(addr: SocketAddr) {
    let deadline = Instant::now() + TEST_TIMEOUT;
    loop {
        let mut client = connect(addr);
        if welcomed_within(&mut client, Duration::from_secs(1)) {
            return;
        }
        assert!(Instant::now() < deadline, "never welcomed again");
    }
}
