"""Acceptance of the staff side in a real browser: intake at the desk, the
executor's queue and signature, issuance against the journal — each flow
by three different staff members, each in their own browser."""

from __future__ import annotations

import datetime
import re
import subprocess
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from applicants.constants import Role
from applicants.models import Applicant, User
from reglament.models import Office
from services.constants import State
from tests.e2e.conftest import BROWSER_TEST, log_in
from tests.factories import UserFactory
from tests.flows import desk_application

pytestmark = BROWSER_TEST

NUMBER = re.compile(r"AKT-\d{4}-\d{6}")
IDENTITY = "Identity document"


@pytest.fixture
def second_clerk(aktau: Office) -> User:
    """The clerk at the issuance window: another person than the intake clerk."""
    return UserFactory(
        username="clerk2.aktau", office=aktau, role=Role.CLERK, last_name="Ахметова", first_name="Дана"
    )


def today() -> datetime.date:
    return timezone.localdate()


def checklist_row(page: Page, document: str) -> Locator:
    return page.locator("table.checklist tbody tr").filter(has_text=document)


def fill_mandatory_documents(page: Page, *, identity_expires: datetime.date) -> None:
    """Tick every document marked mandatory and write its number and dates."""
    rows = page.locator("table.checklist tbody tr").filter(has_text="mandatory")
    expect(rows).to_have_count(2)
    for i in range(rows.count()):
        row = rows.nth(i)
        row.get_by_role("checkbox").check()
        row.get_by_label("Document number").fill(f"N0123456{i}")
        row.get_by_label("Issued on").fill("2020-01-15")
    checklist_row(page, IDENTITY).get_by_label("Valid until").fill(identity_expires.isoformat())


def start_s2_intake(page: Page, live_server: LiveServer, iin: str) -> None:
    """At the desk: type the IIN, find the person, choose S2, start the intake."""
    page.goto(f"{live_server.url}{reverse('services:desk')}")
    iin_box = page.get_by_label("IIN")
    expect(iin_box).to_be_focused()  # autofocus: the clerk types at once
    iin_box.press_sequentially(iin)
    expect(page.locator("#iin-feedback")).to_have_text("The IIN is valid.")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("S2 Registration of job seekers as unemployed").check()
    page.get_by_role("button", name="Start intake").click()
    expect(page.get_by_role("heading", name="Intake of documents")).to_be_visible()
    expect(page.get_by_text("working minutes left")).to_be_visible()


def state_badge(page: Page) -> Locator:
    return page.get_by_role("heading", level=1).locator(".state")


def take_next_and_sign(page: Page, number: str, result_text: str) -> None:
    """The executor, on the queue page: take the most urgent request, sign the result."""
    expect(page).to_have_url(re.compile(r"/staff/queue/$"))
    expect(page.get_by_role("link", name=number)).to_be_visible()
    page.get_by_role("button", name="Take next").click()
    expect(page.get_by_text(f"You took {number}.")).to_be_visible()
    expect(state_badge(page)).to_have_text("In review")
    page.get_by_label("Text of the result").fill(result_text)
    page.get_by_role("button", name="Sign with my e-signature").click()
    expect(page.get_by_text("The result is signed.")).to_be_visible()
    expect(state_badge(page)).to_have_text("Result signed")


def issue_from_the_list(page: Page, live_server: LiveServer, number: str, document: str) -> None:
    """The issuance clerk: open the request from the list, issue it against the journal."""
    page.goto(f"{live_server.url}{reverse('services:issuance')}")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name="Issue against signature")).to_be_visible()
    page.get_by_label("Number of the recipient's identity document").fill(document)
    page.get_by_label("The recipient has signed the service journal").check()
    page.get_by_role("button", name=re.compile(r"^Issue\b")).click()
    expect(page.get_by_text("Issued; the journal entry is recorded.")).to_be_visible()
    expect(page.get_by_role("link", name=number)).to_have_count(0)  # no longer waiting


# --- 1. S2 walk-in, intake to issuance ----------------------------------------------------


