"""The threaded downloader of chapter 05, in Python 3 with the standard
library only (lesson 6).

It fetches a JSON document that lists URLs, then downloads every URL in it
at once, one thread per URL, and saves each body under the last part of its
URL's path. The JSON is shaped as the original's picture API answers:

    {"code": 200, "newslist": [{"picUrl": "http://127.0.0.1:8000/img/1.jpg"},
                               {"picUrl": "http://127.0.0.1:8000/img/2.jpg"}]}

On the wire (C is this program, S a server; urllib writes the requests, one
connection each, and reads the responses):

    C: GET /api/meinv?num=2 HTTP/1.1
    C: Host: 127.0.0.1:8000
    C: Connection: close
    C:
    S: HTTP/1.1 200 OK
    S: Content-Type: application/json
    S: Content-Length: 140
    S:
    S: {"code": 200, "newslist": [...]}

    then, on two connections at the same time:
    C: GET /img/1.jpg HTTP/1.1 ...      C: GET /img/2.jpg HTTP/1.1 ...
    S: HTTP/1.1 200 OK ...              S: HTTP/1.1 302 Found
       (the picture's bytes)            S: Location: /moved/2.jpg
                                           (urllib follows it, on a new
                                           connection)

The original uses requests, which does all of that for it; urllib from the
standard library does the same here. Unlike get.py, which reads until the
server closes, urllib ends each body the way its head says: Content-Length,
chunked or the close, as the Rust port's client does by hand.

https:// URLs work too, for the list and in it: urllib wraps each
connection in Python's ssl, trusting the system's CAs and checking that the
certificate is for the URL's host. This program shares no code with
get.py, and is not its equal over TLS. It has no --cacert (OpenSSL reads
its CA file from the SSL_CERT_FILE environment variable instead when it is
set: that is how a test trusts its own CA). And http.client leaves ssl's
suppress_ragged_eofs on, so a body that ends at the close is taken whole
even when the server's close_notify never came: the rule that get.py and
the Rust port apply is not applied here. A body with a Content-Length is
checked by its length all the same (see save()).

Once every thread has finished, it prints one line per URL, in the JSON's
order:

    1.jpg: 50000 bytes
    2.jpg: error: the server answered 404 Not Found

Each file is written under a hidden temporary name ending in ".part" and
renamed only once complete; a failed download leaves no file. Exit status:
0 if every download succeeded, 1 otherwise (and for a JSON that cannot be
fetched or read: one "error: ..." line on stderr), 2 for a usage error.

Try it, from the repository root, with the book's server in another
terminal (cargo run -q -p http-get -- serve --bind 127.0.0.1:8080), which
serves the demo's four pictures and a JSON list of them:

    python3 crates/http-get/python/download.py \
        'http://127.0.0.1:8080/api/meinv?num=4' --dir /tmp/pics

(cargo run -p http-get -- demo runs the Rust port of the same program, with a
server of its own.)
"""

import argparse
import http.client
import json
import os
import socket
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request

# How long a connect, and then each read, may wait: every request has one.
# original's defect: requests.get() without a timeout (only the retry loop,
# never called, set one), so one silent server kept its thread, and the
# program, waiting forever.
TIMEOUT = 30

# How much one read takes from a response: a picture goes to its file in
# pieces, never whole in memory.
CHUNK = 64 * 1024

# The most "100 Continue" heads taken before the real answer, as the Rust
# client (its head.rs, MAX_INTERIM_RESPONSES). http.client skips them in a
# loop that counts nothing (HTTPResponse.begin), and each one restarts the
# TIMEOUT, so a server that sent one every few seconds kept a download, and
# the program, waiting for as long as it liked.
MAX_INTERIM = 5

# What a URL from the JSON may be. urllib opens file: and ftp: URLs too, and
# a list from the network must not make us copy a local file.
SCHEMES = ('http', 'https')

# The hidden temporary name of a download in progress.
PART_PREFIX = '.download-'
PART_SUFFIX = '.part'


class Failure(Exception):
    """A download, or the list, failed; the text says why."""


def one_line(text):
    """A message on one line: some of urllib's span several."""
    return ' '.join(str(text).split())


def describe(err):
    """What went wrong, in words, from the exceptions urllib and
    http.client raise."""
    if isinstance(err, Failure):
        return str(err)
    if isinstance(err, urllib.error.HTTPError):
        return one_line(f'the server answered {err.code} {err.reason}')
    if isinstance(err, urllib.error.URLError):
        if not isinstance(err.reason, BaseException):
            return one_line(err.reason)
        err = err.reason  # the socket's error, underneath
    if isinstance(err, TimeoutError):
        return f'no answer from the server within {TIMEOUT} s'
    if isinstance(err, ConnectionRefusedError):
        return 'connection refused (no server listens on that port)'
    if isinstance(err, socket.gaierror):
        return f'cannot resolve the host: {err.strerror}'
    if isinstance(err, http.client.IncompleteRead):
        return (f'the body was cut short after {len(err.partial)} bytes '
                '(the server closed early)')
    if isinstance(err, http.client.RemoteDisconnected):
        return 'the server closed the connection without answering'
    if isinstance(err, http.client.HTTPException):
        return one_line(f'not a valid HTTP response ({type(err).__name__}: {err})')
    if isinstance(err, OSError):
        return one_line(err.strerror or err)
    return one_line(f'{type(err).__name__}: {err}')


