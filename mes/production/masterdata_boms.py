"""Editing the lines of a draft BOM version: add, change (quantity, capture, operation, substitutes), remove.

An approved BOM version never changes (a new version is drafted instead). Each change is audited old → new
in the caller's transaction: the line itself, and the version's list of lines on the BOM. The approval
signs the lines as edited (masterdata.bom_content).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, audit_changes
from mes.models import Bom, BomLine, Product, Routing, RoutingOperation
from mes.production.common import audit
from mes.production.errors import NotFound
from mes.production.masterdata import BomLineInput, check_bom_line_fields, locked_bom
from mes.production.masterdata_checks import check_bom_lines
from mes.production.masterdata_errors import AlreadyApproved, InvalidMasterData


def draft_bom(session: Session, product_gtin: str, version: int) -> Bom:
    """The BOM version, locked against a concurrent approval, refused unless it is a draft."""
    bom = locked_bom(session, product_gtin, version)
    if bom.approved:
        raise AlreadyApproved(what=f"BOM {product_gtin} v{version}")
    return bom


def bom_summary(bom: Bom) -> str:
    """The version's lines in one line, as the audit trail shows them."""
    return "; ".join(f"{ln.position}: {ln.part_number}×{ln.quantity.normalize()} {ln.capture}"
                     + (f" @{ln.operation_seq}" if ln.operation_seq is not None else "")
                     + (f" (alt {ln.substitutes})" if ln.substitutes else "") for ln in bom.lines)


def add_bom_line(session: Session, actor: AuditActor, product_gtin: str, version: int, line: BomLineInput) -> BomLine:
    """A new component line at the end of a draft BOM version."""
    bom = draft_bom(session, product_gtin, version)
    position = (session.scalar(select(func.max(BomLine.position)).where(BomLine.bom_id == bom.id)) or 0) + 1
    _check(session, bom, line, position, others=list(bom.lines))
    old = bom_summary(bom)
    row = BomLine(bom_id=bom.id, position=position, part_number=line.part_number.strip(), description=line.description,
                  quantity=line.quantity, capture=line.capture, operation_seq=line.operation_seq,
                  substitutes=",".join(s.strip() for s in line.substitutes))
    bom.lines.append(row)
    session.flush()
    audit_changes(session, actor, row, "CREATE")
    _audit_lines(session, actor, product_gtin, bom, old)
    return row


def update_bom_line(session: Session, actor: AuditActor, product_gtin: str, version: int, position: int,
                    line: BomLineInput) -> BomLine:
    """Change a line of a draft BOM version: part, quantity, capture (critical: lot or serial), operation,
    substitutes; each changed field is audited old → new."""
    bom = draft_bom(session, product_gtin, version)
    row = _line(bom, product_gtin, position)
    _check(session, bom, line, position, others=[ln for ln in bom.lines if ln.position != position])
    old = bom_summary(bom)
    row.part_number, row.quantity, row.capture = line.part_number.strip(), line.quantity, line.capture
    row.operation_seq, row.description = line.operation_seq, line.description
    row.substitutes = ",".join(s.strip() for s in line.substitutes)
    audit_changes(session, actor, row, "UPDATE")
    session.flush()
    _audit_lines(session, actor, product_gtin, bom, old)
    return row


def remove_bom_line(session: Session, actor: AuditActor, product_gtin: str, version: int, position: int) -> None:
    """Take a line out of a draft BOM version (the other lines keep their positions)."""
    bom = draft_bom(session, product_gtin, version)
    row = _line(bom, product_gtin, position)
    if len(bom.lines) == 1:
        raise InvalidMasterData("a BOM needs at least one line", "в спецификации нужна хотя бы одна строка")
    old = bom_summary(bom)
    audit_changes(session, actor, row, "DELETE")
    bom.lines.remove(row)
    session.delete(row)
    session.flush()
    _audit_lines(session, actor, product_gtin, bom, old)


def _line(bom: Bom, product_gtin: str, position: int) -> BomLine:
    row = next((ln for ln in bom.lines if ln.position == position), None)
    if row is None:
        raise NotFound("BOM line", f"{product_gtin}/v{bom.version}/{position}")
    return row


def _check(session: Session, bom: Bom, line: BomLineInput, position: int, others: list[BomLine]) -> None:
    check_bom_line_fields(position, line)
    existing = [BomLineInput(ln.part_number, ln.quantity, ln.capture, ln.operation_seq, tuple(ln.substitute_list()))
                for ln in others]
    check_bom_lines(session, [*existing, line], known_parts=False)  # duplicates and substitutes across the version
    check_bom_lines(session, [line], known_parts=True)
    if line.operation_seq is not None:
        _check_operation_seq(session, bom, line.operation_seq)


def _check_operation_seq(session: Session, bom: Bom, seq: int) -> None:
    """The consuming operation is one of the product's routing (any version of its code: a draft may add it)."""
    product = session.get_one(Product, bom.product_id)
    if product.routing_id is None:
        return
    code = session.get_one(Routing, product.routing_id).code
    seqs = set(session.scalars(select(RoutingOperation.seq).join(Routing).where(Routing.code == code)))
    if seq not in seqs:
        raise InvalidMasterData(f"operation {seq} is not an operation of routing {code}",
                                f"операции {seq} нет в маршруте {code}")


def _audit_lines(session: Session, actor: AuditActor, product_gtin: str, bom: Bom, old: str) -> None:
    session.expire(bom, ["lines"])
    audit(session, actor, "UPDATE", "bom", f"{product_gtin}/v{bom.version}", field="lines", old=old,
          new=bom_summary(bom))
