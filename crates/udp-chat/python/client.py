"""The client for the "Hello, X!" UDP server of lesson 3, in Python 3.

It sends the numbers 0, 1, 2, ... as text, one datagram each, and prints
each answer as it comes. With --count 3 it prints:

    Hello, 0!
    Hello, 1!
    Hello, 2!

On the wire (C is this client, S the server; each line is one datagram,
nothing ends in a newline):

    C: 0
    S: Hello, 0!
    C: 1
    S: Hello, 1!
    ...

There is no connect(), no greeting, no goodbye: each sendto() names the
server's address, and the server answers whoever wrote to it. It works with
server.py and with the Rust server alike.

The line marked "original's defect" keeps the tutorial's mistake on purpose:
with no server listening, or with one datagram lost on the way, this client
waits forever (stop it with Ctrl-C). The Rust client waits a little, asks
again, and in the end says what was lost.

Try it, from the repository root, with the server running in another terminal:

    python3 crates/udp-chat/python/server.py
    python3 crates/udp-chat/python/client.py
    python3 crates/udp-chat/python/client.py --count 5
    python3 crates/udp-chat/python/client.py --connect [::1]:9999

(the last one needs a server listening there: server.py --bind [::1]:9999)
"""

import argparse
import signal
import socket
import sys

DEFAULT_ADDRESS = '127.0.0.1:9999'
DEFAULT_COUNT = 100  # the original sends range(100)


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:9999", "[::1]:9999", "localhost:9999")."""
    host, _, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]  # an IPv6 address comes in brackets
    elif ':' in host:
        host = ''  # an IPv6 address without brackets is ambiguous
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not HOST:PORT; write e.g. 127.0.0.1:9999 or [::1]:9999')
    return host, int(port)


def count(text):
    """Parses --count: a whole number, 0 or more."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number of 0 or more')
    return int(text)


def show(addr):
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def resolve(host, port):
    """The address to send to, and the family of socket that can reach it.

    The original passes ('127.0.0.1', 9999) to every sendto(), which looks a
    host name up again each time. We look it up once. With no connection to
    try, nothing tells us which of several addresses works ("localhost" may
    mean ::1 and 127.0.0.1): we take the first.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'check the host in --connect')
    family, kind, proto, _, addr = addresses[0]
    return family, kind, proto, addr


# ANCHOR: talk
def talk(sock, server, count):
    """The tutorial's loop: send a number, print the answer, next."""
    for number in range(count):
        sock.sendto(str(number).encode('utf-8'), server)
        # original's defect: if a datagram is lost, recv() waits forever.
        # UDP does not resend anything: a request or an answer that goes
        # missing (or a server that is not there) leaves us here for good.
        # original's defect: recv() takes the next datagram from anyone as
        # the answer; it does not check that it comes from the server, or
        # that it answers this number and not an earlier one.
        reply = sock.recv(1024)
        try:
            text = reply.decode('utf-8')
        except UnicodeDecodeError:
            # The original dies here with a traceback.
            sys.exit(f'error: the answer to {number} is not UTF-8 text: {reply[:60]!r}; '
                     'is that a "Hello, X!" server?')
        print(text, flush=True)
# ANCHOR_END: talk


def main():
    parser = argparse.ArgumentParser(
        description='Client for the "Hello, X!" UDP server (lesson 3): '
                    'sends 0, 1, 2, ... and prints each answer.')
    parser.add_argument('--connect', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'the server to send to (default {DEFAULT_ADDRESS})')
    parser.add_argument('--count', metavar='N', type=count, default=DEFAULT_COUNT,
                        help=f'how many numbers to send (default {DEFAULT_COUNT})')
    args = parser.parse_args()

    # With no answer coming, Ctrl-C is the only way out (see above). Set
    # SIGINT explicitly: a shell starting us in the background (`cmd &`)
    # may have told us to ignore it.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    family, kind, proto, server = resolve(*args.connect)
    # SOCK_DGRAM: a UDP socket. The system gives it a free port of its own
    # at the first sendto(); that is the address the server answers.
    with socket.socket(family, kind, proto) as sock:
        try:
            talk(sock, server, args.count)
        except OSError as err:  # e.g. no route to the server's address
            sys.exit(f'error: could not talk to {show(args.connect)}: '
                     f'{err.strerror or err}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
