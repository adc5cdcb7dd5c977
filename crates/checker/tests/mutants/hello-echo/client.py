"""A hello-echo client with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct client, both protocols.

    python3 client.py --connect 127.0.0.1:PORT [--lines] [--defect NAME] NAME...

The defects, and the stage each must fail:

    names-at-once  sends every name before reading a reply  client-hello
    one-recv       takes one recv() as a whole reply        client-split-reply
    traceback      a closed server raises an exception      client-server-gone
"""

import argparse
import socket
import sys


class Closed(Exception):
    """The server closed where a reply was expected."""


def read_reply(sock, length, defect):
    if defect == 'one-recv':
        data = sock.recv(1024)
    else:
        data = b''
        while len(data) < length:
            piece = sock.recv(length - len(data))
            if not piece:
                break
            data += piece
    if len(data) < length:
        if defect == 'traceback':
            raise ConnectionError('the server is gone')
        raise Closed()
    return data


def talk_raw(sock, names, defect):
    print(read_reply(sock, len(b'Welcome!'), defect).decode(), flush=True)
    if defect == 'names-at-once':
        sock.sendall(b''.join(names))
    for name in names:
        if defect != 'names-at-once':
            sock.sendall(name)
        reply = b'Hello, ' + name + b'!'
        print(read_reply(sock, len(reply), defect).decode(), flush=True)
    sock.sendall(b'exit')


def talk_lines(sock, names):
    with sock.makefile('rb') as replies:
        def reply():
            line = replies.readline(2048)
            if not line.endswith(b'\n'):
                raise Closed()
            print(line[:-1].decode(), flush=True)
        reply()
        for name in names:
            sock.sendall(name + b'\n')
            reply()
    sock.sendall(b'exit\n')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--connect', required=True)
    parser.add_argument('--lines', action='store_true')
    parser.add_argument('--defect', default='')
    parser.add_argument('names', nargs='*')
    args = parser.parse_args()
    host, _, port = args.connect.rpartition(':')
    names = [name.encode() for name in args.names]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            if args.lines:
                talk_lines(sock, names)
            else:
                talk_raw(sock, names, args.defect)
        except Closed:
            sys.exit('error: the server closed the connection')


if __name__ == '__main__':
    main()
