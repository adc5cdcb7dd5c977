"""The chat room of lesson 5 (exercise 16-9), ported to Python 3: the server.

Each client logs in with a name, and from then on whatever it sends goes to
every other client, stamped with the time and its name, until it sends
"quit". A sample session (A is alice's client, B is bob's, S the server;
nothing ends in a newline, and each line is one send()):

    A: alice                          (the first thing sent is the name)
    S->A: success
    B: alice                          (a second connection wants that name)
    S->B: reuse                       (taken: the server closes it)
    B: bob                            (bob connects again, with his own name)
    S->B: success
    A: hello
    S->B: [Sun Nov 22 09:15:03 2026] alice: hello
    A: quit
    S->A: quit                        (then the server closes alice's
                                       connection, and "alice" is free again)

The time is Python's time.ctime(): local time, the day of the month padded
with a space ("Nov  2"). Nobody hears that somebody joined or left, and
nobody gets their own messages back: the original has neither.

There are no message boundaries on the wire: the server takes whatever one
recv(1024) returns as one message, and the client does the same. TCP keeps
no boundaries, so two quick sends can arrive as one message and a long one
as two. That is the original's protocol, and this port keeps it byte for
byte by default, a name included: a client that sends "erin\\n" is called
"erin\\n". With --lines (the clients need --lines too), every name, message
and answer ends with "\\n" instead, and a message is a line, however TCP
cut it.

Without --lines this server is the original's, defects and all, so that
the lesson's checker (cargo run -p checker -- chat-room --python) fails it
where the original fails: the lines marked "original's defect" say what
goes wrong (chat_original, log_in_original). With --lines, our next step,
they are fixed, and say so, but for one flaw kept in both modes, for the
lesson to set beside the Rust port: each client's thread sends every message
to all the others itself, so a client that stops reading makes the thread of
whoever is talking wait (see Room.broadcast).

Try it, from the repository root, in three or four terminals:

    python3 crates/chat-room/python/server.py
    python3 crates/chat-room/python/client.py -u alice
    python3 crates/chat-room/python/client.py -u bob

or, with lines, which the workspace's raw-socket tool speaks too (it
sends each line typed, newline and all):

    python3 crates/chat-room/python/server.py --lines
    python3 crates/chat-room/python/client.py --lines -u alice
    cargo run -q -p rawsock -- connect 127.0.0.1:21567   (a name, Enter, ...)

The server prints "listening on IP:PORT" on stdout once it is ready; with
--bind 127.0.0.1:0 the system picks a free port and that line tells you which
one. Joins, refusals and leaves go to stderr. Stop it with Ctrl-C.
"""

import argparse
import errno
import signal
import socket
import sys
import threading
import time

DEFAULT_ADDRESS = '127.0.0.1:21567'

# The original's recv size, and so the longest name or message: one recv()
# returns at most this many bytes, and a longer message arrives as two.
BUFSIZE = 1024

# The server's three answers, as the original spells them.
SUCCESS = b'success'  # logged in
REUSE = b'reuse'      # the name is taken
QUIT = b'quit'        # what a client sends to leave, and the server's goodbye

# How long to wait before accepting again when accept() fails, which happens
# when the process has run out of file descriptors (one per client): trying
# again at once would only fail again, as fast as the CPU allows.
ACCEPT_RETRY = 0.1

# How long a blocked accept() or recvfrom() waits before looking again.
# Python raises KeyboardInterrupt between two of its instructions, so a
# Ctrl-C that lands just before the call starts to block would wait there
# for the next client; a timeout on the socket bounds that wait.
TICK = 0.5


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:21567", "[::1]:21567", "localhost:0")."""
    host, _, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]  # an IPv6 address comes in brackets
    elif ':' in host:
        host = ''  # an IPv6 address without brackets is ambiguous
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not HOST:PORT; write e.g. 127.0.0.1:21567 or [::1]:21567')
    return host, int(port)


def show(addr):
    """Formats an address tuple from the socket module as "ip:port"."""
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def log(message):
    print(message, file=sys.stderr, flush=True)


def bind_failure(addr, err):
    """Turns a failed bind() into one sentence that says what to do."""
    if err.errno == errno.EADDRINUSE:
        return f'{show(addr)} is already in use; pass --bind with another port'
    if err.errno == errno.EACCES and addr[1] < 1024:
        return (f'no permission to bind {show(addr)}: ports below 1024 need '
                'the administrator; pass --bind with a port of 1024 or above')
    if err.errno == errno.EADDRNOTAVAIL:
        return (f'cannot bind {show(addr)}: that IP address is not one of this '
                "machine's; use 127.0.0.1 or 0.0.0.0 in --bind")
    return f'cannot listen on {show(addr)}: {err.strerror}'


