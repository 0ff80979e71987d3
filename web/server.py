"""Serving the web app: waitress, in one process or in several worker processes sharing one socket.

One Python process serves on one core (the GIL), however many threads it has. With `workers` > 1 the
parent binds the listening socket once, then forks the workers; each builds its own app (its own
database pool and caches) and runs waitress on the inherited socket, and the kernel hands each new
connection to whichever worker accepts it first, so an idle worker takes the next one. The parent only
watches: it restarts a worker that dies, and on SIGTERM or SIGINT (Ctrl-C) stops them all and waits.

Why pre-forked waitress rather than gunicorn: waitress stays the one server (its `client_disconnected`
check frees a live dashboard stream's slot when the tab closes, the thread pool serves the streams),
nothing new to install, and one shared socket works with any port (0 too) without SO_REUSEPORT, whose
per-connection hashing can also leave one worker with most keep-alive connections while another idles.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 10.0
RESTART_PAUSE_S = 1.0  # a worker that dies at once (e.g. no database) is not restarted in a tight loop


# Each worker has its own database pool (up to 15 connections by SQLAlchemy's defaults): without a cap a
# many-core host would open more connections than PostgreSQL's default max_connections (100) allows.
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """MES_WEB_WORKERS, else one worker per core available to this process, at most MAX_DEFAULT_WORKERS."""
    configured = os.environ.get("MES_WEB_WORKERS", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise SystemExit(f"MES_WEB_WORKERS must be a whole number of at least 1, not {configured!r}")
        return int(configured)
    return max(1, min(MAX_DEFAULT_WORKERS, len(os.sched_getaffinity(0))))


def serve(make_app: Callable[[], Any], host: str, port: int, workers: int, **waitress_options: Any) -> None:
    """Serve `make_app()` on host:port with waitress, in `workers` processes (1: this process only)."""
    import waitress

    if workers <= 1:
        waitress.serve(make_app(), host=host, port=port, **waitress_options)
        return
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]  # an IPv6 host (::1) too
    listener = socket.create_server((host, port), family=family, backlog=1024)
    children: dict[int, int] = {}  # pid -> worker number
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for number in range(workers):
            children[_fork_worker(listener, make_app, number, waitress_options)] = number
        log.info("web: %d worker processes on %s:%d", workers, host, port)
        while not stopping:
            _reap(children, listener, make_app, waitress_options, lambda: stopping)
    finally:
        listener.close()
        _stop_workers(children)


def _fork_worker(listener: socket.socket, make_app: Callable[[], Any], number: int,
                 waitress_options: dict[str, Any]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:  # the worker: never returns into the parent's code
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # Linux: the kernel ends the worker when the parent dies, even by SIGKILL (no orphan keeps the port).
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before the line above
            raise SystemExit(0)
        import waitress

        waitress.serve(make_app(), sockets=[listener], **waitress_options)
    except (KeyboardInterrupt, SystemExit):
        code = 0  # told to stop (Ctrl-C, SIGTERM from the parent): a clean end, nothing to report
    except BaseException:  # the worker must end here whatever happened, and say why
        log.exception("web worker %d failed", number)
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _reap(children: dict[int, int], listener: socket.socket, make_app: Callable[[], Any],
          waitress_options: dict[str, Any], stopping: Callable[[], bool]) -> None:
    """Wait a little for a worker to end; restart it unless the server is stopping."""
    time.sleep(0.2)
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0 or pid not in children:
            return
        number = children.pop(pid)
        if stopping():
            continue
        log.warning("web worker %d (pid %d) ended (status %d); starting it again", number, pid, status)
        time.sleep(RESTART_PAUSE_S)
        children[_fork_worker(listener, make_app, number, waitress_options)] = number


def _stop_workers(children: dict[int, int]) -> None:
    """SIGTERM every worker, wait for them, SIGKILL what is left after STOP_GRACE_S."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while children and time.monotonic() < deadline:
        for pid in list(children):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            children.pop(pid)
        time.sleep(0.05)
    for pid in children:
        log.warning("web worker pid %d did not stop in %.0f s; killing it", pid, STOP_GRACE_S)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
