"""Downtime: when a station stops, the operator says why; the stop stays open until the station runs again.

The reason list is fixed here (codes are stable, names are translated on the screens) so reports can
group stops without free text. Every write is audited in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.errors import DomainError
from mes.domain.packml import state_group, state_name
from mes.models import DowntimeEvent, Equipment, EquipmentStatus, StateChange, Station, utcnow
from mes.production.common import audit, get_by
from mes.production.errors import InvalidInput

# code -> English name (the Russian is in web/translations/terminal.py).
REASONS: dict[str, str] = {
    "breakdown": "Machine breakdown",
    "material_shortage": "No material or components",
    "changeover": "Changeover or setup",
    "quality_problem": "Quality problem",
    "waiting_for_maintenance": "Waiting for maintenance",
    "planned_break": "Planned break",
    "no_operator": "No operator",
    "other": "Other",
}
# Machine state groups (mes.domain.packml) in which a station is not producing.
STOPPED_GROUPS = ("stopped", "fault", "held", "unknown")
MAX_COMMENT = 500


class DowntimeAlreadyOpen(DomainError):
    code = "downtime_already_open"
    message_en = "A stop of station {station} is already recorded (reason: {reason})"
    message_ru = "Простой станции {station} уже записан (причина: {reason})"


class NoOpenDowntime(DomainError):
    code = "no_open_downtime"
    message_en = "Station {station} has no open stop"
    message_ru = "У станции {station} нет открытого простоя"


@dataclass(frozen=True)
class MachineCondition:
    """Whether a station's machine is producing, as the edge last saw it."""

    equipment_id: int | None
    state: str  # PackML name, or "OFFLINE"
    stopped: bool
    since: datetime | None  # when it entered that state, when known


def machine_condition(session: Session, station: Station) -> MachineCondition:
    """The state of the station's first machine: stopped when offline or in a stopped/fault/held state."""
    equipment = session.scalars(select(Equipment).where(Equipment.station_id == station.id)
                                .order_by(Equipment.code)).first()
    if equipment is None:
        return MachineCondition(None, "MANUAL", False, None)
    status = session.get(EquipmentStatus, equipment.id)
    if status is None or not status.connected:
        return MachineCondition(equipment.id, "OFFLINE", True, status.last_good_at if status else None)
    since = session.scalar(select(StateChange.at).where(StateChange.equipment_id == equipment.id)
                           .order_by(StateChange.at.desc()).limit(1))
    return MachineCondition(equipment.id, state_name(status.packml_state),
                            state_group(status.packml_state) in STOPPED_GROUPS, since)


def open_downtime(session: Session, station_code: str) -> DowntimeEvent | None:
    """The station's stop that has not ended, if any."""
    station = get_by(session, Station, "Station", code=station_code)
    return _open(session, station)


def _open(session: Session, station: Station) -> DowntimeEvent | None:
    query = select(DowntimeEvent).where(DowntimeEvent.station_id == station.id, DowntimeEvent.ended_at.is_(None))
    return session.scalars(query.order_by(DowntimeEvent.id.desc())).first()


def record_downtime(session: Session, actor: AuditActor, station_code: str, reason: str,
                    comment: str = "") -> DowntimeEvent:
    """Record why the station stopped; it starts when the machine stopped (else now)."""
    if reason not in REASONS:
        raise InvalidInput(f"unknown downtime reason {reason!r}")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"the comment is longer than {MAX_COMMENT} characters")
    if reason == "other" and not comment:
        raise InvalidInput("say what happened when the reason is 'other'")
    station = get_by(session, Station, "Station", code=station_code)
    existing = _open(session, station)
    if existing is not None:
        raise DowntimeAlreadyOpen(station=station_code, reason=existing.reason)
    condition = machine_condition(session, station)
    started = condition.since if condition.stopped and condition.since else utcnow()
    event = DowntimeEvent(station_id=station.id, equipment_id=condition.equipment_id, reason=reason,
                          comment=comment, machine_state=condition.state, started_at=started,
                          reported_by_id=actor.user_id)
    session.add(event)
    session.flush()
    audit(session, actor, "CREATE", "downtime_event", event.id,
          new={"station": station_code, "reason": reason, "comment": comment, "machine_state": condition.state,
               "started_at": started.isoformat()})
    return event


def end_downtime(session: Session, actor: AuditActor, station_code: str) -> DowntimeEvent:
    """Close the station's open stop: it runs again."""
    station = get_by(session, Station, "Station", code=station_code)
    event = _open(session, station)
    if event is None:
        raise NoOpenDowntime(station=station_code)
    event.ended_at = utcnow()
    event.ended_by_id = actor.user_id
    audit(session, actor, "UPDATE", "downtime_event", event.id, field="ended_at", old=None,
          new=event.ended_at.isoformat())
    return event


def downtime_events(session: Session, station_code: str, limit: int = 20) -> list[DowntimeEvent]:
    """The station's latest stops, newest first."""
    station = get_by(session, Station, "Station", code=station_code)
    query = select(DowntimeEvent).where(DowntimeEvent.station_id == station.id)
    return list(session.scalars(query.order_by(DowntimeEvent.started_at.desc()).limit(max(1, min(limit, 500)))))
