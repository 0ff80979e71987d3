"""The event stream on the real server (`mes web`, waitress): a closed browser tab frees its stream slot."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.support.http import Browser
from tests.support.ports import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def web(seeded, engine, tmp_path):
    """`mes web` on the seeded test database, one worker process with room for a single stream."""
    port = free_port()
    env = {**os.environ, "MES_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "MES_SECRET_KEY": "test-secret", "MES_LOG_LEVEL": "WARNING"}
    # one worker: the stream slots are per worker process
    command = [sys.executable, "-m", "mes", "web", "--port", str(port), "--threads", "4", "--streams", "1",
               "--workers", "1"]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "mes web did not start"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def open_stream(port: int, cookie: str) -> tuple[socket.socket, bytes]:
    """A raw event-stream request; returns the socket and the first bytes of the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"GET /lines/L1/events HTTP/1.0\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer or (b" 200 " in answer[:20] and b"event: status" not in answer):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    return sock, answer


def test_a_stream_whose_client_goes_away_gives_its_slot_to_the_next_client(web):
    browser = Browser(f"http://127.0.0.1:{web}")
    browser.sign_in("operator", "demo")
    jar = next(h.cookiejar for h in browser.opener.handlers if hasattr(h, "cookiejar"))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    first, answer = open_stream(web, cookie)
    assert answer.startswith(b"HTTP/1.1 200") or answer.startswith(b"HTTP/1.0 200"), answer[:200]
    assert b"text/event-stream" in answer and b"event: status" in answer
    second, refused = open_stream(web, cookie)
    second.close()
    assert b" 503 " in refused.split(b"\r\n", 1)[0]
    first.close()  # the tab is closed
    deadline = time.monotonic() + 5
    while True:
        third, answer = open_stream(web, cookie)
        third.close()
        if b" 200 " in answer.split(b"\r\n", 1)[0]:
            break
        assert time.monotonic() < deadline, "the closed stream's slot was never given back"
        time.sleep(0.2)
