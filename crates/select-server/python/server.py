#!/usr/bin/env python3
"""Lesson 7 in Python: one thread serving many sockets, with selectors.

The tutorials end by naming select() as the way for one thread to serve
many sockets, and never show it. This is that server, written by us with
the selectors module (which picks epoll, kqueue or poll for the machine):
every socket is non-blocking, the selector says which ones are ready, and
each client's place in the conversation lives in an object (Hello, Login,
Member) instead of a thread's stack. It serves two earlier protocols.

--protocol hello (the default; lesson 1): "Welcome!" on connect,
"Hello, X!" for each message X, and "exit" to leave.

--protocol chat (lesson 5's room, as crates/chat-room serves it; A and B
are two clients, S the server):

    A: alice                 S->A: success      (the first message is a name)
    B: alice                 S->B: reuse        (taken: B is closed)
    B: bob                   S->B: success      (--lines: S->A: * bob joined)
    A: hello                 S->B: [Sun Nov 22 09:15:03 2026] alice: hello
    B: /who                  S->B: * online (2): alice, bob
    B: /msg alice hi         S->A: [Sun Nov 22 09:15:09 2026] bob (to you): hi
    A: quit                  S->A: quit         (--lines: S->B: * alice left)

The time is Python's time.ctime(). A bad name gets "error: ..." and a
close. Without --lines nothing is framed: one recv(1024) is one message,
as in the originals. With --lines (the clients need it too) every name,
message and answer ends with b'\\n', and users hear who joins and leaves
("* bob joined", "* bob left"), which the original never said.

selectors is level-triggered: a socket that is still readable is reported
again at the next select(). So this server asks only for what it can use
now (EVENT_WRITE only while something is owed, EVENT_READ only while it
wants input), and does one recv() and one send() per report: what is left
is reported again. The Rust server, edge-triggered, is told only when a
socket becomes ready, so it writes until the kernel says "would block",
and reads until then too, or until the client's turn of READS_PER_TURN
(4) reads ends and it must remember to come back.

Nothing here ever blocks: what is owed to a client waits in its own
buffer. The chat room goes at its slowest reader's pace, as lesson 5's
room does: while any user is owed MAX_OWED, nobody is read, and TCP's
flow control slows the senders; a user that takes nothing for
SLOW_CLIENT_WAIT meanwhile has stopped reading, and is cut off.

Try it (the clients are lesson 1's and lesson 5's, unchanged):

    python3 crates/select-server/python/server.py
    cargo run -q -p hello-echo -- client --connect 127.0.0.1:9999

    python3 crates/select-server/python/server.py --protocol chat --lines
    cargo run -q -p chat-room -- client --lines -u alice
    python3 crates/chat-room/python/client.py --lines -u bob

The server prints "listening on IP:PORT" on stdout once it is ready, logs
on stderr (--quiet: problems only), and exits 0 on Ctrl-C or SIGTERM.
"""

import argparse
import heapq
import itertools
import os
import re
import selectors
import signal
import socket
import sys
import time
import unicodedata

DEFAULT_ADDRESS = {'hello': '127.0.0.1:9999', 'chat': '127.0.0.1:21567'}
READ_SIZE = 1024  # the originals' recv(1024): without --lines, a message
MAX_OWED = 64 * 1024  # owed this much, a client is not read (back-pressure)
# Owed more than this, a chat user is cut off at once: the threaded room's
# outbox of 256 messages of up to 1024 bytes. With the pace, a hard bound
# that is normally not reached.
MAX_BEHIND = 256 * 1024
# Seconds a chat user MAX_OWED behind may take nothing while the others
# wait for it: lesson 5's SLOW_CLIENT_WAIT (crates/chat-room/src/broker.rs).
SLOW_CLIENT_WAIT = 0.25
LINGER = 0.5  # seconds a finished client has to send its FIN (netkit's)
WRITE_TIMEOUT = 10.0  # owed bytes the kernel takes none of this long (netkit's)
IDLE_TIMEOUT = 60.0  # netkit's --timeout default
ACCEPT_AGAIN = 0.1  # seconds before accept() is tried again after failing
MAX_CLIENTS = 512  # netkit's default cap, lowered to fit the fd limit
RESERVED = 16  # descriptors the server keeps for itself, as netkit does
BUSY = b'server busy: too many connections, try again later\n'  # netkit's
KEEPALIVE = {'TCP_KEEPIDLE': 60, 'TCP_KEEPINTVL': 10, 'TCP_KEEPCNT': 3}

