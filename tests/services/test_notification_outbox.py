"""E-mail to applicants is an outbox (services.notifications): the row is
written with the change, sent once however often its task runs, and swept
again when its task was lost."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from applicants.models import Applicant, User
from reglament.models import Office
from services import services as svc
from services.models import Notification
from services.notifications import notification_send, notifications_pending
from tests.signing import citizen_certificate, sign_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailed_citizen(citizen: User, applicant: Applicant, settings: Any) -> User:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    applicant.email = "erlan@example.kz"
    applicant.save(update_fields=["email"])
    return citizen


def submitted(citizen: User, applicant: Applicant, office: Office) -> Notification:
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=office.pk, service_code="S1", data={}
    )
    svc.application_submit(
        application_id=draft.pk, actor=citizen, signature=sign_request(draft, citizen_certificate(applicant))
    )
    return Notification.objects.get(application=draft)


def test_a_change_writes_its_email_to_the_outbox_pending_before_anything_is_sent(
    mailed_citizen: User, applicant: Applicant, aktau: Office
) -> None:
    notification = submitted(mailed_citizen, applicant, aktau)  # on_commit never runs in this test

    assert notification.sent_at is None
    assert mail.outbox == []


def test_an_outbox_row_sent_twice_sends_one_email(
    mailed_citizen: User, applicant: Applicant, aktau: Office
) -> None:
    notification = submitted(mailed_citizen, applicant, aktau)

    assert notification_send(notification_id=notification.pk) is True
    assert notification_send(notification_id=notification.pk) is False

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["erlan@example.kz"]
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_the_sweep_picks_rows_still_pending_after_the_grace_and_never_sent_ones(
    mailed_citizen: User, applicant: Applicant, aktau: Office
) -> None:
    notification = submitted(mailed_citizen, applicant, aktau)
    now = timezone.now()

    assert notifications_pending(created_before=now - datetime.timedelta(minutes=1)) == []
    with time_machine.travel(now + datetime.timedelta(minutes=2)):
        assert notifications_pending(created_before=timezone.now() - datetime.timedelta(minutes=1)) == [
            notification.pk
        ]
    notification_send(notification_id=notification.pk)
    assert notifications_pending(created_before=now + datetime.timedelta(days=1)) == []


def test_an_applicant_without_an_email_gets_no_outbox_row(
    citizen: User, applicant: Applicant, aktau: Office
) -> None:
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1", data={}
    )
    svc.application_submit(
        application_id=draft.pk, actor=citizen, signature=sign_request(draft, citizen_certificate(applicant))
    )

    assert not Notification.objects.exists()
