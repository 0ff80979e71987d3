"""Master data: recipes, routings, brands, products, BOMs, and the equipment connection test.

Approvals are electronic signatures meaning "approved": the body carries the approver's password
(re-authentication), and the approver must be another person than the version's author.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from flask import g, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.models import Bom, Brand, Product, Recipe, RecipeVersion, Routing, User
from mes.production import masterdata as md
from mes.production import masterdata_boms as mb
from mes.production import masterdata_drafts as mdd
from mes.production.common import get_by
from mes.production.errors import InvalidInput
from mes.production.masterdata_equipment import DEFAULT_TIMEOUT_S, device_of, list_equipment, probe
from mes.production.masterdata_products import BrandInput, ProductInput, create_brand, create_product
from mes.security.permissions import Permission
from recipes import versions as rv
from web.api import bp
from web.api.inputs import body, boolean, decimal, integer, iso_date, text
from web.api.transaction import read_only, transaction
from web.permissions import requires


def _password(data: dict[str, Any]) -> str:
    password = data.get("password")
    if not isinstance(password, str) or not password:
        raise InvalidInput("password is required (re-enter it to sign)")
    return password


def _number(data: dict[str, Any], name: str) -> float | None:
    value = decimal(data, name, required=False)
    return None if value is None else float(value)


def _items(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = data.get(name)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidInput(f"{name} must be a list of objects")
    return items


def _parameters(data: dict[str, Any]) -> list[rv.ParameterInput]:
    return [rv.ParameterInput(text(p, "name", max_len=60) or "", str(p.get("value", "")).strip(),
                              text(p, "unit", required=False, max_len=20) or "", _number(p, "min"), _number(p, "max"))
            for p in _items(data, "parameters")]


def _user_name(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user else None


def recipe_json(session: Session, recipe: Recipe) -> dict[str, Any]:
    """A recipe with every version, its status, author, approver and parameters."""
    product = session.get(Product, recipe.product_id) if recipe.product_id else None
    return {"code": recipe.code, "name": recipe.name, "equipment_kind": recipe.equipment_kind,
            "product_gtin": product.gtin if product else None,
            "versions": [version_json(session, v) for v in recipe.versions]}


def version_json(session: Session, v: RecipeVersion) -> dict[str, Any]:
    """One recipe version."""
    return {"version": v.version, "status": v.status, "note": v.note,
            "author": _user_name(session, v.created_by_id), "approved_by": _user_name(session, v.approved_by_id),
            "approved_at": v.approved_at.isoformat() if v.approved_at else None, "signature_id": v.signature_id,
            "parameters": [{"name": p.name, "value": p.value, "unit": p.unit, "min": p.low, "max": p.high}
                           for p in v.parameters]}


def routing_json(session: Session, routing: Routing) -> dict[str, Any]:
    """A routing version with its operations, author and approval."""
    return {**md.routing_content(session, routing), "approved": routing.approved,
            "author": _user_name(session, routing.created_by_id),
            "approved_by": _user_name(session, routing.approved_by_id), "signature_id": routing.signature_id}


@bp.get("/recipes")
@requires(Permission.MASTER_DATA_VIEW)
def list_recipes():  # type: ignore[no-untyped-def]
    """Every recipe with its versions."""
    with read_only() as s:
        return jsonify(recipes=[recipe_json(s, r) for r in rv.list_recipes(s)])


@bp.post("/recipes")
@requires(Permission.MASTER_DATA_EDIT)
def create_recipe():  # type: ignore[no-untyped-def]
    """A new recipe {code, name, equipment_kind, product_gtin?} (no version yet)."""
    data = body()
    code, name = text(data, "code", max_len=40), text(data, "name")
    kind, gtin = text(data, "equipment_kind", max_len=60), text(data, "product_gtin", required=False, max_len=14)
    with transaction() as s:
        return jsonify(recipe_json(s, rv.create_recipe(s, g.actor, code or "", name or "", kind or "", gtin))), 201


@bp.get("/recipes/<code>")
@requires(Permission.MASTER_DATA_VIEW)
def get_recipe(code: str):  # type: ignore[no-untyped-def]
    """One recipe with its versions."""
    with read_only() as s:
        return jsonify(recipe_json(s, get_by(s, Recipe, "Recipe", code=code)))


@bp.get("/recipes/<code>/approved")
@requires(Permission.MASTER_DATA_VIEW)
def approved_recipe(code: str):  # type: ignore[no-untyped-def]
    """The approved version, the only one a machine may run; 409 recipe_not_approved without one."""
    with read_only() as s:
        return jsonify(version_json(s, rv.approved_version(s, code)))


@bp.post("/recipes/<code>/versions")
@requires(Permission.MASTER_DATA_EDIT)
def draft_recipe_version(code: str):  # type: ignore[no-untyped-def]
    """A new draft {parameters?, note?}: without parameters, a copy of the newest version's."""
    data = body()
    params = _parameters(data) if "parameters" in data else None
    note = text(data, "note", required=False, max_len=500) or ""
    with transaction() as s:
        return jsonify(version_json(s, rv.draft_version(s, g.actor, code, params, note))), 201


