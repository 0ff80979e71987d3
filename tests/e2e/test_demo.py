"""`mes demo` as a new user runs it: everything starts, the line updates, Ctrl-C leaves nothing behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mes.settings import DEFAULT_SITE_FILE
from tests.support.http import Browser
from tests.support.ports import free_port, site_file_on_free_ports

pytestmark = pytest.mark.slow


def descendants(pid: int) -> set[int]:
    """Every live descendant of a process, read from /proc."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def demo(tmp_path):
    """The demo started as `mes demo` in a subprocess, on free ports, with its own var directory."""
    site = tmp_path / "site.yaml"
    site.write_text(site_file_on_free_ports(DEFAULT_SITE_FILE.read_text()))
    port = free_port()
    env = {**os.environ, "MES_VAR_DIR": str(tmp_path / "var"), "MES_PORT": str(port),
           "MES_SITE_FILE": str(site), "MES_SIMULATOR_CONTROL_PORT": str(free_port())}
    env.pop("MES_DATABASE_URL", None)
    log = (tmp_path / "demo.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "mes", "demo"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: "demo is running" in (tmp_path / "demo.log").read_text() or proc.poll() is not None,
                 60, "the demo to start")
        assert proc.poll() is None, (tmp_path / "demo.log").read_text()
        yield proc, port, tmp_path / "demo.log"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
        log.close()


def test_the_demo_shows_both_simulated_machines_updating_and_ctrl_c_stops_every_process(demo):
    proc, port, log = demo
    assert f"http://127.0.0.1:{port}/" in log.read_text()
    browser = Browser(f"http://127.0.0.1:{port}")
    browser.sign_in("operator", "demo")

    def live_stations():
        stations = browser.json("/lines/L1/status.json")["stations"]
        return {s["protocol"]: s for s in stations if s["connected"] and s["updated_at"]}

    first = wait_for(lambda: (s := live_stations()) and {"modbus_tcp", "opc_ua"} <= set(s) and s, 30,
                     "a Modbus and an OPC UA station to report")
    second = wait_for(lambda: (s := live_stations()) and all(
        s[p]["updated_at"] != first[p]["updated_at"] for p in ("modbus_tcp", "opc_ua")) and s, 10,
        "both stations to update again")
    assert second["opc_ua"]["state_name"] != "UNKNOWN"
    assert second["modbus_tcp"]["state_name"] != "UNKNOWN"

    processes = descendants(proc.pid)
    assert len(processes) >= 3  # simulators, edge, web
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    wait_for(lambda: not any(alive(p) for p in processes), 10, "every demo process to end")
    with pytest.raises(OSError):
        __import__("socket").create_connection(("127.0.0.1", port), timeout=1)
