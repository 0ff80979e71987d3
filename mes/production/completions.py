"""Operation completions as a set: for many units at once, start, component scans, values and the result.

The ERP, the edge's group commit and a terminal completing one unit all come through here
(`execution.complete_operation` is the batch of one), so there is one implementation of the rules:
routing order and holds, measurement limits and plan completeness, the manual flag, retests,
critical-component completeness, lot status, expiry and quantity, a serialized component consumed
once, a failure opening a nonconformance and holding the unit, advancing to the next operation,
completing the unit and the work order, an audit event for every write.

What differs from doing the requests one at a time is how the database is used: the units are
locked in one UPDATE (in id order, so two batches cannot deadlock), what the rules need is read in
a few set-based SELECTs (open records, their values, consumption totals, retests, the lots), every
request is judged in memory, and the valid ones are written together: one multi-row INSERT each
for operation records, measurements and consumptions, one guarded UPDATE per lot for the batch's
total take, executemany UPDATEs of records and units, one chain append at commit.

Per-request outcomes: each request is judged on its own; a refused one writes nothing and gets its
error in its outcome, the others are written. Requests are judged in the order given, so when two
compete for the last of a lot the earlier one gets it. A unit may appear once per batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from mes.compliance.audit import AuditActor
from mes.domain.errors import DomainError
from mes.domain.labels import ScannedIdentity, parse_scan
from mes.domain.routing import OperationNotStarted, check_can_complete, seq_after
from mes.models import (
    BomLine,
    ComponentConsumption,
    MaterialLot,
    Measurement,
    OperationRecord,
    Unit,
    WorkOrder,
    utcnow,
)
from mes.production.common import (
    as_steps,
    audit,
    memo_values,
    production_steps,
    today,
    unit_state,
    work_order_of,
)
from mes.production.components import (
    Component,
    check_components_complete,
    check_scan,
    components_due,
    consumption_columns,
    consumption_text,
    lot_refusal,
    take_from_lot,
)
from mes.production.errors import ComponentAlreadyConsumed, ConcurrentUpdate, InvalidInput, NotFound
from mes.production.execution import Start, check_start, open_nonconformance
from mes.production.measurements import (
    MeasurementInput,
    check_plan_items,
    judged_columns,
    plan_of,
    started_here,
    values_text,
)
from mes.production.workorders import update_work_order_progress

CONSUMPTION = ComponentConsumption.__table__
Built = tuple[Component, BomLine, Decimal, str]  # a scan judged: component, BOM line, quantity, label text
MAX_BATCH = 500  # requests per call: a batch holds its units' locks until it commits


@dataclass(frozen=True)
class ComponentScan:
    """A component scanned into the unit: the label text, and a quantity (None: the BOM line's)."""

    scan: str
    quantity: Decimal | None = None


@dataclass(frozen=True)
class CompletionRequest:
    """Complete operation `seq` of a unit; with `station_code`, start it there first; `scans` are built in first."""

    serial: str
    seq: int
    measurements: Sequence[MeasurementInput] = ()
    failed: bool = False
    station_code: str | None = None
    equipment_code: str | None = None
    scans: Sequence[ComponentScan] = ()


@dataclass
class CompletionOutcome:
    """What became of one request: its completed operation record, or the error that refused it."""

    request: CompletionRequest
    record: OperationRecord | None = None
    error: DomainError | None = None


@dataclass
class _Work:
    """A request the rules accepted: what it will write."""

    outcome: CompletionOutcome
    unit: Unit
    wo: WorkOrder
    record: OperationRecord | None  # the open record (None: started by this request)
    start: Start | None
    retests: int
    measurements: list[dict[str, Any]]  # Measurement columns
    components: list[Built]
    passed: bool
    failed_names: list[str]
    next_seq: int | None


@dataclass
class _Batch:
    """What the batch read once for all its requests, and what the requests judged so far have claimed."""

    units: dict[str, Unit]
    open_records: dict[int, OperationRecord] = field(default_factory=dict)
    values: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)
    done: dict[int, dict[int, Decimal]] = field(default_factory=dict)  # unit id -> BOM line id -> quantity
    retests: dict[tuple[int, int], int] = field(default_factory=dict)
    lots: dict[str, list[MaterialLot]] = field(default_factory=dict)
    left: dict[int, Decimal] = field(default_factory=dict)  # lot id -> quantity not yet claimed
    serials: set[tuple[str, str]] = field(default_factory=set)  # (part, serial) consumed or claimed


