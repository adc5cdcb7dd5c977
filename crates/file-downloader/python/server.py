"""The file server of lesson 4, ported to Python 3.

A client connects and sends the name of a file; the server sends the
file's bytes back and closes the connection. The close is the only sign
that the file is complete. A sample session (C is the client, S the
server; nothing ends in a newline):

    C: notes.txt
       (the client shuts down its sending side: the name is all it sends)
    S: ...the 5103 bytes of notes.txt...
       (the server closes the connection)

A missing file, or a name the server refuses, gets no bytes at all: the
server just closes. The client cannot tell that from an empty file, and a
connection that breaks halfway looks exactly like a shorter file. These
are the protocol's own limits, not the code's; the server keeps to these
bytes so that any pairing works: this server with the Rust client, the
Rust server with client.py, and so on.

With --framed, both ends switch to the lesson's next step: the request is
one line, and the answer starts with a line that says how it went.

    C: FETCH 0 notes.txt\\n      (0: from the first byte of the file)
    S: OK 5103\\n                (the file's size, then its bytes)
    S: ...the 5103 bytes...

    C: FETCH 0 ../../etc/passwd\\n
    S: ERROR '..' is refused: only files under the served directory\\n

The original serves any path it is given, ../../etc/passwd included. This
one serves only regular files under one directory, --root (by default the
directory it runs in), and logs every request and every refusal on stderr.

It serves one client at a time, as the original does: the next client
waits in the listen queue until the current download is over.

Two more of the original's ways are kept on purpose, to be seen beside the
Rust port: the whole file is read into memory before it is sent, and in
the original protocol a client that goes away in the middle of a file (a
reset) ends the server, with one "error:" line; with --framed that is
logged and the server goes on.

Try it, from the repository root, in two terminals:

    python3 crates/file-downloader/python/server.py --root docs
    python3 crates/file-downloader/python/client.py book.toml

    python3 crates/file-downloader/python/server.py --root docs --framed
    python3 crates/file-downloader/python/client.py --framed book.toml -o /tmp/book.toml

The server prints "listening on IP:PORT" on stdout once it is ready; with
--bind 127.0.0.1:0 the system picks a free port and that line tells you which
one. Everything else it says goes to stderr. Stop it with Ctrl-C.
"""

import argparse
import errno
import os
import signal
import socket
import sys
import time

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 7890  # the original's example: python3 xxx.py 7890
DEFAULT_ADDRESS = f'{DEFAULT_HOST}:{DEFAULT_PORT}'

# The longest file name we accept, in bytes: the original reads the name
# with one recv(1024). A longer name is refused, never cut short: the cut
# name could be the name of another file.
MAX_NAME = 1024

# --framed: the longest request line, not counting its newline. "FETCH",
# an offset of up to 20 digits (the largest 64-bit number), two spaces and
# the name fit in the name's 1024 bytes plus these 64.
MAX_REQUEST_LINE = MAX_NAME + 64

# How a --framed request line starts.
FETCH = b'FETCH '

# The largest offset a request may carry: the Rust server reads it as a
# 64-bit unsigned number.
MAX_OFFSET = 2**64 - 1

# How long a client may keep us waiting, for its request or for room to
# send more of the file, before we give up on it. With one client at a
# time, a client that never sends would otherwise stall everyone else.
CLIENT_TIMEOUT = 10  # seconds

# How much of the file one sendall() gets; see send_file().
SEND_CHUNK = 64 * 1024

# How many characters of a name the log shows: a name may be 1 KiB of
# anything.
SHOWN_CHARS = 80

# How long a blocked accept() or recvfrom() waits before looking again.
# Python raises KeyboardInterrupt between two of its instructions, so a
# Ctrl-C that lands just before the call starts to block would wait there
# for the next client; a timeout on the socket bounds that wait.
TICK = 0.5


class Refusal(Exception):
    """Why a request gets no file. The text is what the log shows and, with
    --framed, what the client receives after "ERROR "."""


class ServerEnds(Exception):
    """An error that ends the server, as it ends the original (not an
    OSError, so that the loop's handler of one client's errors lets it
    through)."""


class NotARequest(Refusal):
    """--framed: what arrives is no FETCH request, or stops before its end."""


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


