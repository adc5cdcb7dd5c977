//! Properties over random inputs: the parsers never panic, whatever the
//! bytes, and a chunk-encoded body cut at random points decodes to itself.

use std::io::{self, BufReader, Read};

use http_get::body::{ChunkedReader, chunk_encode, framing};
use http_get::head::read_head;
use proptest::prelude::*;

/// A reader that hands out its bytes in pieces of the given sizes, as a
/// socket does when TCP cuts a stream into segments.
struct Pieces {
    data: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn pieces(data: Vec<u8>, sizes: Vec<usize>) -> BufReader<Pieces> {
    // A small buffer, so that lines and chunks straddle refills too.
    BufReader::with_capacity(
        7,
        Pieces {
            data,
            at: 0,
            sizes,
            turn: 0,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Encode with random chunk sizes, deliver in random pieces, decode:
    /// the same bytes come out, and nothing after the body is read.
    #[test]
    fn chunked_round_trip(
        body in proptest::collection::vec(any::<u8>(), 0..4096),
        chunk_sizes in proptest::collection::vec(1usize..600, 1..8),
        cuts in proptest::collection::vec(1usize..50, 1..8),
    ) {
        let mut wire = chunk_encode(&body, &chunk_sizes);
        wire.extend_from_slice(b"NEXT RESPONSE");
        let mut reader = pieces(wire, cuts);
        let mut decoded = Vec::new();
        ChunkedReader::new(&mut reader).read_to_end(&mut decoded).unwrap();
        prop_assert_eq!(&decoded, &body);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        prop_assert_eq!(rest, b"NEXT RESPONSE");
    }

    /// Arbitrary bytes: an error or a body, never a panic.
    #[test]
    fn the_chunked_decoder_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        cuts in proptest::collection::vec(1usize..64, 1..4),
    ) {
        let _ = ChunkedReader::new(pieces(bytes, cuts)).read_to_end(&mut Vec::new());
    }

    /// Arbitrary bytes after a status line, and arbitrary lines in the
    /// shape of a head: parsed or refused, never a panic; and what parses
    /// has a framing or a reason why not.
    #[test]
    fn the_head_parser_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        lines in proptest::collection::vec("[ -~\t]{0,40}", 0..12),
        cuts in proptest::collection::vec(1usize..64, 1..4),
    ) {
        let _ = read_head(&mut pieces(bytes.clone(), cuts.clone()));
        let mut text = String::from("HTTP/1.1 200 OK\r\n");
        for line in &lines {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
        if let Ok(head) = read_head(&mut pieces(text.into_bytes(), cuts)) {
            let _ = framing(false, &head);
        }
        let mut prefixed = b"HTTP/1.1 200 OK\r\n".to_vec();
        prefixed.extend_from_slice(&bytes);
        let _ = read_head(&mut prefixed.as_slice());
    }
}
