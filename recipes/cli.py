"""`mes recipe download`: write a recipe's approved version to a machine, read back, then enable its cycle."""

from __future__ import annotations

import asyncio
import getpass
import os

import click

from mes.settings import Settings


@click.group("recipe")
def recipe() -> None:
    """Recipes: download the approved version to a machine."""


@recipe.command("download")
@click.option("--equipment", "equipment", required=True, help="Equipment code, e.g. SCR01-SPINDLE.")
@click.option("--recipe", "code", required=True, help="Recipe code; its approved version is downloaded.")
@click.option("--enable/--no-enable", default=True, show_default=True, help="Set cycle_enable=1 when verified.")
@click.pass_obj
def recipe_download(settings: Settings, equipment: str, code: str, enable: bool) -> None:
    """Download the approved version of a recipe (never a draft), verify it, and audit the download."""
    from equipment_adapters.errors import EquipmentError
    from mes.compliance.audit import AuditActor
    from mes.db import create_db_engine, session_factory
    from mes.domain.errors import DomainError
    from mes.edge.parameters import ParameterDownloadError
    from recipes.download import download_recipe

    actor = AuditActor(None, f"cli:{getpass.getuser()}", f"cli@{os.uname().nodename}"[:100])
    engine = create_db_engine(settings.database_url)
    try:
        done = asyncio.run(download_recipe(session_factory(engine), actor, equipment, code, enable=enable))
    except DomainError as exc:
        raise click.ClickException(exc.message("en")) from exc
    except (LookupError, ValueError, ParameterDownloadError, EquipmentError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"{equipment}: {code} v{done.version} verified {done.values}" + ("; cycle enabled" if enable else ""))
