"""Blocking calls that never miss Ctrl-C, for the mutant servers.

Python raises KeyboardInterrupt between two of its instructions, so a
SIGINT that lands just after the last check and before accept() or
recvfrom() starts to block is noticed only when that call returns: at
the next client, which in the checker's `stop` stage never comes. A
timeout on the socket (TICK) bounds that wait; these retry until
something does come.
"""

TICK = 0.5


def accept(listener):
    """listener.accept(), on a listener whose timeout is TICK."""
    while True:
        try:
            return listener.accept()
        except TimeoutError:
            pass


def receive(sock, size):
    """sock.recvfrom(size), on a socket whose timeout is TICK."""
    while True:
        try:
            return sock.recvfrom(size)
        except TimeoutError:
            pass
