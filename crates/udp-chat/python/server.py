"""The "Hello, X!" UDP server of lesson 3, ported to Python 3.

There is no connection. Each datagram that arrives is one message, and the
server answers it with one datagram, sent back to the address it came from.
A sample exchange (C is a client, S the server; each line is one datagram,
and nothing ends in a newline):

    C: 0
    S: Hello, 0!
    C: 1
    S: Hello, 1!

Any bytes at all are a message: an empty datagram gets "Hello, !", and
bytes that are not text come back between "Hello, " and "!" unchanged. It
speaks the same bytes as the tutorial it comes from, so any pairing works:
this server with the Rust client, the Rust server with client.py, and so on.

The line marked "original's defect" keeps the tutorial's mistake on purpose,
so the lesson can set it beside the Rust port, which fixes it.

Try it, from the repository root, in two terminals:

    python3 crates/udp-chat/python/server.py
    python3 crates/udp-chat/python/client.py --count 3

The server prints "listening on IP:PORT" on stdout once it is ready; with
--bind 127.0.0.1:0 the system picks a free port and that line tells you which
one. Everything else it says goes to stderr. Stop it with Ctrl-C.
"""

import argparse
import errno
import signal
import socket
import sys

DEFAULT_ADDRESS = '127.0.0.1:9999'

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
    return f'cannot bind {show(addr)}: {err.strerror}'


# ANCHOR: open_socket
def open_socket(host, port):
    """The two steps of a UDP server: socket() and bind(). No listen(), no
    accept(): datagrams from every client arrive on this one socket.

    getaddrinfo() turns the host into addresses, IPv4 or IPv6 (a name like
    "localhost" may give both); we take the first one that binds.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'pass --bind with an IP address, e.g. 127.0.0.1:9999')
    failure = f'no address for {host!r}'
    for family, kind, proto, _, addr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            # No SO_REUSEADDR here, unlike the TCP servers: UDP has no
            # TIME_WAIT to wait out, and on Linux the option would let a
            # second server bind the same port without a word, and take
            # the datagrams meant for the first.
            sock.bind(addr)
            return sock
        except OSError as err:
            sock.close()
            failure = bind_failure(addr, err)
    sys.exit(f'error: {failure}')  # sys.exit(text): text to stderr, exit 1
# ANCHOR_END: open_socket


# ANCHOR: serve
def serve(sock):
    """Answers every datagram, to the address it came from."""
    while True:
        try:
            # recvfrom() waits for the next datagram and returns it with
            # its sender's address: that address is the only way to answer.
            # original's defect: a datagram longer than 1024 bytes is cut to
            # 1024 and the rest silently dropped; nothing tells us it was
            # longer. (The Rust port receives the whole datagram, so it
            # can tell.)
            data, addr = sock.recvfrom(1024)
        except TimeoutError:  # TICK passed: back to the loop, for Ctrl-C
            continue
        except ConnectionResetError:
            # Windows reports here that an earlier answer could not be
            # delivered (the client had gone); the original would crash.
            # There is no one to tell, so wait for the next datagram.
            continue
        log(f'Received from {show(addr)}.')
        try:
            # The % operator works on bytes too: the datagram goes back
            # as it came, with no decoding that could fail.
            # One sendto() sends one datagram, whole or not at all.
            sock.sendto(b'Hello, %s!' % data, addr)
        except OSError as err:
            log(f'Could not answer {show(addr)}: {err.strerror or err}')
# ANCHOR_END: serve


def main():
    parser = argparse.ArgumentParser(
        description='The "Hello, X!" UDP server (lesson 3): answers each datagram.')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'where to receive (default {DEFAULT_ADDRESS}; '
                             'port 0 picks a free port)')
    args = parser.parse_args()

    # Ctrl-C raises KeyboardInterrupt. Make SIGTERM (plain `kill PID`) do the
    # same, and set SIGINT explicitly too: a shell starting us in the
    # background (`cmd &`) may have told us to ignore it. The exception
    # interrupts a recvfrom() that is waiting, or comes within TICK.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    sock = open_socket(*args.bind)
    sock.settimeout(TICK)
    with sock:  # closes the socket however we leave
        try:
            print(f'listening on {show(sock.getsockname())}', flush=True)
            serve(sock)
        except KeyboardInterrupt:
            log('Stopping.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
