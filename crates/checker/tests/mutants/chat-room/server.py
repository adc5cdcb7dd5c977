"""A chat-room server with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct server, both framings: a lock
around the users, and a bounded queue and a writer thread per user, so
that nobody waits for a user who does not read.

    python3 server.py --bind 127.0.0.1:0 [--lines] [--defect NAME]

The defects, and the stage each must fail:

    no-listening-line  prints "Listening on port N"            listen
    newline-answers    "success\\n" without --lines             login
    no-reuse           a taken name is taken over (no --lines)  reuse
    echo               the sender gets its message too          broadcast
                       (no --lines)
    quit-keeps-name    "quit" does not free the name            quit
    close-keeps-name   a close or reset does not free the name  vanish
    decodes-utf8       decodes each message as UTF-8; an error  not-utf8
                       ends the thread
    login-in-accept    reads the name in the accept loop        silent-login
                       (no --lines)
    ignores-sigint     Ctrl-C does nothing                      stop
    lines-one-read     --lines: one recv() after the login is   lines-messages
                       whole lines
    lines-direct-send  --lines: the talker's thread sends to    lines-stuck
                       everyone itself, and waits
    small-room         --lines: at most 20 users; the 21st is   lines-crowd
                       refused
    pieces             every answer and every message without --lines
                       in three send()s 0.15 s apart (with --lines the
                       messages in three send()s at once, as the crowd
                       would take hours): correct, must pass every stage
"""

import argparse
import os
import queue
import signal
import socket
import sys
import threading
import time

# The blocking calls, shared by every mutant server (../blocking.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from blocking import TICK, accept  # noqa: E402

# Messages that may wait for one user: more than the lesson's 256, as the
# threads that empty the queues share one interpreter lock with 100 more.
OUTBOX = 4096
# How long a full outbox is waited for, then the user is cut: longer than
# the lesson's 250 ms, since 100 Python threads share one interpreter lock.
SLOW_WAIT = 2
SMALL_ROOM = 20


class User:
    def __init__(self, name, sock):
        self.name = name
        self.sock = sock
        self.outbox = queue.Queue(OUTBOX)


class Room:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.users = {}

    def frame(self, message):
        return message + b'\n' if self.args.lines else message

    def join(self, name, sock):
        with self.lock:
            full = self.args.defect == 'small-room' and len(self.users) >= SMALL_ROOM
            taken = name in self.users and not (
                self.args.defect == 'no-reuse' and not self.args.lines)
            if full or taken:
                return None
            user = User(name, sock)
            self.users[name] = user
            # Queued before anyone can send to it: it goes out first.
            answer = self.frame(SUCCESS)
            if self.args.defect == 'newline-answers':
                answer = SUCCESS + b'\n'
            user.outbox.put(answer)
            return user

    def leave(self, user, last=None):
        """Frees the name, then ends the writer after what is queued (and
        `last`, if given)."""
        with self.lock:
            if self.users.get(user.name) is user:
                del self.users[user.name]
        for item in ([last] if last is not None else []) + [None]:
            try:
                user.outbox.put(item, timeout=SLOW_WAIT)
            except queue.Full:
                pass  # cut already: its writer has ended

    def cut(self, user):
        with self.lock:
            if self.users.get(user.name) is user:
                del self.users[user.name]
        try:
            user.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def broadcast(self, sender, message):
        stamp = time.ctime().encode('ascii')
        line = self.frame(b'[%s] %s: %s' % (stamp, sender.name, message))
        with self.lock:
            others = [u for u in self.users.values()
                      if u is not sender or self.args.defect == 'echo'
                      and not self.args.lines]
        for user in others:
            if self.args.defect == 'lines-direct-send' and self.args.lines:
                try:
                    user.sock.sendall(line)
                except OSError:
                    pass
                continue
            try:
                user.outbox.put(line, timeout=SLOW_WAIT)
            except queue.Full:
                self.cut(user)


