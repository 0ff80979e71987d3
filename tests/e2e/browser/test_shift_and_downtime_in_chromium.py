"""Chromium against a running plant: the dashboard's shift counts and OEE, and the downtime report."""

import asyncio
import re
import time

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.db import create_db_engine, session_factory, unit_of_work
from mes.domain.packml import PackMLState
from mes.models import DowntimeEvent, Equipment, EquipmentStatus
from mes.production.downtime import record_downtime
from tests.e2e.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow
SHIFT_NAMES = re.compile(r"^(Morning shift|Afternoon shift|Night shift)$")


async def test_the_dashboard_shows_the_shift_and_its_counts_and_oee_from_the_mes_records(plant, new_page):
    page = await new_page(locale="en-US")
    await sign_in(page, f"http://127.0.0.1:{plant.web_port}", "quality")
    await expect(page.locator("#shift-name")).to_have_text(SHIFT_NAMES)
    await expect(page.locator("#shift-start")).to_have_text(re.compile(r"^(06|14|22):00$"))
    await expect(page.locator("#shift-end")).to_have_text(re.compile(r"^(06|14|22):00$"))
    screw = page.locator('article[data-station="SCR01"]')
    # the simulated spindle makes a unit every 4 s; each result the edge records counts for the shift
    await expect(screw.locator('[data-field="good_count"]')).to_have_text(re.compile(r"^[1-9]\d*$"), timeout=30_000)
    await expect(screw.locator('[data-field="oee"]')).to_have_text(re.compile(r"^\d+\.\d%$"))
    await expect(screw.locator('[data-field="quality"]')).to_have_text(re.compile(r"^\d+\.\d%$"))
    await screenshot(page, "dashboard-en-shift-counts")


async def test_the_downtime_report_lists_a_stop_with_its_reason_for_the_line_lead(plant, new_page):
    engine = create_db_engine(f"sqlite:///{plant.root / 'var' / 'mes.sqlite3'}")
    try:
        with unit_of_work(session_factory(engine)) as s:
            record_downtime(s, AuditActor(None, "Ivan Petrov", "terminal-1"), "LEAK01", "material_shortage",
                            "no O-rings at the station")
    finally:
        engine.dispose()
    page = await new_page(locale="ru-RU")
    await sign_in(page, f"http://127.0.0.1:{plant.web_port}", "lead")  # line lead, Russian
    await page.click("header.topbar >> text=Простои")  # reachable from the top bar
    row = page.locator("#stops tbody tr", has_text="LEAK01")
    await expect(row).to_contain_text("Нет материалов или компонентов")
    await expect(row).to_contain_text("no O-rings at the station")
    await expect(page.locator("#by-reason tbody tr").first).to_contain_text("Нет материалов или компонентов")
    await screenshot(page, "downtime-ru")


async def test_a_stop_closes_when_the_real_edge_sees_the_machine_back_in_execute(plant, new_page):
    """The `mes edge` process itself (not this test process) closes the stop through the state-history hook."""
    engine = create_db_engine(f"sqlite:///{plant.root / 'var' / 'mes.sqlite3'}")
    sessions = session_factory(engine)
    try:
        plant.inject_fault("SCR01-SPINDLE", "alarm")  # the spindle holds or aborts, then recovers by itself
        await until(lambda: _state(sessions, "SCR01-SPINDLE") not in (None, PackMLState.EXECUTE), 20, "a stop")
        with unit_of_work(sessions) as s:
            event_id = record_downtime(s, AuditActor(None, "Ivan Petrov", "terminal-1"), "SCR01", "breakdown",
                                       "spindle alarm").id
        plant.clear_faults("SCR01-SPINDLE")
        await until(lambda: _ended(sessions, event_id), 60, "the edge to close the stop on Execute")
    finally:
        engine.dispose()
    page = await new_page(locale="ru-RU")
    await sign_in(page, f"http://127.0.0.1:{plant.web_port}", "lead")
    await page.goto(f"http://127.0.0.1:{plant.web_port}/downtime/?station=SCR01")
    row = page.locator(f'#stops tr[data-stop="{event_id}"]')
    await expect(row).to_contain_text("Поломка оборудования")
    await expect(row).to_contain_text("оборудование (снова в работе)")  # closed by the machine, not a person
    await screenshot(page, "downtime-ru-closed-by-the-machine")


async def until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        await asyncio.sleep(0.5)


def _state(sessions, code: str) -> int | None:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(EquipmentStatus.packml_state).join(Equipment).where(Equipment.code == code))


def _ended(sessions, event_id: int) -> bool:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.get_one(DowntimeEvent, event_id).ended_at is not None