def complete_operations(session: Session, actor: AuditActor,
                        requests: Sequence[CompletionRequest]) -> list[CompletionOutcome]:
    """Judge every request by the production rules and write the accepted ones together; an outcome per request."""
    if len(requests) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} completions in one batch")
    outcomes = [CompletionOutcome(request) for request in requests]
    scans = {id(o): _parse_scans(o) for o in outcomes}
    _refuse_repeated_units(outcomes)
    batch = _read(session, [o for o in outcomes if o.error is None], scans)
    works = []
    for outcome in outcomes:
        if outcome.error is None:
            work = _judge(session, actor, batch, outcome, scans[id(outcome)])
            if work is not None:
                works.append(work)
    if works:
        _write(session, actor, works)
    return outcomes


def _parse_scans(outcome: CompletionOutcome) -> list[ScannedIdentity]:
    try:
        return [parse_scan(item.scan, today()) for item in outcome.request.scans]
    except DomainError as exc:
        outcome.error = exc
        return []


def _refuse_repeated_units(outcomes: list[CompletionOutcome]) -> None:
    seen: set[str] = set()
    for outcome in outcomes:
        serial = outcome.request.serial
        if serial in seen and outcome.error is None:
            outcome.error = InvalidInput(f"unit {serial} appears more than once in the batch")
        seen.add(serial)


def _read(session: Session, outcomes: list[CompletionOutcome],
          scans: dict[int, list[ScannedIdentity]]) -> _Batch:
    """Lock the units and read what judging the requests needs, a query per kind of row."""
    batch = _Batch(_lock_units(session, sorted({o.request.serial for o in outcomes})))
    for outcome in outcomes:
        if outcome.request.serial not in batch.units:
            outcome.error = NotFound("Unit", outcome.request.serial)
    live = [o for o in outcomes if o.error is None]
    _read_open_records(session, batch, [batch.units[o.request.serial] for o in live if o.request.station_code is None])
    _read_retests(session, batch, [(batch.units[o.request.serial], o.request.seq) for o in live
                                   if o.request.station_code is not None])
    need_done = [batch.units[o.request.serial] for o in live
                 if scans[id(o)] or components_due(session, batch.units[o.request.serial], o.request.seq)]
    _read_done(session, batch, need_done)
    _read_lots(session, batch, [identity for o in live for identity in scans[id(o)]])
    return batch


def _lock_units(session: Session, serials: list[str]) -> dict[str, Unit]:
    """Lock the units' rows in id order (one UPDATE); units this transaction locked before are not locked again."""
    memos = memo_values(session)
    units = {s: memos[("locked_unit", s)] for s in serials if ("locked_unit", s) in memos}
    todo = [s for s in serials if s not in units]
    if todo:
        # The rows are locked in id order (FOR UPDATE in the sub-select on PostgreSQL): two batches
        # sharing units queue rather than deadlock. SQLite has one writer; the UPDATE makes us it.
        ids = select(Unit.id).where(Unit.serial.in_(todo)).order_by(Unit.id).with_for_update()
        bump = (update(Unit).where(Unit.id.in_(ids.scalar_subquery())).values(lock_version=Unit.lock_version + 1)
                .returning(Unit))
        for unit in session.scalars(bump, execution_options={"synchronize_session": False,
                                                             "populate_existing": True}):
            units[unit.serial] = unit
            memos[("locked_unit", unit.serial)] = unit
    return units


