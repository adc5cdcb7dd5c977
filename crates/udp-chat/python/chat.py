"""The UDP chat of lesson 3, ported to Python 3: a menu to send or receive.

Every chat program is client and server at once: it binds its own port, so
others can write to it, and it sends from that same port, so they can write
back. A message is one datagram of UTF-8 text, nothing more (no newline, no
name, no length). Two chats on one machine, A on port 7890 and B on 7891:

    A -> B: hello         (one datagram, from 127.0.0.1:7890 to port 7891)

What A's user does, and what B's user sees after choosing "2":

    A:  choose: 1
        message: hello
        peer ip: 127.0.0.1
        peer port: 7891
    B:  choose: 2
        >>>('127.0.0.1', 7890):hello

The ">>>" line shows the sender's address as Python writes the tuple that
recvfrom() returns, as the original does. The Rust chat (udp-chat chat)
speaks the same bytes, so it can talk to this one in either direction.

The lines marked "original's defect" keep the tutorial's mistakes on purpose,
so the lesson can set them beside the Rust port, which fixes them. The worst
is the menu itself: while "2" waits for a message, nothing else can happen,
and a message sent while nobody chose "2" waits in the system's buffer.

Prompts and messages go to stdout. When stdin is not a terminal (a pipe or a
file), what each prompt read is printed after it, as a terminal would echo
it, so every line of the output ends in a newline. At the end of the input
the program ends (exit 0), and so does Ctrl-C.

Try it, from the repository root, in two terminals:

    python3 crates/udp-chat/python/chat.py --bind 127.0.0.1:7890
    python3 crates/udp-chat/python/chat.py --bind 127.0.0.1:7891

Choose 2 in one, then 1 in the other and send to the first one's port.
The first line each prints is "listening on IP:PORT"; with --bind
127.0.0.1:0 the system picks a free port and that line tells you which one.
"""

import argparse
import errno
import signal
import socket
import sys

# The original binds ("localhost", 7890); we bind the address directly, so
# that "localhost" cannot turn out to mean ::1.
DEFAULT_ADDRESS = '127.0.0.1:7890'
RULE = '=' * 30


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:7890", "[::1]:7890", "localhost:0")."""
    host, _, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]  # an IPv6 address comes in brackets
    elif ':' in host:
        host = ''  # an IPv6 address without brackets is ambiguous
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not HOST:PORT; write e.g. 127.0.0.1:7890 or [::1]:7890')
    return host, int(port)


def show(addr):
    """Formats an address tuple from the socket module as "ip:port"."""
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def say(text=''):
    """One line to stdout, at once: whoever reads it (a person, a test)
    should not wait for a buffer to fill."""
    print(text, flush=True)


def bind_failure(addr, err):
    """Turns a failed bind() into one sentence that says what to do."""
    if err.errno == errno.EADDRINUSE:
        return (f'{show(addr)} is already in use (another chat?); '
                'pass --bind with another port')
    if err.errno == errno.EACCES and addr[1] < 1024:
        return (f'no permission to bind {show(addr)}: ports below 1024 need '
                'the administrator; pass --bind with a port of 1024 or above')
    if err.errno == errno.EADDRNOTAVAIL:
        return (f'cannot bind {show(addr)}: that IP address is not one of this '
                "machine's; use 127.0.0.1 or 0.0.0.0 in --bind")
    return f'cannot bind {show(addr)}: {err.strerror}'


def open_socket(host, port):
    """socket() and bind(): the port others send to, and we send from."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'pass --bind with an IP address, e.g. 127.0.0.1:7890')
    failure = f'no address for {host!r}'
    for family, kind, proto, _, addr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            # No SO_REUSEADDR: on Linux it would let a second chat bind the
            # same port without a word, and take the first one's messages.
            sock.bind(addr)
            return sock
        except OSError as err:
            sock.close()
            failure = bind_failure(addr, err)
    sys.exit(f'error: {failure}')  # sys.exit(text): text to stderr, exit 1


def ask(prompt):
    """input(), but every line of output ends in a newline, even when
    stdin is a pipe and nothing echoes what was typed."""
    try:
        answer = input(prompt)  # writes the prompt and flushes stdout
    except (EOFError, KeyboardInterrupt):
        say()  # end the prompt's line before we go
        raise
    if not sys.stdin.isatty():
        say(answer)  # a terminal shows what was typed; a pipe does not
    return answer


def read_port(text):
    """The port typed at the prompt, or None if it is not one."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    port = int(text)
    return port if 0 < port <= 65535 else None