def open_socket(host, port):
    """The first steps of a TCP server: socket(), SO_REUSEADDR, bind(),
    listen().

    getaddrinfo() turns the host into addresses, IPv4 or IPv6 (a name like
    "localhost" may give both); we take the first one that binds.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'pass --bind with an IP address, e.g. 127.0.0.1:21567')
    failure = f'no address for {host!r}'
    for family, kind, proto, _, addr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            # Rebind at once after a restart, even while connections of the
            # last run linger in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            # The original's 5: how many connections the system may hold,
            # finished but not yet accept()ed, while we are busy.
            sock.listen(5)
            return sock
        except OSError as err:
            sock.close()
            failure = bind_failure(addr, err)
    sys.exit(f'error: {failure}')  # sys.exit(text): text to stderr, exit 1


class Connection:
    """One client's socket, read and written in the room's framing.

    Without --lines, the original's: one recv() is one message, and what
    is sent goes out as it is. With --lines, a message is a line: the
    reader keeps what follows a newline for the next call, and every
    message sent gets its newline.
    """

    def __init__(self, sock, lines):
        self.sock = sock
        self.lines = lines
        # readline() on a binary file over the socket keeps the bytes after
        # the newline for the next call, which recv() alone cannot.
        self._reader = sock.makefile('rb') if lines else None
        # Whether a send to this client has failed (it is gone).
        self.send_failed = False

    # ANCHOR: receive
    def receive(self):
        """The next message, as bytes; None when the client has closed.
        Raises ValueError for a line longer than BUFSIZE bytes."""
        if not self.lines:
            # A read of 0 bytes means the client closed its end.
            return self.sock.recv(BUFSIZE) or None
        line = self._reader.readline(BUFSIZE + 1)
        if not line.endswith(b'\n'):
            if len(line) > BUFSIZE:
                raise ValueError(f'a message longer than {BUFSIZE} bytes')
            return None  # the end, perhaps in the middle of a line
        line = line[:-1]
        return line[:-1] if line.endswith(b'\r') else line  # nc -C: CR LF
    # ANCHOR_END: receive

    def framed(self, message):
        """message as this room puts it on the wire."""
        return message + b'\n' if self.lines else message

    def send(self, message):
        self.sock.sendall(self.framed(message))

    def close(self):
        # The file from makefile() holds the socket open too: the
        # descriptor is freed only once both are closed.
        if self._reader:
            self._reader.close()
        self.sock.close()


def shown(name):
    """A name (bytes, as the client sent it) as text for the log.

    original's defect: it calls .decode() on whatever arrived, which raises
    UnicodeDecodeError on bytes it cannot read (in Python 2, any byte that
    is not ASCII); and since it does that in the accept loop, one such name
    stops the whole server. Names stay bytes here; only the log needs text:
    a byte that is not UTF-8 becomes U+FFFD, and a control character (a
    newline in "erin\\n", or ESC, which could drive the terminal) is shown
    escaped, as the Rust port's netkit::text::printable does.
    """
    text = name.decode('utf-8', errors='replace')
    return ''.join(c if c.isprintable() or c == '\t' else repr(c)[1:-1]
                   for c in text)


# ANCHOR: room
class Room:
    """Who is logged in: a dict from name (bytes) to Connection, and its
    lock.

    original's defect: every client's thread reads the dict (to send to the
    others) while other threads add and delete names, with nothing to keep
    them apart. A dict that changes size while another thread iterates over
    it raises RuntimeError ("dictionary changed size during iteration"),
    which kills the iterating thread. Here every look at the dict holds the
    lock, and nobody waits for the network while holding it (the one send
    made under it, in join(), cannot wait: see there).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._clients = {}

    def join(self, name, conn):
        """Logs the client in and answers "success", unless the name is
        taken: then it returns False and the caller answers "reuse"."""
        with self._lock:
            if name in self._clients:
                return False
            # "success" must reach the client before any message from the
            # others. They can send to it as soon as its name is in the
            # dict, so we answer first, still holding the lock. A new
            # connection has plenty of room in its send buffer for 8 bytes:
            # sendall() returns at once, nobody waits on the lock.
            conn.send(SUCCESS)
            self._clients[name] = conn
            return True

    def leave(self, name, conn):
        """Frees the name, if it is still this connection's (calling it
        twice is harmless)."""
        with self._lock:
            if self._clients.get(name) is conn:
                del self._clients[name]

    def broadcast(self, sender, message):
        """Sends message to every client but the sender."""
        # A snapshot of the others, taken under the lock; the sending happens
        # outside it, since a send can wait for a long time (see below).
        with self._lock:
            others = [(name, conn) for name, conn in self._clients.items()
                      if name != sender]
        for name, conn in others:
            # sendall() waits until the kernel has taken every byte. A client
            # that stops reading fills its receive window, then our send
            # buffer for it, and from then on sendall() waits here, in the
            # thread of whoever is talking: that client, and everyone after
            # it in this loop, hear nothing more from the sender until it
            # reads again. This is the original's design, kept for the lesson;
            # the Rust port gives every client its own queue and writer.
            try:
                # original's defect: send() may send only part of the bytes
                # and says how many it sent, which nobody checks.
                conn.send(message)
            except OSError as err:
                # This client has gone (its own thread will notice and free
                # its name). original's defect: the exception ended the
                # sender's thread, and nobody after it got the message.
                # Said once per client: a thread that spins (see
                # chat_original) would otherwise fill the log with it.
                if not conn.send_failed:
                    conn.send_failed = True
                    log(f'could not send to {shown(name)}: '
                        f'{err.strerror or err}')