def _read_open_records(session: Session, batch: _Batch, units: list[Unit]) -> None:
    """The record in progress of each unit, and the (name, passed) of the values already on it."""
    memos = memo_values(session)
    unknown = []
    for unit in units:
        started = memos.get(("started", unit.id))
        if started is not None and started.seq == unit.open_seq and started.completed_at is None:
            batch.open_records[unit.id] = started
        elif unit.open_seq is not None:
            unknown.append(unit)
    if unknown:
        query = (select(OperationRecord).where(OperationRecord.unit_id.in_([u.id for u in unknown]),
                                               OperationRecord.completed_at.is_(None))
                 .order_by(OperationRecord.id))
        open_seq = {u.id: u.open_seq for u in unknown}
        for record in session.scalars(query):
            if record.seq == open_seq[record.unit_id]:
                batch.open_records[record.unit_id] = record  # the newest wins, as open_record() has it
    recorded = started_here(session)
    to_read = []
    for record in batch.open_records.values():
        if record.id in recorded:
            batch.values[record.id] = list(recorded[record.id])
        else:
            batch.values[record.id] = []
            to_read.append(record.id)
    if to_read:
        query = select(Measurement.operation_record_id, Measurement.name, Measurement.passed).where(
            Measurement.operation_record_id.in_(to_read)).order_by(Measurement.id)
        for record_id, name, passed in session.execute(query):
            batch.values[record_id].append((name, passed))


def _read_retests(session: Session, batch: _Batch, starts: list[tuple[Unit, int]]) -> None:
    if not starts:
        return
    query = (select(OperationRecord.unit_id, OperationRecord.seq, func.count())
             .where(OperationRecord.unit_id.in_([unit.id for unit, _seq in starts]))
             .group_by(OperationRecord.unit_id, OperationRecord.seq))
    batch.retests = {(unit_id, seq): count for unit_id, seq, count in session.execute(query)}


def _read_done(session: Session, batch: _Batch, units: list[Unit]) -> None:
    """Quantity already built into each unit, per BOM line."""
    if not units:
        return
    batch.done = {unit.id: {} for unit in units}
    query = (select(ComponentConsumption.unit_id, ComponentConsumption.bom_line_id,
                    func.sum(ComponentConsumption.quantity))
             .where(ComponentConsumption.unit_id.in_(list(batch.done)))
             .group_by(ComponentConsumption.unit_id, ComponentConsumption.bom_line_id))
    for unit_id, line_id, total in session.execute(query):
        if line_id is not None:
            batch.done[unit_id][line_id] = Decimal(total or 0)


def _read_lots(session: Session, batch: _Batch, identities: Iterable[ScannedIdentity]) -> None:
    """The scanned lots, and the serials among the scans already consumed.

    The lots are read, not locked: like consume_component, the batch takes its locks in the order
    parent unit, component units, lots in scan order (the lot UPDATE at the end), so a batch and a
    terminal scanning in the routing's order queue instead of deadlocking. The UPDATE re-checks what
    was judged here (status, expiry, quantity) against the row as it is then.
    """
    numbers = sorted({i.lot for i in identities if i.lot})
    if numbers:
        query = select(MaterialLot).where(MaterialLot.lot_number.in_(numbers)).order_by(MaterialLot.id)
        lots = session.scalars(query, execution_options={"populate_existing": True})
        for lot in lots:
            batch.lots.setdefault(lot.lot_number, []).append(lot)
            batch.left[lot.id] = lot.quantity_on_hand
    serials = sorted({i.serial for i in identities if i.serial})
    if serials:
        used = select(ComponentConsumption.part_number, ComponentConsumption.component_serial).where(
            ComponentConsumption.component_serial.in_(serials))
        batch.serials = {(part, serial) for part, serial in session.execute(used)}


def _judge(session: Session, actor: AuditActor, batch: _Batch, outcome: CompletionOutcome,
           identities: list[ScannedIdentity]) -> _Work | None:
    """The request as the rules see it: what it writes, or None with its error in the outcome."""
    request, unit = outcome.request, batch.units[outcome.request.serial]
    start = None
    try:
        if request.station_code is not None:
            start = check_start(session, actor, unit, request.seq, request.station_code, request.equipment_code)
            record, values = None, []
            routing_operation_id = start.operation.id
        else:
            check_can_complete(unit_state(unit), request.seq)
            record = batch.open_records.get(unit.id)
            if record is None:  # open_seq is set only together with an open record; never trust it blindly
                raise OperationNotStarted(seq=request.seq)
            values, routing_operation_id = list(batch.values[record.id]), record.routing_operation_id
        components, takes, serials = _judge_scans(session, batch, unit, request, identities)
        plan = plan_of(session, routing_operation_id)
        rows = [judged_columns(plan, item, None) for item in request.measurements]
        values += [(m["name"], m["passed"]) for m in rows]
        passed = not request.failed and all(ok for _name, ok in values)
        if passed:
            check_plan_items(plan, {name for name, _ok in values})
            check_components_complete(session, unit, request.seq, _done_after(batch, unit, components))
    except DomainError as exc:
        outcome.error = exc
        for override in start.overrides if start else []:
            override.used_at = None  # not used after all: the start is refused
        return None
    for lot_id, qty in takes.items():
        batch.left[lot_id] -= qty
    batch.serials |= serials
    batch.done[unit.id] = _done_after(batch, unit, components)
    wo = work_order_of(session, unit)
    next_seq = seq_after(as_steps(production_steps(session, wo.routing_id)), request.seq) if passed else unit.next_seq
    retests = batch.retests.get((unit.id, request.seq), 0) if start else 0  # only a new record needs the count
    return _Work(outcome, unit, wo, record, start, retests, rows, components, passed,
                 [name for name, ok in values if not ok], next_seq)


