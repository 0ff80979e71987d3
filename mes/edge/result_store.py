"""Recording machine results: result rows, their values and audit entries in ONE transaction.

A group of results costs a fixed number of statements, whatever its size: one INSERT of the result
rows that skips a sequence already recorded (ON CONFLICT DO NOTHING ... RETURNING: the UNIQUE key,
not a SELECT before, says what is new), one INSERT of their values, one append to the audit chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from mes.compliance.audit import AuditActor, record_audits
from mes.db import unit_of_work
from mes.edge.results import ResultBlock
from mes.models import MachineResult, MachineResultValue, utcnow

log = logging.getLogger("mes.edge.results")

# Production execution plugs in here: called inside the result's transaction, after the result row
# and its values are written, so an operation completion commits (or rolls back) with the result.
OnResult = Callable[[Session, MachineResult], None]
Key = tuple[int, int]  # (equipment_id, sequence): the identity of a result

RESULTS = MachineResult.__table__
VALUES = MachineResultValue.__table__


class Recorded(StrEnum):
    """What became of a result handed to the store."""

    NEW = "new"  # committed now
    DUPLICATE = "duplicate"  # this (equipment, sequence) was already in the database
    SPOOLED = "spooled"  # the database was away: durable in the local spool


def record_result(factory: sessionmaker[Session], block: ResultBlock, *, edge_id: str, spooled: bool = False,
                  on_result: OnResult | None = None) -> Recorded:
    """Commit the result once; DUPLICATE when its sequence is already recorded (raises on a database error)."""
    return record_results(factory, [block], edge_id=edge_id, spooled=spooled, on_result=on_result)[0]


def record_results(factory: sessionmaker[Session], blocks: Sequence[ResultBlock], *, edge_id: str,
                   spooled: bool = False, on_result: OnResult | None = None) -> list[Recorded]:
    """Group commit: the results in one transaction, each with its rows and audit entry, NEW or DUPLICATE each.

    A failing production hook costs no result: the group is redone one result at a time, and the
    result whose hook fails is recorded without it. A database error is raised (the caller spools).
    """
    first: dict[Key, ResultBlock] = {}
    for block in blocks:
        first.setdefault(_key(block), block)  # the first copy of each sequence, in arrival order
    unique = list(first.values())
    try:
        new = _commit(factory, unique, edge_id, spooled, on_result)
    except DBAPIError as exc:
        if not isinstance(exc, IntegrityError):
            raise  # the database is away or broken: the caller spools
        new = _recover(factory, unique, edge_id, spooled, on_result, exc)
    except Exception as exc:
        new = _recover(factory, unique, edge_id, spooled, on_result, exc)
    outcomes = []
    for block in blocks:
        key = _key(block)
        outcomes.append(Recorded.NEW if key in new else Recorded.DUPLICATE)
        new.discard(key)  # the same result twice in one group: stored once, the second copy a duplicate
    return outcomes


def _recover(factory: sessionmaker[Session], blocks: list[ResultBlock], edge_id: str, spooled: bool,
             on_result: OnResult | None, exc: Exception) -> set[Key]:
    """After a failed group: one result at a time; a failing hook is dropped for its own result only."""
    if len(blocks) > 1:
        return {_key(b) for b in blocks
                if record_result(factory, b, edge_id=edge_id, spooled=spooled, on_result=on_result) is Recorded.NEW}
    if on_result is None:
        raise exc
    # The production hook failed: the machine's result must still be kept. Record it on its own
    # and leave the production side to be repaired (logged loudly, with the traceback).
    block = blocks[0]
    log.error("%s: on_result failed for result %d; recorded without it", block.equipment_code, block.sequence,
              exc_info=exc)
    return _commit(factory, blocks, edge_id, spooled, None)


def _commit(factory: sessionmaker[Session], blocks: list[ResultBlock], edge_id: str, spooled: bool,
            on_result: OnResult | None) -> set[Key]:
    """Insert what is new of `blocks` with values and audit entries, run the hook; the keys inserted."""
    with unit_of_work(factory) as session:
        ids = _insert_results(session, blocks, edge_id, spooled)
        fresh = [(ids[_key(b)], b) for b in blocks if _key(b) in ids]
        if not fresh:
            return set()
        values = [{"machine_result_id": rid, "name": v.name, "value": v.value, "text": v.text, "unit": v.unit}
                  for rid, b in fresh for v in b.values]
        if values:
            session.execute(insert(VALUES), values)
        record_audits(session, actor=AuditActor.system(edge_id), action="RESULT_RECORDED", entity="machine_result",
                      items=[(str(rid), _audited(b)) for rid, b in fresh])
        if on_result is not None:
            for result in _loaded(session, [rid for rid, _ in fresh]):
                on_result(session, result)
        return set(ids)


def _insert_results(session: Session, blocks: list[ResultBlock], edge_id: str, spooled: bool) -> dict[Key, int]:
    """One INSERT for every row; a sequence already recorded is skipped by the database. New key -> id."""
    now = utcnow()
    rows = [{"equipment_id": b.equipment_id, "sequence": b.sequence, "serial": b.serial[:40],
             "passed": b.passed, "status_code": b.status_code, "cycle_time_s": b.cycle_time_s,
             "received_at": b.received_at, "source_timestamp": b.source_timestamp, "recorded_at": now,
             "spooled": spooled, "edge_id": edge_id} for b in blocks]
    statement = _insert_new(session).returning(RESULTS.c.id, RESULTS.c.equipment_id, RESULTS.c.sequence)
    return {(row.equipment_id, row.sequence): row.id for row in session.execute(statement, rows)}


def _insert_new(session: Session) -> Insert:
    """INSERT INTO machine_result ... ON CONFLICT (equipment_id, sequence) DO NOTHING, in the session's dialect."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(RESULTS).on_conflict_do_nothing(index_elements=["equipment_id", "sequence"])


def _loaded(session: Session, ids: list[int]) -> list[MachineResult]:
    """The rows just inserted as ORM objects with their values (for the hook), in insertion order."""
    query = select(MachineResult).where(MachineResult.id.in_(ids)).options(selectinload(MachineResult.values))
    by_id = {result.id: result for result in session.scalars(query)}
    return [by_id[i] for i in ids]


def _audited(block: ResultBlock) -> dict[str, Any]:
    return {"equipment": block.equipment_code, "sequence": block.sequence, "serial": block.serial,
            "passed": block.passed}


def _key(block: ResultBlock) -> Key:
    return (block.equipment_id, block.sequence)