WELCOME, EXIT = b'Welcome!', b'exit'
MAX_HELLO = 1024 - len(b'Hello, !')  # --lines: the reply must fit a line

SUCCESS, REUSE, QUIT = b'success', b'reuse', b'quit'
MAX_MESSAGE = 1024  # the original's recv(1024), now a line's limit
MAX_NAME_CHARS = 32
NOT_PRINTABLE = 'name has a space or a control character'
NAME_RULE = ('a name is 1 to 32 printable characters, no spaces, '
             'not starting with / or *')
NOT_READING = 'was disconnected: not reading its messages'  # lesson 5's

OPEN, FINISHING, LINGERING, CLOSED = 'open', 'finishing', 'lingering', 'closed'
VERBOSE = True  # --quiet: problems only


def event(message):
    if VERBOSE:
        print(message, file=sys.stderr, flush=True)


def problem(message):
    print(message, file=sys.stderr, flush=True)


def show(addr):
    host, port = addr[:2]
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


# ---------------------------------------------------------------------
# The chat's rules, as pure functions (crates/chat-room/src/protocol.rs).

def check_name(raw):
    """(name, None) for a good name, else (None, what is wrong with it).
    The original decoded names in its accept loop, where one that was not
    UTF-8 raised and stopped the server; here a failure is an answer."""
    try:
        name = raw.decode('utf-8')
    except UnicodeDecodeError:
        return None, 'name is not UTF-8'
    if not name:
        return None, 'empty name'  # the original registered b''
    if len(name) > MAX_NAME_CHARS:
        return None, 'name too long'
    if any(c.isspace() or unicodedata.category(c) == 'Cc' for c in name):
        return None, NOT_PRINTABLE
    if name.startswith(('/', '*')):
        return None, 'name starts with / or *'
    return name, None


def parse_request(message):
    """('say',), ('quit',), ('who',), ('msg', to, text) or ('unknown',).
    Only "quit" is the original's; the / commands are ours."""
    if message == QUIT:
        return ('quit',)
    if message == b'/who':
        return ('who',)
    if message.startswith(b'/msg '):
        to, _, text = message[5:].partition(b' ')
        return ('msg', to, text) if to and text else ('unknown',)
    return ('unknown',) if message.startswith(b'/') else ('say',)


def notice(text):
    return f'* {text}'.encode()


class Lines:
    """Whole lines out of a byte stream: TCP keeps no message boundaries,
    so one recv() may bring half a line, or several."""

    def __init__(self, limit):
        self.buf, self.limit = bytearray(), limit

    def pop(self, data=b''):
        """Adds data; returns the next line without its b'\\n' (nor a
        b'\\r' before it), or None until one is whole. Raises ValueError
        for a line over the limit, even before its end arrives."""
        self.buf += data
        end = self.buf.find(b'\n')
        if end < 0:
            if len(self.buf.removesuffix(b'\r')) > self.limit:
                raise ValueError('line too long')
            return None
        line = bytes(self.buf[:end]).removesuffix(b'\r')
        del self.buf[:end + 1]
        if len(line) > self.limit:
            raise ValueError('line too long')
        return line


# ---------------------------------------------------------------------
# One connection, and the states its conversation goes through.

class Conn:
    """A client's socket, what is owed to it, and its phase: OPEN,
    FINISHING (all said, the last bytes going out), LINGERING (our FIN
    sent, waiting for its own), CLOSED. No protocol in it."""

    def __init__(self, sock, addr, touched, behind):
        self.sock, self.addr = sock, addr
        self.state = None  # the protocol's part: Hello, Login or Member
        self.owed = bytearray()  # said, not yet taken by the kernel
        self.phase = OPEN
        self.waiting = False  # for its input, so the idle limit applies
        self.idle_since = self.stuck_since = self.linger_until = None
        self.deadline = None  # its entry in the loop's heap, if any
        self.events = selectors.EVENT_READ  # what the selector watches
        self.touched = touched  # the loop's: connections to settle
        # The loop's set of those owed MAX_OWED or more, when the clients
        # go at one pace (the chat); None when each goes at its own.
        self.behind = behind

    def say(self, data):
        if not self.owed:
            self.stuck_since = time.monotonic()  # the write clock starts
        self.owed += data
        if self.behind is not None and len(self.owed) >= MAX_OWED \
                and self not in self.behind:
            self.behind.add(self)  # the others wait for it from now:
            self.stuck_since = time.monotonic()  # its clock restarts
        self.touched.add(self)

    def finish(self):
        """All is said: send what is owed, then FIN, then close."""
        if self.phase == OPEN:
            self.phase = FINISHING
            self.touched.add(self)

    def send_owed(self):
        """One non-blocking send(): the bytes sent, or None if the
        connection broke. send() may take fewer bytes than it is given
        (the original never checked); the rest waits for the next turn."""
        try:
            sent = self.sock.send(self.owed)
        except BlockingIOError:
            return 0
        except OSError:
            return None
        del self.owed[:sent]
        if sent:
            self.stuck_since = time.monotonic()
        if self.behind is not None and len(self.owed) < MAX_OWED:
            self.behind.discard(self)
        return sent


