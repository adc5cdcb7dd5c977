"""A time server with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct server, in every format.

    python3 server.py --bind 127.0.0.1:0 [--rfc867|--rfc868] [--udp]
                      [--defect NAME]

It answers each connection on a thread of its own (the lesson answers on
the accepting thread; both are right), so that `pieces` stays quick when
clients come at once.

The defects, and the stage each must fail:

    no-listening-line  prints "Listening on port N"           listen
    hour-off           the time an hour late                  time
    newline            a newline after the time               time
    exits-after-one    exits after its first client           next-client
    slow-accept        0.25 s of work before each answer, on
                       the accepting thread                   burst
    plain-close        closes without shutdown(SHUT_WR) and
                       without reading what the client sent   no-reset
    dies-on-reset      any socket error ends the process      vanish
    rfc867-lf          --rfc867: the line ends in "\\n" alone  rfc867
    rfc868-little-endian
                       --rfc868: the 4 bytes least significant
                       first                                  rfc868
    udp-ignores-empty  --udp: no answer to an empty datagram  udp
    ignores-sigint     Ctrl-C does nothing                    stop
    pieces             every TCP answer in three send()s, 0.25 s apart:
                       correct, and must pass every stage
"""

import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time

# The blocking calls, shared by every mutant server (../blocking.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from blocking import TICK, accept, receive  # noqa: E402
from datetime import datetime, timedelta

SECONDS_1900_TO_1970 = 2_208_988_800
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday',
            'Saturday', 'Sunday')
MONTHS = ('January', 'February', 'March', 'April', 'May', 'June', 'July',
          'August', 'September', 'October', 'November', 'December')


def answer(form, defect):
    if form == 'rfc867':
        now = datetime.now().astimezone()
        end = '\n' if defect == 'rfc867-lf' else '\r\n'
        return (f'{WEEKDAYS[now.weekday()]}, {MONTHS[now.month - 1]} '
                f'{now.day}, {now:%Y %H:%M:%S %z}{end}').encode('ascii')
    if form == 'rfc868':
        order = '<I' if defect == 'rfc868-little-endian' else '!I'
        number = (int(time.time()) + SECONDS_1900_TO_1970) % 2**32
        return struct.pack(order, number)
    now = datetime.now()
    if defect == 'hour-off':
        now += timedelta(hours=1)
    text = str(now) + ('\n' if defect == 'newline' else '')
    return text.encode('utf-8')


def send(sock, data, defect):
    if defect != 'pieces':
        sock.sendall(data)
        return
    third = max(1, len(data) // 3)
    for start in range(0, len(data), third):
        if start:
            time.sleep(0.25)
        sock.sendall(data[start:start + third])


def handle(sock, form, defect):
    try:
        send(sock, answer(form, defect), defect)
        if defect != 'plain-close':
            # FIN first, then drop what the client sent: a close with
            # unread bytes would be a reset.
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
            try:
                while sock.recv(4096):
                    pass
            except BlockingIOError:
                pass
    except OSError as err:
        if defect == 'dies-on-reset':
            print(f'died: {err}', file=sys.stderr, flush=True)
            os._exit(1)
        print(f'client gone: {err}', file=sys.stderr, flush=True)
    finally:
        sock.close()


def serve_tcp(listener, form, defect):
    while True:
        sock, _ = accept(listener)
        if defect == 'slow-accept':
            time.sleep(0.25)
        sock.settimeout(5)
        worker = threading.Thread(target=handle, args=(sock, form, defect),
                                  daemon=True)
        worker.start()
        if defect == 'exits-after-one':
            worker.join()
            return


def serve_udp(sock, form, defect):
    while True:
        data, addr = receive(sock, 65535)
        if not data and defect == 'udp-ignores-empty':
            continue
        sock.sendto(answer(form, defect), addr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bind', default='127.0.0.1:0')
    parser.add_argument('--rfc867', dest='form', action='store_const',
                        const='rfc867', default='original')
    parser.add_argument('--rfc868', dest='form', action='store_const',
                        const='rfc868')
    parser.add_argument('--udp', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(':')
    if args.defect == 'ignores-sigint':
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    kind = socket.SOCK_DGRAM if args.udp else socket.SOCK_STREAM
    sock = socket.socket(socket.AF_INET, kind)
    if not args.udp:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    sock.settimeout(TICK)
    if not args.udp:
        sock.listen(128)
    try:
        # Inside the try: Ctrl-C may come as soon as the line is out.
        if args.defect == 'no-listening-line':
            print(f'Listening on port {sock.getsockname()[1]}', flush=True)
        else:
            print(f'listening on {host}:{sock.getsockname()[1]}', flush=True)
        if args.udp:
            serve_udp(sock, args.form, args.defect)
        else:
            serve_tcp(sock, args.form, args.defect)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
