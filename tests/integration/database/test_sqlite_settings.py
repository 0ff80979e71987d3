"""The embedded SQLite database runs with WAL, foreign keys and a busy timeout."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mes.db import create_db_engine
from mes.migrate import upgrade
from mes.models import Station


def test_every_sqlite_connection_has_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'var' / 'mes.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    engine.dispose()


def test_a_station_on_a_line_that_does_not_exist_is_refused(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'mes.sqlite3'}")
    upgrade(engine)
    with engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(Station.__table__.insert().values(
            line_id=999, code="X", name="X", station_type="t", position=1))
    engine.dispose()
