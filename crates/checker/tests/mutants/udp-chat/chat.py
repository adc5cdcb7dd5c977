"""A udp-chat peer with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct live chat: a thread shows each
datagram as it comes, while the main thread sends each typed line.

    python3 chat.py [--defect NAME] --bind 127.0.0.1:0 --peer HOST:PORT

The defects, and the stage each must fail:

    sends-newline     sends each line with its newline        chat-send
    blocks-on-typing  looks for datagrams only between lines  chat-live
    slow              waits a quarter second before each send  (none)
"""

import argparse
import signal
import socket
import sys
import threading
import time


def address(text):
    host, _, port = text.rpartition(':')
    return host, int(port)


def show(sock):
    """Prints every datagram that comes, with who sent it."""
    while True:
        data, addr = sock.recvfrom(65535)
        text = data.decode('utf-8', 'replace')
        print(f'>>> {addr[0]}:{addr[1]}: {text}', flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bind', required=True)
    parser.add_argument('--peer', required=True, type=address)
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(address(args.bind))
    host, port = sock.getsockname()
    print(f'listening on {host}:{port}', flush=True)
    if args.defect == 'blocks-on-typing':
        sock.setblocking(False)
    else:
        threading.Thread(target=show, args=(sock,), daemon=True).start()
    try:
        for line in sys.stdin.buffer:
            if args.defect == 'blocks-on-typing':
                try:
                    while True:
                        data, addr = sock.recvfrom(65535)
                        text = data.decode('utf-8', 'replace')
                        print(f'>>> {addr[0]}:{addr[1]}: {text}', flush=True)
                except BlockingIOError:
                    pass
            if args.defect != 'sends-newline':
                line = line.rstrip(b'\n')
            if args.defect == 'slow':
                time.sleep(0.25)
            sock.sendto(line, args.peer)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
