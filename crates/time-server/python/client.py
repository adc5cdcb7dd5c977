"""The client for the time server of lesson 2, in Python 3.

It asks the server for the time, prints what the server said, and then how
far the server's clock is from this machine's:

    2026-11-22 09:15:03.123456
    clock offset: +0.000043 s (±0.000081 s)

The offset is the server's time minus ours at the moment the server wrote
its answer. We cannot know that moment exactly, only that it lies between
t0, when we asked (over TCP: once connected), and t1, when the answer was
complete. So we compare with the middle, (t0 + t1) / 2, and the true
offset lies within (t1 - t0) / 2 of ours. The answer also cuts away what
it cannot show (below a microsecond for the default text, the fraction of
a second for RFC 867 and RFC 868), so the server's clock read somewhere
in [said, said + resolution): we take the middle of that step too, and
allow half of it either way. (NTP, the
protocol real clocks use, refines this same idea.) Against a server on this
machine the offset should be tiny: it is the same clock.

The tutorial has no client for its time server; this one follows the
client of its greeting example: connect, read, print, close. In the
original format over TCP it reads as that client does, defects kept on
purpose (one recv(1024), no timeout; see read_original), so that the
checker can show where they break it; --rfc867 and --rfc868 read to the
close, as the protocol needs. The server
needs the same flags as the client (--rfc867 or --rfc868, --udp); see
server.py for what each one sends.

Try it, from the repository root, with the server running in another terminal:

    python3 crates/time-server/python/server.py
    python3 crates/time-server/python/client.py
    python3 crates/time-server/python/client.py --connect [::1]:6789

(the last one needs a server listening there: server.py --bind [::1]:6789)
"""

import argparse
import socket
import struct
import sys
import time
from datetime import datetime, timezone

DEFAULT_ADDRESS = '127.0.0.1:6789'

# As in server.py: Unix time starts 2,208,988,800 seconds after RFC 868's
# 1900-01-01 00:00 UTC.
SECONDS_1900_TO_1970 = 2_208_988_800

# How long connect() waits for the server to answer at all.
CONNECT_TIMEOUT = 5
# How long we wait for more of the answer, or for its end, over TCP.
READ_TIMEOUT = 10
# Every answer is a few dozen bytes; a server sending more than this is not
# a time server, and we stop listening to it.
MAX_ANSWER = 1024

# UDP: each try waits this long for the answer, then sends again.
UDP_WAIT = 1
UDP_TRIES = 3
MAX_DATAGRAM = 65535

# How finely each format tells the time: its last digit, in seconds.
RESOLUTION = {'original': 0.000001, 'rfc867': 1, 'rfc868': 1}

# What each format looks like, for the error message when it does not.
EXPECTED = {
    'original': 'a date and time like 2026-11-22 09:15:03.123456',
    'rfc867': 'an RFC 867 time like Sunday, November 22, 2026 09:15:03 +0100',
    'rfc868': 'a 4-byte RFC 868 time',
}


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:6789", "[::1]:6789", "localhost:6789")."""
    host, _, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]  # an IPv6 address comes in brackets
    elif ':' in host:
        host = ''  # an IPv6 address without brackets is ambiguous
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not HOST:PORT; write e.g. 127.0.0.1:6789 or [::1]:6789')
    return host, int(port)


def show(addr):
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


