"""Administration pages: the alerts raised by lockouts, for the administrators to see and acknowledge."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, url_for

from mes.db import unit_of_work
from mes.security.alerts import acknowledge, recent_alerts
from mes.security.permissions import Permission
from web.auth import _actor
from web.permissions import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/alerts")
@requires(Permission.ALERT_VIEW)
def alerts():  # type: ignore[no-untyped-def]
    """Alerts, unacknowledged first."""
    with current_app.extensions["mes.sessions"]() as db:
        rows = recent_alerts(db)
    return render_template("admin/alerts.html", alerts=rows)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@requires(Permission.ALERT_VIEW)
def acknowledge_alert(alert_id: int):  # type: ignore[no-untyped-def]
    """Mark one alert as seen."""
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        if acknowledge(db, _actor(g.user), alert_id) is None:
            abort(404)
    return redirect(url_for("admin.alerts"))
