"""The line page: every station's state and the time of its last update, refreshing by itself."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, url_for

from mes.services.line_status import UnknownLine, line_status, list_lines
from web.i18n import gettext as _
from web.i18n import state_label

bp = Blueprint("line", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """The first line of the site (a one-line site needs no chooser)."""
    with current_app.extensions["mes.sessions"]() as db:
        lines = list_lines(db)
    if not lines:
        abort(404)
    return redirect(url_for("line.show", code=lines[0][0]))


@bp.get("/lines/<code>")
def show(code: str):  # type: ignore[no-untyped-def]
    """The line page, rendered with the current status; the script keeps it current."""
    with current_app.extensions["mes.sessions"]() as db:
        try:
            status = line_status(db, code)
        except UnknownLine:
            abort(404)
        lines = list_lines(db)
    return render_template("line.html", line=status, lines=lines, state_label=state_label)


@bp.get("/lines/<code>/status.json")
def status_json(code: str):  # type: ignore[no-untyped-def]
    """The line's live status as JSON, polled by the line page every second."""
    with current_app.extensions["mes.sessions"]() as db:
        try:
            status = line_status(db, code)
        except UnknownLine:
            return jsonify(error={"code": "unknown_line", "message": _("Page not found.")}), 404
    stations = []
    for station in status.stations:
        item = station.to_json()
        item["state_label"] = state_label(station.state_name)
        stations.append(item)
    return jsonify(line=status.code, stations=stations)
