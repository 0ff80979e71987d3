"""The web process: Flask app factory wiring the blueprints to the MES services."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Engine

from mes.db import create_db_engine, session_factory
from mes.settings import Settings
from mes.siteconfig.shifts import shift_calendar
from web import account, admin, api, auth, downtime, line, quality_workspace, terminal
from web.i18n import current_language, gettext
from web.line_feed import LineSnapshots, StreamLimits, StreamSlots
from web.navigation import nav_links

csrf = CSRFProtect()


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               overrides: dict[str, Any] | None = None) -> Flask:
    """Build the web app for the given settings (and, in tests, an existing engine)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key or _local_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MES_SESSION_IDLE_S=15 * 60,
        MES_MAX_FAILED_LOGINS=5,
        MES_TIMEZONE=settings.timezone,
        MES_SHIFT_STARTS=settings.shift_starts,
        MES_SSE_LIMITS=StreamLimits(),
    )
    app.config.update(overrides or {})
    engine = engine or create_db_engine(settings.database_url)
    app.extensions["mes.engine"] = engine
    app.extensions["mes.sessions"] = session_factory(engine)
    # The shift calendar (site file `shifts`, else MES_SHIFT_STARTS): shift OEE and the downtime report.
    app.extensions["mes.shifts"] = app.config.get("MES_SHIFTS") or shift_calendar(
        settings.site_file, app.config["MES_SHIFT_STARTS"])
    app.extensions["mes.line_snapshots"] = LineSnapshots(
        app.extensions["mes.sessions"], app.extensions["mes.shifts"],
        ZoneInfo(app.config["MES_TIMEZONE"]))
    app.extensions["mes.sse_slots"] = StreamSlots(app.config["MES_SSE_LIMITS"].max_streams)
    csrf.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(line.bp)
    app.register_blueprint(terminal.bp)
    app.register_blueprint(quality_workspace.bp)
    app.register_blueprint(downtime.bp)
    api.register(app)
    csrf.exempt(api.bp)  # bearer tokens, no cookies: cross-site forgery cannot use them
    _install_template_helpers(app)
    _install_error_pages(app)
    return app


def _local_secret_key(settings: Settings) -> str:
    """A random key kept beside the embedded database, so sessions survive a restart of the demo."""
    var_dir = Path(settings.database_url.removeprefix("sqlite:///")).parent
    path = var_dir / "secret_key" if settings.database_url.startswith("sqlite:///") else None
    if path is None:
        raise RuntimeError("set MES_SECRET_KEY when the database is not the embedded SQLite file")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _install_template_helpers(app: Flask) -> None:
    zone = ZoneInfo(app.config["MES_TIMEZONE"])

    @app.before_request
    def _language() -> None:
        g.lang = current_language()

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"_": gettext, "lang": g.get("lang", "ru"), "timezone": app.config["MES_TIMEZONE"],
                "nav_links": nav_links}

    @app.template_filter("localtime")
    def _localtime(value):  # type: ignore[no-untyped-def]
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _install_error_pages(app: Flask) -> None:
    @app.errorhandler(404)
    def _not_found(_exc):  # type: ignore[no-untyped-def]
        return render_template("error.html", message=gettext("Page not found.")), 404

    @app.errorhandler(CSRFError)
    def _csrf(_exc):  # type: ignore[no-untyped-def]
        message = gettext("The form expired or was sent twice. Please try again.")
        return render_template("error.html", message=message), 400
