"""Acceptance 3: fifty concurrent referrals to a programme with ten places
give exactly ten referrals and forty clear refusals (PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation

from applicants.models import User
from registry.models import Programme, Referral
from services import services as svc
from services.constants import State
from services.models import Application
from tests.factories import ApplicantFactory
from tests.registry.conftest import listed, make_programme

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_fifty_concurrent_referrals_to_ten_places_give_ten_referrals_and_forty_clear_refusals(
    clerk: User, executor: User
) -> None:
    programme = make_programme(clerk.office, kind="public_works", places=10)
    applications = []
    for _ in range(50):
        person = ApplicantFactory()
        listed(person, clerk=clerk)
        application = svc.application_receive(
            clerk=clerk, applicant_id=person.pk, service_code="S3", measure_kind="public_works"
        )
        svc.application_register(application_id=application.pk, actor=clerk)
        applications.append(svc.application_take(application_id=application.pk, executor=executor))
    barrier = threading.Barrier(16)

    def sign(application_id: int) -> Any:
        try:
            with translation.override("en"):
                try:
                    barrier.wait(timeout=2)
                except threading.BrokenBarrierError:
                    pass  # the first wave starts together; later ones as workers free up
                return svc.application_sign_result(
                    application_id=application_id,
                    executor=executor,
                    result_text="Направление на общественные работы.",
                    programme_id=programme.pk,
                )
        except svc.ServiceError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(sign, [a.pk for a in applications]))

    signed = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, svc.ServiceError)]
    assert len(signed) == 10 and len(refused) == 40, results
    assert all("has no free places left; choose another" in r.message for r in refused)
    assert Programme.objects.get(pk=programme.pk).places_taken == 10
    assert Referral.objects.filter(programme=programme).count() == 10
    assert Application.objects.filter(state=State.RESULT_SIGNED).count() == 10
    assert Application.objects.filter(state=State.IN_REVIEW).count() == 40
