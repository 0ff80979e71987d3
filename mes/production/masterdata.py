"""Production master data: routing versions and their e-signed approval, data collection plans, rework
targets and BOMs (docs/master-data.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, audit_changes
from mes.domain.limits import Limits
from mes.domain.routing import rework_target
from mes.models import Bom, BomLine, MeasurementSpec, Product, Recipe, Routing, RoutingOperation, utcnow
from mes.production.common import as_steps, audit, get_by, routing_steps
from mes.production.errors import InvalidInput, NotFound
from mes.production.masterdata_errors import AlreadyApproved, DraftExists, InvalidMasterData
from mes.production.masterdata_signing import sign_approval
from mes.security.permissions import Permission

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,39}")
STATION_TYPE = re.compile(r"[a-z][a-z0-9_]{0,59}")


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
class OperationInput:
    """One operation of a new routing version."""

    seq: int
    name: str
    station_type: str
    required_qualification: str | None = None
    recipe_code: str | None = None


@dataclass(frozen=True)
class BomLineInput:
    """One component line of a BOM."""

    part_number: str
    quantity: Decimal
    capture: str = "none"
    operation_seq: int | None = None
    substitutes: Sequence[str] = field(default_factory=tuple)
    description: str = ""


def routing_content(session: Session, routing: Routing) -> dict[str, Any]:
    """What a routing approval signs: every operation with its plan, rework target, qualification, recipe."""
    operations = []
    for op in routing_steps(session, routing.id):
        plan = session.scalars(select(MeasurementSpec).filter_by(routing_operation_id=op.id)
                               .order_by(MeasurementSpec.name))
        recipe = session.get(Recipe, op.recipe_id) if op.recipe_id is not None else None
        operations.append({
            "seq": op.seq, "name": op.name, "station_type": op.station_type,
            "rework_target_seq": op.rework_target_seq, "required_qualification": op.required_qualification,
            "recipe": recipe.code if recipe else None,
            "plan": [{"name": m.name, "unit": m.unit, "low": m.low, "high": m.high, "source_tag": m.source_tag,
                      "required": m.required} for m in plan]})
    return {"code": routing.code, "version": routing.version, "operations": operations}


def approve_routing(session: Session, actor: AuditActor, code: str, version: int, reason: str | None = None,
                    password: str | None = None, username: str | None = None) -> Routing:
    """Approve a routing version so work orders on it can be released; its products move to it.

    A person signs "approved" with a password re-entry and must not be the version's author. The
    system actor (site-file import, `mes production demo-data`) approves without a signature: no
    person signs there, and the audit entry says so.
    """
    routing = get_by(session, Routing, "Routing", code=code, version=version)
    if routing.approved:
        if actor.user_id is None:
            return routing  # re-running an import changes nothing
        raise AlreadyApproved(what=f"{code} v{version}")
    if actor.user_id is not None:
        signature = sign_approval(session, actor, password=password or "", entity="routing",
                                  entity_id=f"{code}/v{version}", content=routing_content(session, routing),
                                  permission=Permission.ROUTING_APPROVE, author_id=routing.created_by_id,
                                  reason=reason, username=username)
        routing.signature_id, routing.approved_by_id = signature.id, actor.user_id
    audit(session, actor, "UPDATE", "routing", f"{code}/v{version}", field="approved", old=False, new=True,
          reason=reason if actor.user_id is not None else f"unsigned system import: {reason}")
    routing.approved, routing.approved_at = True, utcnow()
    _move_products(session, actor, routing)
    return routing


def _move_products(session: Session, actor: AuditActor, routing: Routing) -> None:
    """Products made on an older version of the routing are made on the newly approved one from now on."""
    older = select(Routing.id).where(Routing.code == routing.code, Routing.version < routing.version)
    for product in session.scalars(select(Product).where(Product.routing_id.in_(older))):
        audit(session, actor, "UPDATE", "product", product.gtin, field="routing_id", old=product.routing_id,
              new=routing.id, reason=f"{routing.code} v{routing.version} approved")
        product.routing_id = routing.id


def create_routing_version(session: Session, actor: AuditActor, code: str,
                           operations: Sequence[OperationInput] | None = None) -> Routing:
    """A new draft version of a routing: the given operations, or a copy of the newest version's."""
    newest = session.scalars(select(Routing).where(Routing.code == code).order_by(Routing.version.desc())).first()
    if newest is not None and not newest.approved:
        raise DraftExists(what=code, version=newest.version)
    if operations is None and newest is None:
        raise NotFound("Routing", code)
    _check_code(code)
    routing = Routing(code=code, version=(newest.version + 1) if newest else 1, created_by_id=actor.user_id)
    session.add(routing)
    session.flush()
    if operations is None:
        assert newest is not None
        _copy_operations(session, newest, routing)
    else:
        _add_operations(session, routing, operations)
    audit(session, actor, "CREATE", "routing", f"{code}/v{routing.version}",
          new="; ".join(f"{op.seq} {op.name} ({op.station_type})" for op in routing_steps(session, routing.id)))
    return routing


