"""Sign-in and sign-out; every other page and endpoint requires a signed-in user."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
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
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker

from mes.compliance import AuditActor, record_audit
from mes.db import unit_of_work
from mes.models import User, utcnow
from mes.security.accounts import password_change_required, register_failure
from mes.security.passwords import verify_password
from mes.security.policy import AccountPolicy
from web.i18n import gettext as _

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = {"auth.login", "account.badge_login", "terminal.login", "static"}
PASSWORD_CHANGE_ENDPOINTS = {"account.change_password", "auth.logout", "static"}
TOKEN_BLUEPRINTS = {"api"}  # authenticate each request by bearer token themselves (web/api)
LOCKED_MESSAGE = "This account is locked after too many failed sign-ins. Ask an administrator to unlock it."
# The idle timeout counts from the last request, recorded to this resolution (the timeout is minutes).
LAST_SEEN_RESOLUTION_S = 5.0
# A screen refreshing itself (the terminal's live panel) sends this header: that is not the user's activity,
# so it must not keep a session open past the inactivity timeout (21 CFR 11.200(a)).
BACKGROUND_HEADER = "X-Background-Refresh"
# A signed-in user's account row is re-read at most this often per process: a lockout or deactivation
# made elsewhere (another process, the CLI) ends the session within this time.
USER_CACHE_TTL_S = 2.0


class SignedInUsers:
    """Account rows of signed-in users, re-read at most every `ttl_s`: saves a query on every page request.

    Each request gets its own detached User copy, so no ORM object is shared between threads.
    """

    def __init__(self, sessions: sessionmaker[Session], ttl_s: float = USER_CACHE_TTL_S) -> None:
        self._sessions, self._ttl_s = sessions, ttl_s
        self._rows: dict[int, tuple[float, dict[str, Any] | None]] = {}

    def get(self, user_id: int) -> User | None:
        """The account (a fresh detached copy), or None when it no longer exists."""
        cached = self._rows.get(user_id)
        if cached is None or time.monotonic() - cached[0] >= self._ttl_s:
            with self._sessions() as db:
                user = db.get(User, user_id)
                row = None if user is None else {c.key: getattr(user, c.key) for c in _USER_COLUMNS}
            cached = (time.monotonic(), row)
            self._rows[user_id] = cached  # a dict item assignment: atomic under the GIL
        if cached[1] is None:
            return None
        copy = User(**cached[1])
        make_transient_to_detached(copy)
        return copy

    def forget(self, user_id: int) -> None:
        """Re-read the account at the next request (this process changed it)."""
        self._rows.pop(user_id, None)


_USER_COLUMNS = tuple(sa_inspect(User).column_attrs)


def _signed_in_users() -> SignedInUsers:
    cache = current_app.extensions.get("mes.signed_in_users")
    if cache is None:
        cache = current_app.extensions.setdefault("mes.signed_in_users",
                                                  SignedInUsers(current_app.extensions["mes.sessions"]))
    return cache


@bp.before_app_request
def require_login():  # type: ignore[no-untyped-def]
    """Refuse anonymous requests: pages go to the sign-in form, JSON endpoints get 401."""
    g.user = None
    if request.blueprint in TOKEN_BLUEPRINTS:
        return None
    user_id = session.get("user_id")
    last_seen = session.get("last_seen", 0)
    if user_id and time.time() - last_seen > current_app.config["MES_SESSION_IDLE_S"]:
        _audit_idle_logout(user_id)
        session.clear()
        flash(_("Your session has expired. Please sign in again."), "warning")
        user_id = None
    if user_id:
        g.user = _signed_in_users().get(user_id)
        if g.user is None or not g.user.active or g.user.locked_at is not None:
            session.clear()
            g.user = None
    if g.user is not None:
        now = time.time()
        background = request.headers.get(BACKGROUND_HEADER) == "1"
        if now - last_seen >= LAST_SEEN_RESOLUTION_S and not background:  # re-signed and sent: not every request
            session["last_seen"] = now
        if session.get("must_change_password") and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            return redirect(url_for("account.change_password"))
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        return jsonify(error={"code": "not_authenticated", "message": _("Please sign in.")}), 401
    return redirect(url_for("auth.login", next=request.full_path))


def _audit_idle_logout(user_id: int) -> None:
    """The inactivity timeout (§11.200(a)) ends the session: recorded as a LOGOUT with its reason."""
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        user = db.get(User, user_id)
        if user is not None:
            record_audit(db, actor=_actor(user), action="LOGOUT", entity="app_user", entity_id=str(user.id),
                         reason="session idle timeout")


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
    """Sign the user in, or return the message saying why not; every attempt is audited."""
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        user = db.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None or not user.active:
            _audit_failure(db, username, user, "unknown or inactive account")
            return _("Wrong user name or password.")
        if user.locked_at is not None:
            _audit_failure(db, username, user, "account locked")
            return _(LOCKED_MESSAGE)
        if not verify_password(user.password_hash, password):
            _audit_failure(db, username, user, f"wrong password ({user.failed_logins + 1} in a row)")
            if register_failure(db, user, what="sign-in", workstation=_workstation(), policy=account_policy()):
                return _(LOCKED_MESSAGE)  # the lockout also raised an alert for administrators
            return _("Wrong user name or password.")
        start_session(db, user, "password")
    return None


def start_session(db: Session, user: User, method: str) -> None:
    """Audit the sign-in and begin a fresh session; a one-time or expired password must be changed first."""
    user.failed_logins = 0
    user.last_login_at = utcnow()
    record_audit(db, actor=_actor(user), action="LOGIN", entity="app_user", entity_id=str(user.id),
                 reason=None if method == "password" else method)
    _signed_in_users().forget(user.id)  # the pages read the account as it is now (e.g. just unlocked)
    session.clear()  # a new session id on sign-in: no session fixation
    session["user_id"] = user.id
    session["lang"] = user.language
    session["last_seen"] = time.time()
    if password_change_required(user, account_policy()):
        session["must_change_password"] = True


def account_policy() -> AccountPolicy:
    """The account policy, with this app's lockout and idle settings."""
    return replace(current_app.config.get("MES_ACCOUNT_POLICY") or AccountPolicy.from_env(),
                   max_failed_attempts=current_app.config["MES_MAX_FAILED_LOGINS"],
                   session_idle_s=current_app.config["MES_SESSION_IDLE_S"])


def _audit_failure(db: Session, username: str, user: User | None, reason: str) -> None:
    """LOGIN_FAIL names the attempted user name (never the password) and the account if it exists."""
    attempted = username[:60] or "(empty)"
    record_audit(db, actor=AuditActor(None, attempted, _workstation()), action="LOGIN_FAIL",
                 entity="app_user", entity_id=str(user.id) if user else attempted,
                 new={"username": attempted}, reason=reason)


def _actor(user: User) -> AuditActor:
    return AuditActor(user.id, user.display_name, _workstation())


def _workstation() -> str:
    """The terminal's address (§11.10(h) device check: where an entry came from)."""
    return (request.remote_addr or "unknown")[:100]


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("line.index")


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Sign out (a POST with the CSRF token, so no page can sign a user out behind their back)."""
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        record_audit(db, actor=_actor(g.user), action="LOGOUT", entity="app_user", entity_id=str(g.user.id))
    session.clear()
    return redirect(url_for("auth.login"))
