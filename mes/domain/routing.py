"""Routing enforcement (Part 11 §11.10(f)): a unit does its operations in order, at the right station type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mes.domain.errors import DomainError


class OutOfSequence(DomainError):
    code = "out_of_sequence"
    message_en = "This is not the unit's next operation: the next one is {expected}"
    message_ru = "Это не следующая операция изделия: следующая — {expected}"


class WrongStationType(DomainError):
    code = "wrong_station_type"
    message_en = "The operation must be done at a station of type {expected}"
    message_ru = "Операция выполняется на станции типа {expected}"


class UnitOnHold(DomainError):
    code = "unit_on_hold"
    message_en = "The unit is on hold"
    message_ru = "Изделие заблокировано"


class UnitNotInProduction(DomainError):
    code = "unit_not_in_production"
    message_en = "The unit is {status}: no operation can run on it"
    message_ru = "Изделие в статусе «{status}»: операции с ним невозможны"


class OperationAlreadyStarted(DomainError):
    code = "operation_already_started"
    message_en = "Operation {seq} of this unit is already in progress"
    message_ru = "Операция {seq} этого изделия уже выполняется"


class OperationNotStarted(DomainError):
    code = "operation_not_started"
    message_en = "Operation {seq} of this unit is not in progress"
    message_ru = "Операция {seq} этого изделия не начата"


class BadRework(DomainError):
    code = "bad_rework_target"
    kind = "invalid"
    message_en = "The rework target must be an earlier or the same operation of the routing"
    message_ru = "Операция доработки должна быть этой же или более ранней операцией маршрута"


@dataclass(frozen=True)
class Step:
    """One routing operation as the rules see it."""

    seq: int
    station_type: str
    rework_target_seq: int | None = None


@dataclass(frozen=True)
class UnitState:
    """What the rules need to know about a unit."""

    status: str  # allocated, in_progress, completed, scrapped, consumed
    on_hold: bool
    next_seq: int | None  # the operation the unit must do next; None once the routing is done
    open_seq: int | None  # the operation started and not yet completed


ACTIVE_STATUSES = ("allocated", "in_progress")


def first_seq(steps: Sequence[Step]) -> int | None:
    """The first operation of a routing."""
    return min((s.seq for s in steps), default=None)


def seq_after(steps: Sequence[Step], seq: int) -> int | None:
    """The operation that follows `seq`, or None after the last one."""
    return min((s.seq for s in steps if s.seq > seq), default=None)


def step_of(steps: Sequence[Step], seq: int) -> Step:
    """The step with that sequence number (OutOfSequence when the routing has none)."""
    for step in steps:
        if step.seq == seq:
            return step
    raise OutOfSequence(f"no operation {seq}", expected="—")


def check_can_start(steps: Sequence[Step], unit: UnitState, seq: int, station_type: str) -> Step:
    """Raise why the unit may not start operation `seq` at a station of `station_type`, else the step."""
    check_active(unit)
    if unit.open_seq is not None:
        raise OperationAlreadyStarted(seq=unit.open_seq)
    if unit.next_seq != seq:
        raise OutOfSequence(f"requested {seq}", expected=unit.next_seq if unit.next_seq is not None else "—")
    step = step_of(steps, seq)
    if step.station_type != station_type:
        raise WrongStationType(f"station type {station_type}", expected=step.station_type)
    return step


def check_can_complete(unit: UnitState, seq: int) -> None:
    """Raise unless operation `seq` is the one in progress on an active unit."""
    check_active(unit)
    if unit.open_seq != seq:
        raise OperationNotStarted(seq=seq)


def check_active(unit: UnitState) -> None:
    """Raise when the unit is on hold or no longer in production."""
    if unit.status not in ACTIVE_STATUSES:
        raise UnitNotInProduction(status=unit.status)
    if unit.on_hold:
        raise UnitOnHold()


def rework_target(steps: Sequence[Step], failed_seq: int) -> int:
    """Where a unit that failed `failed_seq` goes back to: its defined rework target, else a retest."""
    step = step_of(steps, failed_seq)
    target = step.rework_target_seq if step.rework_target_seq is not None else failed_seq
    if target > failed_seq or all(s.seq != target for s in steps):
        raise BadRework(f"{failed_seq} → {target}")
    return target
