"""Issue 5, item 3: the referrals register — each signed referral with its
outcome (hired, not hired with a reason, did not come) recorded later."""

from __future__ import annotations

import pytest
from django.utils import timezone

from applicants.models import Applicant, User
from audit.models import AuditEntry
from registry.constants import ReferralOutcome
from registry.models import Referral
from registry.services import RegistryError, referral_outcome_record
from services import services as svc
from tests.registry.conftest import in_group, make_programme, s3_in_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(clerk: User, executor: User, job_seeker: Applicant) -> Referral:
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
    return Referral.objects.get(application=application)


def test_a_signed_referral_enters_the_referrals_register_with_its_programme_and_a_pending_outcome(
    referral: Referral, clerk: User
) -> None:
    assert referral.kind == "social_jobs"
    assert referral.programme is not None and referral.programme.places_taken == 1
    assert referral.vacancy is None
    assert referral.office == clerk.office
    assert referral.issued_on == timezone.localdate()
    assert referral.outcome == ReferralOutcome.PENDING
    assert AuditEntry.objects.filter(action="referral_record", target_id=str(referral.pk)).exists()


def test_an_employment_referral_names_its_vacancy(clerk: User, executor: User, job_seeker: Applicant) -> None:
    from registry.models import Employer, Vacancy

    employer = Employer.objects.create(name_ru="ТОО «Каспий»", bin="081140000436")
    vacancy = Vacancy.objects.create(
        employer=employer,
        office=clerk.office,
        position_ru="Сварщик",
        monthly_salary=300000,
        places=1,
        opened_on=timezone.localdate(),
    )
    application = s3_in_review(
        clerk=clerk, executor=executor, applicant=job_seeker, measure_kind="employment"
    )

    svc.application_sign_result(
        application_id=application.pk, executor=executor, result_text="Направление.", vacancy_id=vacancy.pk
    )

    assert Referral.objects.get(application=application).vacancy == vacancy


def test_a_clerk_records_that_the_person_was_hired(referral: Referral, clerk: User) -> None:
    referral_outcome_record(referral_id=referral.pk, outcome="hired", reason="", actor=clerk)

    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.HIRED
    assert referral.outcome_recorded_by == clerk and referral.outcome_recorded_at is not None
    audit = AuditEntry.objects.get(action="referral_outcome_record", target_id=str(referral.pk))
    assert (audit.from_state, audit.to_state) == ("pending", "hired")


def test_not_hired_needs_a_reason_and_without_one_nothing_changes(referral: Referral, clerk: User) -> None:
    with pytest.raises(RegistryError) as refused:
        referral_outcome_record(referral_id=referral.pk, outcome="not_hired", reason="  ", actor=clerk)

    assert (
        refused.value.message == "Say why the person was not hired: the reason is required for this outcome."
    )
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.PENDING
    assert AuditEntry.objects.filter(
        action="referral_outcome_record", target_id=str(referral.pk), succeeded=False
    ).exists()


def test_not_hired_with_a_reason_is_recorded(referral: Referral, clerk: User) -> None:
    referral_outcome_record(
        referral_id=referral.pk, outcome="not_hired", reason="Не прошёл собеседование.", actor=clerk
    )

    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_reason) == ("not_hired", "Не прошёл собеседование.")


@pytest.mark.parametrize("outcome", ["pending", "fired", ""])
def test_an_outcome_not_on_the_list_is_refused(referral: Referral, clerk: User, outcome: str) -> None:
    with pytest.raises(RegistryError) as refused:
        referral_outcome_record(referral_id=referral.pk, outcome=outcome, reason="", actor=clerk)

    assert refused.value.message == "Choose the outcome of the referral from the list."


def test_a_recorded_outcome_can_be_corrected_and_the_audit_trail_keeps_the_earlier_one(
    referral: Referral, clerk: User
) -> None:
    referral_outcome_record(referral_id=referral.pk, outcome="did_not_come", reason="", actor=clerk)

    referral_outcome_record(referral_id=referral.pk, outcome="hired", reason="Пришёл позже.", actor=clerk)

    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.HIRED
    correction = AuditEntry.objects.get(action="referral_outcome_correct", target_id=str(referral.pk))
    assert (correction.from_state, correction.to_state) == ("did_not_come", "hired")


def test_recording_the_same_outcome_again_is_refused_as_unchanged(referral: Referral, clerk: User) -> None:
    referral_outcome_record(referral_id=referral.pk, outcome="hired", reason="", actor=clerk)

    with pytest.raises(RegistryError) as refused:
        referral_outcome_record(referral_id=referral.pk, outcome="hired", reason="", actor=clerk)

    assert refused.value.message == "This outcome is already recorded."


def test_a_clerk_of_another_office_cannot_record_the_outcome(
    referral: Referral, zhanaozen_clerk: User
) -> None:
    with pytest.raises(RegistryError) as refused:
        referral_outcome_record(referral_id=referral.pk, outcome="hired", reason="", actor=zhanaozen_clerk)

    assert refused.value.code == "wrong_office"
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.PENDING
