"""Quality workspace pages for records: a unit's DHR, the PDF exports, nonconformances and holds."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for

from mes.compliance.dhr import build_batch_record, build_unit_dhr, record_export
from mes.compliance.dhr_pdf import batch_record_pdf, unit_dhr_pdf
from mes.domain.errors import DomainError
from mes.quality import holds, nonconformance
from mes.quality.worklist import active_holds_all, serial_of_nonconformance, serials_of
from mes.security.permissions import Permission
from web.api.transaction import read_only, transaction
from web.i18n import gettext as _
from web.permissions import requires
from web.quality_signing import actor, dialog_context, read_signing, required, signed
from web.quality_workspace import Problem, bp, refused


def _lang() -> str:
    return g.get("lang", "ru")


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


@bp.get("/units/<serial>")
@requires(Permission.UNIT_TRACE)
def unit(serial: str):  # type: ignore[no-untyped-def]
    """A unit's device history record: operations, measurements, components, NCs, holds, signatures."""
    with read_only() as s:
        record = build_unit_dhr(s, serial, _lang())
    return render_template("quality/unit.html", record=record)


@bp.get("/units/<serial>/dhr.pdf")
@requires(Permission.UNIT_TRACE)
def unit_pdf(serial: str):  # type: ignore[no-untyped-def]
    """The DHR as PDF; the export is audited."""
    with transaction() as s:
        record = build_unit_dhr(s, serial, _lang())
        record_export(s, actor(), "unit", serial, "pdf")
    return _pdf(unit_dhr_pdf(record, _lang()), f"DHR-{serial}")


@bp.get("/batches/<number>/batch-record.pdf")
@requires(Permission.UNIT_TRACE)
def batch_pdf(number: str):  # type: ignore[no-untyped-def]
    """The batch record as PDF; the export is audited."""
    with transaction() as s:
        record = build_batch_record(s, number, _lang())
        record_export(s, actor(), "work_order", number, "pdf")
    return _pdf(batch_record_pdf(record, _lang()), f"BR-{number}")


@bp.get("/nonconformances")
@requires(Permission.NC_OPEN)
def ncs():  # type: ignore[no-untyped-def]
    """The newest nonconformances, open ones by default."""
    return ncs_page()


def ncs_page(problem: Problem | None = None) -> str:
    """Render the NC list (also after a refused opening)."""
    status = request.args.get("status", "open")
    status = status if status in ("open", "closed", "all") else "open"
    with read_only() as s:
        rows = nonconformance.list_ncs(s, None if status == "all" else status, 200)
        serials = serials_of(s, [nc.number for nc in rows])
    return render_template("quality/ncs.html", rows=rows, serials=serials, status=status, problem=problem,
                           form=request.form if problem else {})


@bp.post("/nonconformances")
@requires(Permission.NC_OPEN)
def open_nc():  # type: ignore[no-untyped-def]
    """Open an NC on a unit by hand: the unit is held until the NC is dispositioned."""
    try:
        serial = required("serial", _("Serial"), 40)
        description = required("description", _("Description"), 500)
        with transaction() as s:
            number = nonconformance.open_nc(s, actor(), serial, description, "manual").number
    except DomainError as exc:
        return refused(ncs_page, "open", exc)
    flash(_("Nonconformance opened; the unit is on hold."), "success")
    return redirect(url_for("quality.nc", number=number), 303)


@bp.get("/nonconformances/<number>")
@requires(Permission.NC_OPEN)
def nc(number: str):  # type: ignore[no-untyped-def]
    """One NC: description, investigation notes, disposition and its signature."""
    return nc_page(number)


def nc_page(number: str, problem: Problem | None = None) -> str:
    """Render the NC page (also after a refused note or disposition)."""
    with read_only() as s:
        serial = serial_of_nonconformance(s, number)
        record = build_unit_dhr(s, serial, _lang())
    detail = next(n for n in record["nonconformances"] if n["number"] == number)
    signatures = [sig for sig in record["signatures"] if sig["entity_id"] == number]
    return render_template("quality/nc.html", nc=detail, record=record, signatures=signatures,
                           dispositions=nonconformance.DISPOSITIONS, problem=problem,
                           form=request.form if problem else {}, **dialog_context())


@bp.post("/nonconformances/<number>/notes")
@requires(Permission.NC_OPEN)
def add_note(number: str):  # type: ignore[no-untyped-def]
    """Append an investigation note."""
    try:
        text = required("text", _("Note"), 5000)
        with transaction() as s:
            nonconformance.add_note(s, actor(), number, text)
    except DomainError as exc:
        return refused(nc_page, "note", exc, number=number)
    flash(_("Note added."), "success")
    return redirect(url_for("quality.nc", number=number), 303)


@bp.post("/nonconformances/<number>/disposition")
@requires(Permission.NC_DISPOSITION)
def disposition(number: str):  # type: ignore[no-untyped-def]
    """Disposition the NC, signed "dispositioned"; the unit's hold lifts."""
    try:
        choice = required("disposition", _("Disposition"), 20)
        justification = request.form.get("justification", "").strip()[:1000] or None
        entry = read_signing()
        with transaction() as s:
            nonconformance.disposition_nc(s, actor(), number, choice, entry.password, justification,
                                          entry.username)
    except DomainError as exc:
        return refused(nc_page, "disposition", exc, number=number)
    signed()
    flash(_("Disposition signed."), "success")
    return redirect(url_for("quality.nc", number=number), 303)


@bp.get("/holds")
@requires(Permission.NC_OPEN)
def holds_page(problem: Problem | None = None):  # type: ignore[no-untyped-def]
    """Active holds on units, batches and material lots; place and release holds."""
    with read_only() as s:
        rows = active_holds_all(s)
    return render_template("quality/holds.html", rows=rows, entities=holds.ENTITIES, problem=problem,
                           form=request.form if problem else {})


@bp.post("/holds")
@requires(Permission.NC_OPEN)
def place_hold():  # type: ignore[no-untyped-def]
    """Hold a unit (serial), a batch (work order number) or a material lot (id)."""
    try:
        entity = required("entity", _("What"), 20)
        key = required("key", _("Serial, work order or lot id"), 60)
        reason = required("reason", _("Reason"), 500)
        with transaction() as s:
            holds.place_hold(s, actor(), entity, key, reason)
    except DomainError as exc:
        return refused(holds_page, "place", exc)
    flash(_("Hold placed."), "success")
    return redirect(url_for("quality.holds_page"), 303)


@bp.post("/holds/<int:hold_id>/release")
@requires(Permission.NC_DISPOSITION)
def release_hold(hold_id: int):  # type: ignore[no-untyped-def]
    """Release one hold, with the reason."""
    try:
        reason = required("reason", _("Reason"), 500)
        with transaction() as s:
            holds.release_hold(s, actor(), hold_id, reason)
    except DomainError as exc:
        return refused(holds_page, f"release-{hold_id}", exc)
    flash(_("Hold released."), "success")
    return redirect(url_for("quality.holds_page"), 303)
