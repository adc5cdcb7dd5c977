"""A udp-chat echo server with one defect chosen on the command line, for
the checker's tests: each defect must fail the stage that checks it, and
only that one. Without --defect it is a correct server.

    python3 server.py [--defect NAME] --bind 127.0.0.1:0

The defects, and the stage each must fail:

    no-listening-line  prints "ready on ADDR" instead        listen
    hard-coded         always answers "Hello, Ada!"           hello
    first-sender       answers the first client heard, always two-clients
    skips-empty        ignores an empty datagram              empty
    decodes-utf8       decodes each datagram, and dies on     not-utf8
                       one that is not UTF-8
    truncates          reads into 1024 bytes, as the original too-long
    ignores-sigint     Ctrl-C does nothing                    stop
    slow               answers a quarter second late          (none)
"""

import argparse
import os
import signal
import socket
import sys
import time

# The blocking calls, shared by every mutant server (../blocking.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from blocking import TICK, receive  # noqa: E402

MAX_MESSAGE = 1024


def answer(data, defect):
    if defect == 'hard-coded':
        return b'Hello, Ada!'
    if defect == 'decodes-utf8':
        data = data.decode('utf-8').encode('utf-8')
    if len(data) > MAX_MESSAGE:
        return b'error: a %d-byte message is over the limit' % len(data)
    return b'Hello, %s!' % data


def serve(sock, defect):
    first = None
    size = 1024 if defect == 'truncates' else 65535
    while True:
        data, addr = receive(sock, size)
        first = first or addr
        if defect == 'skips-empty' and not data:
            continue
        if defect == 'slow':
            time.sleep(0.25)
        to = first if defect == 'first-sender' else addr
        sock.sendto(answer(data, defect), to)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bind', required=True)
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(':')
    if args.defect == 'ignores-sigint':
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, int(port)))
    sock.settimeout(TICK)
    word = 'ready on' if args.defect == 'no-listening-line' else 'listening on'
    print(f'{word} {host}:{sock.getsockname()[1]}', flush=True)
    try:
        serve(sock, args.defect)
    except KeyboardInterrupt:
        return 0


if __name__ == '__main__':
    sys.exit(main())
