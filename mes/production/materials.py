"""Material lots: receive into quarantine, release for use, quarantine again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.gs1 import gtin_check_digit_ok
from mes.models import MaterialLot
from mes.production.common import audit
from mes.production.errors import DuplicateLot, InvalidInput, NotFound, WrongLotStatus


@dataclass(frozen=True)
class LotReceipt:
    """What goods receipt knows about a lot."""

    part_number: str
    lot_number: str
    supplier: str
    country_of_origin: str
    quantity: Decimal
    expiry: date | None = None
    gtin: str | None = None


def receive_lot(session: Session, actor: AuditActor, receipt: LotReceipt) -> MaterialLot:
    """Receive a lot; it starts quarantined until quality releases it."""
    _validate(receipt)
    existing = session.scalars(select(MaterialLot).filter_by(
        part_number=receipt.part_number, lot_number=receipt.lot_number)).one_or_none()
    if existing is not None:
        raise DuplicateLot(lot=receipt.lot_number, part=receipt.part_number)
    lot = MaterialLot(part_number=receipt.part_number, lot_number=receipt.lot_number, supplier=receipt.supplier,
                      country_of_origin=receipt.country_of_origin.upper(), expiry=receipt.expiry,
                      gtin=receipt.gtin, quantity_received=receipt.quantity, quantity_on_hand=receipt.quantity,
                      status="quarantined")
    session.add(lot)
    session.flush()
    audit(session, actor, "CREATE", "material_lot", lot.id, new=f"{lot.part_number}/{lot.lot_number} "
          f"qty {lot.quantity_received} from {lot.supplier} ({lot.country_of_origin})")
    return lot


def _validate(receipt: LotReceipt) -> None:
    if not receipt.part_number or not receipt.lot_number or not receipt.supplier:
        raise InvalidInput("part_number, lot_number and supplier are required")
    if len(receipt.country_of_origin) != 2 or not receipt.country_of_origin.isalpha():
        raise InvalidInput("country_of_origin must be an ISO 3166 two-letter code")
    if not receipt.quantity.is_finite() or receipt.quantity <= 0:
        raise InvalidInput("quantity must be positive")
    if receipt.gtin is not None and (len(receipt.gtin) != 14 or not gtin_check_digit_ok(receipt.gtin)):
        raise InvalidInput("gtin must be a valid GTIN-14")


def release_lot(session: Session, actor: AuditActor, lot_id: int, reason: str | None = None) -> MaterialLot:
    """Release a quarantined lot for production."""
    return _set_status(session, actor, lot_id, "released", allowed_from=("quarantined",), reason=reason)


def quarantine_lot(session: Session, actor: AuditActor, lot_id: int, reason: str) -> MaterialLot:
    """Put a lot back in quarantine; consumption stops at once."""
    if not reason:
        raise InvalidInput("a reason is required")
    return _set_status(session, actor, lot_id, "quarantined", allowed_from=("released",), reason=reason)


def _set_status(session: Session, actor: AuditActor, lot_id: int, status: str, allowed_from: tuple[str, ...],
                reason: str | None) -> MaterialLot:
    lot = session.get(MaterialLot, lot_id, with_for_update=True)
    if lot is None:
        raise NotFound("Material lot", lot_id)
    if lot.status not in allowed_from:
        raise WrongLotStatus(lot=lot.lot_number, status=lot.status)
    audit(session, actor, "UPDATE", "material_lot", lot.id, field="status", old=lot.status, new=status,
          reason=reason)
    lot.status = status
    return lot


def find_lots(session: Session, lot_number: str, part_number: str | None = None) -> list[MaterialLot]:
    """Lots with that number (lot numbers are the supplier's, so two parts may share one)."""
    query = select(MaterialLot).where(MaterialLot.lot_number == lot_number)
    if part_number:
        query = query.where(MaterialLot.part_number == part_number)
    return list(session.scalars(query.order_by(MaterialLot.id)))
