"""Downtime: when a station stops, the operator says why; the stop stays open until the station runs again.

A stop closes itself when the station's machine returns to Execute (mes.edge.state_history calls
`close_on_execute` in the edge's own transaction); the operator may close it, and a supervisor may close
or reclassify it with a reason. The reason list is fixed here (codes are stable, names are translated on
the screens) so reports can group stops without free text. Every write is audited in the caller's
transaction. The report (mes.production.downtime_report) sums stops per station and reason.
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


class DowntimeNotFound(DomainError):
    code = "downtime_not_found"
    kind = "not_found"
    message_en = "No stop {id} is recorded"
    message_ru = "Простой {id} не записан"


class DowntimeClosed(DomainError):
    code = "downtime_closed"
    message_en = "Stop {id} is already closed"
    message_ru = "Простой {id} уже закрыт"


class ChangeReasonRequired(DomainError):
    code = "change_reason_required"
    kind = "invalid"
    message_en = "Say why the stop is changed (a reason is required for every correction)"
    message_ru = "Укажите, почему простой изменяется (для каждого исправления нужна причина)"


class UnknownDowntimeReason(DomainError):
    code = "unknown_downtime_reason"
    kind = "invalid"
    message_en = "Unknown downtime reason {reason}"
    message_ru = "Неизвестная причина простоя {reason}"


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


def close_on_execute(session: Session, equipment_id: int, at: datetime, workstation: str = "edge") -> list[int]:
    """The machine runs again: close the open stops of the station it serves, at `at`; their ids.

    Called by the edge when it records a change to Execute, in the same transaction, so the stop ends
    exactly when the state history says production resumed. The system (not a person) closes it.
    """
    station_id = select(Equipment.station_id).where(Equipment.id == equipment_id).scalar_subquery()
    events = session.scalars(select(DowntimeEvent).where(DowntimeEvent.station_id == station_id,
                                                         DowntimeEvent.ended_at.is_(None))).all()
    actor = AuditActor.system(workstation)
    for event in events:
        event.ended_at = max(at, event.started_at)
        audit(session, actor, "UPDATE", "downtime_event", event.id, field="ended_at", old=None,
              new=event.ended_at.isoformat(), reason="machine back in Execute")
    return [event.id for event in events]


def supervisor_close(session: Session, actor: AuditActor, event_id: int, why: str) -> DowntimeEvent:
    """A supervisor closes a stop the operator left open (now), saying why."""
    event = _for_change(session, event_id, why)
    if event.ended_at is not None:
        raise DowntimeClosed(id=event_id)
    event.ended_at, event.ended_by_id = utcnow(), actor.user_id
    audit(session, actor, "UPDATE", "downtime_event", event.id, field="ended_at", old=None,
          new=event.ended_at.isoformat(), reason=why.strip())
    return event


def reclassify(session: Session, actor: AuditActor, event_id: int, reason: str, why: str,
               comment: str | None = None) -> DowntimeEvent:
    """A supervisor corrects a stop's reason (and comment), saying why; old and new stay in the audit trail."""
    if reason not in REASONS:
        raise UnknownDowntimeReason(reason=reason)
    event = _for_change(session, event_id, why)
    comment = event.comment if comment is None else comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"the comment is longer than {MAX_COMMENT} characters")
    if reason == "other" and not comment:
        raise InvalidInput("say what happened when the reason is 'other'")
    for field, new in (("reason", reason), ("comment", comment)):
        old = getattr(event, field)
        if old != new:
            setattr(event, field, new)
            audit(session, actor, "UPDATE", "downtime_event", event.id, field=field, old=old, new=new,
                  reason=why.strip())
    return event


def _for_change(session: Session, event_id: int, why: str) -> DowntimeEvent:
    """The stop to correct, locked; refused without a reason (Annex 11 §9)."""
    if not (why or "").strip():
        raise ChangeReasonRequired()
    if len(why) > MAX_COMMENT:
        raise InvalidInput(f"the reason for the change is longer than {MAX_COMMENT} characters")
    event = session.get(DowntimeEvent, event_id, with_for_update=True)
    if event is None:
        raise DowntimeNotFound(id=event_id)
    return event


def downtime_events(session: Session, station_code: str, limit: int = 20) -> list[DowntimeEvent]:
    """The station's latest stops, newest first."""
    station = get_by(session, Station, "Station", code=station_code)
    query = select(DowntimeEvent).where(DowntimeEvent.station_id == station.id)
    return list(session.scalars(query.order_by(DowntimeEvent.started_at.desc()).limit(max(1, min(limit, 500)))))
