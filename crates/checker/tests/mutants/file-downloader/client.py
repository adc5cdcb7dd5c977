"""A file-downloader client with one defect chosen on the command line, for
the checker's tests: each defect must fail the stage that checks it, and
only that one. Without --defect it is a correct client, both protocols.

    python3 client.py --connect HOST:PORT NAME -o PATH [--framed] [--defect NAME]

The defects, and the stage each must fail:

    one-recv               one recv() is the whole file          client-pieces
    keeps-partial          writes straight into PATH, and keeps
                           it when the connection breaks (not
                           with --framed)                        client-cut
    framed-ignores-header  --framed: saves the header line too   client-framed
    trusts-close           --framed: a close is the end, whatever
                           the size said                         client-framed-cut
    raw-reason             --framed: prints an ERROR reason as
                           it came, control characters and all   client-refusal
    pieces                 the request in two sends, 0.25 s apart:
                           correct, and must pass every stage
"""

import argparse
import os
import socket
import sys
import time


def send(sock, data, defect):
    if defect != 'pieces':
        sock.sendall(data)
        return
    half = max(1, len(data) // 2)
    sock.sendall(data[:half])
    time.sleep(0.25)
    sock.sendall(data[half:])


def read_all(sock, out, defect):
    """Writes what comes to OUT until the close; returns the count."""
    got = 0
    while True:
        data = sock.recv(65536)
        if not data:
            return got
        out.write(data)
        got += len(data)
        if defect == 'one-recv':
            return got


def escaped(data):
    text = data.decode('utf-8', 'replace')
    return ''.join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def download(sock, name, out, framed, defect):
    if not framed:
        send(sock, name, defect)
        sock.shutdown(socket.SHUT_WR)
        if read_all(sock, out, defect) == 0:
            raise Exception('the server sent nothing')
        return
    send(sock, b'FETCH 0 ' + name + b'\n', defect)
    received = b''
    while b'\n' not in received:
        data = sock.recv(65536)
        if not data:
            raise Exception('no header')
        received += data
    line, _, body = received.partition(b'\n')
    if defect == 'framed-ignores-header':
        out.write(received)
        read_all(sock, out, defect)
        return
    if line.startswith(b'ERROR '):
        reason = line[6:]
        if defect == 'raw-reason':
            reason = reason.decode('utf-8', 'replace')
        else:
            reason = escaped(reason)
        raise Exception(f'the server refused: {reason}')
    size = int(line[3:])
    out.write(body)
    got = len(body) + read_all(sock, out, defect)
    if got != size and defect != 'trusts-close':
        raise Exception(f'got {got} of {size} bytes')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--connect', required=True)
    parser.add_argument('name')
    parser.add_argument('-o', '--output', required=True)
    parser.add_argument('--framed', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.connect.rpartition(':')
    keep = args.defect == 'keeps-partial' and not args.framed
    part = args.output if keep else args.output + '.part'
    saved = False
    try:
        with open(part, 'wb') as out, \
                socket.create_connection((host, int(port)), timeout=10) as sock:
            download(sock, os.fsencode(args.name), out, args.framed,
                     args.defect)
        if not keep:
            os.replace(part, args.output)
        saved = True
    except Exception as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    finally:
        if not saved and not keep:
            os.remove(part)
    print(f'saved {args.output}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