def _add_operations(session: Session, routing: Routing, operations: Sequence[OperationInput]) -> None:
    if not operations:
        raise InvalidMasterData("a routing needs at least one operation", "в маршруте нужна хотя бы одна операция")
    seqs = [op.seq for op in operations]
    if seqs != sorted(set(seqs)) or seqs[0] < 1:
        raise InvalidMasterData("operation numbers must be positive, unique and ascending",
                                "номера операций должны быть положительными, уникальными и возрастающими")
    for op in operations:
        _check_operation(op.name, op.station_type)
        session.add(RoutingOperation(routing_id=routing.id, seq=op.seq, name=op.name.strip(),
                                     station_type=op.station_type, required_qualification=op.required_qualification,
                                     recipe_id=_recipe_id(session, op.recipe_code)))
    session.flush()


def _copy_operations(session: Session, source: Routing, target: Routing) -> None:
    """Operations, plans, rework targets, qualifications and recipes carry over to the new version."""
    for op in routing_steps(session, source.id):
        copy = RoutingOperation(routing_id=target.id, seq=op.seq, name=op.name, station_type=op.station_type,
                                rework_target_seq=op.rework_target_seq,
                                required_qualification=op.required_qualification, recipe_id=op.recipe_id)
        session.add(copy)
        session.flush()
        for spec in session.scalars(select(MeasurementSpec).filter_by(routing_operation_id=op.id)):
            session.add(MeasurementSpec(routing_operation_id=copy.id, name=spec.name, unit=spec.unit, low=spec.low,
                                        high=spec.high, source_tag=spec.source_tag, required=spec.required))
    session.flush()


def update_operation(session: Session, actor: AuditActor, operation: RoutingOperation, *, name: str,
                     station_type: str, required_qualification: str | None, recipe_code: str | None) -> None:
    """Change an operation of a draft routing version; each changed field is audited old → new."""
    _editable(session, operation)
    _check_operation(name, station_type)
    recipe_id = _recipe_id(session, recipe_code)  # queried before the edits: a query autoflushes their history
    operation.name, operation.station_type = name.strip(), station_type
    operation.required_qualification = required_qualification or None
    operation.recipe_id = recipe_id
    audit_changes(session, actor, operation, "UPDATE")


def _check_code(code: str) -> None:
    if not CODE.fullmatch(code):
        raise InvalidMasterData(f"code {code!r}: letters, digits, - and _ only (at most 40)",
                                f"код {code!r}: только буквы, цифры, - и _ (не более 40)")


def _check_operation(name: str, station_type: str) -> None:
    if not name.strip() or len(name) > 200:
        raise InvalidMasterData("an operation needs a name (at most 200 characters)",
                                "у операции должно быть название (не более 200 символов)")
    if not STATION_TYPE.fullmatch(station_type):
        raise InvalidMasterData(f"station type {station_type!r}: lower-case letters, digits and _",
                                f"тип станции {station_type!r}: строчные латинские буквы, цифры и _")


def _recipe_id(session: Session, recipe_code: str | None) -> int | None:
    if not recipe_code:
        return None
    return get_by(session, Recipe, "Recipe", code=recipe_code).id


def operation_of(session: Session, code: str, version: int, seq: int) -> RoutingOperation:
    """The operation `seq` of a routing version."""
    routing = get_by(session, Routing, "Routing", code=code, version=version)
    return get_by(session, RoutingOperation, "Routing operation", routing_id=routing.id, seq=seq)


def set_measurement_plan(session: Session, actor: AuditActor, operation: RoutingOperation,
                         specs: Sequence[SpecInput]) -> list[MeasurementSpec]:
    """Define (add to or change) the data collection plan of an operation of a routing not yet approved."""
    _editable(session, operation)
    rows = _upsert_plan(session, operation, specs)
    audit(session, actor, "UPDATE", "routing_operation", operation.id, field="measurement_plan", new=_plan_text(specs))
    return rows


def replace_measurement_plan(session: Session, actor: AuditActor, operation: RoutingOperation,
                             specs: Sequence[SpecInput]) -> list[MeasurementSpec]:
    """Make the plan of a draft operation exactly `specs` (items left out are removed); audited old → new."""
    _editable(session, operation)
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names) or not all(STATION_TYPE.fullmatch(n) for n in names):
        raise InvalidMasterData("measurement names: lower-case letters, digits and _, each once",
                                "имена измерений: строчные латинские буквы, цифры и _, каждое один раз")
    current = list(session.scalars(select(MeasurementSpec).filter_by(routing_operation_id=operation.id)
                                   .order_by(MeasurementSpec.name)))
    old = _plan_text(current)
    for row in current:
        if row.name not in names:
            session.delete(row)
    session.flush()
    rows = _upsert_plan(session, operation, specs)
    audit(session, actor, "UPDATE", "routing_operation", operation.id, field="measurement_plan", old=old,
          new=_plan_text(specs))
    return rows


