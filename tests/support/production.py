"""Production scenario helpers: the demo PM-100 and its board, driven through the services."""

from __future__ import annotations

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.production.components import consume_component
from mes.production.demo_data import BATTERY, BOARD, PM100, install_demo_production
from mes.production.execution import complete_operation, start_operation
from mes.production.measurements import MeasurementInput
from mes.production.serials import allocate_serials
from mes.production.workorders import create_work_order, release_work_order

ACTOR = AuditActor(None, "Test Operator", "pytest")
GS = "\x1d"
STATIONS = {10: "SCR01", 20: "EST01", 30: "FT01", 40: "MARK01"}
GOOD = {
    10: {"torque": 2.0, "angle": 300.0},
    20: {"pe_resistance": 0.05, "touch_current": 40.0},
    30: {"supply_current": 250.0, "rail_3v3": 3.3},
    40: {"grade": 4.0},
}
SCREWS = "MES1|PN:SCR-M3X8|LOT:S-77"
MCU = "MES1|PN:MCU-32|LOT:M-2611"


def battery_scan(serial: str, lot: str = "B2611") -> str:
    """A GS1 DataMatrix scan of a battery pack: GTIN, lot, serial."""
    return f"]d201{BATTERY}10{lot}{GS}21{serial}"


def values(seq: int, **override: float) -> list[MeasurementInput]:
    """Good measurements of an operation, with some replaced."""
    return [MeasurementInput(name, override.get(name, value)) for name, value in GOOD[seq].items()]


def install(sessions) -> None:  # type: ignore[no-untyped-def]
    """The demo production master data on the seeded test database."""
    with unit_of_work(sessions) as s:
        install_demo_production(s, ACTOR)


def released_order(sessions, gtin: str = PM100, quantity: int = 5, serials: int = 0) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """A released work order and `serials` serials allocated to it."""
    with unit_of_work(sessions) as s:
        number = create_work_order(s, ACTOR, gtin, quantity).number
        release_work_order(s, ACTOR, number)
        allocated = allocate_serials(s, ACTOR, number, serials) if serials else []
    return number, allocated


def run_op(sessions, serial: str, seq: int, station: str | None = None, scans: tuple[str, ...] = (),  # type: ignore[no-untyped-def]
           **override: float):
    """Start, scan components, record measurements and complete one operation in separate transactions."""
    with unit_of_work(sessions) as s:
        start_operation(s, ACTOR, serial, seq, station or STATIONS[seq])
    for scan in scans:
        with unit_of_work(sessions) as s:
            consume_component(s, ACTOR, serial, scan)
    with unit_of_work(sessions) as s:
        return complete_operation(s, ACTOR, serial, seq, values(seq, **override))


def finished_board(sessions) -> str:  # type: ignore[no-untyped-def]
    """A main board built and tested: ready to go into a PM-100."""
    _, (serial,) = released_order(sessions, BOARD, 1, 1)
    with unit_of_work(sessions) as s:
        start_operation(s, ACTOR, serial, 10, "FT01")
    with unit_of_work(sessions) as s:
        consume_component(s, ACTOR, serial, MCU)
        complete_operation(s, ACTOR, serial, 10, [MeasurementInput("supply_current", 120.0)])
    return serial


def build_pm100(sessions, serial: str, battery: str) -> str:  # type: ignore[no-untyped-def]
    """Run a PM-100 through every operation with good values; returns its board serial."""
    board = finished_board(sessions)
    run_op(sessions, serial, 10, scans=(board, battery_scan(battery), SCREWS))
    for seq in (20, 30, 40):
        run_op(sessions, serial, seq)
    return board
