"""Pages still work in a real browser under the Content-Security-Policy
(issue 6, item 3): Chromium reports no violation on the home page, the
admin login and the API documentation, and Swagger UI draws the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


def _violations(page: Page) -> list[str]:
    """Console messages Chromium writes when the policy blocks something."""
    found: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", seen)
    return found


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/staff/login/"])
def test_a_page_loads_without_a_policy_violation(page: Page, live_server: LiveServer, path: str) -> None:
    violations = _violations(page)

    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")

    expect(page.locator("body")).to_be_visible()
    assert violations == []


def test_swagger_ui_draws_the_api_without_a_policy_violation(page: Page, live_server: LiveServer) -> None:
    violations = _violations(page)

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15000)
    assert violations == []
