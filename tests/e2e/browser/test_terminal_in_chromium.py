"""The operator terminal in Chromium at 1280×800: a unit run through SCR01 with the simulated spindle, in
Russian and then in English, with badge sign-in, keyboard-wedge scans, refusals, live machine state and downtime.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from mes.db import create_db_engine, session_factory, unit_of_work
from mes.production.demo_data import BATTERY
from mes.security.policy import AccountPolicy
from mes.security.users import assign_badge
from tests.e2e.browser.conftest import Plant, screenshot, sign_in
from tests.support.production import ACTOR, SCREWS, finished_board, install, released_order

pytestmark = pytest.mark.slow
TOUCH_SCREEN = {"width": 1280, "height": 800}
BADGE, PIN = "0451-7788", "2468"
RESULT_TIMEOUT_MS = 30_000  # the spindle's cycle is 4 s; the edge polls jobs every 0.2 s


def prepare(plant: Plant) -> tuple[list[str], list[str]]:
    """In the plant's database: the PM-100 data, two units, two tested boards, and the operator's badge."""
    engine = create_db_engine(f"sqlite:///{plant.root / 'var' / 'mes.sqlite3'}")
    try:
        sessions = session_factory(engine)
        install(sessions)
        _, serials = released_order(sessions, serials=2)
        boards = [finished_board(sessions), finished_board(sessions)]
        with unit_of_work(sessions) as s:
            assign_badge(s, ACTOR, "operator", BADGE, PIN, AccountPolicy.from_env())
    finally:
        engine.dispose()
    return serials, boards


def download_screwing_program(plant: Plant) -> None:
    """The spindle's program for the PM-100 housing (its defaults are another product's): 2.0 N·m, 100-600°."""
    proc = plant.start("download", "edge", "download", "--equipment", "SCR01-SPINDLE", "--set", "target_torque=2.0",
                       "--set", "torque_tolerance=0.15", "--set", "angle_min=100", "--set", "angle_max=600")
    assert proc.wait(timeout=60) == 0, (plant.root / "download.log").read_text()[-2000:]


async def wedge(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type the code fast and press Enter, wherever the focus is."""
    await page.keyboard.type(code, delay=5)
    await page.keyboard.press("Enter")


async def outcome(page: Page, text: str) -> None:
    await expect(page.locator("#work .t-outcome")).to_contain_text(text)


async def run_unit(page: Page, serial: str, board: str, battery: str, texts: dict[str, str], shot: str) -> None:
    """Scan the unit and its components with the focus away from the scan field, hand it to the machine."""
    await page.locator("h1").click()  # the focus leaves the scan field: the scanner must still work
    await wedge(page, serial)
    await outcome(page, texts["started"])
    await expect(page.locator("#instruction-title")).to_be_visible()
    await wedge(page, "NO-SUCH-LABEL")
    await outcome(page, texts["unknown"])
    await expect(page.locator("#work .t-outcome")).to_have_attribute("data-outcome", "error")
    await screenshot(page, f"terminal-refusal-{shot}")
    for code, part in ((board, "04607123000021"), (f"(01){BATTERY}(10)B2611(21){battery}", "BAT-2S"),
                       (SCREWS, "SCR-M3X8")):
        await wedge(page, code)
        await outcome(page, part)
        await expect(page.locator("#work .t-outcome")).to_have_attribute("data-outcome", "ok")
    await expect(page.locator(".t-components .t-todo")).to_have_count(0)
    await screenshot(page, f"terminal-unit-{shot}")
    await page.get_by_role("button", name=texts["hand"]).click()
    await outcome(page, texts["handed"])
    await expect(page.locator("#work .t-outcome")).to_contain_text(re.compile(texts["result"]),
                                                                 timeout=RESULT_TIMEOUT_MS)
    await expect(page.locator(".t-result h3")).to_contain_text(re.compile(texts["result_title"]))
    await expect(page.locator("#machine-panel")).to_contain_text(serial)  # the machine's last unit, live
    await expect(page.locator("#machine-panel .t-last-result")).to_contain_text(serial)
    await expect(page.locator("#machine-panel")).to_contain_text("torque")  # and its measured values
    await screenshot(page, f"terminal-result-{shot}")


