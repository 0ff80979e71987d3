"""Same-run A/B of web speed: the line page and status.json served by two source trees on one database.

    git archive <rev> | tar -x -C /tmp/before         # the tree to compare against
    .venv/bin/python bench/web_ab.py --baseline /tmp/before [--rounds 2] [--seconds 8] [--json]

Both servers (`mes web`, waitress, `--threads` as bench/web.py uses) run at once on one seeded SQLite file
while a writer plays the edge; `wrk` drives them alternately, saturated (50 connections) and with one
connection, so a shared, noisy machine loads both alike. Compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from the repo
from bench.web import HERE, _free_port, _play_edge, _prepare_database, _session_cookie, _wait_for_port

ROOT = HERE.parent
PATHS = ("/lines/L1", "/lines/L1/status.json")


def main() -> None:
    """Start both trees' servers, run wrk on each in turn, print one line (or JSON object) per run."""
    args = _parser().parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = _prepare_database(Path(tmp))
        servers = {name: _serve(root, Path(tmp), url, args.threads)
                   for name, root in (("before", args.baseline.resolve()), ("after", ROOT))}
        stop = threading.Event()
        writer = threading.Thread(target=_play_edge, args=(url, stop), name="bench-edge")
        writer.start()
        try:
            for path in PATHS:
                for connections in (args.connections, 1):
                    for round_no in range(args.rounds):
                        for name, (port, _proc, cookie) in servers.items():
                            _print(args.json, {"path": path, "connections": connections, "round": round_no,
                                               "tree": name, **_wrk(port, path, cookie, connections, args.seconds)})
        finally:
            stop.set()
            writer.join()
            for _port, proc, _cookie in servers.values():
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)


def _serve(root: Path, tmp: Path, url: str, threads: int) -> tuple[int, subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "MES_DATABASE_URL": url, "MES_VAR_DIR": str(tmp / "var"), "MES_LOG_LEVEL": "ERROR",
           "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "mes", "web", "--port", str(port), "--threads", str(threads)],
                            env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    _wait_for_port(port, proc)
    return port, proc, _session_cookie(port)


def _wrk(port: int, path: str, cookie: str, connections: int, seconds: float) -> dict[str, float]:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "5s",
               "-s", str(HERE / "wrk_report.lua"), f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, env={**os.environ, "MES_BENCH_COOKIE": cookie}, capture_output=True, text=True,
                         check=True).stdout
    report = json.loads(re.search(r"WRK_JSON (\{.*\})", out).group(1))
    return {"p50_ms": round(report["p50_ms"], 1), "p95_ms": round(report["p95_ms"], 1),
            "p99_ms": round(report["p99_ms"], 1), "req_per_s": round(report["requests"] / report["seconds"]),
            "errors": report["errors"]}


def _print(as_json: bool, row: dict[str, object]) -> None:
    if as_json:
        print(json.dumps(row), flush=True)
        return
    print(f"{row['path']:<24} c={row['connections']:<3} round {row['round']} {row['tree']:<7} p50 {row['p50_ms']:>7} "
          f"p95 {row['p95_ms']:>7} p99 {row['p99_ms']:>7} ms {row['req_per_s']:>6} req/s errors {row['errors']}",
          flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="Source tree to compare against.")
    parser.add_argument("--connections", type=int, default=50, help="Saturating connections (wrk -c).")
    parser.add_argument("--threads", type=int, default=58, help="mes web --threads (bench/web.py: clients + 8).")
    parser.add_argument("--rounds", type=int, default=2, help="Alternating rounds per scenario.")
    parser.add_argument("--seconds", type=float, default=8.0, help="Length of each wrk run.")
    parser.add_argument("--json", action="store_true", help="One JSON object per run.")
    return parser


if __name__ == "__main__":
    main()
