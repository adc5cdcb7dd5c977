"""An HTTP GET written by hand on a TCP socket, in Python 3 (lesson 6).

It connects to the URL's host, writes a GET request, reads everything the
server sends until the server closes the connection, and cuts that at the
first empty line: before it is the response head (status line and headers),
which it prints on stdout; after it is the body, which it saves with -o FILE,
or else prints on stdout after the head and an empty line.

On the wire (C is this program, S the server; every line ends in CR LF):

    C: GET /notes.txt?v=2 HTTP/1.1
    C: Host: 127.0.0.1:8000         (the port too, unless it is the
                                     scheme's: 80, or 443 for https)
    C: Connection: close            (one request, then please close)
    C:                              (the empty line: the request ends here)
    S: HTTP/1.0 200 OK
    S: Content-Type: text/plain
    S: Content-Length: 5103
    S:
    S: ...the 5103 bytes of the body...
       (the server closes the connection: that was all of it)

What the originals do. Chapter 01 (as we have it) creates an IPv4 TCP
socket, connects it to www.baidu.com port 80, says the next step is to send
a request for the home page, and stops there: this program is that next
step. Chapter 02's tcpCli is the minimal variant: it sends "GET /\\n\\n" (no
version, no Host header, bare LF line ends: the HTTP/0.9 way, which a
server is free to refuse) to www.jd.com, and prints each recv(1024) as it
arrives.

Like the original, this program takes the server's close as the end of the
body, and that is its limitation: it never reads Content-Length or
Transfer-Encoding. A body sent with "Transfer-Encoding: chunked" is saved
with its chunk framing in it (the sizes in hex, the CR LFs, the final "0"
and any trailers), and over http a body cut short by a broken connection
cannot be told from a whole one. It follows no redirects either: a 3xx is
reported with its Location. The Rust port (cargo run -p http-get -- URL)
reads the head first and then ends the body the way the head says (RFC 9112
section 6.3): Content-Length, chunked, or the close.

An https:// URL gets TLS from Python's ssl module, between the socket and
HTTP. After connect(), a handshake: the server shows its certificate chain,
which must lead to a CA this machine trusts (the system's store, which
ssl.create_default_context() loads, and each --cacert FILE besides), and the
certificate must be for the URL's host, which the server is told (SNI) when
it is a name. From then on every sendall() and recv() goes through encrypted
records, and the request and the reading are the ones above. This is the one
place TLS changes the framing: TCP's close is not protected (anyone on the
path can forge one), so a body that ends at the close is whole only if the
server's TLS close_notify came first. Wrapped with suppress_ragged_eofs=False,
the socket raises ssl.SSLEOFError at a close without it; that is an error
here, and -o leaves no file. Since this program ends every body at the
close, a server that sends a Content-Length and then closes without
close_notify fails here too: Python's own http.server wrapped in ssl is one
(its socketserver calls shutdown(), which on an SSLSocket skips
close_notify). The Rust port ends such a body by its length, and is not
affected.

--head, --timeout DURATION and --max-redirects N take the Rust client's
syntax, so that the checker (cargo run -p checker -- http-get --python) can
run this program through its stages; without them it does what it always
did. A HEAD's response is read to the close like any other, and
--max-redirects is accepted and ignored: no redirect is followed.

Exit status: 0 for a 2xx response, 1 for any other response or an error
(one "error: ..." line on stderr), 2 for a usage error.

Try it, from the repository root, with the book's server in another
terminal (cargo run -q -p http-get -- serve --bind 127.0.0.1:8080):

    python3 crates/http-get/python/get.py http://127.0.0.1:8080/hello.txt
    python3 crates/http-get/python/get.py http://127.0.0.1:8080/chunked -o /tmp/c.txt

Over https, with the book's server inside TLS in another terminal (the
first line): it makes a CA, serves with a certificate signed by it, and
writes the CA's certificate to the file --tls names, for --cacert:

    cargo run -q -p http-get -- serve --tls /tmp/ca.pem --bind 127.0.0.1:8443
    python3 crates/http-get/python/get.py --cacert /tmp/ca.pem https://127.0.0.1:8443/hello.txt
"""

import argparse
import os
import socket
import ssl
import sys
import urllib.parse

# The port of a URL that names none, by its scheme.
DEFAULT_PORTS = {'http': 80, 'https': 443}

# How long connect(), and then each recv(), may wait. original's defect: no
# timeout at all, so a server that accepted and then said nothing hung it.
TIMEOUT = 30