async def test_an_operator_runs_units_through_scr01_in_russian_then_in_english(plant, new_page):
    serials, boards = prepare(plant)
    download_screwing_program(plant)
    base = f"http://127.0.0.1:{plant.web_port}"
    page = await new_page(viewport=TOUCH_SCREEN, locale="ru-RU")

    await sign_in(page, base, "lead")  # a line lead binds this screen to SCR01 once
    await page.goto(f"{base}/terminal/setup")
    await page.get_by_label("Имя терминала").fill("SCR01-touch")
    await page.get_by_label("Станция").select_option("SCR01")
    await page.get_by_role("button", name="Зарегистрировать").click()
    await expect(page.locator(".flash")).to_contain_text("Этот экран теперь терминал SCR01-touch")
    await page.get_by_role("button", name="Выйти").click()

    await page.goto(f"{base}/terminal/login")
    await expect(page.locator(".t-station-name")).to_contain_text("SCR01 — Torque screwing")
    await screenshot(page, "terminal-badge-sign-in-ru")
    await wedge(page, BADGE)  # the badge field has the focus; Enter moves to the PIN
    await page.keyboard.type(PIN)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{base}/terminal/")
    await expect(page.locator(".t-who")).to_contain_text("Ivan Petrov")
    await expect(page.locator("#machine-panel .t-state")).not_to_have_text("нет связи", timeout=10_000)

    await run_unit(page, serials[0], boards[0], "BT-RU-1", {
        "started": "операция 10 начата", "unknown": "Неизвестный штрихкод: NO-SUCH-LABEL",
        "hand": "Передать изделие оборудованию", "handed": "передано оборудованию",
        "result": "(ГОДЕН|НЕ ГОДЕН): изделие", "result_title": "Результат операции 10: (ГОДЕН|НЕ ГОДЕН)"}, "ru")

    await page.get_by_role("link", name="EN").click()  # the operator's own choice of language
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.get_by_role("button", name="Next unit").click()
    await run_unit(page, serials[1], boards[1], "BT-EN-1", {
        "started": "operation 10 started", "unknown": "Unknown barcode: NO-SUCH-LABEL",
        "hand": "Hand the unit to the machine", "handed": "handed to the machine",
        "result": "(PASS|FAIL): unit", "result_title": "Result of operation 10: (PASS|FAIL)"}, "en")

    await wedge(page, serials[0])  # the first unit is done here: refused in plain words, nothing changed
    await expect(page.locator("#work .t-outcome")).to_contain_text(re.compile(
        "must be done at a station of type electrical_safety|The unit is on hold"))  # on hold after a rare fail
    await expect(page.locator("#work .t-next")).to_contain_text(re.compile("Take it there.|call quality"))

    plant.inject_fault("SCR01-SPINDLE", "alarm")  # the station stops: the terminal asks why
    try:
        await expect(page.locator("#downtime-form")).to_be_visible(timeout=10_000)
        await expect(page.locator("#machine-panel .t-alarm")).to_be_visible()
        await screenshot(page, "terminal-downtime-en")
        await page.get_by_role("button", name="Machine breakdown").click()
        await outcome(page, "Stop recorded: Machine breakdown.")
        await expect(page.locator("#downtime-form")).to_be_hidden()
        await page.get_by_role("button", name="Running again").click()
        await outcome(page, "The stop is closed.")
    finally:
        plant.clear_faults("SCR01-SPINDLE")


async def test_every_control_of_the_terminal_is_labelled_and_reachable_by_keyboard(plant, new_page):
    base = f"http://127.0.0.1:{plant.web_port}"
    page = await new_page(viewport=TOUCH_SCREEN, locale="en-US")
    await sign_in(page, base, "lead")
    await page.goto(f"{base}/terminal/setup?lang=en")  # the lead's own language is Russian
    await page.get_by_label("Terminal name").fill("SCR01-keyboard")
    await page.get_by_label("Station").select_option("SCR01")
    await page.get_by_role("button", name="Register").click()
    await page.goto(f"{base}/terminal/")
    unlabelled = await page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button')].filter(el =>
        !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
        .map(el => el.outerHTML)""")
    assert unlabelled == []
    await expect(page.locator("#scan")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Enter")).to_be_focused()
    sizes = await page.evaluate("""() => [...document.querySelectorAll('.terminal .t-button')]
        .filter(el => el.offsetParent).map(el => el.getBoundingClientRect().height)""")
    assert sizes and min(sizes) >= 48  # touch targets
