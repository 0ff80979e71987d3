"""Administration of product master data: brands and products, routing versions, BOM versions.

Drafting needs master_data.edit (process engineers); approving is an e-signature "approved" by a
person holding routing.approve who is not the version's author (two-person rule).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.signatures import manifestation
from mes.domain.errors import DomainError
from mes.models import (
    Bom,
    Brand,
    MeasurementSpec,
    Product,
    Qualification,
    Recipe,
    RecipeVersion,
    Routing,
    Station,
    User,
)
from mes.production import masterdata as md
from mes.production.common import get_by, routing_steps
from mes.production.masterdata_drafts import orphaned_bom_lines
from mes.production.masterdata_errors import AlreadyApproved, InvalidMasterData
from mes.production.masterdata_products import (
    BrandInput,
    ProductInput,
    create_brand,
    create_product,
    update_brand,
    update_product,
)
from mes.production.masterdata_signing import approval_status, editors_of
from mes.security.permissions import Permission
from web.admin import actor, after_signing, bp, field, refused, render, signing
from web.admin_people import optional_date
from web.api.transaction import read_only, transaction
from web.i18n import gettext as _
from web.permissions import requires

BRAND_FIELDS = ("code", "name", "gs1_company_prefix", "serial_scheme", "lot_scheme", "label_template_set")
BRAND_LABELS = ("Code", "Name", "GS1 company prefix", "Serial number scheme", "Lot number scheme",
                "Label template set")


def signature_view(session: Session, entity: str, key: str, signature_id: int | None,
                   content: dict[str, Any]) -> dict[str, Any] | None:
    """The approval signature as shown: its manifestation and whether it still verifies."""
    signature, valid = approval_status(session, entity, key, signature_id, content)
    if signature is None:
        return None
    zone = ZoneInfo(current_app.config["MES_TIMEZONE"])
    return {"manifestation": manifestation(signature, zone, g.get("lang", "ru")), "reason": signature.reason,
            "valid": valid}


def person(session: Session, user_id: int | None) -> str:
    """A person's printed name, or — when the system made the record (site import)."""
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user else "—"


def products_page(**extra: Any) -> str:
    """Brands with their products, and the forms that add them."""
    with read_only() as s:
        brands = list(s.scalars(select(Brand).order_by(Brand.code)))
        routings = {r.id: f"{r.code} v{r.version}" for r in s.scalars(select(Routing))}
        for brand in brands:
            list(brand.products)  # loaded before the session closes
        codes = sorted({r.code for r in s.scalars(select(Routing))})
    return render("admin/products.html", brands=brands, routings=routings, routing_codes=codes,
                  brand_fields=zip(BRAND_FIELDS, BRAND_LABELS, strict=True),
                  brand_edit_fields=list(zip(BRAND_FIELDS, BRAND_LABELS, strict=True))[1:], **extra)


@bp.get("/products")
@requires(Permission.MASTER_DATA_VIEW)
def products():  # type: ignore[no-untyped-def]
    """Brands and products."""
    return products_page()


@bp.post("/brands")
@requires(Permission.MASTER_DATA_EDIT)
def add_brand():  # type: ignore[no-untyped-def]
    """A new brand with its GS1 prefix, numbering schemes and label template set."""
    try:
        values = {name: field(name, label, 80) for name, label in zip(BRAND_FIELDS, BRAND_LABELS, strict=True)}
        with transaction() as s:
            create_brand(s, actor(), BrandInput(**values))
    except DomainError as exc:
        return refused(products_page, exc, "brand")
    flash(_("Brand {code} created.").format(code=values["code"]), "success")
    return redirect(url_for("admin.products"), 303)


@bp.post("/brands/<code>/products")
@requires(Permission.MASTER_DATA_EDIT)
def add_product(code: str):  # type: ignore[no-untyped-def]
    """A new product of the brand: GTIN (check digit checked), model, revision, registration, routing."""
    try:
        data = ProductInput(field("gtin", "GTIN", 14), field("model", "Model"), field("revision", "Revision", 20),
                            field("registration_number", "Registration certificate", 60, required=False) or None,
                            optional_date(request.form.get("registration_date", ""), "Registration date"),
                            field("routing", "Routing", 40, required=False) or None)
        with transaction() as s:
            create_product(s, actor(), code, data)
    except DomainError as exc:
        return refused(products_page, exc, f"product-{code}")
    flash(_("Product {gtin} created.").format(gtin=data.gtin), "success")
    return redirect(url_for("admin.products"), 303)


