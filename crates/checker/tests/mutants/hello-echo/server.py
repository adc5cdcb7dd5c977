"""A hello-echo server with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct server, both protocols.

    python3 server.py --bind 127.0.0.1:0 [--lines] [--defect NAME]

The defects, and the stage each must fail:

    no-listening-line  prints "Listening on port N"       listen
    silent             never says Welcome!                welcome
    hard-coded         answers the sample session's names hello
    answers-exit       greets "exit" instead of closing   exit
    one-at-a-time      no thread per client               two-clients
    decodes-utf8       decodes each name as UTF-8         not-utf8
    slow-accept        0.1 s of work between accepts      burst
                       (as a reverse DNS lookup would)
    dies-on-reset      any socket error ends the process  vanish
    ignores-sigint     Ctrl-C does nothing                stop
    lines-one-read     --lines: one recv() is whole lines lines-split
    lines-first-only   --lines: drops lines after the first in a read
                                                          lines-pipelined
    lines-unbounded    --lines: no limit on a line        lines-too-long
    pieces             every reply in three send()s, 0.25 s apart:
                       correct, and must pass every stage
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

SAMPLE = [b'Michael', b'Tracy', b'Sarah']
MAX_NAME = 1024 - len(b'Hello, !')


def send(sock, data, defect):
    if defect != 'pieces':
        sock.sendall(data)
        return
    third = max(1, len(data) // 3)
    for start in range(0, len(data), third):
        if start:
            time.sleep(0.25)
        sock.sendall(data[start:start + third])


def serve_raw(sock, defect):
    send(sock, b'Welcome!' if defect != 'silent' else b'', defect)
    answered = 0
    while True:
        data = sock.recv(1024)
        if not data or (data == b'exit' and defect != 'answers-exit'):
            return
        if defect == 'decodes-utf8':
            data = data.decode('utf-8').encode('utf-8')
        if defect == 'hard-coded':
            data = SAMPLE[answered % len(SAMPLE)]
            answered += 1
        send(sock, b'Hello, ' + data + b'!', defect)


def lines_of(sock, defect):
    """Yields each line the client sends, without its newline."""
    pending = b''
    while True:
        data = sock.recv(4096)
        if not data:
            return
        if defect == 'lines-one-read':
            yield from data.rstrip(b'\n').split(b'\n')
            continue
        pending += data
        *lines, pending = pending.split(b'\n')
        if defect == 'lines-first-only':
            lines = lines[:1]
        for line in lines:
            yield line
        if len(pending) > MAX_NAME and defect != 'lines-unbounded':
            yield None  # over the limit


def serve_lines(sock, defect):
    send(sock, b'Welcome!\n', defect)
    for line in lines_of(sock, defect):
        if line is None or len(line) > MAX_NAME and defect != 'lines-unbounded':
            sock.sendall(b'error: line too long\n')
            return
        if line == b'exit':
            return
        send(sock, b'Hello, ' + line + b'!\n', defect)


def handle(sock, args):
    with sock:
        try:
            (serve_lines if args.lines else serve_raw)(sock, args.defect)
        except OSError:
            if args.defect == 'dies-on-reset':
                os._exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bind', required=True)
    parser.add_argument('--lines', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(':')
    handler = signal.SIG_IGN if args.defect == 'ignores-sigint' else signal.default_int_handler
    signal.signal(signal.SIGINT, handler)
    listener = socket.create_server((host, int(port)), backlog=128)
    listener.settimeout(TICK)
    name, port = listener.getsockname()[:2]
    if args.defect == 'no-listening-line':
        print(f'Listening on port {port}', flush=True)
    else:
        print(f'listening on {name}:{port}', flush=True)
    try:
        while True:
            sock, _ = accept(listener)
            if args.defect == 'slow-accept':
                time.sleep(0.1)
            if args.defect == 'one-at-a-time':
                handle(sock, args)
            else:
                threading.Thread(target=handle, args=(sock, args), daemon=True).start()
    except KeyboardInterrupt:
        return 0


if __name__ == '__main__':
    sys.exit(main())
