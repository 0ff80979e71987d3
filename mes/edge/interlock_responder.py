"""The MES side of the interlock handshake: answer each new interlock_seq within 200 ms."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date

from equipment_adapters.base import EquipmentAdapter
from equipment_adapters.errors import EquipmentError
from mes.edge.interlock import InterlockAnswer, InterlockCheck, InterlockRequest, Reason, default_check
from mes.edge.workers import IDLE_S, in_thread, pause
from mes.models import utcnow

log = logging.getLogger("mes.edge.interlock")

REQUEST_TAGS = ("interlock_request", "interlock_seq", "interlock_serial")
OK_ANSWER, NOK_ANSWER = 1, 2
# Told of every answer once it is written (in a worker thread): production fails a loaded unit's job on NOK.
OnAnswer = Callable[[InterlockRequest, InterlockAnswer], None]


class InterlockResponder:
    """Polls interlock_request; runs the check (in a thread, under a deadline) and writes the answer."""

    def __init__(self, adapter: EquipmentAdapter, equipment_id: int, check: InterlockCheck = default_check,
                 *, calibration_due: date | None = None, poll_s: float = 0.05,
                 check_timeout_s: float = 0.12, executor: Executor | None = None,
                 on_answer: OnAnswer | None = None) -> None:
        self.adapter = adapter
        self.equipment_id = equipment_id
        self.check = check
        self.calibration_due = calibration_due  # refreshed from the database by a scheduled job
        self.poll_s = poll_s
        self.check_timeout_s = check_timeout_s
        self.executor = executor
        self.on_answer = on_answer
        self.answered: deque[tuple[int, InterlockAnswer]] = deque(maxlen=1000)
        self._answered_seq: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; while the machine is disconnected only look now and then."""
        while not stop.is_set():
            if self.adapter.health.connected:
                await self.poll_once()
                await pause(stop, self.poll_s)
            else:
                await pause(stop, IDLE_S)

    async def poll_once(self) -> InterlockAnswer | None:
        """Answer a waiting request; the answer given, or None when nothing new was asked."""
        try:
            tags = await self.adapter.read(REQUEST_TAGS)
        except EquipmentError:
            return None
        requesting, seq, serial = (tags[name].value for name in REQUEST_TAGS)
        if requesting != 1 or not seq or seq == self._answered_seq:
            return None
        request = InterlockRequest(self.equipment_id, self.adapter.device.name, int(seq),  # type: ignore[arg-type]
                                   str(serial or "").strip(), self.calibration_due, utcnow().date())
        answer = await self._decide(request)
        if await self._write(request.seq, answer):
            self._answered_seq = request.seq
            self.answered.append((request.seq, answer))
            await self._tell(request, answer)
        return answer

    async def _tell(self, request: InterlockRequest, answer: InterlockAnswer) -> None:
        # After the answer is on the PLC: the hook never delays it, and its failure never changes it.
        if self.on_answer is None:
            return
        try:
            await in_thread(None, self.on_answer, request, answer)
        except Exception:
            log.exception("%s: interlock hook failed for %s", request.equipment_code, request.serial)

    async def _decide(self, request: InterlockRequest) -> InterlockAnswer:
        # A slow or broken check must not leave the PLC waiting into its timeout: it gets NOK.
        try:
            return await asyncio.wait_for(in_thread(self.executor, self.check, request), self.check_timeout_s)
        except TimeoutError:
            return InterlockAnswer.nok(Reason.CHECK_TIMEOUT, "interlock check took too long")
        except Exception as exc:
            log.exception("%s: interlock check failed for %s", request.equipment_code, request.serial)
            return InterlockAnswer.nok(Reason.CHECK_FAILED, f"check failed: {exc}")

    async def _write(self, seq: int, answer: InterlockAnswer) -> bool:
        code = self.adapter.device.name
        try:
            # One request on a PLC that keeps the three together; else one by one, the sequence last
            # (it is what makes the answer valid).
            await self.adapter.write_many([("interlock_answer", OK_ANSWER if answer.ok else NOK_ANSWER),
                                           ("interlock_reason", int(answer.reason)),
                                           ("interlock_answer_seq", seq)])
        except EquipmentError as exc:
            log.warning("%s: interlock answer %d not written: %s", code, seq, exc)
            return False
        level = logging.DEBUG if answer.ok else logging.INFO
        log.log(level, "%s: interlock %d %s %s", code, seq, "OK" if answer.ok else "NOK", answer.message)
        return True
