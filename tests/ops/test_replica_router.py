"""Reports read from the read replica (``DATABASE_REPLICA_URL``); every
other read and every write stays on the primary (issue 6, Production).

The "replica" here is a second connection to the test database, as a
streaming standby would be a second server holding the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections, router
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applicants.models import Applicant, User
from config.routers import REPLICA, replica_reads
from services.constants import State
from services.models import Application
from tests.flows import desk_application

pytestmark = [
    pytest.mark.postgres,
    # The replica's own connection sees committed rows only.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def replica(settings: Any) -> Iterator[str]:
    """A second connection to the test database, made the way Django makes
    the connection of a configured alias."""
    settings.DATABASE_REPLICA_URL = "postgres://replica.invalid/portal"
    connections.databases[REPLICA] = {**connections.databases["default"]}
    try:
        made = connections.create_connection(REPLICA)
    finally:
        del connections.databases[REPLICA]
    connections[REPLICA] = made
    try:
        yield REPLICA
    finally:
        made.close()
        del connections[REPLICA]


def test_the_report_page_reads_its_figures_from_the_replica(
    replica: str, clerk: User, supervisor: User, applicant: Applicant, client: Client
) -> None:
    desk_application(clerk=clerk, applicant=applicant, service_code="S2", until=State.REGISTERED)
    client.cookies["django_language"] = "en"
    client.force_login(supervisor)

    with (
        CaptureQueriesContext(connections[replica]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(reverse("services:reports"))

    assert response.status_code == 200
    assert any('FROM "services_application"' in q["sql"] for q in on_replica.captured_queries)
    assert not any('FROM "services_application"' in q["sql"] for q in on_primary.captured_queries)


def test_reads_outside_the_reports_stay_on_the_primary(
    replica: str, clerk: User, applicant: Applicant
) -> None:
    desk_application(clerk=clerk, applicant=applicant, service_code="S2")

    with CaptureQueriesContext(connections[replica]) as on_replica:
        assert Application.objects.count() == 1

    assert on_replica.captured_queries == []


def test_writes_go_to_the_primary_even_while_reading_from_the_replica(replica: str) -> None:
    with replica_reads():
        assert router.db_for_read(Application) == REPLICA
        assert router.db_for_write(Application) == "default"
        assert router.allow_migrate(REPLICA, "services") is False


def test_without_a_replica_the_reports_read_from_the_primary(db: None, settings: Any) -> None:
    settings.DATABASE_REPLICA_URL = ""

    with replica_reads():
        assert router.db_for_read(Application) == "default"
