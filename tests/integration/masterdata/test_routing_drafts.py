"""Editing a draft routing version: operations added, removed, renumbered and reordered, rework loops
defined, each change checked and audited, the approval signing the content as edited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from mes.compliance.audit import AuditActor
from mes.compliance.errors import TwoPersonRule
from mes.db import unit_of_work
from mes.models import MeasurementSpec, Routing, RoutingOperation, WorkInstruction
from mes.production.errors import NotFound
from mes.production.masterdata import (
    OperationInput,
    SpecInput,
    approve_routing,
    create_routing_version,
    operation_of,
    routing_content,
    set_measurement_plan,
    set_rework_target,
    update_operation,
)
from mes.production.masterdata_drafts import add_operation, move_operation, remove_operation, reorder_operations
from mes.production.masterdata_errors import AlreadyApproved, InvalidMasterData
from mes.production.masterdata_people import grant_qualification
from mes.production.masterdata_signing import approval_status
from mes.production.terminals import set_instruction
from recipes.versions import ParameterInput, approve_version, create_recipe, draft_version
from tests.integration.masterdata.conftest import trail


def _draft_v2(sessions, process: AuditActor, quality: AuditActor) -> None:  # type: ignore[no-untyped-def]
    """R-PM100 v1 approved, v2 a draft copy of it (10 screwing, 20 safety, 30 functional, 40 marking)."""
    with unit_of_work(sessions) as s:
        approve_routing(s, quality, "R-PM100", 1, "first issue", password="demo")
        create_routing_version(s, process, "R-PM100")


def _seqs(sessions, version: int = 2) -> list[tuple[int, str, int | None]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        routing = s.scalars(select(Routing).filter_by(code="R-PM100", version=version)).one()
        return [(op.seq, op.name, op.rework_target_seq) for op in routing.operations]


def test_an_operation_is_inserted_with_its_plan_and_the_signature_covers_it(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    with unit_of_work(seeded) as s:
        add_operation(s, process, "R-PM100", 2, OperationInput(25, "Leak test", "leak_test"), rework_target_seq=10,
                      plan=[SpecInput("leak_rate", "sccm", None, 0.5, "result_leak_rate")])
    assert [seq for seq, _, _ in _seqs(seeded)] == [10, 20, 25, 30, 40]
    with unit_of_work(seeded) as s:
        approve_routing(s, quality, "R-PM100", 2, "leak test added", password="demo")
    with seeded() as s:
        v2 = s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one()
        content = routing_content(s, v2)
        added = next(op for op in content["operations"] if op["seq"] == 25)
        assert added["rework_target_seq"] == 10 and added["plan"][0]["name"] == "leak_rate"
        assert approval_status(s, "routing", "R-PM100/v2", v2.signature_id, content)[1]
    with unit_of_work(seeded) as s:  # what a direct database edit would do to the signed operation
        s.execute(update(RoutingOperation).where(RoutingOperation.routing_id == v2.id, RoutingOperation.seq == 25)
                  .values(name="Skipped"))
    with seeded() as s:
        assert not approval_status(s, "routing", "R-PM100/v2", v2.signature_id, routing_content(s, v2))[1]
    structure = [e for e in trail(seeded, "routing", "R-PM100/v2") if e.field == "operations"]
    assert "25 Leak test (leak_test) ↺10" in structure[0].new_value
    assert "25" not in structure[0].old_value


def test_an_added_operation_is_checked_before_anything_is_saved(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    cases = [
        (OperationInput(20, "Twice", "leak_test"), None, "уже есть"),
        (OperationInput(0, "Zero", "leak_test"), None, "положительное"),
        (OperationInput(25, "Welding", "welding"), None, "нет станции этого типа"),
        (OperationInput(25, "Leak", "leak_test", required_qualification="leak_testing"), None, "ни у кого"),
        (OperationInput(25, "Leak", "leak_test", recipe_code="RCP-NONE"), None, None),
        (OperationInput(25, "Leak", "leak_test"), 30, "более ранней"),
        (OperationInput(25, "Leak", "leak_test"), 15, "более ранней"),
        (OperationInput(25, "", "leak_test"), None, "название"),
    ]
    for operation, rework, russian in cases:
        with pytest.raises((InvalidMasterData, NotFound)) as refused, unit_of_work(seeded) as s:
            add_operation(s, process, "R-PM100", 2, operation, rework_target_seq=rework)
        if russian:
            assert russian in refused.value.message("ru"), operation
    assert [seq for seq, _, _ in _seqs(seeded)] == [10, 20, 30, 40]  # nothing changed
    assert not [e for e in trail(seeded, "routing", "R-PM100/v2") if e.field == "operations"]


def test_a_recipe_reference_must_be_an_approved_recipe_of_the_operations_station_type(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    with unit_of_work(seeded) as s:
        create_recipe(s, process, "RCP-LEAK", "Leak test", "leak_test")
        draft_version(s, process, "RCP-LEAK", [ParameterInput("test_pressure", "150", "kPa", 100, 200)])
    with pytest.raises(InvalidMasterData) as not_approved, unit_of_work(seeded) as s:
        add_operation(s, process, "R-PM100", 2, OperationInput(25, "Leak", "leak_test", recipe_code="RCP-LEAK"))
    assert "no approved version" in not_approved.value.message("en")
    with unit_of_work(seeded) as s:
        approve_version(s, quality, "RCP-LEAK", 1, "demo")
    with pytest.raises(InvalidMasterData) as wrong_kind, unit_of_work(seeded) as s:
        update_operation(s, process, operation_of(s, "R-PM100", 2, 10), name="Screw", station_type="screwdriving",
                         required_qualification=None, recipe_code="RCP-LEAK")
    assert "for leak_test machines" in wrong_kind.value.message("en")
    with unit_of_work(seeded) as s:
        add_operation(s, process, "R-PM100", 2, OperationInput(25, "Leak", "leak_test", recipe_code="RCP-LEAK"))
    with seeded() as s:
        v2 = s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one()
        assert next(op for op in routing_content(s, v2)["operations"] if op["seq"] == 25)["recipe"] == "RCP-LEAK"


def test_a_qualification_must_be_held_by_somebody_before_an_operation_requires_it(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    with unit_of_work(seeded) as s:
        grant_qualification(s, quality, "operator", "screwing", date(2030, 1, 1))
        update_operation(s, process, operation_of(s, "R-PM100", 2, 10), name="Housing screwing",
                         station_type="screwdriving", required_qualification="screwing", recipe_code=None)
    with pytest.raises(InvalidMasterData), unit_of_work(seeded) as s:
        update_operation(s, process, operation_of(s, "R-PM100", 2, 20), name="Safety", station_type="electrical_safety",
                         required_qualification="hipot", recipe_code=None)
    assert _seqs(seeded)[1][1] == "Electrical safety test"


def test_removing_an_operation_takes_its_plan_and_instruction_and_is_audited(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    with unit_of_work(seeded) as s:
        operation = operation_of(s, "R-PM100", 2, 30)
        set_measurement_plan(s, process, operation, [SpecInput("supply_current", "mA", 50, 300)])
        set_instruction(s, process, operation.id, "Connect the test adapter.")
        removed_id = operation.id
    with unit_of_work(seeded) as s:
        remove_operation(s, process, "R-PM100", 2, 30)
    assert [seq for seq, _, _ in _seqs(seeded)] == [10, 20, 40]
    with seeded() as s:
        assert s.get(RoutingOperation, removed_id) is None
        assert not list(s.scalars(select(MeasurementSpec).filter_by(routing_operation_id=removed_id)))
        assert not list(s.scalars(select(WorkInstruction).filter_by(routing_operation_id=removed_id)))
    events = trail(seeded, "routing_operation", str(removed_id))
    assert [e.action for e in events][-1] == "DELETE" and "Functional test" in events[-1].old_value
    assert any(e.field == "measurement_plan" and "supply_current" in (e.old_value or "") for e in events)
    structure = [e for e in trail(seeded, "routing", "R-PM100/v2") if e.field == "operations"][-1]
    assert "30 Functional test" in structure.old_value and "30 " not in structure.new_value


def test_an_operation_that_is_a_rework_target_or_the_last_one_is_not_removed(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    with unit_of_work(seeded) as s:
        set_rework_target(s, process, operation_of(s, "R-PM100", 2, 30), 20)
    with pytest.raises(InvalidMasterData) as target, unit_of_work(seeded) as s:
        remove_operation(s, process, "R-PM100", 2, 20)
    assert "rework target of operation 30" in target.value.message("en")
    with unit_of_work(seeded) as s:
        create_routing_version(s, process, "R-ONE", [OperationInput(10, "Only", "screwdriving")])
    with pytest.raises(InvalidMasterData), unit_of_work(seeded) as s:
        remove_operation(s, process, "R-ONE", 1, 10)
    with pytest.raises(NotFound), unit_of_work(seeded) as s:
        remove_operation(s, process, "R-PM100", 2, 99)


def test_renumbering_and_reordering_keep_rework_loops_attached_and_refuse_forward_loops(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    with unit_of_work(seeded) as s:
        set_rework_target(s, process, operation_of(s, "R-PM100", 2, 30), 20)
    with unit_of_work(seeded) as s:  # 20 → 5: the loop of 30 follows it
        move_operation(s, process, "R-PM100", 2, 20, 5)
    assert _seqs(seeded) == [(5, "Electrical safety test", None), (10, "Housing screwing", None),
                             (30, "Functional test", 5), (40, "UDI marking", None)]
    with unit_of_work(seeded) as s:  # marking before the functional test: numbers stay 5, 10, 30, 40
        reorder_operations(s, process, "R-PM100", 2, [5, 10, 40, 30])
    assert _seqs(seeded) == [(5, "Electrical safety test", None), (10, "Housing screwing", None),
                             (30, "UDI marking", None), (40, "Functional test", 5)]
    with pytest.raises(InvalidMasterData) as forward, unit_of_work(seeded) as s:  # its loop target after it
        reorder_operations(s, process, "R-PM100", 2, [40, 5, 10, 30])
    assert "более ранней" in forward.value.message("ru")
    with pytest.raises(InvalidMasterData), unit_of_work(seeded) as s:
        reorder_operations(s, process, "R-PM100", 2, [5, 10, 30])  # one left out
    with pytest.raises(InvalidMasterData), unit_of_work(seeded) as s:
        move_operation(s, process, "R-PM100", 2, 40, 10)  # taken
    assert [seq for seq, _, _ in _seqs(seeded)] == [5, 10, 30, 40]
    with seeded() as s:
        moved = s.scalars(select(RoutingOperation).join(Routing).where(
            Routing.version == 2, Routing.code == "R-PM100", RoutingOperation.name == "Electrical safety test")).one()
    seq_changes = [(e.old_value, e.new_value) for e in trail(seeded, "routing_operation", str(moved.id))
                   if e.field == "seq"]
    assert seq_changes == [("20", "5")]


def test_an_approved_version_refuses_every_edit_and_its_author_cannot_approve_it(seeded, process, quality):
    _draft_v2(seeded, process, quality)
    for edit in (lambda s: add_operation(s, process, "R-PM100", 1, OperationInput(25, "Leak", "leak_test")),
                 lambda s: remove_operation(s, process, "R-PM100", 1, 40),
                 lambda s: move_operation(s, process, "R-PM100", 1, 40, 45),
                 lambda s: reorder_operations(s, process, "R-PM100", 1, [10, 20, 40, 30])):
        with pytest.raises(AlreadyApproved) as refused, unit_of_work(seeded) as s:
            edit(s)
        assert "R-PM100 v1" in refused.value.message("en") and "новую версию" in refused.value.message("ru")
    assert [seq for seq, _, _ in _seqs(seeded, 1)] == [10, 20, 30, 40]
    with unit_of_work(seeded) as s:
        add_operation(s, process, "R-PM100", 2, OperationInput(45, "Packing check", "laser_marking"))
    with pytest.raises(TwoPersonRule), unit_of_work(seeded) as s:
        approve_routing(s, process, "R-PM100", 2, "mine", password="demo")


def test_new_work_orders_take_the_newly_approved_version_and_running_ones_keep_theirs(seeded, process, quality):
    from mes.models import Unit, WorkOrder
    from mes.production.demo_data import PM100
    from tests.support.production import SCREWS, battery_scan, finished_board, install, released_order, run_op

    install(seeded)  # R-PM100 v1 approved by the demo data
    _, (running,) = released_order(seeded, PM100, 1, 1)
    run_op(seeded, running, 10, scans=(finished_board(seeded), battery_scan("BP-1"), SCREWS))
    with unit_of_work(seeded) as s:
        planned = create_work_order_for(s, PM100)
        create_routing_version(s, process, "R-PM100")
        add_operation(s, process, "R-PM100", 2, OperationInput(15, "Leak test", "leak_test"))
    with unit_of_work(seeded) as s:
        approve_routing(s, quality, "R-PM100", 2, "leak test added", password="demo")
    _, (fresh,) = released_order(seeded, PM100, 1, 1)
    with seeded() as s:
        v1, v2 = (s.scalars(select(Routing.id).filter_by(code="R-PM100", version=v)).one() for v in (1, 2))
        orders = {u.serial: s.get_one(WorkOrder, u.work_order_id) for u in s.scalars(select(Unit))}
        assert orders[running].routing_id == v1 and orders[fresh].routing_id == v2
        # existing behaviour: a work order takes its product's routing when it is created, not when released
        assert s.scalars(select(WorkOrder).filter_by(number=planned)).one().routing_id == v1
    run_op(seeded, running, 20)  # the running unit goes on along v1: 10 → 20, never the new 15
    run_op(seeded, fresh, 10, scans=(finished_board(seeded), battery_scan("BP-2"), SCREWS))
    with seeded() as s:
        units = {u.serial: u for u in s.scalars(select(Unit))}
        assert units[running].next_seq == 30 and units[fresh].next_seq == 15


def create_work_order_for(session, gtin: str) -> str:  # type: ignore[no-untyped-def]
    """A planned work order made before the new version is approved."""
    from mes.production.workorders import create_work_order
    from tests.support.production import ACTOR

    return create_work_order(session, ACTOR, gtin, 1).number


def test_whoever_edited_a_draft_may_not_approve_it_even_without_being_its_author(seeded, process, quality):
    with seeded() as s:  # the site import made R-IP7 v1: nobody is its author
        assert s.scalars(select(Routing).filter_by(code="R-IP7", version=1)).one().created_by_id is None
    with unit_of_work(seeded) as s:
        add_operation(s, process, "R-IP7", 1, OperationInput(45, "Visual inspection", "functional_test"))
    with pytest.raises(TwoPersonRule), unit_of_work(seeded) as s:
        approve_routing(s, process, "R-IP7", 1, "my own edit", password="demo")
    with unit_of_work(seeded) as s:
        assert approve_routing(s, quality, "R-IP7", 1, "reviewed", password="demo").approved


@pytest.mark.parametrize("attempt", range(3))
def test_an_edit_racing_the_approval_is_either_signed_or_refused_never_lost(seeded, process, quality, attempt):
    import threading

    from mes.production.masterdata_errors import AlreadyApproved as Refused

    _draft_v2(seeded, process, quality)
    barrier, outcomes = threading.Barrier(2), {}

    def edit() -> None:
        barrier.wait()
        try:
            with unit_of_work(seeded) as s:
                add_operation(s, process, "R-PM100", 2, OperationInput(25, "Leak test", "leak_test"))
            outcomes["edit"] = "saved"
        except Refused:
            outcomes["edit"] = "refused"

    def approve() -> None:
        barrier.wait()
        with unit_of_work(seeded) as s:
            approve_routing(s, quality, "R-PM100", 2, f"race {attempt}", password="demo")
        outcomes["approve"] = "signed"

    threads = [threading.Thread(target=edit, name="edit"), threading.Thread(target=approve, name="approve")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["approve"] == "signed" and outcomes["edit"] in ("saved", "refused"), outcomes
    with seeded() as s:
        v2 = s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one()
        content = routing_content(s, v2)
        assert approval_status(s, "routing", "R-PM100/v2", v2.signature_id, content)[1]  # signed what is there
        assert (25 in [op["seq"] for op in content["operations"]]) == (outcomes["edit"] == "saved")
