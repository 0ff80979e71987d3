"""Measurement limit checks: a value passes when it lies within its inclusive limits."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mes.domain.errors import DomainError


class BadLimits(DomainError):
    code = "bad_limits"
    kind = "invalid"
    message_en = "The low limit is above the high limit"
    message_ru = "Нижний предел больше верхнего"


class BadMeasurement(DomainError):
    code = "bad_measurement"
    kind = "invalid"
    message_en = "The measured value is not a finite number"
    message_ru = "Измеренное значение не является конечным числом"


@dataclass(frozen=True)
class Limits:
    """Inclusive limits; None means open on that side."""

    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise BadLimits(f"{self.low} > {self.high}")


def within_limits(value: float, limits: Limits) -> bool:
    """True when the value is finite and within the limits (boundaries pass)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadMeasurement(repr(value))
    if limits.low is not None and value < limits.low:
        return False
    return limits.high is None or value <= limits.high
