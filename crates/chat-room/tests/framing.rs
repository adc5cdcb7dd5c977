//! TCP keeps no message boundaries: the bytes of several messages may
//! arrive in one read, and one message in several. Whatever the cuts,
//! every message must arrive whole, once, in order, when both ends frame
//! with lines (`--lines`): the original framing cannot promise it.

use std::io::Write;
use std::net::TcpStream;

use chat_room::protocol::Framing;
use chat_room::{Report, ServerOptions, serve};
use netkit::testing::TestServer;
use netkit::{LineReader, Log, Received, ServerConfig};
use proptest::prelude::*;

type Server = TestServer<std::io::Result<Report>>;

fn start() -> Server {
    let options = ServerOptions {
        net: ServerConfig {
            log: Log::to(|_| {}),
            ..Default::default()
        },
        framing: Framing::Lines,
    };
    TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, &options)
    })
}

fn join(server: &Server, name: &str) -> LineReader<TcpStream> {
    let mut stream = server.connect();
    stream
        .write_all(format!("{name}\n").as_bytes())
        .expect("send name");
    let mut lines = LineReader::new(stream, 4096);
    assert_eq!(next(&mut lines), "success");
    lines
}

fn next(lines: &mut LineReader<TcpStream>) -> String {
    match lines.read_line().expect("a line") {
        Received::Data(line) => String::from_utf8(line).expect("UTF-8"),
        Received::Closed => panic!("closed"),
    }
}

/// A message: 1 to 60 printable ASCII characters (no newline), not a
/// command: no `/` first, and not `quit`.
fn message() -> impl Strategy<Value = String> {
    "[ -.0-~][ -~]{0,59}".prop_filter("quit leaves", |m| m != "quit")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The messages, joined into one byte stream and cut at random
    /// points into separate writes, reach the other user whole and in
    /// order.
    #[test]
    fn messages_survive_any_cuts(
        messages in proptest::collection::vec(message(), 1..20),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..30),
    ) {
        let server = start();
        let mut sender = join(&server, "alice");
        let mut receiver = join(&server, "bob");
        prop_assert_eq!(next(&mut sender), "* bob joined");

        let stream: Vec<u8> = messages
            .iter()
            .flat_map(|m| format!("{m}\n").into_bytes())
            .collect();
        let mut points: Vec<usize> =
            cuts.iter().map(|cut| cut.index(stream.len())).collect();
        points.sort_unstable();
        points.dedup();
        let mut start = 0;
        let writer = sender.get_mut();
        for point in points.into_iter().chain([stream.len()]) {
            // NODELAY (set below): each piece leaves as its own segment.
            writer.write_all(&stream[start..point]).expect("write");
            start = point;
        }
        for expected in &messages {
            let line = next(&mut receiver);
            let text = &line[line.find("] ").expect("ctime") + 2..];
            prop_assert_eq!(text, format!("alice: {expected}"));
        }
        server.stop().expect("server");
    }
}
