"""Quality records: NCs, holds, the DHR and batch record (JSON and PDF), exception review, batch release.

Passwords for re-authentication travel in the JSON body and go straight to the signature service:
never logged, never echoed, never in the audit trail.
"""

from __future__ import annotations

from flask import Response, g, jsonify, request

from mes.compliance.dhr import build_batch_record, build_unit_dhr, record_export
from mes.compliance.dhr_pdf import batch_record_pdf, unit_dhr_pdf
from mes.production.errors import InvalidInput
from mes.quality import holds, nonconformance, release
from mes.security.permissions import Permission
from web.api import bp, language
from web.api.inputs import body, integer, text
from web.api.transaction import transaction
from web.permissions import requires


def _lang() -> str:
    return request.args.get("lang") if request.args.get("lang") in ("en", "ru") else language()


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@bp.get("/units/<serial>/dhr")
@requires(Permission.UNIT_TRACE)
def unit_dhr(serial: str):  # type: ignore[no-untyped-def]
    """The device history record of a serial (JSON); the export is audited."""
    with transaction() as s:
        record = build_unit_dhr(s, serial, _lang())
        record_export(s, g.actor, "unit", serial, "json")
        return jsonify(record)


@bp.get("/units/<serial>/dhr.pdf")
@requires(Permission.UNIT_TRACE)
def unit_dhr_as_pdf(serial: str):  # type: ignore[no-untyped-def]
    """The device history record of a serial as PDF; the export is audited."""
    with transaction() as s:
        record = build_unit_dhr(s, serial, _lang())
        record_export(s, g.actor, "unit", serial, "pdf")
    return _pdf(unit_dhr_pdf(record, _lang()), f"DHR-{serial}")


@bp.get("/work-orders/<number>/batch-record")
@requires(Permission.UNIT_TRACE)
def batch_record(number: str):  # type: ignore[no-untyped-def]
    """The batch record of a work order (JSON) with its exceptions; the export is audited."""
    with transaction() as s:
        record = build_batch_record(s, number, _lang())
        record_export(s, g.actor, "work_order", number, "json")
        return jsonify(record)


@bp.get("/work-orders/<number>/batch-record.pdf")
@requires(Permission.UNIT_TRACE)
def batch_record_as_pdf(number: str):  # type: ignore[no-untyped-def]
    """The batch record as PDF; the export is audited."""
    with transaction() as s:
        record = build_batch_record(s, number, _lang())
        record_export(s, g.actor, "work_order", number, "pdf")
    return _pdf(batch_record_pdf(record, _lang()), f"BR-{number}")


@bp.post("/work-orders/<number>/batch-record/review")
@requires(Permission.BATCH_REVIEW)
def review(number: str):  # type: ignore[no-untyped-def]
    """Review one exception {key, decision, password}, signed "reviewed"."""
    data = body()
    key, decision = text(data, "key", max_len=120), text(data, "decision", max_len=1000)
    password = _password(data)
    with transaction() as s:
        row = release.review_exception(s, g.actor, number, key, decision, password, _username(data))
        return jsonify(key=row.exception_key, decision=row.decision, signature_id=row.signature_id), 201


@bp.post("/work-orders/<number>/batch-record/release")
@requires(Permission.BATCH_RELEASE)
def release_batch(number: str):  # type: ignore[no-untyped-def]
    """QA batch release {password, quantity?}, signed "released"; 409 lists the open exceptions."""
    data = body()
    quantity, password = integer(data, "quantity", required=False), _password(data)
    with transaction() as s:
        row = release.release_batch(s, g.actor, number, password, quantity, _username(data))
        return jsonify(work_order=number, quantity_released=row.quantity_released, signature_id=row.signature_id)


@bp.post("/nonconformances")
@requires(Permission.NC_OPEN)
def open_nc():  # type: ignore[no-untyped-def]
    """Open an NC on a unit {serial, description, source?} (label_scan, machine_fault, manual): it is held."""
    data = body()
    serial, description = text(data, "serial", max_len=40), text(data, "description", max_len=500)
    source = text(data, "source", required=False, max_len=20) or "manual"
    with transaction() as s:
        nc = nonconformance.open_nc(s, g.actor, serial, description, source)
        return jsonify(number=nc.number, status=nc.status, source=nc.source), 201


@bp.post("/nonconformances/<number>/notes")
@requires(Permission.NC_OPEN)
def add_note(number: str):  # type: ignore[no-untyped-def]
    """Append an investigation note {text}."""
    note_text = text(body(), "text", max_len=5000)
    with transaction() as s:
        note = nonconformance.add_note(s, g.actor, number, note_text)
        return jsonify(id=note.id, author=note.author_name, text=note.text), 201


@bp.post("/nonconformances/<number>/disposition")
@requires(Permission.NC_DISPOSITION)
def disposition(number: str):  # type: ignore[no-untyped-def]
    """Disposition {disposition, justification?, password}, signed "dispositioned"."""
    data = body()
    choice = text(data, "disposition", max_len=20)
    justification, password = text(data, "justification", required=False, max_len=1000), _password(data)
    with transaction() as s:
        nc = nonconformance.disposition_nc(s, g.actor, number, choice, password, justification, _username(data))
        return jsonify(number=nc.number, status=nc.status, disposition=nc.disposition, signature_id=nc.signature_id)


@bp.post("/holds")
@requires(Permission.NC_OPEN)
def place_hold():  # type: ignore[no-untyped-def]
    """Hold {entity: unit|work_order|material_lot, key, reason}."""
    data = body()
    entity, key = text(data, "entity", max_len=20), text(data, "key", max_len=60)
    reason = text(data, "reason", max_len=500)
    with transaction() as s:
        hold = holds.place_hold(s, g.actor, entity, key, reason)
        return jsonify(id=hold.id, entity=hold.entity, key=hold.entity_key, set_flag=hold.set_flag), 201


@bp.post("/holds/<int:hold_id>/release")
@requires(Permission.NC_DISPOSITION)
def release_hold(hold_id: int):  # type: ignore[no-untyped-def]
    """Release a hold {reason}."""
    reason = text(body(), "reason", max_len=500)
    with transaction() as s:
        hold = holds.release_hold(s, g.actor, hold_id, reason)
        return jsonify(id=hold.id, released_by=hold.released_by_name, released_at=hold.released_at.isoformat())


def _password(data: dict[str, object]) -> str:
    value = data.get("password")
    if not isinstance(value, str) or not value:
        raise InvalidInput("password is required to sign")
    return value


def _username(data: dict[str, object]) -> str | None:
    """The signer's user name when the client sends it (both components, §11.200(a)); the service checks it."""
    value = data.get("username")
    if value is not None and not isinstance(value, str):
        raise InvalidInput("username must be a string")
    return value
