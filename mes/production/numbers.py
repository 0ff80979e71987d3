"""Serial and lot numbers: a per-brand counter that only moves forward, formatted by the brand's scheme."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mes.domain.numbering import format_numbers, scheme_capacity
from mes.models import Brand, NumberCounter
from mes.production.common import today

KINDS = ("serial", "lot")


def next_numbers(session: Session, brand: Brand, kind: str, count: int) -> list[str]:
    """Reserve `count` numbers of the brand; the counter row is locked until the transaction ends."""
    scheme = brand.serial_scheme if kind == "serial" else brand.lot_scheme
    scheme_capacity(scheme)  # a bad scheme fails before the counter moves
    _ensure_counter(session, brand.id, kind)
    last = session.execute(
        update(NumberCounter).where(NumberCounter.brand_id == brand.id, NumberCounter.kind == kind)
        .values(last_value=NumberCounter.last_value + count).returning(NumberCounter.last_value)
    ).scalar_one()
    # Formatting raises SerialExhausted past the scheme's width; the caller's rollback undoes the bump.
    return format_numbers(scheme, last - count + 1, count, today())


def _ensure_counter(session: Session, brand_id: int, kind: str) -> None:
    """Create the counter row on first use; a concurrent creator wins and we use its row."""
    exists = select(NumberCounter.brand_id).filter_by(brand_id=brand_id, kind=kind)
    if session.scalars(exists).first() is not None:
        return
    try:
        with session.begin_nested():
            session.add(NumberCounter(brand_id=brand_id, kind=kind, last_value=0))
    except IntegrityError:
        pass  # another transaction created it between our check and insert: its row serves us too
