"""Which terminal and station a browser's token names, re-read at most every `ttl_s` per process.

Every terminal request (the live panel every second) needs the binding; reading it costs two statements.
The rows are kept as plain column values and each request gets its own detached copies, so no ORM object
is shared between threads. A revocation in this process is seen at once (`forget`); one made in another
process (or the CLI) within `ttl_s`, the same bound as the signed-in user's account (web/auth.py).
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from mes.models import Station, Terminal
from mes.production.terminals import terminal_by_token, token_hash

BINDING_TTL_S = 2.0
T = TypeVar("T")
_TERMINAL_COLUMNS = tuple(a.key for a in sa_inspect(Terminal).column_attrs)
_STATION_COLUMNS = tuple(a.key for a in sa_inspect(Station).column_attrs)


class BoundTerminals:
    """Token hash -> (read at, terminal columns, station columns); only valid, not revoked tokens are kept."""

    def __init__(self, ttl_s: float = BINDING_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._rows: dict[str, tuple[float, dict[str, Any], dict[str, Any]]] = {}

    def get(self, db: Session, token: str | None) -> tuple[Terminal, Station] | None:
        """The terminal holding this token and its station (fresh detached copies), or None."""
        if not token:
            return None
        key = token_hash(token)
        cached = self._rows.get(key)
        if cached is None or time.monotonic() - cached[0] >= self._ttl_s:
            terminal = terminal_by_token(db, token)
            if terminal is None:  # unknown or revoked: not kept, so random tokens cannot fill the cache
                self._rows.pop(key, None)
                return None
            station = db.get_one(Station, terminal.station_id)
            cached = (time.monotonic(), {k: getattr(terminal, k) for k in _TERMINAL_COLUMNS},
                      {k: getattr(station, k) for k in _STATION_COLUMNS})
            self._rows[key] = cached  # a dict item assignment: atomic under the GIL
        return _detached(Terminal(**cached[1])), _detached(Station(**cached[2]))

    def forget(self) -> None:
        """Re-read every binding at its next request (this process revoked or changed a terminal)."""
        self._rows.clear()


def _detached(row: T) -> T:
    make_transient_to_detached(row)
    return row
