"""Fault: a form that makes an effect posted twice — a double click, a
browser's resend, a replay. Each makes one effect; the second post gets a
clear message, never a 500.

Most are guarded by the state machine (the second post finds the
application already moved on); starting a walk-in intake creates a row, so
its form carries a key (``intake_key``) that the second post is matched by.
"""

from __future__ import annotations

import base64
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from applicants.models import Applicant, User
from audit.models import AuditEntry
from registry.models import Referral
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application, JournalEntry, RefusalGround, ResultDocument, Service
from tests.flows import desk_application, ground
from tests.registry.conftest import in_group, job_seeker, make_programme, s3_in_review
from tests.signing import citizen_certificate, sign_request

pytestmark = pytest.mark.faults

__all__ = ["job_seeker"]  # a fixture, used by name

KEY = re.compile(r'name="intake_key" value="([0-9a-f-]{36})"')


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def twice(client: Client, url: str, data: dict[str, Any]) -> tuple[Any, Any]:
    return client.post(url, data), client.post(url, data, follow=True)


def said(response: Any) -> str:
    return (
        " ".join(str(message) for message in get_messages(response.wsgi_request)) + response.content.decode()
    )


def start_intake_form(client: Client, applicant: Applicant) -> dict[str, Any]:
    """The *Start intake* form as the desk shows it, with its key."""
    page = client.get(reverse("services:desk"), {"iin": applicant.iin}).content.decode()
    match = KEY.search(page)
    assert match, "the form carries no key"
    return {
        "action": "start-intake",
        "applicant": applicant.pk,
        "service": Service.objects.get(code="S2").pk,
        "intake_key": match.group(1),
    }


@pytest.mark.django_db
def test_a_double_clicked_start_intake_makes_one_application_and_the_second_post_is_told(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    login(client, clerk)
    form = start_intake_form(client, applicant)

    first, second = twice(client, reverse("services:desk"), form)

    application = Application.objects.get()
    assert first.status_code == 302
    assert second.redirect_chain[0][0] == reverse("services:intake", args=[application.pk])
    assert "already started" in said(second)
    assert AuditEntry.objects.filter(action="receive").count() == 1
    # A new showing of the form is a new intake.
    assert client.post(reverse("services:desk"), start_intake_form(client, applicant)).status_code == 302
    assert Application.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_concurrent_posts_of_one_start_intake_form_make_one_application(
    clerk: User, applicant: Applicant
) -> None:
    form = start_intake_form(login(Client(), clerk), applicant)
    barrier = threading.Barrier(2)

    def post() -> int:
        try:
            with translation.override("en"):
                client = login(Client(), clerk)
                barrier.wait(timeout=10)
                return client.post(reverse("services:desk"), form).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(lambda call: call(), [post, post]))

    assert statuses == [302, 302]
    assert Application.objects.count() == 1
    assert AuditEntry.objects.filter(action="receive").count() == 1


@pytest.mark.django_db
def test_a_replayed_refusal_of_intake_refuses_once(client: Client, clerk: User, applicant: Applicant) -> None:
    from tests.services.test_staff_pages import checklist_post

    application = desk_application(clerk=clerk, applicant=applicant)
    post = checklist_post(application, Identity={"expires_on": "2025-01-31"})
    post.update(action="refuse", ground=ground("expired-document").pk, reason="Удостоверение просрочено.")

    first, second = twice(login(client, clerk), reverse("services:intake", args=[application.pk]), post)

    application.refresh_from_db()
    assert (first.status_code, second.status_code) == (302, 200)
    assert application.state == State.INTAKE_REFUSED
    assert "nothing was changed" in said(second)
    assert AuditEntry.objects.filter(action="refuse_intake", succeeded=True).count() == 1


