"""The citizen's whole journey in a real browser (issue "The citizen
e-service portal", acceptance 1): register, log in, file S3 with two
documents, sign through NCALayer (the development stand-in with the
citizen's key from the test CA), see the request registered with its number
and clock; an executor takes it and signs a referral in the browser; the
citizen downloads the result and its ``.p7s``, and ``openssl cms -verify``
accepts them against the test CA."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from applicants.models import User
from pki.ca import issue_certificate
from registry.models import Employer, Vacancy
from reglament.models import Office
from services.constants import State
from services.management.commands import ncalayer_standin as standin
from services.models import Application
from tests.e2e.conftest import BROWSER_TEST, log_in, ncalayer_stand_in
from tests.flows import desk_application
from tests.signing import trusted_test_ca

pytestmark = BROWSER_TEST

IIN = "990106300596"  # a published example (DOMAIN.md)
PASSWORD = "Saule-Kaspiy-2026!"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def register_and_log_in(page: Page, live_server: LiveServer) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/cabinet/register/")
    page.get_by_label("IIN").fill(IIN)
    page.get_by_label("Last name").fill("Серикова")
    page.get_by_label("First name").fill("Айгерим")
    page.get_by_label("Patronymic (optional)").fill("Бауыржановна")
    page.get_by_label("Mobile phone").fill("+7 701 234 56 78")
    page.get_by_label("E-mail").fill("aigerim@example.kz")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # P2/P3: out, and in again with the IIN and the password.
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/cabinet/login/")
    page.get_by_label("IIN").fill(IIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_citizen_files_s3_signs_it_and_verifies_the_executors_signed_referral(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    settings: Any,
    aktau: Office,
    clerk: User,
    executor: User,
    tmp_path: Path,
) -> None:
    ca = trusted_test_ca()
    employer = Employer.objects.create(name_ru="ТОО «Каспий Сервис»", bin="081140000436")
    Vacancy.objects.create(
        employer=employer,
        office=aktau,
        position_ru="Сварщик",
        monthly_salary=300000,
        places=2,
        opened_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    citizen_key = issue_certificate(
        ca=ca, iin=IIN, surname="Серикова", given_names="Айгерим", patronymic="Бауыржановна", purpose="sign"
    )
    keys = [
        standin.StandIn(key=citizen_key.key, certificate=citizen_key.certificate),
        standin.load_staff_stand_in(executor.get_username()),
    ]
    citizen_context = browser.new_context(**browser_context_args, accept_downloads=True)
    staff_context = browser.new_context(**browser_context_args)
    try:
        with ncalayer_stand_in(keys, settings):
            page = citizen_context.new_page()
            register_and_log_in(page, live_server)

            # P5: a new S3 request, a referral to employment, with two documents.
            page.get_by_role("link", name="Start a new request").first.click()
            page.locator("label", has_text="S3").click()
            page.get_by_label("Office of the employment centre").select_option(str(aktau.pk))
            page.get_by_label("Referral to employment").check()
            page.get_by_role("button", name="Start the request").click()
            page.get_by_label(re.compile("Сварщик")).check()
            page.get_by_role("button", name="Save answers").click()
            for index, name in enumerate(["application.pdf", "identity-card.pdf"]):
                slot = page.locator("#documents form[enctype='multipart/form-data']").nth(index)
                slot.locator("input[type=file]").set_input_files(
                    {"name": name, "mimeType": "application/pdf", "buffer": PDF}
                )
                slot.get_by_role("button", name=re.compile("^Attach")).click()
                expect(page.locator("#documents")).to_contain_text(name)
            page.get_by_role("button", name="Save and continue to signing").click()

            # P5–P8: signed through NCALayer, registered at once with its clock.
            expect(page.get_by_role("heading", name="Sign your request")).to_be_visible()
            page.get_by_role("button", name="Sign and send").click()
            number = page.locator("#request-number")
            expect(number).to_have_text(re.compile(r"^AKT-\d{4}-\d{6}$"))
            expect(page.get_by_text("Registered").first).to_be_visible()
            expect(page.get_by_text("15 minutes").first).to_be_visible()
            application = Application.objects.get(applicant__iin=IIN)
            assert application.state == State.REGISTERED
            assert number.text_content() == application.number

            # Issue 5, item 4: a referral to employment is for a person on the
            # job-seeker register; she was registered at the desk (S1) earlier.
            desk_application(
                clerk=clerk,
                executor=executor,
                applicant=application.applicant,
                service_code="S1",
                until=State.RESULT_SIGNED,
            )

            # The executor takes it and signs a referral with NCALayer in the browser.
            staff = staff_context.new_page()
            log_in(staff, live_server, executor.get_username())
            staff.goto(f"{live_server.url}/staff/queue/")
            staff.get_by_role("button", name=re.compile("Take next")).click()
            expect(staff.get_by_role("heading", level=1)).to_contain_text(application.number)
            staff.get_by_label("Text of the result").fill("Направляется на собеседование к работодателю.")
            staff.get_by_label("Vacancy").select_option(index=1)
            staff.get_by_role("button", name="Prepare for signing").click()
            staff.get_by_role("button", name="Sign with NCALayer").click()
            expect(staff.get_by_text("The result is signed.")).to_be_visible()

            # P10: the citizen sees the result and downloads it with its signature.
            page.reload()
            expect(page.get_by_role("heading", name="Result", exact=True)).to_be_visible()
            with page.expect_download() as document_download:
                page.get_by_role("link", name="Download the signed document").click()
            with page.expect_download() as signature_download:
                page.get_by_role("link", name="Download its signature (.p7s)").click()
            document = tmp_path / "result.json"
            signature = tmp_path / "result.json.p7s"
            document_download.value.save_as(document)
            signature_download.value.save_as(signature)
    finally:
        citizen_context.close()
        staff_context.close()

    application.refresh_from_db()
    assert application.state == State.ISSUED
    assert document.read_bytes() == bytes(application.result.content)
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(ca.certificate.public_bytes(Encoding.PEM))
    openssl = shutil.which("openssl")
    assert openssl is not None
    verified = subprocess.run(  # noqa: S603 - fixed arguments
        [
            openssl,
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(signature),
            "-content",
            str(document),
            "-CAfile",
            str(ca_pem),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr


def tab_to(page: Page, target: Any, *, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} is not reached with Tab")


def test_the_filing_form_works_with_the_keyboard_alone(
    page: Page, live_server: LiveServer, aktau: Office, citizen: User
) -> None:
    from tests.e2e.conftest import PASSWORD as FACTORY_PASSWORD

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/cabinet/login/")
    tab_to(page, page.get_by_label("IIN"))
    page.keyboard.type(citizen.iin or "")
    page.keyboard.press("Tab")
    page.keyboard.type(FACTORY_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    new_request = page.get_by_role("link", name="Start a new request").first
    tab_to(page, new_request)
    page.keyboard.press("Enter")
    s1 = page.get_by_role("radio", name=re.compile("S1"))
    tab_to(page, s1)
    page.keyboard.press("Space")
    expect(s1).to_be_checked()
    office = page.get_by_label("Office of the employment centre")
    tab_to(page, office)
    page.keyboard.press("ArrowDown")
    expect(office).to_have_value(str(aktau.pk))
    tab_to(page, page.get_by_role("button", name="Start the request"))
    page.keyboard.press("Enter")

    education = page.get_by_label("Level of education")
    tab_to(page, education)
    page.keyboard.press("ArrowDown")
    tab_to(page, page.get_by_label("Specialty or profession"))
    page.keyboard.type("электрик")
    tab_to(page, page.get_by_label("Desired job"))
    page.keyboard.type("Электромонтёр")
    tab_to(page, page.get_by_label("Desired monthly pay, tenge"))
    page.keyboard.type("250000")
    tab_to(page, page.get_by_role("button", name="Save answers"))
    page.keyboard.press("Enter")

    expect(page.get_by_text("Your answers were last saved on")).to_be_visible()
    application = Application.objects.get(applicant__user=citizen)
    assert application.state == State.DRAFT
    assert application.data["specialty"] == "электрик"
    assert application.data["desired_pay"] == 250000
    assert application.data["education_level"] == education.input_value()
