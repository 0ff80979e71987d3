"""Terminal: the live machine panel, downtime reasons when the station stops, and a line lead's override."""

from __future__ import annotations

from flask import current_app, render_template, request, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.errors import SignatureRefused, WrongCredentials
from mes.compliance.gating import grant_override
from mes.models import User
from mes.production.downtime import REASONS, end_downtime, record_downtime
from mes.security.badges import find_badge_holder
from mes.security.permissions import Permission
from web.i18n import gettext as _
from web.permissions import requires
from web.terminal import (
    OVERRIDE_KEY,
    _after,
    _require_bound,
    _start_or_resume,
    actor,
    attempt,
    bound_terminal,
    bp,
    panel_context,
    sessions,
    set_outcome,
)
from web.terminal_messages import Outcome, refusal


@bp.get("/panel")
@requires(Permission.UNIT_OPERATE)
def panel():  # type: ignore[no-untyped-def]
    """The machine's live state, values and open stop (terminal.js reads it every second)."""
    with sessions()() as db:
        bound = bound_terminal(db)
        if bound is None:
            return "", 409
        return render_template("terminal/_machine.html", **panel_context(db, *bound))


@bp.post("/downtime")
@requires(Permission.UNIT_OPERATE)
def downtime():  # type: ignore[no-untyped-def]
    """Record why the station stopped."""
    bound = _require_bound()
    if bound is None:
        return _after()
    terminal, station = bound
    reason = request.form.get("reason", "")
    comment = request.form.get("comment", "")

    def work(db: Session) -> Outcome:
        record_downtime(db, actor(terminal), station.code, reason, comment)
        return Outcome("ok", _("Stop recorded: %s.") % _(REASONS[reason]), _(
            "The stop closes by itself when the machine runs again; without a machine, press 'Running again'."))

    if reason == "other" and not comment.strip():
        set_outcome(Outcome("error", _("Say what happened."), _("Write a few words in the comment, then press the "
                                                                  "reason again.")))
    else:
        set_outcome(attempt(work))
    return _after()


@bp.post("/downtime/end")
@requires(Permission.UNIT_OPERATE)
def downtime_end():  # type: ignore[no-untyped-def]
    """The station runs again: close its open stop."""
    bound = _require_bound()
    if bound is None:
        return _after()
    terminal, station = bound

    def work(db: Session) -> Outcome:
        end_downtime(db, actor(terminal), station.code)
        return Outcome("ok", _("The stop is closed."), _("Go on with the next unit."))

    set_outcome(attempt(work))
    return _after()


@bp.post("/override")
@requires(Permission.UNIT_OPERATE)
def override():  # type: ignore[no-untyped-def]
    """A line lead signs (badge or user name, and password) to let the refused start through once."""
    bound = _require_bound()
    pending = session.get(OVERRIDE_KEY)
    if bound is None or not pending:
        set_outcome(Outcome("warn", _("There is no refused start to override."), _("Scan the unit's serial label.")))
        return _after()
    terminal, station = bound
    outcome = _grant(pending, request.form.get("lead", "").strip(), request.form.get("password", ""),
                     request.form.get("reason", "").strip(), actor(terminal).workstation)
    if outcome is not None:
        set_outcome(outcome)
        return _after()
    session.pop(OVERRIDE_KEY, None)
    set_outcome(_start_or_resume(terminal, station, pending["serial"]))
    return _after()


def _grant(pending: dict, lead_id: str, password: str, reason: str, workstation: str) -> Outcome | None:
    """Execute the lead's signed override; the refusal outcome when it is not executed."""
    with sessions()() as db:
        lead = _lead(db, lead_id)
    if lead is None:
        return refusal(WrongCredentials())
    try:
        with current_app.extensions["mes.sessions"].begin() as db:
            grant_override(db, lead=lead, password=password, check=pending["check"], subject=pending["subject"],
                           serial=pending["serial"], seq=pending["seq"], reason=reason, workstation=workstation,
                           username=lead.username)
    except SignatureRefused as error:  # the refusal itself was committed on its own (lockout count)
        return refusal(error)
    return None


def _lead(db: Session, typed: str) -> User | None:
    """The signer named by a scanned badge or a typed user name."""
    if not typed:
        return None
    by_badge = _badge_holder(db, typed)
    if by_badge is not None:
        return by_badge
    return db.scalars(select(User).where(User.username == typed.lower())).one_or_none()


def _badge_holder(db: Session, badge: str) -> User | None:
    """The account holding a scanned badge (an old-scheme badge that must be reassigned signs nothing)."""
    match = find_badge_holder(db, badge)
    return None if match.needs_reassignment else match.user
