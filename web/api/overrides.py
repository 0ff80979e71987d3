"""Overrides of a refused operation start (issue 5 §4): a line lead signs with a reason; listed for review.

The lead can sign at an operator's terminal: the request carries the lead's user name and password
(both components, §11.200(a)), so the terminal's token does not need the override permission itself;
the signature service checks that the named signer's role holds calibration.override.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance import gating
from mes.compliance.chain import format_ts
from mes.compliance.signatures import manifestation, verify_signature
from mes.models import ElectronicSignature, Override
from mes.production.errors import InvalidInput, NotFound
from mes.security.permissions import Permission
from web.api import bp, language
from web.api.inputs import body, integer, text
from web.api.transaction import read_only, transaction
from web.permissions import requires


@bp.post("/overrides")
@requires(Permission.UNIT_OPERATE)
def grant():  # type: ignore[no-untyped-def]
    """Grant {serial, seq, check, subject, reason, password, username?}: e-signed "approved" by a line lead."""
    data = body()
    serial, seq = text(data, "serial", max_len=40), integer(data, "seq")
    check, subject = text(data, "check", max_len=40), text(data, "subject", max_len=100)
    reason = text(data, "reason", max_len=1000)
    username = text(data, "username", required=False, max_len=60)
    password = data.get("password")
    if not isinstance(password, str) or not password:
        raise InvalidInput("password is required to sign")
    with transaction() as s:
        lead = gating.override_signer(s, g.actor, username)
        override = gating.grant_override(s, lead=lead, password=password, check=check, subject=subject,
                                         serial=serial, seq=seq, reason=reason, workstation=g.actor.workstation,
                                         username=username)
        return jsonify(_as_json(override, s.get_one(ElectronicSignature, override.signature_id))), 201


@bp.get("/overrides")
@requires(Permission.UNIT_TRACE)
def list_overrides():  # type: ignore[no-untyped-def]
    """Overrides, oldest first: ?serial=, ?work_order=, ?unused=1, ?limit= (default 100, at most 1000)."""
    serial, work_order = request.args.get("serial"), request.args.get("work_order")
    limit = _limit(request.args.get("limit", "100"))
    with read_only() as s:
        rows = gating.overrides_for(s, [serial] if serial else None, work_order=work_order or None,
                                    unused_only=request.args.get("unused") in ("1", "true"), limit=limit)
        signatures = _signatures(s, rows)
        return jsonify(overrides=[_as_json(o, signatures[o.signature_id]) for o in rows])


@bp.get("/overrides/<int:override_id>")
@requires(Permission.UNIT_TRACE)
def get_override(override_id: int):  # type: ignore[no-untyped-def]
    """One override with its signature manifestation and whether the signature still verifies."""
    with read_only() as s:
        override = s.get(Override, override_id)
        if override is None:
            raise NotFound("Override", override_id)
        return jsonify(_as_json(override, s.get_one(ElectronicSignature, override.signature_id)))


def _limit(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise InvalidInput("limit must be an integer from 1 to 1000")
    return int(value)


def _signatures(session: Session, rows: list[Override]) -> dict[int, ElectronicSignature]:
    ids = {o.signature_id for o in rows}
    return {sig.id: sig for sig in session.scalars(select(ElectronicSignature).where(ElectronicSignature.id.in_(ids)))}


def _as_json(override: Override, signature: ElectronicSignature) -> dict[str, Any]:
    return {
        "id": override.id, "check": override.check, "subject": override.subject, "serial": override.serial,
        "seq": override.seq, "reason": override.reason, "granted_by": signature.signer_name,
        "granted_at_utc": format_ts(override.granted_at),
        "used_at_utc": format_ts(override.used_at) if override.used_at else None,
        "used_by_record_id": override.used_by_record_id,
        "signature": {"id": signature.id, "meaning": signature.meaning,
                      "manifestation": manifestation(signature, current_app.config["MES_TIMEZONE"], language()),
                      "valid": verify_signature(signature, gating.override_content(override))},
    }
