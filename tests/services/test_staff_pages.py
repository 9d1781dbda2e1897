"""The staff pages: desk, queue, request, issuance, journal, dashboard —
their bad inputs, their office scoping and their query counts."""

from __future__ import annotations

import datetime
import subprocess
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, User
from reglament.models import Office
from services import services as svc
from services.constants import Channel, State
from services.models import Application, PresentedDocument, RequiredDocument, Service
from tests.factories import ApplicantFactory
from tests.flows import desk_application, ground

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today  # noqa: DTZ011 - compared with local dates in forms


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def checklist_post(application: Application, **overrides: dict[str, Any]) -> dict[str, Any]:
    """A complete, valid paragraph-9 checklist as the desk form posts it."""
    data: dict[str, Any] = {"action": "register"}
    for document in svc.required_documents(application):
        prefix = f"doc-{document.pk}"
        data[f"{prefix}-document"] = document.pk
        if document.mandatory:
            data[f"{prefix}-presented"] = "on"
            data[f"{prefix}-number"] = "N012345678"
            data[f"{prefix}-issued_on"] = "2020-01-15"
            if document.expires:
                data[f"{prefix}-expires_on"] = (
                    timezone.localdate() + datetime.timedelta(days=365)
                ).isoformat()
    for name, values in overrides.items():
        document = RequiredDocument.objects.get(service=application.service, name_en__startswith=name)
        for key, value in values.items():
            data[f"doc-{document.pk}-{key}"] = value
    return data


# --- the desk ---------------------------------------------------------------------


def test_an_invalid_iin_is_refused_with_the_reason_and_kept_as_typed(client: Client, clerk: User) -> None:
    response = login(client, clerk).get(reverse("services:desk"), {"iin": "931002451326"})

    text = response.content.decode()
    assert "check digit" in text
    assert 'value="931002451326"' in text


def test_an_iin_is_checked_as_it_is_typed(client: Client, clerk: User) -> None:
    response = login(client, clerk).get(reverse("services:iin-check"), {"iin": "93100245"})

    assert "12 digits" in response.content.decode()


def test_an_unknown_iin_offers_to_create_the_record_and_the_clerk_creates_it(
    client: Client, clerk: User
) -> None:
    login(client, clerk)
    page = client.get(reverse("services:desk"), {"iin": "990106300596"})
    assert "No record with this IIN" in page.content.decode()

    response = client.post(
        f"{reverse('services:desk')}?iin=990106300596",
        {
            "action": "create-applicant",
            "iin": "990106300596",
            "last_name": "Абдуллаева",
            "first_name": "Дана",
        },
    )

    assert response.status_code == 302
    assert Applicant.objects.get(iin="990106300596").first_name == "Дана"


def test_a_birth_date_in_the_future_is_refused_and_no_record_is_made(client: Client, clerk: User) -> None:
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = login(client, clerk).post(
        reverse("services:desk"),
        {
            "action": "create-applicant",
            "iin": "990106300596",
            "last_name": "А",
            "first_name": "Б",
            "birth_date": future,
        },
    )

    assert "cannot be in the future" in response.content.decode()
    assert not Applicant.objects.filter(iin="990106300596").exists()


