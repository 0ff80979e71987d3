"""The downtime report page for supervisors: stops per station and reason for a shift or dates, Pareto order.

A supervisor closes a stop the operator left open, or corrects its reason, saying why (audited).
The same window and filters serve the page, its CSV export and GET /api/v1/downtime (web/api/downtime.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for

from mes.domain.errors import DomainError
from mes.domain.shifts import Shift, ShiftWindow, shift_on, shift_window
from mes.models import utcnow
from mes.production.downtime import REASONS, reclassify, supervisor_close
from mes.production.downtime_report import DowntimeReport, downtime_report
from mes.security.permissions import Permission
from web.api.transaction import read_only, transaction
from web.auth import _actor
from web.i18n import gettext as _
from web.permissions import requires

bp = Blueprint("downtime", __name__, url_prefix="/downtime")
STATUS = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403}


class BadReportDate(DomainError):
    code = "invalid_date"
    kind = "invalid"
    message_en = "{field}: {value} is not a date (YYYY-MM-DD)"
    message_ru = "{field}: {value} — не дата (ГГГГ-ММ-ДД)"


class UnknownShift(DomainError):
    code = "unknown_shift"
    kind = "invalid"
    message_en = "No shift {code} in the shift calendar (shifts: {known})"
    message_ru = "Смены {code} нет в графике смен (смены: {known})"


@dataclass(frozen=True)
class ReportRequest:
    """The window and filters of a report, as asked."""

    start: datetime
    end: datetime
    shift: ShiftWindow | None
    stations: tuple[str, ...]
    reasons: tuple[str, ...]
    line: str | None


def read_request(args: Mapping[str, str], shifts: tuple[Shift, ...], zone: ZoneInfo,
                 now: datetime | None = None) -> ReportRequest:
    """?from=&to= (local dates, both included), or ?shift=&day=, else the shift running now; ?station=&reason=&line="""
    now = now or utcnow()
    shift = None
    if args.get("from") or args.get("to"):
        first = _date(args.get("from") or args.get("to", ""), "from")
        last = _date(args.get("to") or args.get("from", ""), "to")
        start = datetime.combine(first, time(0), tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    elif args.get("shift"):
        code = args["shift"]
        day = _date(args["day"], "day") if args.get("day") else _latest_day(code, shifts, zone, now)
        try:
            shift = shift_on(day, code, shifts, zone)
        except KeyError:
            raise UnknownShift(code=code, known=", ".join(s.code for s in shifts)) from None
        start, end = shift.start, shift.end
    else:
        shift = shift_window(now, shifts, zone)
        start, end = shift.start, shift.end
    return ReportRequest(start, end, shift, _codes(args.get("station")), _codes(args.get("reason")),
                         args.get("line") or None)


def run_report(db, asked: ReportRequest) -> DowntimeReport:  # type: ignore[no-untyped-def]
    """The report for a request (raises the service's typed errors for bad filters)."""
    return downtime_report(db, asked.start, asked.end, line=asked.line, stations=asked.stations,
                           reasons=asked.reasons)


def _latest_day(code: str, shifts: tuple[Shift, ...], zone: ZoneInfo, now: datetime) -> date:
    """The local date of the latest occurrence of the shift that has begun (today's, else yesterday's)."""
    today = now.astimezone(zone).date()
    try:
        return today if shift_on(today, code, shifts, zone).start <= now else today - timedelta(days=1)
    except KeyError:
        raise UnknownShift(code=code, known=", ".join(s.code for s in shifts)) from None


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadReportDate(field=field, value=text) from None


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _context() -> tuple[tuple[Shift, ...], ZoneInfo]:
    return current_app.extensions["mes.shifts"], ZoneInfo(current_app.config["MES_TIMEZONE"])


@bp.get("/")
@requires(Permission.DOWNTIME_MANAGE)
def report(problem: str | None = None):  # type: ignore[no-untyped-def]
    """The report page (default: the shift running now)."""
    shifts, zone = _context()
    try:
        asked = read_request(request.args, shifts, zone)
        with read_only() as db:
            result = run_report(db, asked)
    except DomainError as exc:
        return render_template("downtime/report.html", error=exc.message(g.get("lang", "ru")), result=None,
                               asked=None, shifts=shifts, reasons=REASONS, args=request.args), STATUS[exc.kind]
    return render_template("downtime/report.html", result=result, asked=asked, shifts=shifts, reasons=REASONS,
                           args=request.args, error=problem, csv_url=url_for("downtime.export", **request.args))


@bp.get("/export.csv")
@requires(Permission.DOWNTIME_MANAGE)
def export():  # type: ignore[no-untyped-def]
    """The report's stops as CSV (local times), for a spreadsheet."""
    shifts, zone = _context()
    try:
        asked = read_request(request.args, shifts, zone)
        with read_only() as db:
            result = run_report(db, asked)
    except DomainError as exc:
        return Response(exc.message(g.get("lang", "ru")), status=STATUS[exc.kind], mimetype="text/plain")
    return Response(_csv(result, zone), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=downtime-{asked.start.astimezone(zone):%Y%m%d-%H%M}.csv"})


def _csv(result: DowntimeReport, zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Station"), _("Reason"), _("Comment"), _("Started"), _("Ended"), _("Minutes"),
                     _("Reported by"), _("Closed by")])
    for stop in result.stops:
        writer.writerow([stop.station, _(REASONS[stop.reason]), stop.comment, _local(stop.started_at, zone),
                         _local(stop.ended_at, zone), f"{stop.seconds / 60:.1f}", stop.reported_by or "",
                         _closer(stop.ended_by)])
    return out.getvalue()


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _closer(name: str | None) -> str:
    return "" if name is None else _("the machine (back in Execute)") if name == "system" else name


@bp.post("/<int:event_id>/close")
@requires(Permission.DOWNTIME_MANAGE)
def close(event_id: int):  # type: ignore[no-untyped-def]
    """A supervisor closes an open stop, with the reason for doing so."""
    try:
        with transaction() as db:
            supervisor_close(db, _actor(g.user), event_id, request.form.get("why", ""))
    except DomainError as exc:
        return _refused(exc)
    flash(_("The stop is closed."), "success")
    return redirect(_back(), 303)


@bp.post("/<int:event_id>/reclassify")
@requires(Permission.DOWNTIME_MANAGE)
def change_reason(event_id: int):  # type: ignore[no-untyped-def]
    """A supervisor corrects the reason of a stop, with the reason for the change."""
    try:
        with transaction() as db:
            reclassify(db, _actor(g.user), event_id, request.form.get("reason", ""), request.form.get("why", ""),
                       request.form.get("comment"))
    except DomainError as exc:
        return _refused(exc)
    flash(_("The reason of the stop is changed."), "success")
    return redirect(_back(), 303)


def _refused(exc: DomainError):  # type: ignore[no-untyped-def]
    """The report again (same filters) with the refusal; nothing was changed."""
    response = report(problem=exc.message(g.get("lang", "ru")))
    body = response[0] if isinstance(response, tuple) else response
    return body, STATUS.get(exc.kind, 409)


def _back() -> str:
    """The report with the filters the form was posted from (they ride in its action's query string)."""
    return url_for("downtime.report", **request.args)
