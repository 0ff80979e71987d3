"""One database transaction per request, with SQLite lock waits turned into a typed error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.orm import Session

from mes.db import unit_of_work
from mes.production.common import concurrency_guard


@contextmanager
def transaction() -> Iterator[Session]:
    """A write transaction: committed when the view's block ends, rolled back on any error."""
    with concurrency_guard(), unit_of_work(current_app.extensions["mes.sessions"]) as session:
        yield session


@contextmanager
def read_only() -> Iterator[Session]:
    """A session for reads."""
    with current_app.extensions["mes.sessions"]() as session:
        yield session
