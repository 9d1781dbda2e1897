"""L1/L2: the reglament version in force on the day of registration
governs the application's clocks."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from applicants.models import Applicant, User
from reglament.models import Region
from services.constants import State
from tests.conftest import training_edition
from tests.flows import desk_application

pytestmark = pytest.mark.django_db

AQTAU = zoneinfo.ZoneInfo("Asia/Aqtau")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=AQTAU)


def test_a_new_norm_governs_applications_registered_after_its_effective_date_and_none_before(
    region: Region, clerk: User, applicant: Applicant
) -> None:
    # A new edition sets the review norm to 30 minutes from Monday 1 June 2026.
    training_edition(region, effective_from=datetime.date(2026, 6, 1), norms={"review": 30}, number="T-2")

    with time_machine.travel(at(2026, 5, 29, 10, 0), tick=False):  # Friday before
        before = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)
    with time_machine.travel(at(2026, 6, 1, 10, 0), tick=False):  # the effective date
        after = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    review_before = before.steps.get(code="review")
    review_after = after.steps.get(code="review")
    assert review_before.norm_minutes == 15
    assert review_before.due_at == at(2026, 5, 29, 10, 15)
    assert review_after.norm_minutes == 30
    assert review_after.due_at == at(2026, 6, 1, 10, 30)
    assert before.reglament_version.effective_from == datetime.date(2020, 4, 6)
    assert after.reglament_version.effective_from == datetime.date(2026, 6, 1)
    # The earlier application keeps its version and its clock.
    before.refresh_from_db()
    assert before.reglament_version.effective_from == datetime.date(2020, 4, 6)
    assert before.steps.get(code="review").due_at == at(2026, 5, 29, 10, 15)


def test_a_review_started_at_1755_on_friday_is_due_at_0910_on_monday(
    clerk: User, applicant: Applicant
) -> None:
    with time_machine.travel(at(2026, 11, 27, 17, 55), tick=False):
        application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    assert application.steps.get(code="review").due_at == at(2026, 11, 30, 9, 10)


def test_an_intake_started_on_a_public_holiday_is_due_on_the_next_working_day(
    clerk: User, applicant: Applicant
) -> None:
    # 16 December 2026 (Independence Day) is a Wednesday and a day off.
    with time_machine.travel(at(2026, 12, 16, 11, 0), tick=False):
        application = desk_application(clerk=clerk, applicant=applicant)

    assert application.steps.get(code="intake").due_at == at(2026, 12, 17, 9, 10)
