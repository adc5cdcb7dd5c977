"""The "Welcome!" / "Hello, X!" TCP server of lesson 1, ported to Python 3.

It speaks the same bytes as the tutorial it comes from, so any pairing works:
this server with the Rust client, the Rust server with client.py, and so on.
A sample session (S is the server, C the client; nothing ends in a newline):

    S: Welcome!
    C: Michael
    S: Hello, Michael!
    C: Tracy
    S: Hello, Tracy!
    C: exit
       (the server closes the connection)

Nothing on the wire says where one message ends and the next begins. The
lines marked "original's defect" keep the tutorial's mistakes on purpose, so
the lesson can set them beside the Rust port, which fixes them.

With --lines, both ends switch to the lesson's next step: every message is
one line ending in a newline, so the reader can find the boundaries.

    S: Welcome!\\n
    C: Michael\\n
    S: Hello, Michael!\\n
    C: exit\\n

Try it, from the repository root, in two terminals:

    python3 crates/hello-echo/python/server.py
    python3 crates/hello-echo/python/client.py

    python3 crates/hello-echo/python/server.py --lines
    python3 crates/hello-echo/python/client.py --lines Ada Linus

The server prints "listening on IP:PORT" on stdout once it is ready; with
--bind 127.0.0.1:0 the system picks a free port and that line tells you which
one. Everything else it says goes to stderr. Stop it with Ctrl-C.
"""

import argparse
import errno
import signal
import socket
import sys
import threading
import time

# The tutorial's server binds 8888 while its client dials 9999; we pick 9999
# for both ends.
DEFAULT_ADDRESS = '127.0.0.1:9999'

# --lines: the longest line either end sends (the Rust port's MAX_LINE_LEN),
# and so the longest name we wait for: its answer, "Hello, <name>!", is 8
# bytes longer and must fit in a line too (MAX_LINE_NAME). A longer line
# ends the conversation instead of filling our memory.
MAX_LINE = 1024
MAX_NAME = MAX_LINE - len(b'Hello, !')

# How long a blocked accept() or recvfrom() waits before looking again.
# Python raises KeyboardInterrupt between two of its instructions, so a
# Ctrl-C that lands just before the call starts to block would wait there
# for the next client; a timeout on the socket bounds that wait.
TICK = 0.5


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:9999", "[::1]:9999", "localhost:0")."""
    host, _, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]  # an IPv6 address comes in brackets
    elif ':' in host:
        host = ''  # an IPv6 address without brackets is ambiguous
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not HOST:PORT; write e.g. 127.0.0.1:9999 or [::1]:9999')
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


# ANCHOR: open_listener
def open_listener(host, port):
    """The steps of a TCP server: socket(), SO_REUSEADDR, bind(), listen().

    getaddrinfo() turns the host into addresses, IPv4 or IPv6 (a name like
    "localhost" may give both); we take the first one that binds.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'pass --bind with an IP address, e.g. 127.0.0.1:9999')
    failure = f'no address for {host!r}'
    for family, kind, proto, _, addr in addresses:
        listener = socket.socket(family, kind, proto)
        try:
            # Rebind at once after a restart, even while connections of the
            # last run still linger in TIME_WAIT on this port.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(addr)
            listener.listen(128)
            return listener
        except OSError as err:
            listener.close()
            failure = bind_failure(addr, err)
    sys.exit(f'error: {failure}')  # sys.exit(text): text to stderr, exit 1
# ANCHOR_END: open_listener


# ANCHOR: serve_original
def serve_original(sock, delay):
    """The tutorial's conversation, defects and all."""
    # original's defect: send() may write only part of the bytes and returns
    # how many it wrote, which nobody checks; sendall() would finish the job.
    sock.send(b'Welcome!')
    while True:
        # original's defect: recv(1024) returns whatever has arrived, up to
        # 1024 bytes: half a name, or two names run together. It is taken as
        # exactly one message anyway.
        data = sock.recv(1024)
        if delay:
            time.sleep(1)  # as the tutorial does: a slow server, for the threads to hide
        # original's defect: decode() raises UnicodeDecodeError on bytes that
        # are not UTF-8 (or on a character that recv() cut in two), which
        # kills this connection's thread with a traceback.
        if data == b'' or data.decode('utf-8') == 'exit':
            break
        # original's defect: send() again, where sendall() is needed.
        sock.send(f"Hello, {data.decode('utf-8')}!".encode('utf-8'))
