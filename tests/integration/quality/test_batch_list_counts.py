"""The batch list counts every batch's open exceptions set-based, and each count is the batch page's."""

from __future__ import annotations

from sqlalchemy import select, update

from mes.compliance.audit import record_audit
from mes.db import unit_of_work
from mes.models import Measurement, NonconformanceNote, OperationRecord, Unit, WorkOrder
from mes.production.common import get_by
from mes.quality.exceptions import batch_exceptions, open_exceptions
from mes.quality.nonconformance import add_note, open_nc
from mes.quality.release import review_exception
from mes.quality.worklist import batch_rows
from tests.support.production import SCREWS, battery_scan, finished_board, released_order, run_op


def _changed_after_the_fact(plant, qa) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A unit whose measurement is corrected three ways: by id, by "<serial>/…" and an NC note by "<NC>/…"."""
    number, (serial,) = released_order(plant, quantity=1, serials=1)
    run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("CH-9"), SCREWS))
    with unit_of_work(plant) as s:
        unit = get_by(s, Unit, "Unit", serial=serial)
        record = s.scalars(select(OperationRecord).where(OperationRecord.unit_id == unit.id)).one()
        measurement = s.scalars(select(Measurement).where(Measurement.operation_record_id == record.id)).first()
        nc = open_nc(s, qa, serial, "scratch on the housing")
        note = add_note(s, qa, nc.number, "first look")
        record_audit(s, actor=qa, action="UPDATE", entity="measurement", entity_id=str(measurement.id),
                     field="value", old=measurement.value, new=2.1, reason="transcription error")
        record_audit(s, actor=qa, action="CORRECT", entity="measurement",
                     entity_id=f"{serial}/op10/rec{record.id}", field="value", old=2.1, new=2.0, reason="second look")
        record_audit(s, actor=qa, action="UPDATE", entity="nonconformance_note", entity_id=f"{nc.number}/{note.id}",
                     field="text", old="first look", new="a closer look", reason="typo")
    return number, serial


def test_each_row_of_the_batch_list_counts_what_the_batch_page_shows_open(plant, qa):
    failed, (_good, bad) = released_order(plant, quantity=2, serials=2)
    run_op(plant, bad, 10, scans=(finished_board(plant), battery_scan("BAT-X1"), SCREWS))
    run_op(plant, bad, 20)
    run_op(plant, bad, 30, rail_3v3=3.6)  # out of limits: an out-of-spec exception and an NC
    changed, serial = _changed_after_the_fact(plant, qa)
    released_order(plant, quantity=3)  # released to the floor, no records: counted too (0)
    with unit_of_work(plant) as s:
        oos = next(e.key for e in batch_exceptions(s, get_by(s, WorkOrder, "Work order", number=failed))
                   if e.kind == "out_of_spec")
        review_exception(s, qa, failed, oos, "Reviewed: retest planned", "demo")
        # a batch closed with an entry changed after release still shows it in the list
        s.execute(update(WorkOrder).where(WorkOrder.number == changed).values(status="closed"))

    with plant() as s:
        rows = {row.number: row.open_exceptions for row in batch_rows(s)}
        orders = {wo.number: wo for wo in s.scalars(select(WorkOrder))}
        expected = {number: len(open_exceptions(s, orders[number])) for number in rows}
        changes = [e for e in batch_exceptions(s, orders[changed]) if e.kind == "changed_after_creation"]
        note_ids = s.scalars(select(NonconformanceNote.id)).all()

    assert rows == expected and None not in rows.values()
    assert rows[failed] == 1  # the NC; its out-of-spec measurement is reviewed
    assert rows[changed] == 4  # the hand-opened NC and three changes after the fact
    assert [e.serial for e in changes] == [None, serial, None]  # the serial only where the entry names it
    assert "transcription error" in changes[0].detail and f"{serial}/op10/" in changes[1].detail
    assert f"/{note_ids[-1]}" in changes[2].detail and "typo" in changes[2].detail


def test_a_serial_that_begins_another_does_not_take_its_changes(plant, qa):
    number, (serial,) = released_order(plant, quantity=1, serials=1)
    other, _ = released_order(plant, quantity=1)
    with unit_of_work(plant) as s:
        # "<serial>0/…" sorts right after "<serial>/…": only the batch holding "<serial>0" may claim it
        record_audit(s, actor=qa, action="UPDATE", entity="measurement", entity_id=f"{serial}0/op10/rec1",
                     field="value", old=1, new=2, reason="not this batch")
        record_audit(s, actor=qa, action="UPDATE", entity="measurement", entity_id=f"{serial}/op10/rec1",
                     field="value", old=1, new=2, reason="this batch")
    with plant() as s:
        found = batch_exceptions(s, get_by(s, WorkOrder, "Work order", number=number))
        rows = {row.number: row.open_exceptions for row in batch_rows(s)}
    assert [(e.serial, "this batch" in e.detail) for e in found] == [(serial, True)]
    assert rows[number] == 1 and rows[other] == 0
