"""One machine at the edge: its adapter shared by the status monitor, result capture and interlock."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from mes.edge.capture import ResultCapture
from mes.edge.interlock import InterlockCheck
from mes.edge.interlock_responder import InterlockResponder, OnAnswer
from mes.edge.monitor import DeviceMonitor
from mes.edge.settings import EdgeSettings
from mes.edge.status_store import EdgeDevice
from mes.edge.workers import EdgeWorkers
from mes.edge.writer import ResultWriter

RESULT_TAGS = {"result_ready", "result_seq", "result_ack", "result_status", "result_serial"}
INTERLOCK_TAGS = {"interlock_request", "interlock_seq", "interlock_serial", "interlock_answer",
                  "interlock_reason", "interlock_answer_seq"}


class EdgeStation:
    """Runs the handshakes a machine's tag map supports, over one connection kept up by its adapter."""

    def __init__(self, device: EdgeDevice, factory: sessionmaker[Session], writer: ResultWriter,
                 settings: EdgeSettings, check: InterlockCheck, workers: EdgeWorkers,
                 on_answer: OnAnswer | None = None) -> None:
        self.device = device
        self.monitor = DeviceMonitor(device, factory, executor=workers.database)
        self.adapter = self.monitor.adapter
        names = {tag.name for tag in self.adapter.device.tags}
        self.capture = (ResultCapture(self.adapter, device.equipment_id, writer, settings.result_poll_s,
                                      settings.result_slow_poll_s)
                        if names >= RESULT_TAGS else None)
        self.interlock = (InterlockResponder(self.adapter, device.equipment_id, check,
                                             calibration_due=device.calibration_due,
                                             poll_s=settings.interlock_poll_s,
                                             check_timeout_s=settings.interlock_check_timeout_s,
                                             executor=workers.checks, on_answer=on_answer)
                          if names >= INTERLOCK_TAGS else None)

    async def run(self, stop: asyncio.Event) -> None:
        """Connect (in the background, with backoff) and run every loop until `stop` is set."""
        await self.adapter.start()
        try:
            async with asyncio.TaskGroup() as group:
                code = self.device.code
                group.create_task(self.monitor.watch(stop), name=f"edge:{code}:status")
                if self.capture is not None:
                    group.create_task(self.capture.run(stop), name=f"edge:{code}:results")
                if self.interlock is not None:
                    group.create_task(self.interlock.run(stop), name=f"edge:{code}:interlock")
        finally:
            await self.adapter.close()
