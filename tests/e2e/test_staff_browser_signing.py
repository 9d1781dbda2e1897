"""The executor signs in a real browser: the staff request page, the portal's
NCALayer client (static/js/ncalayer.js, sign-page.js) and the development
NCALayer stand-in holding the executor's key, on a local WebSocket."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from applicants.models import Applicant, User
from services.constants import State
from services.management.commands import ncalayer_standin as standin
from services.models import Application
from tests.e2e.conftest import BROWSER_TEST, log_in, ncalayer_stand_in
from tests.flows import desk_application
from tests.signing import trusted_test_ca

pytestmark = BROWSER_TEST


@pytest.fixture
def ncalayer(executor: User, settings: Any) -> Iterator[str]:
    """The stand-in with the executor's key, on a free local port; the portal points at it."""
    trusted_test_ca()
    with ncalayer_stand_in([standin.load_staff_stand_in(executor.get_username())], settings) as address:
        yield address


def open_in_review(page: Page, live_server: LiveServer, executor: User, application: Application) -> None:
    log_in(page, live_server, executor.username)
    page.goto(f"{live_server.url}{reverse('services:application', args=[application.pk])}")
    expect(page.get_by_role("heading", level=1).locator(".state")).to_have_text("In review")


def test_the_executor_prepares_and_signs_a_result_with_ncalayer_by_keyboard(
    page: Page, live_server: LiveServer, ncalayer: str, clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)
    open_in_review(page, live_server, executor, application)

    page.get_by_label("Text of the result").fill("Зарегистрирован в качестве безработного.")
    page.get_by_role("button", name="Prepare for signing").click()

    heading = page.get_by_role("heading", name="Check the result and sign it")
    expect(heading).to_be_focused()
    expect(page.get_by_label("The document exactly as it is signed")).to_contain_text(
        "Зарегистрирован в качестве безработного."
    )
    sign = page.get_by_role("button", name="Sign with NCALayer")
    for _ in range(5):  # from the heading: the document, then the button
        page.keyboard.press("Tab")
        if sign.evaluate("element => element === document.activeElement"):
            break
    expect(sign).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("The result is signed.")).to_be_visible()
    expect(page.get_by_role("heading", level=1).locator(".state")).to_have_text("Result signed")
    stored = Application.objects.get(pk=application.pk)
    assert stored.state == State.RESULT_SIGNED
    assert stored.result.content_sha256


def test_when_ncalayer_is_not_running_the_executor_is_told_in_a_focused_alert(
    page: Page, live_server: LiveServer, clerk: User, executor: User, applicant: Applicant, settings: Any
) -> None:
    settings.NCALAYER_URL = "ws://127.0.0.1:9/"  # nothing listens there
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)
    open_in_review(page, live_server, executor, application)
    page.get_by_label("Text of the result").fill("Зарегистрирован.")
    page.get_by_role("button", name="Prepare for signing").click()

    page.get_by_role("button", name="Sign with NCALayer").click()

    alert = page.locator("#staff-sign-error")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text(re.compile("NCALayer is not running"))
    assert Application.objects.get(pk=application.pk).state == State.IN_REVIEW
