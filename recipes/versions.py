"""Recipe versions: draft → approved (e-signed "approved", two-person rule) → superseded.

A draft's parameters may change; an approved version never does (a change is a new version, and
approving it supersedes the previous one). Only the approved version is handed out for download.
Every change is audited with old and new values in the caller's transaction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.models import Product, Recipe, RecipeParameter, RecipeVersion, utcnow
from mes.production.common import audit, get_by
from mes.production.errors import NotFound
from mes.production.masterdata import CODE, STATION_TYPE
from mes.production.masterdata_errors import (
    AlreadyExists,
    DraftExists,
    InvalidMasterData,
    NotADraft,
    NotApproved,
    ParameterOutOfRange,
)
from mes.production.masterdata_signing import sign_approval
from mes.security.permissions import Permission

PARAMETER_NAME = re.compile(r"[a-z][a-z0-9_]{0,53}")  # written to the machine's param_<name> tag


@dataclass(frozen=True)
class ParameterInput:
    """One set point: name, value as text, unit and optional limits."""

    name: str
    value: str
    unit: str = ""
    low: float | None = None
    high: float | None = None


def create_recipe(session: Session, actor: AuditActor, code: str, name: str, equipment_kind: str,
                  product_gtin: str | None = None) -> Recipe:
    """A new recipe (no version yet) for a kind of equipment, optionally for one product."""
    if not CODE.fullmatch(code):
        raise InvalidMasterData(f"code {code!r}: letters, digits, - and _ only (at most 40)",
                                f"код {code!r}: только буквы, цифры, - и _ (не более 40)")
    if not name.strip() or len(name) > 200:
        raise InvalidMasterData("a recipe needs a name (at most 200 characters)",
                                "у рецепта должно быть название (не более 200 символов)")
    if not STATION_TYPE.fullmatch(equipment_kind):
        raise InvalidMasterData(f"equipment kind {equipment_kind!r}: a station type (lower-case, digits, _)",
                                f"вид оборудования {equipment_kind!r}: тип станции (строчные, цифры, _)")
    if session.scalars(select(Recipe.id).where(Recipe.code == code)).first() is not None:
        raise AlreadyExists(what="Recipe", key=code)
    product = get_by(session, Product, "Product", gtin=product_gtin) if product_gtin else None
    recipe = Recipe(code=code, name=name.strip(), equipment_kind=equipment_kind,
                    product_id=product.id if product else None)
    session.add(recipe)
    session.flush()
    audit(session, actor, "CREATE", "recipe", code,
          new={"name": recipe.name, "equipment_kind": equipment_kind, "product": product_gtin})
    return recipe


def draft_version(session: Session, actor: AuditActor, code: str, parameters: Sequence[ParameterInput] | None = None,
                  note: str = "") -> RecipeVersion:
    """A new draft version: the given parameters, or a copy of the newest version's."""
    recipe = get_by(session, Recipe, "Recipe", code=code)
    newest = _newest(session, recipe)
    if newest is not None and newest.status == "draft":
        raise DraftExists(what=code, version=newest.version)
    if parameters is None:
        parameters = [_as_input(p) for p in newest.parameters] if newest is not None else []
    version = RecipeVersion(recipe_id=recipe.id, version=(newest.version + 1) if newest else 1, status="draft",
                            note=note.strip()[:500], created_by_id=actor.user_id, created_at=utcnow())
    session.add(version)
    _replace_parameters(version, parameters)
    session.flush()
    audit(session, actor, "CREATE", "recipe_version", _key(recipe, version), new=_snapshot(version),
          reason=note or None)
    return version


def set_parameters(session: Session, actor: AuditActor, code: str, version: int,
                   parameters: Sequence[ParameterInput], note: str | None = None) -> RecipeVersion:
    """Replace the parameters of a draft version (audited old → new)."""
    recipe = get_by(session, Recipe, "Recipe", code=code)
    row = get_version(session, code, version)
    if row.status != "draft":
        raise NotADraft(what=f"{code} v{version}", status=row.status)
    old = _snapshot(row)
    _replace_parameters(row, parameters, session)
    if note is not None:
        row.note = note.strip()[:500]
    session.flush()
    audit(session, actor, "UPDATE", "recipe_version", _key(recipe, row), field="parameters", old=old,
          new=_snapshot(row))
    return row


def approve_version(session: Session, actor: AuditActor, code: str, version: int, password: str,
                    reason: str | None = None, username: str | None = None) -> RecipeVersion:
    """Approve a draft, e-signed by another person than its author; the previously approved version is superseded."""
    recipe = get_by(session, Recipe, "Recipe", code=code)
    row = get_version(session, code, version)
    if row.status != "draft":
        raise NotADraft(what=f"{code} v{version}", status=row.status)
    if not row.parameters:
        raise InvalidMasterData("a recipe version needs at least one parameter",
                                "в версии рецепта нужен хотя бы один параметр")
    signature = sign_approval(session, actor, password=password, entity="recipe_version",
                              entity_id=_key(recipe, row), content=signed_content(recipe, row),
                              permission=Permission.RECIPE_APPROVE, author_id=row.created_by_id, reason=reason,
                              username=username)
    now = utcnow()
    for previous in session.scalars(select(RecipeVersion).where(RecipeVersion.recipe_id == recipe.id,
                                                                RecipeVersion.status == "approved")):
        audit(session, actor, "UPDATE", "recipe_version", _key(recipe, previous), field="status", old="approved",
              new="superseded", reason=f"v{version} approved")
        previous.status, previous.superseded_at = "superseded", now
    audit(session, actor, "UPDATE", "recipe_version", _key(recipe, row), field="status", old="draft", new="approved",
          reason=reason)
    row.status, row.approved_at, row.approved_by_id, row.signature_id = "approved", now, actor.user_id, signature.id
    session.flush()
    return row


