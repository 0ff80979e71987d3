"""Terminal: put the started unit into the station's machine (a station job), and the machine's result.

The edge writes the job's serial to the machine (load_serial); the machine's result completes the
operation (mes/production/station_jobs.py, mes/edge/production_link.py). The screen follows the job
through the live panel and shows the result when it arrives.
"""

from __future__ import annotations

from flask import session
from sqlalchemy.orm import Session

from mes.models import OperationRecord, Station, StationJob
from mes.production.station_jobs import cancel_job, current_job, load_unit
from mes.security.permissions import Permission
from web.i18n import gettext as _
from web.permissions import requires
from web.terminal import (
    UNIT_KEY,
    _after,
    _require_bound,
    actor,
    attempt,
    bp,
    open_unit,
    result_outcome,
    sessions,
    set_outcome,
)
from web.terminal_messages import Outcome

SEEN_KEY = "terminal_job_seen"


@bp.get("/work")
@requires(Permission.UNIT_OPERATE)
def work():  # type: ignore[no-untyped-def]
    """The unit part of the screen alone; terminal.js reads it when the machine's job ends."""
    bound = _require_bound()
    if bound is not None:
        with sessions()() as db:
            job_outcome(db, bound[1], current_job(db, bound[1].code))
    return _after()


@bp.post("/machine/load")
@requires(Permission.UNIT_OPERATE)
def machine_load():  # type: ignore[no-untyped-def]
    """The unit is in the machine: hand its serial to the machine, which then runs the cycle."""
    opened = open_unit()
    if opened is None:
        return _after()
    terminal, station, serial = opened

    def work(db: Session) -> Outcome:
        load_unit(db, actor(terminal), station.code, serial)
        return Outcome("ok", _("Unit %s is handed to the machine.") % serial,
                       _("Close the fixture and let the machine run. The result appears here by itself."))

    set_outcome(attempt(work))
    return _after()


@bp.post("/machine/cancel")
@requires(Permission.UNIT_OPERATE)
def machine_cancel():  # type: ignore[no-untyped-def]
    """The unit came out of the machine without a result: the station is free again."""
    bound = _require_bound()
    if bound is None:
        return _after()
    terminal, station = bound

    def work(db: Session) -> Outcome:
        job = current_job(db, station.code)
        if job is None or not job.active:
            return Outcome("warn", _("The machine has no unit waiting."), _("Scan the next unit."))
        cancel_job(db, actor(terminal), job.id, "operator took the unit out")
        return Outcome("ok", _("The machine job of unit %s is cancelled.") % job.serial,
                       _("Record the result by hand, or hand the unit to the machine again."))

    set_outcome(attempt(work))
    return _after()


def job_outcome(db: Session, station: Station, job: StationJob | None) -> None:
    """Once per finished job of the unit on the screen: say its result (the screen did not post anything)."""
    if job is None or job.active or job.serial != session.get(UNIT_KEY) or session.get(SEEN_KEY) == job.id:
        return
    session[SEEN_KEY] = job.id
    if job.status == "failed":
        set_outcome(Outcome("error", _("The machine did not finish unit %(serial)s: %(reason)s")
                            % {"serial": job.serial, "reason": job.reason or ""},
                            _("Check the machine, then hand the unit to it again or record the result by hand."),
                            "job_failed"))
        return
    record = db.get(OperationRecord, job.operation_record_id)
    if record is not None and record.result is not None:
        set_outcome(result_outcome(db, job.serial, station, record.result == "pass", record.seq))