def port_number(text):
    """Parses the bare PORT of the original's command line."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f'{text!r} is not a port number (0 to 65535)')
    return int(text)


def show(addr):
    """Formats an address tuple from the socket module as "ip:port"."""
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def shown(name):
    """A name from the network as the log shows it: quoted, cut short, with
    control characters and bytes that are not UTF-8 escaped (\\n, \\xe9),
    so that no name can play tricks on the terminal."""
    text = name.decode('utf-8', errors='backslashreplace')
    text = ''.join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > SHOWN_CHARS:
        text = text[:SHOWN_CHARS] + '...'
    return f"'{text}'"


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


def open_listener(host, port):
    """The steps of a TCP server: socket(), SO_REUSEADDR, bind(), listen().

    getaddrinfo() turns the host into addresses, IPv4 or IPv6 (a name like
    "localhost" may give both); we take the first one that binds.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'pass --bind with an IP address, e.g. 127.0.0.1:7890')
    failure = f'no address for {host!r}'
    for family, kind, proto, _, addr in addresses:
        listener = socket.socket(family, kind, proto)
        try:
            # Rebind at once after a restart, even while connections of the
            # last run still linger in TIME_WAIT on this port.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(addr)
            # The original's 128: how many connections the system may hold,
            # finished but not yet accept()ed, while we serve someone else.
            listener.listen(128)
            return listener
        except OSError as err:
            listener.close()
            failure = bind_failure(addr, err)
    sys.exit(f'error: {failure}')  # sys.exit(text): text to stderr, exit 1


# ANCHOR: check_name
def check_name(name):
    """Refuses a name that could reach outside the served directory, before
    looking at the disk. Returns the name as text.

    original's defect: the name went straight to open(), so a client could
    read ../../etc/passwd, /etc/passwd, or anything else the server's user
    can read.
    """
    if len(name) > MAX_NAME:
        raise Refusal(f'file name longer than {MAX_NAME} bytes')
    # The C functions under open() stop at a NUL byte: "a.txt\0.jpg" would
    # quietly open a.txt. (Python's open() raises instead; we refuse first.)
    if b'\0' in name:
        raise Refusal('file name contains a NUL byte')
    try:
        # original's defect: decode() raised UnicodeDecodeError on bytes
        # that are not UTF-8 and the traceback ended the whole server.
        text = name.decode('utf-8')
    except UnicodeDecodeError:
        raise Refusal('file name is not UTF-8') from None
    if text.startswith('/'):
        raise Refusal('absolute paths are refused')
    parts = text.split('/')
    if '..' in parts:
        raise Refusal("'..' is refused: only files under the served directory")
    # "", "." or "./": no file, only the served directory itself.
    if all(part in ('', '.') for part in parts):
        raise Refusal('empty file name')
    return text
# ANCHOR_END: check_name


# ANCHOR: find_file
def find_file(root, name):
    """The real path of the regular file `name` names under `root` (itself
    a real path: no symlinks in it), or a Refusal that says why not."""
    path = os.path.realpath(os.path.join(root, check_name(name)))
    # realpath() followed every symlink on the way: a name without ".." can
    # still lead out of the root through a link (docs -> /etc).
    if os.path.commonpath([root, path]) != root:
        raise Refusal('the path leads outside the served directory')
    if not os.path.lexists(path):
        raise Refusal('no such file')
    # Only regular files: not directories, and not devices or FIFOs, where
    # open() could wait forever for a writer or read() never end.
    if not os.path.isfile(path):
        raise Refusal('not a regular file')
    # These checks and the open() that follows are separate steps, and a
    # symlink can change in between: someone who can write in the root could
    # swap a checked file for a link to /etc/shadow. The Rust port has the
    # kernel do the check while it opens (openat2 with RESOLVE_BENEATH, via
    # cap-std), which leaves no such gap.
    return path
# ANCHOR_END: find_file


# ANCHOR: read_file
def read_file(path):
    """The whole file, as the original reads it.

    The original's design, kept for the comparison with the Rust port: the
    whole file is in memory before the first byte is sent, so serving a
    1 GiB file takes 1 GiB of memory. The Rust port streams it in pieces.
    """
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as err:
        raise Refusal(f'cannot read the file: {err.strerror or err}') from None
# ANCHOR_END: read_file


