"""A file-downloader server with one defect chosen on the command line, for
the checker's tests: each defect must fail the stage that checks it, and
only that one. Without --defect it is a correct server, both protocols.

    python3 server.py --root DIR --bind 127.0.0.1:0 [--framed] [--defect NAME]

The defects, and the stage each must fail:

    no-listening-line      prints "Listening on port N"          listen
    first-kib              sends at most the first 1024 bytes    small-file
    missing-says           sends "no such file" as the file      missing
    no-root-check          opens ROOT/NAME, whatever NAME is     traversal
                           (not with --framed)
    whole-file             reads the whole file, then sends it   big-file
    dies-on-reset          a client's reset ends the server      vanish
    ignores-sigint         Ctrl-C does nothing                   stop
    framed-no-header       --framed: the bytes without OK SIZE   framed-size
    framed-silent-refusal  --framed: a refusal is a bare close   framed-refusal
    framed-ignores-offset  --framed: always from byte 0          framed-resume
    pieces                 a file under 1 MiB (and a header) in three
                           sends, 0.25 s apart: correct, and must pass
                           every stage
"""

import argparse
import os
import signal
import socket
import sys
import threading
import time

# The blocking calls, shared by every mutant server (../blocking.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from blocking import TICK, accept  # noqa: E402

CHUNK = 1024 * 1024
MAX_NAME = 1024


def send(sock, data, defect):
    if defect != 'pieces' or len(data) >= CHUNK:
        sock.sendall(data)
        return
    third = max(1, len(data) // 3)
    for start in range(0, len(data), third):
        if start:
            time.sleep(0.25)
        sock.sendall(data[start:start + third])


def find(root, name, defect, framed=False):
    """The path of the regular file NAME under ROOT, or None."""
    if defect == 'no-root-check' and not framed:
        path = os.path.join(root, name.decode('utf-8', 'surrogateescape'))
        return path if '\0' not in path and os.path.isfile(path) else None
    try:
        text = name.decode('utf-8')
    except UnicodeDecodeError:
        return None
    parts = text.split('/')
    if not text or '\0' in text or text.startswith('/') or '..' in parts:
        return None
    path = os.path.realpath(os.path.join(root, text))
    if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
        return None
    return path


def stream(sock, path, offset, defect):
    """Sends the file from OFFSET, a buffer at a time (or all at once)."""
    with open(path, 'rb') as f:
        f.seek(offset)
        if defect == 'whole-file':
            sock.sendall(f.read())
            return
        while True:
            data = f.read(CHUNK)
            if not data:
                return
            if defect == 'first-kib':
                data = data[:1024]
            send(sock, data, defect)
            if defect == 'first-kib':
                return


def serve_raw(sock, root, defect):
    name = sock.recv(MAX_NAME + 1)
    path = find(root, name, defect)
    if path is None:
        if defect == 'missing-says':
            sock.sendall(b'no such file')
        return
    stream(sock, path, 0, defect)


def read_line(sock):
    line = b''
    while b'\n' not in line and len(line) <= MAX_NAME + 64:
        data = sock.recv(4096)
        if not data:
            break
        line += data
    return line.split(b'\n', 1)[0]


def serve_framed(sock, root, defect):
    line = read_line(sock)
    verb, _, rest = line.partition(b' ')
    offset, _, name = rest.partition(b' ')
    path = find(root, name, defect, True) if offset.isdigit() else None
    size = os.path.getsize(path) if path else 0
    if path is None or int(offset) > size:
        if defect != 'framed-silent-refusal':
            sock.sendall(b'ERROR no such file under the root\n')
        return
    if defect != 'framed-no-header':
        send(sock, b'OK %d\n' % size, defect)
    start = 0 if defect == 'framed-ignores-offset' else int(offset)
    stream(sock, path, start, defect)


def handle(sock, root, framed, defect):
    with sock:
        try:
            (serve_framed if framed else serve_raw)(sock, root, defect)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            if defect == 'dies-on-reset':
                os._exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bind', required=True)
    parser.add_argument('--root', required=True)
    parser.add_argument('--framed', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(':')
    root = os.path.realpath(args.root)
    if args.defect == 'ignores-sigint':
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.create_server((host, int(port)))
    listener.settimeout(TICK)
    addr = listener.getsockname()
    # Ctrl-C may come as soon as the line is out: the try starts first.
    try:
        if args.defect == 'no-listening-line':
            print(f'Listening on port {addr[1]}', flush=True)
        else:
            print(f'listening on {addr[0]}:{addr[1]}', flush=True)
        while True:
            sock, _ = accept(listener)
            threading.Thread(target=handle,
                             args=(sock, root, args.framed, args.defect),
                             daemon=True).start()
    except KeyboardInterrupt:
        return 0


if __name__ == '__main__':
    sys.exit(main())
