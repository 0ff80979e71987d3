"""Line-dashboard benchmark: `mes web` (waitress) on a seeded SQLite file, 50 concurrent clients on loopback.

    .venv/bin/python bench/web.py                  # table
    .venv/bin/python bench/web.py --json           # one JSON object per figure {name, value, unit, target}
    .venv/bin/python bench/web.py --clients 20 --seconds 5

Scenarios, all signed in with a real session cookie while a writer plays the edge (every machine's
status rewritten every 0.5 s, a shift's worth of PackML history in the database):
- paced: `wrk` (Debian package) with 50 connections, each a client that waits about a second (0.5-1.5 s,
  so the clients drift apart) after each answer before asking again: what wall screens, supervisor PCs
  and terminals do; latency from request to the whole response, as wrk measures it.
- saturated: `wrk` keeps every connection busy with no pause; latency under full load, throughput (the
  capacity of the server, not a user's experience: 50 clients asking back to back).
Every scenario also prints the server's CPU ms per request: the CPU time of the `mes web` processes
(parent and workers, from /proc) over the requests answered. Unlike latency it does not grow when other
work loads the machine, so it is the figure to compare between runs. `--workers` is `mes web --workers`.
- stream: each client holds the Server-Sent Events stream; time to the first event, and delay from the
  edge's database commit to the event arriving (the dashboard's "live within 1 s").
- quality: the quality workspace's batch list and batch review page (bench/web_quality.py: a list of 50
  batches, one of `--batch-units` units under review), paced and saturated, signed in as the quality engineer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from the repo
from bench.web_clients import StreamResult, sse_client
from bench.web_quality import prepare_quality_data, quality_pages
from bench.web_terminal import prepare_terminal_data, terminal_cookie, terminal_pages
from mes.db import create_db_engine, session_factory, unit_of_work
from mes.edge.status_store import record_status
from mes.migrate import upgrade
from mes.models import Equipment, StateChange, utcnow
from mes.services.seed import seed_site
from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import load_site_config

LATENCY_TARGET_MS = 50.0
LIVE_TARGET_MS = 1000.0
HERE = Path(__file__).resolve().parent


def main() -> None:
    """Parse arguments, run every scenario against a fresh server, print the figures."""
    args = _parser().parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run scripts/install-system-deps.sh (as root)")
    with tempfile.TemporaryDirectory() as tmp:
        database_url = _prepare_database(Path(tmp))
        prepare_quality_data(database_url, args.batch_units)
        terminal_token, terminal_serial = prepare_terminal_data(database_url)
        port = _free_port()
        server = _start_web(Path(tmp), database_url, port, args.clients, args.workers)
        stop = threading.Event()
        writer = threading.Thread(target=_play_edge, args=(database_url, stop), name="bench-edge")
        try:
            _wait_for_port(port, server)
            print(f"mes web: {len(_server_pids())} process(es); load average {os.getloadavg()[0]:.1f}",
                  file=sys.stderr)
            cookie, quality_cookie = _session_cookie(port), _session_cookie(port, "quality")
            at_terminal = terminal_cookie(port, "bench", terminal_token, terminal_serial)
            writer.start()
            figures = (_run_scenarios(port, cookie, args) + _quality_scenarios(port, quality_cookie, args)
                       + _pages_scenarios(port, at_terminal, args, terminal_pages()))
        finally:
            stop.set()
            if writer.is_alive():
                writer.join()
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    for figure in figures:
        print(json.dumps(figure) if args.json else f"{figure['name']:<44} {figure['value']:>10} {figure['unit']:<6}"
              f" target {figure['target']}")


def _run_scenarios(port: int, cookie: str, args: argparse.Namespace) -> list[dict[str, object]]:
    figures: list[dict[str, object]] = []
    for name, path in (("page", "/lines/L1"), ("status.json", "/lines/L1/status.json")):
        figures += _paced_figures(port, path, cookie, args, name)
    for name, path in (("page", "/lines/L1"), ("status.json", "/lines/L1/status.json")):
        figures += _wrk(port, path, cookie, args.clients, args.seconds, name)
    figures += asyncio.run(_streams(port, cookie, args.clients, args.seconds))
    return figures


def _quality_scenarios(port: int, cookie: str, args: argparse.Namespace) -> list[dict[str, object]]:
    figures: list[dict[str, object]] = []
    pages = quality_pages(args.batch_units)
    for name, path in pages:
        figures += _paced_figures(port, path, cookie, args, name)
    for name, path in pages:
        figures += _wrk(port, path, cookie, args.clients, args.seconds, name)
    return figures


def _pages_scenarios(port: int, cookie: str, args: argparse.Namespace,
                     pages: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Paced and saturated figures of some pages under one session."""
    figures: list[dict[str, object]] = []
    for name, path in pages:
        figures += _paced_figures(port, path, cookie, args, name)
    for name, path in pages:
        figures += _wrk(port, path, cookie, args.clients, args.seconds, name)
    return figures


