"""The client for the file server of lesson 4, in Python 3.

It sends the name of a file, saves what the server sends back under
"[接收]" ("received") + the name, and prints one line:

    saved 5103 bytes to [接收]notes.txt

On the wire (C is this client, S the server; nothing ends in a newline):

    C: notes.txt
       (the client shuts down its sending side: nothing more will come)
    S: ...the 5103 bytes of notes.txt...
       (the server closes the connection: that was all of it)

The server's close is the only end marker, so this client cannot tell a
complete file from one cut short by a broken connection, nor a missing
file from an empty one: for both the server sends nothing. With --framed
(the server needs --framed too) the answer starts with a line that says
how it went and how many bytes follow:

    C: FETCH 0 notes.txt\\n      (0: from the first byte of the file)
    S: OK 5103\\n
    S: ...the 5103 bytes...

    S: ERROR no such file\\n     (or why the server refuses)

With --framed the bytes go into "[接收]notes.txt.part" first, which is
renamed only once the download is complete: a file without ".part" is
always a whole one. (The Rust client can also resume a .part file; this
one starts again.) In the original protocol this client keeps the
original's way: the bytes go straight into "[接收]notes.txt", and a
transfer that breaks halfway leaves that file behind, looking whole. The
Rust client uses a .part file in both protocols.

When the server's address or the file name is missing and you are at a
terminal, it asks for them as the original does; otherwise it uses
127.0.0.1:7890 and needs the name on the command line.

Try it, from the repository root, with the server running in another terminal:

    python3 crates/file-downloader/python/server.py --root docs
    python3 crates/file-downloader/python/client.py book.toml
    python3 crates/file-downloader/python/client.py     (it asks)
    python3 crates/file-downloader/python/client.py book.toml -o /tmp/book.toml

(the first two save "[接收]book.toml" in the current directory).
"""

import argparse
import os
import socket
import sys

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 7890  # the original's example
DEFAULT_ADDRESS = f'{DEFAULT_HOST}:{DEFAULT_PORT}'

# What the original client puts before the name of the file it saves:
# "[received]". The Rust client does the same, so both save the same name.
RECEIVED_PREFIX = '[接收]'
# Added to the output's name while the download is incomplete.
PART_SUFFIX = '.part'

# How long connect() waits for the server to answer at all.
CONNECT_TIMEOUT = 5
# How long we wait for the server to send more before giving up.
READ_TIMEOUT = 30
# How much one recv() may return. A file comes in many pieces of whatever
# size the network delivers; this only caps each piece.
CHUNK = 64 * 1024
# --framed: the longest first line of an answer we wait for. "OK <size>" is
# short; an "ERROR" line explains itself in a sentence.
MAX_HEADER_LINE = 1024
# How many characters of a file name our messages show.
SHOWN_CHARS = 80


