"""A machine's result completes the unit's operation started at that machine's station (docs/production.md).

Called by the edge inside the machine result's own transaction (mes.edge.result_store's on_result
hook), so the operation's completion commits exactly when the result does: never twice, never
without the result. A result the production rules cannot apply is still recorded, with a flag.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.errors import DomainError
from mes.models import Equipment, MachineResult, MachineResultValue, MeasurementSpec, OperationRecord, Unit
from mes.production.common import audit, open_record
from mes.production.execution import complete_operation
from mes.production.measurements import MeasurementInput, add_measurements, plan_of
from mes.production.station_jobs import finish_jobs_of
from mes.quality.nonconformance import report_label_scan_failure

log = logging.getLogger("mes.production.machine_results")

# machine_result.production_flag: why a result completed no operation (None when it did).
UNKNOWN_SERIAL = "unknown_serial"  # no unit with that serial
NOT_AT_STEP = "not_at_step"  # the unit has no operation started at this machine's station
INCOMPLETE = "incomplete"  # the machine passed it but required plan items are still missing (typed in later)
REFUSED = "refused"  # a production rule refused the completion (unit on hold, components missing, …)
LABEL_TAGS = ("result_mark_data", "result_readback")  # the laser's verifier: what was marked, what it read


@dataclass(frozen=True)
class Applied:
    """What a machine result did to production: the operation record it completed, or the flag."""

    record_id: int | None
    flag: str | None
    message: str = ""


def matched_measurements(plan: dict[str, MeasurementSpec],
                         values: Sequence[MachineResultValue]) -> list[MeasurementInput]:
    """The result's numbers for the plan items: by the item's source tag when it names one, else by name."""
    by_tag = {v.name: v for v in values if v.value is not None}
    matched = []
    for spec in plan.values():
        candidates = (spec.source_tag,) if spec.source_tag else (spec.name, f"result_{spec.name}")
        value = next((by_tag[c] for c in candidates if c in by_tag), None)
        if value is not None and value.value is not None:
            matched.append(MeasurementInput(spec.name, value.value, manual=False))
    return matched


def apply_result(session: Session, result: MachineResult, actor: AuditActor) -> Applied:
    """Complete the unit's operation with the result; or flag the result (it stays recorded either way)."""
    equipment = session.get_one(Equipment, result.equipment_id)
    unit = session.scalars(select(Unit).where(Unit.serial == result.serial)).one_or_none() if result.serial else None
    if unit is None:
        return _flag(result, UNKNOWN_SERIAL, f"{equipment.code}: serial {result.serial!r} is not a unit of the MES")
    record = open_record(session, unit) if unit.open_seq is not None else None
    if record is None or record.station_id != equipment.station_id or record.equipment_id not in (None, equipment.id):
        message = f"{equipment.code}: unit {unit.serial} has no operation started at this machine's station"
        return _flag(result, NOT_AT_STEP, message, unit, equipment, session, actor)
    try:
        with session.begin_nested():  # a refusal undoes only production's part, never the result row
            applied = _complete(session, actor, result, equipment, unit, record)
    except DomainError as exc:
        message = f"{equipment.code}: result for {unit.serial} not applied: {exc.message('en')}"
        return _flag(result, REFUSED, message, unit, equipment, session, actor)
    return applied


def _complete(session: Session, actor: AuditActor, result: MachineResult, equipment: Equipment, unit: Unit,
              record: OperationRecord) -> Applied:
    if record.equipment_id is None:
        audit(session, actor, "UPDATE", "operation_record", record.id, field="equipment_id", new=equipment.code)
        record.equipment_id = equipment.id
    plan = plan_of(session, record.routing_operation_id)
    measurements = matched_measurements(plan, result.values)
    have = {m.name for m in record.measurements} | {m.name for m in measurements}
    missing = sorted(n for n, spec in plan.items() if spec.required and n not in have)
    result.operation_record_id = record.id
    if result.passed and missing:
        # Items the machine does not measure (typed in at the terminal): keep the machine's values on
        # the open operation and let the operator complete it once the rest is entered.
        add_measurements(session, actor, unit, record, measurements)
        note = f"machine passed; still to enter: {', '.join(missing)}"
        result.production_flag = INCOMPLETE
        finish_jobs_of(session, actor, unit, record.station_id, result.id, record, note=note)
        return Applied(record.id, INCOMPLETE, note)
    completed = complete_operation(session, actor, unit.serial, record.seq, measurements, failed=not result.passed)
    _label_scan_back(session, actor, result, unit)
    finish_jobs_of(session, actor, unit, record.station_id, result.id, completed)
    return Applied(completed.id, None, f"operation {completed.seq}: {completed.result}")


def _label_scan_back(session: Session, actor: AuditActor, result: MachineResult, unit: Unit) -> None:
    """The laser's verifier read back something other than what it marked: NC (label scan-back) and hold."""
    texts = {v.name: v.text for v in result.values if v.name in LABEL_TAGS}
    expected, scanned = texts.get("result_mark_data"), texts.get("result_readback")
    if expected is None or scanned is None or expected == scanned:
        return
    report_label_scan_failure(session, actor, unit.serial, expected, scanned)


def _flag(result: MachineResult, flag: str, message: str, unit: Unit | None = None,
          equipment: Equipment | None = None, session: Session | None = None,
          actor: AuditActor | None = None) -> Applied:
    result.production_flag = flag
    result.operation_record_id = None  # a refused completion was rolled back: the result completed nothing
    if unit is not None and equipment is not None and session is not None and actor is not None \
            and equipment.station_id is not None:
        finish_jobs_of(session, actor, unit, equipment.station_id, result.id, None, note=message)
    return Applied(None, flag, message)


class ResultApplier:
    """The edge's on_result hook: applies each result; a WARNING once per serial it could not apply."""

    def __init__(self, edge_id: str, remember: int = 10_000, level: int | str = logging.WARNING) -> None:
        self.actor = AuditActor.system(edge_id)
        self.remember = remember
        named = logging.getLevelName(level) if isinstance(level, str) else level
        self.level = named if isinstance(named, int) else logging.WARNING  # an unknown name: the safe default
        self._warned: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # results are stored from a small thread pool

    def __call__(self, session: Session, result: MachineResult) -> None:
        """on_result(session, result): called inside the result's transaction, after its row is flushed."""
        applied = apply_result(session, result, self.actor)
        if applied.flag in (UNKNOWN_SERIAL, NOT_AT_STEP, REFUSED):
            self._warn_once(result.serial, applied)
        elif applied.flag is not None:
            log.info("%s", applied.message)

    def _warn_once(self, serial: str, applied: Applied) -> None:
        with self._lock:
            if serial in self._warned:
                self._warned.move_to_end(serial)
                log.debug("%s (flag %s)", applied.message, applied.flag)
                return
            self._warned[serial] = None
            if len(self._warned) > self.remember:
                self._warned.popitem(last=False)
        log.log(self.level, "%s (recorded, flagged %s)", applied.message, applied.flag)
