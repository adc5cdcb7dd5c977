//! One user's way out: straight into the socket when it has room, and a
//! queue with a writer thread for what does not fit.
//!
//! A write to a TCP socket only copies bytes into the kernel's send
//! buffer for that socket; the kernel sends them on its own. While a
//! client reads, its buffer has room and a write returns at once. Only a
//! client that reads slower than it is written to (or not at all) fills
//! it, and then a blocking write waits. So the broker tries the socket
//! first, with a write that cannot wait, and hands the user's writer
//! thread only what did not fit:
//!
//! ```text
//!  broker ──send(MSG_DONTWAIT)──> socket       (it fits: nobody else wakes)
//!    └──what did not fit──> queue ──> writer thread ──write──> socket
//!                           (bounded)   (waits for the client)
//! ```
//!
//! The room's first version sent everything through the writer threads.
//! Every message then woke one thread per user, and each spun a while
//! for the next message before it slept again. Measured with
//! `perf stat -e context-switches -p PID` on the server under
//! `netbench chat-room --clients 50 --messages 300`, three runs: 130 to
//! 180 thread switches per message, where Python's original, whose
//! talking thread writes to every socket itself, made about 20. With the
//! write first: 10 to 20. A user's writer thread now sleeps until its
//! client falls behind.
//!
//! Two rules keep each client's bytes whole and in order, with two
//! threads that may write to its socket:
//!
//! - The broker writes only while nothing is in the queue and the
//!   writer is not writing: the count of messages handed to the writer
//!   and not yet written ([`Outbox::waiting`]) is 0.
//! - What a partial write left over goes to the queue as it is: the
//!   writer carries on exactly where the broker stopped, and everything
//!   after it follows it through the queue until the writer catches up.

use std::io::{self, ErrorKind, Write};
use std::net::{Shutdown as Half, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError};
use rustix::net::SendFlags;

/// Bytes on their way to one client, in its framing; cheap to clone.
pub type Outgoing = Arc<[u8]>;

/// Why a message could not be handed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The queue stayed full for the whole wait: the client is not
    /// reading.
    Full,
    /// The connection is broken, or its writer has stopped.
    Gone,
}

/// The broker's end: writes now what the socket takes, queues the rest.
#[derive(Debug)]
pub struct Outbox {
    stream: Arc<TcpStream>,
    queue: Sender<Outgoing>,
    /// Messages handed to the writer and not yet written.
    waiting: Arc<AtomicUsize>,
}

/// The writer thread's end: what the socket did not take at once.
#[derive(Debug)]
pub struct Queue {
    messages: Receiver<Outgoing>,
    waiting: Arc<AtomicUsize>,
}

/// An outbox for `stream`, whose queue holds at most `capacity`
/// messages; the writer thread empties the [`Queue`].
pub fn outbox(stream: Arc<TcpStream>, capacity: usize) -> (Outbox, Queue) {
    let (queue, messages) = crossbeam_channel::bounded(capacity);
    let waiting = Arc::new(AtomicUsize::new(0));
    let outbox = Outbox {
        stream,
        queue,
        waiting: Arc::clone(&waiting),
    };
    (outbox, Queue { messages, waiting })
}

impl Outbox {
    // ANCHOR: send_now
    /// Hands `bytes` on: into the socket at once if nothing is waiting
    /// and it has room, and what it does not take to the writer. If the
    /// queue is full, waits at most `wait` for room in it; never waits
    /// for the socket.
    ///
    /// `&mut self`: the rule that keeps the bytes in order (write only
    /// while nothing waits) holds for one caller at a time, the broker.
    pub fn send(
        &mut self,
        bytes: &[u8],
        wait: Duration,
    ) -> Result<(), Refused> {
        let mut rest = bytes;
        // Acquire: pairs with the writer's Release in `write_all_to`, so
        // its last write is in the socket before ours.
        if self.waiting.load(Ordering::Acquire) == 0 {
            match write_now(&self.stream, bytes) {
                Ok(taken) if taken == bytes.len() => return Ok(()),
                // `send` may take fewer bytes than it was given: the
                // socket's buffer is full. The writer sends the rest.
                Ok(taken) => rest = &bytes[taken..],
                // A reset, a broken pipe: the client is gone.
                Err(_) => return Err(Refused::Gone),
            }
        }
        self.enqueue(rest.into(), wait)
    }

    /// Puts `bytes` in the queue, after everything already there.
    fn enqueue(&self, bytes: Outgoing, wait: Duration) -> Result<(), Refused> {
        // Counted before the writer can take it, so that the count never
        // says 0 while the writer holds bytes it has not written.
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let queued = match self.queue.try_send(bytes) {
            Err(TrySendError::Full(bytes)) if !wait.is_zero() => {
                self.queue.send_timeout(bytes, wait).map_err(|err| {
                    if err.is_timeout() {
                        Refused::Full
                    } else {
                        Refused::Gone
                    }
                })
            }
            Err(TrySendError::Full(_)) => Err(Refused::Full),
            Err(TrySendError::Disconnected(_)) => Err(Refused::Gone),
            Ok(()) => Ok(()),
        };
        if queued.is_err() {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
        }
        queued
    }
    // ANCHOR_END: send_now

