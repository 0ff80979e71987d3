"""Editing a draft BOM version line by line: added, changed (quantity, capture, substitutes), removed;
checked, audited old → new, and signed as edited; an approved version never changes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from mes.compliance.signatures import verify_signature
from mes.db import unit_of_work
from mes.models import Bom, BomLine, ElectronicSignature, Product
from mes.production.demo_data import BATTERY, BOARD, PM100
from mes.production.errors import NotFound
from mes.production.masterdata import BomLineInput, approve_bom, bom_content, create_bom
from mes.production.masterdata_boms import add_bom_line, remove_bom_line, update_bom_line
from mes.production.masterdata_errors import AlreadyApproved, InvalidMasterData
from tests.integration.masterdata.conftest import trail
from tests.support.production import install

SCREWS = BomLineInput("SCR-M3X8", Decimal(4), "lot", 10, ("SCR-M3X8-ALT",))


@pytest.fixture
def draft(seeded, process):  # type: ignore[no-untyped-def]
    """The demo PM-100 (BOM v1 approved by the demo data) with a draft v2 of two lines by the process engineer."""
    install(seeded)
    with unit_of_work(seeded) as s:
        create_bom(s, process, PM100, [BomLineInput(BOARD, Decimal(1), "serial", 10), SCREWS])
    return seeded


def _lines(sessions, version: int = 2) -> list[tuple[int, str, Decimal, str, str]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        product = s.scalars(select(Product).filter_by(gtin=PM100)).one()
        bom = s.scalars(select(Bom).filter_by(product_id=product.id, version=version)).one()
        return [(ln.position, ln.part_number, ln.quantity, ln.capture, ln.substitutes) for ln in bom.lines]


def test_lines_are_added_changed_and_removed_and_each_change_is_audited(draft, process, quality):
    with unit_of_work(draft) as s:
        add_bom_line(s, process, PM100, 2, BomLineInput("BAT-2S", Decimal(1), "serial", 10, description="Battery"))
        update_bom_line(s, process, PM100, 2, 2, BomLineInput("SCR-M3X8", Decimal(6), "serial", 10, ()))
        remove_bom_line(s, process, PM100, 2, 1)
    assert _lines(draft) == [(2, "SCR-M3X8", Decimal(6), "serial", ""), (3, "BAT-2S", Decimal(1), "serial", "")]
    with draft() as s:
        screws = s.scalars(select(BomLine).filter_by(part_number="SCR-M3X8", quantity=Decimal(6))).one()
    changes = {e.field: (json.loads(e.old_value), json.loads(e.new_value))
               for e in trail(draft, "bom_line", str(screws.id)) if e.action == "UPDATE"}
    assert [Decimal(v) for v in changes["quantity"]] == [4, 6]
    assert changes["capture"] == ("lot", "serial") and changes["substitutes"] == ("SCR-M3X8-ALT", "")
    versions = [e for e in trail(draft, "bom", f"{PM100}/v2") if e.field == "lines"]
    assert len(versions) == 3 and BOARD in versions[-1].old_value and BOARD not in versions[-1].new_value
    with unit_of_work(draft) as s:
        approve_bom(s, quality, PM100, 2, "demo", reason="battery captured by serial")
    with draft() as s:
        product = s.scalars(select(Product).filter_by(gtin=PM100)).one()
        bom = s.scalars(select(Bom).filter_by(product_id=product.id, version=2)).one()
        content = bom_content(s, bom)
        assert [ln["part_number"] for ln in content["lines"]] == ["SCR-M3X8", "BAT-2S"]
        assert verify_signature(s.get_one(ElectronicSignature, bom.signature_id), content)


def test_a_bad_line_is_refused_with_the_reason_and_nothing_changes(draft, process):
    cases = [
        (BomLineInput("NO-SUCH-PART", Decimal(1)), "неизвестен"),
        (BomLineInput("BAT-2S", Decimal(0)), "положительное количество"),
        (BomLineInput("BAT-2S", Decimal(1), "glued"), "учёт"),
        (BomLineInput(BOARD, Decimal(2)), "уже есть"),
        (BomLineInput("BAT-2S", Decimal(1), "serial", None, ("BAT-2S",)), "заменой самого себя"),
        (BomLineInput("BAT-2S", Decimal(1), "serial", None, ("NO-SUCH-ALT",)), "неизвестен"),
        (BomLineInput("BAT-2S", Decimal(1), "serial", 35), "нет в маршруте"),
    ]
    for line, russian in cases:
        with pytest.raises(InvalidMasterData) as refused, unit_of_work(draft) as s:
            add_bom_line(s, process, PM100, 2, line)
        assert russian in refused.value.message("ru"), line
    with pytest.raises(InvalidMasterData), unit_of_work(draft) as s:  # the board is line 1 already
        update_bom_line(s, process, PM100, 2, 2, BomLineInput(BOARD, Decimal(1)))
    with pytest.raises(NotFound), unit_of_work(draft) as s:
        update_bom_line(s, process, PM100, 2, 9, SCREWS)
    assert [part for _, part, *_ in _lines(draft)] == [BOARD, "SCR-M3X8"]
    assert not [e for e in trail(draft, "bom", f"{PM100}/v2") if e.field == "lines"]


def test_an_approved_bom_never_changes_and_the_last_line_stays(draft, process):
    for edit in (lambda s: add_bom_line(s, process, PM100, 1, BomLineInput(BATTERY, Decimal(1))),
                 lambda s: update_bom_line(s, process, PM100, 1, 1, BomLineInput(BOARD, Decimal(2), "serial", 10)),
                 lambda s: remove_bom_line(s, process, PM100, 1, 1)):
        with pytest.raises(AlreadyApproved) as refused, unit_of_work(draft) as s:
            edit(s)
        assert "новую версию" in refused.value.message("ru")
    assert len(_lines(draft, 1)) == 3
    with unit_of_work(draft) as s:
        remove_bom_line(s, process, PM100, 2, 2)
    with pytest.raises(InvalidMasterData), unit_of_work(draft) as s:
        remove_bom_line(s, process, PM100, 2, 1)
    assert [part for _, part, *_ in _lines(draft)] == [BOARD]


def test_a_new_bom_version_refuses_a_duplicate_component_and_a_self_substitute(seeded, process):
    install(seeded)
    for lines in ([BomLineInput("BAT-2S", Decimal(1)), BomLineInput("BAT-2S", Decimal(2))],
                  [BomLineInput("BAT-2S", Decimal(1), "serial", None, ("BAT-2S",))]):
        with pytest.raises(InvalidMasterData), unit_of_work(seeded) as s:
            create_bom(s, process, PM100, lines)