def test_an_s2_walk_in_goes_from_intake_to_issuance_and_the_journal(
    page: Page,
    live_server: LiveServer,
    open_as: Callable[[str], Page],
    clerk: User,
    executor: User,
    second_clerk: User,
    applicant: Applicant,
) -> None:
    # The intake clerk registers the package.
    log_in(page, live_server, clerk.username)
    expect(page).to_have_url(re.compile(r"/staff/desk/$"))
    start_s2_intake(page, live_server, applicant.iin)
    expect(page.get_by_text(applicant.full_name)).to_be_visible()
    fill_mandatory_documents(page, identity_expires=today() + datetime.timedelta(days=365))
    page.get_by_role("button", name="Register").click()
    registered = page.get_by_text(re.compile(r"Registered under number AKT-\d{4}-\d{6}"))
    expect(registered).to_be_visible()
    number = page.get_by_role("heading", level=1).locator(".number").inner_text()
    assert NUMBER.fullmatch(number)
    expect(state_badge(page)).to_have_text("Registered")
    expect(page.get_by_text("presented, № N01234561")).to_be_visible()

    # The executor takes it from the queue and signs the certificate.
    executor_page = open_as(executor.username)
    take_next_and_sign(executor_page, number, "Зарегистрирован в качестве безработного.")
    expect(executor_page.get_by_text("Certificate of registration as unemployed")).to_be_visible()

    # Another clerk issues it at the window; the journal has the line.
    issuer = open_as(second_clerk.username)
    issue_from_the_list(issuer, live_server, number, "N 012345678")
    issuer.get_by_role("link", name="Service journal").click()
    expect(issuer.get_by_role("heading", name="Service journal")).to_be_visible()
    line = issuer.get_by_role("row").filter(has_text=number)
    expect(line).to_contain_text("N 012345678")
    expect(line).to_contain_text("S2")
    expect(line).to_contain_text("Certificate of registration as unemployed")
    expect(line).to_contain_text("Ахметова Дана")


# --- 2. S2 intake refused for an expired identity document -------------------------------


def test_an_s2_intake_with_an_expired_identity_document_is_refused_with_a_receipt(
    page: Page, live_server: LiveServer, clerk: User
) -> None:
    last_year = datetime.date(today().year - 1, 6, 30)
    log_in(page, live_server, clerk.username)

    # An unknown IIN: the clerk creates the record first.
    page.get_by_label("IIN").press_sequentially("990106300596")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="No record with this IIN: create it")).to_be_visible()
    page.get_by_label("Last name").fill("Абдуллаева")
    page.get_by_label("First name").fill("Дана")
    page.get_by_role("button", name="Create the record").click()
    expect(page.get_by_text("The applicant's record is created.")).to_be_visible()
    page.get_by_label("S2 Registration of job seekers as unemployed").check()
    page.get_by_role("button", name="Start intake").click()

    fill_mandatory_documents(page, identity_expires=last_year)
    page.get_by_role("button", name="Register").click()
    error = page.get_by_role("alert")
    expect(error).to_contain_text("Not done")
    expect(error).to_contain_text(f"Expired: {IDENTITY}")
    expect(error).to_contain_text(last_year.strftime("%d.%m.%Y"))
    # What was typed is kept.
    expect(checklist_row(page, IDENTITY).get_by_label("Valid until")).to_have_value(last_year.isoformat())
    expect(checklist_row(page, IDENTITY).get_by_role("checkbox")).to_be_checked()

    page.get_by_text("Refuse intake (incomplete package or expired document)").click()
    page.get_by_label("A document has expired").check()
    page.get_by_label("Reason, as the applicant will read it").fill("Удостоверение личности просрочено.")
    page.get_by_role("button", name="Refuse intake and print the receipt").click()

    expect(page.get_by_text(re.compile(r"Intake refused under number AKT-\d{4}-\d{6}"))).to_be_visible()
    expect(state_badge(page)).to_have_text("Intake refused")
    number = page.get_by_role("heading", level=1).locator(".number").inner_text()
    receipt_link = page.get_by_role("link", name="Receipt (PDF)")
    expect(receipt_link).to_be_visible()
    href = receipt_link.get_attribute("href")
    assert href is not None

    receipt = page.request.get(f"{live_server.url}{href}")
    assert receipt.ok
    assert receipt.headers["content-type"] == "application/pdf"
    text = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", "-", "-"], input=receipt.body(), capture_output=True, check=True
    ).stdout.decode()
    assert number in text
    assert last_year.strftime("%d.%m.%Y") in text


