"""Pieces shared by the unit DHR and the batch record: header, UDI, signatures, equipment status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.signatures import manifestation, verify_signature
from mes.domain.gs1_scan import to_element_string, to_hri
from mes.models import Bom, ElectronicSignature, Equipment, Product, Routing, Site, WorkOrder

GS = "\x1d"


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601 text, or None."""
    return value.isoformat() if value is not None else None


def site_timezone(session: Session) -> str:
    """The site's time zone for signature manifestations (UTC when no site is configured)."""
    return session.scalars(select(Site.timezone).order_by(Site.id)).first() or "UTC"


def udi(gtin: str, lot: str, serial: str | None) -> dict[str, str]:
    """UDI of a unit (or batch without serial): HRI, element string with GS, and a printable form."""
    fields = {"01": gtin, "10": lot, **({"21": serial} if serial else {})}
    data = to_element_string(fields)
    return {"udi_di": gtin, "hri": to_hri(fields), "element_string": data,
            "element_string_printable": data.replace(GS, "<GS>")}


def header(session: Session, wo: WorkOrder) -> dict[str, Any]:
    """Work order, product, routing and BOM versions: what every record starts with."""
    product = session.get_one(Product, wo.product_id)
    routing = session.get_one(Routing, wo.routing_id)
    bom = session.get(Bom, wo.bom_id) if wo.bom_id is not None else None
    return {
        "work_order": wo.number, "lot": wo.lot_number, "status": wo.status, "quantity_ordered": wo.quantity,
        "product": {"gtin": product.gtin, "model": product.model, "revision": product.revision,
                    "registration_number": product.registration_number},
        "routing": {"code": routing.code, "version": routing.version, "approved": routing.approved},
        "bom_version": bom.version if bom is not None else None,
        "created_at": iso(wo.created_at), "released_to_floor_at": iso(wo.released_at),
        "completed_at": iso(wo.completed_at),
    }


def equipment_status(equipment: Equipment | None, at: datetime) -> dict[str, Any] | None:
    """Equipment used and whether its calibration was in date on the day of use.

    Only the current due date is stored (no calibration history yet): a due date moved later by a
    recalibration cannot show that the equipment was overdue at the time. Stated in the record.
    """
    if equipment is None:
        return None
    due = equipment.calibration_due
    status = "not_required" if due is None else ("valid" if due >= at.date() else "expired")
    return {"code": equipment.code, "name": equipment.name, "calibration_due": iso(due),
            "calibration_status": status}


def signature_rows(session: Session, refs: list[tuple[str, str, dict[str, Any] | None]], tz: str,
                   language: str) -> list[dict[str, Any]]:
    """Signatures on (entity, entity_id), each with its manifestation and validity against `content`."""
    if not refs:
        return []
    wanted = {(entity, entity_id): content for entity, entity_id, content in refs}
    ids = sorted({entity_id for _, entity_id, _ in refs})
    rows = []
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        query = select(ElectronicSignature).where(ElectronicSignature.entity_id.in_(chunk))
        rows.extend(sig for sig in session.scalars(query) if (sig.entity, sig.entity_id) in wanted)
    out = []
    for sig in sorted(rows, key=lambda s: s.id):
        content = wanted[(sig.entity, sig.entity_id)]
        out.append({"id": sig.id, "entity": sig.entity, "entity_id": sig.entity_id, "meaning": sig.meaning,
                    "signer": sig.signer_name, "signed_at": iso(sig.signed_at), "reason": sig.reason,
                    "manifestation": manifestation(sig, tz, language),
                    "valid": None if content is None else verify_signature(sig, content)})
    return out
