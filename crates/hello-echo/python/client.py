"""The client for the "Welcome!" / "Hello, X!" server of lesson 1, in Python 3.

It connects, prints the greeting, sends each name, prints each answer, then
says "exit" so the server closes the connection. It works with server.py and
with the Rust server alike. With the default names it prints:

    Welcome!
    Hello, Michael!
    Hello, Tracy!
    Hello, Sarah!

On the wire (C is this client, S the server; nothing ends in a newline):

    S: Welcome!
    C: Michael
    S: Hello, Michael!
    ...
    C: exit

With --lines every message ends in "\\n" instead; what the client prints
stays exactly the same. Both ends need --lines: with only one, each side
waits for something the other never sends.

Try it, from the repository root, with the server running in another terminal:

    python3 crates/hello-echo/python/server.py
    python3 crates/hello-echo/python/client.py
    python3 crates/hello-echo/python/client.py Ada Linus
    python3 crates/hello-echo/python/client.py --connect [::1]:9999

(the last one needs a server listening there: server.py --bind [::1]:9999)
"""

import argparse
import socket
import sys

DEFAULT_ADDRESS = '127.0.0.1:9999'
DEFAULT_NAMES = ['Michael', 'Tracy', 'Sarah']

# --lines: a line is at most 1024 bytes either way (the Rust port's
# MAX_LINE_LEN), so a name is at most 1016: its answer, "Hello, <name>!",
# is 8 bytes longer and must fit in a line too (MAX_LINE_NAME).
MAX_LINE = 1024
MAX_NAME = MAX_LINE - len(b'Hello, !')

# How long connect() waits for the server to answer at all.
CONNECT_TIMEOUT = 5


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


def show(addr):
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def connect(host, port):
    """socket() and connect(), for each address the host stands for.

    create_connection() calls getaddrinfo() and tries each address, IPv4 or
    IPv6, until one answers: the tutorial's two steps, for any kind of host.
    """
    where = show((host, port))
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except ConnectionRefusedError:
        sys.exit(f'error: could not connect to {where}: connection refused; '
                 'start the server first')
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'check the host in --connect')
    except TimeoutError:
        sys.exit(f'error: could not connect to {where}: no answer within '
                 f'{CONNECT_TIMEOUT} s; check the address and port')
    except OSError as err:
        sys.exit(f'error: could not connect to {where}: {err.strerror or err}')
    sock.settimeout(None)  # connected: from now on wait as long as the server takes
    return sock


# ANCHOR: talk_original
def talk_original(sock, names):
    """The tutorial's conversation: one recv() per answer."""
    # original's defect: recv(1024) returns what has arrived so far, which
    # may be part of an answer or two answers at once; it is printed as one.
    # original's defect: decode() raises on bytes that are not UTF-8.
    print(sock.recv(1024).decode('utf-8'))
    for name in names:
        # original's defect: send() may send only part of the bytes and
        # nobody checks how many it sent; sendall() would send them all.
        sock.send(name.encode('utf-8'))
        print(sock.recv(1024).decode('utf-8'))
    sock.send(b'exit')
# ANCHOR_END: talk_original


def printable(data):
    """Bytes from the server as text safe to print: control characters
    (an escape sequence could clear or retitle the terminal) come out
    escaped, and bytes that are not UTF-8 as U+FFFD."""
    text = data.decode('utf-8', errors='replace')
    return ''.join(c if c.isprintable() or c == '\t' else repr(c)[1:-1]
                   for c in text)


# ANCHOR: talk_lines
def talk_lines(sock, names):
    """The next step: each message is one line, read with readline()."""
    with sock.makefile('rb') as replies:

        def print_reply():
            line = replies.readline()
            if not line.endswith(b'\n'):
                sys.exit('error: the server closed the connection before answering')
            line = line[:-1]
            if line.endswith(b'\r'):
                line = line[:-1]
            print(printable(line))

        print_reply()
        for name in names:
            sock.sendall(name.encode('utf-8') + b'\n')
            print_reply()
        sock.sendall(b'exit\n')
# ANCHOR_END: talk_lines


def main():
    parser = argparse.ArgumentParser(
        description='Client for the "Welcome!" / "Hello, X!" server (lesson 1).')
    parser.add_argument('--connect', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'the server to talk to (default {DEFAULT_ADDRESS})')
    parser.add_argument('--lines', action='store_true',
                        help='newline-terminated messages (the server needs --lines too)')
    parser.add_argument('names', nargs='*', metavar='NAME',
                        help='names to send (default: %s)' % ' '.join(DEFAULT_NAMES))
    args = parser.parse_args()
    names = args.names or DEFAULT_NAMES
    if args.lines and any('\n' in name for name in names):
        parser.error('with --lines a name cannot contain a newline')
    too_long = [n for n in names if len(n.encode('utf-8')) > MAX_NAME]
    if args.lines and too_long:
        sys.exit(f'error: with --lines a name can be at most {MAX_NAME} bytes '
                 f'(this one is {len(too_long[0].encode("utf-8"))}): its reply, '
                 f'"Hello, <name>!", must fit in a line of {MAX_LINE}')

    sock = connect(*args.connect)
    with sock:
        try:
            if args.lines:
                talk_lines(sock, names)
            else:
                talk_original(sock, names)
        except OSError as err:  # e.g. the server was stopped half-way
            sys.exit(f'error: lost the connection to {show(args.connect)}: '
                     f'{err.strerror or err}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
