#!/usr/bin/env python3
"""Lesson 7 in Python: hello-echo's protocol served from one thread.

The tutorials end by naming select() as the way for one thread to serve
many sockets, and never show it. This is that server, written by us with
the selectors module (which picks epoll, kqueue or poll for the machine):
every socket is non-blocking, the selector says which ones are ready, and
each client's place in the conversation lives in a Client object instead
of a thread's stack.

The protocol is lesson 1's: "Welcome!" on connect, "Hello, X!" for each
message X, and "exit" to leave; with --lines every message ends in b'\\n'.

selectors is level-triggered: a socket that is still readable is reported
again at the next select(). So this server asks only for what it can use
now (EVENT_WRITE only while something is owed, EVENT_READ only while it
wants input), where the Rust server, edge-triggered, reads and writes
until the kernel says "would block".

Try it:

    python3 crates/select-server/python/server.py --bind 127.0.0.1:9999
    cargo run -q -p hello-echo -- client --connect 127.0.0.1:9999

The server prints "listening on IP:PORT" on stdout once it is ready, logs
connections on stderr, and exits 0 on Ctrl-C.
"""

import argparse
import selectors
import signal
import socket
import sys
import time

DEFAULT_ADDRESS = '127.0.0.1:9999'
WELCOME = b'Welcome!'
EXIT = b'exit'
READ_SIZE = 1024  # one recv() is one message in the original protocol
MAX_NAME = 1024 - len(b'Hello, !')  # --lines: the reply must fit a line
MAX_OWED = 64 * 1024  # owed more than this, a client is not read
LINGER = 0.5  # seconds a finished client has to close its side


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:9999", "[::1]:9999", "localhost:0")."""
    host, _, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not HOST:PORT; write e.g. 127.0.0.1:9999 or [::1]:9999')
    return host, int(port)


def show(addr):
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def log(message):
    print(message, file=sys.stderr, flush=True)


# ANCHOR: client
class Client:
    """One client's conversation, with no I/O in it."""

    def __init__(self, sock, addr, lines):
        self.sock, self.addr, self.lines = sock, addr, lines
        self.pending = b''  # --lines: bytes not yet a whole line
        self.owed = bytearray(WELCOME + (b'\n' if lines else b''))
        self.over = False  # exit, end of stream, or a line too long
        self.linger_until = None  # set once all is said

    def received(self, data):
        """What one recv() returned."""
        if not self.lines:
            self.answer(data, b'')
            return
        self.pending += data
        while not self.over and b'\n' in self.pending:
            line, self.pending = self.pending.split(b'\n', 1)
            self.answer(line.removesuffix(b'\r'), b'\n')
        if not self.over and len(self.pending) > MAX_NAME + 1:
            self.refuse()

    def answer(self, message, end):
        if len(message) > MAX_NAME and self.lines:
            self.refuse()
        elif message == EXIT:
            self.over = True
        else:
            self.owed += b'Hello, ' + message + b'!' + end

    def refuse(self):
        self.owed += f'error: line longer than {MAX_NAME} bytes\n'.encode()
        self.over = True

    def wants_input(self):
        return not self.over and len(self.owed) < MAX_OWED

    def finished(self):
        return self.over and not self.owed
# ANCHOR_END: client


# ANCHOR: interest
def interest(client):
    """What to ask select() about: only what this client can use now."""
    if client.linger_until is not None:
        return selectors.EVENT_READ  # waiting for its end of stream
    events = 0
    if client.wants_input():
        events |= selectors.EVENT_READ
    if client.owed:
        events |= selectors.EVENT_WRITE
    return events
# ANCHOR_END: interest


# ANCHOR: serve
def serve(listener, lines):
    selector = selectors.DefaultSelector()
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)
    clients = {}
    try:
        while True:
            deadlines = [c.linger_until for c in clients.values()
                         if c.linger_until is not None]
            timeout = max(0, min(deadlines) - time.monotonic()) if deadlines else None
            for key, mask in selector.select(timeout):
                if key.fileobj is listener:
                    accept_all(listener, selector, clients, lines)
                else:
                    client = clients[key.fileobj]
                    if not step(client, mask):
                        close(selector, clients, client)
                    else:
                        update(selector, clients, client)
            now = time.monotonic()
            for client in [c for c in clients.values()
                           if c.linger_until is not None and c.linger_until <= now]:
                close(selector, clients, client)
    except KeyboardInterrupt:
        log('Stopping.')
    finally:
        for client in list(clients.values()):
            close(selector, clients, client)
        selector.close()
# ANCHOR_END: serve


def accept_all(listener, selector, clients, lines):
    """Accepts every connection waiting: one event may stand for many."""
    while True:
        try:
            sock, addr = listener.accept()
        except BlockingIOError:
            return
        except OSError as err:  # e.g. out of file descriptors (EMFILE)
            log(f'accept failed: {err}')
            return
        sock.setblocking(False)
        client = Client(sock, addr, lines)
        clients[sock] = client
        selector.register(sock, interest(client))
        log(f'{show(addr)}: connected')


# ANCHOR: step
def step(client, mask):
    """One ready event's worth of work; False once the socket should close."""
    try:
        if client.linger_until is not None:
            return bool(client.sock.recv(4096))  # b'': it closed its side
        if mask & selectors.EVENT_READ:
            data = client.sock.recv(READ_SIZE)
            if data:
                client.received(data)
            else:
                client.over = True  # recv() of b'': the client closed
        if client.owed:
            # send() may take fewer bytes than it was given; the rest
            # stays owed until the socket is writable again.
            sent = client.sock.send(client.owed)
            del client.owed[:sent]
    except BlockingIOError:
        pass
    except OSError:
        return False  # a reset, a broken pipe: nothing more to say
    if client.finished() and client.linger_until is None:
        # All said: our FIN, then a moment for the client's, so that
        # closing with its bytes unread does not send a reset.
        client.sock.shutdown(socket.SHUT_WR)
        client.linger_until = time.monotonic() + LINGER
    return True
# ANCHOR_END: step


def update(selector, clients, client):
    # Never empty: a client that owes nothing and wants nothing is
    # lingering, waiting to read its end of stream.
    selector.modify(client.sock, interest(client))


def close(selector, clients, client):
    selector.unregister(client.sock)
    client.sock.close()
    del clients[client.sock]
    log(f'{show(client.addr)}: closed')


def main():
    parser = argparse.ArgumentParser(
        description='hello-echo from one thread, with selectors (lesson 7).')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'where to listen (default {DEFAULT_ADDRESS})')
    parser.add_argument('--lines', action='store_true',
                        help='newline-terminated messages (the client needs --lines too)')
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    family = socket.AF_INET6 if ':' in args.bind[0] else socket.AF_INET
    try:
        # create_server: socket(), SO_REUSEADDR, bind(), listen().
        listener = socket.create_server(args.bind, family=family)
    except OSError as err:
        print(f'error: cannot listen on {show(args.bind)}: {err.strerror}; '
              'pass --bind with another address', file=sys.stderr)
        return 1
    with listener:
        print(f'listening on {show(listener.getsockname())}', flush=True)
        serve(listener, args.lines)
    return 0


if __name__ == '__main__':
    sys.exit(main())
