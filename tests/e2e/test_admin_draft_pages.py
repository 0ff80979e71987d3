"""Editing drafts through the administration pages (real forms, CSRF included): a process engineer adds,
moves, renumbers and removes routing operations and changes BOM lines; refusals say why in the user's
language and change nothing; a quality engineer then signs the content as edited."""

from __future__ import annotations

from sqlalchemy import select, update

from mes.db import unit_of_work
from mes.models import AuditEvent, Bom, BomLine, Routing, RoutingOperation
from mes.production.demo_data import BOARD, PM100
from tests.e2e.test_admin_pages import post
from tests.support.production import install
from tests.support.web import sign_in

PAGE = "/admin/routings/R-PM100/2"


def _operations(seeded) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with seeded() as s:
        routing = s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one()
        return [(op.seq, op.name) for op in routing.operations]


def _draft(app, seeded):  # type: ignore[no-untyped-def]
    quality, process = app.test_client(), app.test_client()
    sign_in(quality, "quality")
    assert post(quality, "/admin/routings/R-PM100/1/approve", {"username": "quality", "password": "demo"},
                "/admin/routings/R-PM100/1").status_code == 303
    sign_in(process, "process")
    assert post(process, "/admin/routings/R-PM100/versions", {}, "/admin/routings/R-PM100/1").status_code == 303
    return process, quality


def test_operations_are_added_moved_renumbered_and_removed_and_the_approval_signs_the_result(app, seeded):
    process, quality = _draft(app, seeded)
    page = process.get(PAGE).get_data(as_text=True)
    assert "Add an operation" in page and ">leak_test</option>" in page  # the site's station types
    form = {"seq": "25", "name": "Leak test", "station_type": "leak_test", "required_qualification": "",
            "recipe": "", "rework_target": "10"}
    added = post(process, f"{PAGE}/operations", form, PAGE)
    assert added.status_code == 303
    assert "Operation 25 added." in process.get(PAGE).get_data(as_text=True)
    assert post(process, f"{PAGE}/operations/25/shift", {"direction": "up"}, PAGE).status_code == 303
    assert _operations(seeded)[1:3] == [(20, "Leak test"), (25, "Electrical safety test")]
    assert post(process, f"{PAGE}/operations/40/number", {"new_seq": "45"}, PAGE).status_code == 303
    assert post(process, f"{PAGE}/operations/30/remove", {}, PAGE).status_code == 303
    assert _operations(seeded) == [(10, "Housing screwing"), (20, "Leak test"), (25, "Electrical safety test"),
                                   (45, "UDI marking")]
    shown = quality.get(PAGE).get_data(as_text=True)
    assert "Leak test" in shown and "Remove operation" not in shown  # the quality engineer reads, signs
    assert post(quality, f"{PAGE}/approve", {"password": "demo", "reason": "leak test added"}, PAGE).status_code == 303
    signed = process.get(PAGE).get_data(as_text=True)
    assert "valid" in signed and "INVALID" not in signed and "Add an operation" not in signed  # approved: read only
    with seeded() as s:
        assert s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one().approved
        fields = [e.field for e in s.scalars(select(AuditEvent).filter_by(entity="routing", entity_id="R-PM100/v2"))]
    assert fields.count("operations") == 4
    with unit_of_work(seeded) as s:  # what a direct database edit of the added operation would do
        routing = s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one()
        s.execute(update(RoutingOperation).where(RoutingOperation.routing_id == routing.id,
                                                 RoutingOperation.seq == 20).values(rework_target_seq=None))
    assert "INVALID: the record changed after signing" in quality.get(PAGE).get_data(as_text=True)


def test_a_refused_edit_says_why_in_russian_and_changes_nothing(app, seeded):
    process, _ = _draft(app, seeded)
    process.get(f"{PAGE}?lang=ru")
    cases = [
        (f"{PAGE}/operations", {"seq": "20", "name": "Twice", "station_type": "leak_test"}, "уже есть"),
        (f"{PAGE}/operations", {"seq": "25", "name": "Weld", "station_type": "welding"}, "нет станции этого типа"),
        (f"{PAGE}/operations", {"seq": "25", "name": "Leak", "station_type": "leak_test", "rework_target": "30"},
         "более ранней"),
        (f"{PAGE}/operations/10/shift", {"direction": "up"}, "дальше не сдвинуть"),
        (f"{PAGE}/operations/40/number", {"new_seq": "abc"}, "номер операции"),
    ]
    for path, data, russian in cases:
        response = post(process, path, data, PAGE)
        assert response.status_code == 422 and russian in response.get_data(as_text=True), (path, data)
    assert _operations(seeded) == [(10, "Housing screwing"), (20, "Electrical safety test"), (30, "Functional test"),
                                   (40, "UDI marking")]
    refused = post(process, "/admin/routings/R-PM100/1/operations/40/remove", {}, "/admin/routings/R-PM100/1")
    assert refused.status_code == 409 and "уже утверждена" in refused.get_data(as_text=True)


def test_bom_lines_of_a_draft_are_added_changed_and_removed_through_the_page(app, seeded):
    install(seeded)
    process = app.test_client()
    sign_in(process, "process")
    assert post(process, f"/admin/boms/{PM100}", {"lines": f"{BOARD}; 1; serial; 10"}, "/admin/boms").status_code == 303
    base = f"/admin/boms/{PM100}/2/lines"
    line = {"part_number": "SCR-M3X8", "quantity": "4", "capture": "lot", "operation_seq": "10",
            "substitutes": "SCR-M3X8-ALT", "description": "Screw"}
    assert post(process, base, line, "/admin/boms").status_code == 303
    assert post(process, f"{base}/2", {**line, "quantity": "6,5", "substitutes": ""}, "/admin/boms").status_code == 303
    process.get("/admin/boms?lang=ru")
    same = post(process, base, {**line, "part_number": BOARD}, "/admin/boms")
    assert same.status_code == 422 and "уже есть в этой версии" in same.get_data(as_text=True)
    self_sub = post(process, base, {**line, "part_number": "BAT-2S", "substitutes": "BAT-2S"}, "/admin/boms")
    assert self_sub.status_code == 422 and "заменой самого себя" in self_sub.get_data(as_text=True)
    assert post(process, f"{base}/1/remove", {}, "/admin/boms").status_code == 303
    page = process.get("/admin/boms").get_data(as_text=True)
    assert "Изменить строку" in page and "Добавить строку" in page
    with seeded() as s:
        product_lines = s.scalars(select(BomLine).join(Bom).where(Bom.version == 2)).all()
        assert [(ln.part_number, ln.quantity, ln.substitutes) for ln in product_lines] == [("SCR-M3X8", 6.5, "")]
    approved = post(process, f"/admin/boms/{PM100}/1/lines/1/remove", {}, "/admin/boms")
    assert approved.status_code == 409


def test_a_draft_that_drops_an_operation_a_bom_consumes_at_warns_before_it_is_signed(app, seeded):
    install(seeded)  # R-PM100 v1 approved; the PM-100 BOM consumes its components at operation 10
    process = app.test_client()
    sign_in(process, "process")
    assert post(process, "/admin/routings/R-PM100/versions", {}, "/admin/routings/R-PM100/1").status_code == 303
    assert 'id="bom-orphans"' not in process.get(PAGE).get_data(as_text=True)
    assert post(process, f"{PAGE}/operations/10/number", {"new_seq": "5"}, PAGE).status_code == 303
    page = process.get(f"{PAGE}?lang=ru").get_data(as_text=True)
    assert 'id="bom-orphans"' in page and "SCR-M3X8 → 10" in page and "создайте новую версию спецификации" in page
