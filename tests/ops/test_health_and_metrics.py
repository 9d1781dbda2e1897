"""Liveness, readiness and the Prometheus metrics (issue 6, Production)."""

from __future__ import annotations

import datetime
import re
import socket
import uuid
from typing import Any

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from applicants.models import Applicant, User
from ops.metrics import CONTENT_TYPE, celery_queue_length
from services.constants import State
from tests.factories import ApplicantFactory
from tests.flows import desk_application

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-tests-0123456789"  # noqa: S105 - a test value


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_liveness_answers_without_asking_anything_else(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/health/live/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readiness_reports_the_database_the_broker_and_the_storage(client: Client) -> None:
    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok" if django_settings.REDIS_URL else "not configured",
        "storage": "ok",
    }


def test_readiness_is_a_503_while_the_broker_is_away(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_the_metrics_are_a_404_while_no_token_is_set(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", ["", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN])
def test_the_metrics_are_a_404_without_the_right_bearer_token(
    client: Client, settings: Any, header: str
) -> None:
    settings.METRICS_TOKEN = TOKEN

    assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 404


def scrape(client: Client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    return response.content.decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    rendered = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    series = f"{name}{{{rendered}}}" if labels else name
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, flags=re.MULTILINE)
    return float(match.group(1)) if match else None


def test_the_metrics_count_applications_by_service_state_and_office(
    client: Client, settings: Any, clerk: User, executor: User, applicant: Applicant
) -> None:
    settings.METRICS_TOKEN = TOKEN
    desk_application(clerk=clerk, applicant=applicant, service_code="S2", until=State.REGISTERED)
    desk_application(clerk=clerk, applicant=ApplicantFactory(), service_code="S2", until=State.REGISTERED)
    desk_application(
        clerk=clerk,
        applicant=ApplicantFactory(),
        executor=executor,
        service_code="S1",
        until=State.RESULT_SIGNED,
    )

    text = scrape(client)

    assert "# TYPE portal_applications gauge" in text
    assert sample(text, "portal_applications", service="S2", state="registered", office="AKT") == 2
    assert sample(text, "portal_applications", service="S1", state="result_signed", office="AKT") == 1
    # The signing's rendering task runs when the transaction commits; here it has not.
    assert sample(text, "portal_rendered_documents_awaiting") == 1
    assert sample(text, "portal_gateway_pushes_pending") == 0
    assert sample(text, "portal_notifications_pending") is not None


def test_the_metrics_count_open_steps_past_their_norm(
    client: Client, settings: Any, clerk: User, applicant: Applicant
) -> None:
    settings.METRICS_TOKEN = TOKEN
    desk_application(clerk=clerk, applicant=applicant, service_code="S2", until=State.REGISTERED)
    assert sample(scrape(client), "portal_steps_overdue", office="AKT", step="review") is None

    with time_machine.travel(timezone.now() + datetime.timedelta(days=30)):
        text = scrape(client)

    assert sample(text, "portal_steps_overdue", office="AKT", step="review") == 1


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="the queue length is read from Redis")
def test_the_queue_length_is_read_from_the_broker_with_every_priority() -> None:
    queue = f"metrics-test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    try:
        client.rpush(queue, "a", "b")
        client.rpush(f"{queue}\x06\x166", "c")

        assert celery_queue_length(queue) == 3
    finally:
        client.delete(queue, f"{queue}\x06\x166")
        client.close()


def test_the_metrics_say_when_the_broker_is_away(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    assert sample(scrape(client), "portal_broker_up") == 0
