"""GET /api/v1/downtime: stops per station and reason for a shift or dates, totals in Pareto order.

Filters as on the report page (web/downtime.py): ?shift=&day= or ?from=&to= (site-local dates), else the
shift running now; ?line= ?station=A,B ?reason=a,b. Times are ISO 8601 in the site's time zone (with
its offset); durations in seconds. Bad filters answer 422 with a stable code.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request

from mes.production.downtime import REASONS
from mes.production.downtime_report import Stop, Total
from mes.security.permissions import Permission
from web.api import bp
from web.api.transaction import read_only
from web.downtime import read_request, run_report
from web.permissions import requires


@bp.get("/downtime")
@requires(Permission.DOWNTIME_MANAGE)
def downtime():  # type: ignore[no-untyped-def]
    """The downtime report of a window as JSON."""
    zone = ZoneInfo(current_app.config["MES_TIMEZONE"])
    asked = read_request(request.args, current_app.extensions["mes.shifts"], zone)
    with read_only() as s:
        report = run_report(s, asked)
    shift = asked.shift
    return jsonify(
        start=_local(report.start, zone), end=_local(report.end, zone), timezone=zone.key,
        shift={"code": shift.code, "name": shift.name, "day": shift.day.isoformat()} if shift else None,
        total_seconds=round(report.total_seconds, 1),
        by_reason=[_total(t) for t in report.by_reason],
        by_station_reason=[_total(t) for t in report.by_station_reason],
        stops=[_stop(s, zone) for s in report.stops])


def _local(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def _total(row: Total) -> dict[str, object]:
    data: dict[str, object] = {"reason": row.reason, "reason_name": REASONS[row.reason], "stops": row.stops,
                               "seconds": round(row.seconds, 1), "share": round(row.share, 4),
                               "cumulative": round(row.cumulative, 4)}
    if row.station is not None:
        data = {"station": row.station, **data}
    return data


def _stop(stop: Stop, zone: ZoneInfo) -> dict[str, object]:
    return {"id": stop.id, "station": stop.station, "reason": stop.reason, "comment": stop.comment,
            "machine_state": stop.machine_state, "started_at": _local(stop.started_at, zone),
            "ended_at": _local(stop.ended_at, zone), "open": stop.ended_at is None,
            "seconds": round(stop.seconds, 1), "reported_by": stop.reported_by,
            "closed_by": stop.ended_by}