def recv_request_line(sock):
    """Reads the --framed request line and returns it without its newline.

    TCP has no message boundaries: the line may arrive in several pieces,
    so we read until the newline comes. A bound and a deadline keep a
    client from filling our memory, or from holding us forever by sending
    one byte at a time. Whatever follows the newline is left unread.
    """
    deadline = time.monotonic() + CLIENT_TIMEOUT
    line = b''
    try:
        while True:
            # Bytes that cannot begin "FETCH " most likely come from a client
            # without --framed: no use waiting for a newline it never sends.
            if not FETCH.startswith(line[:len(FETCH)]):
                raise NotARequest('not a FETCH request (a client without --framed?)')
            if b'\n' in line:
                break
            if len(line) > MAX_REQUEST_LINE:  # no room left for the newline
                # Only the name can make a line this long.
                raise Refusal(f'file name longer than {MAX_NAME} bytes')
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            # Never more than the longest line and its newline.
            chunk = sock.recv(MAX_REQUEST_LINE + 1 - len(line))
            if not chunk:  # 0 bytes: the client closed before the newline
                raise NotARequest('the request ends without a newline')
            line += chunk
    finally:
        sock.settimeout(CLIENT_TIMEOUT)
    return line.split(b'\n', 1)[0]


def parse_request(line):
    """Splits "FETCH <offset> <name>" into (offset, name as bytes)."""
    verb, _, rest = line.partition(b' ')
    offset, space, name = rest.partition(b' ')
    # ASCII digits only (bytes.isdigit() knows no others): int() alone
    # would also take "+5", " 5" and "5_000".
    if verb != b'FETCH' or not space or not offset.isdigit():
        raise Refusal('malformed request')
    if int(offset) > MAX_OFFSET:
        raise Refusal('malformed request')
    return int(offset), name


# ANCHOR: send_file
def send_file(sock, data):
    """sendall(), a piece at a time, so that CLIENT_TIMEOUT means "no
    progress for that long".

    Since Python 3.5 a socket's timeout bounds a whole sendall(): with one
    call for the file, a client on a slow link would be dropped after
    CLIENT_TIMEOUT however steadily it was reading. Per 64 KiB piece it is
    dropped only if it reads less than that in CLIENT_TIMEOUT.
    """
    view = memoryview(data)  # slices of it are views, not copies
    for start in range(0, len(view), SEND_CHUNK):
        sock.sendall(view[start:start + SEND_CHUNK])
# ANCHOR_END: send_file


# ANCHOR: say_goodbye
def say_goodbye(sock):
    """Ends the stream, then drops whatever the client had already sent.

    Closing a socket that still holds unread bytes (the rest of a name too
    long for our one recv(), say) sends a reset instead of a normal end, and
    a reset can destroy the end of the file before the client reads it.
    The original just closes; shutdown(SHUT_WR) sends the normal end first,
    and reading without waiting (non-blocking) empties what is there.
    """
    sock.shutdown(socket.SHUT_WR)
    sock.setblocking(False)
    try:
        while sock.recv(65536):
            pass
    except OSError:  # BlockingIOError: nothing more has arrived yet
        pass  # (or the client has gone); either way we are done
# ANCHOR_END: say_goodbye


# ANCHOR: serve_original
def serve_original(sock, peer, root):
    """The original's protocol: the name, then the bytes, then the close."""
    # The name has no terminator, so one recv() is all we can do, as the
    # original does: it returns what has arrived so far, which on a slow
    # network may be only the start of the name. One byte more than the
    # longest name tells a name that fits from one that is too long.
    name = sock.recv(MAX_NAME + 1)
    try:
        content = read_file(find_file(root, name))
    except Refusal as refusal:
        # The protocol has no way to say no: the client gets nothing.
        log(f'{peer} asked for {shown(name)}: refused: {refusal}')
        return
    # original's defect: send() sends what fits in the socket's buffer and
    # returns how many bytes that was; for a file of a few MiB that is
    # never all of it, and the original never looked. sendall() keeps going
    # until every byte is sent.
    try:
        send_file(sock, content)
    except ConnectionError as err:
        # original's defect, kept in the original protocol: nothing in the
        # original catches an error while it sends, so a client that goes
        # away in the middle of a file (a reset, a broken pipe) ends the
        # whole server. We end it with one line rather than a traceback.
        # With --framed the error is logged and the server goes on.
        raise ServerEnds(f'{peer} went away in the middle of {shown(name)} '
                         f'({err.strerror or err}); like the original, the '
                         'server ends here (--framed goes on)') from None
    log(f'{peer} asked for {shown(name)}: sent {len(content)} bytes')
# ANCHOR_END: serve_original


