"""The edge runtime of one line: a station per machine, the result sink and spool, the periodic jobs."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mes.compliance.due import due_soon
from mes.db import unit_of_work
from mes.edge.interlock import InterlockCheck, default_check
from mes.edge.jobs import EdgeJobs
from mes.edge.monitor import DeviceMonitor
from mes.edge.production_checks import full_check
from mes.edge.production_link import ProductionLink, adapters_by_equipment
from mes.edge.result_store import OnResult
from mes.edge.settings import EdgeSettings
from mes.edge.sink import ResultSink
from mes.edge.spool import Spool
from mes.edge.station import EdgeStation
from mes.edge.status_store import devices_of_line
from mes.edge.workers import EdgeWorkers, in_thread
from mes.edge.writer import ResultWriter
from mes.models import Alert, Equipment, utcnow
from mes.production.machine_results import ResultApplier
from mes.security.accounts import raise_alert
from mes.security.policy import AccountPolicy

log = logging.getLogger("mes.edge")
T = TypeVar("T")

__all__ = ["DeviceMonitor", "Edge", "run_edge"]


class Edge:
    """Everything one `mes edge --line L` process runs; build it, then `await edge.run(stop)`."""

    def __init__(self, factory: sessionmaker[Session], line_code: str, settings: EdgeSettings | None = None, *,
                 on_result: OnResult | None = None, interlock_check: InterlockCheck | None = None,
                 production: bool = False) -> None:
        self.factory = factory
        self.line_code = line_code
        self.settings = settings or EdgeSettings.from_env(line_code)
        # production=True (what `mes edge` runs): machine results complete operations, station jobs
        # are written to load_serial, the interlock asks production and compliance.
        self.production = production
        self.on_result = on_result if on_result is not None or not production else ResultApplier(
            self.settings.edge_id, level=self.settings.unapplied_result_log_level)
        self.interlock_check = interlock_check or (full_check(factory) if production else default_check)
        self.link: ProductionLink | None = None
        self.stations: list[EdgeStation] = []
        self.sink: ResultSink | None = None
        self.jobs = EdgeJobs(self.settings)
        self.workers = EdgeWorkers()
        self.started = asyncio.Event()  # set once every station runs (tests and the bench wait on it)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; LookupError when the line has no equipment."""
        self.workers = EdgeWorkers()
        try:
            await self._run(stop)
        finally:
            self.workers.shutdown()

    async def _run(self, stop: asyncio.Event) -> None:
        devices = await self._db(devices_of_line, self.factory, self.line_code)
        if not devices:
            raise LookupError(f"line {self.line_code!r} has no equipment")
        spool = Spool(self.settings.spool_dir / f"results-{self.line_code}.sqlite3")
        self.sink = ResultSink(self.factory, spool, self.settings.edge_id, self.on_result)
        writer = ResultWriter(self.sink, self.workers.results)
        self.stations = [EdgeStation(d, self.factory, writer, self.settings, self.interlock_check, self.workers)
                         for d in devices]
        log.info("edge %s for line %s: %s; spool %s", self.settings.edge_id, self.line_code,
                 ", ".join(d.code for d in devices), spool.path)
        if self.production:
            self.link = self._production_link()
        if self.settings.freeze_heap:
            freeze_heap()
        try:
            self.jobs.start(replay=self.replay_spool, heartbeat=self.heartbeat,
                            refresh=self.refresh_master_data, calibration=self.warn_calibration_due,
                            due_soon=self.alert_due_soon if self.production else None)
            async with asyncio.TaskGroup() as group:
                for station in self.stations:
                    group.create_task(station.run(stop), name=f"edge:{station.device.code}")
                if self.link is not None:
                    group.create_task(self.link.run(stop), name="edge:station-jobs")
                self.started.set()
        finally:
            await writer.drain()
            await self.jobs.stop()
            spool.close()

    def _production_link(self) -> ProductionLink:
        s = self.settings
        link = ProductionLink(self.factory, adapters_by_equipment(self.stations), s.edge_id, poll_s=s.job_poll_s,
                              send_timeout_s=s.job_send_timeout_s,
                              result_timeout_s=s.job_result_timeout_s, executor=self.workers.database)
        for station in self.stations:
            if station.interlock is not None:
                station.interlock.on_answer = link.interlock_answered
        return link

    async def replay_spool(self) -> None:
        """Job: move spooled results into the database when it is reachable."""
        if self.sink is not None and self.sink.spool.count():
            await self._db(self.sink.replay)

    async def heartbeat(self) -> None:
        """Job: one INFO line saying the edge is alive and how its machines and results stand."""
        if self.sink is None:
            return
        connected = sum(s.adapter.health.connected for s in self.stations)
        counts = ", ".join(f"{k.value} {v}" for k, v in self.sink.counts.items())
        log.info("edge %s alive: %d/%d machines connected; results %s; %d waiting in the spool; database %s",
                 self.settings.edge_id, connected, len(self.stations), counts, self.sink.spool.count(),
                 "up" if self.sink.database_up else "DOWN")

    async def refresh_master_data(self) -> None:
        """Job: pick up calibration dates changed in the database since the edge started."""
        try:
            due = await self._db(self._calibration_dates)
        except SQLAlchemyError:
            return  # keep the dates we have; the database being away is reported elsewhere
        for station in self.stations:
            if station.interlock is not None and station.device.equipment_id in due:
                station.interlock.calibration_due = due[station.device.equipment_id]

    async def warn_calibration_due(self) -> None:
        """Job: WARNING for calibrations due within the configured days, ERROR for overdue ones."""
        await self.refresh_master_data()
        today = utcnow().date()
        horizon = today + timedelta(days=self.settings.calibration_warn_days)
        for station in self.stations:
            due = station.interlock.calibration_due if station.interlock else station.device.calibration_due
            if due is None or due > horizon:
                continue
            if due < today:
                log.error("%s: calibration overdue since %s: the interlock refuses its units",
                          station.device.code, due.isoformat())
            else:
                log.warning("%s: calibration due on %s (in %d days)", station.device.code, due.isoformat(),
                            (due - today).days)

    async def alert_due_soon(self) -> None:
        """Job: qualifications, calibrations and maintenance due soon, as WARNINGs and admin alerts."""
        try:
            await self._db(self._alert_due_soon)
        except SQLAlchemyError as exc:
            log.error("due-soon check not run, database unavailable: %s", str(exc).splitlines()[0])

    def _alert_due_soon(self) -> None:
        today = utcnow().date()
        with unit_of_work(self.factory) as session:
            for item in due_soon(session, today, AccountPolicy.from_env().due_soon_days):
                # One open alert per thing: a new one only after the admin acknowledged the last.
                subject = f"{item.kind} {item.subject} {item.detail}"[:100]
                if session.scalar(select(Alert.id).where(Alert.kind == "due_soon", Alert.subject == subject,
                                                         Alert.acknowledged_at.is_(None)).limit(1)) is None:
                    raise_alert(session, kind="due_soon", subject=subject, message=item.describe(today),
                                workstation=self.settings.edge_id)

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await in_thread(self.workers.database, fn, *args)

    def _calibration_dates(self) -> dict[int, date | None]:
        ids = [s.device.equipment_id for s in self.stations]
        with self.factory() as session:
            rows = session.execute(select(Equipment.id, Equipment.calibration_due).where(Equipment.id.in_(ids)))
            return {row.id: row.calibration_due for row in rows}


def freeze_heap() -> None:
    """Leave everything built so far out of later garbage collections (gc.freeze).

    A full collection walks every tracked object: with the modules, models and adapters of a line
    (~170,000 objects) it stopped the event loop for ~80 ms on the development machine, longer than a
    result may wait. What is alive at start stays alive, so there is nothing to find in it.
    """
    gc.collect()
    gc.freeze()


async def run_edge(factory: sessionmaker[Session], line_code: str, stop: asyncio.Event,
                   settings: EdgeSettings | None = None, *, on_result: OnResult | None = None,
                   interlock_check: InterlockCheck | None = None, production: bool = False) -> None:
    """Run the edge of one line until `stop` is set (`production=True`: linked to production, as `mes edge`)."""
    await Edge(factory, line_code, settings, on_result=on_result, interlock_check=interlock_check,
               production=production).run(stop)