# ANCHOR: client
class Hello:
    """Lesson 1's conversation with one client."""
    timed = True  # the idle limit applies all along

    def __init__(self, conn, lines):
        self.conn, self.end = conn, (b'\n' if lines else b'')
        self.lines = Lines(MAX_HELLO) if lines else None
        conn.say(WELCOME + self.end)

    def received(self, data):
        if self.lines is None:
            self.answer(data)  # one recv() is one message
            return
        try:
            line = self.lines.pop(data)
            while line is not None and self.conn.phase == OPEN:
                self.answer(line)
                line = self.lines.pop()
        except ValueError:
            self.conn.say(f'error: line longer than {MAX_HELLO} bytes\n'.encode())
            self.conn.finish()

    def answer(self, message):
        if message == EXIT:
            self.conn.finish()
        else:
            self.conn.say(b'Hello, ' + message + b'!' + self.end)

    def peer_closed(self):
        self.conn.finish()
# ANCHOR_END: client


class Login:
    """A chat client that has not given its name yet. The original read
    names in its accept loop, so one client that sent none held up every
    login after it; here a login is one more state in the loop."""
    timed = True  # the idle limit applies until it is logged in

    def __init__(self, conn, room):
        self.conn, self.room, self.sent = conn, room, bytearray()

    def received(self, data):
        if not self.room.lines:
            # The original's rule: the first read is the name, as sent. Its
            # client sends the name in one send() and waits for the answer.
            self.room.log_in(self.conn, data, b'')
            return
        self.sent += data
        name, newline, rest = bytes(self.sent).partition(b'\n')
        if newline:
            self.room.log_in(self.conn, name.removesuffix(b'\r'), rest)
        elif len(self.sent) > MAX_NAME_CHARS * 4 + 1:  # 4 bytes a character
            self.room.log_in(self.conn, bytes(self.sent), b'')  # refused
        # else: part of a name, which may arrive in pieces: read on.

    def peer_closed(self):
        self.conn.finish()  # gone before it said who it is


class Member:
    """A chat client logged in as `name`."""
    timed = False  # a user may listen silently for hours

    def __init__(self, conn, name, room):
        self.conn, self.name, self.room = conn, name, room
        self.lines = Lines(MAX_MESSAGE) if room.lines else None

    def received(self, data):
        if self.lines is None:
            # The original's rule: one recv() is one message, so two quick
            # sends may arrive as one message, and a long one as two.
            self.room.message(self.conn, data)
            return
        try:
            # One read may bring several lines; after "quit" (or a cut-off)
            # the rest is nobody's message.
            line = self.lines.pop(data)
            while line is not None and self.room.has(self.conn):
                if line:  # an empty line (Enter in nc) says nothing
                    self.room.message(self.conn, line)
                line = self.lines.pop()
        except ValueError:
            self.room.broke(self.conn, f'a message longer than {MAX_MESSAGE} bytes')

    def peer_closed(self):
        # The original did not check for b'', and its thread spun forever,
        # sending "[...] alice: " to everyone; the name stayed taken.
        self.room.remove(self.conn, 'left')
        self.conn.finish()


# ---------------------------------------------------------------------
# The chat room: the one owner of the users, as the Rust broker is.

