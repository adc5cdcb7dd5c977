"""The time server of lesson 2, ported to Python 3.

A client connects; the server sends it the date and time, then closes the
connection. The client sends nothing: connecting is the whole question, and
the server's close marks the end of the answer. A sample session (S is the
server; nothing ends in a newline):

    (a client connects)
    S: 2026-11-22 09:15:03.123456
       (the server closes the connection)

That text is Python's str(datetime.now()): local time, with no time zone,
and with no ".123456" at all when the microseconds happen to be 0. It
speaks the same bytes as the tutorial it comes from, so any pairing works:
this server with the Rust client, the Rust server with client.py, and so on.

Two flags switch to the standard time protocols of the internet, which
existed long before this tutorial (the client needs the same flag):

    --rfc867  RFC 867 "Daytime": one line of text for people to read. Ours:
              Sunday, November 22, 2026 09:15:03 +0100\\r\\n
              (local time with its offset from UTC, so it means one instant)
    --rfc868  RFC 868 "Time": 4 bytes for programs, a big-endian unsigned
              number of seconds since 1900-01-01 00:00 UTC.

With --udp the same answers travel as datagrams: the client sends one
datagram (its content does not matter; ours is empty) and the server sends
the answer back to the address it came from. Nothing is connected, nothing
is closed; RFC 867 and 868 both describe this UDP variant too.

The server serves one client at a time, as the original does: the next
client waits in the listen queue, which costs nothing here since an answer
takes microseconds.

Without --rfc867 or --rfc868, over TCP, the server is the original, and
the lines marked "original's defect" keep its mistakes on purpose, so
that the checker (`cargo run -p checker -- time-server --python`) can show
where they break it: a client that sent bytes gets a reset instead of a
clean end, and one that reset its connection before the answer ends the
server. The two RFC modes, and --udp, do it right.

Try it, from the repository root, in two terminals:

    python3 crates/time-server/python/server.py
    python3 crates/time-server/python/client.py

    python3 crates/time-server/python/server.py --rfc867 --udp
    python3 crates/time-server/python/client.py --rfc867 --udp

The server prints "listening on IP:PORT" on stdout once it is ready; with
--bind 127.0.0.1:0 the system picks a free port and that line tells you which
one. Everything else it says goes to stderr. Stop it with Ctrl-C.
"""

import argparse
import errno
import signal
import socket
import struct
import sys
import time
from datetime import datetime

DEFAULT_ADDRESS = '127.0.0.1:6789'

# RFC 868 counts seconds from 1900-01-01 00:00 UTC; Unix time counts from
# 1970-01-01 00:00 UTC. Between the two lie 70 years with 17 leap days:
# (70 * 365 + 17) * 86400 seconds.
SECONDS_1900_TO_1970 = 2_208_988_800

# The largest datagram we can receive: a UDP length field is 16 bits. A
# smaller buffer would silently cut a longer datagram short (harmless here,
# since we never look inside, but a bad habit to teach).
MAX_DATAGRAM = 65535

# How long a blocked accept() or recvfrom() waits before looking again.
# Python raises KeyboardInterrupt between two of its instructions, so a
# Ctrl-C that lands just before the call starts to block would wait there
# for the next client; a timeout on the socket bounds that wait.
TICK = 0.5

# English names for RFC 867, whatever the machine's language: strftime's %A
# and %B follow the locale (LC_TIME), and a program that called
# locale.setlocale() could get "Sonntag" or "dimanche".
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday',
            'Saturday', 'Sunday')  # datetime.weekday(): Monday is 0
MONTHS = ('January', 'February', 'March', 'April', 'May', 'June', 'July',
          'August', 'September', 'October', 'November', 'December')


# ANCHOR: original_answer
def original_answer(now):
    """The tutorial's answer: str() of a datetime, as UTF-8 bytes.

    str() writes "2026-11-22 09:15:03.123456", or "2026-11-22 09:15:03"
    when now.microsecond is 0. A naive datetime (no tzinfo) has no zone to
    show, so the reader has to guess which clock this is.
    """
    return str(now).encode('utf-8')
# ANCHOR_END: original_answer