def _judge_scans(session: Session, batch: _Batch, unit: Unit, request: CompletionRequest,
                 identities: list[ScannedIdentity]) -> tuple[list[Built],
                                                             dict[int, Decimal], set[tuple[str, str]]]:
    """Each scan checked as consume_component checks it, against what earlier requests have claimed."""
    done = dict(batch.done.get(unit.id, {}))
    takes: dict[int, Decimal] = defaultdict(Decimal)
    serials: set[tuple[str, str]] = set()
    components = []
    for item, identity in zip(request.scans, identities, strict=True):
        component, line, qty = check_scan(session, unit, request.seq, identity, item.quantity, batch.lots, done)
        if component.lot is not None:
            left = batch.left[component.lot.id] - takes[component.lot.id]
            refusal = lot_refusal(component.lot, qty, component.scanned_expiry, left)
            if refusal is not None:
                raise refusal
            takes[component.lot.id] += qty
        if component.serial is not None:
            key = (component.part_number, component.serial)
            if key in batch.serials or key in serials:
                raise ComponentAlreadyConsumed(serial=component.serial)
            serials.add(key)
        done[line.id] = done.get(line.id, Decimal(0)) + qty
        components.append((component, line, qty, item.scan))
    return components, dict(takes), serials


def _done_after(batch: _Batch, unit: Unit, components: list[Built]) -> dict[int, Decimal]:
    done = dict(batch.done.get(unit.id, {}))
    for _component, line, qty, _scan in components:
        done[line.id] = done.get(line.id, Decimal(0)) + qty
    return done


def _write(session: Session, actor: AuditActor, works: list[_Work]) -> None:
    """Write every accepted request: records, values, lot takes, consumptions, units, NCs, orders, audit."""
    now = utcnow()
    _write_records(session, actor, works, now)
    _write_measurements(session, works)
    _take_from_lots(session, works)
    _write_consumptions(session, actor, works, now)
    for work in works:
        _finish(session, actor, work, now)
    for wo in {id(w.wo): w.wo for w in works if w.passed and w.next_seq is None}.values():
        update_work_order_progress(session, actor, wo)


def _write_records(session: Session, actor: AuditActor, works: list[_Work], now: datetime) -> None:
    """Insert the records of the requests that start here, already completed (one multi-row INSERT)."""
    started = [w for w in works if w.start is not None]
    if not started:
        return
    rows = [{"unit_id": w.unit.id, "routing_operation_id": w.start.operation.id,  # type: ignore[union-attr]
             "seq": w.outcome.request.seq, "station_id": w.start.station.id,  # type: ignore[union-attr]
             "equipment_id": w.start.equipment_id, "operator_id": actor.user_id,  # type: ignore[union-attr]
             "started_at": now, "completed_at": now, "result": "pass" if w.passed else "fail",
             "retest_count": w.retests} for w in started]
    # RETURNING the unit id with the id: a unit appears once per batch, so each row is matched exactly
    # (SQLite returns the rows of a multi-row INSERT in no promised order).
    inserted = dict(session.execute(insert(OperationRecord.__table__).returning(
        OperationRecord.__table__.c.unit_id, OperationRecord.__table__.c.id), rows).all())
    released = {}
    for work, row in zip(started, rows, strict=True):
        assert work.start is not None
        work.record = OperationRecord(id=inserted[work.unit.id], **row)
        make_transient_to_detached(work.record)  # as inserted: persistent in the session, nothing to flush
        session.add(work.record)
        for override in work.start.overrides:
            override.used_by_record_id = work.record.id
        if work.unit.status == "allocated":
            work.unit.status = "in_progress"
        request = work.outcome.request
        audit(session, actor, "CREATE", "operation_record", work.record.id,
              new=f"{request.serial} op {request.seq} at {request.station_code}")
        if work.wo.status == "released":
            released[id(work.wo)] = work.wo
    for wo in released.values():  # a running order stays running when one more unit starts
        update_work_order_progress(session, actor, wo)


