"""Hostile text posted into every form (issue 6, Security; DESIGN §6): the
citizen's sign-up and login, the staff login, the cabinet's new request,
its draft and its uploads' names, the desk (applicant record and intake
start), the intake checklist and its refusal, the executor's refusal, the
referral outcome, the closing of a register entry and the verification
page. For every example: never a 5xx and nothing shown unescaped; the post
is either saved (and its page shows it escaped) or refused with a message
and nothing saved.

Each example runs in a savepoint rolled back afterwards, so every example
meets the same objects (a received application, a draft, a referral …).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from applicants.models import Applicant, User
from audit.models import AuditEntry
from registry.models import Referral, RegisterEntry
from reglament.models import Office
from services import services as svc
from services.constants import GroundStage, State
from services.models import Application, Attachment, RefusalGround
from tests.factories import ApplicantFactory, valid_iin
from tests.flows import desk_application
from tests.registry.conftest import listed
from tests.security.hostile import HOSTILE, hostile_text, shown_raw

pytestmark = pytest.mark.django_db

REFUSED = ("alert-danger", "invalid-feedback", "alert-warning")


@contextmanager
def rolled_back() -> Iterator[None]:
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


def browser(user: User | None = None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def rows(*models: type[Model]) -> tuple[int, ...]:
    return tuple(model.objects.count() for model in models)


def assert_answered(client: Client, response: Any, *, saved: bool) -> None:
    """No 5xx, nothing raw; refused with a message when nothing was saved."""
    assert response.status_code < 500
    pages = [response]
    if response.status_code in (301, 302, 303) and response["Location"].startswith("/"):
        pages.append(client.get(response["Location"]))
    for page in pages:
        assert page.status_code < 500
        if page.get("Content-Type", "").startswith("text/html"):
            html = page.content.decode()
            assert not shown_raw(html)
    if not saved:
        shown = "".join(
            p.content.decode() for p in pages if p.get("Content-Type", "").startswith("text/html")
        )
        assert any(mark in shown for mark in REFUSED) or response.status_code in (400, 403, 404, 405)


@dataclass
class Desk:
    clerk: User
    executor: User
    supervisor: User
    citizen: User
    applicant: Applicant
    received: Application
    in_review: Application
    draft: Application
    referral: Referral
    entry: RegisterEntry


@pytest.fixture
def desk(
    settings: Any,
    tmp_path: Path,
    clerk: User,
    executor: User,
    supervisor: User,
    citizen: User,
    applicant: Applicant,
    aktau: Office,
) -> Desk:
    settings.MEDIA_ROOT = tmp_path / "media"
    received = desk_application(clerk=clerk, applicant=ApplicantFactory())
    in_review = desk_application(
        clerk=clerk, applicant=ApplicantFactory(), executor=executor, service_code="S1", until=State.IN_REVIEW
    )
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    referred = svc.application_receive(
        clerk=clerk, applicant_id=ApplicantFactory().pk, service_code="S3", measure_kind="public_works"
    )
    referral = Referral.objects.create(
        application=referred,
        applicant=referred.applicant,
        office_id=referred.office_id,
        kind="public_works",
        issued_on=referred.created_at.date(),
    )
    entry = listed(ApplicantFactory(), clerk=clerk)
    return Desk(
        clerk=clerk,
        executor=executor,
        supervisor=supervisor,
        citizen=citizen,
        applicant=applicant,
        received=received,
        in_review=in_review,
        draft=draft,
        referral=referral,
        entry=entry,
    )


def maybe(valid: Any) -> st.SearchStrategy[Any]:
    """A valid value or a hostile one."""
    return st.one_of(st.just(valid), hostile_text)


# --- the citizen's door ------------------------------------------------------------


@given(
    last_name=hostile_text,
    first_name=maybe("Айжан"),
    patronymic=hostile_text,
    phone=maybe("+7 701 234 56 78"),
    email=maybe("aizhan@example.kz"),
)
@HOSTILE
def test_citizen_sign_up_saves_or_refuses_hostile_text(
    db: None, last_name: str, first_name: str, patronymic: str, phone: str, email: str
) -> None:
    with rolled_back():
        client = browser()
        before = rows(User, Applicant)
        response = client.post(
            "/cabinet/register/",
            {
                "iin": valid_iin(),
                "last_name": last_name,
                "first_name": first_name,
                "patronymic": patronymic,
                "phone": phone,
                "email": email,
                "password": "a long enough passphrase 42",
                "password_confirmation": "a long enough passphrase 42",
            },
        )
        after = rows(User, Applicant)
        saved = after != before
        assert not saved or after == (before[0] + 1, before[1] + 1)  # both or neither
        assert_answered(client, response, saved=saved)
        if saved:
            person = Applicant.objects.order_by("-pk").first()
            assert person is not None and "\x00" not in person.last_name + person.patronymic


@given(iin=maybe(valid_iin()), password=hostile_text)
@HOSTILE
def test_citizen_login_refuses_hostile_text(db: None, citizen: User, iin: str, password: str) -> None:
    with rolled_back():
        client = browser()
        response = client.post("/cabinet/login/", {"iin": iin, "password": password})
        assert "_auth_user_id" not in client.session
        assert_answered(client, response, saved=False)


@given(username=maybe("clerk.aktau"), password=hostile_text, next_url=hostile_text)
@HOSTILE
def test_staff_login_refuses_hostile_text(
    db: None, clerk: User, username: str, password: str, next_url: str
) -> None:
    with rolled_back():
        client = browser()
        response = client.post(
            "/staff/login/", {"username": username, "password": password, "next": next_url}
        )
        assert "_auth_user_id" not in client.session
        assert_answered(client, response, saved=False)


# --- the cabinet ----------------------------------------------------------------------


@given(service=maybe("S1"), office=hostile_text, measure_kind=hostile_text)
@HOSTILE
def test_a_new_request_with_hostile_choices_is_refused(
    desk: Desk, service: str, office: str, measure_kind: str
) -> None:
    with rolled_back():
        client = browser(desk.citizen)
        before = rows(Application)
        response = client.post(
            "/cabinet/requests/new/", {"service": service, "office": office, "measure_kind": measure_kind}
        )
        assert rows(Application) == before
        assert_answered(client, response, saved=False)


@given(
    specialty=hostile_text,
    work_history=hostile_text,
    desired_job=hostile_text,
    education_level=maybe("secondary"),
)
@HOSTILE
def test_the_draft_form_saves_or_refuses_hostile_text(
    desk: Desk, specialty: str, work_history: str, desired_job: str, education_level: str
) -> None:
    with rolled_back():
        client = browser(desk.citizen)
        before = dict(Application.objects.get(pk=desk.draft.pk).data)
        response = client.post(
            f"/cabinet/requests/{desk.draft.pk}/edit/",
            {
                "office": str(desk.draft.office_id),
                "education_level": education_level,
                "specialty": specialty,
                "work_history": work_history,
                "desired_job": desired_job,
                "save": "1",
            },
        )
        data = Application.objects.get(pk=desk.draft.pk).data
        saved = data != before
        assert_answered(client, response, saved=saved)
        if saved:
            assert "\x00" not in str(data)
            page = client.get(f"/cabinet/requests/{desk.draft.pk}/edit/")
            assert page.status_code == 200 and not shown_raw(page.content.decode())


@given(name=hostile_text, document=maybe("first"))
@HOSTILE
def test_an_upload_with_a_hostile_file_name_is_saved_safely_or_refused(
    desk: Desk, name: str, document: str
) -> None:
    with rolled_back():
        client = browser(desk.citizen)
        first = svc.required_documents(desk.draft)[0]
        before = rows(Attachment)
        upload = SimpleUploadedFile(f"{name[:200]}.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        prefix = f"doc-{first.pk}"
        response = client.post(
            f"/cabinet/requests/{desk.draft.pk}/attachments/",
            {
                "document": str(first.pk) if document == "first" else document,
                f"{prefix}-document": str(first.pk) if document == "first" else document,
                f"{prefix}-file": upload,
            },
        )
        saved = rows(Attachment) != before
        assert_answered(client, response, saved=saved)
        for attachment in Attachment.objects.filter(application=desk.draft):
            stored = attachment.file.name
            assert ".." not in Path(stored).parts and "\x00" not in stored
            assert "\x00" not in attachment.original_name


# --- the desk ---------------------------------------------------------------------------


@given(
    last_name=hostile_text,
    first_name=maybe("Ерлан"),
    patronymic=hostile_text,
    phone=hostile_text,
    email=maybe(""),
    address=hostile_text,
    birth_date=maybe("1990-05-01"),
)
@HOSTILE
def test_the_desk_saves_or_refuses_a_hostile_applicant_record(
    desk: Desk,
    last_name: str,
    first_name: str,
    patronymic: str,
    phone: str,
    email: str,
    address: str,
    birth_date: str,
) -> None:
    with rolled_back():
        client = browser(desk.clerk)
        iin = valid_iin()
        before = rows(Applicant)
        response = client.post(
            f"/staff/desk/?iin={iin}",
            {
                "action": "create-applicant",
                "iin": iin,
                "last_name": last_name,
                "first_name": first_name,
                "patronymic": patronymic,
                "birth_date": birth_date,
                "phone": phone,
                "email": email,
                "address": address,
            },
        )
        saved = rows(Applicant) != before
        assert_answered(client, response, saved=saved)
        if saved:
            person = Applicant.objects.get(iin=iin)
            assert "\x00" not in person.last_name + person.address + person.phone


@given(applicant=hostile_text, service=maybe("S2"), measure_kind=hostile_text)
@HOSTILE
def test_starting_an_intake_with_hostile_values_is_refused(
    desk: Desk, applicant: str, service: str, measure_kind: str
) -> None:
    with rolled_back():
        client = browser(desk.clerk)
        before = rows(Application)
        response = client.post(
            "/staff/desk/",
            {
                "action": "start-intake",
                "applicant": applicant,
                "service": service,
                "measure_kind": measure_kind,
            },
        )
        assert rows(Application) == before
        assert_answered(client, response, saved=False)


@given(
    number=hostile_text,
    issued_on=maybe("2020-01-01"),
    expires_on=hostile_text,
    document=hostile_text,
    reason=hostile_text,
    refuse=st.booleans(),
)
@HOSTILE
def test_the_intake_checklist_and_its_refusal_save_or_refuse_hostile_text(
    desk: Desk, number: str, issued_on: str, expires_on: str, document: str, reason: str, refuse: bool
) -> None:
    with rolled_back():
        client = browser(desk.clerk)
        application = desk.received
        documents = svc.required_documents(application)
        data: dict[str, str] = {"action": "refuse" if refuse else "register", "reason": reason}
        ground = RefusalGround.objects.filter(stage=GroundStage.INTAKE).first()
        data["ground"] = str(ground.pk) if ground is not None else ""
        for index, required in enumerate(documents):
            prefix = f"doc-{required.pk}"
            data[f"{prefix}-document"] = document if index == 0 else str(required.pk)
            data[f"{prefix}-presented"] = "on"
            data[f"{prefix}-number"] = number
            data[f"{prefix}-issued_on"] = issued_on
            data[f"{prefix}-expires_on"] = expires_on
        response = client.post(f"/staff/desk/intake/{application.pk}/", data)
        state = Application.objects.get(pk=application.pk).state
        saved = state != State.RECEIVED
        assert_answered(client, response, saved=saved)
        if saved:
            page = client.get(f"/staff/requests/{application.pk}/")
            assert page.status_code == 200 and not shown_raw(page.content.decode())


# --- the executor, the registers, the referrals -------------------------------------------


@given(ground=hostile_text, valid_ground=st.booleans(), reason=hostile_text)
@HOSTILE
def test_an_executor_refusal_with_hostile_text_is_signed_or_refused(
    desk: Desk, ground: str, valid_ground: bool, reason: str
) -> None:
    with rolled_back():
        client = browser(desk.executor)
        application = desk.in_review
        real = RefusalGround.objects.filter(stage=GroundStage.REVIEW).first()
        posted = str(real.pk) if valid_ground and real is not None else ground
        response = client.post(
            f"/staff/requests/{application.pk}/refuse/", {"ground": posted, "reason": reason}
        )
        saved = Application.objects.get(pk=application.pk).state != State.IN_REVIEW
        assert_answered(client, response, saved=saved)


@given(outcome=maybe("hired"), reason=hostile_text)
@HOSTILE
def test_a_referral_outcome_with_hostile_text_is_saved_or_refused(
    desk: Desk, outcome: str, reason: str
) -> None:
    with rolled_back():
        client = browser(desk.clerk)
        before = Referral.objects.get(pk=desk.referral.pk).outcome
        response = client.post(
            f"/staff/referrals/{desk.referral.pk}/outcome/", {"outcome": outcome, "reason": reason}
        )
        saved = Referral.objects.get(pk=desk.referral.pk).outcome != before
        assert_answered(client, response, saved=saved)
        if saved:
            page = client.get("/staff/referrals/")
            assert page.status_code == 200 and not shown_raw(page.content.decode())


@given(reason=hostile_text, closed_on=maybe("2026-01-01"))
@HOSTILE
def test_closing_a_register_entry_with_hostile_values_is_refused(
    desk: Desk, reason: str, closed_on: str
) -> None:
    with rolled_back():
        client = browser(desk.clerk)
        response = client.post(
            f"/staff/registers/{desk.entry.pk}/close/", {"reason": reason, "closed_on": closed_on}
        )
        assert RegisterEntry.objects.get(pk=desk.entry.pk).closed_on is None
        assert_answered(client, response, saved=False)


@given(code=hostile_text, name=hostile_text)
@HOSTILE
def test_the_verification_form_refuses_a_hostile_upload(db: None, code: str, name: str) -> None:
    with rolled_back():
        client = browser()
        before = rows(AuditEntry)
        response = client.post(
            "/verify/NO-SUCH-DOCUMENT/",
            {
                "code": code,
                "pdf": SimpleUploadedFile(
                    f"{name[:200]}.pdf", b"%PDF-1.4\n" + code.encode("utf-8", "replace")
                ),
            },
        )
        assert response.status_code in (200, 400, 404, 422)
        assert not shown_raw(response.content.decode())
        assert rows(AuditEntry) >= before
