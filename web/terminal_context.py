"""What the terminal screen shows: the unit's current step with its instruction, components and plan; the machine."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session, joinedload

from mes.domain.packml import state_group, state_name
from mes.models import (
    BomLine,
    ComponentConsumption,
    DowntimeEvent,
    Equipment,
    EquipmentStatus,
    InstructionDocument,
    MachineResult,
    OperationRecord,
    Product,
    RoutingOperation,
    Station,
    StationJob,
    Unit,
    WorkOrder,
)
from mes.models.station_job import ACTIVE_STATUSES
from mes.production.downtime import STOPPED_GROUPS
from mes.production.measurements import plan_of
from mes.production.terminals import instruction_of


@dataclass(frozen=True)
class ComponentLine:
    """A BOM line due at this operation and how much of it is scanned into the unit."""

    part_number: str
    description: str
    capture: str
    required: Decimal
    scanned: Decimal

    @property
    def done(self) -> bool:
        """Enough of the part is recorded."""
        return self.scanned >= self.required


@dataclass(frozen=True)
class PlanItem:
    """An item of the operation's data collection plan, with the value recorded on the open record."""

    name: str
    unit: str
    low: float | None
    high: float | None
    from_machine: bool
    required: bool
    value: float | None = None
    passed: bool | None = None


@dataclass
class UnitView:
    """A unit as the station sees it: its step, and (when open here) what the step still needs."""

    serial: str
    product: str
    work_order: str
    lot: str
    status: str
    on_hold: bool
    seq: int | None
    step_name: str
    station_type: str
    open_here: bool
    record: OperationRecord | None
    last_record: OperationRecord | None
    next_step: str
    instruction: Instruction | None = None
    documents: list[Document] = field(default_factory=list)
    components: list[ComponentLine] = field(default_factory=list)
    plan: list[PlanItem] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    """An instruction document as the screen lists it (the content is served on its own)."""

    id: int
    title: str
    content_type: str


@dataclass(frozen=True)
class Instruction:
    """An operation's instruction text and its revision."""

    text: str
    revision: int


@dataclass(frozen=True)
class PlanSpec:
    """An item of an operation's data collection plan, as plain values."""

    name: str
    unit: str
    low: float | None
    high: float | None
    from_machine: bool
    required: bool


@dataclass(frozen=True)
class Step:
    """What a work order's operation looks like on the screen: master data, the same for every unit."""

    product: str
    work_order: str
    lot: str
    name: str
    station_type: str
    routing_operation_id: int | None
    instruction: Instruction | None
    documents: tuple[Document, ...]
    bom_lines: tuple[tuple[int, str, str, str, Decimal], ...]  # id, part, description, capture, quantity
    plan: tuple[PlanSpec, ...]
    next_after: dict[int | None, str]  # seq -> "seq name (station type)" of each operation


class StepCache:
    """Steps by (work order, operation), kept `ttl_s`: the screen and its refreshes re-read only what changes.

    An engineer's edit of an instruction or plan shows on terminals within `ttl_s`.
    """

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._steps: dict[tuple[int, int | None], tuple[float, Step]] = {}

    def get(self, session: Session, work_order_id: int, seq: int | None) -> Step:
        """The step, from the cache when fresh."""
        key = (work_order_id, seq)
        cached = self._steps.get(key)
        if cached is None or time.monotonic() - cached[0] >= self.ttl_s:
            cached = (time.monotonic(), _load_step(session, work_order_id, seq))
            self._steps[key] = cached  # a dict item assignment: atomic under the GIL
        return cached[1]