# ANCHOR: ask_tcp
def ask_tcp(host, port, form):
    """Connects and reads until the server closes; returns (answer, t0, t1).

    In the original format it reads as the original does instead: see
    read_original.
    """
    where = show((host, port))
    try:
        # create_connection() calls getaddrinfo() and tries each address,
        # IPv4 or IPv6, until one answers: socket() and connect() in one.
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except ConnectionRefusedError:
        sys.exit(f'error: could not connect to {where}: connection refused; '
                 'start the server first')
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'check the host in --connect')
    except TimeoutError:
        sys.exit(f'error: could not connect to {where}: no answer within '
                 f'{CONNECT_TIMEOUT} s; check the address and port')
    except OSError as err:
        sys.exit(f'error: could not connect to {where}: {err.strerror or err}')
    # The server reads its clock after it accepts, which is after our
    # connect returns: the handshake is not part of the window.
    t0 = time.time()
    if form == 'original':
        with sock:
            received = read_original(sock, where)
            return received, t0, time.time()
    with sock:
        sock.settimeout(READ_TIMEOUT)  # so that a silent server cannot hang us
        received = b''
        try:
            # original's defect: the greeting client calls recv(1024) once
            # and takes what it returns as the whole message. A TCP stream
            # has no message boundaries: recv() returns whatever has arrived
            # so far, which may be only the start. The server's close is
            # what marks the end, and recv() reports it by returning b''.
            while True:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                received += chunk
                if len(received) > MAX_ANSWER:
                    sys.exit(f'error: the server sent more than {MAX_ANSWER} bytes, '
                             'which is not a time; is it a time server?')
        except TimeoutError:
            sys.exit(f'error: {where} did not finish its answer within {READ_TIMEOUT} s; '
                     'is it a time server?')
        except OSError as err:  # e.g. the connection was reset
            sys.exit(f'error: lost the connection to {where}: {err.strerror or err}')
        t1 = time.time()
    return received, t0, t1
# ANCHOR_END: ask_tcp


# ANCHOR: read_original
def read_original(sock, where):
    """The greeting client's read, defects kept on purpose, so that the
    checker (`cargo run -p checker -- time-server --python`) can show
    where they break it. --rfc867 and --rfc868 read as they should."""
    # original's defect: no timeout; a server that never answers and
    # never closes keeps this client waiting forever.
    sock.settimeout(None)
    try:
        # original's defect: one recv(1024) taken as the whole answer,
        # where it is only what has arrived so far.
        return sock.recv(1024)
    except OSError as err:  # e.g. the connection was reset
        sys.exit(f'error: lost the connection to {where}: {err.strerror or err}')
# ANCHOR_END: read_original


# ANCHOR: ask_udp
def ask_udp(host, port, form):
    """Sends an empty datagram until an answer comes; returns (answer, t0, t1)."""
    where = show((host, port))
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'check the host in --connect')
    # No connection to try, so nothing tells us which address works: we use
    # the first one ("localhost" may mean ::1 before 127.0.0.1).
    family, kind, proto, _, addr = addresses[0]
    with socket.socket(family, kind, proto) as sock:
        sock.settimeout(UDP_WAIT)
        # The time of the FIRST try: a late answer to it may arrive while we
        # wait for the second, and datagrams carry no way to tell which
        # question they answer. Starting from the first try is always right;
        # it only widens the uncertainty when a try was lost.
        t0 = time.time()
        for _ in range(UDP_TRIES):
            try:
                # The content does not matter to the server; any datagram,
                # even an empty one, is the question.
                sock.sendto(b'', addr)
                # A datagram comes whole, so one recvfrom() is the whole
                # answer, as long as the buffer can hold the largest one.
                data, _ = sock.recvfrom(MAX_DATAGRAM)
                return data, t0, time.time()
            except TimeoutError:
                continue  # lost on the way there or back, or no server: again
            except OSError as err:
                sys.exit(f'error: could not reach {where}: {err.strerror or err}')
    sys.exit(f'error: no answer from {where} after {UDP_TRIES} tries '
             '(UDP datagrams can be lost)')
# ANCHOR_END: ask_udp


def shown(data):
    """What the server sent, short and readable, for an error message."""
    try:
        text = repr(data.decode('utf-8'))
    except UnicodeDecodeError:
        text = repr(data)
    if len(text) > 60:
        text = text[:57] + '...'
    return f'{text} ({len(data)} bytes)'


def strip_line_end(text):
    """Drops one "\\r\\n" or "\\n" at the end, if there is one."""
    if text.endswith('\r\n'):
        return text[:-2]
    if text.endswith('\n'):
        return text[:-1]
    return text


