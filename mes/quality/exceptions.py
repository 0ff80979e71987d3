"""Review by exception: what in a batch record needs a QA look before release, and whether it still does.

An exception is open until QA records a signed review decision on it, or, for a nonconformance,
until the NC is closed by its own signed disposition. Every query is set-based over a set of work
orders, so a 10,000-unit batch, or the 50 batches of the batch list, cost a handful of statements,
not one per unit or per batch; the list and the batch page share this one code path, so they agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, cast, func, literal, not_, or_, select, text
from sqlalchemy.orm import Session

from mes.models import (
    AuditEvent,
    ComponentConsumption,
    ExceptionReview,
    Measurement,
    Nonconformance,
    OperationRecord,
    Override,
    Unit,
    User,
    WorkOrder,
)

# Records whose later change is an exception: they are written once when the work is done.
GMP_ENTITIES = ("measurement", "operation_record", "component_consumption", "nonconformance_note")
CHANGE_ACTIONS = ("UPDATE", "DELETE", "CORRECT")
# PostgreSQL collations that order text by code point, so "<key>/" <= id < "<key>0" is exactly a prefix.
BYTEWISE_COLLATIONS = {"c", "posix", "c.utf-8", "c.utf8", "ucs_basic"}


@dataclass(frozen=True)
class BatchException:
    """One thing in a batch record a reviewer must see; `key` is stable across rebuilds."""

    key: str
    kind: str  # out_of_spec, retest, manual_entry, override, nonconformance, rework, changed_after_creation
    serial: str | None
    detail: str
    open: bool = True
    reviewed_by: str | None = None
    decision: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


Found = dict[int, list[BatchException]]  # work order id -> its exceptions of one kind, in order
# The work orders of a query, bound at execution: each statement is built once per process (building a
# SELECT costs more Python time than SQLite takes to run it), then only executed with new ids.
IDS = bindparam("ids", expanding=True)


def batch_exceptions(session: Session, wo: WorkOrder) -> list[BatchException]:
    """Every exception of the work order, with its review state, in a stable order."""
    return exceptions_of_batches(session, [wo.id])[wo.id]


def open_exceptions(session: Session, wo: WorkOrder) -> list[BatchException]:
    """The exceptions still standing in the way of release."""
    return [exc for exc in batch_exceptions(session, wo) if exc.open]


def open_counts(session: Session, wo_ids: Iterable[int]) -> dict[int, int]:
    """Work order id -> number of open exceptions, for many batches in the same few statements."""
    return {wo_id: sum(e.open for e in found) for wo_id, found in exceptions_of_batches(session, wo_ids).items()}


def exceptions_of_batches(session: Session, wo_ids: Iterable[int]) -> dict[int, list[BatchException]]:
    """Every exception of each work order (by id), with its review state, in a stable order."""
    ids = sorted(set(wo_ids))
    result: dict[int, list[BatchException]] = {wo_id: [] for wo_id in ids}
    if not ids:
        return result
    kinds = [_measurement_exceptions(session, ids), _retests(session, ids), _overrides(session, ids),
             _nonconformances(session, ids), _changes(session, ids)]
    reviews = _reviews(session, ids)
    for wo_id in ids:
        for found in kinds:
            result[wo_id].extend(_with_review(exc, reviews.get((wo_id, exc.key))) for exc in found.get(wo_id, []))
    return result


def _with_review(exc: BatchException, review: tuple[str, str] | None) -> BatchException:
    if review is not None:
        return BatchException(exc.key, exc.kind, exc.serial, exc.detail, False, review[0], review[1])
    if exc.kind == "nonconformance" and exc.open is False:
        return exc  # closed by the NC's own signed disposition
    return BatchException(exc.key, exc.kind, exc.serial, exc.detail, True)


@cache
def _measurement_query() -> Any:
    return (select(Measurement, OperationRecord.seq, Unit.serial, Unit.work_order_id)
            .join(OperationRecord, OperationRecord.id == Measurement.operation_record_id)
            .join(Unit, Unit.id == OperationRecord.unit_id)
            .where(Unit.work_order_id.in_(IDS), or_(not_(Measurement.passed), Measurement.manual))
            .order_by(Measurement.id))


def _measurement_exceptions(session: Session, ids: list[int]) -> Found:
    out: Found = defaultdict(list)
    for m, seq, serial, wo_id in session.execute(_measurement_query(), {"ids": ids}):
        where = f"op {seq} {m.name}={m.value:g}{m.unit} [{m.low}…{m.high}]"
        if not m.passed:
            out[wo_id].append(BatchException(f"oos:{m.id}", "out_of_spec", serial, f"{where} out of limits"))
        if m.manual:
            out[wo_id].append(BatchException(f"manual:{m.id}", "manual_entry", serial, f"{where} entered by hand"))
    return out


@cache
def _retest_query() -> Any:
    return (select(OperationRecord.id, OperationRecord.seq, OperationRecord.retest_count, Unit.serial,
                    Unit.work_order_id)
             .join(Unit, Unit.id == OperationRecord.unit_id)
            .where(Unit.work_order_id.in_(IDS), OperationRecord.retest_count > 0).order_by(OperationRecord.id))


def _retests(session: Session, ids: list[int]) -> Found:
    out: Found = defaultdict(list)
    for record_id, seq, retests, serial, wo_id in session.execute(_retest_query(), {"ids": ids}):
        out[wo_id].append(BatchException(f"retest:{record_id}", "retest", serial, f"op {seq} attempt {retests + 1}"))
    return out


@cache
def _override_query() -> Any:
    return (select(Override, Unit.work_order_id).join(Unit, Unit.serial == Override.serial)
            .where(Unit.work_order_id.in_(IDS)).order_by(Override.id))


def _overrides(session: Session, ids: list[int]) -> Found:
    out: Found = defaultdict(list)
    for o, wo_id in session.execute(_override_query(), {"ids": ids}):
        out[wo_id].append(BatchException(f"override:{o.id}", "override", o.serial,
                                         f"op {o.seq}: {o.check} ({o.subject}) let through: {o.reason}"))
    return out


@cache
def _nonconformance_query() -> Any:
    return (select(Nonconformance, Unit.serial, Unit.work_order_id).join(Unit, Unit.id == Nonconformance.unit_id)
            .where(Unit.work_order_id.in_(IDS)).order_by(Nonconformance.id))


def _nonconformances(session: Session, ids: list[int]) -> Found:
    out: Found = defaultdict(list)
    for nc, serial, wo_id in session.execute(_nonconformance_query(), {"ids": ids}):
        # The detail is what a review signs, so it must not change when the NC later closes.
        out[wo_id].append(BatchException(f"nc:{nc.number}", "nonconformance", serial, nc.description,
                                         open=nc.status == "open"))
        if nc.disposition == "rework":
            out[wo_id].append(BatchException(f"rework:{nc.number}", "rework", serial, f"reworked after {nc.number}"))
    return out


def _changes(session: Session, ids: list[int]) -> Found:
    """Audit UPDATE/DELETE/CORRECT events on GMP records of these batches after they were created.

    Only the batches' own events are read, through the (entity, entity_id) index: records named by
    their id (operation records, measurements, consumptions), and entries named "<serial>/…"
    (measurements) or "<NC number>/…" (notes), so the cost follows the batch, not the whole trail.
    """
    matched: dict[tuple[int, int], tuple[AuditEvent, str | None]] = {}
    for query in _by_record_id():
        for wo_id, event in session.execute(query, {"ids": ids}):
            matched.setdefault((wo_id, event.id), (event, None))  # an id has no "/": never a serial's entry
    # a serial's entries first: an entry under several serials ("A/…", "A/B/…") keeps the first unit's
    for query in _by_prefix(_bytewise(session)):
        for wo_id, event, serial in session.execute(query, {"ids": ids}):
            matched.setdefault((wo_id, event.id), (event, serial))
    out: Found = defaultdict(list)
    for (wo_id, _), (ev, serial) in sorted(matched.items(), key=lambda item: item[0][1]):
        what = f"{ev.entity} {ev.entity_id} {ev.field or ''}: {ev.old_value} → {ev.new_value} by {ev.user_name}"
        out[wo_id].append(BatchException(f"change:{ev.id}", "changed_after_creation", serial,
                                         f"{what} ({ev.reason or 'no reason'})"))
    return out


def _is_change() -> Any:
    completion = and_(AuditEvent.entity == "operation_record", AuditEvent.field == "result",
                      AuditEvent.old_value.is_(None))  # production's own completion, not a change
    return and_(AuditEvent.action.in_(CHANGE_ACTIONS), not_(completion))


@cache
def _by_record_id() -> list[Any]:
    """(work order id, event) of change events on the batches' records named by their numeric id.

    The ids of the batches' records are listed first and looked up in the index one by one (an IN list),
    so neither the records of other batches nor the trail's other entries are read; the work order of
    each found entry is then one primary-key lookup.
    """
    named = cast(AuditEvent.entity_id, Integer)
    record_batch = (select(Unit.work_order_id).join(OperationRecord, OperationRecord.unit_id == Unit.id)
                    .where(OperationRecord.id == named))
    records = (select(cast(OperationRecord.id, String)).join(Unit, Unit.id == OperationRecord.unit_id)
               .where(Unit.work_order_id.in_(IDS)))
    measurement_batch = (select(Unit.work_order_id).join(OperationRecord, OperationRecord.unit_id == Unit.id)
                         .join(Measurement, Measurement.operation_record_id == OperationRecord.id)
                         .where(Measurement.id == named))
    measurements = (select(cast(Measurement.id, String))
                    .join(OperationRecord, OperationRecord.id == Measurement.operation_record_id)
                    .join(Unit, Unit.id == OperationRecord.unit_id).where(Unit.work_order_id.in_(IDS)))
    consumption_batch = (select(Unit.work_order_id).join(ComponentConsumption, ComponentConsumption.unit_id == Unit.id)
                         .where(ComponentConsumption.id == named))
    consumptions = (select(cast(ComponentConsumption.id, String)).join(Unit, Unit.id == ComponentConsumption.unit_id)
                    .where(Unit.work_order_id.in_(IDS)))
    return [
        select(batch_of.correlate(AuditEvent).scalar_subquery(), AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids_of), _is_change())
        for entity, ids_of, batch_of in (("operation_record", records, record_batch),
                                         ("measurement", measurements, measurement_batch),
                                         ("component_consumption", consumptions, consumption_batch))
    ]


@cache
def _by_prefix(bytewise: bool) -> tuple[Any, Any]:
    """(work order id, event, serial) of change events on entries named "<serial>/…", then "<NC number>/…"."""
    by_serial = select(Unit.work_order_id, AuditEvent, Unit.serial).select_from(Unit)
    by_nc = (select(Unit.work_order_id, AuditEvent, literal(None, String)).select_from(Nonconformance)
             .join(Unit, Unit.id == Nonconformance.unit_id))
    return _starting_with(by_serial, Unit.serial, bytewise), _starting_with(by_nc, Nonconformance.number, bytewise)


def _starting_with(query: Any, key: Any, bytewise: bool) -> Any:
    """Change events on GMP entries whose id starts with "<key>/", key a column of the batches' rows."""
    if bytewise:  # a range on the (entity, entity_id) index: exactly the ids that start with "<key>/"
        starts = and_(AuditEvent.entity_id >= key + "/", AuditEvent.entity_id < key + "0")
    else:  # a linguistic collation does not order "/" before "0" byte by byte: exact, not indexed
        starts = func.starts_with(AuditEvent.entity_id, key + "/")
    return (query.join(AuditEvent, and_(AuditEvent.entity.in_(GMP_ENTITIES), starts))
            .where(Unit.work_order_id.in_(IDS), _is_change()).order_by(Unit.id))


_BYTEWISE: dict[str, bool] = {}


def _bytewise(session: Session) -> bool:
    """Whether text compares by code point here (SQLite always; PostgreSQL with a C collation)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return True
    url = str(bind.engine.url)
    if url not in _BYTEWISE:
        row = session.execute(text("SELECT * FROM pg_database WHERE datname = current_database()")).mappings().one()
        provider = row.get("datlocprovider", "c")
        locale = (row.get("datlocale") if provider == "b" else row["datcollate"]) or ""
        _BYTEWISE[url] = provider in ("c", "b") and locale.lower() in BYTEWISE_COLLATIONS
    return _BYTEWISE[url]


@cache
def _review_query() -> Any:
    return (select(ExceptionReview.work_order_id, ExceptionReview.exception_key, User.display_name,
                   ExceptionReview.decision)
            .join(User, User.id == ExceptionReview.reviewer_id).where(ExceptionReview.work_order_id.in_(IDS)))


def _reviews(session: Session, ids: list[int]) -> dict[tuple[int, str], tuple[str, str]]:
    return {(wo_id, key): (name, decision)
            for wo_id, key, name, decision in session.execute(_review_query(), {"ids": ids})}