# ANCHOR_END: room


def log_in(conn, addr, room):
    """Reads the name and answers it. Returns the name, or None if the
    client is not logged in (no name, or a name already taken)."""
    # Without --lines the name is whatever the first recv() returns, as in
    # the original, newline and all: its client sends the name in one
    # send() and then waits for the answer.
    name = conn.receive()
    if not name:
        # None: the client closed before naming itself; with --lines, an
        # empty line is no name either. (The original registered "".)
        log(f'{show(addr)} left without a name')
        return None
    if not room.join(name, conn):
        log(f'{show(addr)} refused: the name {shown(name)} is taken')
        conn.send(REUSE)
        return None
    log(f'{shown(name)} joined from {show(addr)}')
    return name


def chat(conn, name, room):
    """Passes on what the client says until it leaves; returns how it left.
    (Without --lines, chat_original does this.)"""
    while True:
        try:
            message = conn.receive()
        except ValueError as err:  # --lines: a line over BUFSIZE bytes
            return f'cut: {err}'
        if message is None:
            # The client closed its end. original's defect: it did not
            # check, and recv() returns b'' at once every time after that,
            # so the thread spun forever, sending "[...] alice: " to
            # everyone, and the name stayed taken.
            return 'closed the connection'
        if not message:
            continue  # --lines: an empty line (Enter in nc), nothing to say
        if message == QUIT:
            room.leave(name, conn)  # first, so that nothing follows "quit"
            conn.send(QUIT)
            return 'quit'
        stamp = time.ctime().encode('ascii')
        room.broadcast(name, b'[%s] %s: %s' % (stamp, name, message))


def handle(sock, addr, room, lines):
    """One client's thread, from its name to its last message (with
    --lines; without, see log_in_original and chat_original)."""
    # original's defect: the name was read and answered in the accept loop,
    # so one client that connected and sent nothing (or someone typing a
    # name in nc) held up every other client's login. Here each client's
    # login happens in its own thread.
    conn = Connection(sock, lines)
    try:
        try:
            name = log_in(conn, addr, room)
        except OSError as err:  # e.g. reset before the answer went out
            log(f'{show(addr)}: {err.strerror or err}')
            return
        except ValueError as err:  # --lines: no newline in BUFSIZE bytes
            log(f'{show(addr)} refused: {err}')
            return
        if name is None:
            return
        try:
            how = chat(conn, name, room)
        except OSError as err:  # e.g. the client reset the connection
            how = f'lost the connection: {err.strerror or err}'
        finally:
            room.leave(name, conn)  # however the chat ended, free the name
    finally:
        conn.close()  # however we leave
    log(f'{shown(name)} ({show(addr)}) left: {how}')