@bp.post("/recipes/<code>/versions/<int:version>/parameters")
@requires(Permission.MASTER_DATA_EDIT)
def set_recipe_parameters(code: str, version: int):  # type: ignore[no-untyped-def]
    """Replace a draft's parameters {parameters: [{name, value, unit?, min?, max?}], note?}."""
    data = body()
    params, note = _parameters(data), text(data, "note", required=False, max_len=500)
    with transaction() as s:
        return jsonify(version_json(s, rv.set_parameters(s, g.actor, code, version, params, note)))


@bp.post("/recipes/<code>/versions/<int:version>/approve")
@requires(Permission.RECIPE_APPROVE)
def approve_recipe_version(code: str, version: int):  # type: ignore[no-untyped-def]
    """Approve a draft {password, reason?}, e-signed "approved" by another person than its author."""
    data = body()
    password, reason = _password(data), text(data, "reason", required=False, max_len=500)
    with transaction() as s:
        return jsonify(version_json(s, rv.approve_version(s, g.actor, code, version, password, reason)))


@bp.get("/routings")
@requires(Permission.MASTER_DATA_VIEW)
def list_routings():  # type: ignore[no-untyped-def]
    """Every routing version with its operations."""
    with read_only() as s:
        rows = s.scalars(select(Routing).order_by(Routing.code, Routing.version))
        return jsonify(routings=[routing_json(s, r) for r in rows])


@bp.get("/routings/<code>/versions/<int:version>")
@requires(Permission.MASTER_DATA_VIEW)
def get_routing(code: str, version: int):  # type: ignore[no-untyped-def]
    """One routing version."""
    with read_only() as s:
        return jsonify(routing_json(s, get_by(s, Routing, "Routing", code=code, version=version)))


@bp.post("/routings/<code>/versions")
@requires(Permission.MASTER_DATA_EDIT)
def create_routing_version(code: str):  # type: ignore[no-untyped-def]
    """A new draft version {operations?: [{seq, name, station_type, required_qualification?, recipe?}]}.

    Without operations, a copy of the newest version (plans, rework targets and recipes included).
    """
    data = body()
    operations = None
    if "operations" in data:
        operations = [md.OperationInput(integer(op, "seq") or 0, text(op, "name") or "",
                                        text(op, "station_type", max_len=60) or "",
                                        text(op, "required_qualification", required=False, max_len=60),
                                        text(op, "recipe", required=False, max_len=40))
                      for op in _items(data, "operations")]
    with transaction() as s:
        return jsonify(routing_json(s, md.create_routing_version(s, g.actor, code, operations))), 201


@bp.post("/routings/<code>/versions/<int:version>/approve")
@requires(Permission.ROUTING_APPROVE)
def approve_routing(code: str, version: int):  # type: ignore[no-untyped-def]
    """Approve a routing version {password, reason?}, e-signed "approved" by another person than its author."""
    data = body()
    password, reason = _password(data), text(data, "reason", required=False, max_len=500)
    with transaction() as s:
        return jsonify(routing_json(s, md.approve_routing(s, g.actor, code, version, reason, password=password)))