def routings_page(**extra: Any) -> str:
    """Every routing version, newest first within a code, and the form for a new routing."""
    with read_only() as s:
        rows = [(r, person(s, r.created_by_id), person(s, r.approved_by_id)) for r in s.scalars(
            select(Routing).order_by(Routing.code, Routing.version.desc()))]
    return render("admin/routings.html", rows=rows, **extra)


@bp.post("/brands/<code>")
@requires(Permission.MASTER_DATA_EDIT)
def edit_brand(code: str):  # type: ignore[no-untyped-def]
    """Change a brand's name, prefix, schemes or label templates, with a reason (audited old → new)."""
    try:
        values = {name: field(name, label, 80) for name, label in zip(BRAND_FIELDS, BRAND_LABELS, strict=True)
                  if name != "code"}
        reason = field("reason", "Reason", 500)
        with transaction() as s:
            update_brand(s, actor(), code, BrandInput(code=code, **values), reason)
    except DomainError as exc:
        return refused(products_page, exc, f"brand-{code}")
    flash(_("Brand {code} saved.").format(code=code), "success")
    return redirect(url_for("admin.products"), 303)


@bp.post("/products/<gtin>")
@requires(Permission.MASTER_DATA_EDIT)
def edit_product(gtin: str):  # type: ignore[no-untyped-def]
    """Change a product's model, revision, registration certificate or routing, with a reason (audited)."""
    try:
        data = ProductInput(gtin, field("model", "Model"), field("revision", "Revision", 20),
                            field("registration_number", "Registration certificate", 60, required=False) or None,
                            optional_date(request.form.get("registration_date", ""), "Registration date"),
                            field("routing", "Routing", 40, required=False) or None)
        reason = field("reason", "Reason", 500)
        with transaction() as s:
            update_product(s, actor(), gtin, data, reason)
    except DomainError as exc:
        return refused(products_page, exc, f"edit-{gtin}")
    flash(_("Product {gtin} saved.").format(gtin=gtin), "success")
    return redirect(url_for("admin.products"), 303)


@bp.get("/routings")
@requires(Permission.MASTER_DATA_VIEW)
def routings():  # type: ignore[no-untyped-def]
    """Routing versions."""
    return routings_page()


def draft_choices(session: Session) -> dict[str, Any]:
    """What the draft forms offer: the site's station types, the qualifications somebody holds, and the
    recipes with an approved version (code → station type), so a valid choice is at hand."""
    return {
        "station_types": sorted(set(session.scalars(select(Station.station_type)))),
        "qualification_codes": sorted(set(session.scalars(select(Qualification.code)))),
        "approved_recipes": dict(session.execute(
            select(Recipe.code, Recipe.equipment_kind).join(RecipeVersion)
            .where(RecipeVersion.status == "approved").distinct().order_by(Recipe.code)).all()),
    }


def routing_page(code: str, version: int, **extra: Any) -> str:
    """One routing version: operations with plans, its author and approval signature, and its forms."""
    with read_only() as s:
        routing = get_by(s, Routing, "Routing", code=code, version=version)
        content = md.routing_content(s, routing)
        operations = routing_steps(s, routing.id)
        plans = {op.seq: list(s.scalars(select(MeasurementSpec).filter_by(routing_operation_id=op.id)
                                        .order_by(MeasurementSpec.name))) for op in operations}
        recipes = {op.seq: s.get(Recipe, op.recipe_id).code for op in operations if op.recipe_id}  # type: ignore[union-attr]
        view = {"routing": routing, "operations": operations, "plans": plans, "recipes": recipes,
                "author": person(s, routing.created_by_id), "approver": person(s, routing.approved_by_id),
                "editors": md.routing_editors(s, routing) if not routing.approved else set(),
                "orphans": orphaned_bom_lines(s, routing) if not routing.approved else [],
                "approval": signature_view(s, "routing", f"{code}/v{version}", routing.signature_id, content),
                "recipe_codes": [r.code for r in s.scalars(select(Recipe).order_by(Recipe.code))],
                **(draft_choices(s) if not routing.approved else {}),
                "newest": s.scalars(select(Routing.version).where(Routing.code == code)
                                    .order_by(Routing.version.desc())).first()}
    return render("admin/routing.html", **view, **extra)


