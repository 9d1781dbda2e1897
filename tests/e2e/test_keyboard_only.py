"""Every flow with the keyboard alone (issue 6, item 6): Tab, Shift+Tab,
Enter, Space, the arrows and typing — no clicks, and text goes only into
the element that has the focus. A citizen files and signs an S1 request
through NCALayer (the development stand-in); a clerk registers a walk-in
and refuses another with a receipt; the executor takes both from the queue
and signs them in the browser; a clerk issues the walk-in's result against
the journal; a supervisor opens the registers, the referrals and the
reports and downloads a report; the citizen downloads their own data. On
the way, the focus ring is checked to be visible on a few controls."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from applicants.models import Applicant, User
from pki.ca import issue_certificate
from reglament.models import Office
from services.constants import State
from services.management.commands import ncalayer_standin as standin
from services.models import Application
from tests.e2e.conftest import BROWSER_TEST, PASSWORD, ncalayer_stand_in
from tests.factories import ApplicantFactory
from tests.signing import trusted_test_ca

pytestmark = BROWSER_TEST

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def focused(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if focused(target):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} is not reached with {key}")


def press(page: Page, target: Locator, key: str = "Enter", *, backwards: bool = False) -> None:
    tab_to(page, target, backwards=backwards)
    page.keyboard.press(key)


def choose_radio(page: Page, target: Locator) -> None:
    """Tab into the radio group, then the arrows to ``target``."""
    name = target.get_attribute("name")
    for _ in range(120):
        if page.evaluate("name => document.activeElement.name === name", name):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"the radio group {name} is not reached with Tab")
    for _ in range(12):
        if target.is_checked() and focused(target):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{target} is not chosen with the arrows")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def assert_focus_visible(target: Locator) -> None:
    """The focused control shows the portal's ring: a yellow outline of at
    least 2 px inside a dark shadow (WCAG 2.4.7, 1.4.11)."""
    assert focused(target)
    # to_have_css waits out Bootstrap's box-shadow transition.
    expect(target).to_have_css("outline-style", "solid")
    expect(target).to_have_css("outline-width", re.compile(r"^([2-9]|\d{2,})(\.\d+)?px$"))
    expect(target).to_have_css("box-shadow", re.compile(r"rgb\(11, 12, 12\) 0px 0px 0px 6px"))


def new_page(browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer) -> Page:
    # en-US: a date field takes its digits month first.
    context = browser.new_context(**browser_context_args, locale="en-US", accept_downloads=True)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return context.new_page()


def staff_log_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}{reverse('applicants:staff-login')}")
    username_box = page.get_by_label("Username")
    type_into(page, username_box, username)
    assert_focus_visible(username_box)
    type_into(page, page.get_by_label("Password"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Staff pages")).to_be_visible()


def nav_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Staff pages").get_by_role("link", name=name)


def citizen_files_and_signs(page: Page, live_server: LiveServer, citizen: User, aktau: Office) -> str:
    page.goto(f"{live_server.url}{reverse('cabinet:login')}")
    type_into(page, page.get_by_label("IIN"), citizen.iin or "")
    type_into(page, page.get_by_label("Password"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    new_request = page.get_by_role("link", name="Start a new request").first
    tab_to(page, new_request)
    assert_focus_visible(new_request)
    page.keyboard.press("Enter")
    s1 = page.get_by_role("radio", name=re.compile("S1"))
    choose_radio(page, s1)
    expect(s1).to_be_checked()
    office = page.get_by_label("Office of the employment centre")
    press(page, office, "ArrowDown")
    expect(office).to_have_value(str(aktau.pk))
    press(page, page.get_by_role("button", name="Start the request"))

    press(page, page.get_by_label("Level of education"), "ArrowDown")
    type_into(page, page.get_by_label("Specialty or profession"), "электрик")
    type_into(page, page.get_by_label("Desired job"), "Электромонтёр")
    type_into(page, page.get_by_label("Desired monthly pay, tenge"), "250000")
    press(page, page.get_by_role("button", name="Save answers"))
    expect(page.get_by_text("Your answers were last saved on")).to_be_visible()

    # Each mandatory document: Space on the file field opens the chooser.
    slots = page.locator(".document-slot").filter(has_text="mandatory")
    for index in range(slots.count()):
        slot = page.locator(".document-slot").filter(has_text="mandatory").nth(index)
        with page.expect_file_chooser() as chooser:
            press(page, slot.locator("input[type=file]"), "Space")
        chooser.value.set_files(
            {"name": f"document-{index}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        press(page, slot.get_by_role("button", name=re.compile("^Attach")))
        expect(page.locator(".document-slot").filter(has_text="mandatory").nth(index)).to_contain_text(
            f"document-{index}.pdf"
        )
    press(page, page.get_by_role("button", name="Save and continue to signing"))

    expect(page.get_by_role("heading", name="Sign your request")).to_be_visible()
    sign = page.get_by_role("button", name="Sign and send")
    tab_to(page, sign)
    assert_focus_visible(sign)
    page.keyboard.press("Enter")
    number = page.locator("#request-number")
    expect(number).to_have_text(re.compile(r"^AKT-\d{4}-\d{6}$"))
    return number.inner_text()


def citizen_downloads_own_data(page: Page, live_server: LiveServer) -> dict[str, Any]:
    """From the cabinet's list: Tab to "Download my data", Enter; the ZIP's data.json."""
    page.goto(f"{live_server.url}{reverse('cabinet-requests:list')}")
    button = page.get_by_role("button", name="Download my data")
    tab_to(page, button)
    assert_focus_visible(button)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    with zipfile.ZipFile(download.value.path()) as archive:
        data: dict[str, Any] = json.loads(archive.read("data.json"))
    return data


def start_intake(page: Page, iin: str) -> None:
    """At the desk: the IIN box has the focus; type, Enter, choose S2, start."""
    iin_box = page.get_by_label("IIN")
    expect(iin_box).to_be_focused()
    page.keyboard.type(iin)
    page.keyboard.press("Enter")
    s2 = page.get_by_label("S2 Registration of job seekers as unemployed")
    choose_radio(page, s2)
    expect(s2).to_be_checked()
    press(page, page.get_by_role("button", name="Start intake"))
    expect(page.get_by_role("heading", name="Intake of documents")).to_be_visible()


def clerk_registers_and_refuses(page: Page, walk_in: Applicant, refused: Applicant) -> tuple[str, str]:
    start_intake(page, walk_in.iin)
    rows = page.locator("table.checklist tbody tr").filter(has_text="mandatory")
    for index in range(rows.count()):
        row = rows.nth(index)
        checkbox = row.get_by_role("checkbox")
        press(page, checkbox, "Space")
        expect(checkbox).to_be_checked()
        type_into(page, row.get_by_label("Document number"), f"N0123456{index}")
        issued = row.get_by_label("Issued on")
        type_into(page, issued, "01152020")
        expect(issued).to_have_value("2020-01-15")
        valid_until = row.get_by_label("Valid until")
        if valid_until.count():
            type_into(page, valid_until, "12312099")
            expect(valid_until).to_have_value("2099-12-31")
    register = page.get_by_role("button", name="Register")
    tab_to(page, register)
    assert_focus_visible(register)
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Registered under number AKT-\d{4}-\d{6}"))).to_be_visible()
    registered = page.get_by_role("heading", level=1).locator(".number").inner_text()

    # Back to the desk by the staff menu (Shift+Tab from the page), the next walk-in.
    press(page, nav_link(page, "Intake desk"), backwards=True)
    start_intake(page, refused.iin)
    summary = page.get_by_text("Refuse intake (incomplete package or expired document)")
    press(page, summary)
    ground = page.get_by_role("radio").first
    choose_radio(page, ground)
    expect(ground).to_be_checked()
    type_into(page, page.get_by_label("Reason, as the applicant will read it"), "Нет удостоверения личности.")
    press(page, page.get_by_role("button", name="Refuse intake and print the receipt"))
    expect(page.get_by_text(re.compile(r"Intake refused under number AKT-\d{4}-\d{6}"))).to_be_visible()
    refused_number = page.get_by_role("heading", level=1).locator(".number").inner_text()
    receipt = page.get_by_role("link", name="Receipt (PDF)")
    tab_to(page, receipt)
    with page.expect_response(re.compile(r"/receipt/\d+\.pdf$")) as response:
        page.keyboard.press("Enter")
    # Chromium opens it in its PDF viewer (no download): the response is the PDF.
    assert response.value.ok and response.value.headers["content-type"] == "application/pdf"
    return registered, refused_number


def executor_takes_and_signs(page: Page, number: str, text: str) -> None:
    press(page, page.get_by_role("button", name=re.compile("Take next")))
    expect(page.get_by_text(f"You took {number}.")).to_be_visible()
    type_into(page, page.get_by_label("Text of the result"), text)
    press(page, page.get_by_role("button", name="Prepare for signing"))
    heading = page.get_by_role("heading", name="Check the result and sign it")
    expect(heading).to_be_focused()
    press(page, page.get_by_role("button", name="Sign with NCALayer"))
    expect(page.get_by_text("The result is signed.")).to_be_visible()


def clerk_issues(page: Page, number: str) -> None:
    press(page, nav_link(page, "Issuance"))
    press(page, page.get_by_role("link", name=number))
    expect(page.get_by_role("heading", name="Issue against signature")).to_be_visible()
    type_into(page, page.get_by_label("Number of the recipient's identity document"), "N 012345678")
    journal_signed = page.get_by_label("The recipient has signed the service journal")
    press(page, journal_signed, "Space")
    expect(journal_signed).to_be_checked()
    press(page, page.get_by_role("button", name=re.compile(r"^Issue\b")))
    expect(page.get_by_text("Issued; the journal entry is recorded.")).to_be_visible()
    press(page, nav_link(page, "Service journal"), backwards=True)
    expect(page.get_by_role("heading", name="Service journal")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=number)).to_contain_text("N 012345678")


def supervisor_reads_and_downloads(page: Page) -> bytes:
    press(page, nav_link(page, "Registers"))
    expect(page).to_have_url(re.compile(r"/staff/registers/"))
    press(page, nav_link(page, "Referrals"), backwards=True)
    expect(page).to_have_url(re.compile(r"/staff/referrals/"))
    press(page, nav_link(page, "Reports"), backwards=True)
    expect(page).to_have_url(re.compile(r"/staff/reports/"))
    csv = page.get_by_role("link", name="Download CSV")
    tab_to(page, csv)
    assert_focus_visible(csv)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    return download.value.path().read_bytes()


def test_every_flow_is_done_with_the_keyboard_alone(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    settings: Any,
    aktau: Office,
    citizen: User,
    clerk: User,
    executor: User,
    supervisor: User,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    ca = trusted_test_ca()
    applicant = Applicant.objects.get(user=citizen)
    citizen_key = issue_certificate(
        ca=ca,
        iin=applicant.iin,
        surname=applicant.last_name,
        given_names=applicant.first_name,
        patronymic=applicant.patronymic,
        purpose="sign",
    )
    keys = [
        standin.StandIn(key=citizen_key.key, certificate=citizen_key.certificate),
        standin.load_staff_stand_in(executor.get_username()),
    ]
    walk_in, refused = ApplicantFactory(), ApplicantFactory()
    pages: list[Page] = []
    try:
        with ncalayer_stand_in(keys, settings):
            citizen_page = new_page(browser, browser_context_args, live_server)
            pages.append(citizen_page)
            filed = citizen_files_and_signs(citizen_page, live_server, citizen, aktau)

            clerk_page = new_page(browser, browser_context_args, live_server)
            pages.append(clerk_page)
            staff_log_in(clerk_page, live_server, clerk.username)
            registered, refused_number = clerk_registers_and_refuses(clerk_page, walk_in, refused)

            executor_page = new_page(browser, browser_context_args, live_server)
            pages.append(executor_page)
            staff_log_in(executor_page, live_server, executor.username)
            executor_takes_and_signs(executor_page, filed, "Вы зарегистрированы как ищущий работу.")
            press(executor_page, nav_link(executor_page, "Work queue"), backwards=True)
            executor_takes_and_signs(executor_page, registered, "Зарегистрирован в качестве безработного.")

            # The receipt left the clerk's tab in Chromium's PDF viewer: a new tab, same session.
            issuer_page = clerk_page.context.new_page()
            issuer_page.goto(f"{live_server.url}{reverse('services:desk')}")
            clerk_issues(issuer_page, registered)

            supervisor_page = new_page(browser, browser_context_args, live_server)
            pages.append(supervisor_page)
            staff_log_in(supervisor_page, live_server, supervisor.username)
            report = supervisor_reads_and_downloads(supervisor_page)

            own_data = citizen_downloads_own_data(citizen_page, live_server)
    finally:
        for page in pages:
            page.context.close()

    states = dict(Application.objects.values_list("number", "state"))
    assert states == {
        filed: State.ISSUED,  # P10: a portal result is delivered on signing
        registered: State.ISSUED,
        refused_number: State.INTAKE_REFUSED,
    }
    assert report.strip()
    assert filed in json.dumps(own_data, ensure_ascii=False)