class Failure(Exception):
    """The download failed; the text says why, for an "error:" line."""


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:7890", "[::1]:7890", "localhost:7890")."""
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
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def printable(data, limit=None):
    """Bytes from the server (or a name) as text that is safe to print:
    control characters (ESC, which could clear or retitle the terminal, CR,
    NUL) shown escaped, bytes that are not UTF-8 as U+FFFD, as the Rust
    port's netkit::text::printable does; with a limit, a long text is cut
    short."""
    text = data.decode('utf-8', errors='replace')
    text = ''.join(c if c.isprintable() or c == '\t' else repr(c)[1:-1]
                   for c in text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + '...'
    return text


def ask(question, default=None):
    """Asks at the terminal, as the original does with input().

    The question goes to stderr: stdout holds only the result line.
    """
    prompt = f'{question} [{default}]: ' if default is not None else f'{question}: '
    print(prompt, end='', file=sys.stderr, flush=True)
    try:
        return input()
    except EOFError:  # Ctrl-D
        print(file=sys.stderr)
        sys.exit(f'error: no answer to "{question}"')


def ask_address():
    """The server's IP address and port, with the defaults on an empty answer."""
    host = ask('server ip', DEFAULT_HOST).strip() or DEFAULT_HOST
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    while True:
        # original's defect: int(input()) ended the program with a
        # traceback on anything but digits. We ask again.
        port = ask('server port', DEFAULT_PORT).strip() or str(DEFAULT_PORT)
        if port.isdigit() and 0 < int(port) <= 65535:
            return host, int(port)
        print(f'{port!r} is not a port number (1 to 65535)', file=sys.stderr)


def ask_name():
    """The name of the file to download; asks again on an empty answer."""
    while True:
        name = ask('file name')
        if name:
            return name


# ANCHOR: output_path
def output_path(name):
    """Where the original would save `name`, or None if it cannot.

    The original saves under "[接收]" + name: for "docs/a.txt" that is
    "[接收]docs/a.txt", inside a directory "[接收]docs" that does not exist,
    so open() fails. We keep only the name's last part: "[接收]a.txt".
    """
    last = name.rsplit('/', 1)[-1]
    if last in ('', '.', '..'):
        return None
    return RECEIVED_PREFIX + last
# ANCHOR_END: output_path


def connect(host, port):
    """socket() and connect(), for each address the host stands for.

    create_connection() calls getaddrinfo() and tries each address, IPv4 or
    IPv6, until one answers: the original's two steps, for any kind of host.
    """
    where = show((host, port))
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except ConnectionRefusedError:
        raise Failure(f'could not connect to {where}: connection refused; '
                      'start the server first') from None
    except socket.gaierror as err:
        raise Failure(f'cannot resolve {host!r} ({err.strerror}); '
                      'check the host in --connect') from None
    except TimeoutError:
        raise Failure(f'could not connect to {where}: no answer within '
                      f'{CONNECT_TIMEOUT} s; check the address and port') from None
    except OSError as err:
        raise Failure(f'could not connect to {where}: {err.strerror or err}') from None
    # Connected. From now on a silent server costs us READ_TIMEOUT, not forever.
    sock.settimeout(READ_TIMEOUT)
    return sock


def send(sock, data):
    """sendall(), with a failure said in words."""
    try:
        sock.sendall(data)
    except OSError as err:  # e.g. the server closed before reading it all
        raise Failure(f'could not send the request: {err.strerror or err}') from None


# ANCHOR: recv_to_end
def recv_to_end(sock, out, got, expected=None):
    """Writes everything the server sends to `out` until it closes; returns
    how many bytes that made, counting the `got` already written.

    original's defect: one recv(1024) was taken as the whole file, so the
    original kept the first KiB at most (and on a real network often less).
    A TCP stream has no message boundaries: recv() returns whatever has
    arrived so far, and only a recv() that returns b'' means the end.

    With `expected` (--framed), more bytes than announced are an error.
    """
    while True:
        try:
            chunk = sock.recv(CHUNK)
        except TimeoutError:
            raise Failure(f'the server sent nothing for {READ_TIMEOUT} s, after '
                          f'{got} bytes; gave up') from None
        except OSError as err:  # e.g. a reset: the server went away
            raise Failure(f'lost the connection after {got} bytes: '
                          f'{err.strerror or err}') from None
        if not chunk:  # 0 bytes: the server has closed; that is the end
            return got
        got += len(chunk)
        if expected is not None and got > expected:
            raise Failure(f'the server sent more than the {expected} bytes '
                          'it announced')
        out.write(chunk)
# ANCHOR_END: recv_to_end


# ANCHOR: download_original
def download_original(sock, name, out, label):
    """The original's protocol: send the name, read until the close."""
    # original's defect: send(), which may send only part of the name.
    send(sock, name)
    # Tell the server that the name is complete: its next recv() returns
    # 0 bytes. The original server never waits for that, but a server that
    # read the request until its end would.
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the server has already closed; recv_to_end() will tell
    got = recv_to_end(sock, out, 0)
    if got == 0:
        raise Failure(f"the server sent nothing for '{label}': no such file, a "
                      'refusal, or an empty file (this protocol cannot tell them '
                      'apart; --framed can)')
    return got
# ANCHOR_END: download_original


# ANCHOR: recv_header
def recv_header(sock):
    """Reads the --framed answer's first line; returns (line, body bytes
    that came with it).

    TCP keeps no boundaries: the header line and the start of the file may
    arrive in one recv(), or the header in several.
    """
    received = b''
    while b'\n' not in received and len(received) <= MAX_HEADER_LINE:
        try:
            chunk = sock.recv(CHUNK)
        except TimeoutError:
            raise Failure(f'the server did not answer within {READ_TIMEOUT} s') from None
        except OSError as err:
            raise Failure(f'lost the connection: {err.strerror or err}') from None
        if not chunk:
            if received:
                said = printable(received, SHOWN_CHARS)
                raise Failure(f"the server's answer '{said}' ends before its "
                              'first line does')
            raise Failure('the server closed the connection without an answer; '
                          'does it run with --framed too?')
        received += chunk
    line, newline, body = received.partition(b'\n')
    if not newline or len(line) > MAX_HEADER_LINE:
        raise Failure(f"the server's first line is longer than {MAX_HEADER_LINE} "
                      'bytes; is it a file server running with --framed?')
    return line, body
# ANCHOR_END: recv_header


# ANCHOR: download_framed
def download_framed(sock, name, out, label):
    """The next step: "FETCH 0 <name>", then "OK <size>" and the bytes."""
    send(sock, b'FETCH 0 ' + name + b'\n')
    line, body = recv_header(sock)
    if line.startswith(b'ERROR '):
        raise Failure(f"the server refused '{label}': {printable(line[6:])}")
    size = line[3:]
    if not (line.startswith(b'OK ') and size.isdigit()):
        said = printable(line, SHOWN_CHARS)
        raise Failure(f"the server answered '{said}', not \"OK <size>\" or "
                      '"ERROR <message>"; does it run with --framed too?')
    expected = int(size)  # the offset is always 0 here: the whole file
    if len(body) > expected:
        raise Failure(f'the server sent more than the {expected} bytes it announced')
    out.write(body)
    got = recv_to_end(sock, out, len(body), expected)
    # Only the framed answer can tell a cut download from a whole one.
    if got < expected:
        raise Failure(f"download of '{label}' incomplete: got {got} of "
                      f'{expected} bytes')
    return got
# ANCHOR_END: download_framed


def main():
    parser = argparse.ArgumentParser(
        description='Client for the file server (lesson 4): downloads one file.')
    parser.add_argument('--connect', metavar='HOST:PORT', type=host_port,
                        help=f'the server to download from (default {DEFAULT_ADDRESS}; '
                             'asked for at a terminal)')
    parser.add_argument('name', nargs='?', metavar='NAME',
                        help='the file to download, relative to the directory the '
                             'server serves (asked for at a terminal)')
    parser.add_argument('-o', '--output', metavar='PATH',
                        help=f'where to save it (default: {RECEIVED_PREFIX} + the '
                             "name's last part, in the current directory)")
    parser.add_argument('--framed', action='store_true',
                        help='"FETCH" request and "OK <size>"/"ERROR" answer '
                             '(the server needs --framed too)')
    parser.add_argument('--force', action='store_true',
                        help='overwrite the output file if it exists')
    args = parser.parse_args()

    # Ask only a person: with stdin a file or a pipe there is nobody to answer.
    at_terminal = sys.stdin.isatty()
    if args.connect is None:
        args.connect = ask_address() if at_terminal else host_port(DEFAULT_ADDRESS)
    if args.name is None:
        if not at_terminal:
            parser.error('the file NAME is missing (and stdin is not a terminal '
                         'to ask for it)')
        args.name = ask_name()
    if args.framed and '\n' in args.name:
        parser.error('with --framed the file name cannot contain a newline')
    # The name as bytes, exactly as given: os.fsencode() gives back any bytes
    # that were not UTF-8 too (the server will refuse them, with a reason).
    name = os.fsencode(args.name)
    label = printable(name, SHOWN_CHARS)  # the name as our messages show it

    output = args.output or output_path(args.name)
    if output is None:
        sys.exit(f"error: '{label}' does not end in a file name; "
                 'pass -o PATH to say where to save it')
    if os.path.isdir(output):
        sys.exit(f'error: {output} is a directory; pass -o with a file name')
    if os.path.lexists(output) and not args.force:
        sys.exit(f'error: {output} already exists; pass --force to overwrite it, '
                 'or -o to choose another name')

    # ANCHOR: save
    # original's defect, kept in the original protocol: the bytes go
    # straight into the output, so a transfer that breaks halfway leaves
    # a file under the final name that looks complete. (Nothing is left
    # when nothing came: the original opens its file only once it has
    # bytes.) --framed uses a .part file, renamed once the file is whole.
    part = output + PART_SUFFIX if args.framed else output
    download = download_framed if args.framed else download_original
    try:
        out = open(part, 'wb')
    except OSError as err:
        sys.exit(f'error: cannot write {part}: {err.strerror or err}')
    saved = False
    try:
        with out, connect(*args.connect) as sock:
            got = download(sock, name, out, label)
        # A rename within one directory is atomic: the output appears whole.
        if part != output:
            os.replace(part, output)
        saved = True
    except Failure as failure:
        sys.exit(f'error: {failure}')
    except OSError as err:  # writing the file, not the network
        sys.exit(f'error: cannot save {output}: {err.strerror or err}')
    finally:
        # A failure, or Ctrl-C: with --framed, leave no half file behind;
        # in the original protocol, only an empty one.
        kept = part == output and os.path.isfile(part) and os.path.getsize(part) > 0
        if not saved and not kept:
            try:
                os.remove(part)
            except OSError:
                pass
    print(f'saved {got} bytes to {output}')
    # ANCHOR_END: save
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
