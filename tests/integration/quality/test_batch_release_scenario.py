"""The issue's "done when": a failing unit's NC is dispositioned with an e-signature, the batch record
shows its exceptions, release is refused until they are closed, the DHR PDF shows the manifestations,
and a signed record changed afterwards shows its signature invalid."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from mes.compliance.dhr import build_batch_record, build_unit_dhr
from mes.compliance.dhr_pdf import unit_dhr_pdf
from mes.compliance.errors import SignatureRefused
from mes.db import unit_of_work
from mes.models import Nonconformance
from mes.quality.errors import ExceptionsOpen
from mes.quality.nonconformance import add_note, disposition_nc
from mes.quality.release import release_batch, review_exception
from tests.support.production import SCREWS, battery_scan, build_pm100, finished_board, released_order, run_op


def _fail_at_functional_test(plant) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """A two-unit order: the first unit good, the second out of limits at op 30."""
    number, (good, bad) = released_order(plant, quantity=2, serials=2)
    build_pm100(plant, good, "BAT-G1")
    board = finished_board(plant)
    run_op(plant, bad, 10, scans=(board, battery_scan("BAT-B1"), SCREWS))
    run_op(plant, bad, 20)
    record = run_op(plant, bad, 30, rail_3v3=3.6)
    assert record.result == "fail"
    return number, good, bad


def test_a_failed_unit_is_dispositioned_reviewed_and_the_batch_released_with_signatures(plant, qa):
    number, _good, bad = _fail_at_functional_test(plant)
    with plant() as s:
        batch = build_batch_record(s, number)
    nc_number = batch["nonconformances"][0]["number"]
    assert {e["kind"] for e in batch["exceptions"]} == {"out_of_spec", "nonconformance"}
    with unit_of_work(plant) as s:
        add_note(s, qa, nc_number, "Стабилизатор 3,3 В: пайка перемычки, переделать")
        disposition_nc(s, qa, nc_number, "rework", "demo", justification="solder bridge on U7")
    for seq in (10, 20, 30, 40):
        run_op(plant, bad, seq)
    with unit_of_work(plant) as s, pytest.raises(ExceptionsOpen) as refused:
        release_batch(s, qa, number, "demo")
    assert any(key.startswith("retest:") for key in refused.value.keys)
    assert f"rework:{nc_number}" in refused.value.keys and f"nc:{nc_number}" not in refused.value.keys
    for key in refused.value.keys:
        with unit_of_work(plant) as s:
            review_exception(s, qa, number, key, "Reviewed: rework re-verified all tests", "demo")
    with unit_of_work(plant) as s:
        release = release_batch(s, qa, number, "demo")
        assert release.quantity_released == 2
    with plant() as s:
        batch = build_batch_record(s, number)
        dhr = build_unit_dhr(s, bad)
    assert batch["status"] == "closed" and batch["quantities"]["released"] == 2 and batch["open_exceptions"] == 0
    meanings = {sig["meaning"] for sig in batch["signatures"]}
    assert meanings == {"dispositioned", "reviewed", "released"}
    assert all(sig["valid"] for sig in batch["signatures"])
    assert {sig["meaning"] for sig in dhr["signatures"]} == {"dispositioned", "released"}

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(unit_dhr_pdf(dhr))).pages)
    assert "Anna Volkova — Dispositioned" in text and "Anna Volkova — Released" in text
    assert "Стабилизатор 3,3 В" in text and "Page 1 of" in text


def test_a_wrong_password_refuses_the_disposition_and_leaves_the_nc_open(plant, qa):
    _number, _good, bad = _fail_at_functional_test(plant)
    with plant() as s:
        nc_number = build_unit_dhr(s, bad)["nonconformances"][0]["number"]
    with unit_of_work(plant) as s, pytest.raises(SignatureRefused):
        disposition_nc(s, qa, nc_number, "scrap", "wrong")
    with plant() as s:
        dhr = build_unit_dhr(s, bad)
    assert dhr["nonconformances"][0]["status"] == "open" and dhr["on_hold"] is True


def test_a_signed_disposition_changed_afterwards_shows_its_signature_invalid(plant, qa):
    _number, _good, bad = _fail_at_functional_test(plant)
    with plant() as s:
        nc_number = build_unit_dhr(s, bad)["nonconformances"][0]["number"]
    with unit_of_work(plant) as s:
        disposition_nc(s, qa, nc_number, "concession", "demo", justification="3.6 V accepted by design review")
    with unit_of_work(plant) as s:  # someone edits the record behind the application's back
        s.execute(update(Nonconformance).where(Nonconformance.number == nc_number)
                  .values(justification="no justification needed"))
    with plant() as s:
        dhr = build_unit_dhr(s, bad)
    (sig,) = dhr["signatures"]
    assert sig["meaning"] == "dispositioned" and sig["valid"] is False
    assert "INVALID" in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(unit_dhr_pdf(dhr))).pages)
