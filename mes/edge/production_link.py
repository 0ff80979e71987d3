"""The edge's link to production: station jobs out to the machines (load_serial), faults back as NCs.

Every `poll_s` (0.2 s) one query fetches the active station jobs of the line's stations:

- pending: the serial is written to the machine's `load_serial` (after checking that the machine took
  the previous one) and read back; then the job is `sent`. A machine unreachable for `send_timeout_s`,
  or a read-back that differs, fails the job with the reason.
- sent: once the machine has taken the serial (load_serial cleared), the unit is in the machine; a
  PackML Aborting/Aborted/Stopping/Stopped while it is opens a nonconformance (report_machine_fault)
  and fails the job. The machine's result ends the job through the result hook (ResultApplier). A
  sent job with no result `result_timeout_s` after it was sent (a machine that hung, a unit taken
  out by hand) fails with that reason, so the station is free and the operator told.

Machine results reach production through the result store's on_result hook
(mes.production.machine_results.ResultApplier); an interlock NOK for a loaded unit fails its job
(`interlock_answered`, the responder's on_answer hook).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from equipment_adapters.base import EquipmentAdapter
from equipment_adapters.errors import EquipmentError, WriteVerifyError
from equipment_adapters.packml import PackMLState
from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.domain.errors import DomainError
from mes.edge.interlock import InterlockAnswer, InterlockRequest
from mes.edge.workers import in_thread, pause
from mes.models import Equipment, StationJob, utcnow
from mes.models.station_job import ACTIVE_STATUSES
from mes.production.station_jobs import fail_job_by_id, mark_sent
from mes.quality.nonconformance import report_machine_fault

log = logging.getLogger("mes.edge.production")
T = TypeVar("T")

LOAD_TAG = "load_serial"
WATCH_TAGS = ("state", "alarm_code", "load_serial", "result_serial")
# States in which a machine has dropped the unit it held: the cycle did not finish, no result comes.
UNIT_LOST_IN = frozenset({PackMLState.ABORTING, PackMLState.ABORTED, PackMLState.STOPPING, PackMLState.STOPPED})


@dataclass(frozen=True)
class ActiveJob:
    """A station job as the edge needs it (plain values, no session)."""

    id: int
    equipment_id: int
    serial: str
    status: str
    created_at: float  # monotonic time the edge first saw it
    sent_at: datetime | None = None  # when its serial was written (from the database: survives a restart)


class ProductionLink:
    """Writes the serials of station jobs to the line's machines and watches the units while inside."""

    def __init__(self, factory: sessionmaker[Session], adapters: dict[int, EquipmentAdapter], edge_id: str, *,
                 poll_s: float = 0.2, send_timeout_s: float = 30.0, result_timeout_s: float = 600.0,
                 executor: Executor | None = None) -> None:
        self.factory = factory
        # Only machines that take a serial: equipment id -> its adapter.
        self.adapters = {eid: a for eid, a in adapters.items() if any(t.name == LOAD_TAG for t in a.device.tags)}
        self.actor = AuditActor.system(edge_id)
        self.poll_s = poll_s
        self.send_timeout_s = send_timeout_s
        self.result_timeout_s = result_timeout_s
        self.executor = executor
        self.station_of: dict[int, int] = {}  # equipment id -> station id, read at start
        self._first_seen: dict[int, float] = {}
        self._taken: set[int] = set()  # sent jobs whose serial the machine has taken: the unit is inside
        self._db_down = False

    async def run(self, stop: asyncio.Event) -> None:
        """Poll the active jobs every poll_s until `stop` is set (a sleep between polls, no busy loop)."""
        if not self.adapters:
            return
        while not stop.is_set():
            await self.poll_once()
            await pause(stop, self.poll_s)

    async def poll_once(self) -> None:
        """One look at the line's active jobs: send the pending ones, watch the sent ones."""
        try:
            jobs = await self._db(self._active_jobs)
        except SQLAlchemyError as exc:
            if not self._db_down:
                log.error("station jobs not read, database unavailable: %s", str(exc).splitlines()[0])
            self._db_down = True
            return
        self._db_down = False
        live = {job.id for job in jobs}
        self._taken &= live
        self._first_seen = {k: v for k, v in self._first_seen.items() if k in live}
        for job in jobs:
            adapter = self.adapters[job.equipment_id]
            try:
                if job.status == "pending":
                    await self._send(job, adapter)
                else:
                    await self._watch(job, adapter)
            except SQLAlchemyError as exc:
                log.error("station job %d: database error: %s", job.id, str(exc).splitlines()[0])

    def interlock_answered(self, request: InterlockRequest, answer: InterlockAnswer) -> None:
        """Interlock hook (called in a worker thread): a NOK for a loaded unit fails its job."""
        if answer.ok:
            return
        with unit_of_work(self.factory) as session:
            query = select(StationJob.id).where(StationJob.equipment_id == request.equipment_id,
                                                StationJob.serial == request.serial,
                                                StationJob.status.in_(ACTIVE_STATUSES))
            for job_id in session.scalars(query).all():
                fail_job_by_id(session, self.actor, job_id,
                               f"interlock NOK {int(answer.reason)}: {answer.message}")

    # --- pending: write the serial ------------------------------------------------------------
    async def _send(self, job: ActiveJob, adapter: EquipmentAdapter) -> None:
        if not adapter.health.connected:
            await self._give_up_if_late(job, f"machine {adapter.device.name} not reachable")
            return
        try:
            current = await self._read_text(adapter, LOAD_TAG)
            if current and current != job.serial:
                # The machine has not taken the previous serial yet: never overwrite it.
                await self._give_up_if_late(job, f"machine still holds serial {current!r} in load_serial")
                return
            if current != job.serial:
                await self._write_serial(adapter, job.serial)
            back = await self._read_text(adapter, LOAD_TAG)
        except EquipmentError as exc:
            await self._give_up_if_late(job, f"write of load_serial failed: {exc}")
            return
        if back not in (job.serial, ""):  # "": the PLC took it already (it clears the tag on taking)
            await self._fail(job, f"load_serial read back {back!r}, wrote {job.serial!r}")
            return
        if back == "":
            self._taken.add(job.id)
        sent = await self._db(self._mark_sent, job.id)
        if sent:
            log.info("%s: serial %s written to load_serial (station job %d)", adapter.device.name, job.serial, job.id)

    async def _write_serial(self, adapter: EquipmentAdapter, serial: str) -> None:
        # The PLC may take the serial (and clear the tag) between our write and the adapter's
        # read-back; the caller reads once more and accepts the serial or an empty tag.
        with contextlib.suppress(WriteVerifyError):
            await adapter.write(LOAD_TAG, serial)

    async def _give_up_if_late(self, job: ActiveJob, reason: str) -> None:
        if time.monotonic() - job.created_at >= self.send_timeout_s:
            await self._fail(job, reason)

    # --- sent: the unit is in the machine --------------------------------------------------------
    async def _watch(self, job: ActiveJob, adapter: EquipmentAdapter) -> None:
        if job.sent_at is not None and (utcnow() - job.sent_at).total_seconds() >= self.result_timeout_s:
            await self._fail(job, f"no result from {adapter.device.name} within {self.result_timeout_s:g} s "
                                  "of sending the serial")
            return
        if not adapter.health.connected:
            return
        try:
            tags = await adapter.read(WATCH_TAGS)
        except EquipmentError:
            return
        values: dict[str, Any] = {name: v.value for name, v in tags.items() if v.is_good}
        if str(values.get(LOAD_TAG) or "").strip() != job.serial:
            self._taken.add(job.id)
        state = values.get("state")
        if job.id not in self._taken or state not in UNIT_LOST_IN:
            return
        if str(values.get("result_serial") or "").strip() == job.serial:
            return  # its result is published: the result hook ends the job, not a fault
        name = PackMLState(state).name.title()
        fault = f"state {name}, alarm {values.get('alarm_code', 0)}"
        await self._db(self._machine_fault, job, adapter.device.name, fault)

    def _machine_fault(self, job: ActiveJob, equipment: str, fault: str) -> None:
        with unit_of_work(self.factory) as session:
            if fail_job_by_id(session, self.actor, job.id, f"machine fault: {fault}") is None:
                return  # ended meanwhile (its result came in)
            try:
                with session.begin_nested():
                    nc = report_machine_fault(session, self.actor, job.serial, equipment, fault)
            except DomainError as exc:  # the unit left production meanwhile: the job still ends
                log.warning("%s: machine fault with %s inside, no NC opened: %s", equipment, job.serial,
                            exc.message("en"))
                return
        log.warning("%s: machine fault (%s) with unit %s inside: %s opened, unit held", equipment, fault,
                    job.serial, nc.number)

    # --- database --------------------------------------------------------------------------------
    def _active_jobs(self) -> list[ActiveJob]:
        with self.factory() as session:
            if not self.station_of:
                rows = session.execute(select(Equipment.id, Equipment.station_id)
                                       .where(Equipment.id.in_(list(self.adapters))))
                self.station_of = {row.id: row.station_id for row in rows}
            query = select(StationJob.id, StationJob.equipment_id, StationJob.serial, StationJob.status,
                           StationJob.sent_at).where(
                StationJob.equipment_id.in_(list(self.adapters)), StationJob.status.in_(ACTIVE_STATUSES))
            now = time.monotonic()
            return [ActiveJob(row.id, row.equipment_id, row.serial, row.status,
                              self._first_seen.setdefault(row.id, now), row.sent_at)
                    for row in session.execute(query.order_by(StationJob.id))]

    def _mark_sent(self, job_id: int) -> bool:
        with unit_of_work(self.factory) as session:
            return mark_sent(session, self.actor, job_id) is not None

    async def _fail(self, job: ActiveJob, reason: str) -> None:
        log.warning("station job %d (%s): failed: %s", job.id, job.serial, reason)
        await self._db(self._fail_job, job.id, reason)

    def _fail_job(self, job_id: int, reason: str) -> None:
        with unit_of_work(self.factory) as session:
            fail_job_by_id(session, self.actor, job_id, reason)

    async def _read_text(self, adapter: EquipmentAdapter, name: str) -> str:
        value = (await adapter.read([name]))[name]
        if not value.is_good:
            raise EquipmentError(adapter.device.name, name, "value not good")
        return str(value.value or "").strip()

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await in_thread(self.executor, fn, *args)


def adapters_by_equipment(stations: Sequence[Any]) -> dict[int, EquipmentAdapter]:
    """Equipment id -> adapter of the edge's stations."""
    return {s.device.equipment_id: s.adapter for s in stations}