# How much one recv() may return. The response arrives in pieces of
# whatever size TCP delivers; this only caps each piece.
CHUNK = 64 * 1024

# The longest response head we wait for, as the Rust client (its head.rs).
# Real heads are a few hundred bytes; a server that sends megabytes before
# the empty line is broken or hostile, and we stop collecting.
MAX_HEAD = 64 * 1024

# OpenSSL's verify codes (X509_V_ERR_*, as SSLCertVerificationError's
# verify_code) that mean no CA we trust signed the chain: what --cacert is for.
UNKNOWN_ISSUER = {
    2,   # UNABLE_TO_GET_ISSUER_CERT: the issuer is not in our store
    18,  # DEPTH_ZERO_SELF_SIGNED_CERT: a self-signed certificate alone
    19,  # SELF_SIGNED_CERT_IN_CHAIN: the chain ends in a root we do not trust
    20,  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY: no issuer among our roots
    21,  # UNABLE_TO_VERIFY_LEAF_SIGNATURE: the same, for a lone certificate
}
NOT_YET_VALID = 9   # X509_V_ERR_CERT_NOT_YET_VALID
EXPIRED = 10        # X509_V_ERR_CERT_HAS_EXPIRED
NAME_MISMATCH = {
    62,  # X509_V_ERR_HOSTNAME_MISMATCH
    64,  # X509_V_ERR_IP_ADDRESS_MISMATCH
}

# What OpenSSL reports when the first bytes back are not a TLS record, as
# when a plain HTTP server answers the handshake with "HTTP/1.1 400": the
# reason before OpenSSL 3.2 (tested), and the one from 3.2 on (urllib3
# looks for the same two to spot a plain HTTP proxy).
NOT_TLS = {'WRONG_VERSION_NUMBER', 'RECORD_LAYER_FAILURE'}

# Added to the output's name until the body is complete: a file without it
# is always a finished download.
PART_SUFFIX = '.part'

# Characters quote() leaves alone in a request target, besides letters,
# digits and "_.-~": the URL's own delimiters, and "%" so that what is
# already percent-encoded stays as it is.
TARGET_SAFE = "/?:@!$&'()*+,;=%[]"


class Failure(Exception):
    """The fetch failed; the text says why, for an "error:" line."""


def printable(text):
    """A line of the head as it may be shown on a terminal: control
    characters come out escaped, so a header cannot drive the terminal."""
    return ''.join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# ANCHOR: parse_url
def parse_url(url):
    """Splits an http:// or https:// URL into (scheme, host, port, Host
    header, request target).

    The original hard-coded the host and the path; here they come from a URL
    on the command line, so anything in it that would break the request is
    refused before it reaches the socket.
    """
    # A space would end the request target early; a CR LF would start a
    # header of the URL's choosing.
    bad = [c for c in url if c.isspace() or not c.isprintable()]
    if bad:
        raise Failure(f'the URL holds {bad[0]!r}; spaces and control characters '
                      'must be percent-encoded (a space is %20)')
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise Failure(f'{url!r} is not an http:// or https:// URL; write e.g. '
                      'http://127.0.0.1:8000/')
    if parts.username is not None or parts.password is not None:
        raise Failure('user names and passwords in URLs are not supported')
    host = parts.hostname
    if not host:
        raise Failure(f'{url!r} has no host')
    try:
        port = parts.port
    except ValueError:
        raise Failure(f'{url!r} has no valid port (1 to 65535)') from None
    if port == 0:
        raise Failure(f'{url!r} has no valid port (1 to 65535)')
    # The Host header is ASCII: a name in another script goes as punycode,
    # and an IPv6 address goes in brackets, as in the URL.
    try:
        host_header = host.encode('idna').decode('ascii')
    except UnicodeError:
        raise Failure(f'{host!r} is not a valid host name') from None
    if ':' in host_header:
        host_header = f'[{host_header}]'
    default_port = DEFAULT_PORTS[parts.scheme]
    if port is not None and port != default_port:
        host_header += f':{port}'
    # The request target is the path and the query; the fragment (#part) is
    # the browser's, never sent. A request line is ASCII, so anything else
    # goes percent-encoded, as a browser does.
    target = parts.path or '/'
    if parts.query:
        target += '?' + parts.query
    target = urllib.parse.quote(target, safe=TARGET_SAFE)
    return parts.scheme, host, port or default_port, host_header, target
# ANCHOR_END: parse_url


