"""Live line status for many screens: one shared snapshot per line, streamed as Server-Sent Events."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mes.services.line_status import LineStatus, line_status, list_lines

log = logging.getLogger(__name__)


class LineSnapshots:
    """Each line's status computed at most once per `max_age_s` and shared by every client of the process.

    Without it, every open dashboard would run the same queries several times a second.
    """

    def __init__(self, sessions: sessionmaker[Session], shift_starts: Sequence[clock_time], zone: ZoneInfo,
                 max_age_s: float = 0.25, lines_max_age_s: float = 5.0) -> None:
        self._sessions = sessions
        self._shift_starts = tuple(shift_starts)
        self._zone = zone
        self._max_age_s = max_age_s
        self._lines_max_age_s = lines_max_age_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, LineStatus]] = {}
        self._renders: dict[tuple[str, str], tuple[LineStatus, str]] = {}
        self._lines: tuple[float, list[tuple[str, str]]] | None = None

    def get(self, code: str) -> LineStatus:
        """The line's status, at most `max_age_s` old; raises UnknownLine."""
        with self._lock:  # one query at a time per process; the others then read its result
            cached = self._cache.get(code)
            if cached and time.monotonic() - cached[0] < self._max_age_s:
                return cached[1]
            with self._sessions() as db:  # the connection goes back to the pool before anyone waits
                status = line_status(db, code, shift_starts=self._shift_starts, zone=self._zone)
            self._cache[code] = (time.monotonic(), status)
            return status

    def rendered(self, code: str, variant: str, render: Callable[[LineStatus], str]) -> str:
        """`render(status)` of the current snapshot, computed once per snapshot and variant (e.g. page:ru, json:en).

        Every viewer of a line sees the same status, so the page fragment and the JSON are built once per
        snapshot (at most every `max_age_s`), not once per request. Two threads may render the same new
        snapshot at once; both results are equal, the last one is kept.
        """
        status = self.get(code)
        hit = self._renders.get((code, variant))
        if hit is not None and hit[0] is status:
            return hit[1]
        text = render(status)
        self._renders[(code, variant)] = (status, text)
        return text

    def lines(self) -> list[tuple[str, str]]:
        """Every line as (code, name), re-read at most every `lines_max_age_s` (lines are master data)."""
        cached = self._lines
        if cached is not None and time.monotonic() - cached[0] < self._lines_max_age_s:
            return cached[1]
        with self._sessions() as db:
            lines = list_lines(db)
        self._lines = (time.monotonic(), lines)
        return lines


@dataclass(frozen=True)
class StreamLimits:
    """How a stream behaves: poll period, heartbeat, lifetime and how many may run at once."""

    poll_s: float = 0.25
    heartbeat_s: float = 5.0
    max_s: float = 300.0  # waitress gives each stream a worker thread: end it, the browser reconnects
    retry_ms: int = 2000
    max_streams: int = 32


class StreamSlots:
    """A non-blocking counter of open streams, so streams never take every worker thread."""

    def __init__(self, limit: int) -> None:
        self._free = threading.BoundedSemaphore(limit)

    def try_take(self) -> bool:
        """Take a slot if one is free."""
        return self._free.acquire(blocking=False)

    def give_back(self) -> None:
        """Return a slot."""
        self._free.release()


def event_stream(current: Callable[[], str], limits: StreamLimits,
                 disconnected: Callable[[], bool] = lambda: False) -> Iterator[str]:
    """SSE text: the status whenever its JSON changes, a heartbeat when idle, ending after `max_s`.

    A stream that ends on time says so ("reconnect"), so the page reconnects at once instead of
    showing "reconnecting" as if the server had gone away.
    """
    yield f"retry: {limits.retry_ms}\n\n"
    last_payload = None
    last_sent = started = time.monotonic()
    while time.monotonic() - started < limits.max_s and not disconnected():
        try:
            payload = current()  # the status document as JSON text, shared by every stream of the line
        except SQLAlchemyError as exc:  # the database is away: keep the stream, say so, try again
            log.debug("line status unavailable: %s", exc)
            payload = None
        now = time.monotonic()
        if payload is not None and payload != last_payload:
            yield f"event: status\ndata: {payload}\n\n"
            last_payload, last_sent = payload, now
        elif now - last_sent >= limits.heartbeat_s:
            yield "event: heartbeat\ndata: {}\n\n"
            last_sent = now
        time.sleep(limits.poll_s)
    else:
        if not disconnected():
            yield "event: reconnect\ndata: {}\n\n"
