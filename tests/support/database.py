"""Test databases: a temporary SQLite file, or a fresh PostgreSQL database when MES_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from mes.db import create_db_engine
from mes.models import Base
from tests.support.audit_triggers import audit_triggers_bypassed

POSTGRES_ENV = "MES_TEST_DATABASE_URL"


def on_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return bool(os.environ.get(POSTGRES_ENV))


@contextmanager
def fresh_database_url(tmp_dir: Path) -> Iterator[str]:
    """The URL of a new empty database, dropped afterwards (PostgreSQL) or left in tmp_dir (SQLite)."""
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        yield f"sqlite:///{tmp_dir / f'mes-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"mes_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def clear_tables(engine: Engine) -> None:
    """Delete every row, children first, so the next test starts from an empty migrated schema."""
    with engine.begin() as conn, audit_triggers_bypassed(conn):
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def engine_for(url: str) -> Engine:
    """The project's engine for a test database URL."""
    return create_db_engine(url)
