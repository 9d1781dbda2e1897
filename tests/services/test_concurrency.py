"""Row locks on PostgreSQL with real concurrent connections (DESIGN.md §4)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation

from applicants.models import Applicant, User
from services import services as svc
from services.constants import State
from services.models import Application
from tests.factories import ApplicantFactory
from tests.flows import desk_application

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def in_own_connection(call: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``call`` in a thread's own database connection and close it after."""

    def run() -> Any:
        try:
            with translation.override("en"):  # the active language is per thread
                return call()
        except svc.ServiceError as exc:
            return exc
        finally:
            connections.close_all()

    return run


def test_two_executors_taking_the_same_request_at_once_one_gets_it_the_other_is_told(
    clerk: User, executor: User, second_executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)
    barrier = threading.Barrier(2)

    def take(who: User) -> Callable[[], Any]:
        def call() -> Any:
            barrier.wait(timeout=10)
            return svc.application_take(application_id=application.pk, executor=who)

        return in_own_connection(call)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda f: f(), [take(executor), take(second_executor)]))

    winners = [r for r in results if isinstance(r, Application)]
    losers = [r for r in results if isinstance(r, svc.ServiceError)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], svc.AlreadyTaken)
    assert "already been taken" in losers[0].message
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    assert application.executor_id == winners[0].executor_id


def test_200_concurrent_registrations_in_one_office_get_200_consecutive_numbers(clerk: User) -> None:
    applications = [
        svc.application_receive(clerk=clerk, applicant_id=ApplicantFactory().pk, service_code="S2")
        for _ in range(200)
    ]
    barrier = threading.Barrier(16)

    def register(application_id: int) -> Any:
        def call() -> Any:
            try:
                barrier.wait(timeout=1)
            except threading.BrokenBarrierError:
                pass  # the first wave starts together; later ones as workers free up
            return svc.application_register(application_id=application_id, actor=clerk)

        return in_own_connection(call)()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(register, [a.pk for a in applications]))

    assert all(isinstance(r, Application) for r in results), [
        r for r in results if not isinstance(r, Application)
    ]
    sequence = sorted(Application.objects.filter(office=clerk.office).values_list("number_seq", flat=True))
    assert sequence == list(range(1, 201))
    numbers = set(Application.objects.values_list("number", flat=True))
    assert len(numbers) == 200


def test_two_executors_pressing_take_next_at_once_get_different_requests(
    clerk: User, executor: User, second_executor: User
) -> None:
    for _ in range(3):
        desk_application(clerk=clerk, applicant=ApplicantFactory(), until=State.REGISTERED)
    barrier = threading.Barrier(2)

    def take_next(who: User) -> Callable[[], Any]:
        def call() -> Any:
            barrier.wait(timeout=10)
            return svc.application_take_next(executor=who)

        return in_own_connection(call)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda f: f(), [take_next(executor), take_next(second_executor)]))

    assert all(isinstance(r, Application) for r in results), results
    assert results[0].pk != results[1].pk
    assert Application.objects.filter(state=State.IN_REVIEW).count() == 2
    assert Application.objects.filter(state=State.REGISTERED).count() == 1