def parse_duration(text):
    """A --timeout as the Rust client takes it: seconds, with a unit (30s,
    500ms, 1m) or without one (2.5)."""
    units = {'ms': 0.001, 's': 1, 'm': 60}
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            number, scale = text[:-len(unit)], units[unit]
            break
    else:
        number, scale = text, 1
    try:
        seconds = float(number) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a duration; write e.g. 30s or 500ms') from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError('a timeout must be more than 0')
    return seconds


# ANCHOR: request
def request(host_header, target, method='GET'):
    """The request's bytes: request line, headers, and the empty line that
    ends them.

    HTTP/1.1 requires Host: one address may serve many sites. With
    "Connection: close" the server closes once it has answered, and that
    close is how this program knows the body is complete.
    """
    # original's defect (chapter 02): "GET /\n\n" names no version and no
    # Host, and ends its lines in bare LF; HTTP/1.1 lines end in CR LF.
    return (f'{method} {target} HTTP/1.1\r\n'
            f'Host: {host_header}\r\n'
            'Connection: close\r\n'
            '\r\n').encode('ascii')
# ANCHOR_END: request


# ANCHOR: connect
def connect(host, port):
    """A connected socket with TIMEOUT on every later recv() and send().

    original's defect: socket(AF_INET) and connect() handle IPv4 only, and
    never give up. create_connection() resolves the name and tries each
    address, IPv4 or IPv6, until one answers.
    """
    where = f'[{host}]:{port}' if ':' in host else f'{host}:{port}'
    try:
        return socket.create_connection((host, port), timeout=TIMEOUT)
    except ConnectionRefusedError:
        raise Failure(f'could not connect to {where}: connection refused '
                      '(no server listens on that port)') from None
    except socket.gaierror as err:
        raise Failure(f'cannot resolve {host!r}: {err.strerror}') from None
    except TimeoutError:
        raise Failure(f'could not connect to {where}: no answer within '
                      f'{TIMEOUT} s') from None
    except OSError as err:
        raise Failure(f'could not connect to {where}: {err.strerror or err}') from None
# ANCHOR_END: connect


# ANCHOR: tls_context
def tls_context(cacerts):
    """The TLS settings for https://: trust the system's CAs and those in
    each file of `cacerts` (--cacert), and check the certificate's name.
    """
    # create_default_context(cafile=...) would trust that file instead of
    # the system's store; loaded afterwards, it adds to it, as the Rust
    # port's --cacert adds to its roots.
    context = ssl.create_default_context()
    for path in cacerts:
        try:
            context.load_verify_locations(cafile=path)
        except ssl.SSLError:  # read, but no certificate in it
            raise Failure(f'--cacert {path}: no certificate in it (a PEM file '
                          'holds -----BEGIN CERTIFICATE----- blocks)') from None
        except OSError as err:
            raise Failure(f'--cacert {path}: {err.strerror or err}') from None
    # Said in the handshake (ALPN): this program speaks HTTP/1.1 only.
    context.set_alpn_protocols(['http/1.1'])
    return context
# ANCHOR_END: tls_context


# ANCHOR: start_tls
def start_tls(sock, host, context):
    """Completes the TLS handshake on `sock` for `host`; returns the socket
    to use from then on, whose sendall() encrypts and recv() decrypts.

    A certificate this program does not trust fails here, with its reason,
    before a byte of the request is sent.
    """
    try:
        # server_hostname is both the SNI the server is told and the name
        # the certificate must hold. suppress_ragged_eofs=False: a close
        # without close_notify raises SSLEOFError, never passes for an end.
        return context.wrap_socket(sock, server_hostname=host,
                                   suppress_ragged_eofs=False)
    except ssl.SSLCertVerificationError as err:
        raise Failure(certificate_problem(err, host)) from None
    except (ssl.SSLEOFError, ConnectionResetError):
        raise Failure('the server closed the connection during the TLS '
                      'handshake') from None
    except ssl.SSLError as err:
        if err.reason in NOT_TLS:
            raise Failure('the server does not speak TLS (a plain http:// '
                          f'server on this port?): {err.reason}') from None
        raise Failure(f'the TLS handshake failed: {err.reason or err}') from None
    except TimeoutError:
        raise Failure(f'the server sent nothing for {TIMEOUT} s during the TLS '
                      'handshake; gave up') from None
    except OSError as err:
        raise Failure('lost the connection during the TLS handshake: '
                      f'{err.strerror or err}') from None
# ANCHOR_END: start_tls