class BoundedResponse(http.client.HTTPResponse):
    """An HTTPResponse that refuses a sixth "100 Continue" head.

    begin() reads each status line, interim or final, through
    _read_status(): the one place to count them.
    """

    interim = 0

    def _read_status(self):
        version, status, reason = super()._read_status()
        if status == http.client.CONTINUE:
            self.interim += 1
            if self.interim > MAX_INTERIM:
                raise Failure(f'the server sent over {MAX_INTERIM} interim '
                              '(1xx) responses and no final one')
        return version, status, reason


class BoundedInterim:
    """Makes a urllib handler's connections read BoundedResponses."""

    def do_open(self, http_class, req, **kwargs):
        class Connection(http_class):
            response_class = BoundedResponse
        return super().do_open(Connection, req, **kwargs)


class BoundedHTTPHandler(BoundedInterim, urllib.request.HTTPHandler):
    """urllib's http:// handler, with the bound."""


class BoundedHTTPSHandler(BoundedInterim, urllib.request.HTTPSHandler):
    """urllib's https:// handler, with the bound."""


# urlopen() with these two in place of the standard ones (build_opener
# drops a default handler when given a subclass of it).
OPENER = urllib.request.build_opener(BoundedHTTPHandler, BoundedHTTPSHandler)


def open_url(url):
    """urlopen() with a timeout and a bound on interim heads, for http://
    and https:// only.

    urllib follows redirects (up to 10, and it stops a loop), and raises
    HTTPError for any final status outside 2xx: an error page is never
    taken for the file.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise Failure(f'{url!r} is not an http:// or https:// URL')
    try:
        return OPENER.open(url, timeout=TIMEOUT)
    except urllib.error.HTTPError as err:
        err.close()  # it holds the error page's connection, not wanted
        raise


def read_list(json_url):
    """Fetches the JSON and returns its picUrl values, in order (an item
    without one gives None)."""
    try:
        with open_url(json_url) as response:
            body = response.read()
    except Exception as err:
        raise Failure(f'{json_url}: {describe(err)}') from None
    try:
        data = json.loads(body)
    except ValueError as err:  # not JSON, or not UTF-8 text at all
        raise Failure(f'{json_url}: the answer is not JSON ({err})') from None
    items = data.get('newslist') if isinstance(data, dict) else None
    if not isinstance(items, list):
        # original's defect: looking up 'newslist' raised a KeyError when
        # the API refused (a wrong key, say), and the API's own "code" and
        # "msg", which say why, were never read.
        said = (f' (it says code {data.get("code")!r}: {data.get("msg")!r})'
                if isinstance(data, dict) and 'code' in data else '')
        raise Failure(f'{json_url}: no "newslist" list in the JSON{said}')
    return [item.get('picUrl') if isinstance(item, dict) else None
            for item in items]


# ANCHOR: file_name
def file_name(url):
    """The last part of the URL's path, decoded: where its body is saved.

    original's defect: it took everything after the URL's last '/', which
    kept the query ("1.jpg?w=200"), gave '' for a URL ending in '/', and
    could give '..'.
    """
    last = urllib.parse.urlsplit(url).path.rsplit('/', 1)[-1]
    name = urllib.parse.unquote(last)
    if name in ('', '.', '..') or any(c in name for c in '/\\\0'):
        raise Failure("no file name at the end of the URL's path")
    return name
# ANCHOR_END: file_name


def file_mode():
    """The mode of a new file here: 0666 less the umask.

    mkstemp() makes a private file (0600), right for a secret, wrong for a
    picture. The umask can only be read by setting it and putting it back,
    so this runs once, before any thread starts.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