# ANCHOR_END: serve_original


# ANCHOR: serve_lines
def serve_lines(sock, delay):
    """The next step: each message is one line, ended by b'\\n'."""
    sock.sendall(b'Welcome!\n')
    # makefile() wraps the socket in a buffered reader: readline() keeps
    # calling recv() until it has a whole line, however the bytes arrived.
    with sock.makefile('rb') as reader:
        while True:
            line = reader.readline(MAX_NAME + 2)  # the name, \r, \n
            if delay:
                time.sleep(1)
            if not line.endswith(b'\n'):
                break  # closed (perhaps in the middle of a line), or too long
            line = line[:-1]
            if line.endswith(b'\r'):
                line = line[:-1]  # telnet and nc -C send "\r\n"
            if len(line) > MAX_NAME:
                break  # a name whose answer would not fit in a line
            if line == b'exit':
                break
            # Bytes in, bytes out: nothing to decode, nothing to go wrong.
            sock.sendall(b'Hello, ' + line + b'!\n')
# ANCHOR_END: serve_lines


# ANCHOR: handle
def handle(sock, addr, args):
    """Serves one client, from greeting to close."""
    log(f'Accept new connection from {show(addr)}...')
    serve = serve_lines if args.lines else serve_original
    with sock:  # closes the socket however serve() ends
        try:
            serve(sock, args.delay)
        except OSError as err:  # e.g. the client reset the connection
            log(f'Connection from {show(addr)}: {err.strerror or err}')
    log(f'Connection from {show(addr)} closed.')
# ANCHOR_END: handle


def accept(listener):
    """listener.accept(), looking for Ctrl-C every TICK seconds."""
    while True:
        try:
            return listener.accept()
        except TimeoutError:
            pass


def main():
    parser = argparse.ArgumentParser(
        description='The "Welcome!" / "Hello, X!" TCP server (lesson 1).')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'where to listen (default {DEFAULT_ADDRESS}; '
                             'port 0 picks a free port)')
    parser.add_argument('--delay', action='store_true',
                        help='sleep one second after each recv(), as the tutorial does')
    parser.add_argument('--once', action='store_true',
                        help='serve one client in the main thread, then exit')
    parser.add_argument('--lines', action='store_true',
                        help='newline-terminated messages (the client needs --lines too)')
    args = parser.parse_args()

    # Ctrl-C raises KeyboardInterrupt. Make SIGTERM (plain `kill PID`) do the
    # same, and set SIGINT explicitly too: a shell starting us in the
    # background (`cmd &`) may have told us to ignore it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    # ANCHOR: accept_loop
    listener = open_listener(*args.bind)
    listener.settimeout(TICK)
    with listener:  # closes the listening socket however we leave
        try:
            print(f'listening on {show(listener.getsockname())}', flush=True)
            if args.once:
                # The single-client server: one accept(), served right here.
                sock, addr = accept(listener)
                handle(sock, addr, args)
            else:
                # One thread per connection, so a slow client does not hold
                # up the others. Daemon threads do not keep the process alive
                # once the main thread is done.
                while True:
                    sock, addr = accept(listener)
                    threading.Thread(target=handle, args=(sock, addr, args),
                                     daemon=True).start()
        except KeyboardInterrupt:
            log('Stopping.')
    # ANCHOR_END: accept_loop
    return 0


if __name__ == '__main__':
    sys.exit(main())
