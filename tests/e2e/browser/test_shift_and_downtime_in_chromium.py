"""Chromium against a running plant: the dashboard's shift counts and OEE, and the downtime report."""

import re

import pytest
from playwright.async_api import expect

from mes.compliance.audit import AuditActor
from mes.db import create_db_engine, session_factory, unit_of_work
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
