"""Sign-in and sign-out; every other page and endpoint requires a signed-in user."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from mes.db import unit_of_work
from mes.models import User, utcnow
from mes.security.passwords import verify_password
from web.i18n import gettext as _

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = {"auth.login", "static"}
LOCKED_MESSAGE = "This account is locked after too many failed sign-ins. Ask an administrator to unlock it."


@bp.before_app_request
def require_login():  # type: ignore[no-untyped-def]
    """Refuse anonymous requests: pages go to the sign-in form, JSON endpoints get 401."""
    g.user = None
    user_id = session.get("user_id")
    last_seen = session.get("last_seen", 0)
    if user_id and time.time() - last_seen > current_app.config["MES_SESSION_IDLE_S"]:
        session.clear()
        flash(_("Your session has expired. Please sign in again."), "warning")
        user_id = None
    if user_id:
        with current_app.extensions["mes.sessions"]() as db:
            g.user = db.get(User, user_id)
        if g.user is None or not g.user.active or g.user.locked_at is not None:
            session.clear()
            g.user = None
    if g.user is not None:
        session["last_seen"] = time.time()
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        return jsonify(error={"code": "not_authenticated", "message": _("Please sign in.")}), 401
    return redirect(url_for("auth.login", next=request.full_path))


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """The sign-in form; a wrong password counts towards the lockout."""
    if request.method == "GET":
        return render_template("login.html")
    username = request.form.get("username", "").strip().lower()
    password = request.form.get("password", "")
    error = _authenticate(username, password)
    if error:
        flash(error, "error")
        return render_template("login.html", username=username), 401
    return redirect(_safe_next(request.args.get("next")))


def _authenticate(username: str, password: str) -> str | None:
    """Sign the user in, or return the message saying why not."""
    max_failures = current_app.config["MES_MAX_FAILED_LOGINS"]
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        user = db.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None or not user.active:
            return _("Wrong user name or password.")
        if user.locked_at is not None:
            return _(LOCKED_MESSAGE)
        if not verify_password(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= max_failures:
                user.locked_at = utcnow()
                return _(LOCKED_MESSAGE)
            return _("Wrong user name or password.")
        user.failed_logins = 0
        user.last_login_at = utcnow()
        session.clear()  # a new session id on sign-in: no session fixation
        session["user_id"] = user.id
        session["lang"] = user.language
        session["last_seen"] = time.time()
    return None


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("line.index")


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Sign out (a POST with the CSRF token, so no page can sign a user out behind their back)."""
    session.clear()
    return redirect(url_for("auth.login"))
