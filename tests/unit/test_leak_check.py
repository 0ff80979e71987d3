"""The leak check sees what a test leaves behind."""

import socket
import subprocess
import sys

from tests.support.leaks import listening_sockets, running_children


def test_a_listening_socket_is_seen_until_closed():
    before = listening_sockets()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        assert listening_sockets() - before
    finally:
        sock.close()
    assert not listening_sockets() - before


def test_a_child_process_is_seen_until_reaped():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert proc.pid in running_children()
    finally:
        proc.kill()
        proc.wait()
    assert proc.pid not in running_children()
