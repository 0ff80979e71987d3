"""The `mes` command: database, seeding, configuration checks and the processes of the MES."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import click

from mes.logs import configure_logging
from mes.settings import Settings

DEMO_PASSWORD_ENV = "MES_DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "demo"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Technopolis MES: manufacturing execution for medical-device lines.

    Settings come from MES_* environment variables (MES_DATABASE_URL, MES_PORT, MES_LOG_LEVEL,
    MES_SITE_FILE…); see README.md.
    """
    ctx.obj = Settings.from_env()


@main.group()
def db() -> None:
    """Database schema (Alembic migrations are the only way it changes)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_obj
def db_upgrade(settings: Settings, revision: str) -> None:
    """Create or migrate the schema of MES_DATABASE_URL (default: the embedded SQLite file)."""
    from mes.db import create_db_engine
    from mes.migrate import current_revision, upgrade

    configure_logging(settings.log_level)
    engine = create_db_engine(settings.database_url)
    upgrade(engine, revision)
    click.echo(f"database at revision {current_revision(engine)}: {engine.url.render_as_string()}")


@db.command("current")
@click.pass_obj
def db_current(settings: Settings) -> None:
    """Print the schema revision of the database."""
    from mes.db import create_db_engine
    from mes.migrate import current_revision

    click.echo(current_revision(create_db_engine(settings.database_url)) or "empty (run `mes db upgrade`)")


@main.group()
def config() -> None:
    """Site files."""


@config.command("check")
@click.argument("site_file", type=click.Path(path_type=Path))
def config_check(site_file: Path) -> None:
    """Validate a site file; errors name the file, the line and the field."""
    site = _load_site(site_file)
    lines = site.lines()
    stations = sum(len(line.stations) for line in lines)
    click.echo(f"{site_file}: OK — site {site.site.code}, {len(lines)} line(s), {stations} station(s), "
               f"{len(site.equipment)} equipment, {len(site.brands)} brand(s), {len(site.routings)} routing(s)")


@main.command()
@click.argument("site_file", type=click.Path(path_type=Path), required=False)
@click.option("--demo-users/--no-demo-users", default=True, show_default=True,
              help=f"Create the file's users with the password in ${DEMO_PASSWORD_ENV} (default 'demo').")
@click.pass_obj
def seed(settings: Settings, site_file: Path | None, demo_users: bool) -> None:
    """Import a site file (default MES_SITE_FILE) into the database; running it twice changes nothing."""
    from mes.db import create_db_engine, session_factory, unit_of_work
    from mes.services.seed import seed_site

    configure_logging(settings.log_level)
    site = _load_site(site_file or settings.site_file)
    password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD) if demo_users else None
    with unit_of_work(session_factory(create_db_engine(settings.database_url))) as session:
        report = seed_site(session, site, password)
    click.echo(f"seeded: created {report.created or 'nothing'}; updated {report.updated or 'nothing'}")


@main.command()
@click.option("--host", help="Address to listen on (default MES_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default MES_PORT or 5000).")
@click.option("--threads", type=int, default=32, show_default=True,
              help="Worker threads; each open live dashboard stream holds one.")
@click.option("--streams", type=int, help="Most live dashboard streams at once (default: threads - 8).")
@click.option("--stream-seconds", type=float, default=300.0, show_default=True,
              help="A live stream ends after this long and the page opens the next one.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes sharing the port (default MES_WEB_WORKERS, else one per core, at most 4).")
@click.pass_obj
def web(settings: Settings, host: str | None, port: int | None, threads: int, streams: int | None,
        stream_seconds: float, workers: int | None) -> None:
    """Serve the web UI (operator terminals, line pages, quality workspace)."""
    from dataclasses import replace

    from web import _local_secret_key, create_app
    from web.line_feed import StreamLimits
    from web.server import default_workers, serve

    configure_logging(settings.log_level, "web")
    # Streams beyond the limit are refused and those pages read status.json instead, so pages and
    # forms always find a free thread (the limits are per worker process).
    limits = StreamLimits(max_streams=streams or max(1, threads - 8), max_s=stream_seconds)
    # Every worker must sign sessions with the same key: read (or create) it once, before they start.
    settings = replace(settings, secret_key=settings.secret_key or _local_secret_key(settings))
    host, port = host or settings.host, port or settings.port
    workers = workers or default_workers()
    click.echo(f"MES web UI at http://{host}:{port}/ ({workers} worker process{'es' if workers > 1 else ''})",
               err=True)
    # channel_request_lookahead lets waitress notice a closed connection while a stream is running.
    serve(lambda: create_app(settings, overrides={"MES_SSE_LIMITS": limits}), host, port, workers,
          threads=threads, ident="technopolis-mes", channel_request_lookahead=1)


@main.group(invoke_without_command=True)
@click.option("--line", "line_code", help="Line code, e.g. L1.")
@click.pass_context
def edge(ctx: click.Context, line_code: str | None) -> None:
    """Run the edge runtime of one line (`mes edge --line L1`): status, results, interlocks, spool,
    and the production link (station jobs to load_serial, results completing operations).

    Settings: MES_EDGE_ID, MES_SPOOL_DIR (default var/spool), MES_CALIBRATION_WARN_DAYS; see
    docs/edge-runtime.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not line_code:
        raise click.UsageError("Missing option '--line'.")
    from mes.db import session_factory
    from mes.edge.database import edge_engine
    from mes.edge.runtime import run_edge
    from mes.edge.settings import EdgeSettings

    settings: Settings = ctx.obj
    configure_logging(settings.log_level, f"edge {line_code}")
    edge_settings = EdgeSettings.from_env(line_code)
    factory = session_factory(edge_engine(settings.database_url, edge_settings.db_timeout_s))
    try:
        _run_until_signalled(lambda stop: run_edge(factory, line_code, stop, edge_settings, production=True))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc


