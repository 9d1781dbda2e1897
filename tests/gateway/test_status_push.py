"""Status pushes (DOMAIN.md, the gateway): every change of a gateway
request is written to an outbox in the change's own transaction and POSTed
to the client's callback URL with retries and back-off, exactly once."""

from __future__ import annotations

import datetime
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from applicants.models import Applicant, User
from audit.models import AuditEntry
from config.celery import app as celery_app
from gateway.models import CallbackDelivery, GatewayRequest
from gateway.services import delivery_attempt, delivery_reschedule
from gateway.tasks import deliver_due_statuses, deliver_status
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application
from tests.flows import desk_application
from tests.gateway.conftest import CallbackServer, Credentials, make_client, message, person, post
from tests.signing import citizen_certificate, sign_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_queue() -> Iterator[None]:
    """Tasks run in-process when enqueued (the demo's set-up)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture
def listening(callback_server: CallbackServer) -> Credentials:
    """A client whose callback URL is the local server."""
    return make_client("egov.kz", callback_url=callback_server.url)


def gateway_application(credentials: Credentials, office: Office) -> Application:
    response = post(Client(), credentials, message(person(), office=office))
    assert response.status_code == 201, response.content
    return GatewayRequest.objects.get(correlation_id=response.json()["correlationId"]).application  # type: ignore[return-value]


def pushed(application: Application) -> list[str]:
    return list(
        CallbackDelivery.objects.filter(application=application)
        .order_by("pk")
        .values_list("status", flat=True)
    )


def test_each_state_change_of_a_gateway_request_writes_a_status_push(
    egov: Credentials, aktau: Office, executor: User
) -> None:
    application = gateway_application(egov, aktau)
    svc.application_take(application_id=application.pk, executor=executor)
    svc.application_sign_result(
        application_id=application.pk, executor=executor, result_text="Зарегистрирован."
    )

    # register, take, sign — and the electronic delivery of the result (P10).
    assert pushed(application) == [State.REGISTERED, State.IN_REVIEW, State.RESULT_SIGNED, State.ISSUED]
    signed = CallbackDelivery.objects.get(application=application, status=State.RESULT_SIGNED)
    assert signed.payload["deliveryId"] == str(signed.delivery_id)
    assert signed.payload["correlationId"] == str(application.gateway_request.correlation_id)  # type: ignore[union-attr]
    assert signed.payload["number"] == application.number
    assert signed.payload["result"]["signature"]
    assert signed.client == egov.client


def test_portal_and_desk_applications_write_no_status_push(
    egov: Credentials, clerk: User, executor: User, citizen: User, applicant: Applicant, aktau: Office
) -> None:
    desk_application(
        clerk=clerk, applicant=applicant, executor=executor, service_code="S1", until=State.ISSUED
    )
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1", data={}
    )
    portal = svc.application_submit(
        application_id=draft.pk, actor=citizen, signature=sign_request(draft, citizen_certificate(applicant))
    )
    svc.application_take(application_id=portal.pk, executor=executor)

    assert portal.state == State.REGISTERED
    assert not CallbackDelivery.objects.exists()


def test_a_refused_message_writes_no_status_push(egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau)
    body["data"] = {"specialty": "changed after signing"}

    assert post(Client(), egov, body).status_code == 422
    assert not CallbackDelivery.objects.exists()


def test_a_callback_that_fails_twice_then_succeeds_is_delivered_exactly_once(
    listening: Credentials, callback_server: CallbackServer, aktau: Office, settings: Any
) -> None:
    settings.GATEWAY_CALLBACK_BASE_DELAY = 30
    settings.GATEWAY_CALLBACK_MAX_DELAY = 3600
    callback_server.answers = [500, 500]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        application = gateway_application(listening, aktau)
        delivery = CallbackDelivery.objects.get(application=application)

        deliver_status(delivery.pk)  # 500
        deliver_status(delivery.pk)  # not due yet: the back-off holds it
        assert len(callback_server.received) == 1
        delivery.refresh_from_db()
        assert delivery.attempts == 1
        assert delivery.next_attempt_at == start + datetime.timedelta(seconds=30)
        assert delivery.last_error == "HTTP 500"

        clock.shift(datetime.timedelta(seconds=30))
        deliver_status(delivery.pk)  # 500 again; the wait doubles
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == start + datetime.timedelta(seconds=30 + 60)

        clock.shift(datetime.timedelta(seconds=59))
        deliver_status(delivery.pk)  # not due yet
        assert len(callback_server.received) == 2

        clock.shift(datetime.timedelta(seconds=1))
        deliver_status(delivery.pk)  # 200
        delivered_at = timezone.now()

        clock.shift(datetime.timedelta(hours=2))
        deliver_status(delivery.pk)  # delivered: nothing is sent
        assert delivery_attempt(delivery_id=delivery.pk) is None
        assert deliver_due_statuses() == 0

    assert len(callback_server.received) == 3
    delivery.refresh_from_db()
    assert delivery.delivered_at == delivered_at
    assert delivery.next_attempt_at is None
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    # One delivery id on every try, so the client can tell a retry from news.
    ids = {post["body"]["deliveryId"] for post in callback_server.received}
    assert ids == {str(delivery.delivery_id)}
    assert [post["headers"]["Idempotency-Key"] for post in callback_server.received] == [
        str(delivery.delivery_id)
    ] * 3
    assert [post["headers"]["X-Gateway-Attempt"] for post in callback_server.received] == ["1", "2", "3"]
    assert callback_server.received[0]["body"]["status"] == State.REGISTERED
    outcome = AuditEntry.objects.filter(action="gateway_callback")
    assert [(entry.succeeded, entry.changes["attempts"]) for entry in outcome] == [(True, 3)]


def test_a_push_is_sent_once_the_change_commits(
    listening: Credentials,
    callback_server: CallbackServer,
    aktau: Office,
    eager_queue: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = gateway_application(listening, aktau)

    assert [post["body"]["status"] for post in callback_server.received] == [State.REGISTERED]
    assert CallbackDelivery.objects.get(application=application).delivered_at is not None


def test_due_pushes_are_sent_again_by_the_periodic_task(
    listening: Credentials, callback_server: CallbackServer, aktau: Office, eager_queue: None
) -> None:
    """A push whose task was lost (worker restart, broker down at commit) is
    sent from the outbox row."""
    application = gateway_application(listening, aktau)  # its on-commit task never ran

    assert deliver_due_statuses() == 1
    assert deliver_due_statuses() == 0

    assert len(callback_server.received) == 1
    assert CallbackDelivery.objects.get(application=application).delivered_at is not None


def test_a_push_is_given_up_after_the_last_attempt(
    listening: Credentials, callback_server: CallbackServer, aktau: Office, settings: Any
) -> None:
    settings.GATEWAY_CALLBACK_MAX_ATTEMPTS = 2
    callback_server.answers = [503, 503, 503]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        delivery = CallbackDelivery.objects.get(application=gateway_application(listening, aktau))
        deliver_status(delivery.pk)
        clock.shift(datetime.timedelta(days=1))
        deliver_status(delivery.pk)
        clock.shift(datetime.timedelta(days=1))
        deliver_status(delivery.pk)

    delivery.refresh_from_db()
    assert len(callback_server.received) == 2
    assert delivery.given_up
    assert AuditEntry.objects.get(action="gateway_callback").succeeded is False


def test_a_given_up_push_can_be_sent_again_but_a_delivered_one_cannot(
    listening: Credentials, callback_server: CallbackServer, aktau: Office, settings: Any, eager_queue: None
) -> None:
    settings.GATEWAY_CALLBACK_MAX_ATTEMPTS = 1
    callback_server.answers = [500]
    delivery = CallbackDelivery.objects.get(application=gateway_application(listening, aktau))
    deliver_status(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.given_up

    assert delivery_reschedule(actor=None, delivery_id=delivery.pk)
    deliver_status(delivery.pk)
    assert not delivery_reschedule(actor=None, delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.delivered_at is not None
    assert len(callback_server.received) == 2


def test_a_switched_off_client_gets_no_pushes(
    listening: Credentials, callback_server: CallbackServer, aktau: Office
) -> None:
    delivery = CallbackDelivery.objects.get(application=gateway_application(listening, aktau))
    listening.client.is_active = False
    listening.client.save(update_fields=["is_active"])

    deliver_status(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.given_up
    assert callback_server.received == []


def test_an_unreachable_callback_is_retried_later(listening: Credentials, aktau: Office) -> None:
    listening.client.callback_url = "http://127.0.0.1:9/nobody-listens"
    listening.client.save(update_fields=["callback_url"])
    delivery = CallbackDelivery.objects.get(application=gateway_application(listening, aktau))

    assert delivery_attempt(delivery_id=delivery.pk) is not None

    delivery.refresh_from_db()
    assert delivery.last_error.startswith("cannot connect")
    assert delivery.delivered_at is None


def test_an_answer_that_is_not_http_counts_as_a_failed_attempt(listening: Credentials, aktau: Office) -> None:
    """A broken endpoint is retried with back-off, not retried forever at once."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer_garbage() -> None:
        connection, _address = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"this is not HTTP\r\n\r\n")

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    listening.client.callback_url = f"http://127.0.0.1:{server.getsockname()[1]}/cb"
    listening.client.save(update_fields=["callback_url"])
    delivery = CallbackDelivery.objects.get(application=gateway_application(listening, aktau))

    try:
        assert delivery_attempt(delivery_id=delivery.pk) is not None
    finally:
        thread.join(timeout=5)
        server.close()

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("BadStatusLine")