def _write_measurements(session: Session, works: list[_Work]) -> None:
    rows = []
    for work in works:
        assert work.record is not None
        for m in work.measurements:
            rows.append(m | {"operation_record_id": work.record.id})
        if work.measurements and work.start is None:
            session.expire(work.record, ["measurements"])  # read back from the database when someone asks
    if rows:
        session.execute(insert(Measurement.__table__), rows)  # Core executemany: one statement


def _take_from_lots(session: Session, works: list[_Work]) -> None:
    """One guarded UPDATE per lot for the batch's whole take, in the order the lots were first scanned.

    Refused only if another transaction changed the lot after it was read (took the last of it,
    quarantined it): then the whole batch is refused as a concurrent update, to be sent again.
    """
    totals: dict[int, tuple[MaterialLot, Decimal]] = {}
    for work in works:
        for component, _line, qty, _scan in work.components:
            if component.lot is not None:
                lot, total = totals.get(component.lot.id, (component.lot, Decimal(0)))
                totals[lot.id] = (lot, total + qty)
    for lot, qty in totals.values():
        if not take_from_lot(session, lot, qty):
            raise ConcurrentUpdate()  # judged usable when read: another transaction took it since


def _write_consumptions(session: Session, actor: AuditActor, works: list[_Work], now: datetime) -> None:
    """One multi-row INSERT of the genealogy rows; subassemblies marked consumed into their parent."""
    built = [(work, component, qty, line, scan) for work in works for component, line, qty, scan in work.components]
    if not built:
        return
    rows = []
    for work, component, qty, line, scan in built:
        assert work.record is not None
        rows.append(consumption_columns(work.unit, work.record.id, component, line, qty, scan) | {"consumed_at": now})
        if component.unit is not None:
            component.unit.status, component.unit.parent_unit_id = "consumed", work.unit.id
    try:
        returned = session.execute(insert(CONSUMPTION).returning(CONSUMPTION.c.unit_id, CONSUMPTION.c.id), rows).all()
    except IntegrityError as exc:  # another transaction consumed one of the serials since we looked
        serials = [c.serial for _w, c, *_rest in built if c.serial is not None]
        raise ComponentAlreadyConsumed(serial=", ".join(serials)) from exc
    # A statement numbers its rows in the order given; only the order RETURNING hands them back is
    # not promised, so each unit's ids, sorted, go to its rows in order.
    ids: dict[int, list[int]] = defaultdict(list)
    for unit_id, row_id in sorted(returned, key=lambda r: r[1]):
        ids[unit_id].append(row_id)
    for work, component, qty, _line, _scan in built:
        audit(session, actor, "CREATE", "component_consumption", ids[work.unit.id].pop(0),
              new=consumption_text(work.unit, component, qty))


def _finish(session: Session, actor: AuditActor, work: _Work, now: datetime) -> None:
    """The record's result, the unit's next step (or completion, or hold), and their audit events."""
    record, unit = work.record, work.unit
    assert record is not None
    if work.measurements:
        audit(session, actor, "CREATE", "measurement", f"{unit.serial}/op{record.seq}/rec{record.id}",
              new=values_text(work.measurements))
    if work.start is None:  # a record started here was inserted completed
        record.result = "pass" if work.passed else "fail"
        record.completed_at = now
    unit.open_seq = None
    audit(session, actor, "UPDATE", "operation_record", record.id, field="result", new=record.result)
    work.outcome.record = record
    if not work.passed:
        open_nonconformance(session, actor, unit, record, work.failed_names)
        return
    unit.next_seq = work.next_seq
    if work.next_seq is None:
        audit(session, actor, "UPDATE", "unit", unit.serial, field="status", old=unit.status, new="completed")
        unit.status = "completed"
        unit.completed_at = now
