"""Units: get, start and complete operations, record measurements, scan components, rework and scrap."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from mes.models import Unit
from mes.production import components, execution, quality
from mes.production.common import get_by
from mes.production.errors import InvalidInput
from mes.production.measurements import MeasurementInput, parse_measurement, record_measurements
from mes.security.permissions import Permission
from web.api import bp
from web.api import serialize as out
from web.api.inputs import body, boolean, decimal, text
from web.api.transaction import read_only, transaction
from web.permissions import requires


@bp.get("/units/<serial>")
@requires(Permission.UNIT_TRACE)
def get_unit(serial: str):  # type: ignore[no-untyped-def]
    """A unit with its operations, measurements and nonconformances."""
    with read_only() as s:
        return jsonify(out.unit(s, get_by(s, Unit, "Unit", serial=serial)))


@bp.post("/units/<serial>/operations/<int:seq>/start")
@requires(Permission.UNIT_OPERATE)
def start_operation(serial: str, seq: int):  # type: ignore[no-untyped-def]
    """Start operation `seq` at {station, equipment?}."""
    data = body()
    station, equipment = text(data, "station", max_len=40), text(data, "equipment", required=False, max_len=60)
    with transaction() as s:
        record = execution.start_operation(s, g.actor, serial, seq, station, equipment)
        return jsonify(out.operation(s, record)), 201


@bp.post("/units/<serial>/operations/<int:seq>/complete")
@requires(Permission.UNIT_OPERATE)
def complete_operation(serial: str, seq: int):  # type: ignore[no-untyped-def]
    """Complete the operation in progress with {measurements?, failed?}; the result comes back."""
    data = body()
    items, failed = _measurements(data, required=False), boolean(data, "failed")
    with transaction() as s:
        record = execution.complete_operation(s, g.actor, serial, seq, items, failed)
        return jsonify(out.operation(s, record))


@bp.post("/units/<serial>/measurements")
@requires(Permission.UNIT_OPERATE)
def add_measurements(serial: str):  # type: ignore[no-untyped-def]
    """Record {measurements: [{name, value, manual?}]} on the operation in progress."""
    items = _measurements(body(), required=True)
    with transaction() as s:
        rows = record_measurements(s, g.actor, serial, items)
        return jsonify(measurements=[out.measurement(m) for m in rows]), 201


def _measurements(data: dict[str, Any], required: bool) -> list[MeasurementInput]:
    raw = data.get("measurements", None if required else [])
    if not isinstance(raw, list) or (required and not raw):
        raise InvalidInput("measurements must be a list of {name, value, manual?}")
    return [parse_measurement(item) for item in raw]


@bp.post("/units/<serial>/components")
@requires(Permission.UNIT_OPERATE)
def consume_component(serial: str):  # type: ignore[no-untyped-def]
    """Build the scanned component {scan, quantity?} into the unit."""
    data = body()
    scan, quantity = text(data, "scan", max_len=200), decimal(data, "quantity", required=False)
    with transaction() as s:
        return jsonify(out.consumption(components.consume_component(s, g.actor, serial, scan, quantity))), 201


@bp.post("/units/<serial>/rework")
@requires(Permission.NC_DISPOSITION)
def rework(serial: str):  # type: ignore[no-untyped-def]
    """Disposition the open nonconformance as rework, with a {reason}."""
    reason = text(body(), "reason", max_len=500)
    with transaction() as s:
        return jsonify(out.unit(s, quality.rework_unit(s, g.actor, serial, reason)))


@bp.post("/units/<serial>/scrap")
@requires(Permission.NC_DISPOSITION)
def scrap(serial: str):  # type: ignore[no-untyped-def]
    """Scrap the unit, with a {reason}."""
    reason = text(body(), "reason", max_len=500)
    with transaction() as s:
        return jsonify(out.unit(s, quality.scrap_unit(s, g.actor, serial, reason)))
