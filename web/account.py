"""Badge + PIN sign-in for shop-floor terminals, and the password change a one-time password forces."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from mes.compliance import record_audit
from mes.db import unit_of_work
from mes.domain.errors import DomainError
from mes.models import User
from mes.security.accounts import register_failure
from mes.security.badges import BadgeNeedsReassignment, find_badge_holder
from mes.security.passwords import verify_password
from mes.security.users import change_password, password_problem
from web.auth import LOCKED_MESSAGE, _actor, _audit_failure, _workstation, account_policy, start_session
from web.i18n import gettext as _

bp = Blueprint("account", __name__)


@bp.route("/login/badge", methods=["GET", "POST"])
def badge_login():  # type: ignore[no-untyped-def]
    """A keyboard-wedge scanner types the badge number (and Enter), then the user types the PIN."""
    if request.method == "GET":
        return render_template("badge_login.html")
    error = _authenticate_badge(request.form.get("badge", "").strip(), request.form.get("pin", ""))
    if error:
        flash(error, "error")
        return render_template("badge_login.html"), 401
    return redirect(url_for("line.index"))


def _authenticate_badge(badge: str, pin: str) -> str | None:
    """Sign in by badge and PIN; failures are audited and count toward the lockout like passwords."""
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        try:
            match = find_badge_holder(db, badge)
        except DomainError as exc:  # no badge key configured for this database: the administrator must act
            current_app.logger.error("badge sign-in impossible: %s", exc.message("en"))
            return exc.message(g.get("lang", "ru"))
        user = match.user
        if user is not None and match.needs_reassignment:
            _audit_failure(db, user.username, user, "badge stored unkeyed (before migration 0010): re-assign it")
            return BadgeNeedsReassignment().message(g.get("lang", "ru"))
        if user is None or not user.active or user.pin_hash is None:
            _audit_failure(db, "(badge)", None, "unknown, revoked or inactive badge")
            return _("Unknown badge or wrong PIN.")
        if user.locked_at is not None:
            _audit_failure(db, user.username, user, "account locked (badge)")
            return _(LOCKED_MESSAGE)
        if not verify_password(user.pin_hash, pin):
            _audit_failure(db, user.username, user, f"wrong PIN ({user.failed_logins + 1} in a row)")
            if register_failure(db, user, what="badge sign-in", workstation=_workstation(), policy=account_policy()):
                return _(LOCKED_MESSAGE)
            return _("Unknown badge or wrong PIN.")
        start_session(db, user, "badge")
    return None


@bp.route("/password", methods=["GET", "POST"], endpoint="change_password")
def change_password_view():  # type: ignore[no-untyped-def]
    """Change one's own password; required after a one-time password or when it expired."""
    if request.method == "GET":
        return render_template("change_password.html")
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        user = db.get_one(User, g.user.id)
        problem = password_problem(user, request.form.get("current", ""), request.form.get("new", ""),
                                   request.form.get("repeat", ""), account_policy())
        if problem is None:
            change_password(db, _actor(user), user, request.form["new"])
        else:
            record_audit(db, actor=_actor(user), action="PASSWORD_CHANGE_FAIL", entity="app_user",
                         entity_id=str(user.id), reason=problem)
    if problem is not None:
        flash(_(problem), "error")
        return render_template("change_password.html"), 400
    session.pop("must_change_password", None)
    flash(_("Your password was changed."), "info")
    return redirect(url_for("line.index"))