def test_the_clerk_starts_an_intake_and_registers_a_complete_package(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    login(client, clerk)
    response = client.post(
        reverse("services:desk"),
        {"action": "start-intake", "applicant": applicant.pk, "service": Service.objects.get(code="S2").pk},
    )
    application = Application.objects.get()
    assert response.url == reverse("services:intake", args=[application.pk])  # type: ignore[attr-defined]
    page = client.get(response.url)  # type: ignore[attr-defined]
    assert "working minutes left" in page.content.decode()

    registered = client.post(response.url, checklist_post(application))  # type: ignore[attr-defined]

    application.refresh_from_db()
    assert registered.status_code == 302
    assert application.state == State.REGISTERED
    assert application.presented_documents.filter(presented=True).count() == 2


def test_an_issue_date_in_the_future_is_refused_and_nothing_is_saved(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()

    response = login(client, clerk).post(
        reverse("services:intake", args=[application.pk]),
        checklist_post(application, Identity={"issued_on": future}),
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert "The issue date cannot be in the future." in text
    assert f'value="{future}"' in text  # kept as typed
    application.refresh_from_db()
    assert application.state == State.RECEIVED
    assert not PresentedDocument.objects.exists()


def test_an_expired_identity_document_is_not_registered_and_the_clerk_is_told_to_refuse_intake(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)

    response = login(client, clerk).post(
        reverse("services:intake", args=[application.pk]),
        checklist_post(application, Identity={"expires_on": "2025-01-31"}),
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert "Expired:" in text and "31.01.2025" in text
    assert "Refuse intake" in text
    application.refresh_from_db()
    assert application.state == State.RECEIVED
    assert application.number is None
    assert not PresentedDocument.objects.exists()


def test_a_double_submit_of_register_changes_nothing_the_second_time(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)
    login(client, clerk)
    url = reverse("services:intake", args=[application.pk])
    client.post(url, checklist_post(application))
    application.refresh_from_db()
    number = application.number

    second = client.post(url, checklist_post(application), follow=True)

    application.refresh_from_db()
    assert application.number == number
    assert "nothing was changed" in second.content.decode()
    assert Application.objects.exclude(number=None).count() == 1


def test_an_s2_intake_refused_for_an_expired_document_gives_a_receipt(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)
    post = checklist_post(application, Identity={"expires_on": "2025-01-31"})
    post.update(action="refuse", ground=ground("expired-document").pk, reason="Удостоверение просрочено.")

    response = login(client, clerk).post(reverse("services:intake", args=[application.pk]), post)

    application.refresh_from_db()
    assert response.status_code == 302
    assert application.state == State.INTAKE_REFUSED
    receipt = client.get(reverse("services:intake-receipt", args=[application.pk]))
    assert receipt["Content-Type"] == "application/pdf"
    text = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", "-layout", "-", "-"], input=receipt.content, capture_output=True, check=True
    ).stdout.decode()
    assert application.number in text
    assert "31.01.2025" in text


def test_a_complete_package_cannot_be_refused_at_intake(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)
    post = checklist_post(application)
    post.update(action="refuse", ground=ground("incomplete-package").pk, reason="x")

    response = login(client, clerk).post(reverse("services:intake", args=[application.pk]), post)

    assert response.status_code == 422
    assert "register it instead" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.RECEIVED


def test_a_file_that_is_not_a_pdf_or_an_image_is_refused(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    application = desk_application(clerk=clerk, applicant=applicant)
    post = checklist_post(application)
    identity = RequiredDocument.objects.get(service=application.service, name_en__startswith="Identity")
    post[f"doc-{identity.pk}-scan"] = SimpleUploadedFile(
        "passport.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"
    )

    response = login(client, clerk).post(reverse("services:intake", args=[application.pk]), post)

    assert response.status_code == 422
    assert "checked by their content" in response.content.decode()


# --- the queue, the request page, issuance ---------------------------------------------


def test_take_next_hands_out_the_most_urgent_request(client: Client, clerk: User, executor: User) -> None:
    first = desk_application(clerk=clerk, applicant=ApplicantFactory(), until=State.REGISTERED)
    desk_application(clerk=clerk, applicant=ApplicantFactory(), until=State.REGISTERED)

    response = login(client, executor).post(reverse("services:queue-take-next"))

    first.refresh_from_db()
    assert response.url == reverse("services:application", args=[first.pk])  # type: ignore[attr-defined]
    assert first.executor == executor


def test_take_next_on_an_empty_queue_says_so(client: Client, executor: User) -> None:
    response = login(client, executor).post(reverse("services:queue-take-next"), follow=True)

    assert "no requests waiting" in response.content.decode()


def test_an_executor_signs_an_s3_referral_to_a_programme_and_a_place_is_taken(
    client: Client, clerk: User, executor: User, applicant: Applicant, aktau: Office
) -> None:
    from registry.models import Programme

    programme = Programme.objects.create(
        kind="public_works",
        office=aktau,
        name_ru="Общественные работы",
        places=2,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=90),
        monthly_pay=100000,
    )
    # Issue 5, item 4: a referral is for someone on the job-seeker register.
    desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.RESULT_SIGNED
    )
    application = desk_application(
        clerk=clerk,
        executor=executor,
        applicant=applicant,
        service_code="S3",
        measure_kind="public_works",
        until=State.IN_REVIEW,
    )

    response = login(client, executor).post(
        reverse("services:sign-result", args=[application.pk]),
        {"result_text": "Направление на общественные работы.", "programme": programme.pk},
    )

    assert response.status_code == 302
    application.refresh_from_db()
    programme.refresh_from_db()
    assert application.state == State.RESULT_SIGNED
    assert application.result.programme == programme
    assert programme.places_taken == 1


def test_a_referral_without_its_programme_is_refused_with_a_message(
    client: Client, clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(
        clerk=clerk,
        executor=executor,
        applicant=applicant,
        service_code="S3",
        measure_kind="social_jobs",
        until=State.IN_REVIEW,
    )

    response = login(client, executor).post(
        reverse("services:sign-result", args=[application.pk]), {"result_text": "Направление."}
    )

    assert response.status_code == 422
    assert "Choose the programme of the referral." in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW


def test_the_clerk_issues_a_result_and_it_appears_in_the_journal(
    client: Client, clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, until=State.RESULT_SIGNED
    )
    login(client, clerk)
    assert application.number in client.get(reverse("services:issuance")).content.decode()

    client.post(
        reverse("services:issue", args=[application.pk]),
        {"recipient_document": "N 012345678", "journal_signed": "on"},
    )

    application.refresh_from_db()
    assert application.state == State.ISSUED
    journal = client.get(reverse("services:journal")).content.decode()
    assert application.number in journal and "N 012345678" in journal
    pdf = client.get(reverse("services:journal-pdf"))
    assert pdf["Content-Type"] == "application/pdf"


def test_issuing_without_the_journal_signature_is_refused(
    client: Client, clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, until=State.RESULT_SIGNED
    )

    response = login(client, clerk).post(
        reverse("services:issue", args=[application.pk]), {"recipient_document": "N 012345678"}
    )

    assert response.status_code == 422
    application.refresh_from_db()
    assert application.state == State.RESULT_SIGNED


def test_a_journal_day_in_the_future_is_refused_with_a_message(client: Client, clerk: User) -> None:
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = login(client, clerk).get(reverse("services:journal"), {"day": future})

    assert "choose today or earlier" in response.content.decode()


def test_the_supervisor_sees_counts_overdue_steps_and_compliance(
    client: Client, clerk: User, executor: User, supervisor: User, applicant: Applicant
) -> None:
    desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.ISSUED)
    desk_application(clerk=clerk, applicant=ApplicantFactory(), until=State.REGISTERED)

    response = login(client, supervisor).get(reverse("services:dashboard"))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Compliance with the norms" in text
    assert "100%" in text


# --- roles and offices -------------------------------------------------------------------


OBJECT_PAGES = [
    ("get", "services:intake"),
    ("get", "services:intake-receipt"),
    ("get", "services:application"),
    ("post", "services:take"),
    ("post", "services:sign-result"),
    ("post", "services:refuse"),
    ("post", "services:reassign"),
    ("post", "services:issue"),
]


@pytest.mark.parametrize(("method", "name"), OBJECT_PAGES)
def test_staff_of_zhanaozen_cannot_reach_an_aktau_request_by_url(
    client: Client, clerk: User, applicant: Applicant, zhanaozen: Office, method: str, name: str
) -> None:
    from applicants.constants import Role
    from tests.factories import UserFactory

    application = desk_application(clerk=clerk, applicant=applicant)
    stranger = UserFactory(username="all.roles.zhanaozen", office=zhanaozen)
    for role in (Role.CLERK, Role.EXECUTOR, Role.SUPERVISOR):
        stranger.groups.add(
            __import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.get(name=role)
        )
    before = Application.objects.filter(pk=application.pk).values().get()

    response = getattr(login(client, stranger), method)(reverse(name, args=[application.pk]))

    assert response.status_code == 404
    assert Application.objects.filter(pk=application.pk).values().get() == before


@pytest.mark.parametrize(
    "name", ["services:queue", "services:issuance", "services:journal", "services:dashboard", "services:desk"]
)
def test_lists_of_zhanaozen_show_nothing_of_aktau(
    client: Client, clerk: User, executor: User, applicant: Applicant, zhanaozen: Office, name: str
) -> None:
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    registered = desk_application(clerk=clerk, applicant=ApplicantFactory(), until=State.REGISTERED)
    issued = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.ISSUED)
    stranger = UserFactory(username="all.roles.zhanaozen", office=zhanaozen)
    stranger.groups.set(Group.objects.filter(name__in=["clerk", "executor", "supervisor"]))

    text = login(client, stranger).get(reverse(name)).content.decode()

    assert registered.number not in text
    assert issued.number not in text
    assert applicant.last_name not in text


@pytest.mark.parametrize(
    ("role_fixture", "name"),
    [
        ("clerk", "services:queue"),
        ("clerk", "services:dashboard"),
        ("executor", "services:desk"),
        ("executor", "services:issuance"),
    ],
)
def test_a_role_cannot_open_another_roles_page(
    client: Client, request: pytest.FixtureRequest, role_fixture: str, name: str
) -> None:
    user = request.getfixturevalue(role_fixture)

    assert login(client, user).get(reverse(name)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_staff_login(client: Client, aktau: Office) -> None:
    response = client.get(reverse("services:queue"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("applicants:staff-login"))  # type: ignore[attr-defined]


# --- lists that stay fast --------------------------------------------------------------


def _fill(office: Office, clerk: User, executor: User, count: int) -> None:
    """``count`` registered requests, ``count`` results waiting and ``count``
    journal lines, written in bulk (the state machine is tested elsewhere)."""
    from reglament.selectors import reglament_version_in_force
    from services.models import JournalEntry, StepRecord

    version = reglament_version_in_force(region=office.region_id, service_code="S2", on=timezone.localdate())
    service = Service.objects.get(code="S2")
    applicants = Applicant.objects.bulk_create(ApplicantFactory.build() for _ in range(count))
    now = timezone.now()
    base = Application.objects.count() + 1000
    rows = []
    for i, person in enumerate(applicants):
        for state, offset in ((State.REGISTERED, 0), (State.RESULT_SIGNED, 1), (State.ISSUED, 2)):
            seq = base + 3 * i + offset
            rows.append(
                Application(
                    service=service,
                    office=office,
                    applicant=person,
                    channel=Channel.DESK,
                    state=state,
                    reglament_version=version,
                    number=f"{office.code}-2026-{seq:06d}",
                    number_year=2026,
                    number_seq=seq,
                    registered_at=now,
                    due_at=now + datetime.timedelta(minutes=i % 50),
                    executor=executor if state != State.REGISTERED else None,
                    issued_at=now if state == State.ISSUED else None,
                )
            )
    created = Application.objects.bulk_create(rows)
    assert version is not None
    procedure = version.procedures.get(code="review")
    StepRecord.objects.bulk_create(
        StepRecord(
            application=a,
            procedure=procedure,
            code="review",
            norm_minutes=15,
            started_at=now,
            due_at=now + datetime.timedelta(minutes=15),
            finished_at=now,
            performer=executor,
        )
        for a in created
    )
    JournalEntry.objects.bulk_create(
        JournalEntry(
            application=a,
            office=office,
            issued_at=now,
            issued_by=clerk,
            recipient_name="X",
            recipient_document="N1",
        )
        for a in created
        if a.state == State.ISSUED
    )


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("executor", "services:queue"),
        ("clerk", "services:issuance"),
        ("clerk", "services:journal"),
        ("supervisor", "services:dashboard"),
    ],
)
def test_a_list_page_makes_the_same_number_of_queries_for_10_and_for_1000_rows(
    client: Client,
    request: pytest.FixtureRequest,
    django_assert_num_queries: Any,
    clerk: User,
    executor: User,
    supervisor: User,
    aktau: Office,
    who: str,
    name: str,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = request.getfixturevalue(who)
    login(client, user)
    _fill(aktau, clerk, executor, 10)
    client.get(reverse(name))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    _fill(aktau, clerk, executor, 990)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(name)).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) <= 16
