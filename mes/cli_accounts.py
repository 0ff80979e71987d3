"""`mes user …` and `mes compliance due-soon`: account administration and due-date warnings from a shell.

An administrator never chooses a user's password: `create` and `reset-password` print a one-time
password to hand over in person, which must be changed at the first sign-in.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy.orm import Session

from mes.settings import Settings


def _admin() -> Any:
    """Who runs the command, as the audit trail names them: the operating-system account at this host."""
    from mes.compliance.audit import AuditActor

    return AuditActor(None, f"cli:{getpass.getuser()}", f"cli@{os.uname().nodename}"[:100])


@contextmanager
def _transaction(settings: Settings) -> Iterator[Session]:
    from mes.db import create_db_engine, session_factory, unit_of_work
    from mes.domain.errors import DomainError

    engine = create_db_engine(settings.database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            yield session
    except DomainError as exc:
        raise click.ClickException(exc.message("en")) from exc
    finally:
        engine.dispose()


@click.group("user")
def user() -> None:
    """User accounts: create, reset passwords, unlock, badges."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Printed name, as shown on signatures.")
@click.option("--role", required=True, help="operator, line_lead, quality_engineer, process_engineer, administrator")
@click.option("--language", default="ru", show_default=True, type=click.Choice(["ru", "en"]))
@click.pass_obj
def user_create(settings: Settings, username: str, display_name: str, role: str, language: str) -> None:
    """Create an account and print its one-time password."""
    from mes.security.users import create_user

    with _transaction(settings) as session:
        _, password = create_user(session, _admin(), username=username, display_name=display_name, role=role,
                                  language=language)
    click.echo(f"one-time password for {username} (must be changed at first sign-in): {password}")


def _with_reason(action: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--reason", required=True, help="Why (kept in the audit trail).")(action)


@user.command("reset-password")
@click.option("--username", required=True)
@_with_reason
@click.pass_obj
def user_reset_password(settings: Settings, username: str, reason: str) -> None:
    """Replace a forgotten password with a one-time one (also unlocks the account)."""
    from mes.security.users import reset_password

    with _transaction(settings) as session:
        password = reset_password(session, _admin(), username, reason)
    click.echo(f"one-time password for {username} (must be changed at next sign-in): {password}")


@user.command("unlock")
@click.option("--username", required=True)
@_with_reason
@click.pass_obj
def user_unlock(settings: Settings, username: str, reason: str) -> None:
    """Lift a lockout after checking why it happened."""
    from mes.security.users import unlock

    with _transaction(settings) as session:
        unlock(session, _admin(), username, reason)
    click.echo(f"{username} unlocked")


@user.command("assign-badge")
@click.option("--username", required=True)
@click.option("--badge", required=True, help="The number the badge reader types.")
@click.pass_obj
def user_assign_badge(settings: Settings, username: str, badge: str) -> None:
    """Bind a badge; the user types their PIN at the prompt (the administrator never learns it)."""
    from mes.security.policy import AccountPolicy
    from mes.security.users import assign_badge

    pin = click.prompt("PIN (typed by the user)", hide_input=True, confirmation_prompt=True)
    with _transaction(settings) as session:
        assign_badge(session, _admin(), username, badge, pin, AccountPolicy.from_env())
    click.echo(f"badge assigned to {username}")


@user.command("revoke-badge")
@click.option("--username", required=True)
@_with_reason
@click.pass_obj
def user_revoke_badge(settings: Settings, username: str, reason: str) -> None:
    """Deauthorise a lost or stolen badge at once."""
    from mes.security.users import revoke_badge

    with _transaction(settings) as session:
        revoke_badge(session, _admin(), username, reason)
    click.echo(f"badge of {username} revoked")


@user.command("badges-to-reassign")
@click.pass_obj
def user_badges_to_reassign(settings: Settings) -> None:
    """List accounts whose badge was stored unkeyed or under another badge key: assign those badges again."""
    from mes.security.badges import badge_key, badges_to_reassign

    with _transaction(settings) as session:
        stale = [(u.username, u.badge_scheme or "unknown") for u in badges_to_reassign(session, badge_key(session))]
    for username, scheme in stale:
        click.echo(f"{username}\t{scheme}")
    click.echo(f"{len(stale)} badge(s) to re-assign")


@click.group("compliance")
def compliance() -> None:
    """Compliance checks to run by hand or on a schedule."""


@compliance.command("due-soon")
@click.option("--days", type=int, default=None, help="Horizon (default MES_DUE_SOON_DAYS, 14).")
@click.pass_obj
def compliance_due_soon(settings: Settings, days: int | None) -> None:
    """List qualifications, calibrations and maintenance due within the horizon (also logged at WARNING)."""
    from mes.compliance.due import due_soon
    from mes.security.policy import AccountPolicy

    today = datetime.now(UTC).date()
    with _transaction(settings) as session:
        items = due_soon(session, today, AccountPolicy.from_env().due_soon_days if days is None else days)
    for item in items:
        click.echo(item.describe(today))
    if not items:
        click.echo("nothing due")
