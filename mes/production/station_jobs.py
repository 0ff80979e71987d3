"""Station jobs: the operator puts a started unit into a station's machine; the edge hands the PLC its serial.

pending (load_unit) → sent (the edge wrote load_serial and read it back) → done (the machine's result
completed the operation, pass or fail) or failed (with a reason: interlock NOK, write error, machine
fault, cancelled). One active (pending or sent) job per station; docs/production.md, "Machine results".
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.routing import check_active
from mes.models import Equipment, OperationRecord, Station, StationJob, Unit, utcnow
from mes.models.station_job import ACTIVE_STATUSES
from mes.production.common import audit, get_by, lock_unit, open_record, unit_state
from mes.production.errors import (
    JobNotActive,
    NoMachineAtStation,
    NotFound,
    NotStartedAtStation,
    StationBusy,
    UnitAlreadyLoaded,
)

LOAD_TAG = "load_serial"


def load_unit(session: Session, actor: AuditActor, station_code: str, serial: str) -> StationJob:
    """The unit whose operation was started at this station is in the machine: queue its serial for the edge."""
    station = get_by(session, Station, "Station", code=station_code)
    unit = lock_unit(session, serial)
    check_active(unit_state(unit))
    record = open_record(session, unit)
    if record is None or record.station_id != station.id:
        raise NotStartedAtStation(serial=serial, station=station_code)
    equipment = _machine_of(session, station, record)
    _refuse_busy(session, station, unit)
    job = StationJob(station_id=station.id, equipment_id=equipment.id, unit_id=unit.id, serial=unit.serial,
                     operation_record_id=record.id, status="pending", created_at=utcnow(),
                     created_by_id=actor.user_id, created_by_name=actor.user_name[:200])
    try:
        with session.begin_nested():  # the partial unique index is the last word on "one active job"
            session.add(job)
            session.flush()
    except IntegrityError:
        raise StationBusy(station=station_code, serial="?", status="pending") from None
    if record.equipment_id is None:
        audit(session, actor, "UPDATE", "operation_record", record.id, field="equipment_id", new=equipment.code)
        record.equipment_id = equipment.id
    audit(session, actor, "CREATE", "station_job", job.id,
          new={"station": station_code, "serial": serial, "equipment": equipment.code, "seq": record.seq})
    return job


def current_job(session: Session, station_code: str) -> StationJob | None:
    """The station's active job; when none is active, its latest job (to show how it ended); None if never."""
    station = get_by(session, Station, "Station", code=station_code)
    query = select(StationJob).where(StationJob.station_id == station.id)
    active = session.scalars(query.where(StationJob.status.in_(ACTIVE_STATUSES))).first()
    return active or session.scalars(query.order_by(StationJob.id.desc()).limit(1)).first()


def job_of(session: Session, job_id: int) -> StationJob:
    """The job with that id (NotFound otherwise)."""
    job = session.get(StationJob, job_id)
    if job is None:
        raise NotFound("Station job", job_id)
    return job


def cancel_job(session: Session, actor: AuditActor, job_id: int, reason: str) -> StationJob:
    """The operator took the unit out (or it never went in): the job fails with the reason, the station is free."""
    job = job_of(session, job_id)
    return fail_job(session, actor, job, f"cancelled: {reason}" if reason else "cancelled")


# --- the edge's side ----------------------------------------------------------------------------

def pending_jobs(session: Session, station_ids: Sequence[int]) -> list[StationJob]:
    """Jobs waiting for the edge at these stations, oldest first."""
    if not station_ids:
        return []
    query = select(StationJob).where(StationJob.station_id.in_(station_ids), StationJob.status == "pending")
    return list(session.scalars(query.order_by(StationJob.id)))


def sent_jobs(session: Session, station_ids: Sequence[int]) -> list[StationJob]:
    """Jobs whose serial the machine has (or is about to take), oldest first."""
    if not station_ids:
        return []
    query = select(StationJob).where(StationJob.station_id.in_(station_ids), StationJob.status == "sent")
    return list(session.scalars(query.order_by(StationJob.id)))