def _paced_figures(port: int, path: str, cookie: str, args: argparse.Namespace,
                   name: str) -> list[dict[str, object]]:
    """Percentiles of paced clients on one page, once the server has drained the previous scenario."""
    _settle(port, cookie)
    # Each client asks about once a second: a few seconds more than the saturated runs, for samples.
    return _wrk(port, path, cookie, args.clients, max(args.seconds, 10.0), name, think_ms=1000)


def _settle(port: int, cookie: str, quiet_ms: float = 20.0, limit_s: float = 30.0) -> None:
    """Wait until a cheap page answers quickly three times running.

    A saturated (wrk) scenario leaves requests queued in the server after wrk stops; without this
    the next paced scenario's first seconds measure that backlog, not its own page.
    """
    deadline, quick = time.monotonic() + limit_s, 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/lines/L1/status.json", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        quick = quick + 1 if (time.perf_counter() - started) * 1000 < quiet_ms else 0
        time.sleep(0.2)


def _wrk(port: int, path: str, cookie: str, clients: int, seconds: float, name: str,
         think_ms: int = 0) -> list[dict[str, object]]:
    """wrk on one page: saturated (no think time) or paced (each connection pauses ~think_ms after an answer)."""
    command = ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--timeout", "5s", "-s",
               str(HERE / "wrk_report.lua"), f"http://127.0.0.1:{port}{path}"]
    cpu = _server_cpu_s()
    env = {**os.environ, "MES_BENCH_COOKIE": cookie, "MES_BENCH_THINK_MS": str(think_ms)}
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    cpu = _server_cpu_s() - cpu  # includes the backlog wrk left queued: those requests are counted by wrk too
    report = json.loads(re.search(r"WRK_JSON (\{.*\})", out).group(1))
    label = (f"paced {name}, {clients} clients x ~1/s (wrk)" if think_ms
             else f"saturated {name}, {clients} connections (wrk)")
    return [
        _figure(f"{label} p{p}", round(report[f"p{p}_ms"], 1), "ms", f"<= {LATENCY_TARGET_MS:.0f}")
        for p in (50, 95, 99)
    ] + [_figure(f"{label} throughput", round(report["requests"] / report["seconds"]), "req/s", ""),
         _figure(f"{label} errors", report["errors"], "", "0")] + _cpu_figure(label, cpu, report["requests"])


# The `mes web` process started by _start_web (its workers are its children).
_SERVER: list[int] = []


def _server_pids() -> list[int]:
    """The server's parent process and its workers."""
    if not _SERVER:
        return []
    pid = _SERVER[0]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid, *map(int, children)]


