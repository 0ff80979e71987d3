"""The line dashboard in Chromium against a running plant: live updates, faults, alarms, web restarts."""

import re
import time

import pytest
from playwright.async_api import expect

from tests.e2e.browser.conftest import screenshot, sign_in, stop
from tests.support.ports import free_port

pytestmark = pytest.mark.slow

STATIONS = ["SCR01", "LEAK01", "EST01", "FT01", "MARK01"]


async def open_dashboard(new_page, port: int, user: str = "quality", locale: str = "en-US"):
    """A signed-in dashboard whose stream is live and whose machines all report."""
    page = await new_page(locale=locale)
    await sign_in(page, f"http://127.0.0.1:{port}", user)
    await expect(page.locator("#live-note")).to_have_attribute("data-state", "live")
    for code in STATIONS:  # the edge has connected to every simulator
        await expect(card(page, code).locator('[data-field="connection"]')).to_contain_text(
            "online" if locale.startswith("en") else "на связи", timeout=20_000)
    return page


def card(page, code: str):
    return page.locator(f'article[data-station="{code}"]')


async def test_the_dashboard_shows_every_station_and_updates_without_a_reload(plant, new_page):
    page = await open_dashboard(new_page, plant.web_port)
    assert await page.locator("article.station h3").all_inner_texts() == [
        f"{code}\n{name}" for code, name in zip(STATIONS, [
            "Torque screwing", "Leak test", "Electrical safety test", "Functional test", "UDI laser marking"],
            strict=True)]
    stamp = card(page, "SCR01").locator('[data-field="updated_at"]')
    first = await stamp.get_attribute("datetime")
    started = time.monotonic()
    await expect(stamp).not_to_have_attribute("datetime", first, timeout=2_000)
    assert time.monotonic() - started < 2.0
    await expect(card(page, "SCR01").locator('[data-field="state"]')).not_to_have_text("Unknown")
    await expect(card(page, "SCR01").locator('[data-field="oee"]')).to_have_text(re.compile(r"^\d+\.\d%$"))
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    await page.wait_for_timeout(1500)
    assert navigations == []  # live without reloading the page
    await screenshot(page, "dashboard-en")


async def test_a_machine_whose_connection_drops_shows_offline_within_two_seconds(plant, new_page):
    page = await open_dashboard(new_page, plant.web_port, "operator", "ru-RU")
    plant.inject_fault("LEAK01-TESTER", "drop", seconds=3)
    connection = card(page, "LEAK01").locator('[data-field="connection"]')
    await expect(connection).to_contain_text("нет связи", timeout=2_000)
    await expect(card(page, "LEAK01")).to_have_class("station group-offline")  # grey, not its last state
    await expect(card(page, "LEAK01").locator('[data-field="last_error"]')).not_to_be_empty()
    await screenshot(page, "dashboard-ru-machine-offline")
    await expect(connection).to_contain_text("на связи", timeout=15_000)  # back once the drop ends


async def test_an_alarm_on_a_machine_is_highlighted_within_two_seconds(plant, new_page):
    page = await open_dashboard(new_page, plant.web_port)
    status = plant.inject_fault("MARK01-LASER", "alarm")
    try:
        await expect(page.locator("#alarms")).to_have_class("alarms active", timeout=2_000)
        await expect(page.locator("#alarm-list")).to_contain_text("MARK01: Alarm")
        await expect(card(page, "MARK01")).to_have_class(re.compile(r"\balarm\b"))
        await expect(card(page, "MARK01").locator('[data-field="alarm_code"]')).not_to_have_text("—")
        await screenshot(page, "dashboard-en-alarm")
    finally:
        plant.clear_faults("MARK01-LASER")
    assert status


async def test_the_station_cards_are_reachable_and_named_for_keyboard_users(plant, new_page):
    page = await open_dashboard(new_page, plant.web_port)
    await page.locator("#line-title").click()
    reached = []
    for _ in STATIONS:  # nothing focusable stands between the heading and the cards
        await page.keyboard.press("Tab")
        reached.append(await page.evaluate("document.activeElement.dataset.station || ''"))
    assert reached == STATIONS
    assert await card(page, "EST01").get_attribute("aria-labelledby") == "station-EST01"
    await expect(page.locator("#live-note")).to_have_attribute("role", "status")


async def test_the_page_says_it_is_reconnecting_and_recovers_when_the_web_process_restarts(plant, new_page):
    port = free_port()
    web = plant.start_web(port)
    try:
        page = await open_dashboard(new_page, port, "operator", "ru-RU")
        stop(web)
        await expect(page.locator("#live-note")).to_have_attribute("data-state", "reconnecting", timeout=5_000)
        await expect(page.locator("#live-note")).to_have_text("Переподключение к серверу…")
        await screenshot(page, "dashboard-ru-reconnecting")
        web = plant.start_web(port)
        await expect(page.locator("#live-note")).to_have_attribute("data-state", "live", timeout=10_000)
        stamp = card(page, "FT01").locator('[data-field="updated_at"]')
        before = await stamp.get_attribute("datetime")
        await expect(stamp).not_to_have_attribute("datetime", before, timeout=3_000)
    finally:
        stop(web)


async def test_a_page_refused_a_stream_by_a_busy_server_still_updates_from_status_json(plant, new_page):
    port = free_port()
    web = plant.start_web(port, streams=1, workers=1)  # one worker: stream slots are per worker process
    try:
        await open_dashboard(new_page, port)  # takes the only stream slot
        page = await new_page(locale="en-US")
        refusals = []
        page.on("response", lambda r: refusals.append(r.url) if r.status == 503 and "/events" in r.url else None)
        await sign_in(page, f"http://127.0.0.1:{port}", "quality")
        stamp = card(page, "SCR01").locator('[data-field="updated_at"]')
        before = await stamp.get_attribute("datetime")
        await expect(stamp).not_to_have_attribute("datetime", before, timeout=8_000)
        await expect(page.locator("#live-note")).to_have_attribute("data-state", "live")
        assert refusals, "the second page's stream was not refused: the test proves nothing"
    finally:
        stop(web)


async def test_a_stream_ending_on_schedule_is_replaced_without_a_reconnecting_alarm(plant, new_page):
    port = free_port()
    web = plant.start_web(port, stream_seconds=1.5)
    try:
        page = await open_dashboard(new_page, port)
        await page.evaluate("""() => {
            window.badgeStates = [];
            new MutationObserver(() => window.badgeStates.push(document.getElementById("live-note").dataset.state))
                .observe(document.getElementById("live-note"), {attributes: true});
        }""")
        stamp = card(page, "EST01").locator('[data-field="updated_at"]')
        for _ in range(2):  # longer than a stream (1.5 s): at least one stream ends on the way
            before = await stamp.get_attribute("datetime")
            await expect(stamp).not_to_have_attribute("datetime", before, timeout=3_000)
            await page.wait_for_timeout(800)
        assert "reconnecting" not in await page.evaluate("window.badgeStates")
    finally:
        stop(web)
