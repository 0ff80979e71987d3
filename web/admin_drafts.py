"""Administration: editing drafts — operations of a routing version (add, remove, renumber, move up or
down) and lines of a BOM version (add, change, remove). Needs master_data.edit (process engineers).

The services refuse an approved version and every bad value; the page then shows why next to the form,
in the user's language, and nothing changed (docs/master-data.md, "Editing a draft").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, request, url_for

from mes.domain.errors import DomainError
from mes.production import masterdata as md
from mes.production import masterdata_boms as mb
from mes.production import masterdata_drafts as mdd
from mes.production.common import routing_steps
from mes.production.masterdata_errors import AlreadyApproved, InvalidMasterData
from mes.security.permissions import Permission
from web.admin import actor, bp, field, refused
from web.admin_products import boms_page, routing_page
from web.api.transaction import transaction
from web.i18n import gettext as _
from web.permissions import requires


def _seq(name: str, label: str, required: bool = True) -> int | None:
    text = field(name, label, 6, required=required)
    if not text:
        return None
    if not text.isdigit():
        raise InvalidMasterData(f"{label}: an operation number", f"{_(label)}: номер операции")
    return int(text)


def _where(exc: DomainError, form: str, approved: str = "version") -> str:
    """Where the page shows the refusal: beside the form, or at the top when the version is not a draft
    (an approved version shows no edit forms)."""
    return approved if isinstance(exc, AlreadyApproved) else form


def _back(code: str, version: int):  # type: ignore[no-untyped-def]
    return redirect(url_for("admin.routing", code=code, version=version), 303)


@bp.post("/routings/<code>/<int:version>/operations")
@requires(Permission.MASTER_DATA_EDIT)
def add_operation(code: str, version: int):  # type: ignore[no-untyped-def]
    """Insert an operation into a draft at its number, with its station type, qualification, recipe, loop."""
    try:
        seq = _seq("seq", "Number") or 0
        operation = md.OperationInput(seq, field("name", "Operation", 200), field("station_type", "Station type", 60),
                                      field("required_qualification", "Required qualification", 60,
                                            required=False) or None,
                                      field("recipe", "Recipe", 40, required=False) or None)
        rework = _seq("rework_target", "Rework from", required=False)
        with transaction() as s:
            mdd.add_operation(s, actor(), code, version, operation, rework)
    except DomainError as exc:
        return refused(routing_page, exc, _where(exc, "add-operation"), code=code, version=version)
    flash(_("Operation {seq} added.").format(seq=seq), "success")
    return _back(code, version)


@bp.post("/routings/<code>/<int:version>/operations/<int:seq>/remove")
@requires(Permission.MASTER_DATA_EDIT)
def remove_operation(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Remove an operation of a draft, with its data collection plan and work instruction."""
    try:
        with transaction() as s:
            mdd.remove_operation(s, actor(), code, version, seq)
    except DomainError as exc:
        return refused(routing_page, exc, _where(exc, f"order-{seq}"), code=code, version=version)
    flash(_("Operation {seq} removed.").format(seq=seq), "success")
    return _back(code, version)


@bp.post("/routings/<code>/<int:version>/operations/<int:seq>/number")
@requires(Permission.MASTER_DATA_EDIT)
def renumber_operation(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Give an operation of a draft a new number, which moves it among the others."""
    try:
        new_seq = _seq("new_seq", "New number") or 0
        with transaction() as s:
            mdd.move_operation(s, actor(), code, version, seq, new_seq)
    except DomainError as exc:
        return refused(routing_page, exc, _where(exc, f"order-{seq}"), code=code, version=version)
    flash(_("Operation {seq} is now number {new}.").format(seq=seq, new=new_seq), "success")
    return _back(code, version)


@bp.post("/routings/<code>/<int:version>/operations/<int:seq>/shift")
@requires(Permission.MASTER_DATA_EDIT)
def shift_operation(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Swap an operation with the one before (up) or after (down) it; the numbers stay in place."""
    try:
        step = -1 if request.form.get("direction") == "up" else 1
        with transaction() as s:
            routing = mdd.draft_of(s, code, version)
            order = [op.seq for op in routing_steps(s, routing.id)]
            index = order.index(seq) if seq in order else -1
            if index < 0 or not 0 <= index + step < len(order):
                raise InvalidMasterData(f"operation {seq} cannot move further", f"операцию {seq} дальше не сдвинуть")
            order[index], order[index + step] = order[index + step], order[index]
            mdd.reorder_operations(s, actor(), code, version, order)
    except DomainError as exc:
        return refused(routing_page, exc, _where(exc, f"order-{seq}"), code=code, version=version)
    flash(_("Operations reordered."), "success")
    return _back(code, version)


def _bom_line(prefix: str = "") -> md.BomLineInput:
    try:
        quantity = Decimal(field("quantity", "Quantity", 20).replace(",", "."))
    except InvalidOperation as exc:
        raise InvalidMasterData("quantity: a number", "количество: число") from exc
    return md.BomLineInput(field("part_number", "Part", 60), quantity, field("capture", "Capture", 10),
                           _seq("operation_seq", "At operation", required=False),
                           tuple(p.strip() for p in field("substitutes", "Approved substitutes", 500,
                                                          required=False).split(",") if p.strip()),
                           field("description", "Description", 200, required=False))


@bp.post("/boms/<gtin>/<int:version>/lines")
@requires(Permission.MASTER_DATA_EDIT)
def add_bom_line(gtin: str, version: int):  # type: ignore[no-untyped-def]
    """Add a component line to a draft BOM version."""
    try:
        line = _bom_line()
        with transaction() as s:
            mb.add_bom_line(s, actor(), gtin, version, line)
    except DomainError as exc:
        return refused(boms_page, exc, _where(exc, f"add-line-{gtin}-{version}", f"bom-{gtin}"))
    flash(_("Line {part} added to BOM version {version}.").format(part=line.part_number, version=version), "success")
    return redirect(url_for("admin.boms") + f"#bom-{gtin}", 303)


@bp.post("/boms/<gtin>/<int:version>/lines/<int:position>")
@requires(Permission.MASTER_DATA_EDIT)
def edit_bom_line(gtin: str, version: int, position: int):  # type: ignore[no-untyped-def]
    """Change a line of a draft BOM version: quantity, capture, operation, substitutes."""
    try:
        line = _bom_line()
        with transaction() as s:
            mb.update_bom_line(s, actor(), gtin, version, position, line)
    except DomainError as exc:
        return refused(boms_page, exc, _where(exc, f"line-{gtin}-{version}-{position}", f"bom-{gtin}"))
    flash(_("Line {position} of BOM version {version} saved.").format(position=position, version=version), "success")
    return redirect(url_for("admin.boms") + f"#bom-{gtin}", 303)


@bp.post("/boms/<gtin>/<int:version>/lines/<int:position>/remove")
@requires(Permission.MASTER_DATA_EDIT)
def remove_bom_line(gtin: str, version: int, position: int):  # type: ignore[no-untyped-def]
    """Remove a line of a draft BOM version."""
    try:
        with transaction() as s:
            mb.remove_bom_line(s, actor(), gtin, version, position)
    except DomainError as exc:
        return refused(boms_page, exc, _where(exc, f"line-{gtin}-{version}-{position}", f"bom-{gtin}"))
    flash(_("Line {position} removed from BOM version {version}.").format(position=position, version=version),
          "success")
    return redirect(url_for("admin.boms") + f"#bom-{gtin}", 303)