SUCCESS, REUSE, QUIT = b'success', b'reuse', b'quit'


def send(sock, data, args):
    if args.defect != 'pieces':
        sock.sendall(data)
        return
    third = max(1, len(data) // 3)
    for start in range(0, len(data), third):
        if start and not (args.lines and data.startswith(b'[')):
            time.sleep(0.15)
        sock.sendall(data[start:start + third])


def write_outbox(user, args):
    done = False
    while not done:
        data = [user.outbox.get()]
        # With --lines, what else is queued goes out in the same write:
        # the lines keep the messages apart. Without, one write each.
        while args.lines and len(data) < 64:
            try:
                data.append(user.outbox.get_nowait())
            except queue.Empty:
                break
        if None in data:
            data, done = data[:data.index(None)], True
        try:
            for item in [b''.join(data)] if args.lines else data:
                send(user.sock, item, args)
        except OSError:
            break
    try:
        user.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def messages(sock, pending, args):
    """Yields each message: one recv() each, or each line with --lines."""
    while True:
        if args.lines:
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                if line:
                    yield line
            if len(pending) > 1024:
                return
        data = sock.recv(4096 if args.lines else 1024)
        if not data:
            return
        if not args.lines:
            yield data
        elif args.defect == 'lines-one-read':
            # Whatever one read brings is taken as whole lines.
            yield from (part for part in data.split(b'\n') if part)
        else:
            pending += data


def read_name(sock, args):
    """The name, and what came after it (--lines); None if none came."""
    if not args.lines:
        name = sock.recv(1024)
        return (name, b'') if name else None
    pending = b''
    while b'\n' not in pending:
        data = sock.recv(4096)
        if not data or len(pending) > 200:
            return None
        pending += data
    name, rest = pending.split(b'\n', 1)
    return name, rest


def chat(sock, joined, room, args):
    name, rest = joined
    user = room.join(name, sock)
    if user is None:
        send(sock, room.frame(REUSE), args)
        return None
    user.writer = threading.Thread(target=write_outbox, args=(user, args), daemon=True)
    user.writer.start()
    try:
        for message in messages(sock, rest, args):
            if message == QUIT:
                if args.defect == 'quit-keeps-name':
                    user.outbox.put(room.frame(QUIT))
                    user.outbox.put(None)
                    return user
                room.leave(user, room.frame(QUIT))
                return user
            if args.defect == 'decodes-utf8':
                message = message.decode('utf-8').encode('utf-8')
            room.broadcast(user, message)
    except OSError:
        pass
    if args.defect != 'close-keeps-name':
        room.leave(user)
    return user


def handle(sock, room, args, joined=None):
    with sock:
        try:
            if joined is None:
                joined = read_name(sock, args)
            user = chat(sock, joined, room, args) if joined else None
            if user is not None:
                user.writer.join()  # it sends FIN after the last message
            else:
                sock.shutdown(socket.SHUT_WR)
            # Read what the client still sends until it closes, so that
            # closing does not reset what we sent last.
            sock.settimeout(5)
            while sock.recv(4096):
                pass
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bind', required=True)
    parser.add_argument('--lines', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(':')
    handler = signal.SIG_IGN if args.defect == 'ignores-sigint' else signal.default_int_handler
    signal.signal(signal.SIGINT, handler)
    listener = socket.create_server((host, int(port)), backlog=128)
    listener.settimeout(TICK)
    name, port = listener.getsockname()[:2]
    if args.defect == 'no-listening-line':
        print(f'Listening on port {port}', flush=True)
    else:
        print(f'listening on {name}:{port}', flush=True)
    room = Room(args)
    try:
        while True:
            sock, _ = accept(listener)
            joined = None
            if args.defect == 'login-in-accept' and not args.lines:
                joined = read_name(sock, args)
            threading.Thread(target=handle, args=(sock, room, args, joined),
                             daemon=True).start()
    except KeyboardInterrupt:
        return 0


if __name__ == '__main__':
    sys.exit(main())