def _server_cpu_s() -> float:
    """User + system CPU seconds of the server's processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _server_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def _cpu_figure(label: str, cpu_s: float, requests: int) -> list[dict[str, object]]:
    if requests <= 0:
        return []
    return [_figure(f"{label} server CPU per request", round(cpu_s * 1000 / requests, 2), "ms", "")]


async def _streams(port: int, cookie: str, clients: int, seconds: float) -> list[dict[str, object]]:
    until = time.perf_counter() + seconds
    results = [StreamResult() for _ in range(clients)]
    await asyncio.gather(*(sse_client(port, "/lines/L1/events", cookie, until, _marker, r) for r in results))
    firsts = [r.first_event_s for r in results if r.first_event_s is not None]
    delays = [arrived - _WRITES[value] for r in results for value, arrived in r.arrivals.items()
              if value in _WRITES]
    refused = sum(r.refused for r in results)
    return (_percentiles(f"stream, {clients} clients: first event", firsts, refused)
            + _percentiles(f"stream, {clients} clients: edge commit to event", delays, 0, LIVE_TARGET_MS))


# The writer's commit times by marker value; the stream clients read the marker from SCR01's good count.
_WRITES: dict[int, float] = {}


def _marker(document: dict) -> int | None:
    # The machine's own counter: `plc_good_count` where the card's good count is the shift's recorded results.
    return next((s.get("plc_good_count", s["good_count"]) for s in document["stations"] if s["code"] == "SCR01"),
                None)


def _play_edge(database_url: str, stop: threading.Event) -> None:
    """Every 0.5 s rewrite every machine's status like the edge; SCR01's good count is the marker."""
    engine = create_db_engine(database_url)
    factory = session_factory(engine)
    with factory() as session:
        ids = {code: eq_id for eq_id, code in session.execute(select(Equipment.id, Equipment.code))}
    count = 1000
    while not stop.wait(0.5):
        count += 1
        for code, eq_id in ids.items():
            record_status(factory, eq_id, connected=True, values={
                "state": 6, "good_count": count if code == "SCR01-SPINDLE" else count // 2, "bad_count": 3,
                "alarm_code": 0, "result_serial": f"SN{count:06d}"})
            if code == "SCR01-SPINDLE":
                _WRITES[count] = time.perf_counter()
    engine.dispose()


def _prepare_database(tmp: Path) -> str:
    """Migrated, seeded SQLite with a shift of history: a state change a minute on every machine."""
    url = f"sqlite:///{tmp / 'var' / 'mes.sqlite3'}"
    engine = create_db_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        seed_site(session, load_site_config(DEFAULT_SITE_FILE), "bench")
    now = utcnow()
    with unit_of_work(factory) as session:
        for eq_id in session.scalars(select(Equipment.id)):
            session.add_all(StateChange(equipment_id=eq_id, at=now - timedelta(minutes=m), from_state=None,
                                        to_state=6 if m % 2 else 11) for m in range(480, 0, -1))
    engine.dispose()
    return url


def _start_web(tmp: Path, database_url: str, port: int, clients: int,
               workers: int | None = None) -> subprocess.Popen[bytes]:
    # A thread per open stream: room for every stream client plus the default 8 for pages.
    threads = clients + 8
    env = {**os.environ, "MES_DATABASE_URL": database_url, "MES_VAR_DIR": str(tmp / "var"),
           "MES_LOG_LEVEL": "ERROR"}  # not waitress's "task queue depth" warning for every queued request
    command = [sys.executable, "-m", "mes", "web", "--port", str(port), "--threads", str(threads)]
    command += ["--workers", str(workers)] if workers else []
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    _SERVER[:] = [server.pid]
    return server


def _session_cookie(port: int, username: str = "operator") -> str:
    """Sign in through the form (CSRF token and all) and return the Cookie header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/login", timeout=5).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": "bench", "csrf_token": token}).encode()
    if not opener.open(f"{base}/login", data=form, timeout=5).geturl().endswith("/lines/L1"):
        raise SystemExit("sign-in failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _percentiles(label: str, values_s: list[float], errors: int,
                 target_ms: float = LATENCY_TARGET_MS) -> list[dict[str, object]]:
    if len(values_s) < 2:
        raise SystemExit(f"{label}: too few samples ({len(values_s)})")
    cuts = statistics.quantiles([v * 1000 for v in values_s], n=100, method="inclusive")
    figures = [_figure(f"{label} p{p}", round(cuts[p - 1], 1), "ms", f"<= {target_ms:.0f}") for p in (50, 95, 99)]
    return [*figures, _figure(f"{label} samples", len(values_s), "", ""), _figure(f"{label} errors", errors, "", "0")]


def _figure(name: str, value: object, unit: str, target: str) -> dict[str, object]:
    return {"name": name, "value": value, "unit": unit, "target": target}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:  # an answer, not just a connection: the parent listens before its workers are ready
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("mes web did not start")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients per scenario.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of each scenario.")
    parser.add_argument("--json", action="store_true", help="One JSON object per figure.")
    parser.add_argument("--batch-units", type=int, default=200, help="Units of the batch under review.")
    parser.add_argument("--workers", type=int, help="mes web --workers (default: mes web's, one per core).")
    return parser


if __name__ == "__main__":
    main()
