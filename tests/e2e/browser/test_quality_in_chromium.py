"""A quality engineer reviews and releases a batch with an e-signature in Chromium, in Russian and in English."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from mes.db import create_db_engine, session_factory
from tests.e2e.browser.conftest import Plant, screenshot, sign_in
from tests.e2e.test_quality_workspace import completed_batch

pytestmark = pytest.mark.slow
MANIFESTATION = r"Anna Volkova — {meaning} — \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d MSK \(\d\d:\d\d:\d\d UTC\)"


@pytest.fixture
def batch(plant: Plant) -> Iterator[tuple[str, str]]:
    """A completed one-unit batch with one open exception (a value typed by hand), in the plant's database."""
    engine = create_db_engine(f"sqlite:///{plant.root / 'var' / 'mes.sqlite3'}")
    try:
        yield completed_batch(session_factory(engine))
    finally:
        engine.dispose()


async def sign(page: Page, dialog: str, password: str, username: str | None = None) -> None:
    """Fill the signature dialog and press Sign."""
    box = page.locator(f"#{dialog}-dialog")
    if username is not None:
        await box.locator("input[name=username]").fill(username)
    await box.locator("input[name=password]").fill(password)
    await box.locator("button[type=submit]").click()


async def test_a_quality_engineer_reviews_and_releases_a_batch_in_russian(plant, new_page, batch):
    number, serial = batch
    base = f"http://127.0.0.1:{plant.web_port}"
    page = await new_page(locale="ru-RU")
    await sign_in(page, base, "quality")
    await page.goto(f"{base}/quality/?lang=ru")
    row = page.locator("tr", has=page.get_by_role("link", name=number))
    await expect(row.locator("[data-open-exceptions]")).to_have_text("1")
    await screenshot(page, "quality-batches-ru")
    await row.get_by_role("link", name=number).click()
    await expect(page.locator("h1")).to_contain_text(f"Партия {number}")

    await page.get_by_role("button", name="Выпустить партию…").click()
    release = page.locator("#release-dialog")
    await expect(release).to_be_visible()
    await expect(release.locator(".meaning")).to_have_text("Выпущено")
    await expect(release.locator(".manifestation")).to_have_text(re.compile(MANIFESTATION.format(meaning="Выпущено")))
    await screenshot(page, "quality-sign-dialog-ru")
    await sign(page, "release", "demo", username="quality")
    await expect(page.locator("#release-dialog")).to_be_visible()  # back with the refusal beside the password
    await expect(page.locator("#release-error")).to_contain_text("Выпуск отклонён: не рассмотрено исключений: 1")
    await screenshot(page, "quality-release-refused-ru")
    await page.keyboard.press("Escape")
    await expect(page.locator("#release-dialog")).to_be_hidden()

    await page.get_by_role("button", name=re.compile("Рассмотрение manual:")).click()
    review = page.locator("#review-dialog")
    await review.get_by_label("Решение").fill("Класс 4 подтверждён повторной проверкой")
    await sign(page, "review", "не-тот-пароль", username="quality")
    await expect(page.locator("#review-error")).to_have_text(
        "Неверное имя пользователя или пароль: запись не подписана")
    await expect(page.locator("#review-dialog input[name=password]")).to_be_focused()
    await screenshot(page, "quality-signature-refused-ru")
    await sign(page, "review", "demo", username="quality")
    await expect(page.locator("#open-count")).to_have_text("0")
    await expect(page.locator("tr.closed")).to_contain_text("Рассмотрел(а) Anna Volkova")

    await page.get_by_role("button", name="Выпустить партию…").click()
    await expect(page.locator("#release-dialog input[name=username]")).to_have_count(0)  # second signing
    await sign(page, "release", "demo")
    await expect(page.locator("[data-released]")).to_have_text("1")
    await expect(page.locator(".signatures")).to_contain_text("Anna Volkova — Выпущено —")
    await screenshot(page, "quality-batch-released-ru")

    await page.get_by_role("link", name=serial).first.click()
    await expect(page.locator("h1")).to_contain_text(f"Запись истории изделия (DHR) {serial}")
    await screenshot(page, "quality-dhr-ru")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="DHR (PDF)").click()
    path = await (await download.value).path()
    assert path.read_bytes()[:5] == b"%PDF-"


async def test_a_quality_engineer_reviews_and_releases_a_batch_in_english_with_the_keyboard(plant, new_page, batch):
    number, serial = batch
    base = f"http://127.0.0.1:{plant.web_port}"
    page = await new_page(locale="en-US")
    await sign_in(page, base, "quality")
    await page.goto(f"{base}/quality/batches/{number}?lang=en")
    await page.get_by_role("button", name="Release batch…").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#release-dialog .manifestation")).to_have_text(
        re.compile(MANIFESTATION.format(meaning="Released")))
    await expect(page.locator("#release-quantity")).to_be_focused()
    await page.locator("#release-dialog").get_by_label("User name").fill("quality")
    await page.locator("#release-dialog").get_by_label("Password").fill("demo")
    await page.keyboard.press("Enter")
    await expect(page.locator("#release-error")).to_contain_text("Release refused: 1 exception(s) not reviewed")
    await page.get_by_role("button", name="Cancel").click()

    await page.get_by_role("button", name=re.compile("Review manual:")).click()
    await expect(page.locator("#review-dialog .meaning")).to_have_text("Reviewed")
    await page.locator("#review-dialog").get_by_label("Decision").fill("Grade 4 confirmed on re-inspection")
    await screenshot(page, "quality-sign-dialog-en")
    await sign(page, "review", "demo", username="quality")
    await expect(page.locator("#open-count")).to_have_text("0")
    await expect(page.locator("#release-blocked")).to_have_count(0)
    await screenshot(page, "quality-batch-review-en")

    await page.get_by_role("button", name="Release batch…").click()
    await sign(page, "release", "demo")
    await expect(page.locator("[data-released]")).to_have_text("1")
    await expect(page.locator(".signatures")).to_contain_text(re.compile(MANIFESTATION.format(meaning="Released")))
    await screenshot(page, "quality-batch-released-en")

    await page.get_by_role("link", name="History", exact=True).click()
    await expect(page.locator("h1")).to_have_text(f"History of work order {number}")
    await expect(page.locator(".signatures")).to_contain_text("Anna Volkova — Released —")
    await page.get_by_role("link", name="Genealogy", exact=True).click()
    await page.get_by_label("Serial", exact=True).fill(serial)
    await page.get_by_role("button", name="Trace").click()
    await expect(page.locator(".tree")).to_contain_text("MCU-32")
    await screenshot(page, "quality-genealogy-en")
    await page.get_by_role("link", name="Audit trail").click()
    await page.get_by_label("Action", exact=True).fill("SIGN")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("table.audit tbody tr").first).to_contain_text("SIGN")
    await screenshot(page, "quality-audit-en")
