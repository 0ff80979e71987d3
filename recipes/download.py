"""Download an approved recipe version to a machine: write, read back, compare, then enable the cycle.

Drafts and superseded versions are refused before any connection is made (recipes.versions.download_values).
The machine must be of the recipe's equipment kind (its station's type). A verified download is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.edge.commands import download_to_equipment
from mes.edge.parameters import Value
from mes.models import Equipment, Station
from mes.production.common import audit
from mes.production.errors import NotFound
from mes.production.masterdata_errors import InvalidMasterData
from recipes.versions import download_values


@dataclass(frozen=True)
class RecipeDownload:
    """What was written and verified."""

    recipe: str
    version: int
    equipment: str
    values: dict[str, Value]


def _plan(session: Session, equipment_code: str, recipe_code: str) -> tuple[int, dict[str, str]]:
    """The approved version number and its tag values, after checking the machine's kind."""
    version, values = download_values(session, recipe_code)
    equipment = session.scalars(select(Equipment).where(Equipment.code == equipment_code)).one_or_none()
    if equipment is None:
        raise NotFound("Equipment", equipment_code)
    station = session.get(Station, equipment.station_id) if equipment.station_id is not None else None
    kind = version.recipe.equipment_kind
    if station is None or station.station_type != kind:
        raise InvalidMasterData(f"recipe {recipe_code} is for {kind} equipment, {equipment_code} is not",
                                f"рецепт {recipe_code} для оборудования вида {kind}, а {equipment_code} — нет")
    return version.version, values


async def download_recipe(factory: sessionmaker[Session], actor: AuditActor, equipment_code: str,
                          recipe_code: str, *, enable: bool = True) -> RecipeDownload:
    """Download the approved version of `recipe_code` to `equipment_code`; audited once verified."""
    with factory() as session:
        version, values = _plan(session, equipment_code, recipe_code)
    written = await download_to_equipment(factory, equipment_code, [f"{k}={v}" for k, v in values.items()],
                                          enable=enable)
    with unit_of_work(factory) as session:
        audit(session, actor, "DOWNLOAD", "recipe_version", f"{recipe_code}/v{version}", field="equipment",
              new={"equipment": equipment_code, "values": written, "cycle_enabled": enable})
    return RecipeDownload(recipe_code, version, equipment_code, written)
