"""A record's history and the audit-trail search (issue 5 §2), for auditors and QA (permission audit.view).

Times are UTC (`...Z`); old/new values are the JSON the trail holds; signatures carry their §11.50
manifestation in the site's time zone and the caller's language.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, jsonify, request

from mes.compliance.history import event_dict, record_history, search_audit, signature_dict
from mes.compliance.signatures import manifestation, signatures_for
from mes.production.errors import InvalidInput
from mes.security.permissions import Permission
from web.api import bp, language
from web.api.transaction import read_only
from web.permissions import requires


@bp.get("/history/<entity>/<path:entity_id>")
@requires(Permission.AUDIT_VIEW)
def record(entity: str, entity_id: str):  # type: ignore[no-untyped-def]
    """Every audit entry about one record, oldest first, and the signatures executed on it."""
    zone, lang = current_app.config["MES_TIMEZONE"], language()
    with read_only() as s:
        events = [event_dict(e) for e in record_history(s, entity, entity_id)]
        signatures = [signature_dict(sig, manifestation(sig, zone, lang))
                      for sig in signatures_for(s, entity, entity_id)]
    return jsonify(entity=entity, entity_id=entity_id, events=events, signatures=signatures)


@bp.get("/audit")
@requires(Permission.AUDIT_VIEW)
def search():  # type: ignore[no-untyped-def]
    """Search the trail, newest first: ?user= &entity= &entity_id= &action=A,B &since= &until= &limit= &before_id="""
    args = request.args
    actions = [a.strip() for a in args.get("action", "").split(",") if a.strip()]
    user: str | int | None = args.get("user") or None
    if args.get("user_id"):
        user = _int(args["user_id"], "user_id")
    with read_only() as s:
        page = search_audit(s, user=user, entity=args.get("entity") or None, entity_id=args.get("entity_id") or None,
                            action=actions or None, since=_moment(args.get("since"), "since"),
                            until=_moment(args.get("until"), "until"), limit=_int(args.get("limit", "100"), "limit"),
                            before_id=_int(args["before_id"], "before_id") if args.get("before_id") else None)
        events = [event_dict(e) for e in page]
    return jsonify(events=events, next_before_id=page.next_before_id)


def _int(value: str, name: str) -> int:
    if not value.isdigit():
        raise InvalidInput(f"{name} must be a positive integer")
    return int(value)


def _moment(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 time with its zone (2026-11-26T07:00:00Z or +03:00); a bare time is ambiguous."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))  # '+' arrives as ' ' when not URL-encoded
    except ValueError as exc:
        raise InvalidInput(f"{name} must be an ISO 8601 time, e.g. 2026-11-26T07:00:00Z") from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} must say its time zone (Z for UTC or an offset like +03:00)")
    return moment
