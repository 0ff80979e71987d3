"""Editing the operations of a draft routing version: add, remove, renumber and reorder them.

Only a draft changes; an approved version is refused (make a new version). Each change is audited old → new
in the caller's transaction: the operation itself, and the version's list of operations on the routing, so
the routing's history reads as a sequence of edits. The approval signs the content as edited
(masterdata.routing_content), so whatever the quality engineer sees is what is signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, audit_changes
from mes.models import (
    InstructionDocument,
    MeasurementSpec,
    OperationRecord,
    Routing,
    RoutingOperation,
    WorkInstruction,
)
from mes.production.common import as_steps, audit, get_by, routing_steps
from mes.production.masterdata import (
    OperationInput,
    SpecInput,
    check_editable,
    check_operation,
    locked_routing,
    upsert_plan,
)
from mes.production.masterdata_checks import check_loops, check_qualification, check_seq, recipe_for
from mes.production.masterdata_errors import InvalidMasterData


def draft_of(session: Session, code: str, version: int) -> Routing:
    """The routing version, locked against a concurrent approval, refused unless it is a draft."""
    routing = locked_routing(session, code, version)
    check_editable(routing)
    return routing


def summary(session: Session, routing_id: int) -> str:
    """The version's operations in one line, as the audit trail shows them."""
    return "; ".join(f"{op.seq} {op.name} ({op.station_type})"
                     + (f" ↺{op.rework_target_seq}" if op.rework_target_seq is not None else "")
                     for op in routing_steps(session, routing_id))


def add_operation(session: Session, actor: AuditActor, code: str, version: int, operation: OperationInput,
                  rework_target_seq: int | None = None, plan: Sequence[SpecInput] = ()) -> RoutingOperation:
    """Insert an operation into a draft at its number (e.g. 15 between 10 and 20), with its plan."""
    routing = draft_of(session, code, version)
    check_seq(operation.seq)
    check_operation(session, operation.name, operation.station_type)
    check_qualification(session, operation.required_qualification)
    recipe_id = recipe_for(session, operation.recipe_code, operation.station_type)
    steps = routing_steps(session, routing.id)
    if any(op.seq == operation.seq for op in steps):
        raise InvalidMasterData(f"operation {operation.seq} already exists in {code} v{version}: choose a free number",
                                f"операция {operation.seq} уже есть в {code} v{version}: выберите свободный номер")
    old = summary(session, routing.id)
    row = RoutingOperation(routing_id=routing.id, seq=operation.seq, name=operation.name.strip(),
                           station_type=operation.station_type, rework_target_seq=rework_target_seq,
                           required_qualification=operation.required_qualification or None, recipe_id=recipe_id)
    check_loops(as_steps([*steps, row]))
    session.add(row)
    session.flush()
    audit_changes(session, actor, row, "CREATE")
    if plan:
        upsert_plan(session, row, plan)
        audit(session, actor, "UPDATE", "routing_operation", row.id, field="measurement_plan",
              new="; ".join(f"{s.name} [{s.low}..{s.high}] {s.unit}" for s in plan))
    _audit_structure(session, actor, routing, old)
    return row


def remove_operation(session: Session, actor: AuditActor, code: str, version: int, seq: int) -> None:
    """Take an operation out of a draft, with its data collection plan and work instruction."""
    routing = draft_of(session, code, version)
    steps = routing_steps(session, routing.id)
    operation = next((op for op in steps if op.seq == seq), None)
    if operation is None:
        get_by(session, RoutingOperation, "Routing operation", routing_id=routing.id, seq=seq)  # NotFound
        return
    if len(steps) == 1:
        raise InvalidMasterData("a routing needs at least one operation", "в маршруте нужна хотя бы одна операция")
    looping = [op.seq for op in steps if op.rework_target_seq == seq and op.seq != seq]
    if looping:
        raise InvalidMasterData(f"operation {seq} is the rework target of operation {looping[0]}: "
                                "change that rework target first",
                                f"операция {seq} — операция доработки для операции {looping[0]}: "
                                "сначала измените её")
    if session.scalar(select(OperationRecord.id).where(OperationRecord.routing_operation_id == operation.id)
                      .limit(1)) is not None:  # a draft is never run; this guards a record made behind its back
        raise InvalidMasterData(f"operation {seq} has production records and cannot be removed",
                                f"по операции {seq} есть производственные записи, удалить её нельзя")
    old = summary(session, routing.id)
    _drop_plan_and_instruction(session, actor, operation)
    audit_changes(session, actor, operation, "DELETE")
    session.delete(operation)
    session.flush()
    _audit_structure(session, actor, routing, old)


