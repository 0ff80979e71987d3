"""Signing in through the real form in Chromium, in Russian and in English."""

import pytest
from playwright.async_api import expect

from tests.e2e.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


async def test_an_operator_signs_in_through_the_form_and_reads_the_dashboard_in_russian(plant, new_page):
    page = await new_page(locale="ru-RU")
    await page.goto(f"http://127.0.0.1:{plant.web_port}/")
    await expect(page.locator("h1")).to_have_text("Войти")  # anonymous: sent to the form, in the browser's language
    await screenshot(page, "sign-in-ru")
    await sign_in(page, f"http://127.0.0.1:{plant.web_port}", "operator")
    await expect(page).to_have_url(f"http://127.0.0.1:{plant.web_port}/lines/L1")
    await expect(page.locator("#line-title")).to_contain_text("Линия L1")
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await expect(page.locator("#live-note")).to_have_text("Онлайн")


async def test_a_quality_engineer_signs_in_and_reads_the_dashboard_in_english(plant, new_page):
    page = await new_page(locale="en-US")
    await sign_in(page, f"http://127.0.0.1:{plant.web_port}", "quality")
    await expect(page.locator("#line-title")).to_contain_text("Line L1")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#alarms h2")).to_have_text("Active alarms")
    await expect(page.locator("#live-note")).to_have_text("Live")


async def test_a_wrong_password_is_refused_on_the_form_with_a_message_in_the_browsers_language(plant, new_page):
    page = await new_page(locale="en-US")
    await sign_in(page, f"http://127.0.0.1:{plant.web_port}", "operator", "not-the-password")
    await expect(page.locator(".flash.error")).to_have_text("Wrong user name or password.")
    await expect(page).to_have_url(f"http://127.0.0.1:{plant.web_port}/login")
    await expect(page.locator("#username")).to_have_value("operator")
