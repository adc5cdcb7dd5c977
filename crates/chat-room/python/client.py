"""The chat room of lesson 5 (exercise 16-9), ported to Python 3: the client.

It logs in with the name given by -u, then does two things at once, in two
threads, as the original does: it sends every line you type (or every line
of its stdin), and it prints every message the server sends. The protocol
(C is this client, S the server; nothing ends in a newline, and each line
is one send()):

    C: alice                          (the name, first)
    S: success                        (or "reuse": taken; the server closes)
    C: hello                          (everyone else gets "[time] alice: hello")
    S: [Sun Nov 22 09:15:03 2026] bob: hi alice
    C: quit
    S: quit                           (and the server closes)

Each message received is printed as one line on stdout; "logged in as NAME"
and any error go to stderr. At the end of the input (Ctrl-D, or the end of
a pipe) the client leaves for you: with --lines it sends "quit"; without,
it ends its half of the stream, which the server takes as a leave. It
leaves when the server answers "quit" or closes the connection, and exits
0; connection errors print one "error: ..." line and exit 1.

The original's protocol has no message boundaries: each recv() is printed
as one message, whatever TCP delivered in between, and two messages sent in
quick succession can reach the server as one ("hi" + "quit" = "hiquit").
That is the default, byte for byte, so that this client can join the
original's server. With --lines (the server needs --lines too) the name,
every message and every answer end with "\\n", so nothing can merge, and
what the others say is shown with its control characters escaped.

Try it, from the repository root, with the server running in another
terminal (python3 crates/chat-room/python/server.py, or the Rust one:
cargo run -p chat-room -- server):

    python3 crates/chat-room/python/client.py -u alice
    python3 crates/chat-room/python/client.py -u bob
    (echo hi; sleep 1) | python3 crates/chat-room/python/client.py -u carol
"""

import argparse
import os
import socket
import sys
import threading

DEFAULT_ADDRESS = '127.0.0.1:21567'

# The original's recv size: the most one message (one recv()) can hold.
BUFSIZE = 1024

# How long connect(), and then the server's answer to our name, may take.
CONNECT_TIMEOUT = 5

# The server's answers, as the original spells them.
SUCCESS = b'success'
REUSE = b'reuse'
QUIT = b'quit'

# With --lines, the longest line we take from the server: a message of
# BUFSIZE bytes, plus the "[time] name: " before it.
MAX_LINE = BUFSIZE + 256


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
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def log(message):
    print(message, file=sys.stderr, flush=True)


def strip_newline(data):
    """Drops one "\\n" at the end of data, and a "\\r" just before it."""
    if data.endswith(b'\n'):
        data = data[:-1]
        if data.endswith(b'\r'):
            data = data[:-1]
    return data


def printable(data):
    """Bytes from the server as text that is safe to print: control
    characters (ESC, which could clear or retitle the terminal, CR, NUL)
    shown escaped, bytes that are not UTF-8 as U+FFFD. The Rust port's
    netkit::text::printable does the same."""
    text = data.decode('utf-8', errors='replace')
    return ''.join(c if c.isprintable() or c == '\t' else repr(c)[1:-1]
                   for c in text)


class Connection:
    """The socket, read and written in the framing both ends agreed on.

    Without --lines, the original's: one recv() is one message, and what
    we send goes out as it is. With --lines, a message is a line, and the
    reader keeps what follows a newline for the next call.
    """

    def __init__(self, sock, lines):
        self.sock = sock
        self.lines = lines
        self._reader = sock.makefile('rb') if lines else None

    def receive(self):
        """The next message; None once the server has closed."""
        if not self.lines:
            return self.sock.recv(BUFSIZE) or None  # b'': the server closed
        line = self._reader.readline(MAX_LINE + 1)
        if not line.endswith(b'\n'):
            if len(line) > MAX_LINE:
                raise Failure(f'the server sent a line over {MAX_LINE} bytes')
            return None  # the end, perhaps in the middle of a line
        return strip_newline(line)

    def send(self, message):
        # original's defect: send() may send only part of the bytes.
        self.sock.sendall(message + b'\n' if self.lines else message)


class Failure(Exception):
    """What went wrong, said in one line."""


