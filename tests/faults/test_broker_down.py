"""Fault: Redis (the Celery broker) stopped while citizens submit.

Submissions are kept and registered, the e-mails wait in the outbox
(``services.Notification``), and once Redis is back the sweep hands them to
a real worker, which sends each exactly once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from applicants.models import Applicant, User
from gateway.models import CallbackDelivery, GatewayRequest
from gateway.tasks import deliver_due_statuses
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application, Notification
from services.tasks import send_pending_notifications
from tests.factories import ApplicantFactory, UserFactory
from tests.faults.conftest import ThrowawayRedis, Workers, wait_until
from tests.gateway.conftest import CallbackServer, callback_server, make_client, message, person, post
from tests.signing import citizen_certificate, sign_request

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker shares the database"),
]

CITIZENS = 5

__all__ = ["callback_server"]  # a fixture, used by name


def citizen_with_email(number: int) -> tuple[User, Applicant]:
    applicant = ApplicantFactory(email=f"citizen{number}@example.kz")
    user = UserFactory(username=applicant.iin, iin=applicant.iin)
    applicant.user = user
    applicant.save(update_fields=["user"])
    return user, applicant


def submit_signed(user: User, applicant: Applicant, office: Office) -> Application:
    draft = svc.application_create_draft(
        actor=user, applicant_id=applicant.pk, office_id=office.pk, service_code="S1", data={}
    )
    signature = sign_request(draft, citizen_certificate(applicant))
    return svc.application_submit(application_id=draft.pk, actor=user, signature=signature)


def test_submissions_while_redis_is_down_are_kept_and_each_email_goes_out_once_it_returns(
    aktau: Office, broker: ThrowawayRedis, workers: Workers, settings: Any
) -> None:
    settings.NOTIFICATION_OUTBOX_GRACE_SECONDS = 0
    workers.start()
    citizens = [citizen_with_email(number) for number in range(CITIZENS)]

    broker.stop()
    durations = []
    for user, applicant in citizens:
        started = time.monotonic()
        submit_signed(user, applicant, aktau)
        durations.append(time.monotonic() - started)
    print(f"submissions with the broker down took {max(durations):.2f} s at most")  # noqa: T201

    registered = Application.objects.filter(state=State.REGISTERED)
    assert registered.count() == CITIZENS
    assert all(application.number for application in registered)
    assert Notification.objects.filter(sent_at__isnull=True).count() == CITIZENS
    assert workers.mails() == []

    broker.start()  # the same port, empty: every queued message was lost
    # Two sweeps enqueue every pending row twice: still one e-mail each.
    assert send_pending_notifications() == CITIZENS
    assert send_pending_notifications() == CITIZENS
    wait_until(
        lambda: not Notification.objects.filter(sent_at__isnull=True).exists(),
        timeout=60,
        what="the outbox to be sent",
    )
    assert len(workers.mails()) == CITIZENS
    sent_to = sorted(
        line for mail in workers.mails() for line in mail.splitlines() if line.startswith("To: ")
    )
    assert sent_to == sorted(f"To: citizen{number}@example.kz" for number in range(CITIZENS))
    assert Notification.objects.filter(sent_at__isnull=False).count() == CITIZENS
    assert Application.objects.count() == CITIZENS
    assert send_pending_notifications() == 0


def test_status_pushes_written_while_redis_is_down_are_delivered_once_each_after_it_returns(
    aktau: Office, broker: ThrowawayRedis, workers: Workers, callback_server: CallbackServer
) -> None:
    credentials = make_client("egov.kz", callback_url=callback_server.url)
    workers.start()

    broker.stop()
    for _ in range(CITIZENS):
        response = post(Client(), credentials, message(person(), office=aktau))
        assert response.status_code == 201, response.content
    assert Application.objects.filter(state=State.REGISTERED).count() == CITIZENS
    assert CallbackDelivery.objects.filter(delivered_at__isnull=True).count() == CITIZENS
    assert callback_server.received == []

    broker.start()
    assert deliver_due_statuses() == CITIZENS
    assert deliver_due_statuses() == CITIZENS  # enqueued twice: still sent once
    wait_until(
        lambda: not CallbackDelivery.objects.filter(delivered_at__isnull=True).exists(),
        timeout=60,
        what="the status pushes",
    )
    keys = [received["headers"]["Idempotency-Key"] for received in callback_server.received]
    assert sorted(keys) == sorted(str(d.delivery_id) for d in CallbackDelivery.objects.all())
    assert GatewayRequest.objects.count() == Application.objects.count() == CITIZENS
