"""Quality workspace: batches, review by exception, nonconformances, audit trail, genealogy, DHR.

This module holds the blueprint, what every page of it shares, the batch list and the batch review
(exceptions reviewed and the batch released, both e-signed). The other pages live in
web/quality_records.py (unit DHR, PDFs, NCs, holds) and web/quality_trail.py (audit trail, record
history, genealogy). Views parse the form, call the quality services and turn a refusal into the
page again with the message in the user's language; nothing here queries the database itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from mes.compliance.errors import SignatureRefused
from mes.domain.errors import DomainError
from mes.production.errors import InvalidInput
from mes.quality import release
from mes.quality.worklist import STATUSES, UNITS_PER_PAGE, batch_review, batch_rows
from mes.security.permissions import Permission, has_permission
from web.api import STATUS
from web.api.transaction import read_only, transaction
from web.i18n import gettext as _
from web.permissions import requires
from web.quality_signing import account_changed, actor, dialog_context, read_signing, required, signed

bp = Blueprint("quality", __name__, url_prefix="/quality")


@dataclass(frozen=True)
class Problem:
    """A refusal to show on the page again: which dialog or form it belongs to, and the message."""

    where: str
    message: str


@bp.context_processor
def _shared() -> dict[str, Any]:
    return {"can": lambda permission: has_permission(g.user.role, permission), "P": Permission}


@bp.app_template_filter("isolocal")
def isolocal(value: str | None) -> str:
    """An ISO 8601 time from a record (UTC) in the site's local time."""
    if not value:
        return ""
    local = current_app.jinja_env.filters["localtime"]
    return local(datetime.fromisoformat(value))


@bp.errorhandler(DomainError)
def _refused_page(exc: DomainError):  # type: ignore[no-untyped-def]
    """A page that names no record (or breaks a rule) answers the error page in the user's language."""
    return render_template("error.html", message=exc.message(g.get("lang", "ru"))), STATUS.get(exc.kind, 409)


def refused(page: Callable[..., str], where: str, exc: DomainError, **args: Any) -> tuple[str, int]:
    """The page again, with the refusal shown where it happened (and the form as it was typed)."""
    message = exc.message(g.get("lang", "ru"))
    if isinstance(exc, SignatureRefused):
        account_changed()
    return page(problem=Problem(where, message), **args), STATUS.get(exc.kind, 409)


@bp.get("/")
@requires(Permission.BATCH_REVIEW)
def index():  # type: ignore[no-untyped-def]
    """The batch list: status, quantities and the count of exceptions still open."""
    status = request.args.get("status") or None
    with read_only() as s:
        rows = batch_rows(s, status)
    return render_template("quality/batches.html", rows=rows, status=status, statuses=STATUSES)


@bp.get("/batches/<number>")
@requires(Permission.BATCH_REVIEW)
def batch(number: str):  # type: ignore[no-untyped-def]
    """The batch record for review by exception, with the release."""
    return batch_page(number)


def batch_page(number: str, problem: Problem | None = None) -> str:
    """Render the batch review page (also after a refused review or release)."""
    with read_only() as s:  # every exception, and the units a page at a time (a batch may have 10,000)
        record = batch_review(s, number, g.get("lang", "ru"), _page_number(request.args.get("units", "")),
                              current_app.config.get("MES_UNITS_PER_PAGE", UNITS_PER_PAGE))
    good = record["good_units"]  # release.good_units, counted in the same statement as the quantities
    record["exceptions"].sort(key=lambda e: not e["open"])  # open ones first: they are the work
    return render_template("quality/batch.html", record=record, good=good, problem=problem,
                           form=request.form if problem else {}, **dialog_context())


@bp.post("/batches/<number>/review")
@requires(Permission.BATCH_REVIEW)
def review(number: str):  # type: ignore[no-untyped-def]
    """Record the decision on one exception, signed "reviewed"."""
    try:
        key = required("key", _("Exception"), 120)
        decision = required("decision", _("Decision"), 1000)
        entry = read_signing()
        with transaction() as s:
            release.review_exception(s, actor(), number, key, decision, entry.password, entry.username)
    except DomainError as exc:
        return refused(batch_page, "review", exc, number=number)
    signed()
    flash(_("Exception reviewed and signed."), "success")
    return redirect(url_for("quality.batch", number=number), 303)


@bp.post("/batches/<number>/release")
@requires(Permission.BATCH_RELEASE)
def release_batch(number: str):  # type: ignore[no-untyped-def]
    """QA release for distribution, signed "released": refused while any exception is open."""
    try:
        quantity = _quantity(request.form.get("quantity", ""))
        entry = read_signing()
        with transaction() as s:
            released = release.release_batch(s, actor(), number, entry.password, quantity,
                                             entry.username).quantity_released
    except DomainError as exc:
        return refused(batch_page, "release", exc, number=number)
    signed()
    flash(_("Batch released for distribution, quantity released: {count}.").format(count=released), "success")
    return redirect(url_for("quality.batch", number=number), 303)


class QuantityInvalid(InvalidInput):
    code = "release_quantity_not_a_number"
    message_en = "The quantity released must be a whole number"
    message_ru = "Выпускаемое количество должно быть целым числом"


def _page_number(text: str) -> int:
    """The units page asked for; anything else is the first (the service clamps it to the last)."""
    return int(text) if text.isdigit() and len(text) < 7 else 1


def _quantity(text: str) -> int | None:
    """Empty means every good unit; otherwise a whole number (the service checks the range)."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise QuantityInvalid()
    return int(text)


from web import quality_records, quality_trail  # noqa: E402,F401 - their pages register on bp