# ANCHOR: parse_original
def parse_original(text):
    """The server's time from str(datetime.now()), in seconds since 1970.

    The text names no time zone. We read it as local time on THIS machine,
    which is right only when both machines share a zone (on one machine,
    always), and which is ambiguous in the hour that repeats when the clocks
    go back in autumn.
    """
    for layout in ('%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'):
        try:
            # A datetime without tzinfo: timestamp() takes it as local time.
            return datetime.strptime(text, layout).timestamp()
        except (ValueError, OverflowError, OSError):
            pass  # not this layout (or a year that no clock can hold)
    return None
# ANCHOR_END: parse_original


def parse_daytime(text):
    """The server's time from an RFC 867 line, in seconds since 1970.

    strptime's %A and %B read English names: Python leaves the locale's
    LC_TIME at "C" unless a program calls locale.setlocale(). %d also
    takes a day without its leading zero ("March 2"). %z reads "+0100",
    which pins the text to one instant, whatever our own zone is.
    """
    try:
        return datetime.strptime(text, '%A, %B %d, %Y %H:%M:%S %z').timestamp()
    except (ValueError, OverflowError):
        return None


# ANCHOR: unix_time_of
def unix_time_of(number, reference):
    """The Unix time an RFC 868 number stands for.

    The number wraps to 0 on 2036-02-07 06:28:16 UTC, every 2**32 seconds
    (about 136 years), so alone it cannot say which era it is in. We take
    the era that puts it nearest to `reference` (our own clock): right for
    any server within 68 years of us, on both sides of the wrap.
    """
    base = number - SECONDS_1900_TO_1970
    era = (reference - base + 2**31) // 2**32
    return base + era * 2**32
# ANCHOR_END: unix_time_of


def describe_time(number, unix_time):
    """An RFC 868 number as "N (YYYY-MM-DD HH:MM:SS UTC)"."""
    when = datetime.fromtimestamp(unix_time, timezone.utc)
    return f'{number} ({when:%Y-%m-%d %H:%M:%S} UTC)'


def understand(data, form):
    """Returns (the line to print, the server's time in seconds since 1970),
    or exits with an error if the answer is not in the expected format."""
    said = None
    server_time = None
    if form == 'rfc868':
        if len(data) == 4:
            (number,) = struct.unpack('!I', data)  # big-endian, unsigned
            server_time = unix_time_of(number, time.time())
            said = describe_time(number, server_time)
    else:
        try:
            said = strip_line_end(data.decode('utf-8'))
        except UnicodeDecodeError:
            pass
        else:
            parse = parse_daytime if form == 'rfc867' else parse_original
            server_time = parse(said)
    if server_time is None:
        sys.exit(f'error: the server sent {shown(data)}, which is not '
                 f'{EXPECTED[form]}; do the server and the client have the '
                 'same format flags?')
    return said, server_time


def main():
    parser = argparse.ArgumentParser(
        description='Client for the time server (lesson 2): prints the time '
                    'and how far the server\'s clock is from ours.')
    parser.add_argument('--connect', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'the server to ask (default {DEFAULT_ADDRESS})')
    form = parser.add_mutually_exclusive_group()
    form.add_argument('--rfc867', dest='form', action='store_const', const='rfc867',
                      help='RFC 867 Daytime (the server needs --rfc867 too)')
    form.add_argument('--rfc868', dest='form', action='store_const', const='rfc868',
                      help='RFC 868 Time (the server needs --rfc868 too)')
    parser.add_argument('--udp', action='store_true',
                        help='ask with a datagram (the server needs --udp too)')
    parser.set_defaults(form='original')
    args = parser.parse_args()

    ask = ask_udp if args.udp else ask_tcp
    data, t0, t1 = ask(*args.connect, args.form)
    said, server_time = understand(data, args.form)

    # ANCHOR: offset
    half_step = RESOLUTION[args.form] / 2
    offset = server_time + half_step - (t0 + t1) / 2
    uncertainty = (t1 - t0) / 2 + half_step
    # ANCHOR_END: offset
    print(said)
    print(f'clock offset: {offset:+.6f} s (±{uncertainty:.6f} s)')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: stop quietly, with the shell's usual code
