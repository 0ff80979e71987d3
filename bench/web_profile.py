"""Server cost per request of the measured pages, in process: CPU ms and SQL statements per request.

    .venv/bin/python -m bench.web_profile                    # table: CPU ms/request, statements/request
    .venv/bin/python -m bench.web_profile --profile terminal  # plus cProfile's top functions of one page
    .venv/bin/python -m bench.web_profile --batch-units 10000 --json

The same data as bench/web.py (a seeded site with a shift of history, the quality batches, a terminal
with a unit open), served by the Flask test client one request at a time. CPU time of this process per
request is what a page costs the server whatever else loads the machine, so it is the figure to compare
between runs and revisions (wall latency under load is not). The WSGI server itself is not included.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from the repo
from web import create_app  # noqa: I001 - before bench/quality_records.py puts bench/ (with web.py) on sys.path
from bench.web import _prepare_database
from bench.web_quality import prepare_quality_data, quality_pages
from bench.web_terminal import prepare_terminal_data
from mes.settings import Settings


def main() -> None:
    """Prepare the data, warm every page, then time `--requests` requests of each."""
    args = _parser().parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = _prepare_database(Path(tmp))
        prepare_quality_data(url, args.batch_units)
        token, serial = prepare_terminal_data(url)
        os.environ.update(MES_DATABASE_URL=url, MES_VAR_DIR=str(Path(tmp) / "var"), MES_LOG_LEVEL="WARNING")
        app = create_app(Settings.from_env())
        statements = _count_statements(app.extensions["mes.engine"])
        pages = _pages(app, token, serial, args.batch_units)
        for name, (client, path) in pages.items():
            if args.only and args.only not in name:
                continue
            figure = _measure(client, path, args.requests, statements)
            figure["page"] = name
            print(json.dumps(figure) if args.json else
                  f"{name:<32} {figure['cpu_ms']:>7.2f} CPU ms/req {figure['statements']:>6.1f} statements/req "
                  f"{figure['bytes']:>8} bytes")
            if args.profile and args.profile in name:
                _profile(client, path, args.requests)
        app.extensions["mes.engine"].dispose()


def _pages(app, token: str, serial: str, units: int) -> dict[str, tuple[FlaskClient, str]]:  # type: ignore[no-untyped-def]
    """Page name -> (a signed-in client, path)."""
    line, quality, terminal = app.test_client(), app.test_client(), app.test_client()
    _sign_in(line, "operator")
    _sign_in(quality, "quality")
    terminal.set_cookie("mes_terminal", token, domain="localhost")
    _sign_in(terminal, "operator")
    page = terminal.get("/terminal/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    scanned = terminal.post("/terminal/scan", data={"code": serial, "csrf_token": csrf}, follow_redirects=True)
    if serial not in scanned.get_data(as_text=True):
        raise SystemExit("the terminal did not open the bench unit")
    pages = {"dashboard page": (line, "/lines/L1"), "dashboard status.json": (line, "/lines/L1/status.json"),
             "terminal page": (terminal, "/terminal/"), "terminal live panel": (terminal, "/terminal/panel")}
    pages.update({name: (quality, path) for name, path in quality_pages(units)})
    return pages


def _sign_in(client: FlaskClient, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": username, "password": "bench", "csrf_token": csrf})
    if answer.status_code != 302:
        raise SystemExit(f"sign-in of {username} failed")


def _count_statements(engine) -> list[int]:  # type: ignore[no-untyped-def]
    counter = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:  # type: ignore[no-untyped-def]
        counter[0] += 1

    return counter


def _measure(client: FlaskClient, path: str, requests: int, statements: list[int]) -> dict[str, object]:
    """CPU ms and statements per request (after three warm-up requests)."""
    for _ in range(3):
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code}")
    size = len(answer.get_data())
    before_statements, cpu, wall = statements[0], time.process_time(), time.perf_counter()
    for _ in range(requests):
        client.get(path)
    cpu_ms = (time.process_time() - cpu) * 1000 / requests
    wall_ms = (time.perf_counter() - wall) * 1000 / requests
    return {"path": path, "cpu_ms": round(cpu_ms, 2), "wall_ms": round(wall_ms, 2),
            "statements": round((statements[0] - before_statements) / requests, 1), "bytes": size}


def _profile(client: FlaskClient, path: str, requests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="Requests per page.")
    parser.add_argument("--batch-units", type=int, default=200, help="Units of the batch under review.")
    parser.add_argument("--only", help="Only the pages whose name contains this.")
    parser.add_argument("--profile", help="cProfile the pages whose name contains this.")
    parser.add_argument("--json", action="store_true", help="One JSON object per page.")
    return parser


if __name__ == "__main__":
    main()
