"""No script runs in the browser (issue 6, Security): hostile payloads are
saved through the real forms — a citizen's name at sign-up and the answers
of a draft, an applicant's record and a document number at the desk — and
the service layer adds a refusal reason, a referral outcome, an issuance
and a result; then every page that shows them is opened, staff and
citizen, and in each ``window.__pwned`` stays undefined, no dialog opens
and the payload is shown as the text it is. A ``javascript:`` URL as the
login pages' ``next`` leads nowhere."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from applicants.models import Applicant, User
from registry.models import Referral
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.documents import result_document_render
from services.models import Application
from tests.e2e.conftest import BROWSER_TEST, PASSWORD
from tests.e2e.test_staff_flows import fill_mandatory_documents, state_badge
from tests.factories import valid_iin
from tests.flows import desk_application, ground
from tests.registry.conftest import listed

pytestmark = BROWSER_TEST

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '"><img src=x onerror="window.__pwned=1">'
SVG = "<svg onload=window.__pwned=1>"
JS_URL = "javascript:window.__pwned=1"
# Short enough for a document number (64) and a name (150).
NUMBER = "<svg/onload=window.__pwned=1>"


def watch(page: Page) -> list[str]:
    """Every dialog the page opens (alert, confirm, prompt), dismissed."""
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def assert_inert(page: Page, dialogs: list[str], *shown: str) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined", page.url
    assert not dialogs, (page.url, dialogs)
    body = page.locator("body").inner_text()
    for text in shown:
        assert text in body, (page.url, text)


def register_citizen(page: Page, live_server: LiveServer, iin: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}{reverse('cabinet:register')}")
    page.get_by_label("IIN").fill(iin)
    page.get_by_label("Last name").fill("Серикова" + SCRIPT)
    page.get_by_label("First name").fill(IMG)
    page.get_by_label("Patronymic (optional)").fill(SVG)
    page.get_by_label("Mobile phone").fill("+7 701 234 56 78")
    page.get_by_label("E-mail").fill("aigerim@example.kz")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_hostile_text_saved_through_the_forms_never_runs_as_script(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    open_as: Callable[[str], Page],
    settings: Any,
    tmp_path: Any,
    clerk: User,
    executor: User,
    supervisor: User,
    aktau: Office,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"

    # The citizen signs up with hostile names and saves hostile answers.
    context = browser.new_context(**browser_context_args)
    citizen_page = context.new_page()
    citizen_dialogs = watch(citizen_page)
    register_citizen(citizen_page, live_server, valid_iin())
    assert_inert(citizen_page, citizen_dialogs)
    citizen_page.get_by_role("link", name="Start a new request").first.click()
    citizen_page.locator("label", has_text="S1").click()
    citizen_page.get_by_label("Office of the employment centre").select_option(str(aktau.pk))
    citizen_page.get_by_role("button", name="Start the request").click()
    citizen_page.get_by_label("Specialty or profession").fill(IMG)
    citizen_page.get_by_role("textbox", name="Work history (optional)").fill(SCRIPT + JS_URL)
    citizen_page.get_by_label("Desired job").fill(SVG)
    citizen_page.get_by_role("button", name="Save answers").click()
    assert_inert(citizen_page, citizen_dialogs)
    draft = Application.objects.get(channel="portal")
    assert draft.data["specialty"] == IMG

    # The clerk creates a hostile applicant record at the desk and registers an S2 package
    # with a hostile document number.
    desk = open_as(clerk.username)
    desk_dialogs = watch(desk)
    desk.get_by_label("IIN").press_sequentially(valid_iin())
    desk.keyboard.press("Enter")
    expect(desk.get_by_role("heading", name="No record with this IIN: create it")).to_be_visible()
    desk.get_by_label("Last name").fill("Абдуллаева" + SCRIPT)
    desk.get_by_label("First name").fill(IMG)
    desk.get_by_label("Patronymic").fill(SVG)
    desk.get_by_label("Address").fill(SCRIPT + IMG)
    desk.get_by_role("button", name="Create the record").click()
    expect(desk.get_by_text("The applicant's record is created.")).to_be_visible()
    assert_inert(desk, desk_dialogs, "Абдуллаева" + SCRIPT)
    desk.get_by_label("S2 Registration of job seekers as unemployed").check()
    desk.get_by_role("button", name="Start intake").click()
    fill_mandatory_documents(desk, identity_expires=timezone.localdate() + datetime.timedelta(days=365))
    desk.locator("table.checklist tbody tr").filter(has_text="mandatory").first.get_by_label(
        "Document number"
    ).fill(NUMBER)
    desk.get_by_role("button", name="Register").click()
    expect(state_badge(desk)).to_have_text("Registered")
    assert_inert(desk, desk_dialogs, NUMBER, "Абдуллаева" + SCRIPT)
    walk_in = Application.objects.get(service__code="S2", state=State.REGISTERED)
    hostile = walk_in.applicant

    # Through the service layer: a refusal with a hostile reason, an issued result with a
    # hostile recipient document, a register entry and a referral with a hostile reason.
    refused = desk_application(
        clerk=clerk, applicant=hostile, executor=executor, service_code="S1", until=State.IN_REVIEW
    )
    svc.application_refuse(
        application_id=refused.pk,
        executor=executor,
        ground_id=ground("unreliable-documents").pk,
        reason=SCRIPT + IMG,
    )
    issued = desk_application(clerk=clerk, applicant=hostile, executor=executor, until=State.RESULT_SIGNED)
    svc.application_issue(application_id=issued.pk, clerk=clerk, recipient_document=NUMBER)
    rendered = result_document_render(result_id=Application.objects.get(pk=issued.pk).result.pk)
    listed(hostile, clerk=clerk)
    referred = svc.application_receive(
        clerk=clerk, applicant_id=hostile.pk, service_code="S3", measure_kind="public_works"
    )
    referral = Referral.objects.create(
        application=referred,
        applicant=hostile,
        office_id=referred.office_id,
        kind="public_works",
        issued_on=referred.created_at.date(),
    )
    queued = Applicant.objects.create(iin=valid_iin(), last_name=SCRIPT, first_name=IMG, patronymic=SVG)
    desk_application(clerk=clerk, applicant=queued, until=State.REGISTERED)

    # The clerk records the referral's outcome with a hostile reason, through its form.
    desk.goto(f"{live_server.url}{reverse('services:referral-outcome', args=[referral.pk])}")
    desk.get_by_label("Not hired").check()
    desk.get_by_label("Reason").fill(SCRIPT + SVG)
    desk.get_by_role("button", name="Record the outcome").click()
    expect(desk).to_have_url(re.compile(r"/staff/referrals/"))
    assert Referral.objects.get(pk=referral.pk).outcome_reason == SCRIPT + SVG

    # Every page that shows them.
    name = "Абдуллаева" + SCRIPT
    for path, texts in [
        (reverse("services:application", args=[walk_in.pk]), [name, NUMBER]),
        (reverse("services:application", args=[refused.pk]), [name, SCRIPT + IMG]),
        (reverse("services:application", args=[issued.pk]), [name]),
        (reverse("services:journal"), [NUMBER]),
        (reverse("services:registers"), [name]),
        (reverse("services:referrals"), [name, SCRIPT + SVG]),
        (reverse("services:issuance"), []),
        (reverse("services:desk") + f"?iin={hostile.iin}", [name]),
    ]:
        desk.goto(f"{live_server.url}{path}")
        assert_inert(desk, desk_dialogs, *texts)

    queue = open_as(executor.username)
    queue_dialogs = watch(queue)
    queue.goto(f"{live_server.url}{reverse('services:queue')}")
    assert_inert(queue, queue_dialogs, SCRIPT)

    boss = open_as(supervisor.username)
    boss_dialogs = watch(boss)
    for path in [reverse("services:dashboard"), reverse("services:reports")]:
        boss.goto(f"{live_server.url}{path}")
        assert_inert(boss, boss_dialogs)

    for path, texts in [
        (reverse("cabinet-requests:list"), []),
        (reverse("cabinet-requests:detail", args=[draft.pk]), []),
        (reverse("cabinet-requests:edit", args=[draft.pk]), []),
    ]:
        citizen_page.goto(f"{live_server.url}{path}")
        assert_inert(citizen_page, citizen_dialogs, *texts)
    expect(citizen_page.get_by_label("Specialty or profession")).to_have_value(IMG)

    visitor = context.new_page()
    visitor_dialogs = watch(visitor)
    visitor.goto(f"{live_server.url}{reverse('verify:document', args=[rendered.code])}")
    assert_inert(visitor, visitor_dialogs)
    visitor.goto(f"{live_server.url}/verify/{SVG.replace('/', '')}/")
    assert_inert(visitor, visitor_dialogs)
    context.close()


@pytest.mark.parametrize("door", ["applicants:staff-login", "cabinet:login"])
def test_a_javascript_url_as_next_leads_nowhere(
    page: Page, live_server: LiveServer, door: str, clerk: User
) -> None:
    dialogs = watch(page)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}{reverse(door)}?next={JS_URL}")
    if door == "applicants:staff-login":
        page.get_by_label("Username").fill(clerk.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main").get_by_role("button", name="Log in").click()
        expect(page.get_by_role("navigation", name="Staff pages")).to_be_visible()
    assert re.match(rf"{re.escape(live_server.url)}/", page.url)
    assert_inert(page, dialogs)