@bp.get("/products")
@requires(Permission.MASTER_DATA_VIEW)
def list_products():  # type: ignore[no-untyped-def]
    """Brands with their products."""
    with read_only() as s:
        return jsonify(brands=[{
            "code": b.code, "name": b.name, "gs1_company_prefix": b.gs1_company_prefix,
            "serial_scheme": b.serial_scheme, "lot_scheme": b.lot_scheme, "label_template_set": b.label_template_set,
            "products": [{"gtin": p.gtin, "model": p.model, "revision": p.revision,
                          "registration_number": p.registration_number,
                          "registration_date": p.registration_date.isoformat() if p.registration_date else None}
                         for p in b.products]} for b in s.scalars(select(Brand).order_by(Brand.code))])


@bp.post("/brands")
@requires(Permission.MASTER_DATA_EDIT)
def create_brand_endpoint():  # type: ignore[no-untyped-def]
    """A new brand {code, name, gs1_company_prefix, serial_scheme, lot_scheme, label_template_set}."""
    data = body()
    fields = {name: text(data, name, max_len=80) or "" for name in (
        "code", "name", "gs1_company_prefix", "serial_scheme", "lot_scheme", "label_template_set")}
    with transaction() as s:
        brand = create_brand(s, g.actor, BrandInput(**fields))
        return jsonify(code=brand.code, name=brand.name), 201


@bp.post("/brands/<code>/products")
@requires(Permission.MASTER_DATA_EDIT)
def create_product_endpoint(code: str):  # type: ignore[no-untyped-def]
    """A new product {gtin, model, revision, registration_number?, registration_date?, routing?}."""
    data = body()
    product = ProductInput(text(data, "gtin", max_len=14) or "", text(data, "model") or "",
                           text(data, "revision", max_len=20) or "",
                           text(data, "registration_number", required=False, max_len=60),
                           iso_date(data, "registration_date"), text(data, "routing", required=False, max_len=40))
    with transaction() as s:
        row = create_product(s, g.actor, code, product)
        return jsonify(gtin=row.gtin, model=row.model, revision=row.revision), 201


@bp.post("/products/<gtin>/boms")
@requires(Permission.MASTER_DATA_EDIT)
def create_bom(gtin: str):  # type: ignore[no-untyped-def]
    """A new draft BOM version {lines: [{part_number, quantity, capture?, operation_seq?, substitutes?}]}."""
    lines = [_bom_line(ln) for ln in _items(body(), "lines")]
    with transaction() as s:
        bom = md.create_bom(s, g.actor, gtin, lines)
        return jsonify(md.bom_content(s, bom) | {"approved": bom.approved}), 201


@bp.post("/products/<gtin>/boms/<int:version>/approve")
@requires(Permission.ROUTING_APPROVE)
def approve_bom(gtin: str, version: int):  # type: ignore[no-untyped-def]
    """Approve a BOM version {password, reason?}, e-signed "approved" by another person than its author."""
    data = body()
    password, reason = _password(data), text(data, "reason", required=False, max_len=500)
    with transaction() as s:
        bom: Bom = md.approve_bom(s, g.actor, gtin, version, password, reason)
        return jsonify(md.bom_content(s, bom) | {"approved": bom.approved, "signature_id": bom.signature_id})


def _bom_line(data: dict[str, Any]) -> md.BomLineInput:
    substitutes = data.get("substitutes") or []
    if not isinstance(substitutes, list) or not all(isinstance(x, str) for x in substitutes):
        raise InvalidInput("substitutes must be a list of part numbers")
    return md.BomLineInput(text(data, "part_number", max_len=60) or "", decimal(data, "quantity") or Decimal(0),
                           text(data, "capture", required=False, max_len=10) or "none",
                           integer(data, "operation_seq", required=False), tuple(substitutes),
                           text(data, "description", required=False) or "")


def _bom_json(session: Session, bom: Bom) -> dict[str, Any]:
    content = md.bom_content(session, bom)
    for line, row in zip(content["lines"], bom.lines, strict=True):
        line["description"] = row.description
    return content | {"approved": bom.approved, "author": _user_name(session, bom.created_by_id),
                      "approved_by": _user_name(session, bom.approved_by_id), "signature_id": bom.signature_id}


