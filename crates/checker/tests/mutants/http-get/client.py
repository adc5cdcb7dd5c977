"""An HTTP/1.1 GET client with one defect chosen on the command line, for
the checker's tests: each defect must fail the stage that checks it, and
only that one. Without --defect it is a correct client.

    python3 client.py [--head] [--timeout 1s] [--max-redirects N] URL -o FILE [--defect NAME]

The defects, and the stage each must fail:

    no-host              sends no Host header                   request
    accept-encoding      asks for gzip it cannot decode         request-headers
    text-body            saves the body decoded as UTF-8        content-length
    raw-chunks           saves a chunked body undecoded         chunked
    needs-length         refuses a body with no length          until-close
    head-reads-body      reads Content-Length bytes after HEAD  head
    body-after-204       reads a 204's body until the close     no-body
    saves-error-pages    saves a 4xx's body (and exits 1)       status-error
    lax-status           takes any first line for a 200         bad-status
    saves-short          saves a body cut short as complete     short-body
    no-timeout           ignores --timeout, waits for ever      stall
    interim-as-final     takes a 100 Continue for the answer    interim
    no-303               does not follow a 303                  redirect
    location-from-root   resolves a Location against the root   relative-location
    one-more-redirect    follows one redirect past the limit    redirect-limit
    pieces               sends the request in slow pieces       (none)
"""

import argparse
import os
import re
import socket
import sys
import tempfile
import time
import urllib.parse

STATUS = re.compile(rb'HTTP/1\.[0-9] ([1-9][0-9]{2})(?: .*)?$')
REDIRECTS = (301, 302, 303, 307, 308)
MAX_LINE = 64 * 1024


class Failure(Exception):
    pass


def duration(text):
    if text.endswith('ms'):
        return float(text[:-2]) / 1000
    return float(text.rstrip('s'))


def request(method, parts, defect):
    target = parts.path or '/'
    if parts.query:
        target += '?' + parts.query
    lines = [f'{method} {target} HTTP/1.1']
    if defect != 'no-host':
        lines.append(f'Host: {parts.netloc}')
    if defect == 'accept-encoding':
        lines.append('Accept-Encoding: gzip')
    lines.append('Connection: close')
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('ascii')


def line(f):
    got = f.readline(MAX_LINE)
    if not got.endswith(b'\n'):
        raise Failure('the server closed in the middle of the head')
    return got.rstrip(b'\r\n')


def read_head(f, defect):
    while True:
        first = line(f)
        match = STATUS.match(first)
        if match:
            status = int(match.group(1))
        elif defect == 'lax-status':
            status = 200
        else:
            raise Failure(f'not a status line: {first!r}')
        headers = {}
        lines = [first.decode('latin-1')]
        while True:
            header = line(f)
            if not header:
                break
            lines.append(header.decode('latin-1'))
            name, _, value = header.decode('latin-1').partition(':')
            headers.setdefault(name.strip().lower(), value.strip())
        if 100 <= status < 200 and defect != 'interim-as-final':
            continue
        return status, headers, lines


def framing(method, status, headers, defect):
    if method == 'HEAD' and defect != 'head-reads-body':
        return 'empty', None
    if status in (204, 304):
        return ('close', None) if defect == 'body-after-204' else ('empty', None)
    if 'transfer-encoding' in headers:
        if defect == 'raw-chunks':
            return 'close', None
        return 'chunked', None
    if 'content-length' in headers:
        return 'length', int(headers['content-length'])
    if defect == 'needs-length':
        raise Failure('no Content-Length')
    return 'close', None


def copy_body(f, how, length, out, defect):
    if how == 'empty':
        return
    if how == 'length':
        left = length
        while left:
            piece = f.read1(min(left, 65536))
            if not piece:
                if defect == 'saves-short':
                    return
                raise Failure('closed before the end of the body')
            out.write(piece)
            left -= len(piece)
        return
    if how == 'chunked':
        while True:
            size = int(line(f).split(b';')[0].strip(), 16)
            if size == 0:
                while line(f):
                    pass
                return
            data = f.read(size)
            if len(data) < size:
                raise Failure('closed in a chunk')
            out.write(data)
            line(f)
    while True:
        piece = f.read1(65536)
        if not piece:
            return
        out.write(piece)


def save(f, how, length, output, defect):
    directory = os.path.dirname(output) or '.'
    fd, part = tempfile.mkstemp(prefix='.mutant-', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as out:
            if defect == 'text-body':
                class Text:
                    def __init__(self):
                        self.data = b''

                    def write(self, data):
                        self.data += data
                text = Text()
                copy_body(f, how, length, text, defect)
                out.write(text.data.decode('utf-8', 'replace').encode('utf-8'))
            else:
                copy_body(f, how, length, out, defect)
        os.replace(part, output)
    except BaseException:
        os.remove(part)
        raise


def get(args):
    url = args.url
    followed = 0
    limit = args.max_redirects + (1 if args.defect == 'one-more-redirect' else 0)
    method = 'HEAD' if args.head else 'GET'
    while True:
        parts = urllib.parse.urlsplit(url)
        timeout = None if args.defect == 'no-timeout' else args.timeout
        sock = socket.create_connection((parts.hostname, parts.port or 80),
                                        timeout=timeout)
        with sock:
            data = request(method, parts, args.defect)
            if args.defect == 'pieces':
                third = len(data) // 3
                for piece in (data[:third], data[third:2 * third], data[2 * third:]):
                    sock.sendall(piece)
                    time.sleep(0.25)
            else:
                sock.sendall(data)
            f = sock.makefile('rb')
            status, headers, lines = read_head(f, args.defect)
            location = headers.get('location')
            follows = REDIRECTS if args.defect != 'no-303' else (301, 302, 307, 308)
            if status in follows and location:
                if followed >= limit:
                    raise Failure('too many redirects')
                followed += 1
                base = url
                if args.defect == 'location-from-root':
                    base = f'{parts.scheme}://{parts.netloc}/'
                url = urllib.parse.urljoin(base, location)
                continue
            if args.head:
                print('\n'.join(lines), flush=True)
            how, length = framing(method, status, headers, args.defect)
            if status >= 400 and args.defect == 'saves-error-pages' and args.output:
                save(f, how, length, args.output, args.defect)
            if not 200 <= status < 300:
                raise Failure(f'the server answered {status}')
            if args.output:
                save(f, how, length, args.output, args.defect)
            else:
                copy_body(f, how, length, sys.stdout.buffer, args.defect)
            return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('url')
    parser.add_argument('-o', '--output')
    parser.add_argument('--head', action='store_true')
    parser.add_argument('--timeout', type=duration, default=30.0)
    parser.add_argument('--max-redirects', type=int, default=5)
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    try:
        return get(args)
    except (Failure, OSError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