def _load_step(session: Session, work_order_id: int, seq: int | None) -> Step:
    wo = session.get_one(WorkOrder, work_order_id)
    product = session.get_one(Product, wo.product_id)
    operations = {op.seq: op for op in session.scalars(
        select(RoutingOperation).where(RoutingOperation.routing_id == wo.routing_id))}
    operation = operations.get(seq) if seq is not None else None
    next_after = {op.seq: f"{op.seq} {op.name} ({op.station_type})" for op in operations.values()}
    if operation is None:
        return Step(f"{product.model} ({product.gtin})", wo.number, wo.lot_number, "", "", None, None, (), (), (),
                    next_after)
    instruction = instruction_of(session, operation.id)
    documents = tuple(Document(d.id, d.title, d.content_type) for d in session.execute(
        select(InstructionDocument.id, InstructionDocument.title, InstructionDocument.content_type)
        .where(InstructionDocument.routing_operation_id == operation.id).order_by(InstructionDocument.id)))
    lines: list[BomLine] = []
    if wo.bom_id is not None:
        last_seq = max(operations)
        lines = [ln for ln in session.scalars(select(BomLine).where(BomLine.bom_id == wo.bom_id)
                                              .order_by(BomLine.position))
                 if ln.operation_seq == seq or (ln.operation_seq is None and seq == last_seq)]
    plan = tuple(PlanSpec(spec.name, spec.unit, spec.low, spec.high, spec.source_tag is not None, spec.required)
                 for spec in sorted(plan_of(session, operation.id).values(), key=lambda spec: spec.id))
    return Step(f"{product.model} ({product.gtin})", wo.number, wo.lot_number, operation.name, operation.station_type,
                operation.id, Instruction(instruction.text, instruction.revision) if instruction else None, documents,
                tuple((ln.id, ln.part_number, ln.description, ln.capture, ln.quantity) for ln in lines), plan,
                next_after)


def unit_view(session: Session, serial: str, station: Station, steps: StepCache | None = None) -> UnitView | None:
    """The unit's current step at this station, or None when no unit has that serial."""
    unit = session.scalars(_unit_query(), {"serial": serial}).one_or_none()
    if unit is None:
        return None
    seq = unit.open_seq if unit.open_seq is not None else unit.next_seq
    step = (steps or StepCache(0)).get(session, unit.work_order_id, seq)
    record = _open_record(session, unit, station)
    last = session.scalars(_last_record_query(), {"unit_id": unit.id}).first()
    view = UnitView(serial=unit.serial, product=step.product, work_order=step.work_order, lot=step.lot,
                    status=unit.status, on_hold=unit.on_hold, seq=seq, step_name=step.name,
                    station_type=step.station_type, open_here=record is not None, record=record, last_record=last,
                    next_step=step.next_after.get(unit.next_seq, "") if unit.next_seq is not None else "")
    if step.routing_operation_id is not None:
        view.instruction = step.instruction
        view.documents = list(step.documents)
        view.components = _components(session, unit, step)
        view.plan = _plan(step, record)
    return view


def _open_record(session: Session, unit: Unit, station: Station) -> OperationRecord | None:
    if unit.open_seq is None:
        return None
    return session.scalars(_open_record_query(),
                           {"unit_id": unit.id, "seq": unit.open_seq, "station_id": station.id}).first()


def _components(session: Session, unit: Unit, step: Step) -> list[ComponentLine]:
    """The step's BOM lines and how much of each the unit has."""
    if not step.bom_lines:
        return []
    done = dict(session.execute(_scanned_query(), {"unit_id": unit.id}).all())
    return [ComponentLine(part, description, capture, quantity, Decimal(done.get(line_id) or 0))
            for line_id, part, description, capture, quantity in step.bom_lines]


def _plan(step: Step, record: OperationRecord | None) -> list[PlanItem]:
    taken = {m.name: m for m in record.measurements} if record is not None else {}
    items = []
    for spec in step.plan:
        measured = taken.get(spec.name)
        items.append(PlanItem(spec.name, spec.unit, spec.low, spec.high, spec.from_machine, spec.required,
                              measured.value if measured else None, measured.passed if measured else None))
    return items


@dataclass(frozen=True)
class MachineView:
    """The station's machine as the edge last saw it."""

    code: str
    name: str
    connected: bool
    state_name: str
    state_group: str
    stopped: bool
    alarm_code: int | None
    good_count: int | None
    bad_count: int | None
    last_serial: str | None
    updated_at: datetime | None
    last_error: str | None
    values: list[tuple[str, Any, str]]
    last_result: MachineResult | None = None