# ANCHOR: serve_framed
def serve_framed(sock, peer, root):
    """The next step: a request line, then "OK <size>" or "ERROR <why>"."""
    try:
        offset, name = parse_request(recv_request_line(sock))
    except NotARequest as refusal:
        # Most likely a client of the original protocol, waiting for the
        # file's bytes: it would save an ERROR line as the file. It gets
        # what the original protocol says for a refusal: nothing.
        log(f'{peer}: refused: {refusal}')
        return
    except Refusal as refusal:
        log(f'{peer}: refused: {refusal}')
        sock.sendall(f'ERROR {refusal}\n'.encode('utf-8'))
        return
    try:
        content = read_file(find_file(root, name))
        if offset > len(content):
            raise Refusal(f'offset {offset} is past the end of the file '
                          f'({len(content)} bytes)')
    except Refusal as refusal:
        log(f'{peer} asked for {shown(name)}: refused: {refusal}')
        sock.sendall(f'ERROR {refusal}\n'.encode('utf-8'))
        return
    # The size is the whole file's; the bytes are those from the offset on
    # (a memoryview slice: no copy of the file).
    sock.sendall(f'OK {len(content)}\n'.encode('ascii'))
    send_file(sock, memoryview(content)[offset:])
    start = f' from byte {offset}' if offset else ''
    log(f'{peer} asked for {shown(name)}{start}: sent {len(content) - offset} bytes')
# ANCHOR_END: serve_framed


# ANCHOR: serve
def serve(listener, root, framed):
    """Accepts one client at a time: read the request, answer, close, next."""
    serve_one = serve_framed if framed else serve_original
    while True:
        # accept() waits for the next client and returns a new socket for
        # it; the listening socket goes on listening.
        try:
            sock, addr = listener.accept()
        except TimeoutError:  # TICK passed: back to the loop, for Ctrl-C
            continue
        peer = show(addr)
        with sock:  # closes the connection however we leave this block
            # A deadline for every recv() and send(): a client that sends
            # nothing, or stops reading, is dropped after CLIENT_TIMEOUT.
            sock.settimeout(CLIENT_TIMEOUT)
            try:
                serve_one(sock, peer, root)
                say_goodbye(sock)
            except TimeoutError:
                log(f'{peer}: no progress for {CLIENT_TIMEOUT} s (its request did not '
                    'come, or it stopped reading); dropped it')
            except OSError as err:  # e.g. the client went away halfway
                log(f'{peer}: {err.strerror or err}')
# ANCHOR_END: serve


def served_root(directory):
    """The real path of --root, or an error if it is not a directory."""
    root = os.path.realpath(directory)
    if not os.path.isdir(root):
        what = 'not a directory' if os.path.exists(root) else 'no such directory'
        sys.exit(f'error: --root {directory}: {what}; pass --root with the '
                 'directory whose files to serve')
    return root


def main():
    parser = argparse.ArgumentParser(
        description='The file server (lesson 4): sends the file a client names, '
                    'from one directory only.')
    parser.add_argument('port', nargs='?', metavar='PORT', type=port_number,
                        help='the port, given as the original takes it: listen on '
                             f'{DEFAULT_HOST}:PORT')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        help=f'where to listen (default {DEFAULT_ADDRESS}; port 0 '
                             'picks a free port; 0.0.0.0:PORT for every interface)')
    parser.add_argument('--root', metavar='DIR', default='.',
                        help='the directory whose files to serve (default: the '
                             'current directory)')
    parser.add_argument('--framed', action='store_true',
                        help='"FETCH" request line and "OK"/"ERROR" answer '
                             '(the client needs --framed too)')
    args = parser.parse_args()
    if args.port is not None and args.bind is not None:
        parser.error('give PORT or --bind HOST:PORT, not both')
    # The original binds '' (every interface: anyone on the network may
    # download). A bare PORT means loopback here, so that a file server is
    # never open to the network by accident; --bind 0.0.0.0:PORT opens it.
    if args.bind is not None:
        address = args.bind
    else:
        address = (DEFAULT_HOST, DEFAULT_PORT if args.port is None else args.port)
    root = served_root(args.root)

    # Ctrl-C raises KeyboardInterrupt. Make SIGTERM (plain `kill PID`) do the
    # same, and set SIGINT explicitly too: a shell starting us in the
    # background (`cmd &`) may have told us to ignore it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    listener = open_listener(*address)
    listener.settimeout(TICK)
    with listener:  # closes the listening socket however we leave
        try:
            print(f'listening on {show(listener.getsockname())}', flush=True)
            log(f'serving the files under {root}')
            serve(listener, root, args.framed)
        except KeyboardInterrupt:
            log('Stopping.')
        except ServerEnds as err:
            sys.exit(f'error: {err}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
