"""Production master data: routing approval, data collection plans, rework targets and BOMs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.limits import Limits
from mes.domain.routing import rework_target
from mes.models import Bom, BomLine, MeasurementSpec, Product, Routing, RoutingOperation, utcnow
from mes.production.common import as_steps, audit, get_by, routing_steps
from mes.production.errors import InvalidInput


@dataclass(frozen=True)
class SpecInput:
    """One item of a data collection plan."""

    name: str
    unit: str
    low: float | None = None
    high: float | None = None
    source_tag: str | None = None  # None: entered by hand
    required: bool = True


@dataclass(frozen=True)
class BomLineInput:
    """One component line of a BOM."""

    part_number: str
    quantity: Decimal
    capture: str = "none"
    operation_seq: int | None = None
    substitutes: Sequence[str] = field(default_factory=tuple)
    description: str = ""


def approve_routing(session: Session, actor: AuditActor, code: str, version: int, reason: str) -> Routing:
    """Approve a routing version so work orders on it can be released."""
    routing = get_by(session, Routing, "Routing", code=code, version=version)
    if not routing.approved:
        audit(session, actor, "UPDATE", "routing", f"{code}/v{version}", field="approved", old=False, new=True,
              reason=reason)
        routing.approved, routing.approved_at = True, utcnow()
    return routing


def operation_of(session: Session, code: str, version: int, seq: int) -> RoutingOperation:
    """The operation `seq` of a routing version."""
    routing = get_by(session, Routing, "Routing", code=code, version=version)
    return get_by(session, RoutingOperation, "Routing operation", routing_id=routing.id, seq=seq)


def set_measurement_plan(session: Session, actor: AuditActor, operation: RoutingOperation,
                         specs: Sequence[SpecInput]) -> list[MeasurementSpec]:
    """Define the data collection plan of an operation of a routing not yet approved."""
    _editable(session, operation)
    for spec in specs:
        Limits(spec.low, spec.high)  # crossed limits are refused here, not at the first measurement
    existing = {s.name: s for s in session.scalars(select(MeasurementSpec).filter_by(
        routing_operation_id=operation.id))}
    rows = []
    for spec in specs:
        row = existing.get(spec.name) or MeasurementSpec(routing_operation_id=operation.id, name=spec.name)
        row.unit, row.low, row.high = spec.unit, spec.low, spec.high
        row.source_tag, row.required = spec.source_tag, spec.required
        session.add(row)
        rows.append(row)
    session.flush()
    plan = "; ".join(f"{s.name} [{s.low}..{s.high}] {s.unit}" for s in specs)
    audit(session, actor, "UPDATE", "routing_operation", operation.id, field="measurement_plan", new=plan)
    return rows


def set_rework_target(session: Session, actor: AuditActor, operation: RoutingOperation, target_seq: int | None) -> None:
    """Say where a unit failing this operation is reworked from (an earlier or the same operation)."""
    _editable(session, operation)
    old = operation.rework_target_seq
    operation.rework_target_seq = target_seq
    rework_target(as_steps(routing_steps(session, operation.routing_id)), operation.seq)  # validates
    audit(session, actor, "UPDATE", "routing_operation", operation.id, field="rework_target_seq", old=old,
          new=target_seq)


def _editable(session: Session, operation: RoutingOperation) -> None:
    if session.get_one(Routing, operation.routing_id).approved:
        raise InvalidInput("an approved routing version cannot change: make a new version")


def create_bom(session: Session, actor: AuditActor, product_gtin: str, lines: Sequence[BomLineInput],
               approve: bool = False) -> Bom:
    """A new BOM version of the product (the next version number), optionally approved at once."""
    product = get_by(session, Product, "Product", gtin=product_gtin)
    if not lines:
        raise InvalidInput("a BOM needs at least one line")
    version = (session.scalar(select(func.max(Bom.version)).where(Bom.product_id == product.id)) or 0) + 1
    bom = Bom(product_id=product.id, version=version, approved=approve)
    for position, line in enumerate(lines, start=1):
        if line.capture not in ("none", "lot", "serial") or line.quantity <= 0:
            raise InvalidInput(f"BOM line {position}: capture none/lot/serial and a positive quantity")
        bom.lines.append(BomLine(position=position, part_number=line.part_number, description=line.description,
                                 quantity=line.quantity, capture=line.capture, operation_seq=line.operation_seq,
                                 substitutes=",".join(line.substitutes)))
    session.add(bom)
    session.flush()
    audit(session, actor, "CREATE", "bom", f"{product_gtin}/v{version}",
          new="; ".join(f"{ln.part_number}×{ln.quantity} {ln.capture}" for ln in lines))
    return bom
