"""Read model of a line's live status, for the line page and the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mes.domain.oee import Oee
from mes.domain.packml import state_group, state_name
from mes.domain.shifts import DEFAULT_SHIFTS, Shift, ShiftWindow, as_shifts, shift_window
from mes.models import Equipment, Line, Station, utcnow
from mes.services.shift_oee import StationShift, shift_oee

# A status older than this means the edge is not running or cannot reach the database.
STALE_AFTER = timedelta(seconds=10)


class UnknownLine(LookupError):
    """No line has that code."""


@dataclass(frozen=True)
class StationStatus:
    """One station as the line page shows it."""

    code: str
    name: str
    station_type: str
    equipment: str | None
    protocol: str | None
    connected: bool
    state: int | None
    state_name: str
    state_group: str
    good_count: int | None  # this shift, from the MES's records (machine results, operations)
    bad_count: int | None
    alarm_code: int | None
    updated_at: datetime | None
    last_error: str | None
    stale: bool
    consecutive_failures: int = 0
    last_serial: str | None = None
    oee: Oee | None = None
    plc_good_count: int | None = None  # the machine's own counters, as it reports them (not per shift)
    plc_bad_count: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps as ISO 8601 UTC)."""
        data = asdict(self)
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return data


@dataclass(frozen=True)
class LineStatus:
    """A line and its stations in flow order."""

    code: str
    name: str
    stations: list[StationStatus]
    shift: ShiftWindow | None = None

    @property
    def shift_start(self) -> datetime | None:
        """When the current shift began (UTC)."""
        return self.shift.start if self.shift else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the line and its stations."""
        shift = self.shift
        return {"line": self.code, "name": self.name,
                "shift_start": shift.start.isoformat() if shift else None,
                "shift_end": shift.end.isoformat() if shift else None,
                "shift_code": shift.code if shift else None, "shift_name": shift.name if shift else None,
                "stations": [s.to_json() for s in self.stations]}


def list_lines(session: Session) -> list[tuple[str, str]]:
    """Every line as (code, name), ordered by code."""
    return [(ln.code, ln.name) for ln in session.scalars(select(Line).order_by(Line.code))]


def line_status(session: Session, line_code: str, now: datetime | None = None, *,
                shift_starts: Sequence[time | Shift] = DEFAULT_SHIFTS,
                zone: ZoneInfo | None = None) -> LineStatus:
    """The live status, current-shift counts and OEE of every station of a line, or UnknownLine.

    `shift_starts`: the site's shift calendar (mes.domain.shifts.Shift), or bare start times.
    """
    line = session.scalars(
        select(Line).where(Line.code == line_code).options(
            selectinload(Line.stations).selectinload(Station.equipment).selectinload(Equipment.status)
        )
    ).one_or_none()
    if line is None:
        raise UnknownLine(line_code)
    now = now or utcnow()
    shift = shift_window(now, as_shifts(shift_starts), zone or ZoneInfo("Europe/Moscow"))
    shifts = shift_oee(session, line.stations, shift.start, now)
    stations = [_station_status(s, now, shifts.get(s.id)) for s in line.stations]
    return LineStatus(line.code, line.name, stations, shift)


def _station_status(station: Station, now: datetime, shift: StationShift | None) -> StationStatus:
    eq = station.equipment[0] if station.equipment else None
    status = eq.status if eq else None
    values = status.values if status else {}
    state = status.packml_state if status else None
    updated = status.updated_at if status else None
    return StationStatus(
        code=station.code,
        name=station.name,
        station_type=station.station_type,
        equipment=eq.code if eq else None,
        protocol=eq.protocol if eq else None,
        connected=bool(status and status.connected),
        state=state,
        state_name=state_name(state),
        state_group=state_group(state) if status and status.connected else "offline",
        good_count=shift.good if shift else None,
        bad_count=shift.bad if shift else None,
        alarm_code=values.get("alarm_code"),
        updated_at=updated,
        last_error=status.last_error if status else None,
        stale=updated is None or now - updated > STALE_AFTER,
        consecutive_failures=status.consecutive_failures if status else 0,
        last_serial=_text(values.get("result_serial")),
        oee=shift.oee if shift and eq else None,
        plc_good_count=values.get("good_count"),
        plc_bad_count=values.get("bad_count"),
    )


def _text(value: object) -> str | None:
    """A string tag as shown; PLC strings come padded with NULs or spaces."""
    text = str(value).strip("\x00 ") if value is not None else ""
    return text or None
