"""What a process engineer's draft must satisfy before it is saved: station types, qualifications and recipes
that exist on the site, rework loops that go back, and BOM lines naming known parts (docs/master-data.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.domain.routing import BadRework, Step, rework_target
from mes.models import BomLine, MaterialLot, Product, Qualification, Recipe, RecipeVersion, Station
from mes.production.common import get_by
from mes.production.masterdata_errors import InvalidMasterData

STATION_TYPE = re.compile(r"[a-z][a-z0-9_]{0,59}")


def check_station_type(session: Session, station_type: str) -> None:
    """The station type is well formed and at least one station of the site has it."""
    if not STATION_TYPE.fullmatch(station_type):
        raise InvalidMasterData(f"station type {station_type!r}: lower-case letters, digits and _",
                                f"тип станции {station_type!r}: строчные латинские буквы, цифры и _")
    if session.scalar(select(Station.id).where(Station.station_type == station_type).limit(1)) is None:
        known = ", ".join(sorted(set(session.scalars(select(Station.station_type))))) or "—"
        raise InvalidMasterData(f"station type {station_type!r}: no station of this type on the site (known: {known})",
                                f"тип станции {station_type!r}: на площадке нет станции этого типа "
                                f"(есть: {known})")


def check_qualification(session: Session, code: str | None) -> None:
    """A required qualification must be one the site trains for: somebody holds (or held) it."""
    if not code:
        return
    if session.scalar(select(Qualification.id).where(Qualification.code == code).limit(1)) is None:
        raise InvalidMasterData(f"qualification {code!r}: nobody holds it; grant it under Qualifications first",
                                f"квалификация {code!r}: её нет ни у кого; сначала присвойте её в разделе "
                                "«Квалификации»")


def recipe_for(session: Session, recipe_code: str | None, station_type: str) -> int | None:
    """The id of the referenced recipe: it must be for this station type and have an approved version."""
    if not recipe_code:
        return None
    recipe = get_by(session, Recipe, "Recipe", code=recipe_code)
    if recipe.equipment_kind != station_type:
        raise InvalidMasterData(f"recipe {recipe_code} is for {recipe.equipment_kind} machines, "
                                f"not for station type {station_type}",
                                f"рецепт {recipe_code} для оборудования типа {recipe.equipment_kind}, "
                                f"а не для станций типа {station_type}")
    approved = select(RecipeVersion.id).where(RecipeVersion.recipe_id == recipe.id, RecipeVersion.status == "approved")
    if session.scalar(approved.limit(1)) is None:
        raise InvalidMasterData(f"recipe {recipe_code} has no approved version: approve one first",
                                f"у рецепта {recipe_code} нет утверждённой версии: сначала утвердите её")
    return recipe.id


def check_loops(steps: Sequence[Step]) -> None:
    """Every operation's rework target is an operation of the routing at or before it."""
    for step in steps:
        try:
            rework_target(steps, step.seq)
        except BadRework as exc:
            target = step.rework_target_seq
            raise InvalidMasterData(
                f"operation {step.seq} reworks from {target}: the rework target must be an earlier or the same "
                "operation of this version",
                f"операция {step.seq} дорабатывается с операции {target}: операция доработки должна быть "
                "этой же или более ранней операцией этой версии") from exc


def check_seq(seq: int) -> None:
    """An operation number is a positive whole number."""
    if not 0 < seq < 100000:
        raise InvalidMasterData(f"operation number {seq}: a positive number (below 100000)",
                                f"номер операции {seq}: положительное число (меньше 100000)")


def known_part(session: Session, part_number: str) -> bool:
    """A part the site knows: a product (subassembly) GTIN, a received lot's part, or named by a BOM."""
    for query in (select(Product.id).where(Product.gtin == part_number),
                  select(MaterialLot.id).where(MaterialLot.part_number == part_number),
                  select(BomLine.id).where(BomLine.part_number == part_number)):
        if session.scalar(query.limit(1)) is not None:
            return True
    # a substitute only named inside another line's comma-separated list
    pattern = f"%{part_number}%"
    return any(part_number in line.substitute_list() for line in session.scalars(
        select(BomLine).where(BomLine.substitutes.like(pattern))))


class _LineLike(Protocol):
    part_number: str
    substitutes: Sequence[str]


def check_bom_lines(session: Session, lines: Sequence[_LineLike], *, known_parts: bool) -> None:
    """No component twice, no substitute equal to its component or repeated; with `known_parts`, every
    part and substitute is one the site knows (a person's draft; the site import brings its own parts)."""
    seen: set[str] = set()
    for position, line in enumerate(lines, start=1):
        part = line.part_number.strip()
        if part in seen:
            raise InvalidMasterData(f"BOM line {position}: component {part} is already on this BOM version",
                                    f"строка {position} спецификации: компонент {part} уже есть в этой версии")
        seen.add(part)
        substitutes = [s.strip() for s in line.substitutes]
        if part in substitutes:
            raise InvalidMasterData(f"BOM line {position}: {part} cannot be a substitute for itself",
                                    f"строка {position} спецификации: {part} не может быть заменой самого себя")
        if len(set(substitutes)) != len(substitutes) or any(not s for s in substitutes):
            raise InvalidMasterData(f"BOM line {position}: each substitute once, none empty",
                                    f"строка {position} спецификации: каждая замена один раз, без пустых")
        for name in (part, *substitutes) if known_parts else ():
            if not known_part(session, name):
                raise InvalidMasterData(
                    f"BOM line {position}: part {name} is unknown (no product, received lot or BOM names it)",
                    f"строка {position} спецификации: компонент {name} неизвестен (его нет среди изделий, "
                    "принятых партий и спецификаций)")