    /// Messages in the queue or being written by the writer thread: 0
    /// while the client keeps up.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Cuts the connection both ways. A writer blocked in a write that
    /// would never end (the client stopped reading) fails at once and
    /// stops; the reader reads the end.
    pub fn cut(&self) {
        let _ = self.stream.shutdown(Half::Both);
    }
}

// ANCHOR: write_now
/// Writes what the socket's send buffer has room for, without waiting:
/// returns how many bytes it took, 0 if the buffer is full.
///
/// `MSG_DONTWAIT` makes this one call non-blocking. Setting the socket
/// non-blocking (`O_NONBLOCK`) would not do: that flag belongs to the
/// descriptor, which the user's reader and writer threads share, and
/// both of them rely on blocking calls. `MSG_NOSIGNAL`: a write to a
/// connection the client has closed fails with `EPIPE` instead of
/// raising `SIGPIPE`, which would end the process.
fn write_now(stream: &TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let flags = SendFlags::DONTWAIT | SendFlags::NOSIGNAL;
    loop {
        match rustix::net::send(stream, bytes, flags) {
            Ok(taken) => return Ok(taken),
            Err(errno) => match io::Error::from(errno) {
                // EAGAIN: not one byte fits now.
                err if err.kind() == ErrorKind::WouldBlock => return Ok(0),
                // A signal came before any byte was taken: try again.
                err if err.kind() == ErrorKind::Interrupted => {}
                err => return Err(err),
            },
        }
    }
}
// ANCHOR_END: write_now

