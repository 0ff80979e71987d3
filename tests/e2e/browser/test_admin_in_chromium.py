"""Administration in Chromium: an administrator creates a user and gives them a badge; a process engineer
drafts a recipe version and a quality engineer approves it with an electronic signature (in Russian)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow
APPROVED = r"Anna Volkova — Утверждено — \d{4}-\d\d-\d\d \d\d:\d\d:\d\d MSK \(\d\d:\d\d:\d\d UTC\)"


async def test_an_administrator_creates_a_user_and_assigns_a_badge(plant, new_page):
    base = f"http://127.0.0.1:{plant.web_port}"
    page = await new_page(locale="en-US")
    await sign_in(page, base, "admin")
    await page.goto(f"{base}/lines/?lang=en")
    await page.get_by_role("navigation", name="Areas").get_by_role("link", name="Administration").click()
    await page.get_by_role("link", name=re.compile("^Users")).first.click()
    create = page.get_by_role("form", name="New user")
    await create.get_by_label("User name").fill("petrov")
    await create.get_by_label("Printed name").fill("Ivan Petrov")
    await create.get_by_label("Role").select_option("operator")
    await create.get_by_role("button", name="Create user").click()
    issued = page.get_by_role("status")
    await expect(issued).to_contain_text("One-time password for petrov")
    await expect(issued.locator("code.otp")).to_have_text(re.compile(r"\S{12,}"))
    await screenshot(page, "admin-user-created-en")

    row = page.locator("#user-petrov")
    await row.locator("summary", has_text="Badge").click()
    await row.get_by_label("Badge number").fill("0451-2211")
    await row.get_by_label("PIN (typed by the user)").fill("12")  # too short: refused, nothing changed
    await row.get_by_role("button", name="Assign badge").click()
    await expect(page.locator("#petrov-error")).to_contain_text("the PIN must be at least")
    await expect(page.locator("#user-petrov .badge-state")).to_have_text("—")
    row = page.locator("#user-petrov")
    await row.locator("summary", has_text="Badge").click()
    await row.get_by_label("Badge number").fill("0451-2211")
    await row.get_by_label("PIN (typed by the user)").fill("482913")
    await row.get_by_role("button", name="Assign badge").click()
    await expect(page.get_by_role("alert")).to_contain_text("Badge assigned to petrov.")
    await expect(page.locator("#user-petrov .badge-state")).to_have_text("assigned")
    await screenshot(page, "admin-badge-assigned-en")


async def test_a_process_engineer_drafts_a_recipe_and_a_quality_engineer_approves_it(plant, new_page):
    base = f"http://127.0.0.1:{plant.web_port}"
    author = await new_page(locale="en-US")
    await sign_in(author, base, "process")
    await author.goto(f"{base}/admin/recipes?lang=en")
    await author.get_by_label("Code").fill("RCP-SCR-PM100")
    await author.get_by_label("Name", exact=True).fill("PM-100 housing screws")
    await author.get_by_label("Equipment kind").fill("screwdriving")
    await author.get_by_role("button", name="Create recipe").click()
    await expect(author.locator("h1")).to_contain_text("RCP-SCR-PM100")
    await author.get_by_label("What changes and why").fill("first issue")
    await author.get_by_role("button", name="New draft version").click()
    for n, values in enumerate((("target_torque", "2.0", "N·m", "1.5", "2.5"), ("program", "3", "", "", "")), 1):
        for label, value in zip(("Parameter", "Value", "Unit of measure", "Min", "Max"), values, strict=True):
            await author.get_by_label(f"{label} {n}", exact=True).fill(value)
    await author.get_by_role("button", name="Save parameters").click()
    await expect(author.get_by_role("alert")).to_contain_text("Parameters of version 1 saved.")
    await screenshot(author, "admin-recipe-draft-en")

    approver = await new_page(locale="ru-RU")
    await sign_in(approver, base, "quality")
    await approver.goto(f"{base}/admin/recipes/RCP-SCR-PM100/1?lang=ru")
    form = approver.locator("form.sign-form")
    await expect(form.locator(".meaning")).to_have_text("Утверждено")
    await form.get_by_label("Имя пользователя").fill("quality")
    await form.get_by_label("Пароль").fill("неверный")
    await form.get_by_role("button", name="Подписать и утвердить").click()
    await expect(approver.locator("#approve-error")).to_have_text(
        "Неверное имя пользователя или пароль: запись не подписана")
    form = approver.locator("form.sign-form")
    await form.get_by_label("Имя пользователя").fill("quality")
    await form.get_by_label("Пароль").fill("demo")
    await form.get_by_label(re.compile("^Причина")).fill("проверено на линии L1")
    await form.get_by_role("button", name="Подписать и утвердить").click()
    await expect(approver.locator(".signature .manifestation")).to_have_text(re.compile(APPROVED))
    await expect(approver.locator(".signature .valid")).to_be_visible()
    await expect(approver.locator("h2 .status-approved")).to_have_text("утверждена")
    await screenshot(approver, "admin-recipe-approved-ru")
