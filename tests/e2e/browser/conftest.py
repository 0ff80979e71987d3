"""A real plant for the browser: simulators, edge and web as `mes` subprocesses, and Debian's Chromium."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from mes.settings import DEFAULT_SITE_FILE, PROJECT_ROOT
from tests.support.ports import free_port, site_file_on_free_ports

CHROMIUM = Path("/usr/bin/chromium")
# Flags that keep Chromium off the (closed) network and quiet in a container; see docs in README "Tests".
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
WALL_SCREEN = {"width": 1920, "height": 1080}


def wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    """Block until something listens on 127.0.0.1:port, failing with the process log if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"process exited early:\n{log.read_text()[-3000:]}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s:\n{log.read_text()[-3000:]}")


@dataclass
class Plant:
    """The running processes of one line and how to reach them."""

    root: Path
    env: dict[str, str]
    control_port: int
    web_port: int

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """`mes ARGS` in its own process group, logging to ROOT/NAME.log."""
        log = (self.root / f"{name}.log").open("ab")
        try:
            return subprocess.Popen([sys.executable, "-m", "mes", *args], env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()  # the child has its own copy of the descriptor

    def start_web(self, port: int, streams: int = 8, stream_seconds: float = 300,
                  workers: int | None = None) -> subprocess.Popen[bytes]:
        """A web process on `port` with room for `streams` live streams per worker, once it accepts connections."""
        workers_option = ("--workers", str(workers)) if workers else ()
        proc = self.start(f"web-{port}", "web", "--port", str(port), "--threads", "16", "--streams", str(streams),
                          "--stream-seconds", str(stream_seconds), *workers_option)
        wait_for_port(port, proc, self.root / f"web-{port}.log")
        return proc

    def inject_fault(self, machine: str, fault: str, **options: object) -> dict:
        """POST a fault to the simulators' control API on loopback."""
        body = json.dumps({"fault": fault, **options}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.control_port}/machines/{machine}/faults",
                                         data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def clear_faults(self, machine: str) -> None:
        """DELETE every fault of one machine."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.control_port}/machines/{machine}/faults",
                                         method="DELETE")
        with urllib.request.urlopen(request, timeout=5):
            pass


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL after 10 s; always reaped."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="package")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plant]:
    """Migrated, seeded SQLite; simulators (no random faults), the L1 edge and web, on free ports."""
    root = tmp_path_factory.mktemp("plant")
    text = site_file_on_free_ports(DEFAULT_SITE_FILE.read_text())
    # Only the faults a test injects: random ones would make the assertions flaky.
    text = re.sub(r"fault_rate: [0-9.]+", "fault_rate: 0.0", text)
    (root / "site.yaml").write_text(text)
    control_port, web_port = free_port(), free_port()
    env = {**os.environ, "MES_VAR_DIR": str(root / "var"), "MES_SITE_FILE": str(root / "site.yaml"),
           "MES_SIMULATOR_CONTROL_PORT": str(control_port), "MES_LOG_LEVEL": "WARNING"}
    env.pop("MES_DATABASE_URL", None)
    _prepare_database(root / "var" / "mes.sqlite3", root / "site.yaml")
    plant = Plant(root, env, control_port, web_port)
    processes = []
    try:
        processes.append(plant.start("simulators", "simulate"))
        processes.append(plant.start("edge", "edge", "--line", "L1"))
        processes.append(plant.start_web(web_port))
        wait_for_port(control_port, processes[0], root / "simulators.log")
        yield plant
    finally:
        for proc in reversed(processes):
            stop(proc)


def _prepare_database(path: Path, site_file: Path) -> None:
    """What `mes db upgrade` and `mes seed` do, in this process (each CLI start costs a second)."""
    from mes.db import create_db_engine, session_factory, unit_of_work
    from mes.migrate import upgrade
    from mes.services.seed import seed_site
    from mes.siteconfig import load_site_config

    engine = create_db_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with unit_of_work(session_factory(engine)) as session:
            seed_site(session, load_site_config(site_file), "demo")
    finally:
        engine.dispose()


@pytest.fixture
async def new_page() -> AsyncIterator[Callable[..., Awaitable[Page]]]:
    """Pages of Debian's Chromium in fresh contexts (own cookies), sized like a wall screen.

    Async Playwright, one browser per test: the sync API runs its own event loop, which clashes with
    pytest-asyncio's, and a launch costs under a second. Browser and driver end with the test.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run scripts/install-system-deps.sh (as root)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        async def open_page(viewport: dict[str, int] = WALL_SCREEN, locale: str = "ru-RU") -> Page:
            context = await browser.new_context(viewport=viewport, locale=locale)
            context.set_default_timeout(10_000)
            return await context.new_page()

        try:
            yield open_page
        finally:
            await browser.close()
    # Playwright reads files through the loop's default executor; join its thread before the leak check.
    await asyncio.get_running_loop().shutdown_default_executor()


async def sign_in(page: Page, base_url: str, username: str, password: str = "demo") -> None:
    """Sign in through the real form, as a person would: type, then press the button."""
    await page.goto(f"{base_url}/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")


async def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
