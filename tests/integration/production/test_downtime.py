"""Downtime events: a reason from the fixed list, started when the machine stopped, one open per station, audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.models import AuditEvent, DowntimeEvent, Equipment, EquipmentStatus, StateChange, utcnow
from mes.production.downtime import (
    DowntimeAlreadyOpen,
    NoOpenDowntime,
    downtime_events,
    end_downtime,
    open_downtime,
    record_downtime,
)
from mes.production.errors import InvalidInput, NotFound
from tests.support.production import ACTOR


def machine_stopped(sessions, minutes_ago: float, state: int = 9, connected: bool = True):  # type: ignore[no-untyped-def]
    """The edge saw SCR01's spindle go to `state` some minutes ago."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    with unit_of_work(sessions) as s:
        eq = s.scalars(select(Equipment).where(Equipment.code == "SCR01-SPINDLE")).one()
        s.add(StateChange(equipment_id=eq.id, at=at, from_state=6, to_state=state))
        s.merge(EquipmentStatus(equipment_id=eq.id, connected=connected, packml_state=state, values={},
                                updated_at=utcnow(), last_good_at=at))
    return at


def test_a_stop_starts_when_the_machine_stopped_and_ends_when_the_operator_says_it_runs(seeded):
    stopped_at = machine_stopped(seeded, 7)
    with unit_of_work(seeded) as s:
        event = record_downtime(s, ACTOR, "SCR01", "breakdown", " spindle jammed ")
    assert abs((event.started_at - stopped_at).total_seconds()) < 1
    assert (event.reason, event.comment, event.machine_state) == ("breakdown", "spindle jammed", "ABORTED")
    with unit_of_work(seeded) as s:
        assert open_downtime(s, "SCR01").id == event.id
        ended = end_downtime(s, ACTOR, "SCR01")
        assert ended.ended_at >= ended.started_at
        assert open_downtime(s, "SCR01") is None
        actions = [(a.action, a.field) for a in s.scalars(select(AuditEvent).where(
            AuditEvent.entity == "downtime_event", AuditEvent.entity_id == str(event.id)).order_by(AuditEvent.id))]
    assert actions == [("CREATE", None), ("UPDATE", "ended_at")]


def test_an_offline_machine_counts_as_stopped_since_its_last_good_read(seeded):
    machine_stopped(seeded, 3, state=6, connected=False)
    with unit_of_work(seeded) as s:
        event = record_downtime(s, ACTOR, "SCR01", "waiting_for_maintenance")
    assert event.machine_state == "OFFLINE" and (utcnow() - event.started_at) > timedelta(minutes=2)


def test_a_running_machine_stop_starts_now(seeded):
    machine_stopped(seeded, 30, state=6)
    with unit_of_work(seeded) as s:
        event = record_downtime(s, ACTOR, "SCR01", "planned_break")
    assert utcnow() - event.started_at < timedelta(seconds=5)


@pytest.mark.parametrize(("reason", "comment"), [("coffee", ""), ("other", "  "), ("breakdown", "x" * 501)])
def test_a_reason_outside_the_list_or_other_without_words_is_refused_and_nothing_is_written(seeded, reason, comment):
    with pytest.raises(InvalidInput), unit_of_work(seeded) as s:
        record_downtime(s, ACTOR, "SCR01", reason, comment)
    with unit_of_work(seeded) as s:
        assert s.scalars(select(DowntimeEvent)).all() == []


def test_one_open_stop_per_station(seeded):
    with unit_of_work(seeded) as s:
        record_downtime(s, ACTOR, "SCR01", "changeover")
    with pytest.raises(DowntimeAlreadyOpen) as refused, unit_of_work(seeded) as s:
        record_downtime(s, ACTOR, "SCR01", "breakdown")
    assert "changeover" in refused.value.message("en")
    with unit_of_work(seeded) as s:
        record_downtime(s, ACTOR, "LEAK01", "breakdown")  # another station may stop at the same time
        assert len(downtime_events(s, "SCR01")) == 1


def test_ending_without_an_open_stop_or_at_an_unknown_station_is_refused(seeded):
    with pytest.raises(NoOpenDowntime), unit_of_work(seeded) as s:
        end_downtime(s, ACTOR, "SCR01")
    with pytest.raises(NotFound), unit_of_work(seeded) as s:
        record_downtime(s, ACTOR, "NOPE", "breakdown")
