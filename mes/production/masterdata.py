"""Production master data: routing versions and their e-signed approval, data collection plans, rework
targets and BOMs (docs/master-data.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, audit_changes
from mes.domain.limits import Limits
from mes.models import Bom, BomLine, MeasurementSpec, Product, Recipe, Routing, RoutingOperation, utcnow
from mes.production.common import as_steps, audit, get_by, routing_steps
from mes.production.errors import InvalidInput, NotFound
from mes.production.masterdata_checks import (
    STATION_TYPE,
    check_bom_lines,
    check_loops,
    check_qualification,
    check_station_type,
    recipe_for,
)
from mes.production.masterdata_errors import AlreadyApproved, DraftExists, InvalidMasterData
from mes.production.masterdata_signing import editors_of, sign_approval
from mes.security.permissions import Permission

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,39}")


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
    routing = locked_routing(session, code, version)
    if routing.approved:
        if actor.user_id is None:
            return routing  # re-running an import changes nothing
        raise AlreadyApproved(what=f"{code} v{version}")
    if actor.user_id is not None:
        _check_before_approval(session, routing)
        signature = sign_approval(session, actor, password=password or "", entity="routing",
                                  entity_id=f"{code}/v{version}", content=routing_content(session, routing),
                                  permission=Permission.ROUTING_APPROVE, author_id=routing.created_by_id,
                                  reason=reason, username=username, editors=routing_editors(session, routing))
        routing.signature_id, routing.approved_by_id = signature.id, actor.user_id
    audit(session, actor, "UPDATE", "routing", f"{code}/v{version}", field="approved", old=False, new=True,
          reason=reason if actor.user_id is not None else f"unsigned system import: {reason}")
    routing.approved, routing.approved_at = True, utcnow()
    _move_products(session, actor, routing)
    return routing


def routing_editors(session: Session, routing: Routing) -> set[int]:
    """Everyone who changed this version: its operations, their plans, or its list of operations."""
    operations = [str(op.id) for op in routing_steps(session, routing.id)]
    return editors_of(session, {"routing": [f"{routing.code}/v{routing.version}"], "routing_operation": operations})


def _check_before_approval(session: Session, routing: Routing) -> None:
    """What is signed must be runnable: loops go back, every referenced recipe still fits its operation."""
    steps = routing_steps(session, routing.id)
    check_loops(as_steps(steps))
    for op in steps:
        if op.recipe_id is not None:
            recipe_for(session, session.get_one(Recipe, op.recipe_id).code, op.station_type)


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
        check_operation(session, op.name, op.station_type)
        check_qualification(session, op.required_qualification)
        session.add(RoutingOperation(routing_id=routing.id, seq=op.seq, name=op.name.strip(),
                                     station_type=op.station_type, required_qualification=op.required_qualification,
                                     recipe_id=recipe_for(session, op.recipe_code, op.station_type)))
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
    check_operation(session, name, station_type)
    check_qualification(session, required_qualification)
    recipe_id = recipe_for(session, recipe_code, station_type)  # queried before the edits: a query autoflushes
    operation.name, operation.station_type = name.strip(), station_type
    operation.required_qualification = required_qualification or None
    operation.recipe_id = recipe_id
    audit_changes(session, actor, operation, "UPDATE")


def _check_code(code: str) -> None:
    if not CODE.fullmatch(code):
        raise InvalidMasterData(f"code {code!r}: letters, digits, - and _ only (at most 40)",
                                f"код {code!r}: только буквы, цифры, - и _ (не более 40)")


def check_operation(session: Session, name: str, station_type: str) -> None:
    """An operation has a name and a station type some station of the site has."""
    if not name.strip() or len(name) > 200:
        raise InvalidMasterData("an operation needs a name (at most 200 characters)",
                                "у операции должно быть название (не более 200 символов)")
    check_station_type(session, station_type)


def operation_of(session: Session, code: str, version: int, seq: int) -> RoutingOperation:
    """The operation `seq` of a routing version."""
    routing = get_by(session, Routing, "Routing", code=code, version=version)
    return get_by(session, RoutingOperation, "Routing operation", routing_id=routing.id, seq=seq)


def set_measurement_plan(session: Session, actor: AuditActor, operation: RoutingOperation,
                         specs: Sequence[SpecInput]) -> list[MeasurementSpec]:
    """Define (add to or change) the data collection plan of an operation of a routing not yet approved."""
    _editable(session, operation)
    rows = upsert_plan(session, operation, specs)
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
    rows = upsert_plan(session, operation, specs)
    audit(session, actor, "UPDATE", "routing_operation", operation.id, field="measurement_plan", old=old,
          new=_plan_text(specs))
    return rows


def upsert_plan(session: Session, operation: RoutingOperation, specs: Sequence[SpecInput]) -> list[MeasurementSpec]:
    """Add or change the named items of an operation's plan (limits checked); others stay."""
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
    check_loops(as_steps(routing_steps(session, operation.routing_id)))
    audit(session, actor, "UPDATE", "routing_operation", operation.id, field="rework_target_seq", old=old,
          new=target_seq)


