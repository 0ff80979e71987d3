"""A routing draft in Chromium: a process engineer (in English) adds an operation with a rework loop to a draft
routing version and moves it, a refused number says why; a quality engineer (in Russian) approves the
version as edited with an electronic signature. R-IP7, so the PM-100 routing the other tests run stays put."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow
APPROVED = r"Anna Volkova — Утверждено — \d{4}-\d\d-\d\d \d\d:\d\d:\d\d MSK \(\d\d:\d\d:\d\d UTC\)"


async def test_a_process_engineer_adds_an_operation_and_a_quality_engineer_approves_it(plant, new_page):
    base = f"http://127.0.0.1:{plant.web_port}"
    author = await new_page(locale="en-US")
    await sign_in(author, base, "process")
    await author.goto(f"{base}/admin/routings?lang=en")
    await author.get_by_role("link", name="R-IP7").first.click()
    await expect(author.locator("h1")).to_contain_text("R-IP7")
    add = author.locator("section[aria-labelledby=add-operation-title]")
    await add.get_by_label("Number").fill("20")  # taken: refused, nothing changed
    await add.get_by_label("Operation").fill("Visual inspection")
    await add.get_by_role("button", name="Add operation").click()
    await expect(author.locator("#add-operation-error")).to_contain_text("operation 20 already exists")
    add = author.locator("section[aria-labelledby=add-operation-title]")
    await add.get_by_label("Number").fill("45")
    await add.get_by_label("Operation").fill("Visual inspection")
    await add.get_by_label("Station type").select_option("functional_test")
    await add.get_by_label("Rework from").select_option("20")
    await add.get_by_role("button", name="Add operation").click()
    await expect(author.get_by_role("alert")).to_contain_text("Operation 45 added.")
    await author.get_by_role("button", name="Move up 45").click()  # before the functional test (40)
    await expect(author.get_by_role("alert")).to_contain_text("Operations reordered.")
    titles = author.locator("section.operation h3")
    await expect(titles).to_have_text(["10 · Pump housing screwing", "20 · Fluid path leak test",
                                       "30 · Electrical safety test", "40 · Visual inspection",
                                       "45 · Functional test", "50 · UDI marking"])
    await expect(author.locator("#op-40-title + dl")).to_contain_text("20")  # its rework loop came along
    await expect(author.locator(".own-draft")).to_contain_text("You edited this version")  # two-person rule
    await expect(author.locator("form.sign-form")).to_have_count(0)
    await screenshot(author, "admin-routing-draft-edited-en")

    approver = await new_page(locale="ru-RU")
    await sign_in(approver, base, "quality")
    await approver.goto(f"{base}/admin/routings/R-IP7/1?lang=ru")
    await expect(approver.get_by_role("button", name=re.compile("^Удалить операцию"))).to_have_count(0)
    form = approver.locator("form.sign-form")
    await form.get_by_label("Имя пользователя").fill("quality")
    await form.get_by_label("Пароль").fill("demo")
    await form.get_by_label(re.compile("^Причина")).fill("добавлен визуальный контроль")
    await form.get_by_role("button", name="Подписать и утвердить").click()
    await expect(approver.locator(".signature .manifestation")).to_have_text(re.compile(APPROVED))
    await expect(approver.locator(".signature .valid")).to_be_visible()
    await expect(approver.locator("section.operation h3").nth(3)).to_have_text("40 · Visual inspection")
    await screenshot(approver, "admin-routing-approved-ru")
