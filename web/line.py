"""The line dashboard: every station's state, health, counts and shift OEE, kept live by Server-Sent Events."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from markupsafe import Markup

from mes.security.permissions import Permission
from mes.services.line_status import LineStatus, UnknownLine
from web.i18n import gettext as _
from web.i18n import state_label
from web.line_feed import LineSnapshots, StreamLimits, StreamSlots, event_stream
from web.permissions import requires

bp = Blueprint("line", __name__)


def _snapshots() -> LineSnapshots:
    return current_app.extensions["mes.line_snapshots"]


@bp.get("/")
@requires(Permission.LINE_VIEW)
def index():  # type: ignore[no-untyped-def]
    """The first line of the site (a one-line site needs no chooser)."""
    lines = _snapshots().lines()
    if not lines:
        abort(404)
    return redirect(url_for("line.show", code=lines[0][0]))


@bp.get("/lines/<code>")
@requires(Permission.LINE_VIEW)
def show(code: str):  # type: ignore[no-untyped-def]
    """The dashboard, rendered with the current status; the script keeps it current."""
    snapshots = _snapshots()
    try:
        status = snapshots.get(code)
        dashboard = snapshots.rendered(code, f"page:{g.get('lang', 'ru')}", _render_dashboard)
    except UnknownLine:
        abort(404)
    return render_template("line.html", line=status, lines=snapshots.lines(), dashboard=Markup(dashboard))


@bp.get("/lines/<code>/status.json")
@requires(Permission.LINE_VIEW)
def status_json(code: str):  # type: ignore[no-untyped-def]
    """The line's live status as JSON, for other clients (and the page when its stream is away)."""
    try:
        text = _snapshots().rendered(code, f"json:{g.get('lang', 'ru')}", _render)
        return Response(text, mimetype="application/json", headers={"Cache-Control": "no-store"})
    except UnknownLine:
        return jsonify(error={"code": "unknown_line", "message": _("Page not found.")}), 404


@bp.get("/lines/<code>/events")
@requires(Permission.LINE_VIEW)
def events(code: str):  # type: ignore[no-untyped-def]
    """Server-Sent Events: the status document whenever it changes, and a heartbeat while it does not."""
    try:
        _snapshots().get(code)
    except UnknownLine:
        return jsonify(error={"code": "unknown_line", "message": _("Page not found.")}), 404
    limits: StreamLimits = current_app.config["MES_SSE_LIMITS"]
    slots: StreamSlots = current_app.extensions["mes.sse_slots"]
    if not slots.try_take():
        # Every slot is busy: the page notices the refusal and reads status.json until a slot is free.
        return Response(status=503, headers={"Retry-After": "5"})
    snapshots = _snapshots()
    # waitress offers this check when it may read ahead on the connection (see `mes web`).
    gone = request.environ.get("waitress.client_disconnected", lambda: False)

    variant = f"json:{g.get('lang', 'ru')}"  # state labels are in the viewer's language
    stream = event_stream(lambda: snapshots.rendered(code, variant, _render), limits, gone)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    response = Response(stream_with_context(stream), mimetype="text/event-stream", headers=headers)
    # The server closes the response however the stream ends (done, client gone, error): free the slot then.
    response.call_on_close(slots.give_back)
    return response


def status_document(status: LineStatus) -> dict:
    """The status as clients read it: the service's fields plus state labels in the user's language."""
    document = status.to_json()
    document["shift_label"] = _(document["shift_name"]) if document["shift_name"] else None
    for item in document["stations"]:
        item["state_label"] = state_label(item["state_name"])
    return document


@bp.app_template_filter("percent")
def percent(value: float | None) -> str:
    """A ratio as the browser's Intl.NumberFormat writes it: "87.5%" in English, "87,5 %" in Russian."""
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return text.replace(".", ",") + "\u00a0%" if g.get("lang", "ru") == "ru" else text + "%"


@bp.app_template_filter("clock")
def clock(value: datetime) -> str:
    """Hours and minutes in the site's time zone."""
    return value.astimezone(ZoneInfo(current_app.config["MES_TIMEZONE"])).strftime("%H:%M")


def _render_dashboard(status: LineStatus) -> str:
    """The dashboard fragment (everything but the page frame, which names the signed-in user)."""
    return render_template("line_dashboard.html", line=status, state_label=state_label)


def _render(status: LineStatus) -> str:
    return json.dumps(status_document(status), ensure_ascii=False, separators=(",", ":"))
