"""A one-thread server with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct server, both protocols and
both framings: one thread, a selector (level-triggered: a socket is asked
for EVENT_WRITE only while it is owed bytes), every socket non-blocking,
and what each client is owed kept beside its socket.

    python3 server.py --bind 127.0.0.1:0 [--protocol hello|chat] [--lines]
                      [--defect NAME]

The defects, which a learner of this lesson writes, and the stage each
must fail:

    thread-per-client  hello: a thread per connection, with   one-thread
                       blocking reads and writes, as lesson 1's
                       server (the answers are right: only the
                       thread count shows it)
    name-on-accept     chat: the name read with a blocking     chat-silent-login
                       recv() right after accept(), before the
                       socket goes to the selector (no --lines)
    blocking-send      chat --lines: each message sent to      chat-lines-stuck
                       every other user with a blocking
                       sendall(), so that one user who never
                       reads stops the room
"""

import argparse
import os
import selectors
import signal
import socket
import sys
import threading
import time

# The blocking calls, shared by every mutant server (../blocking.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from blocking import TICK, accept  # noqa: E402

WELCOME, EXIT = b'Welcome!', b'exit'
SUCCESS, REUSE, QUIT = b'success', b'reuse', b'quit'
MAX_NAME = 1024 - len(b'Hello, !')  # hello --lines: the longest name line
MAX_MESSAGE = 1024                  # chat --lines: the longest message line
MAX_BEHIND = 256 * 1024             # chat: owed to one user, then it is cut


class Conn:
    """One client: its socket, what it is owed, where it is."""

    def __init__(self, sock):
        self.sock = sock
        self.owed = bytearray()
        self.pending = b''     # --lines: bytes that are not a whole line yet
        self.finished = False  # no more input: close once nothing is owed
        self.closed = False
        self.name = None       # chat: the name, once joined


def hello_reply(conn, data, lines):
    """What one read of lesson 1's protocol is answered with."""
    if not lines:
        if data == EXIT:
            conn.finished = True
            return b''
        return b'Hello, ' + data + b'!'
    conn.pending += data
    reply = b''
    while b'\n' in conn.pending and not conn.finished:
        line, conn.pending = conn.pending.split(b'\n', 1)
        if line == EXIT:
            conn.finished = True
        else:
            reply += b'Hello, ' + line + b'!\n'
    if len(conn.pending) > MAX_NAME and not conn.finished:
        reply += b'error: line too long\n'
        conn.finished = True
    return reply


def valid_name(raw):
    try:
        name = raw.decode('utf-8')
    except UnicodeDecodeError:
        return None
    ok = 0 < len(name) <= 32 and name.isprintable() and ' ' not in name
    return name if ok else None