def _editable(session: Session, operation: RoutingOperation) -> None:
    _sqlite_write_lock(session, Routing.__table__, Routing.id == operation.routing_id)
    check_editable(session.get_one(Routing, operation.routing_id, with_for_update=True, populate_existing=True))


def _sqlite_write_lock(session: Session, table: Any, where: Any) -> None:
    """On SQLite, take the database's write lock now (a no-op UPDATE), so that what is read next is not
    changed by another writer before this transaction commits; PostgreSQL locks the row (FOR UPDATE)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(table).where(where).values(id=table.c.id))


def locked_routing(session: Session, code: str, version: int) -> Routing:
    """The routing version, its row locked until the transaction ends (PostgreSQL; SQLite has one writer).

    An edit and an approval of the same draft take this lock first, so the approval signs either the
    content before the edit (and the edit is then refused) or after it — never a mix.
    """
    _sqlite_write_lock(session, Routing.__table__, (Routing.code == code) & (Routing.version == version))
    routing = session.scalars(select(Routing).filter_by(code=code, version=version).with_for_update()
                              .execution_options(populate_existing=True)).one_or_none()
    if routing is None:
        raise NotFound("Routing", code)
    return routing


def check_editable(routing: Routing) -> None:
    """Only a draft changes: an approved version is refused with the way out (a new version)."""
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
        check_bom_line_fields(position, line)
    check_bom_lines(session, lines, known_parts=False)  # a new version may bring new parts; approval reviews them
    for position, line in enumerate(lines, start=1):
        bom.lines.append(BomLine(position=position, part_number=line.part_number, description=line.description,
                                 quantity=line.quantity, capture=line.capture, operation_seq=line.operation_seq,
                                 substitutes=",".join(line.substitutes)))
    session.add(bom)
    session.flush()
    audit(session, actor, "CREATE", "bom", f"{product_gtin}/v{version}",
          new="; ".join(f"{ln.part_number}×{ln.quantity} {ln.capture}" for ln in lines))
    return bom


def check_bom_line_fields(position: int, line: BomLineInput) -> None:
    """A line has a part number, a positive quantity and a capture of none, lot or serial."""
    if not line.part_number.strip() or line.capture not in ("none", "lot", "serial") or line.quantity <= 0:
        raise InvalidMasterData(f"BOM line {position}: a part number, a positive quantity, capture none/lot/serial",
                                f"строка {position} спецификации: номер компонента, положительное количество, "
                                "учёт none/lot/serial")


def locked_bom(session: Session, product_gtin: str, version: int) -> Bom:
    """The BOM version, its row locked until the transaction ends (an edit and an approval serialize)."""
    product = get_by(session, Product, "Product", gtin=product_gtin)
    _sqlite_write_lock(session, Bom.__table__, (Bom.product_id == product.id) & (Bom.version == version))
    bom = session.scalars(select(Bom).filter_by(product_id=product.id, version=version).with_for_update()
                          .execution_options(populate_existing=True)).one_or_none()
    if bom is None:
        raise NotFound("BOM", f"{product_gtin} v{version}")
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
    bom = locked_bom(session, product_gtin, version)
    if bom.approved:
        raise AlreadyApproved(what=f"BOM {product_gtin} v{version}")
    signature = sign_approval(session, actor, password=password, entity="bom", entity_id=f"{product_gtin}/v{version}",
                              content=bom_content(session, bom), permission=Permission.ROUTING_APPROVE,
                              author_id=bom.created_by_id, reason=reason, username=username,
                              editors=editors_of(session, {"bom": [f"{product_gtin}/v{version}"],
                                                           "bom_line": [str(ln.id) for ln in bom.lines]}))
    audit(session, actor, "UPDATE", "bom", f"{product_gtin}/v{version}", field="approved", old=False, new=True,
          reason=reason)
    bom.approved, bom.approved_by_id, bom.signature_id = True, actor.user_id, signature.id
    return bom
