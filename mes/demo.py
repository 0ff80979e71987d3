"""`mes demo`: one command that migrates, seeds and runs simulators, edge and web together."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time

from mes.db import create_db_engine, session_factory, unit_of_work
from mes.migrate import upgrade
from mes.services.seed import seed_site
from mes.settings import Settings
from mes.siteconfig import load_site_config

log = logging.getLogger("mes.demo")

PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 5.0
SPINDLE = "SCR01-SPINDLE"
SPINDLE_PROGRAM = ("target_torque=2.0", "torque_tolerance=0.1", "angle_min=100", "angle_max=700")


def run_demo(settings: Settings, port: int, demo_password: str) -> int:
    """Prepare the database, start the three processes, wait for Ctrl-C; returns the exit status."""
    site = load_site_config(settings.site_file)
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    with unit_of_work(session_factory(engine)) as session:
        seed_site(session, site, os.environ.get("MES_DEMO_PASSWORD", demo_password))
    _demo_production(engine)
    engine.dispose()
    env = {**os.environ, "MES_DATABASE_URL": settings.database_url, "MES_SITE_FILE": str(settings.site_file),
           "MES_PORT": str(port),
           # The simulators invent serials for the units nobody loaded: their results are recorded
           # and flagged unknown_serial, logged at DEBUG here rather than a WARNING every cycle.
           "MES_EDGE_UNAPPLIED_RESULT_LOG": os.environ.get("MES_EDGE_UNAPPLIED_RESULT_LOG", "DEBUG")}
    commands = [("simulators", ["simulate"])]
    commands += [(f"edge {line.code}", ["edge", "--line", line.code]) for line in site.lines()]
    commands += [("web", ["web", "--port", str(port)])]
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        for name, args in commands:
            children.append((name, _spawn(args, env)))
            if name == "simulators":
                # The edge would only log refused connections until the simulated PLCs listen.
                _wait_for_port("127.0.0.1", settings.simulator_control_port, children, lambda: stopping)
                _download_spindle_program(settings)
        if _wait_for_port(settings.host, port, children, lambda: stopping):
            _announce(settings.host, port, site)
        while not stopping:
            dead = [(n, p) for n, p in children if p.poll() is not None]
            if dead:
                log.error("%s exited with status %s; stopping the demo", dead[0][0], dead[0][1].returncode)
                return 1
            time.sleep(0.2)
        return 0
    finally:
        _stop_all(children)


def _demo_production(engine) -> None:  # type: ignore[no-untyped-def]
    """The PM-100's plans, approved routing, BOMs and lots (`mes production demo-data`), so the terminal
    can run a demo unit through the line; idempotent, and skipped for a site without the demo products."""
    from mes.compliance.audit import AuditActor
    from mes.production.demo_data import install_demo_production

    try:
        with unit_of_work(session_factory(engine)) as session:
            install_demo_production(session, AuditActor.system("demo"))
    except Exception as exc:  # another site file: the demo still runs, without production data
        log.warning("demo production data not installed: %s", exc)


def _download_spindle_program(settings: Settings) -> None:
    """Download the PM-100 screwing program to the simulated spindle, as a process engineer would: its
    default program (1.2 N·m) would fail every PM-100 against the plan (1.8-2.2 N·m, 20-720°)."""
    import asyncio

    from mes.edge.commands import download_to_equipment

    engine = create_db_engine(settings.database_url)
    try:
        asyncio.run(download_to_equipment(session_factory(engine), SPINDLE, SPINDLE_PROGRAM))
        log.info("demo: PM-100 screwing program downloaded to %s", SPINDLE)
    except Exception as exc:
        log.warning("demo: PM-100 screwing program not downloaded to %s: %s", SPINDLE, exc)
    finally:
        engine.dispose()


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `mes ARGS` in its own process group, killed with the demo even if the demo is killed."""
    return subprocess.Popen([sys.executable, "-m", "mes", *args], env=env, start_new_session=True,
                            preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    # Linux only: the kernel sends SIGTERM to the child when the demo process dies, even by SIGKILL.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_for_port(host: str, port: int, children, stopped) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not stopped():
        if any(p.poll() is not None for _, p in children):
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _announce(host: str, port: int, site) -> None:  # type: ignore[no-untyped-def]
    users = ", ".join(f"{u.username} ({u.role})" for u in site.users)
    password = os.environ.get("MES_DEMO_PASSWORD", "demo")
    print(f"\n  Technopolis MES demo is running: http://{host}:{port}/\n"
          f"  Sign in as {users}; password '{password}'.\n  Press Ctrl-C to stop everything.\n",
          flush=True)


def _stop_all(children: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    """SIGTERM every child group (web first, simulators last), then SIGKILL what is left."""
    for _name, proc in reversed(children):
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for name, proc in reversed(children):
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s; killing it", name, STOP_GRACE_S)
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
    log.info("demo stopped: every process ended")


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


__all__ = ["run_demo"]
