"""Verifying the audit trail: walk the chain in id order, in batches, and name the first bad link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.orm import Session

from mes.compliance.chain import GENESIS_HASH, HASHED_FIELDS, compute_row_hash
from mes.models import AuditEvent

DEFAULT_BATCH_SIZE = 20_000

_TABLE = AuditEvent.__table__
_COLUMNS = [_TABLE.c[name] for name in (*HASHED_FIELDS, "row_hash")]


@dataclass(frozen=True)
class ChainProblem:
    """The first broken or missing link: which event, what kind (altered/broken_link/missing), why."""

    event_id: int
    kind: str
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    """What a verification found: events checked, the head reached, and the first problem if any."""

    events: int
    last_id: int
    last_hash: str
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        """True when every entry and link checked out."""
        return self.problem is None

    def summary(self) -> str:
        """One line for people: the count and either 'chain intact' or the first problem."""
        if self.problem is None:
            return f"{self.events} events, chain intact (head: event {self.last_id}, {self.last_hash})"
        return f"chain BROKEN at event {self.problem.event_id} ({self.problem.kind}): {self.problem.detail}"


def verify_chain(source: Session | Engine | Connection, batch_size: int = DEFAULT_BATCH_SIZE) -> VerifyReport:
    """Recompute every row_hash and check prev_hash links and id continuity, in constant memory."""
    if isinstance(source, Engine):
        with source.connect() as conn:
            return _walk(conn, batch_size)
    conn = source.connection() if isinstance(source, Session) else source
    return _walk(conn, batch_size)


def _walk(conn: Connection, batch_size: int) -> VerifyReport:
    count, last_id, last_hash = 0, 0, GENESIS_HASH
    for row in _rows(conn, batch_size):
        problem = _check(row, last_id, last_hash)
        if problem is not None:
            return VerifyReport(count, last_id, last_hash, problem)
        count, last_id, last_hash = count + 1, row.id, row.row_hash
    return VerifyReport(count, last_id, last_hash, None)


def _rows(conn: Connection, batch_size: int) -> Iterator[Row]:
    """Keyset pagination by id: each batch is one indexed range scan, memory stays one batch."""
    after = 0
    while True:
        batch = conn.execute(
            select(*_COLUMNS).where(_TABLE.c.id > after).order_by(_TABLE.c.id).limit(batch_size)
        ).all()
        yield from batch
        if len(batch) < batch_size:
            return
        after = batch[-1].id


def _check(row: Row, last_id: int, last_hash: str) -> ChainProblem | None:
    if row.id != last_id + 1:
        missing = f"event {last_id + 1}" if row.id == last_id + 2 else f"events {last_id + 1}..{row.id - 1}"
        return ChainProblem(last_id + 1, "missing", f"{missing} missing: the next entry present is {row.id}")
    if row.prev_hash != last_hash:
        before = f"event {last_id}" if last_id else "the chain's start"
        return ChainProblem(row.id, "broken_link",
                            f"prev_hash does not match the row_hash of {before}: one of the two was rewritten")
    if compute_row_hash(row._mapping) != row.row_hash:
        return ChainProblem(row.id, "altered", "content does not match its row_hash: changed after it was written")
    return None
