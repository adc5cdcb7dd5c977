"""A chat-room client with one defect chosen on the command line, for the
checker's tests: each defect must fail the stage that checks it, and only
that one. Without --defect it is a correct client, both framings.

    python3 client.py --connect 127.0.0.1:PORT -u NAME [--lines] [--defect NAME]

The defects, and the stage each must fail:

    newline-name     sends "NAME\\n" without --lines          client-login
    prints-late      without --lines, prints what came only   client-messages
                     when the user types a line (one thread)
    waits-on-reuse   on "reuse", waits for Enter, as the      client-reuse
                     original does
    quit-unsent      without --lines, a typed "quit" ends the client-quit
                     client without a word
    eof-traceback    at the end of its input, the sending     client-eof
                     thread dies and nothing is said
    lines-one-read   --lines: one recv() is whole lines       client-lines
"""

import argparse
import socket
import sys
import threading

SUCCESS, REUSE, QUIT = b'success', b'reuse', b'quit'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--connect', required=True)
    parser.add_argument('-u', '--username', required=True)
    parser.add_argument('--lines', action='store_true')
    parser.add_argument('--defect', default='')
    args = parser.parse_args()
    host, _, port = args.connect.rpartition(':')
    lines, defect = args.lines, args.defect
    frame = (lambda m: m + b'\n') if lines else (lambda m: m)
    sock = socket.create_connection((host, int(port)), timeout=10)
    name = args.username.encode()
    sock.sendall(name + b'\n' if defect == 'newline-name' else frame(name))
    answer = b''
    while not answer.startswith((SUCCESS, REUSE)) or lines and b'\n' not in answer:
        data = sock.recv(1024)
        if not data:
            sys.exit('error: the server closed the connection')
        answer += data
    if answer.startswith(REUSE):
        if defect == 'waits-on-reuse':
            sys.stdin.readline()
        sys.exit(f'error: the name {args.username} is taken')
    sock.settimeout(None)
    stdin = open(sys.stdin.fileno(), 'rb', buffering=0, closefd=False)

    if defect == 'prints-late' and not lines:
        # One thread: what came is printed only when a line is typed.
        for typed in iter(stdin.readline, b''):
            sock.setblocking(False)
            try:
                print(sock.recv(4096).decode(), flush=True)
            except BlockingIOError:
                pass
            sock.setblocking(True)
            typed = typed.rstrip(b'\n')
            if typed:
                sock.sendall(typed)
            if typed == QUIT:
                break
        else:
            sock.shutdown(socket.SHUT_WR)
        while sock.recv(4096):
            pass
        return 0

    def send_typed():
        for typed in iter(stdin.readline, b''):
            typed = typed.rstrip(b'\n')
            if typed == QUIT and defect == 'quit-unsent' and not lines:
                sock.shutdown(socket.SHUT_RDWR)
                return
            if typed:
                sock.sendall(frame(typed))
            if typed == QUIT:
                return
        if defect == 'eof-traceback':
            raise EOFError('the end of the input')
        if lines:
            sock.sendall(frame(QUIT))
        else:
            sock.shutdown(socket.SHUT_WR)

    threading.Thread(target=send_typed, daemon=True).start()
    pending = answer[len(SUCCESS) + (1 if lines else 0):]
    while True:
        if lines:
            if defect == 'lines-one-read':
                found, pending = pending.split(b'\n'), b''
                found = [part for part in found if part]
            else:
                *found, pending = pending.split(b'\n')
        else:
            found, pending = ([pending] if pending else []), b''
        for message in found:
            if message == QUIT:
                return 0
            print(message.decode('utf-8', errors='replace'), flush=True)
        try:
            data = sock.recv(4096)
        except OSError:
            return 0
        if not data:
            return 0
        pending += data


if __name__ == '__main__':
    sys.exit(main())
