"""§11.200(a) for web views: whether this session's next signing must ask for the user name too.

The inactivity timeout (web/auth.py) clears the session, so a break in continuity resets the count;
a view asks `signing_needs_username()` to render the form, and calls `note_signing()` after sign().
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, session

from mes.compliance.signatures import username_required
from mes.models import utcnow


def signing_needs_username() -> bool:
    """True for the first signing of this session (or after a break in it)."""
    now = utcnow()
    return username_required(signings_in_session=session.get("signings", 0), last_activity=now, now=now,
                             idle_limit=timedelta(seconds=current_app.config["MES_SESSION_IDLE_S"]))


def note_signing() -> None:
    """Count a signing executed in this session."""
    session["signings"] = session.get("signings", 0) + 1
