"""Registers, referrals and eligibility: programmes, people on the
registers and in target groups."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from applicants.models import Applicant, User
from registry.constants import Register
from registry.models import Programme, RegisterEntry, TargetGroup, TargetGroupMembership
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application
from tests.flows import desk_application


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def make_programme(
    office: Office, *, kind: str = "public_works", places: int = 5, **kwargs: Any
) -> Programme:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "name_ru": f"Программа {kind}",
        "name_en": f"Programme {kind}",
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=90),
        "monthly_pay": 100000,
        **kwargs,
    }
    return Programme.objects.create(kind=kind, office=office, places=places, **fields)


def listed(
    applicant: Applicant,
    *,
    clerk: User,
    register: str = Register.JOB_SEEKERS,
    on: datetime.date | None = None,
) -> RegisterEntry:
    """Put a person on a register cheaply (a received request, no signing):
    for pages and checks that only need the entry to exist."""
    application = svc.application_receive(
        clerk=clerk,
        applicant_id=applicant.pk,
        service_code="S1" if register == Register.JOB_SEEKERS else "S2",
    )
    return RegisterEntry.objects.create(
        register=register,
        applicant=applicant,
        office_id=application.office_id,
        application=application,
        certificate_number="" if register == Register.JOB_SEEKERS else f"C-{application.pk}",
        opened_on=on or timezone.localdate(),
    )


def in_group(
    applicant: Applicant, code: str, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> TargetGroupMembership:
    return TargetGroupMembership.objects.create(
        applicant=applicant,
        group=TargetGroup.objects.get(code=code),
        since=since or timezone.localdate() - datetime.timedelta(days=30),
        until=until,
    )


def s3_in_review(*, clerk: User, executor: User, applicant: Applicant, measure_kind: str) -> Application:
    return desk_application(
        clerk=clerk,
        executor=executor,
        applicant=applicant,
        service_code="S3",
        measure_kind=measure_kind,
        until=State.IN_REVIEW,
    )


@pytest.fixture
def job_seeker(applicant: Applicant, clerk: User, executor: User) -> Applicant:
    """The applicant, registered as a job seeker by a signed S1 result."""
    desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.RESULT_SIGNED
    )
    return applicant