@pytest.mark.django_db
def test_a_replayed_registration_at_the_desk_registers_once(
    client: Client, clerk: User, applicant: Applicant
) -> None:
    from tests.services.test_staff_pages import checklist_post

    application = desk_application(clerk=clerk, applicant=applicant)

    first, second = twice(
        login(client, clerk), reverse("services:intake", args=[application.pk]), checklist_post(application)
    )

    assert first.status_code == 302
    assert "nothing was changed" in said(second)
    assert Application.objects.exclude(number=None).count() == 1
    assert AuditEntry.objects.filter(action="register", succeeded=True).count() == 1


@pytest.mark.django_db
def test_a_replayed_signing_of_a_result_signs_once(
    client: Client, clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, executor=executor, until=State.IN_REVIEW)

    first, second = twice(
        login(client, executor),
        reverse("services:sign-result", args=[application.pk]),
        {"result_text": "Зарегистрирован как безработный."},
    )

    assert first.status_code == 302
    assert second.status_code == 422
    assert "it cannot be signed now" in said(second)
    assert ResultDocument.objects.filter(application=application).count() == 1
    assert Application.objects.get(pk=application.pk).state == State.RESULT_SIGNED


@pytest.mark.django_db
def test_a_replayed_motivated_refusal_refuses_once(
    client: Client, clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, executor=executor, until=State.IN_REVIEW)
    grounds = RefusalGround.objects.filter(stage="review", services=application.service, is_active=True)
    refusal = grounds.first()
    assert refusal is not None

    first, second = twice(
        login(client, executor),
        reverse("services:refuse", args=[application.pk]),
        {"ground": refusal.pk, "reason": "Сведения не подтвердились."},
    )

    assert first.status_code == 302
    assert second.status_code == 422
    assert "it cannot be refused now" in said(second)
    assert ResultDocument.objects.filter(application=application).count() == 1
    assert Application.objects.get(pk=application.pk).state == State.REFUSAL_SIGNED


@pytest.mark.django_db
def test_a_replayed_issuance_writes_one_journal_entry(
    client: Client, clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(
        clerk=clerk, applicant=applicant, executor=executor, until=State.RESULT_SIGNED
    )

    first, second = twice(
        login(client, clerk),
        reverse("services:issue", args=[application.pk]),
        {"recipient_document": "N 012345678", "journal_signed": "on"},
    )

    assert first.status_code == 302
    assert second.status_code == 422
    assert "it cannot be issued now" in said(second)
    assert JournalEntry.objects.count() == 1
    assert Application.objects.get(pk=application.pk).state == State.ISSUED


@pytest.mark.django_db
def test_a_replayed_citizen_signature_submits_once(
    client: Client, citizen: User, applicant: Applicant, aktau: Office
) -> None:
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1", data={}
    )
    signature = base64.b64encode(sign_request(draft, citizen_certificate(applicant))).decode()

    first, second = twice(
        login(client, citizen), reverse("signing:sign", args=[draft.pk]), {"signature": signature}
    )

    assert first.status_code == 302
    assert "already been signed and sent" in said(second)
    assert Application.objects.exclude(number=None).count() == 1
    assert AuditEntry.objects.filter(action="submit", succeeded=True).count() == 1


@pytest.mark.django_db
def test_a_replayed_referral_outcome_is_recorded_once(
    client: Client, clerk: User, executor: User, job_seeker: Applicant
) -> None:
    programme = make_programme(clerk.office, kind="social_jobs", places=2)
    in_group(job_seeker, "low_income")
    application = s3_in_review(
        clerk=clerk, executor=executor, applicant=job_seeker, measure_kind="social_jobs"
    )
    svc.application_sign_result(
        application_id=application.pk,
        executor=executor,
        result_text="Направление.",
        programme_id=programme.pk,
    )
    referral = Referral.objects.get(application=application)

    first, second = twice(
        login(client, clerk),
        reverse("services:referral-outcome", args=[referral.pk]),
        {"outcome": "did_not_come", "reason": ""},
    )

    assert first.status_code == 302
    assert second.status_code == 422
    assert "already recorded" in said(second)
    assert AuditEntry.objects.filter(action__startswith="referral_outcome", succeeded=True).count() == 1
