"""The MES side of the result handshake: see result_ready, store durably, then ack (exactly once)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from equipment_adapters.base import EquipmentAdapter, TagValue
from equipment_adapters.errors import EquipmentError
from mes.edge.cadence import ResultCadence
from mes.edge.result_store import Recorded
from mes.edge.results import IncompleteResult, block_tags, parse_block
from mes.edge.workers import IDLE_S, pause
from mes.edge.writer import ResultWriter

log = logging.getLogger("mes.edge.results")

REACK_AFTER_S = 0.5  # still published this long after our ack: the PLC lost it (restart), ack again
WAKE_PUBLISH_S = 0.02  # OPC UA: publishing interval of the result_ready subscription that wakes the poll


class ResultCapture:
    """Watches one machine's result_ready; each published sequence is stored once and then acked."""

    def __init__(self, adapter: EquipmentAdapter, equipment_id: int, writer: ResultWriter,
                 poll_s: float = 0.01, slow_poll_s: float = 0.05) -> None:
        self.adapter = adapter
        self.equipment_id = equipment_id
        self.writer = writer
        self.cadence = ResultCadence(poll_s, slow_poll_s)
        self._seen_seq: int | None = None  # the last sequence the cadence was told about
        # Every poll reads the whole block (one request on a PLC that keeps it contiguous): a new
        # result is then already in hand when result_ready is seen, with no second round trip.
        self.tags = tuple(block_tags(adapter.device))
        # Diagnostics (bench/acquisition.py): seq -> perf_counter when its block was read, when it was durable.
        self.read_at: dict[int, float] = {}
        self.durable_at: dict[int, float] = {}
        self._stored_seq: int | None = None  # last sequence made durable by this process
        self._acked: tuple[int, float] | None = None  # (sequence, monotonic time) of our last ack

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; while the machine is disconnected only look now and then."""
        wake = await self._wake_on_publish()
        while not stop.is_set():
            if self.adapter.health.connected:
                if wake is not None:
                    wake.clear()  # before the read: a result published from now on wakes the next poll
                await self.poll_once()
                await self._sleep(stop, wake, self.cadence.delay(time.monotonic()))
            else:
                await pause(stop, IDLE_S)

    async def _wake_on_publish(self) -> asyncio.Event | None:
        """OPC UA: a subscription to result_ready that wakes the poll when a result is published.

        On Modbus a subscription is one more poll loop, so there the cadence alone decides.
        """
        if self.adapter.protocol != "opcua":
            return None
        wake = asyncio.Event()

        def published(value: TagValue) -> None:
            if value.is_good and value.value == 1:
                wake.set()

        try:
            await self.adapter.subscribe(["result_ready"], published, WAKE_PUBLISH_S)
        except EquipmentError as exc:  # polling still finds every result, only later
            log.warning("%s: no result_ready subscription, polling only: %s", self.adapter.device.name, exc)
            return None
        return wake

    @staticmethod
    async def _sleep(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
        if wake is None:
            await pause(stop, seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)

    async def poll_once(self) -> Recorded | None:
        """One read of the result block; captures and acks a waiting result. What became of it, or None."""
        try:
            tags = await self.adapter.read(self.tags)
        except EquipmentError:
            return None  # the adapter logged it and reconnects by itself
        ready, seq = tags["result_ready"], tags["result_seq"]
        # The sequence is the identity, not the 0->1 edge of result_ready: a result waits while
        # ready = 1, and it is ours to (re)store and ack unless we acked that very sequence just now.
        if ready.value != 1 or not seq.value or not (ready.is_good and seq.is_good) \
                or self._just_acked(int(seq.value)):  # type: ignore[arg-type]
            return None
        if seq.value != self._seen_seq:
            self._seen_seq = int(seq.value)  # type: ignore[arg-type]
            self.cadence.seen(time.monotonic())
        _note(self.read_at, int(seq.value), keep_first=True)  # type: ignore[arg-type]
        return await self._capture(int(seq.value), tags)  # type: ignore[arg-type]

    def _just_acked(self, seq: int) -> bool:
        return self._acked is not None and self._acked[0] == seq and time.monotonic() - self._acked[1] < REACK_AFTER_S

    async def _capture(self, seq: int, tags: dict[str, TagValue]) -> Recorded | None:
        if seq == self._stored_seq:
            outcome = Recorded.DUPLICATE  # stored already; only the ack went missing
        else:
            try:
                block = parse_block(self.adapter.device, self.equipment_id, tags)
            except IncompleteResult as exc:
                log.debug("%s: result %d not read: %s", self.adapter.device.name, seq, exc)
                return None
            assert block is not None  # result_ready and result_seq were checked by the caller
            try:
                outcome = await self.writer.store(block)
            except Exception:
                # Neither the database nor the spool took it (disk full, a bug): no ack, so the
                # PLC keeps it published and the next poll tries again.
                log.exception("%s: result %d could not be stored", self.adapter.device.name, seq)
                return None
            self._stored_seq = seq
            _note(self.durable_at, seq)
        try:
            await self.adapter.write("result_ack", seq)  # only now: the result is durable
        except EquipmentError as exc:
            # Not acked: the PLC keeps presenting it, and the next poll acks (the store dedups).
            log.debug("%s: ack of result %d failed: %s", self.adapter.device.name, seq, exc)
            return outcome
        self._acked = (seq, time.monotonic())
        return outcome


def _note(times: dict[int, float], seq: int, keep_first: bool = False) -> None:
    if len(times) >= 100_000:
        times.clear()  # diagnostics only: never let it grow without bound
    if not (keep_first and seq in times):
        times[seq] = time.perf_counter()