def approved_version(session: Session, code: str) -> RecipeVersion:
    """The one approved version of a recipe, or NotApproved (drafts and superseded versions are never used)."""
    recipe = get_by(session, Recipe, "Recipe", code=code)
    row = session.scalars(select(RecipeVersion).where(RecipeVersion.recipe_id == recipe.id,
                                                      RecipeVersion.status == "approved")).one_or_none()
    if row is None:
        raise NotApproved(recipe=code)
    return row


def download_values(session: Session, code: str) -> tuple[RecipeVersion, dict[str, str]]:
    """The approved version and its set points as machine tag names (param_<name>) → value text."""
    row = approved_version(session, code)
    return row, {f"param_{p.name}": p.value for p in row.parameters}


def get_version(session: Session, code: str, version: int) -> RecipeVersion:
    """One version of a recipe, or NotFound."""
    recipe = get_by(session, Recipe, "Recipe", code=code)
    row = session.scalars(select(RecipeVersion).where(RecipeVersion.recipe_id == recipe.id,
                                                      RecipeVersion.version == version)).one_or_none()
    if row is None:
        raise NotFound("Recipe version", f"{code} v{version}")
    return row


def list_recipes(session: Session) -> list[Recipe]:
    """Every recipe, by code."""
    return list(session.scalars(select(Recipe).order_by(Recipe.code)))


def signed_content(recipe: Recipe, version: RecipeVersion) -> dict[str, Any]:
    """What an approval signs: changing any of it afterwards shows the signature as INVALID."""
    return {"recipe": recipe.code, "equipment_kind": recipe.equipment_kind, "product_id": recipe.product_id,
            "version": version.version, "parameters": _snapshot(version)}


def _newest(session: Session, recipe: Recipe) -> RecipeVersion | None:
    newest = session.scalar(select(func.max(RecipeVersion.version)).where(RecipeVersion.recipe_id == recipe.id))
    return None if newest is None else session.scalars(select(RecipeVersion).where(
        RecipeVersion.recipe_id == recipe.id, RecipeVersion.version == newest)).one()


def _replace_parameters(version: RecipeVersion, parameters: Sequence[ParameterInput],
                        session: Session | None = None) -> None:
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise InvalidMasterData("each parameter name may appear once", "каждый параметр может встречаться один раз")
    rows = [_checked(position, p) for position, p in enumerate(parameters, start=1)]
    version.parameters.clear()
    if session is not None:
        session.flush()  # the old rows go first: the unit of work would insert before deleting (unique names)
    version.parameters.extend(rows)


def _checked(position: int, p: ParameterInput) -> RecipeParameter:
    """A parameter row after checking its name, value and limits."""
    if not PARAMETER_NAME.fullmatch(p.name):
        raise InvalidMasterData(f"parameter {p.name!r}: lower-case letters, digits and _ (a machine tag name)",
                                f"параметр {p.name!r}: строчные латинские буквы, цифры и _ (имя тега станка)")
    value = p.value.strip()
    if not value or len(value) > 80 or len(p.unit) > 20:
        raise InvalidMasterData(f"parameter {p.name}: a value (at most 80 characters) and a unit (at most 20)",
                                f"параметр {p.name}: значение (не более 80 символов) и единица (не более 20)")
    if p.low is not None and p.high is not None and p.low > p.high:
        raise InvalidMasterData(f"parameter {p.name}: min {p.low} is above max {p.high}",
                                f"параметр {p.name}: минимум {p.low} больше максимума {p.high}")
    if p.low is not None or p.high is not None:
        number = _number(value)
        if number is None:
            raise InvalidMasterData(f"parameter {p.name}: {value!r} is not a number, but it has limits",
                                    f"параметр {p.name}: {value!r} не число, а у него заданы пределы")
        if (p.low is not None and number < p.low) or (p.high is not None and number > p.high):
            raise ParameterOutOfRange(name=p.name, value=value, low=_shown(p.low), high=_shown(p.high))
    return RecipeParameter(position=position, name=p.name, value=value, unit=p.unit.strip(), low=p.low, high=p.high)


def _number(text: str) -> float | None:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _shown(limit: float | None) -> str:
    return "" if limit is None else f"{limit:g}"


def _as_input(p: RecipeParameter) -> ParameterInput:
    return ParameterInput(p.name, p.value, p.unit, p.low, p.high)


def _snapshot(version: RecipeVersion) -> list[dict[str, Any]]:
    return [{"name": p.name, "value": p.value, "unit": p.unit, "low": p.low, "high": p.high}
            for p in version.parameters]


def _key(recipe: Recipe, version: RecipeVersion) -> str:
    return f"{recipe.code}/v{version.version}"