@bp.get("/products/<gtin>/boms")
@requires(Permission.MASTER_DATA_VIEW)
def list_boms(gtin: str):  # type: ignore[no-untyped-def]
    """Every BOM version of the product with its lines, author and approval."""
    with read_only() as s:
        product = get_by(s, Product, "Product", gtin=gtin)
        rows = s.scalars(select(Bom).where(Bom.product_id == product.id).order_by(Bom.version))
        return jsonify(boms=[_bom_json(s, bom) for bom in rows])


@bp.post("/products/<gtin>/boms/<int:version>/lines")
@requires(Permission.MASTER_DATA_EDIT)
def add_bom_line(gtin: str, version: int):  # type: ignore[no-untyped-def]
    """Add a line to a draft BOM {part_number, quantity, capture?, operation_seq?, substitutes?, description?}."""
    line = _bom_line(body())
    with transaction() as s:
        mb.add_bom_line(s, g.actor, gtin, version, line)
        return jsonify(_bom_json(s, mb.draft_bom(s, gtin, version))), 201


@bp.put("/products/<gtin>/boms/<int:version>/lines/<int:position>")
@requires(Permission.MASTER_DATA_EDIT)
def update_bom_line(gtin: str, version: int, position: int):  # type: ignore[no-untyped-def]
    """Replace a line of a draft BOM (same body as adding one): quantity, capture, substitutes..."""
    line = _bom_line(body())
    with transaction() as s:
        mb.update_bom_line(s, g.actor, gtin, version, position, line)
        return jsonify(_bom_json(s, mb.draft_bom(s, gtin, version)))


@bp.delete("/products/<gtin>/boms/<int:version>/lines/<int:position>")
@requires(Permission.MASTER_DATA_EDIT)
def remove_bom_line(gtin: str, version: int, position: int):  # type: ignore[no-untyped-def]
    """Remove a line of a draft BOM (the others keep their positions)."""
    with transaction() as s:
        mb.remove_bom_line(s, g.actor, gtin, version, position)
        return jsonify(_bom_json(s, mb.draft_bom(s, gtin, version)))


def _spec(data: dict[str, Any]) -> md.SpecInput:
    return md.SpecInput(text(data, "name", max_len=80) or "", text(data, "unit", required=False, max_len=20) or "",
                        _number(data, "min"), _number(data, "max"),
                        text(data, "source_tag", required=False, max_len=80), boolean(data, "required", default=True))


def _draft_json(session: Session, code: str, version: int) -> dict[str, Any]:
    return routing_json(session, get_by(session, Routing, "Routing", code=code, version=version))


@bp.post("/routings/<code>/versions/<int:version>/operations")
@requires(Permission.MASTER_DATA_EDIT)
def add_routing_operation(code: str, version: int):  # type: ignore[no-untyped-def]
    """Insert an operation into a draft {seq, name, station_type, required_qualification?, recipe?,
    rework_target_seq?, plan?: [{name, unit, min?, max?, source_tag?, required?}]}."""
    data = body()
    operation = md.OperationInput(integer(data, "seq") or 0, text(data, "name") or "",
                                  text(data, "station_type", max_len=60) or "",
                                  text(data, "required_qualification", required=False, max_len=60),
                                  text(data, "recipe", required=False, max_len=40))
    plan = [_spec(item) for item in _items(data, "plan")] if "plan" in data else []
    rework = integer(data, "rework_target_seq", required=False)
    with transaction() as s:
        mdd.add_operation(s, g.actor, code, version, operation, rework, plan)
        return jsonify(_draft_json(s, code, version)), 201


