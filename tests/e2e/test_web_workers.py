"""`mes web --workers N`: several waitress processes on one port, one session key, restarted and stopped together."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.http import Browser
from tests.support.ports import free_port

pytestmark = pytest.mark.slow


def children_of(pid: int) -> set[int]:
    """The live child processes of a process (Linux /proc)."""
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def wait_until(check, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def web(seeded, engine):
    """`mes web --workers 2` on the seeded test database: (port, the parent process)."""
    port = free_port()
    env = {**os.environ, "MES_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "MES_SECRET_KEY": "test-secret", "MES_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "mes", "web", "--port", str(port), "--workers", "2"],
                            env=env, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: proc.poll() is None and answers(port) and len(children_of(proc.pid)) == 2, 60)
        yield port, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_two_workers_serve_one_port_with_one_session_and_a_dead_worker_is_replaced(web):
    port, proc = web
    browser = Browser(f"http://127.0.0.1:{port}")
    browser.sign_in("operator", "demo")
    for _ in range(20):  # each request on a new connection, to whichever worker accepts it
        status, page = browser.get("/lines/L1/status.json")
        assert status == 200 and '"stations"' in page
    first, second = sorted(children_of(proc.pid))
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: len(children_of(proc.pid)) == 2 and first not in children_of(proc.pid))
    for _ in range(10):
        assert browser.get("/lines/L1/status.json")[0] == 200
    assert second in children_of(proc.pid)


def test_sigterm_to_the_parent_stops_every_worker_and_frees_the_port(web):
    port, proc = web
    workers = children_of(proc.pid)
    os.kill(proc.pid, signal.SIGTERM)  # the parent only, as a service manager would
    assert proc.wait(timeout=20) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert not answers(port)
