"""Running units through the routing: enforcement, measurements, failures, rework and scrap."""

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.domain.routing import OutOfSequence, UnitNotInProduction, UnitOnHold, WrongStationType
from mes.models import AuditEvent, Measurement, Nonconformance, OperationRecord, Unit, WorkOrder
from mes.production.errors import MeasurementMissing, MissingComponents, NoOpenNonconformance, UnknownMeasurement
from mes.production.execution import complete_operation, start_operation
from mes.production.measurements import MeasurementInput, record_measurements
from mes.production.quality import rework_unit, scrap_unit
from tests.support.production import ACTOR, SCREWS, battery_scan, build_pm100, finished_board, released_order, run_op


def unit(sessions, serial):
    with unit_of_work(sessions) as s:
        return s.scalars(select(Unit).where(Unit.serial == serial)).one()


def test_a_unit_run_through_every_operation_completes_it_and_its_work_order(plant):
    number, (serial,) = released_order(plant, quantity=1, serials=1)
    build_pm100(plant, serial, "BAT0001")
    done = unit(plant, serial)
    assert (done.status, done.next_seq, done.on_hold) == ("completed", None, False)
    with unit_of_work(plant) as s:
        assert s.scalars(select(WorkOrder.status).where(WorkOrder.number == number)).one() == "completed"
        records = s.scalars(select(OperationRecord).order_by(OperationRecord.id)).all()
        assert [(r.seq, r.result) for r in records if r.unit_id == done.id] == [
            (10, "pass"), (20, "pass"), (30, "pass"), (40, "pass")]


def test_an_operation_out_of_sequence_is_refused_with_the_expected_one_named(plant):
    _, (serial,) = released_order(plant, serials=1)
    with pytest.raises(OutOfSequence) as raised, unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 20, "EST01")
    assert "10" in raised.value.message("en")


def test_an_operation_at_a_station_of_the_wrong_type_is_refused(plant):
    _, (serial,) = released_order(plant, serials=1)
    with pytest.raises(WrongStationType), unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "LEAK01")


def test_a_measurement_out_of_limits_fails_the_operation_opens_an_nc_and_holds_the_unit(plant):
    _, (serial,) = released_order(plant, serials=1)
    record = run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("B1"), SCREWS), torque=2.5)
    assert record.result == "fail"
    held = unit(plant, serial)
    assert held.on_hold and held.next_seq == 10
    with unit_of_work(plant) as s:
        nc = s.scalars(select(Nonconformance)).one()
        assert nc.status == "open" and "torque" in nc.description
        failed = s.scalars(select(Measurement).where(Measurement.name == "torque")).one()
        assert (failed.passed, failed.low, failed.high, failed.unit) == (False, 1.8, 2.2, "N·m")
    with pytest.raises(UnitOnHold), unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01")


def test_rework_sends_a_failed_functional_test_back_to_screwing_and_the_retest_is_counted(plant):
    _, (serial,) = released_order(plant, serials=1)
    run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("B1"), SCREWS))
    run_op(plant, serial, 20)
    assert run_op(plant, serial, 30, rail_3v3=3.6).result == "fail"
    with unit_of_work(plant) as s:
        rework_unit(s, ACTOR, serial, reason="re-seat the board connector")
    reworked = unit(plant, serial)
    assert (reworked.on_hold, reworked.next_seq) == (False, 10)
    for seq in (10, 20, 30, 40):
        assert run_op(plant, serial, seq).result == "pass"  # components of op 10 are already in
    with unit_of_work(plant) as s:
        retests = s.scalars(select(OperationRecord.retest_count).where(OperationRecord.seq == 30)
                            .order_by(OperationRecord.id)).all()
        assert retests == [0, 1]
        assert s.scalars(select(Nonconformance.disposition)).one() == "rework"
    assert unit(plant, serial).status == "completed"


def test_rework_without_an_open_nc_is_refused(plant):
    _, (serial,) = released_order(plant, serials=1)
    with pytest.raises(NoOpenNonconformance), unit_of_work(plant) as s:
        rework_unit(s, ACTOR, serial, reason="why not")


def test_a_scrapped_unit_takes_no_more_operations(plant):
    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        scrap_unit(s, ACTOR, serial, reason="dropped")
    with pytest.raises(UnitNotInProduction), unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01")


def test_an_operation_cannot_pass_with_a_required_measurement_missing(plant):
    _, (serial,) = released_order(plant, serials=1)
    run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("B1"), SCREWS))
    with unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 20, "EST01")
    with pytest.raises(MeasurementMissing), unit_of_work(plant) as s:
        complete_operation(s, ACTOR, serial, 20, [MeasurementInput("pe_resistance", 0.05)])


def test_a_measurement_not_in_the_plan_is_refused(plant):
    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01")
    with pytest.raises(UnknownMeasurement), unit_of_work(plant) as s:
        record_measurements(s, ACTOR, serial, [MeasurementInput("humidity", 40.0)])


def test_a_manual_entry_is_flagged_and_kept_apart_from_equipment_values(plant):
    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01")
        record_measurements(s, ACTOR, serial, [MeasurementInput("torque", 2.0, manual=True),
                                                MeasurementInput("angle", 300.0)])
    with unit_of_work(plant) as s:
        rows = {m.name: (m.manual, m.source_tag) for m in s.scalars(select(Measurement))}
    assert rows == {"torque": (True, None), "angle": (False, "result_angle")}


def test_an_operation_cannot_pass_before_its_bom_components_are_scanned(plant):
    _, (serial,) = released_order(plant, serials=1)
    with pytest.raises(MissingComponents) as raised:
        run_op(plant, serial, 10, scans=(SCREWS,))
    assert "BAT-2S" in raised.value.message("en")


def test_every_step_of_an_operation_leaves_audit_events_in_the_same_transactions(plant):
    _, (serial,) = released_order(plant, serials=1)
    build_pm100(plant, serial, "BAT0002")
    with unit_of_work(plant) as s:
        entities = set(s.scalars(select(AuditEvent.entity)))
    assert {"operation_record", "measurement", "component_consumption", "unit", "work_order"} <= entities
