"""QA review of batch exceptions and batch release for distribution, both e-signed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.compliance.signatures import SignatureMeaning, require_two_persons
from mes.models import AuditEvent, BatchRelease, ExceptionReview, Unit, WorkOrder, utcnow
from mes.production.common import audit, lock_work_order
from mes.production.errors import InvalidInput
from mes.quality.errors import ExceptionsOpen, NotReleasable, ReleaseQuantityInvalid, UnknownException
from mes.quality.esign import sign_record
from mes.quality.exceptions import BatchException, batch_exceptions, open_exceptions
from mes.security.permissions import Permission


def review_exception(session: Session, actor: AuditActor, number: str, key: str, decision: str,
                     password: str, username: str | None = None) -> ExceptionReview:
    """Record QA's decision on one exception of the batch record, signed "reviewed"."""
    if not decision or len(decision) > 1000:
        raise InvalidInput("decision must be 1 to 1000 characters")
    wo = lock_work_order(session, number)
    exc = next((e for e in batch_exceptions(session, wo) if e.key == key), None)
    if exc is None:
        raise UnknownException(number=number, key=key)
    if not exc.open:
        raise InvalidInput(f"exception {key} is already closed")
    content = review_content(number, exc, decision)
    signature = sign_record(session, actor, password, SignatureMeaning.REVIEWED, "exception_review",
                            f"{number}/{key}", content, Permission.BATCH_REVIEW, reason=decision, username=username)
    review = ExceptionReview(work_order_id=wo.id, exception_key=key, decision=decision, reviewer_id=actor.user_id,
                             signature_id=signature.id, reviewed_at=utcnow())
    session.add(review)
    session.flush()
    audit(session, actor, "REVIEW", "work_order", number, field=key, new=decision)
    return review


def review_content(number: str, exc: BatchException, decision: str) -> dict[str, Any]:
    """What a review signature covers."""
    return {"work_order": number, "exception": exc.key, "kind": exc.kind, "serial": exc.serial,
            "detail": exc.detail, "decision": decision}


def good_units(session: Session, wo: WorkOrder) -> int:
    """Completed units not on hold: the most that can be released."""
    query = select(func.count()).where(Unit.work_order_id == wo.id, Unit.status == "completed", ~Unit.on_hold)
    return session.scalar(query) or 0


def creator_id(session: Session, wo: WorkOrder) -> int | None:
    """Who created the work order, from its CREATE audit entry (the trail is where authorship lives)."""
    query = select(AuditEvent.user_id).where(AuditEvent.entity == "work_order", AuditEvent.entity_id == wo.number,
                                             AuditEvent.action == "CREATE").order_by(AuditEvent.id)
    return session.scalars(query).first()


def release_content(wo: WorkOrder, quantity: int) -> dict[str, Any]:
    """What a release signature covers (the reviews it relied on carry their own signatures)."""
    return {"work_order": wo.number, "lot": wo.lot_number, "product_id": wo.product_id, "quantity": wo.quantity,
            "quantity_released": quantity}


def release_batch(session: Session, actor: AuditActor, number: str, password: str,
                  quantity: int | None = None, username: str | None = None) -> BatchRelease:
    """QA release for distribution, signed "released": refused while any exception is open.

    Two-person rule: the releaser needs the batch.release permission and is not who created the order.
    """
    wo = lock_work_order(session, number)
    if wo.status != "completed":
        raise NotReleasable(number=number, status=wo.status)
    still_open = [e.key for e in batch_exceptions(session, wo) if e.open]
    if still_open:
        raise ExceptionsOpen(still_open)
    good = good_units(session, wo)
    quantity = good if quantity is None else quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= good:
        raise ReleaseQuantityInvalid(good=good)
    require_two_persons(creator_id(session, wo), actor.user_id)
    signature = sign_record(session, actor, password, SignatureMeaning.RELEASED, "work_order", number,
                            release_content(wo, quantity), Permission.BATCH_RELEASE,
                            reason=f"released {quantity} of {wo.quantity}", username=username)
    release = BatchRelease(work_order_id=wo.id, quantity_released=quantity, released_by_id=actor.user_id,
                           signature_id=signature.id, released_at=utcnow())
    session.add(release)
    audit(session, actor, "UPDATE", "work_order", number, field="status", old=wo.status, new="closed",
          reason=f"QA release of {quantity}")
    wo.status = "closed"
    session.flush()
    return release


__all__ = ["good_units", "open_exceptions", "release_batch", "release_content", "review_content",
           "review_exception"]
