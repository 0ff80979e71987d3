"""`mes recipe download` refuses a recipe without an approved version, naming why, and writes nothing."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from mes.cli import main
from mes.db import unit_of_work
from mes.models import AuditEvent
from recipes.versions import ParameterInput, create_recipe, draft_version


def test_a_draft_recipe_is_never_downloaded(seeded, engine, process):
    with unit_of_work(seeded) as s:
        create_recipe(s, process, "RCP-SCR", "Screwing", "screwdriving")
        draft_version(s, process, "RCP-SCR", [ParameterInput("program", "4")])
    env = {"MES_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(main, ["recipe", "download", "--equipment", "SCR01-SPINDLE", "--recipe", "RCP-SCR"],
                                env=env)
    assert result.exit_code != 0 and "has no approved version" in result.output
    with seeded() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "DOWNLOAD")).first() is None
