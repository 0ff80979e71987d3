"""A stop closes itself when the machine returns to Execute; a supervisor closes or reclassifies with a reason."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.compliance.verify import verify_chain
from mes.db import unit_of_work
from mes.domain.packml import PackMLState
from mes.edge.status_store import record_status
from mes.models import AuditEvent, DowntimeEvent, Equipment, Station, User
from mes.production.downtime import (
    ChangeReasonRequired,
    DowntimeClosed,
    DowntimeNotFound,
    UnknownDowntimeReason,
    open_downtime,
    reclassify,
    record_downtime,
    supervisor_close,
)
from mes.production.downtime_report import downtime_report
from mes.production.errors import InvalidInput
from tests.support.production import ACTOR


def spindle(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalars(select(Equipment.id).where(Equipment.code == "SCR01-SPINDLE")).one()


def edge_sees(sessions, state: int) -> None:  # type: ignore[no-untyped-def]
    """The edge's own status write (mes.edge.status_store), which appends a state change."""
    record_status(sessions, spindle(sessions), connected=True, values={"state": state})


def lead(sessions) -> AuditActor:  # type: ignore[no-untyped-def]
    with sessions() as s:
        user = s.scalars(select(User).where(User.username == "lead")).one()
        return AuditActor(user.id, user.display_name, "lead-pc")


