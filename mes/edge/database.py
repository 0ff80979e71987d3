"""The edge's database engine: the project's engine, with short waits so a dead database spools fast."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from mes.db import create_db_engine


def edge_engine(url: str, timeout_s: float = 2.0) -> Engine:
    """An engine whose connects (PostgreSQL) and lock waits (SQLite) give up after about `timeout_s`."""
    if make_url(url).get_backend_name() != "sqlite":
        # libpq counts whole seconds and treats values below 2 as 2.
        return create_db_engine(url, connect_args={"connect_timeout": max(2, round(timeout_s))})
    engine = create_db_engine(url)
    busy_ms = int(timeout_s * 1000)

    def shorter_busy_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Registered after the project's own pragmas, so this value wins: a result waiting longer
        # for the write lock goes to the spool instead.
        dbapi_connection.execute(f"PRAGMA busy_timeout={busy_ms}")

    event.listen(engine, "connect", shorter_busy_timeout)
    return engine