class Room:
    """Who is logged in (name -> Conn), and who hears what. The original
    shared its dict among threads with no lock, and its blocking send() to
    a client that did not read held up whoever was talking; here one
    thread owns the dict, and sending is adding to a client's buffer."""

    def __init__(self, lines, close):
        self.lines, self.users = lines, {}
        self.close = close  # the loop's: closes a connection at once

    def frame(self, message):
        return message + b'\n' if self.lines else message

    def has(self, conn):
        name = getattr(conn.state, 'name', None)
        return name is not None and self.users.get(name) is conn

    def log_in(self, conn, raw, rest):
        name, bad = check_name(raw)
        if bad:
            # Neither "success" nor "reuse", so an original client stops.
            hint = ''
            if not self.lines and raw.endswith(b'\n') and bad == NOT_PRINTABLE:
                hint = (' (the name ends with a newline: for clients that '
                        'send lines, start the server with --lines)')
            conn.say(self.frame(f'error: {bad}: {NAME_RULE}{hint}'.encode()))
            conn.finish()
            problem(f'{show(conn.addr)}: refused: {bad}: {NAME_RULE}{hint}')
        elif name in self.users:
            conn.say(self.frame(REUSE))  # the original's answer; then close
            conn.finish()
            event(f'{name!r} is taken; refused')
        else:
            conn.state = Member(conn, name, self)
            self.users[name] = conn
            keep_alive(conn.sock)
            self.send(conn, SUCCESS)
            event(f'{name} joined')
            self.announce(conn, f'{name} joined')
            if rest:  # --lines: its first messages came with its name
                conn.state.received(rest)

    # ANCHOR: message
    def message(self, conn, message):
        name, request = conn.state.name, parse_request(message)
        stamp = time.ctime()
        if request[0] == 'say':  # to everyone else, never back
            # Bytes as sent: the original decoded them, and a message that
            # was not UTF-8 raised and ended its sender's thread.
            self.tell_others(conn, f'[{stamp}] {name}: '.encode() + message)
        elif request[0] == 'quit':
            self.send(conn, QUIT)  # the original's answer, then the close
            self.remove(conn, 'left')
            conn.finish()
        elif request[0] == 'who':
            names = sorted(self.users)
            self.send(conn, notice(f'online ({len(names)}): {", ".join(names)}'))
        elif request[0] == 'msg':
            to, text = request[1].decode('utf-8', errors='replace'), request[2]
            if to in self.users:
                line = f'[{stamp}] {name} (to you): '.encode() + text
                self.send(self.users[to], line)
            else:
                self.send(conn, notice(f'nobody is called {to}'))
        else:
            self.send(conn, notice('commands: /who, /msg NAME text, quit'))
    # ANCHOR_END: message

    # ANCHOR: cut_off
    def send(self, conn, message):
        """Owes `message` to a user, or cuts it off if it is too far behind."""
        conn.say(self.frame(message))
        if len(conn.owed) > MAX_BEHIND:
            conn.send_owed()  # what the kernel takes now is not behind
        if len(conn.owed) > MAX_BEHIND and self.has(conn):
            # The hard bound, the threaded room's. The pace keeps what the
            # others say far below it: reading stops once anyone is owed
            # MAX_OWED (Server.held), and one read brings at most 512
            # lines, some 80 KiB. Keeping more would fill our memory, and
            # waiting for it (the original's blocking send()) would stop
            # the room. It goes, without a word: there is no room left.
            self.remove(conn, NOT_READING)
            self.close(conn, f'cut off: owed {len(conn.owed)} bytes, not reading')
    # ANCHOR_END: cut_off

    def tell_others(self, conn, message):
        for other in list(self.users.values()):
            if other is not conn and self.has(other):  # not cut meanwhile
                self.send(other, message)

    def announce(self, conn, news):
        # Notices go to --lines users only: the original sent none, and its
        # client, taking one read for one message, would see one glued to
        # the next message.
        if self.lines:
            self.tell_others(conn, notice(news))

    def broke(self, conn, rule):
        self.send(conn, notice(f'disconnected: {rule}'))
        self.remove(conn, f'was disconnected: {rule}')
        conn.finish()

    def remove(self, conn, how):
        """Forgets a user (its name is free at once) and tells the others."""
        if self.has(conn):
            del self.users[conn.state.name]
            event(f'{conn.state.name} {how}')
            self.announce(conn, f'{conn.state.name} {how}')

    def goodbye(self):
        for conn in self.users.values():
            if len(conn.owed) < MAX_OWED:  # one not reading misses it
                if self.lines:
                    conn.say(self.frame(notice('the server is shutting down')))
                # "quit" is what makes the original client close; ours too.
                conn.say(self.frame(QUIT))
        self.users.clear()


