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
a pipe) the client says "quit" for you. It leaves when the server answers
"quit" or closes the connection, and exits 0; connection errors print one
"error: ..." line and exit 1.

The original's protocol has no message boundaries: each recv() is printed
as one message, whatever TCP delivered in between, and two messages sent in
quick succession can reach the server as one ("hi" + "quit" = "hiquit").
That is kept, so that this client works with the Rust server as with
server.py; the Rust port's own clients end every message with "\\n".

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
import time

DEFAULT_ADDRESS = '127.0.0.1:21567'

# The original's recv size: the most one message (one recv()) can hold.
BUFSIZE = 1024

# How long connect(), and then the server's answer to our name, may take.
# (The Rust server answers a bare name after a short pause: it waits to see
# whether a newline follows, the mark of its own clients.)
CONNECT_TIMEOUT = 5

# The server's answers, as the original spells them.
SUCCESS = b'success'
REUSE = b'reuse'
QUIT = b'quit'

# A pause after each message we send. The server takes one recv() as one
# message, so two messages must not reach it together. A person types far
# slower than this; a pipe does not, and without the pause "hi" and the
# "quit" sent at the end of the input would often arrive as "hiquit". It
# makes that unlikely, not impossible: only framing (a newline at the end
# of each message, as the Rust port does) makes it impossible.
MESSAGE_GAP = 0.05


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


def log_in(sock, name, shown):
    """Sends the name and reads the answer. Returns what came after
    "success" in the same recv() (usually nothing), or exits."""
    sock.sendall(name)  # no newline: the original's bytes
    try:
        answer = sock.recv(BUFSIZE)
    except TimeoutError:
        sys.exit(f'error: the server did not answer within {CONNECT_TIMEOUT} s '
                 '(is it a chat-room server?)')
    sock.settimeout(None)  # from now on, wait as long as the chat lasts
    if not answer:
        # A read of 0 bytes: the server closed without a word (server.py
        # does that when the name is empty).
        sys.exit('error: the server closed the connection without answering '
                 'the name')
    if answer.startswith(SUCCESS):
        # "success", or "success\n" from a server that frames with lines.
        # TCP keeps no boundaries, so a first message may have come in the
        # same recv(): it is the caller's to print.
        rest = answer[len(SUCCESS):]
        return rest[1:] if rest.startswith(b'\n') else rest
    answer = strip_newline(answer)
    if answer == REUSE:
        # original's defect: it said so, then waited for Enter before exiting.
        sys.exit(f'error: the name {shown} is taken; pick another with -u')
    # e.g. the Rust server's "error: ..." for a name it does not accept.
    why = answer.decode('utf-8', errors='replace').removeprefix('error: ')
    sys.exit(f'error: the server refused the name: {why}')


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


def send_lines(sock, interactive, said_quit):
    """The sending thread: every line of stdin, then "quit"."""
    try:
        if interactive:
            prompt()
        for line in read_lines():
            if line == QUIT:
                break
            if line:  # send(b'') would send nothing at all
                # original's defect: send() may send only part of the bytes.
                sock.sendall(line)  # no newline: the original's bytes
                time.sleep(MESSAGE_GAP)
            if interactive:
                prompt()
        # At the end of the input, leave as if "quit" had been typed.
        # original's defect: raw_input() raised EOFError there, which ended
        # the sending thread with a traceback, and the server never knew.
        said_quit.set()
        sock.sendall(QUIT)
        # Then end our half of the stream (FIN): if "quit" reached the server
        # glued to the message before it, it is not taken as "quit", but the
        # end of the stream still is, so we never wait forever for an answer.
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the connection is gone: the receiving side says why


def prompt():
    sys.stdout.write('> ')
    sys.stdout.flush()


def receive(sock, first, interactive, said_quit):
    """Prints what the server sends until it says "quit" or closes."""
    data = first
    while True:
        if data:
            # The Rust server ends each message with "\n" for its own
            # clients only, but dropping one is harmless.
            message = strip_newline(data)
            if message == QUIT:
                # The answer to our "quit"; the server closes next. (The Rust
                # server also says it, unasked, when it stops.)
                if not said_quit.is_set():
                    log('the server ended the chat')
                return
            text = message.decode('utf-8', errors='replace')
            if interactive:
                # Back to the start of the line, over the prompt, then the
                # prompt again below the message.
                sys.stdout.write('\r' + text + '\n> ')
                sys.stdout.flush()
            else:
                print(text, flush=True)
        # Whatever has arrived, up to BUFSIZE bytes, is taken as one message.
        data = sock.recv(BUFSIZE)
        if not data:
            # A read of 0 bytes means the server closed the connection.
            if not said_quit.is_set():
                log('the server closed the connection')
            return


def main():
    parser = argparse.ArgumentParser(
        description='Client for the chat room (lesson 5): sends each line of '
                    'stdin, prints what the others say.')
    parser.add_argument('-u', '--username', metavar='NAME', required=True,
                        help='the name to log in with (one nobody is using)')
    parser.add_argument('--connect', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'the server to talk to (default {DEFAULT_ADDRESS})')
    args = parser.parse_args()
    # original's defect: its option parsing was commented out, and every
    # client logged in as "join", so a second one was always refused.
    if not args.username:
        parser.error('the name cannot be empty')
    # The bytes of the name as they were on the command line, whatever
    # their encoding.
    name = os.fsencode(args.username)
    shown = name.decode('utf-8', errors='replace')  # for our own messages

    # A person at a terminal gets a prompt, redrawn under every message.
    # Otherwise (a pipe, a test) stdout holds the messages and nothing else.
    interactive = sys.stdin.isatty() and sys.stdout.isatty()

    sock = connect(*args.connect)
    with sock:
        try:
            first = log_in(sock, name, shown)
            log(f'logged in as {shown}')
            # The sending thread is a daemon: when the server ends the chat,
            # the program ends, even if that thread still waits for input.
            said_quit = threading.Event()
            threading.Thread(target=send_lines,
                             args=(sock, interactive, said_quit),
                             daemon=True).start()
            receive(sock, first, interactive, said_quit)
        except OSError as err:  # e.g. the connection was reset
            sys.exit(f'error: lost the connection to {show(args.connect)}: '
                     f'{err.strerror or err}')
    if interactive:
        print()  # end the prompt's line
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