@bp.get("/routings/<code>/<int:version>")
@requires(Permission.MASTER_DATA_VIEW)
def routing(code: str, version: int):  # type: ignore[no-untyped-def]
    """One routing version."""
    return routing_page(code, version)


@bp.post("/routings/<code>/versions")
@requires(Permission.MASTER_DATA_EDIT)
def new_routing_version(code: str):  # type: ignore[no-untyped-def]
    """A new draft version, a copy of the newest (plans, rework targets, recipes included)."""
    try:
        with transaction() as s:
            version = md.create_routing_version(s, actor(), code).version
    except DomainError as exc:
        with read_only() as s:
            newest = s.scalars(select(Routing.version).where(Routing.code == code)
                               .order_by(Routing.version.desc())).first()
        if newest is None:
            raise
        return refused(routing_page, exc, "new-version", code=code, version=newest)
    flash(_("Draft version {version} of {code} created.").format(version=version, code=code), "success")
    return redirect(url_for("admin.routing", code=code, version=version), 303)


@bp.post("/routings/<code>/<int:version>/operations/<int:seq>")
@requires(Permission.MASTER_DATA_EDIT)
def edit_operation(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Change one operation of a draft version."""
    try:
        name, station_type = field("name", "Operation", 200), field("station_type", "Station type", 60)
        qualification = field("required_qualification", "Required qualification", 60, required=False) or None
        recipe = field("recipe", "Recipe", 40, required=False) or None
        rework = _whole(field("rework_target", "Rework from", 6, required=False), "Rework from")
        with transaction() as s:
            operation = md.operation_of(s, code, version, seq)
            md.update_operation(s, actor(), operation, name=name, station_type=station_type,
                                required_qualification=qualification, recipe_code=recipe)
            if rework != operation.rework_target_seq:
                md.set_rework_target(s, actor(), operation, rework)
    except DomainError as exc:
        return refused(routing_page, exc, "version" if isinstance(exc, AlreadyApproved) else f"op-{seq}", code=code,
                       version=version)
    flash(_("Operation {seq} saved.").format(seq=seq), "success")
    return redirect(url_for("admin.routing", code=code, version=version), 303)


@bp.post("/routings/<code>/<int:version>/operations/<int:seq>/plan")
@requires(Permission.MASTER_DATA_EDIT)
def edit_plan(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Replace the data collection plan of one operation of a draft (a row with no name is left out)."""
    try:
        form = request.form
        rows = zip(form.getlist("m_name"), form.getlist("m_unit"), form.getlist("m_min"), form.getlist("m_max"),
                   form.getlist("m_tag"), strict=False)
        specs = [md.SpecInput(name.strip(), unit.strip(), _number(name, low), _number(name, high), tag.strip() or None)
                 for name, unit, low, high, tag in rows if name.strip()]
        with transaction() as s:
            md.replace_measurement_plan(s, actor(), md.operation_of(s, code, version, seq), specs)
    except DomainError as exc:
        return refused(routing_page, exc, "version" if isinstance(exc, AlreadyApproved) else f"plan-{seq}", code=code,
                       version=version)
    flash(_("Data collection plan of operation {seq} saved.").format(seq=seq), "success")
    return redirect(url_for("admin.routing", code=code, version=version), 303)


@bp.post("/routings")
@requires(Permission.MASTER_DATA_EDIT)
def new_routing():  # type: ignore[no-untyped-def]
    """Version 1 of a new routing from its operations, one a row: number; name; station type; qualification."""
    try:
        code = field("code", "Routing", 40)
        operations = [_operation(n, row) for n, row in enumerate(field("operations", "Operations", 10000)
                                                                 .splitlines(), 1) if row.strip()]
        with transaction() as s:
            md.create_routing_version(s, actor(), code, operations)
    except DomainError as exc:
        return refused(routings_page, exc, "routing")
    flash(_("Draft version {version} of {code} created.").format(version=1, code=code), "success")
    return redirect(url_for("admin.routing", code=code, version=1), 303)


def _operation(number: int, row: str) -> md.OperationInput:
    parts = [p.strip() for p in row.split(";")] + ["", "", "", ""]
    if not parts[0].isdigit():
        raise InvalidMasterData(f"line {number}: number; name; station type; qualification",
                                f"строка {number}: номер; название; тип станции; квалификация")
    return md.OperationInput(int(parts[0]), parts[1], parts[2], parts[3] or None)


def _whole(text: str, label: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise InvalidMasterData(f"{label}: an operation number", f"{_(label)}: номер операции")
    return int(text)


def _number(name: str, text: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise InvalidMasterData(f"measurement {name}: the limit {text!r} is not a number",
                                f"измерение {name}: предел {text!r} не число") from exc


@bp.post("/routings/<code>/<int:version>/approve")
@requires(Permission.ROUTING_APPROVE)
def approve_routing(code: str, version: int):  # type: ignore[no-untyped-def]
    """Approve the version: e-signature "approved" by another person than its author."""
    try:
        password, username = signing()
        reason = field("reason", "Reason", 500, required=False) or None
        with transaction() as s:
            md.approve_routing(s, actor(), code, version, reason, password=password, username=username)
    except DomainError as exc:
        return refused(routing_page, exc, "approve", code=code, version=version)
    after_signing()
    flash(_("{code} version {version} approved and signed.").format(code=code, version=version), "success")
    return redirect(url_for("admin.routing", code=code, version=version), 303)


def boms_page(**extra: Any) -> str:
    """Every product's BOM versions with their lines, authors and approvals."""
    with read_only() as s:
        rows = []
        for product in s.scalars(select(Product).order_by(Product.gtin)):
            boms = []
            for bom in s.scalars(select(Bom).where(Bom.product_id == product.id).order_by(Bom.version.desc())):
                key = f"{product.gtin}/v{bom.version}"
                editors = set() if bom.approved else editors_of(s, {
                    "bom": [key], "bom_line": [str(ln.id) for ln in bom.lines]})
                boms.append({"bom": bom, "lines": list(bom.lines), "author": person(s, bom.created_by_id),
                             "editors": editors,
                             "signature": signature_view(s, "bom", key, bom.signature_id, md.bom_content(s, bom))})
            rows.append((product, boms))
    return render("admin/boms.html", rows=rows, **extra)


@bp.get("/boms")
@requires(Permission.MASTER_DATA_VIEW)
def boms():  # type: ignore[no-untyped-def]
    """Bills of materials by product."""
    return boms_page()


@bp.post("/boms/<gtin>")
@requires(Permission.MASTER_DATA_EDIT)
def add_bom(gtin: str):  # type: ignore[no-untyped-def]
    """A new draft BOM version from its lines, one a row: part; quantity; capture; operation; substitutes."""
    try:
        lines = [_bom_line(n, row) for n, row in enumerate(field("lines", "Lines", 10000).splitlines(), 1)
                 if row.strip()]
        with transaction() as s:
            version = md.create_bom(s, actor(), gtin, lines).version
    except DomainError as exc:
        return refused(boms_page, exc, f"bom-{gtin}")
    flash(_("Draft BOM version {version} of {gtin} created.").format(version=version, gtin=gtin), "success")
    return redirect(url_for("admin.boms"), 303)


def _bom_line(number: int, row: str) -> md.BomLineInput:
    parts = [p.strip() for p in row.split(";")]
    parts += [""] * (5 - len(parts))
    try:
        quantity = Decimal(parts[1].replace(",", "."))
        seq = int(parts[3]) if parts[3] else None
    except (InvalidOperation, ValueError) as exc:
        raise InvalidMasterData(f"line {number}: part; quantity; capture; operation; substitutes",
                                f"строка {number}: компонент; количество; учёт; операция; замены") from exc
    return md.BomLineInput(parts[0], quantity, parts[2] or "none", seq,
                           tuple(p.strip() for p in parts[4].split(",") if p.strip()))


@bp.post("/boms/<gtin>/<int:version>/approve")
@requires(Permission.ROUTING_APPROVE)
def approve_bom(gtin: str, version: int):  # type: ignore[no-untyped-def]
    """Approve a BOM version: e-signature "approved" by another person than its author."""
    try:
        password, username = signing()
        reason = field("reason", "Reason", 500, required=False) or None
        with transaction() as s:
            md.approve_bom(s, actor(), gtin, version, password, reason, username)
    except DomainError as exc:
        return refused(boms_page, exc, f"approve-{gtin}-{version}")
    after_signing()
    flash(_("BOM version {version} of {gtin} approved and signed.").format(version=version, gtin=gtin), "success")
    return redirect(url_for("admin.boms"), 303)