# ANCHOR: daytime_answer
def daytime_answer(now):
    """RFC 867 (Daytime): "Sunday, November 22, 2026 09:15:03 +0100\\r\\n".

    `now` must know its zone (datetime.now().astimezone()), for the +0100.
    The RFC fixes no syntax; this is one of the examples it suggests, with
    the day of the month not padded ("March 2", not "March 02").
    """
    text = (f'{WEEKDAYS[now.weekday()]}, {MONTHS[now.month - 1]} {now.day}, '
            f'{now:%Y %H:%M:%S %z}\r\n')
    return text.encode('ascii')
# ANCHOR_END: daytime_answer


# ANCHOR: time_answer
def time_answer(unix_seconds):
    """RFC 868 (Time): seconds since 1900 as 4 bytes, most significant first.

    "!I" is network byte order (big-endian), unsigned 32-bit. 32 bits run
    out on 2036-02-07 06:28:16 UTC; the count then starts again at 0, hence
    the modulo (struct.pack would refuse the larger number).
    """
    return struct.pack('!I', (int(unix_seconds) + SECONDS_1900_TO_1970) % 2**32)
# ANCHOR_END: time_answer


def answer(form):
    """What the server sends now, in the chosen format."""
    if form == 'rfc867':
        return daytime_answer(datetime.now().astimezone())
    if form == 'rfc868':
        return time_answer(time.time())
    return original_answer(datetime.now())


def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:6789", "[::1]:6789", "localhost:0")."""
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
    """Formats an address tuple from the socket module as "ip:port"."""
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def log(message):
    print(message, file=sys.stderr, flush=True)


def bind_failure(addr, err):
    """Turns a failed bind() into one sentence that says what to do."""
    if err.errno == errno.EADDRINUSE:
        return f'{show(addr)} is already in use; pass --bind with another port'
    if err.errno == errno.EACCES and addr[1] < 1024:
        return (f'no permission to bind {show(addr)}: ports below 1024 need '
                'the administrator; pass --bind with a port of 1024 or above')
    if err.errno == errno.EADDRNOTAVAIL:
        return (f'cannot bind {show(addr)}: that IP address is not one of this '
                "machine's; use 127.0.0.1 or 0.0.0.0 in --bind")
    return f'cannot listen on {show(addr)}: {err.strerror}'


# ANCHOR: open_socket
def open_socket(host, port, udp):
    """The first steps of a server: socket(), SO_REUSEADDR (TCP only),
    bind(), and for TCP listen().

    getaddrinfo() turns the host into addresses, IPv4 or IPv6 (a name like
    "localhost" may give both); we take the first one that binds.
    """
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    try:
        addresses = socket.getaddrinfo(host, port, type=kind)
    except socket.gaierror as err:
        sys.exit(f'error: cannot resolve {host!r} ({err.strerror}); '
                 'pass --bind with an IP address, e.g. 127.0.0.1:6789')
    failure = f'no address for {host!r}'
    for family, kind, proto, _, addr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            if not udp:
                # TCP: rebind at once after a restart, even while
                # connections of the last run linger in TIME_WAIT. (UDP has
                # no TIME_WAIT, and on Linux the option would let a second
                # program bind the same UDP port without an error.)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            if not udp:
                # The original's 512: how many connections the system may
                # hold, finished but not yet accept()ed, while we are busy.
                sock.listen(512)
            return sock
        except OSError as err:
            sock.close()
            failure = bind_failure(addr, err)
    sys.exit(f'error: {failure}')  # sys.exit(text): text to stderr, exit 1
# ANCHOR_END: open_socket


def accept(listener):
    """listener.accept(), looking for Ctrl-C every TICK seconds."""
    while True:
        try:
            return listener.accept()
        except TimeoutError:
            pass


def receive(sock, size):
    """sock.recvfrom(size), looking for Ctrl-C every TICK seconds."""
    while True:
        try:
            return sock.recvfrom(size)
        except TimeoutError:
            pass


# ANCHOR: serve_original
def serve_original(listener):
    """The original's loop, defects kept on purpose: accept, send, close.

    The checker (crates/checker, `--python`) runs this to show where the
    original breaks; --rfc867 and --rfc868 take serve_tcp, which does not.
    """
    while True:
        sock, addr = accept(listener)
        log(f'connection from {show(addr)}')
        # original's defect: send() may send only part of the bytes. And
        # nothing catches its error: a client that has already reset the
        # connection makes send() raise ConnectionResetError, which ends
        # the whole server, not just this connection.
        sock.send(answer('original'))
        # original's defect: a plain close. Bytes the client sent, which
        # nobody read, turn it into a reset (RST) instead of an end of
        # stream (FIN).
        sock.close()
