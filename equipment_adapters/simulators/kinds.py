"""What each kind of machine measures (DOMAIN.md §9): recipe parameters, limits, values, alarms."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ATMOSPHERE_PA = 101_325.0
Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Spec:
    """One measured value: nominal, spread and the limits the unit must meet."""

    name: str
    nominal: float
    sigma: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Kind:
    """A machine kind: its parameter block (defaults) and how it measures a unit."""

    parameters: Params
    specs: Callable[[Params], list[Spec]]
    alarms: dict[int, str]  # code -> "held" or "aborted": how the machine reacts
    derive: Callable[[dict[str, Any], Params], dict[str, Any]] = field(default=lambda values, params: {})
    # Kinds whose result is not a set of numbers within limits (laser marking) measure themselves.
    special: Callable[[random.Random, Params, str, bool], tuple[dict[str, Any], bool]] | None = None


def draw(rng: random.Random, spec: Spec) -> float:
    """A value from N(nominal, sigma) kept inside the limits: a good unit."""
    for _ in range(20):
        value = rng.gauss(spec.nominal, spec.sigma)
        if spec.low <= value <= spec.high:
            return value
    return (spec.low + spec.high) / 2


def out_of_spec(rng: random.Random, spec: Spec) -> float:
    """A value beyond one of the limits (the high one when the low limit is zero: leak, current)."""
    span = spec.high - spec.low
    beyond = rng.uniform(0.05, 0.5) * span
    if spec.low <= 0 or rng.random() < 0.5:
        return spec.high + beyond
    return spec.low - beyond


def measure(
    kind: Kind, rng: random.Random, params: Params, serial: str, defective: bool
) -> tuple[dict[str, Any], bool]:
    """Measured values keyed by result tag name, and whether every value is within its limits."""
    if kind.special is not None:
        return kind.special(rng, params, serial, defective)
    specs = kind.specs(params)
    broken = rng.randrange(len(specs)) if defective else -1
    values: dict[str, Any] = {}
    passed = True
    for index, spec in enumerate(specs):
        value = out_of_spec(rng, spec) if index == broken else draw(rng, spec)
        passed = passed and spec.low <= value <= spec.high
        values[f"result_{spec.name}"] = round(value, 4)
    values.update(kind.derive(values, params))
    return values, passed


def _screwing(p: Params) -> list[Spec]:
    tol = p["torque_tolerance"]
    mid_angle = (p["angle_min"] + p["angle_max"]) / 2
    return [
        Spec("torque", p["target_torque"], tol / 4, p["target_torque"] - tol, p["target_torque"] + tol),
        Spec("angle", mid_angle, (p["angle_max"] - p["angle_min"]) / 10, p["angle_min"], p["angle_max"]),
    ]


def _leak(p: Params) -> list[Spec]:
    pressure = p["test_pressure"]
    limit = p["max_leak_rate"]
    return [
        Spec("fill_pressure", pressure, pressure * 0.003, pressure * 0.98, pressure * 1.02),
        Spec("leak_rate", limit * 0.3, limit * 0.12, 0.0, limit),
    ]


def _leak_delta_p(values: dict[str, Any], p: Params) -> dict[str, Any]:
    # Pressure decay from Q = ΔP·V/t (sccm): ΔP [Pa] = Q · t · P_atm / (V [cm³] · 60 s/min)
    delta_p = values["result_leak_rate"] * p["test_time"] * ATMOSPHERE_PA / (p["test_volume"] * 60)
    return {"result_delta_p": round(delta_p, 3)}


def _electrical_safety(p: Params) -> list[Spec]:
    kv, trip, touch = p["hipot_voltage"], p["hipot_trip_current"], p["touch_current_limit"]
    return [
        Spec("pe_resistance", p["pe_limit"] * 0.4, p["pe_limit"] * 0.1, 0.0, p["pe_limit"]),
        Spec("hipot_voltage", kv, kv * 0.005, kv * 0.97, kv * 1.03),
        Spec("hipot_current", trip * 0.25, trip * 0.06, 0.0, trip),
        Spec("touch_current", touch * 0.3, touch * 0.08, 0.0, touch),
    ]


def _functional(p: Params) -> list[Spec]:
    i_max, alarm_min = p["supply_current_max"], p["alarm_level_min"]
    return [
        Spec("supply_current", i_max * 0.7, i_max * 0.05, i_max * 0.2, i_max),
        Spec("rail_3v3", 3.3, 0.02, 3.2, 3.4),
        Spec("rail_5v0", 5.0, 0.03, 4.85, 5.15),
        Spec("alarm_level", alarm_min + 12, 2.0, alarm_min, alarm_min + 30),
    ]


def _mark(rng: random.Random, p: Params, serial: str, defective: bool) -> tuple[dict[str, Any], bool]:
    # The MES may download the exact string; otherwise the laser composes (01) GTIN + (21) serial,
    # both fixed/last so no GS separator is needed.
    data = p["mark_data"] or f"01{p['gtin']}21{serial}"
    min_grade = int(p["min_grade"])
    grade = max(rng.choice((4, 4, 4, 3, 3, 2)), min_grade)  # ISO/IEC 15415: 4 A, 3 B, 2 C, 1 D, 0 F
    readback = data
    if defective and min_grade > 0 and rng.random() < 0.5:
        grade = min_grade - 1
    elif defective:
        at = rng.randrange(len(data))
        readback = data[:at] + ("X" if data[at] != "X" else "Y") + data[at + 1 :]
    passed = readback == data and grade >= min_grade
    return {"result_mark_data": data, "result_readback": readback, "result_grade": grade}, passed


KINDS: dict[str, Kind] = {
    "torque_screwing": Kind(
        {"program": 1, "target_torque": 1.2, "torque_tolerance": 0.1,
         "angle_min": 600.0, "angle_max": 1500.0},
        _screwing,
        {201: "aborted", 202: "held"},  # 201 spindle overcurrent, 202 screw feeder empty
    ),
    "leak_test": Kind(
        {"test_pressure": 200.0, "test_time": 10.0, "test_volume": 50.0, "max_leak_rate": 0.5},
        _leak,
        {301: "held", 302: "aborted"},  # 301 fill pressure not reached, 302 valve fault
        _leak_delta_p,
    ),
    "electrical_safety": Kind(
        {"pe_limit": 0.1, "hipot_voltage": 1.5, "hipot_trip_current": 5.0, "touch_current_limit": 100.0},
        _electrical_safety,
        {501: "held", 502: "aborted"},  # 501 fixture contact open, 502 HV interlock open
    ),
    "functional_test": Kind(
        {"program": 1, "supply_voltage": 12.0, "supply_current_max": 450.0, "alarm_level_min": 45.0},
        _functional,
        {601: "held", 602: "aborted"},  # 601 fixture not closed, 602 instrument link lost
    ),
    "laser_marking": Kind(
        {"gtin": "04607123000014", "mark_data": "", "min_grade": 2},
        lambda p: [],
        {401: "aborted", 402: "held"},  # 401 laser source fault, 402 fume extraction low
        special=_mark,
    ),
}