def trail(sessions, event_id: int) -> list[tuple[str, str | None, str | None, str | None]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return [(a.action, a.field, a.user_name, a.reason) for a in s.scalars(select(AuditEvent).where(
            AuditEvent.entity == "downtime_event", AuditEvent.entity_id == str(event_id)).order_by(AuditEvent.id))]


def test_the_stop_closes_when_the_edge_records_the_machine_back_in_execute(seeded):
    edge_sees(seeded, PackMLState.HELD)
    with unit_of_work(seeded) as s:
        event_id = record_downtime(s, ACTOR, "SCR01", "material_shortage").id
    edge_sees(seeded, PackMLState.UNHOLDING)  # not yet producing: stays open
    with seeded() as s:
        assert open_downtime(s, "SCR01").id == event_id
    edge_sees(seeded, PackMLState.EXECUTE)
    with seeded() as s:
        assert open_downtime(s, "SCR01") is None
        stop = s.get_one(DowntimeEvent, event_id)
        assert stop.ended_by_id is None and stop.ended_at >= stop.started_at
        assert verify_chain(s).intact  # the closing entry is in the hash chain, appended in the edge's transaction
    assert trail(seeded, event_id)[-1] == ("UPDATE", "ended_at", "system", "machine back in Execute")


def test_a_machine_that_comes_back_online_already_running_closes_the_stop_recorded_while_it_was_away(seeded):
    edge_sees(seeded, PackMLState.EXECUTE)
    record_status(seeded, spindle(seeded), connected=False, error="connection refused")  # the link drops
    with unit_of_work(seeded) as s:
        event_id = record_downtime(s, ACTOR, "SCR01", "breakdown").id
    record_status(seeded, spindle(seeded), connected=False, error="connection refused")  # still away: open
    with seeded() as s:
        assert open_downtime(s, "SCR01").id == event_id
    edge_sees(seeded, PackMLState.EXECUTE)  # back, and it never left Execute: no state change to record
    with seeded() as s:
        assert open_downtime(s, "SCR01") is None
        assert verify_chain(s).intact
    assert trail(seeded, event_id)[-1] == ("UPDATE", "ended_at", "system", "machine back in Execute")


def test_a_machine_that_keeps_running_closes_nothing_and_other_stations_stay_open(seeded):
    edge_sees(seeded, PackMLState.EXECUTE)
    with unit_of_work(seeded) as s:
        record_downtime(s, ACTOR, "SCR01", "no_operator")
        leak = record_downtime(s, ACTOR, "LEAK01", "breakdown").id
    edge_sees(seeded, PackMLState.EXECUTE)  # no change of state: no history row, no closing
    with seeded() as s:
        assert open_downtime(s, "SCR01") is not None
    edge_sees(seeded, PackMLState.SUSPENDED)
    edge_sees(seeded, PackMLState.EXECUTE)
    with seeded() as s:
        assert open_downtime(s, "SCR01") is None
        assert open_downtime(s, "LEAK01").id == leak  # another machine's return closes only its own station


def test_a_supervisor_closes_an_open_stop_only_with_a_reason_and_it_is_audited(seeded):
    with unit_of_work(seeded) as s:
        event_id = record_downtime(s, ACTOR, "SCR01", "breakdown", "spindle").id
    supervisor = lead(seeded)
    with unit_of_work(seeded) as s, pytest.raises(ChangeReasonRequired):
        supervisor_close(s, supervisor, event_id, "   ")
    with unit_of_work(seeded) as s:
        supervisor_close(s, supervisor, event_id, "operator went home without closing it")
    with unit_of_work(seeded) as s, pytest.raises(DowntimeClosed):
        supervisor_close(s, supervisor, event_id, "again")
    with unit_of_work(seeded) as s, pytest.raises(DowntimeNotFound):
        supervisor_close(s, supervisor, 999999, "no such stop")
    with seeded() as s:
        assert s.get_one(DowntimeEvent, event_id).ended_by_id == supervisor.user_id
    assert trail(seeded, event_id)[-1] == ("UPDATE", "ended_at", "Olga Smirnova",
                                           "operator went home without closing it")


def test_reclassifying_keeps_the_old_reason_in_the_trail_and_refuses_bad_input_unchanged(seeded):
    with unit_of_work(seeded) as s:
        event_id = record_downtime(s, ACTOR, "SCR01", "breakdown", "spindle").id
    supervisor = lead(seeded)
    with unit_of_work(seeded) as s, pytest.raises(UnknownDowntimeReason):
        reclassify(s, supervisor, event_id, "coffee", "wrong code")
    with unit_of_work(seeded) as s, pytest.raises(InvalidInput):
        reclassify(s, supervisor, event_id, "other", "no comment given", comment="")
    with unit_of_work(seeded) as s:
        reclassify(s, supervisor, event_id, "changeover", "it was the planned changeover to IP-7",
                   comment="changeover to IP-7")
    with seeded() as s:
        stop = s.get_one(DowntimeEvent, event_id)
        assert (stop.reason, stop.comment) == ("changeover", "changeover to IP-7")
        entries = s.scalars(select(AuditEvent).where(AuditEvent.entity == "downtime_event",
                                                     AuditEvent.field == "reason")).all()
        assert [(e.old_value, e.new_value, e.reason) for e in entries] == [
            ('"breakdown"', '"changeover"', "it was the planned changeover to IP-7")]


T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 06:00 Moscow


def add_stop(sessions, station: str, reason: str, start_min: float, end_min: float | None) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        station_id = s.scalars(select(Station.id).where(Station.code == station)).one()
        s.add(DowntimeEvent(station_id=station_id, reason=reason, comment="",
                            started_at=T0 + timedelta(minutes=start_min),
                            ended_at=None if end_min is None else T0 + timedelta(minutes=end_min)))


def test_the_report_sums_the_part_of_each_stop_inside_the_window_in_pareto_order(seeded):
    add_stop(seeded, "SCR01", "breakdown", -30, 20)  # 20 min inside
    add_stop(seeded, "SCR01", "breakdown", 100, 110)  # 10
    add_stop(seeded, "LEAK01", "material_shortage", 200, 240)  # 40
    add_stop(seeded, "FT01", "changeover", 470, None)  # open: 10 min until the window's end
    add_stop(seeded, "FT01", "changeover", 500, 510)  # after the window
    with seeded() as s:
        report = downtime_report(s, T0, T0 + timedelta(hours=8), now=T0 + timedelta(hours=9))
    assert report.total_seconds == 80 * 60
    assert [(t.reason, t.stops, t.seconds / 60) for t in report.by_reason] == [
        ("material_shortage", 1, 40), ("breakdown", 2, 30), ("changeover", 1, 10)]
    assert [round(t.cumulative, 3) for t in report.by_reason] == [0.5, 0.875, 1.0]
    assert (report.by_station_reason[0].station, report.by_station_reason[0].reason) == ("LEAK01", "material_shortage")
    with seeded() as s:
        only = downtime_report(s, T0, T0 + timedelta(hours=8), stations=["SCR01"], reasons=["breakdown"])
    assert [stop.seconds / 60 for stop in only.stops] == [20, 10]


def test_a_report_window_that_ends_before_it_starts_is_refused(seeded):
    with seeded() as s, pytest.raises(InvalidInput):
        downtime_report(s, T0, T0)
    with seeded() as s, pytest.raises(UnknownDowntimeReason):
        downtime_report(s, T0, T0 + timedelta(hours=1), reasons=["lunch"])