def _upsert_plan(session: Session, operation: RoutingOperation, specs: Sequence[SpecInput]) -> list[MeasurementSpec]:
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
    return rows


def _plan_text(specs: Sequence[SpecInput] | Sequence[MeasurementSpec]) -> str:
    return "; ".join(f"{s.name} [{s.low}..{s.high}] {s.unit}" + (f" <- {s.source_tag}" if s.source_tag else "")
                     for s in specs)


def set_rework_target(session: Session, actor: AuditActor, operation: RoutingOperation, target_seq: int | None) -> None:
    """Say where a unit failing this operation is reworked from (an earlier or the same operation)."""
    _editable(session, operation)
    old = operation.rework_target_seq
    operation.rework_target_seq = target_seq
    rework_target(as_steps(routing_steps(session, operation.routing_id)), operation.seq)  # validates
    audit(session, actor, "UPDATE", "routing_operation", operation.id, field="rework_target_seq", old=old,
          new=target_seq)


def _editable(session: Session, operation: RoutingOperation) -> None:
    routing = session.get_one(Routing, operation.routing_id)
    if routing.approved:
        raise AlreadyApproved(what=f"{routing.code} v{routing.version}")


def create_bom(session: Session, actor: AuditActor, product_gtin: str, lines: Sequence[BomLineInput],
               approve: bool = False) -> Bom:
    """A new BOM version of the product (the next version number), a draft.

    Only the system actor (site import, demo data) may create it approved at once; a person's BOM is
    approved by another person's e-signature (approve_bom).
    """
    if approve and actor.user_id is not None:
        raise InvalidMasterData("a BOM is approved by a second person's e-signature, not at creation",
                                "спецификацию утверждает второе лицо электронной подписью, а не при создании")
    product = get_by(session, Product, "Product", gtin=product_gtin)
    if not lines:
        raise InvalidInput("a BOM needs at least one line")
    version = (session.scalar(select(func.max(Bom.version)).where(Bom.product_id == product.id)) or 0) + 1
    bom = Bom(product_id=product.id, version=version, approved=approve, created_by_id=actor.user_id)
    for position, line in enumerate(lines, start=1):
        if not line.part_number.strip() or line.capture not in ("none", "lot", "serial") or line.quantity <= 0:
            raise InvalidMasterData(f"BOM line {position}: a part number, a positive quantity, capture none/lot/serial",
                                    f"строка {position} спецификации: номер компонента, положительное количество, "
                                    "учёт none/lot/serial")
        bom.lines.append(BomLine(position=position, part_number=line.part_number, description=line.description,
                                 quantity=line.quantity, capture=line.capture, operation_seq=line.operation_seq,
                                 substitutes=",".join(line.substitutes)))
    session.add(bom)
    session.flush()
    audit(session, actor, "CREATE", "bom", f"{product_gtin}/v{version}",
          new="; ".join(f"{ln.part_number}×{ln.quantity} {ln.capture}" for ln in lines))
    return bom


def bom_content(session: Session, bom: Bom) -> dict[str, Any]:
    """What a BOM approval signs: the product, the version and every line."""
    product = session.get_one(Product, bom.product_id)
    return {"product": product.gtin, "version": bom.version, "lines": [
        {"position": ln.position, "part_number": ln.part_number, "quantity": str(ln.quantity), "capture": ln.capture,
         "operation_seq": ln.operation_seq, "substitutes": ln.substitute_list()} for ln in bom.lines]}


def approve_bom(session: Session, actor: AuditActor, product_gtin: str, version: int, password: str,
                reason: str | None = None, username: str | None = None) -> Bom:
    """Approve a BOM version with an e-signature "approved" by another person than its author."""
    product = get_by(session, Product, "Product", gtin=product_gtin)
    bom = get_by(session, Bom, "BOM", product_id=product.id, version=version)
    if bom.approved:
        raise AlreadyApproved(what=f"BOM {product_gtin} v{version}")
    signature = sign_approval(session, actor, password=password, entity="bom", entity_id=f"{product_gtin}/v{version}",
                              content=bom_content(session, bom), permission=Permission.ROUTING_APPROVE,
                              author_id=bom.created_by_id, reason=reason, username=username)
    audit(session, actor, "UPDATE", "bom", f"{product_gtin}/v{version}", field="approved", old=False, new=True,
          reason=reason)
    bom.approved, bom.approved_by_id, bom.signature_id = True, actor.user_id, signature.id
    return bom