def keep_alive(sock):
    """TCP keepalive, as the threaded room turns on after login: no idle
    limit for a user who only listens, but the kernel's probes find a peer
    that vanished without a FIN (power lost, cable pulled)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in KEEPALIVE.items():
            if hasattr(socket, option):  # Linux has all three
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    except OSError:
        pass  # it left already: the next read says so


def say_and_close(sock, message):
    """netkit's say_and_close: a fresh socket's send buffer has room for a
    short message; then FIN; then what the client sent is read and dropped
    (never waiting), since a close with unread input sends a reset, which
    can destroy the message before the client reads it."""
    try:
        sock.setblocking(False)
        sock.send(message)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(4096):
            pass
    except OSError:  # BlockingIOError: nothing more to read now
        pass
    sock.close()


# ---------------------------------------------------------------------
# The loop.

class Server:
    def __init__(self, listener, protocol, lines, max_clients, timeout):
        self.listener, self.protocol, self.lines = listener, protocol, lines
        self.max_clients, self.timeout = max_clients, timeout
        self.selector = selectors.DefaultSelector()
        self.conns, self.touched = set(), set()  # touched: to settle
        # The chat room goes at its slowest reader's pace; hello-echo's
        # clients cost each other nothing, and are read independently.
        self.pace = SLOW_CLIENT_WAIT if protocol == 'chat' else None
        self.behind = set()  # chat: connections owed MAX_OWED or more
        self.paused = False  # held(), as the selector was last told
        self.deadlines = []  # a heap of (when, n, conn), soonest first
        self.numbers = itertools.count()  # n: equal times never compare conns
        self.accept_again = None
        self.room = Room(lines, self.close)
        self.stopping = False
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, 'listener')
        # The self-pipe trick: the signal handler only sets a flag, and
        # Python writes the signal's number into this socket pair, which
        # wakes select() (else, retried, it would sleep on).
        self.wake, self.waker = socket.socketpair()
        self.wake.setblocking(False)
        self.waker.setblocking(False)
        signal.set_wakeup_fd(self.waker.fileno())
        self.selector.register(self.wake, selectors.EVENT_READ, 'wake')
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.stop)

    def stop(self, signum, frame):
        self.stopping = True

    # ANCHOR: serve
    def run(self):
        while not self.stopping:
            for key, mask in self.selector.select(self.time_left()):
                if key.data == 'listener':
                    self.accept_all()
                elif key.data == 'wake':
                    self.wake.recv(64)
                elif key.data.phase != CLOSED:  # not closed earlier this turn
                    self.ready(key.data, mask)
            self.expire()
            # One send per client per turn, however much the turn owed it.
            while self.touched:
                self.settle(self.touched.pop())
            self.keep_pace()
        self.shut_down()
    # ANCHOR_END: serve

    def time_left(self):
        """select()'s timeout: until the first deadline, if any."""
        times = [self.deadlines[0][0]] if self.deadlines else []
        times += [self.accept_again] if self.accept_again else []
        return max(0.0, min(times) - time.monotonic()) if times else None

    # ANCHOR: accept
    def accept_all(self):
        """Accepts every connection waiting: one event may stand for many."""
        while True:
            try:
                sock, addr = self.listener.accept()
            except BlockingIOError:
                return
            except OSError as err:  # e.g. out of file descriptors (EMFILE)
                # Level-triggered: the client still waiting would be
                # reported again at once. Stop watching; try again soon.
                problem(f'accept failed: {err.strerror or err}')
                self.selector.unregister(self.listener)
                self.accept_again = time.monotonic() + ACCEPT_AGAIN
                return
            if len(self.conns) >= self.max_clients:
                say_and_close(sock, BUSY)
                cap = self.max_clients
                problem(f'{show(addr)}: refused: the cap of {cap} open '
                        f'connection{"s" if cap > 1 else ""} is reached '
                        '(--max-clients)')
                continue
            sock.setblocking(False)
            # Small replies, each awaited: Nagle's algorithm would hold one
            # back, waiting for an ACK.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            behind = self.behind if self.pace else None
            conn = Conn(sock, addr, self.touched, behind)
            self.conns.add(conn)
            self.selector.register(sock, conn.events, conn)
            event(f'{show(addr)}: connected')
            if self.protocol == 'hello':
                conn.state = Hello(conn, self.lines)
            else:
                conn.state = Login(conn, self.room)
            self.touched.add(conn)
    # ANCHOR_END: accept

    # ANCHOR: step
    def ready(self, conn, mask):
        """Reads what a ready socket has; the writing is settle()'s."""
        try:
            if conn.phase == LINGERING:
                self.discard(conn)
                return
            # epoll reports a hang-up as readable, asked or not: read only
            # while input is wanted, and not once someone fell behind,
            # even earlier in this turn.
            wanted = interest(conn, self.held()) & selectors.EVENT_READ
            if mask & selectors.EVENT_READ and wanted:
                data = conn.sock.recv(READ_SIZE)
                if data:
                    conn.idle_since = time.monotonic()
                    conn.state.received(data)
                else:  # a read of 0 bytes: the client closed its side
                    conn.state.peer_closed()
            elif mask & selectors.EVENT_READ and self.held():
                conn.idle_since = time.monotonic()  # left unread, not idle
        except BlockingIOError:
            pass
        except OSError as err:  # a reset: nothing more to say to it
            self.close(conn, err.strerror or str(err))
            return
        self.touched.add(conn)
    # ANCHOR_END: step

    def settle(self, conn):
        """After anything happened to conn: send what is owed, move on to
        the next phase, and tell the selector and the deadlines."""
        if conn.phase == CLOSED:
            return
        if conn.owed and conn.phase != LINGERING and conn.send_owed() is None:
            self.close(conn, 'the connection broke')
            return
        if conn.phase == FINISHING and not conn.owed:
            # All said: our FIN, then a moment for the client's, so that
            # closing with its bytes unread does not send a reset.
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                self.close(conn)
                return
            conn.phase, conn.linger_until = LINGERING, time.monotonic() + LINGER
        waiting = (conn.phase == OPEN and conn.state.timed
                   and len(conn.owed) < MAX_OWED)
        if waiting and not conn.waiting:
            conn.idle_since = time.monotonic()  # idle from now, not before
        conn.waiting = waiting
        self.watch(conn)

    def watch(self, conn):
        """Tells the deadlines and the selector what conn waits for now."""
        due = self.due(conn)
        if due is None:
            conn.deadline = None  # its entry in the heap is now ignored
        elif conn.deadline is None or due < conn.deadline:
            self.arm(conn, due)  # a later one waits for the entry to expire
        self.ask(conn, interest(conn, self.paused))

    def ask(self, conn, events):
        """Has the selector watch conn for `events`. It cannot watch for
        nothing: a socket that needs neither event leaves it until then."""
        if events != conn.events:
            if not conn.events:
                self.selector.register(conn.sock, events, conn)
            elif not events:
                self.selector.unregister(conn.sock)
            else:
                self.selector.modify(conn.sock, events, conn)
            conn.events = events

    def due(self, conn):
        """When conn is closed unless something happens first, or None."""
        if conn.phase == LINGERING:
            return conn.linger_until
        times = []
        if conn.owed:  # as a threaded server's blocked send() gives up;
            # sooner if it is behind and the others wait for it
            wait = self.pace if conn in self.behind else WRITE_TIMEOUT
            times.append(conn.stuck_since + wait)
        if conn.waiting and self.timeout and not self.paused:
            # Left unread by the pace, a client cannot be judged idle: once
            # reading resumes, what it sent meanwhile is read first.
            times.append(conn.idle_since + self.timeout)
        return min(times, default=None)

    def arm(self, conn, when):
        conn.deadline = when
        heapq.heappush(self.deadlines, (when, next(self.numbers), conn))

    def expire(self):
        """Acts on every deadline passed: one heap, no thread, no signal."""
        now = time.monotonic()
        while self.deadlines and self.deadlines[0][0] <= now:
            when, _, conn = heapq.heappop(self.deadlines)
            if conn.deadline != when or conn.phase == CLOSED:
                continue  # moved or dropped since: a stale entry
            conn.deadline, due = None, self.due(conn)
            if due is None:
                continue
            if now < due:  # it read or wrote meanwhile
                self.arm(conn, due)
            elif conn.phase == LINGERING:
                self.close(conn)  # its FIN never came: close all the same
            elif conn in self.behind and now >= conn.stuck_since + self.pace:
                self.too_slow(conn)
            elif conn.owed and now >= conn.stuck_since + WRITE_TIMEOUT:
                self.close(conn, f'took nothing for {WRITE_TIMEOUT:g} s')
            else:
                self.close(conn, f'timed out (idle limit {self.timeout:g} s)')
        if self.accept_again and self.accept_again <= now:
            self.accept_again = None
            self.selector.register(self.listener, selectors.EVENT_READ, 'listener')

    # ANCHOR: pace
    def held(self):
        """The chat room goes at its slowest reader's pace, as lesson 5's
        does when its broker waits for room in a full outbox: while anyone
        is owed MAX_OWED or more, nobody is read. The senders' bytes wait
        in the kernel, and TCP's flow control slows them to the readers'."""
        return bool(self.behind)

    def keep_pace(self):
        """After a turn: when held() has changed, so has every client's
        interest. A socket left unread must leave the selector's interest
        for reading, or select() reports its waiting input at every turn."""
        if self.held() != self.paused:
            self.paused = not self.paused
            for conn in self.conns:
                self.watch(conn)

    def too_slow(self, conn):
        """Behind, conn took nothing for the pace's wait: the others have
        waited long enough. Unless it did: Linux reports a full socket
        writable only once a third of its send buffer is free (4 MB on
        loopback), so a slow reader may take bytes and never be reported.
        One more send() asks the kernel itself."""
        sent = conn.send_owed()
        if sent is None:
            self.close(conn, 'the connection broke')
            return
        if sent:  # it reads, slowly: the clock restarts
            self.touched.add(conn)
            return
        owed = len(conn.owed)
        self.room.remove(conn, NOT_READING)
        self.close(conn, f'not reading ({owed} bytes behind, nothing taken '
                         f'for {self.pace:g} s while the others waited)')
    # ANCHOR_END: pace

    def discard(self, conn):
        """Drops what a finished client still sends, and closes once it
        has closed its side (a read of 0 bytes) or failed."""
        try:
            while conn.sock.recv(4096):
                pass
        except BlockingIOError:
            return
        except OSError:
            pass
        self.close(conn)

    def close(self, conn, why=None):
        """Closes at once; a chat user leaves the room first."""
        if conn.phase == CLOSED:
            return
        self.room.remove(conn, 'left')
        conn.phase, conn.owed = CLOSED, bytearray()
        self.behind.discard(conn)
        self.ask(conn, 0)
        conn.sock.close()
        self.conns.discard(conn)
        if why:
            problem(f'{show(conn.addr)}: {why}; closed')
        else:
            event(f'{show(conn.addr)}: closed')

    def shut_down(self):
        """Stop accepting, say goodbye where the protocol can, write what
        fits, FIN, and give everyone LINGER seconds in all to close."""
        event('Stopping.')
        if not self.accept_again:
            self.selector.unregister(self.listener)
        self.room.goodbye()
        for conn in list(self.conns):
            if conn.phase == LINGERING:
                continue
            # One non-blocking send: what the kernel will not take now is
            # dropped, with nobody waiting for a client that does not read.
            if conn.owed and conn.send_owed() is None:
                self.close(conn)
                continue
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                self.close(conn)
                continue
            conn.phase, conn.owed = LINGERING, bytearray()
            self.ask(conn, selectors.EVENT_READ)
        deadline = time.monotonic() + LINGER
        while self.conns and time.monotonic() < deadline:
            for key, _ in self.selector.select(deadline - time.monotonic()):
                if key.data == 'wake':
                    self.wake.recv(64)
                elif key.data.phase != CLOSED:
                    self.discard(key.data)
        for conn in list(self.conns):
            self.close(conn)
        self.selector.close()