@edge.command("download")
@click.option("--equipment", "code", required=True, help="Equipment code, e.g. SCR01-SPINDLE.")
@click.option("--set", "assignments", multiple=True, required=True, metavar="NAME=VALUE",
              help="A parameter (param_ prefix optional); repeat for each.")
@click.option("--enable/--no-enable", default=True, show_default=True, help="Set cycle_enable=1 when verified.")
@click.pass_obj
def edge_download(settings: Settings, code: str, assignments: tuple[str, ...], enable: bool) -> None:
    """Download parameters to a machine, read them back, and only then enable its cycle."""
    from equipment_adapters.errors import EquipmentError
    from mes.db import create_db_engine, session_factory
    from mes.edge.commands import download_to_equipment
    from mes.edge.parameters import ParameterDownloadError

    configure_logging(settings.log_level)
    engine = create_db_engine(settings.database_url)
    try:
        written = asyncio.run(download_to_equipment(session_factory(engine), code, assignments, enable=enable))
    except (LookupError, ValueError, ParameterDownloadError, EquipmentError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"{code}: verified {written}" + ("; cycle enabled" if enable else ""))


@main.command()
@click.argument("site_file", type=click.Path(path_type=Path), required=False)
@click.option("--control-port", type=int, help="Port of the fault-injection API (default 15099).")
@click.pass_obj
def simulate(settings: Settings, site_file: Path | None, control_port: int | None) -> None:
    """Run a PLC simulator for every machine of a site file that has a `simulator:` block."""
    from mes.simulation import run_site_simulators

    configure_logging(settings.log_level, "simulators")
    site = _load_site(site_file or settings.site_file)
    port = control_port or settings.simulator_control_port
    try:
        _run_until_signalled(lambda stop: run_site_simulators(site, port, stop))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--port", type=int, help="Web port (default MES_PORT or 5000).")
@click.pass_obj
def demo(settings: Settings, port: int | None) -> None:
    """Migrate and seed the embedded database, then run simulators, edge and web until Ctrl-C."""
    from mes.demo import run_demo

    configure_logging(settings.log_level, "demo")
    sys.exit(run_demo(settings, port or settings.port, DEFAULT_DEMO_PASSWORD))



@main.group()
def audit() -> None:
    """The audit trail (21 CFR 11.10(e), Annex 11 §9): verify its hash chain, show a record's history."""


