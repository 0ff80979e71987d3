"""Fixtures shared by every layer, and the autouse check that a test leaves nothing running."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from tests.support.leaks import listening_sockets, running_children


@pytest.fixture(autouse=True)
def no_leftovers(request: pytest.FixtureRequest):
    """Fail a test that leaves a thread, subprocess or listening socket behind."""
    threads_before = set(threading.enumerate())
    children_before = running_children()
    sockets_before = listening_sockets()
    yield
    deadline = time.monotonic() + 2.0
    while True:
        extra_threads = [
            t for t in set(threading.enumerate()) - threads_before if t.is_alive() and not t.daemon
        ]
        extra_daemons = [
            t for t in set(threading.enumerate()) - threads_before
            if t.is_alive() and t.daemon and not _is_library_daemon(t)
        ]
        extra_children = running_children() - children_before
        extra_sockets = listening_sockets() - sockets_before
        if not (extra_threads or extra_daemons or extra_children or extra_sockets):
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    pytest.fail(
        f"test left behind: threads={[t.name for t in extra_threads + extra_daemons]} "
        f"children={sorted(extra_children)} listening={sorted(extra_sockets)}"
    )


def _is_library_daemon(thread: threading.Thread) -> bool:
    """Daemon threads owned by process-wide pools (not by the test) are allowed."""
    return thread.name.startswith(("asyncio_", "ThreadPoolExecutor", "pytest_timeout"))


@pytest.fixture(autouse=True)
async def no_leftover_tasks():
    """Fail an async test that leaves an asyncio task running on its loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # pragma: no cover - sync tests get no loop
        yield
        return
    before = asyncio.all_tasks(loop)
    yield
    current = asyncio.current_task()
    for _ in range(40):
        extra = [t for t in asyncio.all_tasks(loop) - before if t is not current and not t.done()]
        if not extra:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"test left asyncio tasks running: {[t.get_coro() for t in extra]}")


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database the suite runs on."""
    url = os.environ.get("MES_TEST_DATABASE_URL")
    return f"MES database: {'PostgreSQL ' + url if url else 'SQLite (embedded default)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory):
    """One migrated test database for the session (SQLite file, or PostgreSQL when configured)."""
    from mes.migrate import upgrade
    from tests.support.database import engine_for, fresh_database_url

    with fresh_database_url(tmp_path_factory.mktemp("db")) as url:
        engine = engine_for(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def engine(database_url: str):
    """The migrated test database's engine; every table is emptied after the test."""
    from tests.support.database import clear_tables, engine_for

    eng = engine_for(database_url)
    yield eng
    clear_tables(eng)
    eng.dispose()


@pytest.fixture
def sessions(engine):
    """A sessionmaker on the test database."""
    from mes.db import session_factory

    return session_factory(engine)


@pytest.fixture(scope="session")
def demo_site():
    """The demo site file, validated."""
    from mes.settings import DEFAULT_SITE_FILE
    from mes.siteconfig import load_site_config

    return load_site_config(DEFAULT_SITE_FILE)


@pytest.fixture
def seeded(sessions, demo_site):
    """The test database with the demo site imported and demo users whose password is 'demo'."""
    from mes.db import unit_of_work
    from mes.services.seed import seed_site

    with unit_of_work(sessions) as session:
        seed_site(session, demo_site, "demo")
    return sessions


@pytest.fixture
def app(engine, tmp_path):
    """The web app on the test database, with CSRF protection on as in production."""
    from mes.settings import Settings
    from web import create_app

    settings = Settings(database_url=str(engine.url), secret_key="test-secret", site_file=tmp_path / "none")
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app):
    """A browser-like test client of the web app."""
    return app.test_client()