# ANCHOR_END: serve_original


# ANCHOR: serve_tcp
def serve_tcp(listener, form):
    """Accepts one client at a time: answer, close, next."""
    while True:
        # accept() waits for the next client and returns a new socket for
        # it; the listening socket goes on listening.
        sock, addr = accept(listener)
        with sock:  # closes the connection however we leave this block
            log(f'connection from {show(addr)}')
            # A fresh connection has room to send a few dozen bytes at once;
            # the timeout is only there so that no client can ever stall us.
            sock.settimeout(5)
            try:
                # original's defect: send() may send only part of the bytes
                # and returns how many it sent, which nobody checks.
                # sendall() keeps sending until every byte is gone.
                sock.sendall(answer(form))
                say_goodbye(sock)
            except OSError as err:  # e.g. the client has already gone
                log(f'connection from {show(addr)}: {err.strerror or err}')
        # Leaving `with` closes the socket: the client reads the end of the
        # stream, which tells it that the answer is complete.
# ANCHOR_END: serve_tcp


# ANCHOR: say_goodbye
def say_goodbye(sock):
    """Ends the stream, then drops whatever the client had already sent.

    Closing a socket that still holds unread bytes (say, the newline a
    `telnet` user typed) sends a reset instead of a normal end, and a reset
    can destroy our answer before the client reads it. The original just
    closes; shutdown(SHUT_WR) sends the normal end first, and reading
    without waiting (non-blocking) empties what is there.
    """
    sock.shutdown(socket.SHUT_WR)
    sock.setblocking(False)
    try:
        while sock.recv(4096):
            pass
    except OSError:  # BlockingIOError: nothing more has arrived yet
        pass  # (or the client has gone); either way we are done
# ANCHOR_END: say_goodbye


# ANCHOR: serve_udp
def serve_udp(sock, form):
    """Answers every datagram, whatever it holds, to the address it came from."""
    while True:
        # recvfrom() waits for the next datagram and returns it whole, with
        # its sender's address. No connection: every client's datagrams
        # arrive on this one socket.
        data, addr = receive(sock, MAX_DATAGRAM)
        log(f'datagram from {show(addr)} ({len(data)} bytes)')
        try:
            # One sendto() sends one datagram, whole or not at all.
            sock.sendto(answer(form), addr)
        except OSError as err:
            log(f'datagram from {show(addr)}: no answer sent: {err.strerror or err}')
# ANCHOR_END: serve_udp


def main():
    parser = argparse.ArgumentParser(
        description='The time server (lesson 2): sends the date and time, then closes.')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        default=host_port(DEFAULT_ADDRESS),
                        help=f'where to listen (default {DEFAULT_ADDRESS}; '
                             'port 0 picks a free port)')
    form = parser.add_mutually_exclusive_group()
    form.add_argument('--rfc867', dest='form', action='store_const', const='rfc867',
                      help='RFC 867 Daytime: a line of text with the UTC offset')
    form.add_argument('--rfc868', dest='form', action='store_const', const='rfc868',
                      help='RFC 868 Time: 4 bytes, seconds since 1900 (UTC)')
    parser.add_argument('--udp', action='store_true',
                        help='answer datagrams instead of connections')
    parser.set_defaults(form='original')
    args = parser.parse_args()

    # Ctrl-C raises KeyboardInterrupt. Make SIGTERM (plain `kill PID`) do the
    # same, and set SIGINT explicitly too: a shell starting us in the
    # background (`cmd &`) may have told us to ignore it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    sock = open_socket(*args.bind, udp=args.udp)
    sock.settimeout(TICK)
    with sock:  # closes the socket however we leave
        try:
            print(f'listening on {show(sock.getsockname())}', flush=True)
            if args.udp:
                serve_udp(sock, args.form)
            elif args.form == 'original':
                serve_original(sock)
            else:
                serve_tcp(sock, args.form)
        except KeyboardInterrupt:
            log('Stopping.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
