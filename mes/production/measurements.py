"""Measurements against an operation's data collection plan: limits decide pass or fail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.limits import Limits, within_limits
from mes.domain.routing import OperationNotStarted, check_active
from mes.models import Measurement, MeasurementSpec, OperationRecord, Unit, utcnow
from mes.production.common import audit, lock_unit, memo, open_record, unit_state
from mes.production.errors import InvalidInput, MeasurementMissing, UnknownMeasurement


@dataclass(frozen=True)
class MeasurementInput:
    """A value for one item of the plan; `manual` when a person typed it rather than equipment sent it."""

    name: str
    value: float
    manual: bool = False


def plan_of(session: Session, routing_operation_id: int) -> dict[str, MeasurementSpec]:
    """The data collection plan of an operation, by measurement name (read once per transaction)."""
    def load() -> dict[str, MeasurementSpec]:
        query = select(MeasurementSpec).where(MeasurementSpec.routing_operation_id == routing_operation_id)
        return {spec.name: spec for spec in session.scalars(query)}

    return memo(session, ("plan", routing_operation_id), load)


def started_here(session: Session) -> dict[int, list[tuple[str, bool]]]:
    """Operation records started in this transaction -> (name, passed) of the values recorded on them since."""
    return memo(session, "started_here", dict)


def add_measurements(session: Session, actor: AuditActor, unit: Unit, record: OperationRecord,
                     items: Sequence[MeasurementInput]) -> list[Measurement]:
    """Record values on an open operation, each judged against the limits of its plan item."""
    if not items:
        return []
    plan = plan_of(session, record.routing_operation_id)
    rows = [judged(plan, item, record.id) for item in items]
    # One multi-row INSERT (the ORM would insert one row at a time to read back each id).
    session.execute(insert(Measurement.__table__), [measurement_columns(m) for m in rows])
    session.expire(record, ["measurements"])  # read back from the database when someone asks
    recorded = started_here(session).get(record.id)
    if recorded is not None:
        recorded.extend((m.name, m.passed) for m in rows)
    audit(session, actor, "CREATE", "measurement", f"{unit.serial}/op{record.seq}/rec{record.id}",
          new=measurements_text(rows))
    return rows


def measurements_text(rows: Sequence[Measurement]) -> str:
    """What the audit trail says of values recorded together."""
    return values_text([measurement_columns(m) for m in rows])


def values_text(rows: Sequence[dict[str, Any]]) -> str:
    """measurements_text of rows as columns."""
    return ", ".join(f"{m['name']}={m['value']:g}{m['unit']}{'' if m['passed'] else ' FAIL'}"
                     f"{' (manual)' if m['manual'] else ''}" for m in rows)


def judged(plan: dict[str, MeasurementSpec], item: MeasurementInput, record_id: int | None) -> Measurement:
    """The value as a Measurement row judged against its plan item (UnknownMeasurement if the plan has none)."""
    return Measurement(**judged_columns(plan, item, record_id))


def judged_columns(plan: dict[str, MeasurementSpec], item: MeasurementInput,
                   record_id: int | None) -> dict[str, Any]:
    """The columns of the value's Measurement row, judged against its plan item (UnknownMeasurement if none)."""
    spec = plan.get(item.name)
    if spec is None:
        raise UnknownMeasurement(name=item.name)
    limits = Limits(spec.low, spec.high)
    passed = within_limits(item.value, limits)
    # A plan item with no equipment tag can only be typed in: it is manual whatever the caller says.
    manual = item.manual or spec.source_tag is None
    return {"operation_record_id": record_id, "name": spec.name, "value": float(item.value), "unit": spec.unit,
            "low": spec.low, "high": spec.high, "passed": passed, "manual": manual,
            "source_tag": None if manual else spec.source_tag, "taken_at": utcnow()}


def measurement_columns(m: Measurement) -> dict[str, object]:
    """The row's columns for a Core INSERT."""
    return {"operation_record_id": m.operation_record_id, "name": m.name, "value": m.value, "unit": m.unit,
            "low": m.low, "high": m.high, "passed": m.passed, "manual": m.manual, "source_tag": m.source_tag,
            "taken_at": m.taken_at}


def values_of(session: Session, record: OperationRecord) -> list[tuple[str, bool]]:
    """(name, passed) of every value on the record: known without a query when it was started in this transaction."""
    recorded = started_here(session).get(record.id)
    if recorded is not None:
        return list(recorded)
    query = select(Measurement.name, Measurement.passed).where(Measurement.operation_record_id == record.id)
    return [(name, passed) for name, passed in session.execute(query)]


def check_plan_complete(session: Session, record: OperationRecord, have: set[str] | None = None) -> None:
    """Raise when a required plan item has no value on the record (`have`: the names it has, if known)."""
    plan = plan_of(session, record.routing_operation_id)
    have = {name for name, _ok in values_of(session, record)} if have is None else have
    check_plan_items(plan, have)


def check_plan_items(plan: dict[str, MeasurementSpec], have: set[str]) -> None:
    """Raise when a required item of the plan is not among the names `have`."""
    missing = sorted(name for name, spec in plan.items() if spec.required and name not in have)
    if missing:
        raise MeasurementMissing(names=", ".join(missing))


def parse_measurement(raw: object) -> MeasurementInput:
    """A MeasurementInput from a JSON object; InvalidInput names what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise InvalidInput("each measurement needs a name")
    value, manual = raw.get("value"), raw.get("manual", False)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"measurement {raw['name']}: value must be a number")
    if not isinstance(manual, bool):
        raise InvalidInput(f"measurement {raw['name']}: manual must be true or false")
    return MeasurementInput(raw["name"], float(value), manual)


def record_measurements(session: Session, actor: AuditActor, serial: str,
                        items: Sequence[MeasurementInput]) -> list[Measurement]:
    """Record values on the unit's operation in progress (judged now; the result is decided at completion)."""
    if not items:
        raise InvalidInput("no measurements given")
    unit = lock_unit(session, serial)
    check_active(unit_state(unit))
    record = open_record(session, unit)
    if record is None:
        raise OperationNotStarted(seq=unit.next_seq)
    return add_measurements(session, actor, unit, record, items)