def connect(host, port):
    """socket() and connect(), for each address the host stands for.

    create_connection() calls getaddrinfo() and tries each address, IPv4 or
    IPv6, until one answers: the original's two steps, for any kind of host.
    The socket keeps CONNECT_TIMEOUT until the login is over.
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
    # Send each message at once, in a segment of its own, instead of holding
    # a small one back until the last is acknowledged (Nagle's algorithm),
    # which would glue quick messages together.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


# ANCHOR: log_in
def log_in(conn, name, shown):
    """Sends the name and reads the answer. Returns what came after
    "success" in the same recv() (usually nothing), or exits."""
    conn.send(name)  # in one send(): the server takes one read as the name
    try:
        answer = conn.receive()
    except TimeoutError:
        other = 'with --lines too' if conn.lines else 'without --lines'
        sys.exit(f'error: the server did not answer within {CONNECT_TIMEOUT} s '
                 f'(is it a chat-room server, running {other}?)')
    conn.sock.settimeout(None)  # from now on, wait as long as the chat lasts
    if answer is None:
        # The server closed without a word (server.py does that when the
        # name is empty).
        sys.exit('error: the server closed the connection without answering '
                 'the name')
    if answer.startswith(SUCCESS) and (answer == SUCCESS or not conn.lines):
        # TCP keeps no boundaries: without --lines, a first message may
        # have come in the same recv(), glued on. It is the caller's.
        return answer[len(SUCCESS):]
    if answer == REUSE:
        # original's defect: it said so, then waited for Enter before exiting.
        sys.exit(f'error: the name {shown} is taken; pick another with -u')
    # e.g. the Rust server's "error: ..." for a name it does not accept.
    # What a server sends is shown escaped, here as in every message.
    why = printable(answer.removeprefix(b'error: '))
    sys.exit(f'error: the server refused the name: {why}')
# ANCHOR_END: log_in


def read_lines():
    """Yields the lines of stdin as bytes, without their newline.

    We read stdin's file descriptor without Python's buffered reader: the
    sending thread is a daemon, still waiting here when the program ends,
    and a daemon thread holding the buffered reader's lock makes Python
    abort at exit ("could not acquire lock ... at interpreter shutdown").
    Bytes also go through as they are, whatever their encoding.
    """
    stdin = open(sys.stdin.fileno(), 'rb', buffering=0, closefd=False)
    while True:
        line = stdin.readline()
        if not line:
            return  # the end of the input: Ctrl-D, or the end of a pipe
        yield strip_newline(line)


# ANCHOR: send_lines
def send_lines(conn, interactive, said_quit):
    """The sending thread: every line of stdin, one send() each, until
    "quit" or the end of the input."""
    try:
        if interactive:
            prompt()
        typed_quit = False
        for line in read_lines():
            if line == QUIT:
                typed_quit = True
                break
            if line:  # send(b'') would send nothing at all
                conn.send(line)
            if interactive:
                prompt()
        said_quit.set()
        # With lines, "quit" is always a message of its own. Without, it
        # could merge with the message just before it ("hiquit"), so it is
        # sent only when typed, as the original does. original's defect: at
        # the end of the input raw_input() raised EOFError, which ended the
        # sending thread with a traceback, and the server never knew.
        if typed_quit or conn.lines:
            conn.send(QUIT)
        if not conn.lines:
            # End our half of the stream (FIN), which cannot merge with
            # anything: the server reads the end and lets us go.
            conn.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the connection is gone: the receiving side says why
# ANCHOR_END: send_lines


def prompt():
    sys.stdout.write('> ')
    sys.stdout.flush()


# ANCHOR: receive
def receive(conn, first, interactive, said_quit):
    """Prints what the server sends until it says "quit" or closes."""
    message = first
    while True:
        if message:
            if message == QUIT:
                # The answer to our "quit"; the server closes next. (The Rust
                # server also says it, unasked, when it stops.)
                if not said_quit.is_set():
                    log('the server ended the chat')
                return
            if conn.lines:
                text = printable(message)
            else:
                # original's defect, kept in its framing: the bytes go to
                # the terminal as they are, escape sequences and all.
                text = message.decode('utf-8', errors='replace')
            if interactive:
                # Back to the start of the line, over the prompt, then the
                # prompt again below the message.
                sys.stdout.write('\r' + text + '\n> ')
                sys.stdout.flush()
            else:
                print(text, flush=True)
        # Without --lines, whatever has arrived, up to BUFSIZE bytes, is
        # taken as one message.
        message = conn.receive()
        if message is None:
            if not said_quit.is_set():
                log('the server closed the connection')
            return
# ANCHOR_END: receive


def main():
    parser = argparse.ArgumentParser(
        description='Client for the chat room (lesson 5): sends each line of '
                    'stdin, prints what the others say.')
    parser.add_argument('-u', '--username', metavar='NAME', required=True,
                        help='the name to log in with (one nobody is using)')
    parser.add_argument('--connect', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'the server to talk to (default {DEFAULT_ADDRESS})')
    parser.add_argument('--lines', action='store_true',
                        help='end the name and every message with a newline '
                             "(the server needs --lines too); without it, "
                             "the original's bytes")
    args = parser.parse_args()
    # original's defect: its option parsing was commented out, and every
    # client logged in as "join", so a second one was always refused.
    if not args.username:
        parser.error('the name cannot be empty')
    if args.lines and '\n' in args.username:
        parser.error('with --lines the name cannot contain a newline')
    # The bytes of the name as they were on the command line, whatever
    # their encoding.
    name = os.fsencode(args.username)
    shown = name.decode('utf-8', errors='replace')  # for our own messages

    # A person at a terminal gets a prompt, redrawn under every message.
    # Otherwise (a pipe, a test) stdout holds the messages and nothing else.
    interactive = sys.stdin.isatty() and sys.stdout.isatty()

    sock = connect(*args.connect)
    conn = Connection(sock, args.lines)
    with sock:
        try:
            first = log_in(conn, name, shown)
            log(f'logged in as {shown}')
            # The sending thread is a daemon: when the server ends the chat,
            # the program ends, even if that thread still waits for input.
            said_quit = threading.Event()
            threading.Thread(target=send_lines,
                             args=(conn, interactive, said_quit),
                             daemon=True).start()
            receive(conn, first, interactive, said_quit)
        except OSError as err:  # e.g. the connection was reset
            sys.exit(f'error: lost the connection to {show(args.connect)}: '
                     f'{err.strerror or err}')
        except Failure as err:
            sys.exit(f'error: {err}')
    if interactive:
        print()  # end the prompt's line
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
