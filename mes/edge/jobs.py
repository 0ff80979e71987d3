"""The edge's periodic jobs on APScheduler 3.11's AsyncIOScheduler, started inside the running loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from mes.edge.settings import EdgeSettings

Job = Callable[[], Awaitable[None]]


class EdgeJobs:
    """Spool replay, heartbeat, master-data refresh, calibration and due-soon warnings; stop() waits for jobs."""

    def __init__(self, settings: EdgeSettings) -> None:
        self.settings = settings
        self.scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[Any]] = set()

    def start(self, *, replay: Job, heartbeat: Job, refresh: Job, calibration: Job,
              due_soon: Job | None = None) -> None:
        """Create and start the scheduler; must be called from inside the edge's running loop."""
        asyncio.get_running_loop()  # fail loudly here rather than in APScheduler when there is no loop
        s, now = self.settings, datetime.now(UTC)
        scheduler = AsyncIOScheduler(timezone=UTC)
        # max_instances=1 + coalesce: a slow run (a database timing out) is never stacked up.
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
        scheduler.add_job(self._tracked(replay), "interval", seconds=s.replay_every_s, id="spool-replay",
                          next_run_time=now, **common)
        scheduler.add_job(self._tracked(heartbeat), "interval", seconds=s.heartbeat_every_s, id="heartbeat",
                          **common)
        scheduler.add_job(self._tracked(refresh), "interval", seconds=s.master_data_every_s,
                          id="master-data", **common)
        scheduler.add_job(self._tracked(calibration), "cron", hour=6, id="calibration-due",
                          next_run_time=now, **common)  # at start, then every morning (UTC)
        if due_soon is not None:  # qualifications, calibrations, maintenance: alerts for the admin page
            scheduler.add_job(self._tracked(due_soon), "cron", hour=6, minute=5, id="due-soon",
                              next_run_time=now, **common)
        scheduler.start()
        self.scheduler = scheduler

    async def stop(self) -> None:
        """Shut the scheduler down and wait for jobs still running, so nothing outlives the edge."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _tracked(self, job: Job) -> Job:
        @functools.wraps(job)
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                await job()
            finally:
                self._running.discard(task)

        return run