# ANCHOR: save
def save(url, path, mode):
    """Downloads `url` into `path`; returns how many bytes it wrote.

    original's defect: the body was written without a look at the
    status, so a 404 page was saved as a picture (urllib raises for it).
    """
    with open_url(url) as response:
        # The Content-Length, as http.client read it; None when the body is
        # chunked or ends at the close.
        expected = response.length
        # A unique hidden name in the same directory: the rename below is
        # then atomic, and `path` appears only complete.
        fd, part = tempfile.mkstemp(prefix=PART_PREFIX, suffix=PART_SUFFIX,
                                    dir=os.path.dirname(path) or '.')
        try:
            os.fchmod(fd, mode)
            got = 0
            with os.fdopen(fd, 'wb') as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    got += len(chunk)
            # http.client's read(n) returns b'' at an early close without
            # complaint when the length was given: count, and compare.
            if expected is not None and got < expected:
                raise Failure(f'the body was cut short: {got} of {expected} '
                              'bytes (the server closed early)')
            os.replace(part, path)
        except BaseException:
            try:
                os.remove(part)  # leave no half file behind
            except OSError:
                pass
            raise
    return got
# ANCHOR_END: save


def plan(urls, directory):
    """(name, path or None, error or None) for each URL, in order; a URL
    whose name is missing or taken gets an error and no thread."""
    jobs = []
    taken = set()
    for n, url in enumerate(urls, 1):
        if not isinstance(url, str):
            jobs.append((f'item {n}', None, 'no "picUrl" string in this item'))
            continue
        try:
            name = file_name(url)
        except Failure as failure:
            jobs.append((url, None, str(failure)))
            continue
        if name in taken:
            # Two threads writing one name: the last rename would win,
            # silently. The first URL keeps it.
            jobs.append((name, None, f'an earlier URL is saved as {name} too: '
                                     f'{url} was not downloaded'))
            continue
        taken.add(name)
        jobs.append((name, os.path.join(directory, name), None))
    return jobs


# ANCHOR: download_all
def download_all(urls, directory):
    """Downloads every URL at once, one thread each; returns one
    (succeeded, line) per URL, in order."""
    mode = file_mode()
    jobs = plan(urls, directory)
    # Each thread writes only its own slot, and the main thread reads the
    # slots only after join(): no lock is needed.
    results = [(False, f'error: {error}') if error else None
               for _, _, error in jobs]

    def work(n, url, path):
        # original's defect: an exception in a thread printed a traceback
        # and was lost; nothing told main() which downloads failed. Every
        # outcome is kept here, to be reported in order.
        try:
            results[n] = (True, f'{save(url, path, mode)} bytes')
        except Exception as err:
            results[n] = (False, f'error: {describe(err)}')

    # One thread per URL, as in the original, however many the JSON lists:
    # a list of 10,000 URLs means 10,000 threads and connections at once.
    # The Rust port runs a bounded pool instead (http-get --jobs N).
    # Daemon threads, so that Ctrl-C ends the program at once.
    threads = []
    for n, ((name, path, error), url) in enumerate(zip(jobs, urls)):
        if error:
            continue
        thread = threading.Thread(target=work, args=(n, url, path),
                                  name=name, daemon=True)
        try:
            thread.start()
        except RuntimeError as err:  # the system has no more threads to give
            results[n] = (False, f'error: could not start a thread: {err}')
            continue
        threads.append(thread)
    # original's defect: main() returned at once, and nobody waited to learn
    # how the downloads ended.
    for thread in threads:
        thread.join()
    return [(succeeded, f'{name}: {said}')
            for (name, _, _), (succeeded, said) in zip(jobs, results)]
# ANCHOR_END: download_all


def main():
    parser = argparse.ArgumentParser(
        description='Lesson 6: fetch a JSON list of URLs ({"newslist": '
                    '[{"picUrl": URL}, ...]}), then download every URL in it '
                    'at once, one thread each. Prints one line per URL; exits '
                    '0 only if every download succeeded.')
    parser.add_argument('json_url', metavar='JSON_URL',
                        help='where the list is: http[s]://HOST[:PORT]/PATH')
    # original's defect: the files went to a folder of the author's own
    # machine, its path glued to the file name without a '/' in between, so
    # "1.jpg" became "notes1.jpg" beside the folder.
    parser.add_argument('--dir', metavar='DIR', default='.',
                        help='where to save the files (created if missing; '
                             'default: the current directory)')
    args = parser.parse_args()
    try:
        os.makedirs(args.dir, exist_ok=True)
    except OSError as err:
        print(f'error: cannot create {args.dir}: {err.strerror or err}',
              file=sys.stderr)
        return 1
    try:
        urls = read_list(args.json_url)
    except Failure as failure:
        print(f'error: {failure}', file=sys.stderr)
        return 1
    if not urls:
        print(f'{args.json_url}: the list is empty; nothing to download',
              file=sys.stderr)
        return 0
    # original's defect (never reached): its retry method was never
    # called, and would have failed anyway: it passed the thread object to
    # requests in place of its URL, swallowed every error with a bare
    # except, and named an undefined `url` in its message. We
    # make one attempt per URL and report each failure instead.
    outcomes = download_all(urls, args.dir)
    print('\n'.join(line for _, line in outcomes))
    return 0 if all(succeeded for succeeded, _ in outcomes) else 1


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