def _drop_plan_and_instruction(session: Session, actor: AuditActor, operation: RoutingOperation) -> None:
    specs = list(session.scalars(select(MeasurementSpec).filter_by(routing_operation_id=operation.id)
                                 .order_by(MeasurementSpec.name)))
    if specs:
        audit(session, actor, "UPDATE", "routing_operation", operation.id, field="measurement_plan",
              old="; ".join(f"{s.name} [{s.low}..{s.high}] {s.unit}" for s in specs), new="")
        for spec in specs:
            session.delete(spec)
    instruction = session.scalars(select(WorkInstruction).filter_by(routing_operation_id=operation.id)).one_or_none()
    if instruction is not None:
        audit_changes(session, actor, instruction, "DELETE")
        session.delete(instruction)
    documents = list(session.scalars(select(InstructionDocument.title)
                                     .filter_by(routing_operation_id=operation.id)))
    if documents:
        audit(session, actor, "DELETE", "routing_operation", operation.id, field="instruction_documents",
              old="; ".join(documents))
        session.execute(delete(InstructionDocument).where(InstructionDocument.routing_operation_id == operation.id))
    session.flush()


def move_operation(session: Session, actor: AuditActor, code: str, version: int, seq: int, new_seq: int) -> None:
    """Give an operation another number, which moves it (e.g. 40 → 15 puts it between 10 and 20).

    Rework targets pointing at it follow it; a loop that would then point forward is refused.
    """
    routing = draft_of(session, code, version)
    check_seq(new_seq)
    seqs = [op.seq for op in routing_steps(session, routing.id)]
    if seq not in seqs:
        get_by(session, RoutingOperation, "Routing operation", routing_id=routing.id, seq=seq)  # NotFound
    if new_seq != seq and new_seq in seqs:
        raise InvalidMasterData(f"operation {new_seq} already exists in {code} v{version}: choose a free number",
                                f"операция {new_seq} уже есть в {code} v{version}: выберите свободный номер")
    renumber(session, actor, routing, {seq: new_seq})


def reorder_operations(session: Session, actor: AuditActor, code: str, version: int, order: Sequence[int]) -> None:
    """Put the operations in the given order, keeping the version's set of numbers.

    `order` lists every current operation number once; the first gets the smallest number, and so on
    (so [10, 30, 20] swaps the second and the third).
    """
    routing = draft_of(session, code, version)
    seqs = [op.seq for op in routing_steps(session, routing.id)]
    if sorted(order) != seqs:
        raise InvalidMasterData(f"the new order must list each operation of {code} v{version} once: "
                                f"{', '.join(map(str, seqs))}",
                                f"новый порядок должен перечислять каждую операцию {code} v{version} один раз: "
                                f"{', '.join(map(str, seqs))}")
    renumber(session, actor, routing, dict(zip(order, seqs, strict=True)))


def renumber(session: Session, actor: AuditActor, routing: Routing, mapping: Mapping[int, int]) -> None:
    """Apply old → new operation numbers to a draft; rework targets follow their operations; audited."""
    mapping = {old: new for old, new in mapping.items() if old != new}
    if not mapping:
        return
    old_summary = summary(session, routing.id)
    steps = routing_steps(session, routing.id)
    before = {op.id: (op.seq, op.rework_target_seq) for op in steps}
    for op in steps:  # two steps, so that swapped numbers never collide on the unique (routing, seq)
        if op.seq in mapping:
            op.seq = -op.id
    session.flush()
    for op in steps:
        old_seq, old_target = before[op.id]
        op.seq = mapping.get(old_seq, old_seq)
        if old_target is not None:
            op.rework_target_seq = mapping.get(old_target, old_target)
    check_loops(as_steps(sorted(steps, key=lambda op: op.seq)))
    session.flush()
    for op in steps:
        old_seq, old_target = before[op.id]
        if op.seq != old_seq:
            audit(session, actor, "UPDATE", "routing_operation", op.id, field="seq", old=old_seq, new=op.seq)
        if op.rework_target_seq != old_target:
            audit(session, actor, "UPDATE", "routing_operation", op.id, field="rework_target_seq", old=old_target,
                  new=op.rework_target_seq)
    _audit_structure(session, actor, routing, old_summary)


def _audit_structure(session: Session, actor: AuditActor, routing: Routing, old: str) -> None:
    audit(session, actor, "UPDATE", "routing", f"{routing.code}/v{routing.version}", field="operations", old=old,
          new=summary(session, routing.id))



def orphaned_bom_lines(session: Session, routing: Routing) -> list[tuple[str, int, int, str, int]]:
    """Lines of the newest BOM of each product on this routing's code that are consumed at an operation
    this version lacks (gtin, BOM version, position, part, operation number): after a renumbering or a
    removal, such a BOM needs a new version too, or its component could not be scanned on this version."""
    from mes.models import Bom, BomLine, Product

    seqs = {op.seq for op in routing_steps(session, routing.id)}
    newest = (select(Bom.product_id, func.max(Bom.version).label("version")).group_by(Bom.product_id)
              .subquery())
    query = (select(Product.gtin, Bom.version, BomLine.position, BomLine.part_number, BomLine.operation_seq)
             .join(Bom, Bom.product_id == Product.id)
             .join(newest, (newest.c.product_id == Bom.product_id) & (newest.c.version == Bom.version))
             .join(BomLine, BomLine.bom_id == Bom.id)
             .where(Product.routing_id.in_(select(Routing.id).where(Routing.code == routing.code)),
                    BomLine.operation_seq.is_not(None))
             .order_by(Product.gtin, BomLine.position))
    return [(gtin, version, position, part, seq) for gtin, version, position, part, seq in session.execute(query)
            if seq not in seqs]