# --- 3. S3 refused by the executor with a ground ------------------------------------------


def test_an_s3_request_is_refused_by_the_executor_with_a_ground(
    page: Page,
    live_server: LiveServer,
    open_as: Callable[[str], Page],
    clerk: User,
    executor: User,
    second_clerk: User,
    applicant: Applicant,
) -> None:
    application = desk_application(
        clerk=clerk, applicant=applicant, service_code="S3", measure_kind="employment", until=State.REGISTERED
    )
    assert application.number is not None

    log_in(page, live_server, executor.username)
    expect(page).to_have_url(re.compile(r"/staff/queue/$"))
    expect(page.get_by_role("link", name=application.number)).to_be_visible()
    take_next = page.get_by_role("button", name="Take next")
    expect(take_next).to_have_attribute("accesskey", "n")  # Alt+N for a person; not fired by CDP key events
    take_next.click()
    expect(page.get_by_text(f"You took {application.number}.")).to_be_visible()
    expect(state_badge(page)).to_have_text("In review")

    refusal = page.locator("section").filter(has=page.get_by_role("heading", name="Or: a motivated refusal"))
    refusal.get_by_label("The documents or the data in them are unreliable").check()
    refusal.get_by_label("Reason, as the applicant will read it").fill(
        "Сведения о трудовом стаже не подтверждены."
    )
    refusal.get_by_role("button", name="Sign the refusal").click()

    expect(page.get_by_text("The motivated refusal is signed.")).to_be_visible()
    expect(state_badge(page)).to_have_text("Refusal signed")
    signed = page.locator("section").filter(has=page.get_by_role("heading", name="Signed result"))
    expect(signed).to_contain_text("Motivated refusal")
    expect(signed).to_contain_text("Ground: The documents or the data in them are unreliable")
    expect(signed).to_contain_text("Сведения о трудовом стаже не подтверждены.")

    # The refusal waits at the issuance window of another clerk.
    issuer = open_as(second_clerk.username)
    issuer.goto(f"{live_server.url}{reverse('services:issuance')}")
    expect(issuer.get_by_role("row").filter(has_text=application.number)).to_contain_text("Motivated refusal")


# --- 4. S1 notification issued --------------------------------------------------------------


def test_an_s1_notification_is_signed_and_issued(
    page: Page,
    live_server: LiveServer,
    open_as: Callable[[str], Page],
    clerk: User,
    executor: User,
    second_clerk: User,
    applicant: Applicant,
) -> None:
    application = desk_application(
        clerk=clerk, applicant=applicant, service_code="S1", until=State.REGISTERED
    )
    number = application.number
    assert number is not None

    log_in(page, live_server, executor.username)
    take_next_and_sign(page, number, "Зарегистрирован в качестве лица, ищущего работу.")
    expect(page.get_by_text("Notification of registration as a job seeker")).to_be_visible()

    issuer = open_as(second_clerk.username)
    issue_from_the_list(issuer, live_server, number, "N 087654321")
    issuer.goto(f"{live_server.url}{reverse('services:application', args=[application.pk])}")
    expect(state_badge(issuer)).to_have_text("Issued")


# --- the keyboard ------------------------------------------------------------------------------


def test_register_is_reached_with_tab_and_pressed_with_enter(
    page: Page, live_server: LiveServer, clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)
    log_in(page, live_server, clerk.username)
    page.get_by_role("link", name=f"{applicant.full_name} — S2").click()  # intakes under way
    fill_mandatory_documents(page, identity_expires=today() + datetime.timedelta(days=365))

    page.focus("table.checklist tbody tr:first-child input[type=checkbox]")
    for _ in range(80):
        if page.evaluate(
            "document.activeElement.name === 'action' && document.activeElement.value === 'register'"
        ):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Register is not reachable with Tab from the checklist")
    page.keyboard.press("Enter")

    expect(page.get_by_text(re.compile(r"Registered under number AKT-\d{4}-\d{6}"))).to_be_visible()
    application.refresh_from_db()
    assert application.state == State.REGISTERED
    expect(page.get_by_role("heading", level=1)).to_contain_text(application.number or "?")
