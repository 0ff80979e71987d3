"""Alembic environment: runs migrations on the engine handed over by mes.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from mes.db import create_db_engine
from mes.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations inside one transaction on the configured engine."""
    engine: Engine = config.attributes.get("engine") or create_db_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite can't ALTER most things: batch mode recreates the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported: run `mes db upgrade`")
run_migrations_online()
