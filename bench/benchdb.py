"""The benchmarks' scratch database: a temporary SQLite file, or a throw-away PostgreSQL database."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from mes.db import create_db_engine
from mes.migrate import upgrade


@contextmanager
def bench_database(server_url: str | None) -> Iterator[Engine]:
    """A migrated, empty database, removed afterwards; PostgreSQL when `server_url` names a server."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="mes-bench-") as tmp:
            engine = create_db_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    name = f"mes_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_db_engine(make_url(server_url).set(database=name).render_as_string(hide_password=False))
        upgrade(engine)
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
