"""Recording a machine result: result row, its values and an audit entry in ONE transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mes.compliance.audit import AuditActor, record_audit
from mes.db import unit_of_work
from mes.edge.results import ResultBlock
from mes.models import MachineResult, MachineResultValue, utcnow

log = logging.getLogger("mes.edge.results")

# Production execution plugs in here: called inside the result's transaction, after the result row
# is flushed, so an operation completion commits (or rolls back) together with the result.
OnResult = Callable[[Session, MachineResult], None]


class Recorded(StrEnum):
    """What became of a result handed to the store."""

    NEW = "new"  # committed now
    DUPLICATE = "duplicate"  # this (equipment, sequence) was already in the database
    SPOOLED = "spooled"  # the database was away: durable in the local spool


def record_result(factory: sessionmaker[Session], block: ResultBlock, *, edge_id: str, spooled: bool = False,
                  on_result: OnResult | None = None) -> Recorded:
    """Commit the result once; DUPLICATE when its sequence is already recorded (raises on a database error)."""
    if _exists(factory, block):
        return Recorded.DUPLICATE
    try:
        _insert(factory, block, edge_id, spooled, on_result)
    except IntegrityError:
        # UNIQUE (equipment_id, sequence) refused it: someone recorded it between our check and insert.
        if _exists(factory, block):
            return Recorded.DUPLICATE
        if on_result is None:
            raise
        return _without_hook(factory, block, edge_id, spooled)
    except DBAPIError:
        raise  # the database is away or broken: the caller spools
    except Exception:
        if on_result is None:
            raise
        return _without_hook(factory, block, edge_id, spooled)
    return Recorded.NEW


def record_results(factory: sessionmaker[Session], blocks: Sequence[ResultBlock], *, edge_id: str,
                   on_result: OnResult | None = None) -> list[Recorded]:
    """Group commit: several results in one transaction, each with its rows and audit entry; same outcomes
    as record_result one by one (to which it falls back on a conflict or a failing hook)."""
    if len(blocks) == 1:
        return [record_result(factory, blocks[0], edge_id=edge_id, on_result=on_result)]
    known = _recorded_keys(factory, blocks)
    outcomes, fresh = [], []
    for block in blocks:
        key = (block.equipment_id, block.sequence)
        outcomes.append(Recorded.DUPLICATE if key in known else Recorded.NEW)
        if key not in known:
            known.add(key)  # the same result twice in one batch is stored once
            fresh.append(block)
    try:
        if fresh:
            with unit_of_work(factory) as session:
                for block in fresh:
                    _add(session, block, edge_id, False, on_result)
    except DBAPIError as exc:
        if not isinstance(exc, IntegrityError):
            raise  # the database is away: the caller spools the whole batch
        return [record_result(factory, b, edge_id=edge_id, on_result=on_result) for b in blocks]
    except Exception:
        # A failing production hook: one by one, so only its own result goes in without it.
        return [record_result(factory, b, edge_id=edge_id, on_result=on_result) for b in blocks]
    return outcomes


def _recorded_keys(factory: sessionmaker[Session], blocks: Sequence[ResultBlock]) -> set[tuple[int, int]]:
    with factory() as session:
        rows = session.execute(select(MachineResult.equipment_id, MachineResult.sequence).where(
            MachineResult.equipment_id.in_({b.equipment_id for b in blocks}),
            MachineResult.sequence.in_({b.sequence for b in blocks})))
        return {(row.equipment_id, row.sequence) for row in rows}


def _without_hook(factory: sessionmaker[Session], block: ResultBlock, edge_id: str, spooled: bool) -> Recorded:
    # The production hook failed: the machine's result must still be kept. Record it on its own
    # and leave the production side to be repaired (logged loudly, with the traceback).
    log.exception("%s: on_result failed for result %d; recorded without it",
                  block.equipment_code, block.sequence)
    return record_result(factory, block, edge_id=edge_id, spooled=spooled)


def _exists(factory: sessionmaker[Session], block: ResultBlock) -> bool:
    with factory() as session:
        found = session.scalar(select(MachineResult.id).where(
            MachineResult.equipment_id == block.equipment_id, MachineResult.sequence == block.sequence))
        return found is not None


def _insert(factory: sessionmaker[Session], block: ResultBlock, edge_id: str, spooled: bool,
            on_result: OnResult | None) -> None:
    with unit_of_work(factory) as session:
        _add(session, block, edge_id, spooled, on_result)


def _add(session: Session, block: ResultBlock, edge_id: str, spooled: bool, on_result: OnResult | None) -> None:
    result = _result_row(block, edge_id, spooled)
    session.add(result)
    session.flush()  # the id for the audit entry; a duplicate sequence fails here, before the audit
    record_audit(session, actor=AuditActor.system(edge_id), action="RESULT_RECORDED",
                 entity="machine_result", entity_id=str(result.id),
                 new={"equipment": block.equipment_code, "sequence": block.sequence,
                      "serial": block.serial, "passed": block.passed})
    if on_result is not None:
        on_result(session, result)


def _result_row(block: ResultBlock, edge_id: str, spooled: bool) -> MachineResult:
    return MachineResult(
        equipment_id=block.equipment_id, sequence=block.sequence, serial=block.serial[:40],
        passed=block.passed, status_code=block.status_code, cycle_time_s=block.cycle_time_s,
        received_at=block.received_at, source_timestamp=block.source_timestamp, recorded_at=utcnow(),
        spooled=spooled, edge_id=edge_id,
        values=[MachineResultValue(name=v.name, value=v.value, text=v.text, unit=v.unit) for v in block.values],
    )
