"""Administration of recipes: versions draft → approved (e-signed, two-person rule) → superseded.

A process engineer creates a recipe and drafts versions (master_data.edit); a person holding
recipe.approve who is not the draft's author approves it with an electronic signature.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from mes.domain.errors import DomainError
from mes.models import Product, Recipe
from mes.production.common import get_by
from mes.production.masterdata_errors import InvalidMasterData
from mes.security.permissions import Permission
from recipes import versions as rv
from web.admin import actor, after_signing, bp, field, refused, render, signing
from web.admin_products import person, signature_view
from web.api.transaction import read_only, transaction
from web.i18n import gettext as _
from web.permissions import requires

BLANK_ROWS = 3  # empty parameter rows offered under a draft's parameters


def recipes_page(**extra: Any) -> str:
    """Every recipe with its versions' statuses, and the form that adds one."""
    with read_only() as s:
        rows = [(r, list(r.versions), s.get(Product, r.product_id) if r.product_id else None)
                for r in rv.list_recipes(s)]
        gtins = list(s.scalars(select(Product.gtin).order_by(Product.gtin)))
    return render("admin/recipes.html", rows=rows, gtins=gtins, **extra)


@bp.get("/recipes")
@requires(Permission.MASTER_DATA_VIEW)
def recipes():  # type: ignore[no-untyped-def]
    """Recipes."""
    return recipes_page()


@bp.post("/recipes")
@requires(Permission.MASTER_DATA_EDIT)
def add_recipe():  # type: ignore[no-untyped-def]
    """A new recipe for a kind of equipment (and optionally one product); its first draft follows."""
    try:
        code, name = field("code", "Code", 40), field("name", "Name")
        kind = field("equipment_kind", "Equipment kind", 60)
        gtin = field("product_gtin", "Product", 14, required=False) or None
        with transaction() as s:
            rv.create_recipe(s, actor(), code, name, kind, gtin)
    except DomainError as exc:
        return refused(recipes_page, exc, "recipe")
    flash(_("Recipe {code} created.").format(code=code), "success")
    return redirect(url_for("admin.recipe", code=code), 303)


def recipe_page(code: str, version: int | None = None, **extra: Any) -> str:
    """A recipe's versions, one of them shown (the newest by default) with its parameters and forms."""
    with read_only() as s:
        recipe = get_by(s, Recipe, "Recipe", code=code)
        versions = list(recipe.versions)
        shown = rv.get_version(s, code, version) if version is not None else (versions[-1] if versions else None)
        view = {"recipe": recipe, "versions": versions, "shown": shown,
                "people": {v.version: (person(s, v.created_by_id), person(s, v.approved_by_id)) for v in versions},
                "parameters": list(shown.parameters) if shown else [],
                "approval": signature_view(s, "recipe_version", f"{code}/v{shown.version}", shown.signature_id,
                                            rv.signed_content(recipe, shown)) if shown else None,
                "product": s.get(Product, recipe.product_id) if recipe.product_id else None}
    return render("admin/recipe.html", blank_rows=BLANK_ROWS, **view, **extra)


@bp.get("/recipes/<code>")
@requires(Permission.MASTER_DATA_VIEW)
def recipe(code: str):  # type: ignore[no-untyped-def]
    """A recipe, showing its newest version."""
    return recipe_page(code)


@bp.get("/recipes/<code>/<int:version>")
@requires(Permission.MASTER_DATA_VIEW)
def recipe_version(code: str, version: int):  # type: ignore[no-untyped-def]
    """A recipe, showing one version."""
    return recipe_page(code, version)


@bp.post("/recipes/<code>/versions")
@requires(Permission.MASTER_DATA_EDIT)
def new_recipe_version(code: str):  # type: ignore[no-untyped-def]
    """A new draft: a copy of the newest version's parameters (none for the first)."""
    try:
        note = field("note", "What changes and why", 500, required=False)
        with transaction() as s:
            version = rv.draft_version(s, actor(), code, None, note).version
    except DomainError as exc:
        return refused(recipe_page, exc, "new-version", code=code)
    flash(_("Draft version {version} of {code} created.").format(version=version, code=code), "success")
    return redirect(url_for("admin.recipe_version", code=code, version=version), 303)


@bp.post("/recipes/<code>/<int:version>/parameters")
@requires(Permission.MASTER_DATA_EDIT)
def save_parameters(code: str, version: int):  # type: ignore[no-untyped-def]
    """Replace a draft's parameters with the rows of the form (a row with no name is left out)."""
    try:
        params = _parameters()
        note = field("note", "What changes and why", 500, required=False)
        with transaction() as s:
            rv.set_parameters(s, actor(), code, version, params, note)
    except DomainError as exc:
        return refused(recipe_page, exc, "parameters", code=code, version=version)
    flash(_("Parameters of version {version} saved.").format(version=version), "success")
    return redirect(url_for("admin.recipe_version", code=code, version=version), 303)


@bp.post("/recipes/<code>/<int:version>/approve")
@requires(Permission.RECIPE_APPROVE)
def approve_recipe(code: str, version: int):  # type: ignore[no-untyped-def]
    """Approve a draft: e-signature "approved" by another person than its author; the old one is superseded."""
    try:
        password, username = signing()
        reason = field("reason", "Reason", 500, required=False) or None
        with transaction() as s:
            rv.approve_version(s, actor(), code, version, password, reason, username)
    except DomainError as exc:
        return refused(recipe_page, exc, "approve", code=code, version=version)
    after_signing()
    flash(_("{code} version {version} approved and signed.").format(code=code, version=version), "success")
    return redirect(url_for("admin.recipe_version", code=code, version=version), 303)


def _parameters() -> list[rv.ParameterInput]:
    """The parameter rows of the form: name, value, unit, min, max (parallel lists)."""
    form = request.form
    rows = zip(form.getlist("name"), form.getlist("value"), form.getlist("unit"), form.getlist("min"),
               form.getlist("max"), strict=False)
    return [rv.ParameterInput(name.strip(), value.strip(), unit.strip(), _limit(name, low), _limit(name, high))
            for name, value, unit, low, high in rows if name.strip()]


def _limit(name: str, text: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise InvalidMasterData(f"parameter {name}: the limit {text!r} is not a number",
                                f"параметр {name}: предел {text!r} не число") from exc
