"""The PLC side of the result and interlock handshakes (docs/plc-handshakes.md), as pure state machines."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

UINT32_MAX = 0xFFFF_FFFF


def next_sequence(seq: int) -> int:
    """The sequence number after `seq`: uint32, wraps to 1 because 0 means "nothing issued yet"."""
    return seq % UINT32_MAX + 1


class ResultStatus(IntEnum):
    """result_status values."""

    NONE = 0
    PASS = 1
    FAIL = 2


@dataclass(frozen=True, slots=True)
class Result:
    """One unit's result as the PLC publishes it: sequence, serial, verdict and result_* values."""

    seq: int
    serial: str
    status: ResultStatus
    values: dict[str, Any] = field(default_factory=dict)  # tag name -> value, e.g. result_torque


class ResultChannel:
    """Publishes results one at a time: result_ready stays 1 until the MES acks with its sequence."""

    def __init__(self, last_seq: int = 0, queue_size: int = 4) -> None:
        self.last_seq = last_seq  # retentive: survives reconnects (and restarts via the retain file)
        self.queue_size = queue_size
        self.pending: deque[Result] = deque()
        self.published: Result | None = None

    def issue(self, serial: str, status: ResultStatus, values: dict[str, Any]) -> Result:
        """Give a finished unit its sequence number now, so no number is ever reused for another."""
        self.last_seq = next_sequence(self.last_seq)
        result = Result(self.last_seq, serial, status, dict(values))
        self.pending.append(result)
        return result

    def blocked(self) -> bool:
        """True when one result is published and queue_size more wait: no further cycle may start."""
        return self.unacked() > self.queue_size

    def unacked(self) -> int:
        """Results issued and not yet acknowledged (the published one and those queued)."""
        return len(self.pending) + (self.published is not None)

    def tick(self, ack: int) -> None:
        """See an ack equal to the published sequence, clear ready; publish the next one a tick later."""
        if self.published is not None and ack == self.published.seq:
            self.published = None
            return  # result_ready is served at 0 for at least one scan before the next result
        if self.published is None and self.pending:
            self.published = self.pending.popleft()

    @property
    def ready(self) -> bool:
        """result_ready."""
        return self.published is not None


class Verdict(IntEnum):
    """What became of an interlock request."""

    OK = 1
    NOK = 2
    TIMEOUT = 3


class InterlockChannel:
    """Asks the MES whether a unit may run; waits for an answer with the same sequence, or times out."""

    def __init__(self, timeout_s: float, last_seq: int = 0) -> None:
        self.timeout_s = timeout_s
        self.seq = last_seq
        self.serial = ""
        self.requesting = False
        self._asked_at = 0.0
        self.last_reason = 0

    def request(self, serial: str, now: float) -> int:
        """Raise interlock_request for `serial` under a new interlock_seq."""
        self.seq = next_sequence(self.seq)
        self.serial = serial
        self.requesting = True
        self._asked_at = now
        return self.seq

    def poll(self, answer: int, reason: int, answer_seq: int, now: float) -> Verdict | None:
        """The verdict once the MES answered this request (or the timeout passed); None while waiting."""
        if not self.requesting:
            return None
        if answer_seq == self.seq and answer in (Verdict.OK, Verdict.NOK):
            self.requesting = False
            self.last_reason = reason
            return Verdict(answer)
        if now - self._asked_at >= self.timeout_s:
            self.requesting = False  # a late answer carries the old sequence and is ignored
            return Verdict.TIMEOUT
        return None