def certificate_problem(err, host):
    """What is wrong with the server's certificate, and what to do."""
    code = err.verify_code
    if code in UNKNOWN_ISSUER:
        return (f'the certificate of {host} is signed by an authority this '
                'program does not trust; to trust your own CA, pass '
                '--cacert CA.pem')
    if code in NAME_MISMATCH:
        # ssl reports the name it checked, not the names the certificate
        # holds (the Rust port, where rustls reports them, shows both).
        return (f'the certificate is not for {host} (Python\'s ssl does not '
                'say which names it is for)')
    if code == EXPIRED:
        return (f'the certificate of {host} has expired (its notAfter date '
                'has passed: the server must renew it, or this machine\'s '
                'clock is wrong)')
    if code == NOT_YET_VALID:
        return (f'the certificate of {host} is not valid yet (its notBefore '
                'date is to come: is this machine\'s clock right?)')
    return f'the certificate of {host} is not valid: {err.verify_message}'


def open_connection(host, port, context):
    """connect(), then, for https:// (a `context`), start_tls()."""
    sock = connect(host, port)
    return sock if context is None else start_tls(sock, host, context)


def receive(sock, received):
    """One recv(), with its failures said in words; b'' means the server
    closed. `received` is how many bytes came before, for the message."""
    try:
        return sock.recv(CHUNK)
    except ssl.SSLEOFError:
        # Over TLS, b'' comes only after the server's close_notify; a close
        # without it may be a cut (by a fault, or by whoever forged the
        # FIN): the one place TLS changes this program's framing.
        raise Failure("the server closed the connection without TLS's "
                      f'close_notify, after {received} bytes: what came may '
                      'be cut short') from None
    except TimeoutError:
        raise Failure(f'the server sent nothing for {TIMEOUT} s, after '
                      f'{received} bytes; gave up') from None
    except OSError as err:  # e.g. a reset: the server went away
        raise Failure(f'lost the connection after {received} bytes: '
                      f'{err.strerror or err}') from None


# ANCHOR: read_head
def read_head(sock):
    """Receives until the first empty line; returns (head, body bytes that
    came in the same pieces).

    TCP keeps no boundaries: the head may take several recv()s, and the
    last of them usually brings the start of the body too.
    """
    received = b''
    while True:
        end = received.find(b'\r\n\r\n')
        if end >= 0:
            return received[:end], received[end + 4:]
        if len(received) > MAX_HEAD:
            raise Failure(f'no end of the response head in the first {MAX_HEAD} '
                          'bytes; is this an HTTP server?')
        chunk = receive(sock, len(received))
        if not chunk:  # 0 bytes: the server has closed
            if not received:
                raise Failure('the server closed the connection without answering')
            # A response without its empty line is cut short (or not HTTP):
            # say so, rather than take part of the head for a body.
            raise Failure('the server closed the connection before the end of '
                          'the response head')
        received += chunk
# ANCHOR_END: read_head


def head_lines(head):
    """The head as text lines: status line first, then one per header.

    Not decoded as UTF-8, which raises on the first byte that is not: a
    head is ASCII as a rule, and ISO-8859-1 at worst (RFC 9110, section
    5.5); decoded as that, any bytes make text.
    """
    return [printable(line) for line in head.decode('iso-8859-1').split('\r\n')]


# ANCHOR: status_of
def status_of(lines):
    """The status code and reason from the status line ("HTTP/1.1 200 OK")."""
    version, _, rest = lines[0].partition(' ')
    code, _, reason = rest.partition(' ')
    if not (version.startswith('HTTP/') and len(code) == 3 and code.isdigit()):
        raise Failure(f"the response starts with {lines[0][:80]!r}, not a status "
                      'line like "HTTP/1.1 200 OK"; is this an HTTP server?')
    return int(code), reason
# ANCHOR_END: status_of


def location_of(lines):
    """The Location header's value, or None."""
    for line in lines[1:]:
        name, _, value = line.partition(':')
        if name.strip().lower() == 'location':
            return value.strip()
    return None


# ANCHOR: copy_body
def copy_body(sock, first, out):
    """Writes `first`, then everything else the server sends, to `out`,
    until the server closes; returns how many bytes that made.

    It is written as it arrives, never collected in memory first, so a
    download larger than memory works too.

    The close is the only end this program knows (it reads no
    Content-Length and decodes no chunks): the original's framing, kept.
    Over TLS the close counts only after close_notify (see receive()).
    """
    out.write(first)
    got = len(first)
    while True:
        chunk = receive(sock, got)
        if not chunk:  # 0 bytes: the server has closed; that is the end
            return got
        out.write(chunk)
        got += len(chunk)
# ANCHOR_END: copy_body