@bp.patch("/routings/<code>/versions/<int:version>/operations/<int:seq>")
@requires(Permission.MASTER_DATA_EDIT)
def update_routing_operation(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Change an operation of a draft: any of {name, station_type, required_qualification, recipe,
    rework_target_seq (null: retest), seq (a new number moves it)}; fields left out stay."""
    data = body()
    fields = {"name", "station_type", "required_qualification", "recipe"} & set(data)
    new_seq = integer(data, "seq", required=False)
    rework = integer(data, "rework_target_seq", required=False)
    with transaction() as s:
        operation = md.operation_of(s, code, version, seq)
        if fields:
            recipe = s.get(Recipe, operation.recipe_id) if operation.recipe_id else None
            md.update_operation(
                s, g.actor, operation, name=text(data, "name") if "name" in data else operation.name,
                station_type=text(data, "station_type", max_len=60) if "station_type" in data
                else operation.station_type,
                required_qualification=text(data, "required_qualification", required=False, max_len=60)
                if "required_qualification" in data else operation.required_qualification,
                recipe_code=text(data, "recipe", required=False, max_len=40) if "recipe" in data
                else (recipe.code if recipe else None))
        if "rework_target_seq" in data and rework != operation.rework_target_seq:
            md.set_rework_target(s, g.actor, operation, rework)
        if new_seq is not None and new_seq != seq:
            mdd.move_operation(s, g.actor, code, version, seq, new_seq)
        return jsonify(_draft_json(s, code, version))


@bp.delete("/routings/<code>/versions/<int:version>/operations/<int:seq>")
@requires(Permission.MASTER_DATA_EDIT)
def remove_routing_operation(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Remove an operation of a draft with its data collection plan and work instruction."""
    with transaction() as s:
        mdd.remove_operation(s, g.actor, code, version, seq)
        return jsonify(_draft_json(s, code, version))


@bp.put("/routings/<code>/versions/<int:version>/operations/<int:seq>/plan")
@requires(Permission.MASTER_DATA_EDIT)
def replace_routing_plan(code: str, version: int, seq: int):  # type: ignore[no-untyped-def]
    """Make an operation's data collection plan exactly {plan: [{name, unit, min?, max?, source_tag?}]}."""
    specs = [_spec(item) for item in _items(body(), "plan")]
    with transaction() as s:
        md.replace_measurement_plan(s, g.actor, md.operation_of(s, code, version, seq), specs)
        return jsonify(_draft_json(s, code, version))


@bp.put("/routings/<code>/versions/<int:version>/order")
@requires(Permission.MASTER_DATA_EDIT)
def reorder_routing(code: str, version: int):  # type: ignore[no-untyped-def]
    """Put a draft's operations in a new order {order: [every operation number once]}; numbers are kept."""
    order = body().get("order")
    if not isinstance(order, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in order):
        raise InvalidInput("order must be a list of operation numbers")
    with transaction() as s:
        mdd.reorder_operations(s, g.actor, code, version, order)
        return jsonify(_draft_json(s, code, version))


@bp.get("/equipment")
@requires(Permission.EQUIPMENT_MANAGE)
def list_equipment_endpoint():  # type: ignore[no-untyped-def]
    """Every machine: protocol, endpoint, due dates."""
    with read_only() as s:
        return jsonify(equipment=[{
            "code": e.code, "name": e.name, "protocol": e.protocol, "endpoint": e.endpoint,
            "calibration_due": e.calibration_due.isoformat() if e.calibration_due else None,
            "maintenance_due": e.maintenance_due.isoformat() if e.maintenance_due else None}
            for e in list_equipment(s)])


@bp.post("/equipment/<code>/connection-test")
@requires(Permission.EQUIPMENT_MANAGE)
def connection_test(code: str):  # type: ignore[no-untyped-def]
    """Connect, read one tag {tag?, timeout_s?}, report health; ok=false with the error when unreachable."""
    data = body()
    tag = text(data, "tag", required=False, max_len=80)
    timeout = _number(data, "timeout_s") or DEFAULT_TIMEOUT_S
    if not 0 < timeout <= 30:
        raise InvalidInput("timeout_s must be above 0 and at most 30")
    with read_only() as s:
        device = device_of(s, code)
    report = asyncio.run(probe(device, tag, timeout))  # no session held while the machine is asked
    return jsonify(equipment=report.equipment, endpoint=report.endpoint, ok=report.ok, tag=report.tag,
                   value=report.value, quality=report.quality, consecutive_failures=report.consecutive_failures,
                   error=report.error, elapsed_ms=report.elapsed_ms)