# ANCHOR: send_message
def send_message(sock):
    """Asks for a message and where to send it, then sends one datagram."""
    message = ask('message: ')
    ip = ask('peer ip: ').strip()
    # original's defect: int() raises ValueError on anything that is not a
    # number ("", "78go"), which ends the whole program with a traceback.
    port = read_port(ask('peer port: '))
    if port is None:
        say('wrong port, try again')
        return
    try:
        # One sendto(), one datagram: it arrives whole or not at all, and
        # nobody tells us which. UDP has no acknowledgement.
        sock.sendto(message.encode('utf-8'), (ip, port))
    except OSError as err:  # a bad address, a message too long for one datagram
        say(f'could not send to {show((ip, port))}: {err.strerror or err}; try again')
# ANCHOR_END: send_message


# ANCHOR: receive_message
def receive_message(sock):
    """Waits for one datagram and shows who sent it and what it says."""
    try:
        # original's defect: recvfrom() blocks the whole program until
        # something arrives; the menu cannot come back, nor can we send,
        # and if no one writes, only Ctrl-C ends the wait. (The Rust chat
        # receives in a thread of its own and shows messages as they come.)
        # original's defect: the 1024-byte buffer cuts a longer datagram to
        # its first 1024 bytes and silently drops the rest.
        data, addr = sock.recvfrom(1024)
    except OSError as err:  # Windows: an earlier message could not be delivered
        say(f'could not receive: {err.strerror or err}')
        return
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        # original's defect: decode('utf-8') raises on bytes that are not
        # UTF-8 (or on a character the 1024-byte cut split in two), and the
        # original ends with a traceback. A small deviation: we show how
        # many bytes came instead and carry on, so that tests can send such
        # a datagram and still talk to this program afterwards.
        text = f'<{len(data)} bytes that are not UTF-8>'
    say('>>>%s:%s' % (str(addr), text))
# ANCHOR_END: receive_message


# ANCHOR: chat
def chat(sock):
    """The menu, again and again, until the input ends."""
    while True:
        say(RULE)
        say('1: send a message')
        say('2: receive a message')
        say(RULE)
        choice = ask('choose: ').strip()
        if choice == '1':
            send_message(sock)
        elif choice == '2':
            receive_message(sock)
        else:
            say('wrong choice, try again')
# ANCHOR_END: chat


def main():
    parser = argparse.ArgumentParser(
        description='The UDP chat (lesson 3): a menu to send a message or '
                    'receive one.')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'the port others send to (default {DEFAULT_ADDRESS}; '
                             'port 0 picks a free port)')
    # The Rust chat's --peer, so that one command line starts either
    # program (the checker's does). The menu asks for the peer's address
    # with every message, as the original does, so this one is not used,
    # exactly like the Rust chat's --peer with --menu.
    parser.add_argument('--peer', metavar='HOST:PORT', type=host_port,
                        help='accepted for the Rust chat\'s command line; '
                             'the menu asks for the peer with each message')
    args = parser.parse_args()

    # Ctrl-C raises KeyboardInterrupt. Make SIGTERM (plain `kill PID`) do the
    # same, and set SIGINT explicitly too: a shell starting us in the
    # background (`cmd &`) may have told us to ignore it. The exception
    # interrupts input() and a recvfrom() that is waiting.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    # Bytes typed (or piped) that are not valid text become U+FFFD instead
    # of an exception, and so do characters this terminal cannot show.
    sys.stdin.reconfigure(errors='replace')
    sys.stdout.reconfigure(errors='replace')

    sock = open_socket(*args.bind)
    with sock:  # closes the socket however we leave
        try:
            say(f'listening on {show(sock.getsockname())}')
            chat(sock)
        except (EOFError, KeyboardInterrupt):  # end of input, Ctrl-C, SIGTERM
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