# ANCHOR: interest
def interest(conn, paused):
    """What to ask select() about: only what this client can use now.
    paused: someone is behind, and the chat room's pace reads nobody."""
    if conn.phase == LINGERING:
        return selectors.EVENT_READ  # waiting for its end of stream
    if conn.phase == FINISHING:
        return selectors.EVENT_WRITE  # its last bytes
    events = 0
    if len(conn.owed) < MAX_OWED and not paused:
        events |= selectors.EVENT_READ
    if conn.owed:
        events |= selectors.EVENT_WRITE
    return events  # 0 while paused and owed nothing: nothing to ask
# ANCHOR_END: interest


# ---------------------------------------------------------------------
# The command line: the Rust servers' flags (netkit's ServerFlags).

def host_port(text):
    """Parses "HOST:PORT" ("127.0.0.1:9999", "[::1]:9999", "localhost:0")."""
    host, _, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not HOST:PORT; write e.g. 127.0.0.1:9999 or [::1]:9999')
    return host, int(port)


UNITS = {'ms': 0.001, 'msec': 0.001, 's': 1, 'sec': 1, 'secs': 1, 'second': 1,
         'seconds': 1, 'm': 60, 'min': 60, 'mins': 60, 'minute': 60,
         'minutes': 60, 'h': 3600, 'hr': 3600, 'hour': 3600, 'hours': 3600}


