//! The one-thread server speaks lesson 1's protocol byte for byte, serves
//! clients side by side, is not held up by a client that never reads, and
//! stops when asked.

use std::io::{Read, Write};
use std::thread;
use std::time::Duration;

use hello_echo::Protocol;
use netkit::testing::{TestServer, read_exactly, read_to_close};
use select_server::{Report, serve};

fn start(protocol: Protocol) -> TestServer<std::io::Result<Report>> {
    TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, protocol)
    })
}

#[test]
fn the_original_protocol_byte_for_byte() {
    let server = start(Protocol::Raw);
    let mut client = server.connect();
    assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
    for name in ["Michael", "Tracy", "Zoë"] {
        client.write_all(name.as_bytes()).expect("send");
        let want = format!("Hello, {name}!");
        assert_eq!(read_exactly(&mut client, want.len()), want.as_bytes());
    }
    client.write_all(b"exit").expect("send exit");
    assert_eq!(read_to_close(&mut client), b"", "closed after exit");
    assert_eq!(server.stop().expect("serve"), Report { connections: 1 });
}

#[test]
fn lines_sent_in_one_write_are_each_answered() {
    let server = start(Protocol::Lines);
    let mut client = server.connect();
    client
        .write_all(b"Ada\nBob\r\nexit\nnever answered\n")
        .expect("send");
    assert_eq!(
        read_to_close(&mut client),
        b"Welcome!\nHello, Ada!\nHello, Bob!\n"
    );
    server.stop().expect("serve");
}

#[test]
fn many_clients_are_served_side_by_side() {
    let server = start(Protocol::Raw);
    let mut clients: Vec<_> = (0..100).map(|_| server.connect()).collect();
    for client in &mut clients {
        assert_eq!(read_exactly(client, 8), b"Welcome!");
    }
    // Every client is mid-conversation at once; one thread answers all.
    for (i, client) in clients.iter_mut().enumerate() {
        client
            .write_all(format!("client{i}").as_bytes())
            .expect("send");
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let want = format!("Hello, client{i}!");
        assert_eq!(read_exactly(client, want.len()), want.as_bytes());
    }
    drop(clients);
    assert_eq!(server.stop().expect("serve").connections, 100);
}

#[test]
fn a_client_that_never_reads_holds_up_nobody() {
    let server = start(Protocol::Lines);
    let mut greedy = server.connect();
    // A write that makes no progress for this long ends the flood.
    greedy
        .set_write_timeout(Some(Duration::from_millis(300)))
        .expect("write timeout");
    let flood = thread::spawn(move || {
        // Names, and never a read: the replies pile up until the server
        // stops reading this client and TCP stops its writes. The write
        // timeout ends the flood; 64 MiB bounds it if nothing stops it.
        let names = b"greedy\n".repeat(64 * 1024);
        let mut sent = 0;
        while sent < 64 * 1024 * 1024 {
            match greedy.write(&names) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        (greedy, sent)
    });
    let mut polite = server.connect();
    polite.write_all(b"polite\n").expect("send");
    assert_eq!(read_exactly(&mut polite, 24), b"Welcome!\nHello, polite!\n");
    let (greedy, sent) = flood.join().expect("the flood");
    assert!(
        sent < 64 * 1024 * 1024,
        "back-pressure stopped the flood at {sent} bytes"
    );
    drop(greedy);
    server.stop().expect("serve");
}

#[test]
fn stopping_closes_every_client() {
    let server = start(Protocol::Raw);
    let mut clients: Vec<_> = (0..5).map(|_| server.connect()).collect();
    for client in &mut clients {
        assert_eq!(read_exactly(client, 8), b"Welcome!");
    }
    server.stop().expect("serve");
    for client in &mut clients {
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest);
        assert_eq!(rest, b"", "closed, nothing more said");
    }
}
