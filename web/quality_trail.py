"""Quality workspace pages for tracing: the audit-trail browser, one record's history, the genealogy explorer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g, render_template, request

from mes.compliance.history import decode_value, record_history, search_audit
from mes.compliance.signatures import manifestation, signatures_for
from mes.domain.errors import DomainError
from mes.production.genealogy import trace_backward
from mes.quality.worklist import forward_tree
from mes.security.permissions import Permission
from web.api.transaction import read_only
from web.permissions import requires
from web.quality_workspace import Problem, bp

FILTERS = ("user", "entity", "entity_id", "action", "since", "until")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["MES_TIMEZONE"])


def _day(text: str | None, days_after: int = 0) -> datetime | None:
    """A local calendar day from a date field as the UTC-aware instant it starts (plus days)."""
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text) + timedelta(days=days_after), time(), _zone())


@bp.get("/audit")
@requires(Permission.AUDIT_VIEW)
def audit():  # type: ignore[no-untyped-def]
    """The audit trail, newest first, filtered by user, record, action and local dates; 100 a page."""
    chosen = {name: request.args.get(name, "").strip() for name in FILTERS}
    before = request.args.get("before_id", "")
    problem = None
    try:
        since, until = _day(chosen["since"]), _day(chosen["until"], days_after=1)  # "until" includes that day
    except ValueError:
        since = until = None
        problem = Problem("filters", _date_message())
    with read_only() as s:
        page = search_audit(s, user=chosen["user"] or None, entity=chosen["entity"] or None,
                            entity_id=chosen["entity_id"] or None,
                            action=chosen["action"].split() if chosen["action"] else None,
                            since=since, until=until, before_id=int(before) if before.isdigit() else None)
    return render_template("quality/audit.html", page=page, chosen=chosen, decode=decode_value,
                           problem=problem), 422 if problem else 200


def _date_message() -> str:
    return "Дата должна быть в формате ГГГГ-ММ-ДД" if g.get("lang") == "ru" else "Dates must read YYYY-MM-DD"


@bp.get("/history/<entity>/<path:entity_id>")
@requires(Permission.AUDIT_VIEW)
def history(entity: str, entity_id: str):  # type: ignore[no-untyped-def]
    """Every audit entry and signature of one record, oldest first."""
    with read_only() as s:
        events = record_history(s, entity, entity_id)
        signatures = [(sig, manifestation(sig, _zone(), g.get("lang", "ru")))
                      for sig in signatures_for(s, entity, entity_id)]
    return render_template("quality/history.html", entity=entity, entity_id=entity_id, events=events,
                           signatures=signatures, decode=decode_value)


@bp.get("/genealogy")
@requires(Permission.UNIT_TRACE)
def genealogy():  # type: ignore[no-untyped-def]
    """Backward (what a serial is made of) or forward (where a lot or serial went), as a tree."""
    serial = request.args.get("serial", "").strip()
    lot = request.args.get("lot", "").strip()
    direction = "forward" if request.args.get("direction") == "forward" or (lot and not serial) else "backward"
    tree, problem = None, None
    if serial or lot:
        try:
            with read_only() as s:
                if direction == "backward":
                    tree = trace_backward(s, serial) if serial else None
                else:
                    tree = forward_tree(s, lot_number=None if serial else lot, serial=serial or None)
        except DomainError as exc:
            problem = Problem("search", exc.message(g.get("lang", "ru")))
    return render_template("quality/genealogy.html", serial=serial, lot=lot, direction=direction, tree=tree,
                           problem=problem), 404 if problem else 200
