"""A udp-chat echo client with one defect chosen on the command line, for
the checker's tests: each defect must fail the stage that checks it, and
only that one. Without --defect it is a correct client: it waits a second
for each reply, asks again up to three times, skips datagrams that are not
the reply it waits for, and exits 1 with an `error:` line if a request
was never answered.

    python3 client.py [--defect NAME] --connect 127.0.0.1:PORT --count N

The defects, and the stage each must fail:

    all-at-once      sends every request before reading a reply  client-hello
    retries-forever  never gives up                              client-lost
    no-retry         gives a request up at its first timeout     client-retry
    counts-stale     takes any datagram for the reply            client-stale
    slow             waits a quarter second before each send     (none)
"""

import argparse
import socket
import sys
import time

TIMEOUT = 1.0
RETRIES = 3


def ask(sock, server, number, defect):
    """Sends one request until its reply comes; the reply, or None."""
    request = str(number).encode()
    expected = b'Hello, %s!' % request
    tries = 0
    while defect == 'retries-forever' or tries <= RETRIES:
        if defect == 'slow':
            time.sleep(0.25)
        if defect != 'all-at-once':
            sock.sendto(request, server)
        tries += 1
        deadline = time.monotonic() + TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data = sock.recv(65535)
            except socket.timeout:
                break
            if data == expected or defect == 'counts-stale':
                return data
        if defect == 'no-retry':
            return None
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--connect', required=True)
    parser.add_argument('--count', type=int, default=100)
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.connect.rpartition(':')
    server = (host, int(port))
    lost = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        if args.defect == 'all-at-once':
            for number in range(args.count):
                sock.sendto(str(number).encode(), server)
        for number in range(args.count):
            reply = ask(sock, server, number, args.defect)
            if reply is None:
                lost += 1
                print(f'no reply to {number}', file=sys.stderr)
            else:
                print(reply.decode('utf-8', 'replace'), flush=True)
    if lost:
        sys.exit(f'error: {lost} of {args.count} requests got no reply')
    return 0


if __name__ == '__main__':
    sys.exit(main())