class Server:
    def __init__(self, listener, args):
        self.listener, self.args = listener, args
        self.chat = args.protocol == 'chat'
        self.selector = selectors.DefaultSelector()
        self.touched = set()  # owed bytes since they were last written
        self.names = {}       # chat: name -> Conn

    def run(self):
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ)
        while True:
            for key, mask in self.selector.select(TICK):
                if key.fileobj is self.listener:
                    self.accept()
                    continue
                if mask & selectors.EVENT_READ:
                    self.read(key.data)
                if mask & selectors.EVENT_WRITE:
                    self.touched.add(key.data)
            while self.touched:
                self.write(self.touched.pop())

    def accept(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except BlockingIOError:
                return
            conn = Conn(sock)
            first = None
            if self.args.defect == 'name-on-accept' and self.chat \
                    and not self.args.lines:
                sock.setblocking(True)
                first = sock.recv(1024)
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ, conn)
            if not self.chat:
                self.owe(conn, WELCOME + (b'\n' if self.args.lines else b''))
            if first:
                self.received(conn, first)

    def read(self, conn):
        try:
            data = conn.sock.recv(1024)
        except BlockingIOError:
            return
        except OSError:
            data = b''
        if not data:
            self.leave(conn)
            self.close(conn)
        elif not conn.finished:
            self.received(conn, data)

    def received(self, conn, data):
        if not self.chat:
            self.owe(conn, hello_reply(conn, data, self.args.lines))
        elif conn.name is not None:
            self.said(conn, data)
        elif not self.args.lines:
            self.log_in(conn, data, b'')
        else:
            conn.pending += data
            if b'\n' in conn.pending:
                name, rest = conn.pending.split(b'\n', 1)
                conn.pending = b''
                self.log_in(conn, name, rest)
            elif len(conn.pending) > 256:
                self.log_in(conn, conn.pending, b'')

    def frame(self, message):
        return message + b'\n' if self.args.lines else message

    def log_in(self, conn, raw, rest):
        name = valid_name(raw)
        if name is None or name in self.names:
            answer = b'error: bad name' if name is None else REUSE
            self.owe(conn, self.frame(answer))
            conn.finished = True
            return
        self.names[name], conn.name = conn, name
        self.owe(conn, self.frame(SUCCESS))
        if rest:
            self.said(conn, rest)

    def said(self, conn, data):
        if not self.args.lines:
            return self.message(conn, data)
        conn.pending += data
        while b'\n' in conn.pending and not (conn.closed or conn.finished):
            line, conn.pending = conn.pending.split(b'\n', 1)
            if line:
                self.message(conn, line)
        if len(conn.pending) > MAX_MESSAGE:
            self.leave(conn)
            self.close(conn)

    def message(self, conn, message):
        if message == QUIT:
            self.owe(conn, self.frame(QUIT))
            conn.finished = True
            self.leave(conn)
            return
        stamp = time.ctime().encode('ascii')
        text = b'[%s] %s: %s' % (stamp, conn.name.encode(), message)
        line = self.frame(text)
        for other in [c for c in self.names.values() if c is not conn]:
            if self.args.defect == 'blocking-send' and self.args.lines:
                try:
                    other.sock.setblocking(True)
                    other.sock.sendall(bytes(other.owed) + line)
                    other.owed.clear()
                    other.sock.setblocking(False)
                except OSError:
                    pass
                continue
            self.owe(other, line)
            if len(other.owed) > MAX_BEHIND:
                self.leave(other)
                self.close(other)

    def owe(self, conn, data):
        if not conn.closed:
            conn.owed += data
            self.touched.add(conn)

    def write(self, conn):
        if conn.closed:
            return
        try:
            while conn.owed:
                sent = conn.sock.send(conn.owed)
                del conn.owed[:sent]
        except BlockingIOError:
            pass
        except OSError:
            self.leave(conn)
            return self.close(conn)
        if conn.finished and not conn.owed:
            return self.close(conn)
        events = 0 if conn.finished else selectors.EVENT_READ
        if conn.owed:
            events |= selectors.EVENT_WRITE
        self.selector.modify(conn.sock, events, conn)

    def leave(self, conn):
        if conn.name is not None and self.names.get(conn.name) is conn:
            del self.names[conn.name]

    def close(self, conn):
        if not conn.closed:
            conn.closed = True
            self.selector.unregister(conn.sock)
            conn.sock.close()


def serve_threads(listener, args):
    """thread-per-client: lesson 1's model, one thread per connection."""
    listener.settimeout(TICK)
    while True:
        sock, _ = accept(listener)
        sock.settimeout(None)
        threading.Thread(target=converse, args=(sock, args),
                         daemon=True).start()


def converse(sock, args):
    conn = Conn(sock)
    with sock:
        try:
            sock.sendall(WELCOME + (b'\n' if args.lines else b''))
            while not conn.finished:
                data = sock.recv(1024)
                if not data:
                    return
                sock.sendall(hello_reply(conn, data, args.lines))
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bind', required=True)
    parser.add_argument('--protocol', choices=('hello', 'chat'),
                        default='hello')
    parser.add_argument('--lines', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(':')
    signal.signal(signal.SIGINT, signal.default_int_handler)
    listener = socket.create_server((host, int(port)), backlog=128)
    name, port = listener.getsockname()[:2]
    print(f'listening on {name}:{port}', flush=True)
    try:
        if args.defect == 'thread-per-client' and args.protocol == 'hello':
            serve_threads(listener, args)
        else:
            Server(listener, args).run()
    except KeyboardInterrupt:
        return 0


if __name__ == '__main__':
    sys.exit(main())
