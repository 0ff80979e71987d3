"""Material lots: receive, get, release, quarantine."""

from __future__ import annotations

from flask import g, jsonify

from mes.models import MaterialLot
from mes.production import materials
from mes.production.common import get_by
from mes.security.permissions import Permission
from web.api import bp
from web.api import serialize as out
from web.api.inputs import body, decimal, iso_date, text
from web.api.transaction import read_only, transaction
from web.permissions import requires


@bp.post("/material-lots")
@requires(Permission.MATERIAL_RECEIVE)
def receive_lot():  # type: ignore[no-untyped-def]
    """Receive a lot into quarantine."""
    data = body()
    receipt = materials.LotReceipt(
        part_number=text(data, "part_number", max_len=60), lot_number=text(data, "lot_number", max_len=40),
        supplier=text(data, "supplier"), country_of_origin=text(data, "country_of_origin", max_len=2),
        quantity=decimal(data, "quantity"), expiry=iso_date(data, "expiry"),
        gtin=text(data, "gtin", required=False, max_len=14))
    with transaction() as s:
        return jsonify(out.material_lot(materials.receive_lot(s, g.actor, receipt))), 201


@bp.get("/material-lots/<int:lot_id>")
@requires(Permission.UNIT_TRACE)
def get_lot(lot_id: int):  # type: ignore[no-untyped-def]
    """One material lot."""
    with read_only() as s:
        return jsonify(out.material_lot(get_by(s, MaterialLot, "Material lot", id=lot_id)))


@bp.post("/material-lots/<int:lot_id>/release")
@requires(Permission.NC_DISPOSITION)
def release_lot(lot_id: int):  # type: ignore[no-untyped-def]
    """Release a quarantined lot, with an optional {reason}."""
    reason = text(body(), "reason", required=False, max_len=500)
    with transaction() as s:
        return jsonify(out.material_lot(materials.release_lot(s, g.actor, lot_id, reason)))


@bp.post("/material-lots/<int:lot_id>/quarantine")
@requires(Permission.NC_OPEN)
def quarantine_lot(lot_id: int):  # type: ignore[no-untyped-def]
    """Quarantine a released lot, with a {reason}."""
    reason = text(body(), "reason", max_len=500)
    with transaction() as s:
        return jsonify(out.material_lot(materials.quarantine_lot(s, g.actor, lot_id, reason)))