// ANCHOR: write_all_to
impl Queue {
    /// Writes every message in the queue to `stream`, in order, until
    /// the broker drops the [`Outbox`] (then returns `Ok`) or a write
    /// fails. Blocks while the client's receive window is full; the write
    /// timeout (netkit's) ends a wait that never ends.
    ///
    /// It takes the queue and drops it on return: after a failed write,
    /// the broker's next hand-off finds the queue gone ([`Refused::Gone`])
    /// instead of filling it and waiting for a writer that has stopped.
    pub fn write_all_to(self, stream: &TcpStream) -> io::Result<()> {
        let mut writer = stream;
        for bytes in &self.messages {
            writer.write_all(&bytes)?;
            // Written: when nothing else waits, the broker may write to
            // the socket itself again. After a failed write the count
            // stays above 0, and the broker never writes again.
            self.waiting.fetch_sub(1, Ordering::Release);
        }
        Ok(())
    }
}
// ANCHOR_END: write_all_to

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::net::TcpListener;
    use std::thread;
    use std::time::Instant;

    use netkit::testing::{TEST_TIMEOUT, connect};
    use rustix::net::sockopt;

    use super::*;

    /// A connected pair on loopback: the server's end, shared as the room
    /// shares it, and the client's (its reads time out).
    fn pair() -> (Arc<TcpStream>, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = connect(listener.local_addr().expect("addr"));
        let (server, _) = listener.accept().expect("accept");
        (Arc::new(server), client)
    }

    /// Message `n`: its number, padded to `len` bytes and a newline.
    fn message(n: usize, len: usize) -> Vec<u8> {
        format!("{n:0>width$}\n", width = len - 1).into_bytes()
    }

    /// A message that fits goes straight into the socket: no writer
    /// thread exists here, and the client reads it all the same.
    #[test]
    fn a_message_that_fits_is_written_at_once() {
        let (server, mut client) = pair();
        let (mut outbox, _queue) = outbox(server, 4);
        outbox.send(b"hello\n", Duration::ZERO).expect("sent");
        assert_eq!(outbox.waiting(), 0);
        let mut got = [0; 6];
        client.read_exact(&mut got).expect("read");
        assert_eq!(&got, b"hello\n");
    }

    /// Messages that do not fit, because the client reads nothing, wait
    /// in the queue; once the writer runs and the client reads, every
    /// byte arrives, in order, and a message split between the socket and
    /// the queue arrives whole.
    #[test]
    fn what_does_not_fit_goes_through_the_queue_in_order() {
        const LEN: usize = 1000;
        const COUNT: usize = 2000;
        const BUFFER: usize = 16 * 1024;
        let (server, mut client) = pair();
        // Small buffers on both ends, so that the kernel holds about a
        // hundred KiB of the 2 MB (Linux doubles what is asked, and stops
        // growing a buffer that was set; the window the client offered at
        // the handshake, 64 KiB, still counts): without them, autotuning
        // grows the send buffer up to tcp_wmem's maximum, 4 MiB by
        // default.
        sockopt::set_socket_send_buffer_size(&*server, BUFFER).expect("sndbuf");
        sockopt::set_socket_recv_buffer_size(&client, BUFFER).expect("rcvbuf");
        let (mut outbox, queue) = outbox(Arc::clone(&server), COUNT);
        for n in 0..COUNT {
            outbox
                .send(&message(n, LEN), Duration::ZERO)
                .expect("queued");
        }
        // The condition under test: some messages could not be written.
        assert!(outbox.waiting() > 0, "everything fit in the kernel");
        let writer = thread::spawn(move || queue.write_all_to(&server));
        let mut got = vec![0; LEN];
        for n in 0..COUNT {
            client.read_exact(&mut got).expect("a whole message");
            assert_eq!(got, message(n, LEN), "message {n}");
        }
        drop(outbox); // ends the writer
        writer.join().expect("the writer").expect("its writes");
    }

    /// The hand-off back: while the client reads, the writer drains the
    /// queue, and once nothing waits the broker writes to the socket
    /// itself again. Ten rounds of socket, then queue, then socket
    /// again, and every message arrives once and in order.
    #[test]
    fn the_broker_writes_again_once_the_writer_has_caught_up() {
        const LEN: usize = 1000;
        const BUFFER: usize = 16 * 1024;
        let (server, mut client) = pair();
        sockopt::set_socket_send_buffer_size(&*server, BUFFER).expect("sndbuf");
        sockopt::set_socket_recv_buffer_size(&client, BUFFER).expect("rcvbuf");
        let (mut outbox, queue) = outbox(Arc::clone(&server), 4096);
        let writer = thread::spawn(move || queue.write_all_to(&server));
        let (count_tx, count_rx) = crossbeam_channel::unbounded();
        // The client reads everything it is sent, until the outbox is
        // dropped and the writer's end closes the stream.
        let reader = thread::spawn(move || {
            let mut got = vec![0; LEN];
            let mut n = 0;
            while client.read_exact(&mut got).is_ok() {
                assert_eq!(got, message(n, LEN), "message {n}");
                n += 1;
            }
            count_tx.send(n).expect("the count");
        });
        let mut sent = 0;
        for _round in 0..10 {
            // The socket takes these at once: nothing waits.
            assert_eq!(outbox.waiting(), 0);
            outbox
                .send(&message(sent, LEN), Duration::ZERO)
                .expect("sent");
            sent += 1;
            // Faster than the client reads: some go to the queue.
            let deadline = Instant::now() + TEST_TIMEOUT;
            while outbox.waiting() == 0 {
                assert!(Instant::now() < deadline, "the client kept up");
                outbox
                    .send(&message(sent, LEN), TEST_TIMEOUT)
                    .expect("sent");
                sent += 1;
            }
            for _ in 0..200 {
                outbox
                    .send(&message(sent, LEN), TEST_TIMEOUT)
                    .expect("sent");
                sent += 1;
            }
            // The writer catches up while the client reads.
            let deadline = Instant::now() + TEST_TIMEOUT;
            while outbox.waiting() > 0 {
                assert!(Instant::now() < deadline, "no catch-up");
                thread::sleep(Duration::from_millis(1));
            }
        }
        // The writer ends, and with the last handle on the socket gone,
        // the client reads the end of the stream.
        drop(outbox);
        writer.join().expect("the writer").expect("its writes");
        reader.join().expect("the reader");
        assert_eq!(count_rx.recv_timeout(TEST_TIMEOUT), Ok(sent));
    }

    /// A writer whose write fails drops its queue, so the broker's next
    /// hand-off is refused at once as gone, rather than queued for a
    /// writer that has stopped (or, with the queue full, waited for).
    #[test]
    fn a_failed_writer_leaves_the_client_gone() {
        let (server, client) = pair();
        server
            .set_write_timeout(Some(TEST_TIMEOUT))
            .expect("timeout");
        sockopt::set_socket_send_buffer_size(&*server, 4096).expect("sndbuf");
        let (mut outbox, queue) = outbox(Arc::clone(&server), 64);
        // The client reads nothing: the socket fills, the rest queues.
        while outbox.waiting() == 0 {
            outbox.send(&[b'x'; 1000], Duration::ZERO).expect("sent");
        }
        let writer = thread::spawn(move || queue.write_all_to(&server));
        // Closing with bytes unread resets the connection: the writer's
        // blocked write fails.
        drop(client);
        assert!(writer.join().expect("the writer").is_err());
        assert_eq!(
            outbox.send(b"more", TEST_TIMEOUT),
            Err(Refused::Gone),
            "the queue outlived its writer"
        );
    }

    /// A client gone with a reset is gone for the outbox too.
    #[test]
    fn a_reset_connection_is_gone() {
        let (server, client) = pair();
        let (mut outbox, _queue) = outbox(server, 4);
        // Closing a socket with bytes still unread makes its kernel send
        // a reset: the client reads one byte of six, and closes.
        outbox.send(b"unread", Duration::ZERO).expect("sent");
        let mut client = client;
        let mut one = [0; 1];
        client.read_exact(&mut one).expect("a byte");
        drop(client);
        // The first write after the reset may still be taken; one of the
        // next fails.
        let refused = (0..100)
            .map(|_| outbox.send(b"more", Duration::ZERO))
            .find(Result::is_err);
        assert_eq!(refused, Some(Err(Refused::Gone)));
    }
}