def fetch(url, output, method='GET', cacerts=()):
    """GETs `url`: prints the head, then saves the body to `output` (a path)
    or, if None, prints it too; `cacerts` are --cacert's files. Returns the
    exit status."""
    # ANCHOR: fetch_send
    scheme, host, port, host_header, target = parse_url(url)
    context = tls_context(cacerts) if scheme == 'https' else None
    with open_connection(host, port, context) as sock:
        try:
            # original's defect: send() may send only part of the request
            # and returns how much it did, which the original ignored.
            # sendall() sends it all or raises. original's defect (chapter
            # 02): the request was sent again before every recv() of its
            # loop, and as a str, which Python 3's send() refuses.
            sock.sendall(request(host_header, target, method))
        except OSError as err:
            raise Failure('could not send the request: '
                          f'{err.strerror or err}') from None
        # ANCHOR_END: fetch_send
        # ANCHOR: fetch_status
        head, first = read_head(sock)
        lines = head_lines(head)
        status, reason = status_of(lines)
        print('\n'.join(lines), flush=True)
        if not 200 <= status < 300:
            # original's defect: whatever came back was saved as the page,
            # an error page or an empty redirect as readily as the real one.
            where = location_of(lines) if 300 <= status < 400 else None
            # A Location may be relative ("/sub/"): resolved against our URL,
            # it is a command line the user can run next.
            followed = ('; this program follows no redirects: fetch '
                        f'{urllib.parse.urljoin(url, where)}' if where else '')
            raise Failure(f'the server answered {status} {reason}; the body '
                          f'was not saved{followed}')
        # ANCHOR_END: fetch_status
        # ANCHOR: fetch_save
        if output is None:
            # original's defect (chapter 02): each recv() was printed as text
            # with a newline of print()'s after it, so the output was not the
            # body. Here the body's bytes go out as they came.
            print(flush=True)  # the empty line between head and body
            copy_body(sock, first, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return 0
        part = output + PART_SUFFIX
        try:
            out = open(part, 'wb')
        except OSError as err:
            raise Failure(f'cannot write {part}: {err.strerror or err}') from None
        saved = False
        try:
            with out:
                got = copy_body(sock, first, out)
            # A rename within one directory is atomic: the file appears whole.
            os.replace(part, output)
            saved = True
        except OSError as err:  # writing the file, not the network
            raise Failure(f'cannot save {output}: {err.strerror or err}') from None
        finally:
            if not saved:  # a failure, or Ctrl-C: leave no half file behind
                try:
                    os.remove(part)
                except OSError:
                    pass
        # ANCHOR_END: fetch_save
    # On stderr: stdout holds the head and nothing else.
    print(f'saved {got} bytes to {output}', file=sys.stderr)
    return 0


def main():
    global TIMEOUT  # --timeout sets it; connect() and receive() read it
    parser = argparse.ArgumentParser(
        description='Lesson 6: one HTTP GET written by hand on a TCP socket. '
                    'Prints the response head, then the body or, with -o, '
                    'saves the body. The body ends when the server closes, as '
                    'in the original (over https, with TLS\'s close_notify).')
    parser.add_argument('url', metavar='URL',
                        help='what to fetch: http[s]://HOST[:PORT]/PATH')
    parser.add_argument('-o', '--output', metavar='FILE',
                        help='save the body to FILE instead of printing it')
    parser.add_argument('--cacert', metavar='FILE', action='append', default=[],
                        help='for https://, trust the CAs in this PEM file as '
                             'well as the system\'s (repeatable)')
    # The Rust client's flags that a stage of the checker passes. They
    # change nothing unless given, and a HEAD's response is still read to
    # the close, as every response is here.
    parser.add_argument('--head', action='store_true',
                        help='send HEAD instead of GET: the head only')
    parser.add_argument('--timeout', metavar='DURATION', type=parse_duration,
                        default=TIMEOUT,
                        help='give up on a connect or a recv() after this '
                             f'long, as in 30s or 500ms (default: {TIMEOUT}s)')
    parser.add_argument('--max-redirects', metavar='N', type=int, default=0,
                        help='accepted for the Rust client\'s command line; '
                             'this program follows no redirects')
    args = parser.parse_args()
    TIMEOUT = args.timeout
    try:
        return fetch(args.url, args.output, 'HEAD' if args.head else 'GET',
                     args.cacert)
    except Failure as failure:
        print(f'error: {failure}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
    except BrokenPipeError:
        # The reader of stdout went away (get.py URL | head): not an error
        # worth a traceback. Point stdout at /dev/null so that the exit's
        # own flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
