"""A time client with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct client: it reads the answer to
the close, with a deadline, and prints it (RFC 868 as `N (date UTC)`).

    python3 client.py --connect 127.0.0.1:PORT [--rfc868] [--defect NAME]

The defects, and the stage each must fail:

    one-recv     one recv(1024) taken as the whole answer  client-split
    no-deadline  no read timeout: waits for ever           client-never-closes
    first-era    an RFC 868 number read as seconds from 1900, whatever
                 the date                                  client-rfc868
"""

import argparse
import socket
import struct
import sys
import time
from datetime import datetime, timezone

SECONDS_1900_TO_1970 = 2_208_988_800
READ_TIMEOUT = 10


def read_answer(sock, defect):
    if defect == 'one-recv':
        return sock.recv(1024)
    received = b''
    while True:
        chunk = sock.recv(1024)
        if not chunk:
            return received
        received += chunk


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--connect', required=True)
    parser.add_argument('--rfc868', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.connect.rpartition(':')
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.settimeout(None if args.defect == 'no-deadline' else READ_TIMEOUT)
    try:
        data = read_answer(sock, args.defect)
    except TimeoutError:
        sys.exit(f'error: no answer within {READ_TIMEOUT} s')
    if args.rfc868:
        if len(data) != 4:
            sys.exit(f'error: {len(data)} bytes, not 4')
        (number,) = struct.unpack('!I', data)
        unix = number - SECONDS_1900_TO_1970
        if args.defect != 'first-era':
            # The era nearest our clock.
            unix += (time.time() - unix + 2**31) // 2**32 * 2**32
        when = datetime.fromtimestamp(unix, timezone.utc)
        print(f'{number} ({when:%Y-%m-%d %H:%M:%S} UTC)')
    else:
        print(data.decode('utf-8'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
