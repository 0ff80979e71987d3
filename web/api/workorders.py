"""Work orders: create, release, list, get, and allocate serials."""

from __future__ import annotations

from flask import g, jsonify, request

from mes.production import serials, workorders
from mes.production.errors import InvalidInput
from mes.security.permissions import Permission
from web.api import bp
from web.api import serialize as out
from web.api.inputs import body, integer, text
from web.api.transaction import read_only, transaction
from web.permissions import requires

STATUSES = ("planned", "released", "in_progress", "on_hold", "completed", "closed")


@bp.get("/work-orders")
@requires(Permission.UNIT_TRACE)
def list_work_orders():  # type: ignore[no-untyped-def]
    """The newest work orders, optionally filtered by ?status= and ?limit=."""
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    limit = request.args.get("limit", "100")
    if not limit.isdigit():
        raise InvalidInput("limit must be a positive integer")
    with read_only() as s:
        return jsonify(work_orders=[out.work_order(s, wo) for wo in workorders.list_work_orders(s, status, int(limit))])


@bp.post("/work-orders")
@requires(Permission.WORK_ORDER_MANAGE)
def create_work_order():  # type: ignore[no-untyped-def]
    """Create a planned work order: {product_gtin, quantity, number?}."""
    data = body()
    gtin, quantity = text(data, "product_gtin", max_len=14), integer(data, "quantity")
    with transaction() as s:
        wo = workorders.create_work_order(s, g.actor, gtin, quantity, text(data, "number", required=False, max_len=40))
        return jsonify(out.work_order(s, wo)), 201


@bp.get("/work-orders/<number>")
@requires(Permission.UNIT_TRACE)
def get_work_order(number: str):  # type: ignore[no-untyped-def]
    """One work order with its unit counts."""
    with read_only() as s:
        return jsonify(out.work_order(s, workorders.get_work_order(s, number)))


@bp.post("/work-orders/<number>/release")
@requires(Permission.WORK_ORDER_MANAGE)
def release_work_order(number: str):  # type: ignore[no-untyped-def]
    """Release a planned work order (its routing version must be approved)."""
    body()
    with transaction() as s:
        return jsonify(out.work_order(s, workorders.release_work_order(s, g.actor, number)))


@bp.post("/work-orders/<number>/serials")
@requires(Permission.WORK_ORDER_MANAGE)
def allocate_serials(number: str):  # type: ignore[no-untyped-def]
    """Allocate {count} new serials to a released work order."""
    count = integer(body(), "count")
    with transaction() as s:
        return jsonify(serials=serials.allocate_serials(s, g.actor, number, count)), 201


@bp.post("/work-orders/<number>/hold")
@requires(Permission.NC_OPEN)
def hold_work_order(number: str):  # type: ignore[no-untyped-def]
    """Hold a work order with a {reason}: no operation starts on its units."""
    reason = text(body(), "reason", max_len=500)
    with transaction() as s:
        return jsonify(out.work_order(s, workorders.hold_work_order(s, g.actor, number, reason)))


@bp.post("/work-orders/<number>/resume")
@requires(Permission.NC_DISPOSITION)
def resume_work_order(number: str):  # type: ignore[no-untyped-def]
    """Lift a work order's hold, with a {reason}."""
    reason = text(body(), "reason", max_len=500)
    with transaction() as s:
        return jsonify(out.work_order(s, workorders.resume_work_order(s, g.actor, number, reason)))