def mark_sent(session: Session, actor: AuditActor, job_id: int) -> StationJob | None:
    """The edge wrote load_serial and read it back; None when the job is no longer pending (cancelled)."""
    job = _lock_job(session, job_id)
    if job is None or job.status != "pending":
        return None
    job.status, job.sent_at = "sent", utcnow()
    audit(session, actor, "UPDATE", "station_job", job.id, field="status", old="pending", new="sent")
    return job


def fail_job(session: Session, actor: AuditActor, job: StationJob, reason: str) -> StationJob:
    """End an active job as failed, with the reason (audited)."""
    if not job.active:
        raise JobNotActive(job=job.id, status=job.status)
    old = job.status
    job.status, job.reason, job.finished_at = "failed", reason[:500], utcnow()
    audit(session, actor, "UPDATE", "station_job", job.id, field="status", old=old, new="failed", reason=job.reason)
    return job


def fail_job_by_id(session: Session, actor: AuditActor, job_id: int, reason: str) -> StationJob | None:
    """fail_job for the edge, which holds only ids; None when the job already ended."""
    job = _lock_job(session, job_id)
    if job is None or not job.active:
        return None
    return fail_job(session, actor, job, reason)


def finish_jobs_of(session: Session, actor: AuditActor, unit: Unit, station_id: int, machine_result_id: int,
                   record: OperationRecord | None, note: str | None = None) -> list[StationJob]:
    """A machine result for the unit arrived at this station: its active jobs there are done (or failed)."""
    query = select(StationJob).where(StationJob.unit_id == unit.id, StationJob.station_id == station_id,
                                     StationJob.status.in_(ACTIVE_STATUSES))
    # Locked: the edge's fault watch may be ending the same job at this moment; one of the two wins.
    jobs = list(session.scalars(query.with_for_update().execution_options(populate_existing=True)))
    for job in jobs:
        old = job.status
        job.machine_result_id, job.finished_at = machine_result_id, utcnow()
        job.status = "done" if note is None else "failed"
        job.reason = note[:500] if note else (f"operation {record.seq}: {record.result}" if record else None)
        audit(session, actor, "UPDATE", "station_job", job.id, field="status", old=old, new=job.status,
              reason=job.reason)
    return jobs


def _lock_job(session: Session, job_id: int) -> StationJob | None:
    # Populate fresh: the terminal may have cancelled it since the edge last looked.
    return session.scalars(select(StationJob).where(StationJob.id == job_id)
                           .with_for_update().execution_options(populate_existing=True)).first()


def _machine_of(session: Session, station: Station, record: OperationRecord) -> Equipment:
    """The machine of the station that takes serials: the operation's own equipment when it has one."""
    machines = [e for e in session.scalars(select(Equipment).where(Equipment.station_id == station.id)
                                           .order_by(Equipment.code))
                if any(tag.get("name") == LOAD_TAG for tag in e.tag_map or [])]
    for machine in machines:
        if machine.id == record.equipment_id:
            return machine
    if not machines:
        raise NoMachineAtStation(station=station.code)
    return machines[0]


def _refuse_busy(session: Session, station: Station, unit: Unit) -> None:
    busy = session.scalars(select(StationJob).where(StationJob.station_id == station.id,
                                                    StationJob.status.in_(ACTIVE_STATUSES))).first()
    if busy is not None:
        raise StationBusy(station=station.code, serial=busy.serial, status=busy.status)
    elsewhere = session.scalars(select(StationJob).where(StationJob.unit_id == unit.id,
                                                         StationJob.status.in_(ACTIVE_STATUSES))).first()
    if elsewhere is not None:
        code = session.get_one(Station, elsewhere.station_id).code
        raise UnitAlreadyLoaded(serial=unit.serial, station=code)
