"""Measurements against an operation's data collection plan: limits decide pass or fail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.limits import Limits, within_limits
from mes.domain.routing import OperationNotStarted, check_active
from mes.models import Measurement, MeasurementSpec, OperationRecord, Unit, utcnow
from mes.production.common import audit, lock_unit, open_record, unit_state
from mes.production.errors import InvalidInput, MeasurementMissing, UnknownMeasurement


@dataclass(frozen=True)
class MeasurementInput:
    """A value for one item of the plan; `manual` when a person typed it rather than equipment sent it."""

    name: str
    value: float
    manual: bool = False


def plan_of(session: Session, routing_operation_id: int) -> dict[str, MeasurementSpec]:
    """The data collection plan of an operation, by measurement name."""
    query = select(MeasurementSpec).where(MeasurementSpec.routing_operation_id == routing_operation_id)
    return {spec.name: spec for spec in session.scalars(query)}


def add_measurements(session: Session, actor: AuditActor, unit: Unit, record: OperationRecord,
                     items: Sequence[MeasurementInput]) -> list[Measurement]:
    """Record values on an open operation, each judged against the limits of its plan item."""
    if not items:
        return []
    plan = plan_of(session, record.routing_operation_id)
    rows = [_measurement(plan, item) for item in items]
    record.measurements.extend(rows)
    session.flush()
    summary = ", ".join(f"{m.name}={m.value:g}{m.unit}{'' if m.passed else ' FAIL'}{' (manual)' if m.manual else ''}"
                        for m in rows)
    audit(session, actor, "CREATE", "measurement", f"{unit.serial}/op{record.seq}/rec{record.id}", new=summary)
    return rows


def _measurement(plan: dict[str, MeasurementSpec], item: MeasurementInput) -> Measurement:
    spec = plan.get(item.name)
    if spec is None:
        raise UnknownMeasurement(name=item.name)
    limits = Limits(spec.low, spec.high)
    passed = within_limits(item.value, limits)
    # A plan item with no equipment tag can only be typed in: it is manual whatever the caller says.
    manual = item.manual or spec.source_tag is None
    return Measurement(name=spec.name, value=float(item.value), unit=spec.unit, low=spec.low, high=spec.high,
                       passed=passed, manual=manual, source_tag=None if manual else spec.source_tag,
                       taken_at=utcnow())


def check_plan_complete(session: Session, record: OperationRecord) -> None:
    """Raise when a required plan item has no value on the record."""
    plan = plan_of(session, record.routing_operation_id)
    have = {m.name for m in record.measurements}
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