# ANCHOR: chat_original
def chat_original(conn, name, room):
    """The original's Deal(), defects and all: what the client says goes to
    everyone else until it says "quit". The caller (the accept loop) has
    logged it in."""
    while True:
        # One recv() is one message, whatever TCP delivered in between.
        # original's defect: a reset raises here and ends the thread with a
        # traceback; nothing frees the name.
        message = conn.sock.recv(BUFSIZE)
        if not message:
            # original's defect: b'' (the client closed) was not checked.
            # recv() returns b'' at once every time after that, so its
            # thread spun forever, sending "[...] alice: " to everyone, and
            # the name stayed taken. We keep the second half: the name
            # stays taken. We close instead of spinning, because our
            # clients (both ports) leave at the end of their input by
            # closing their half, where the original's crashed and kept the
            # connection open: a spinning server would flood everyone in
            # the lesson's pairing tests and in scripts/compare.
            conn.close()
            return
        if message == QUIT:
            room.leave(name, conn)  # first, so that nothing follows "quit"
            conn.send(QUIT)
            conn.close()
            return
        # original's defect: the name was decoded to text, so formatting
        # it with the message decodes the message too (in Python 2, as
        # ASCII; here UTF-8): a message that is not UTF-8 raises
        # UnicodeDecodeError, which ends this thread, and the name stays
        # taken.
        said = '[%s] %s: %s' % (time.ctime(), name.decode('utf-8'),
                                message.decode('utf-8'))
        room.broadcast(name, said.encode('utf-8'))
# ANCHOR_END: chat_original


# ANCHOR: log_in_original
def log_in_original(sock, addr, room):
    """The original's login, in the accept loop. Returns the name and the
    connection to start a thread for, or None."""
    conn = Connection(sock, False)
    try:
        name = conn.receive()
    except OSError as err:  # e.g. reset before the name
        log(f'{show(addr)}: {err.strerror or err}')
        conn.close()
        return None
    if not name:
        log(f'{show(addr)} left without a name')
        conn.close()
        return None
    # original's defect: decode() in the accept loop. A name that is not
    # UTF-8 (in Python 2, not ASCII) raises UnicodeDecodeError here, in the
    # main thread, and the server stops accepting anyone.
    name.decode('utf-8')
    if not room.join(name, conn):
        log(f'{show(addr)} refused: the name {shown(name)} is taken')
        conn.send(REUSE)
        conn.close()
        return None
    log(f'{shown(name)} joined from {show(addr)}')
    return name, conn
# ANCHOR_END: log_in_original


# ANCHOR: serve
def serve(listener, lines):
    """Accepts clients forever, one thread each."""
    room = Room()
    while True:
        try:
            # accept() waits for the next client and returns a new socket
            # for it; the listening socket goes on listening.
            sock, addr = listener.accept()
        except TimeoutError:  # TICK passed: back to the loop, for Ctrl-C
            continue
        except OSError as err:  # e.g. "Too many open files"
            log(f'accept failed: {err.strerror or err}')
            time.sleep(ACCEPT_RETRY)
            continue
        log(f'connection from {show(addr)}')
        if not lines:
            # original's defect: the name is read and answered here, in the
            # accept loop, so one client that connects and sends nothing
            # (or someone typing a name in nc) holds up every login after
            # it. With --lines, each client logs in on its own thread.
            joined = log_in_original(sock, addr, room)
            if joined is not None:
                threading.Thread(target=chat_original,
                                 args=(joined[1], joined[0], room),
                                 daemon=True).start()
            continue
        # Daemon threads do not keep the process alive once the main thread
        # is done: on Ctrl-C the process ends, and with it every connection.
        threading.Thread(target=handle, args=(sock, addr, room, lines),
                         daemon=True).start()
# ANCHOR_END: serve


def main():
    parser = argparse.ArgumentParser(
        description='The chat room server (lesson 5): every message goes to '
                    'everybody else.')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'where to listen (default {DEFAULT_ADDRESS}; '
                             'port 0 picks a free port)')
    parser.add_argument('--lines', action='store_true',
                        help='end every name, message and answer with a '
                             'newline (the clients need --lines too); '
                             "without it, the original's bytes")
    args = parser.parse_args()

    # Ctrl-C raises KeyboardInterrupt. Make SIGTERM (plain `kill PID`) do the
    # same, and set SIGINT explicitly too: a shell starting us in the
    # background (`cmd &`) may have told us to ignore it. Python runs signal
    # handlers in the main thread only, which is the one waiting in accept().
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    listener = open_socket(*args.bind)
    listener.settimeout(TICK)
    with listener:  # closes the listening socket however we leave
        try:
            print(f'listening on {show(listener.getsockname())}', flush=True)
            serve(listener, args.lines)
        except KeyboardInterrupt:
            # The protocol has no way to say "the server is stopping": the
            # clients just read the end of the stream when the process exits
            # and the system closes their connections.
            log('Stopping.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