def machine_view(session: Session, station: Station) -> MachineView | None:
    """The first machine of the station with its live state and last result values; None for a manual station."""
    # Not the whole row: the tag map is a large JSON document the panel does not need every second.
    # One statement for the machine and its status (the panel is read every second by every terminal).
    found = session.execute(_machine_query(), {"station_id": station.id}).first()
    if found is None:
        return None
    equipment, status = found, found[3]
    values: dict[str, Any] = dict(status.values or {}) if status else {}
    last = _last_result(session, equipment.id)
    shown = [(v.name.removeprefix("result_"), v.value if v.value is not None else v.text, v.unit)
             for v in (last.values if last else [])]
    connected = bool(status and status.connected)
    packml = status.packml_state if status else None
    group = state_group(packml) if connected else "offline"
    return MachineView(code=equipment.code, name=equipment.name, connected=connected,
                       state_name=state_name(packml) if connected else "OFFLINE", state_group=group,
                       stopped=(not connected) or group in STOPPED_GROUPS, alarm_code=values.get("alarm_code"),
                       good_count=values.get("good_count"), bad_count=values.get("bad_count"),
                       last_serial=values.get("result_serial") or None,
                       updated_at=status.updated_at if status else None,
                       last_error=status.last_error if status else None, values=shown, last_result=last)


def _last_result(session: Session, equipment_id: int) -> MachineResult | None:
    """The machine's latest result (its measured values are what the operator watches)."""
    return session.scalars(_last_result_query(), {"equipment_id": equipment_id}).first()


def open_stop(session: Session, station: Station) -> DowntimeEvent | None:
    """The station's stop with no end yet."""
    return session.scalars(_open_stop_query(), {"station_id": station.id}).first()


def station_job(session: Session, station: Station) -> StationJob | None:
    """The station's active job; when none is active, its latest (how it ended); None if never.

    mes.production.station_jobs.current_job in one statement by the station's id: active jobs sort first.
    """
    return session.scalars(_station_job_query(), {"station_id": station.id}).first()


# The screen's statements, built once per process and run with bound values: building a SELECT costs
# more Python time than SQLite takes to run it, and the panel is read every second by every terminal.

@cache
def _unit_query() -> Any:
    return select(Unit).where(Unit.serial == bindparam("serial"))


@cache
def _open_record_query() -> Any:
    return (select(OperationRecord).options(joinedload(OperationRecord.measurements))
            .where(OperationRecord.unit_id == bindparam("unit_id"), OperationRecord.seq == bindparam("seq"),
                   OperationRecord.completed_at.is_(None), OperationRecord.station_id == bindparam("station_id"))
            .order_by(OperationRecord.id.desc()).limit(1))


@cache
def _last_record_query() -> Any:
    return (select(OperationRecord).where(OperationRecord.unit_id == bindparam("unit_id"),
                                          OperationRecord.completed_at.is_not(None))
            .order_by(OperationRecord.id.desc()).limit(1))


@cache
def _scanned_query() -> Any:
    return (select(ComponentConsumption.bom_line_id, func.sum(ComponentConsumption.quantity))
            .where(ComponentConsumption.unit_id == bindparam("unit_id")).group_by(ComponentConsumption.bom_line_id))


@cache
def _machine_query() -> Any:
    return (select(Equipment.id, Equipment.code, Equipment.name, EquipmentStatus)
            .outerjoin(EquipmentStatus, EquipmentStatus.equipment_id == Equipment.id)
            .where(Equipment.station_id == bindparam("station_id")).order_by(Equipment.code).limit(1))


@cache
def _last_result_query() -> Any:
    return (select(MachineResult).where(MachineResult.equipment_id == bindparam("equipment_id"))
            .options(joinedload(MachineResult.values)).order_by(MachineResult.id.desc()).limit(1))


@cache
def _open_stop_query() -> Any:
    return (select(DowntimeEvent).where(DowntimeEvent.station_id == bindparam("station_id"),
                                        DowntimeEvent.ended_at.is_(None))
            .order_by(DowntimeEvent.id.desc()).limit(1))


@cache
def _station_job_query() -> Any:
    active_first = case((StationJob.status.in_(ACTIVE_STATUSES), 0), else_=1)
    return (select(StationJob).where(StationJob.station_id == bindparam("station_id"))
            .order_by(active_first, StationJob.id.desc()).limit(1))