@audit.command("verify")
@click.option("--batch-size", type=int, default=20_000, show_default=True, help="Entries read per query.")
@click.option("--anchor", metavar="ID:HASH", help="A head printed at an earlier review: it must still be there.")
@click.pass_obj
def audit_verify(settings: Settings, batch_size: int, anchor: str | None) -> None:
    """Recompute the hash chain; exit 0 if intact, 1 naming the first broken or missing link."""
    from mes.compliance import verify_chain
    from mes.db import create_db_engine

    engine = create_db_engine(settings.database_url)
    try:
        report = verify_chain(engine, batch_size=batch_size, anchor=_parse_anchor(anchor))
    finally:
        engine.dispose()
    click.echo(report.summary())
    if not report.intact:
        sys.exit(1)


def _parse_anchor(anchor: str | None) -> tuple[int, str] | None:
    if anchor is None:
        return None
    event_id, _, row_hash = anchor.partition(":")
    if not event_id.isdigit() or len(row_hash) != 64:
        raise click.BadParameter("expected EVENT_ID:ROW_HASH, as printed by `mes audit verify`", param_hint="--anchor")
    return int(event_id), row_hash


@audit.command("show")
@click.option("--entity", required=True, help="Entity (table) name, e.g. app_user.")
@click.option("--id", "entity_id", required=True, help="The record's id.")
@click.pass_obj
def audit_show(settings: Settings, entity: str, entity_id: str) -> None:
    """Print the audit history of one record, oldest first."""
    from mes.compliance.history import format_event, record_history
    from mes.db import create_db_engine, session_factory

    engine = create_db_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            lines = [format_event(event) for event in record_history(session, entity, entity_id)]
    finally:
        engine.dispose()
    if not lines:
        raise click.ClickException(f"no audit entries for {entity} {entity_id}")
    click.echo("\n".join(lines))


@main.group("api-token")
def api_token() -> None:
    """Tokens for the REST API (/api/v1)."""


@api_token.command("create")
@click.option("--user", "username", required=True, help="User name the token acts as.")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@click.pass_obj
def api_token_create(settings: Settings, username: str, name: str) -> None:
    """Create a token for a user and print it once (only its hash is stored)."""
    from mes.compliance.audit import AuditActor
    from mes.db import create_db_engine, session_factory, unit_of_work
    from mes.services.api_tokens import create_token

    engine = create_db_engine(settings.database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            token = create_token(session, AuditActor.system("cli"), username, name)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(token)


@main.group()
def production() -> None:
    """Production master data."""


@production.command("demo-data")
@click.pass_obj
def production_demo_data(settings: Settings) -> None:
    """Give the seeded demo site what the PM-100 needs: plans, rework target, board, BOMs, released lots."""
    from mes.compliance.audit import AuditActor
    from mes.db import create_db_engine, session_factory, unit_of_work
    from mes.production.demo_data import install_demo_production
    from mes.production.terminals import install_demo_instructions

    engine = create_db_engine(settings.database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            install_demo_production(session, AuditActor.system("cli"))
            install_demo_instructions(session, AuditActor.system("cli"))  # shown on the operator terminal
    finally:
        engine.dispose()
    click.echo("demo production data installed (routings R-PM100 and R-PCB100 approved)")


def _load_site(path: Path):  # type: ignore[no-untyped-def]
    from mes.siteconfig import SiteConfigError, load_site_config

    try:
        return load_site_config(path)
    except SiteConfigError as exc:
        raise click.ClickException(f"the site file is not valid:\n{exc}") from exc


def _run_until_signalled(make_coro) -> None:  # type: ignore[no-untyped-def]
    """Run a coroutine factory until SIGINT or SIGTERM sets its stop event."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await make_coro(stop)

    asyncio.run(runner())


def _register_account_commands() -> None:
    from mes.cli_accounts import compliance, user

    main.add_command(user)
    main.add_command(compliance)


_register_account_commands()


def _register_recipe_commands() -> None:
    from recipes.cli import recipe

    main.add_command(recipe)


_register_recipe_commands()