def duration(text):
    """A duration as netkit reads one: 60s, 500ms, 1m30s, or 0. A bare
    number is refused, as there: seconds in one program and milliseconds
    in the next is how a wait of a quarter of an hour happens."""
    if text.strip() == '0':
        return 0.0
    parts = re.findall(r'(\d+)\s*([a-z]*)', text)
    if any(not unit for _, unit in parts):
        raise argparse.ArgumentTypeError(
            'time unit needed, for example 60sec or 60ms')
    if not re.fullmatch(r'(\s*\d+\s*[a-z]+)+\s*', text) or any(
            unit not in UNITS for _, unit in parts):
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a duration; write e.g. 60s, 500ms or 1m30s')
    return sum(int(n) * UNITS[unit] for n, unit in parts)


def fit_cap(wanted):
    """netkit's descriptors::fit_cap: raises the soft open-file limit to
    the hard one, then lowers the cap to what fits in it, saying so. A
    client over the cap is told; one past the descriptor limit would wait
    in the backlog, answered by nobody."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft != hard:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            except (ValueError, OSError):  # macOS: an "unlimited" hard limit
                resource.setrlimit(resource.RLIMIT_NOFILE, (10240, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        opened = len(os.listdir('/dev/fd')) - 1  # less the listing's own
    except (ImportError, ValueError, OSError):
        return wanted  # no limit we can read
    room = soft - opened - RESERVED
    if soft == resource.RLIM_INFINITY or room >= wanted:
        return wanted
    if room <= 0:
        sys.exit(f'error: the open-file limit (ulimit -n) is {soft}, and '
                 f'{opened} are open already: no room for a connection of 1 '
                 'descriptor; raise it, for example with `ulimit -n 1024`')
    problem(f'note: the cap of {wanted} connections is lowered to {room}: '
            f'the open-file limit (ulimit -n) is {soft}, {opened} are open, '
            f'{RESERVED} are kept in reserve, and each connection takes 1 '
            'descriptor; raise the limit with `ulimit -n` to serve more')
    return room


def main():
    global VERBOSE
    parser = argparse.ArgumentParser(
        description='hello-echo or the chat room from one thread, with '
                    'selectors (lesson 7).')
    parser.add_argument('--bind', metavar='HOST:PORT', type=host_port,
                        help='where to listen (default 127.0.0.1:9999 for '
                             'hello, 127.0.0.1:21567 for chat)')
    parser.add_argument('--lines', action='store_true',
                        help='newline-terminated messages (the clients need '
                             "--lines too); without it, the originals' bytes")
    parser.add_argument('--protocol', choices=('hello', 'chat'), default='hello',
                        help="lesson 1's hello-echo (default) or lesson 5's "
                             'chat room')
    parser.add_argument('--max-clients', metavar='N', type=int, default=MAX_CLIENTS,
                        help='most clients served at once; one more is told the '
                             f'server is busy and closed (default {MAX_CLIENTS})')
    parser.add_argument('--timeout', metavar='DURATION', type=duration,
                        default=IDLE_TIMEOUT,
                        help='close a connection that sends nothing for this '
                             'long, as in 60s, 2m or 500ms (0: never; chat: '
                             'until it is logged in) (default 1m)')
    parser.add_argument('-q', '--quiet', action='store_true',
                        help='log only problems, not every connection')
    args = parser.parse_args()
    if args.max_clients < 1:
        parser.error('argument --max-clients: must be 1 or more')
    VERBOSE = not args.quiet
    addr = args.bind or host_port(DEFAULT_ADDRESS[args.protocol])
    family = socket.AF_INET6 if ':' in addr[0] else socket.AF_INET
    try:
        # create_server: socket(), SO_REUSEADDR, bind(), listen().
        listener = socket.create_server(addr, family=family)
    except OSError as err:
        print(f'error: cannot listen on {show(addr)}: {err.strerror}; '
              'pass --bind with another address', file=sys.stderr)
        return 1
    with listener:
        server = Server(listener, args.protocol, args.lines,
                        fit_cap(args.max_clients), args.timeout or None)
        print(f'listening on {show(listener.getsockname())}', flush=True)
        server.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
