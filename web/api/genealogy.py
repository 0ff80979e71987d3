"""Genealogy: a unit's components (backward) and where a lot or a component serial went (forward)."""

from __future__ import annotations

from flask import jsonify, request

from mes.production import genealogy
from mes.security.permissions import Permission
from web.api import bp
from web.api.transaction import read_only
from web.permissions import requires


@bp.get("/units/<serial>/trace")
@requires(Permission.UNIT_TRACE)
def trace(serial: str):  # type: ignore[no-untyped-def]
    """Backward: every component of the unit, recursively, with lots and suppliers."""
    with read_only() as s:
        return jsonify(genealogy.trace_backward(s, serial))


@bp.get("/units/<serial>/where-used")
@requires(Permission.UNIT_TRACE)
def unit_where_used(serial: str):  # type: ignore[no-untyped-def]
    """Forward from a component serial (a subassembly or a purchased serialized part)."""
    with read_only() as s:
        return jsonify(genealogy.where_used(s, serial=serial))


@bp.get("/lots/<lot>/where-used")
@requires(Permission.UNIT_TRACE)
def lot_where_used(lot: str):  # type: ignore[no-untyped-def]
    """Forward from a material lot (optionally ?part_number=) to every affected unit and work order."""
    with read_only() as s:
        return jsonify(genealogy.where_used(s, lot_number=lot, part_number=request.args.get("part_number")))
