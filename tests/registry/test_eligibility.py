"""Issue 5, item 4 (acceptance 4): each eligibility rule with a passing and
a failing applicant and the failing rule's reason; enforced at signing."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant, User
from registry.constants import MeasureKind, Register
from registry.eligibility import RuleResult, eligibility_for
from registry.models import Referral
from registry.selectors import target_groups_of
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import ResultDocument
from tests.factories import ApplicantFactory
from tests.registry.conftest import in_group, listed, login, make_programme, s3_in_review

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 6, 1)


def rule(results: list[RuleResult], code: str) -> RuleResult:
    return next(r for r in results if r.code == code)


def youth_programme(office: Office) -> object:
    return make_programme(office, kind="youth_practice", max_age=29, max_years_since_graduation=3)


# --- registered as a job seeker (or unemployed) ----------------------------------


def test_a_job_seeker_passes_the_registration_rule(clerk: User) -> None:
    person = ApplicantFactory()
    listed(person, clerk=clerk, on=datetime.date(2024, 5, 2))

    result = rule(eligibility_for(applicant=person, kind=MeasureKind.EMPLOYMENT, on=TODAY), "registered")

    assert result.passed
    assert result.reason == "Registered as a job seeker since 05/02/2024."


def test_someone_on_no_register_fails_the_registration_rule_with_the_reason(clerk: User) -> None:
    person = ApplicantFactory()

    result = rule(eligibility_for(applicant=person, kind=MeasureKind.EMPLOYMENT, on=TODAY), "registered")

    assert not result.passed
    assert result.reason == (
        "Not registered as a job seeker: referrals are for people on the job-seeker register. "
        "Register as a job seeker first (service S1)."
    )


def test_an_unemployed_person_may_go_to_public_works_but_not_to_employment(clerk: User) -> None:
    person = ApplicantFactory()
    entry = listed(person, clerk=clerk, register=Register.UNEMPLOYED, on=datetime.date(2024, 5, 2))

    public_works = rule(
        eligibility_for(applicant=person, kind=MeasureKind.PUBLIC_WORKS, on=TODAY), "registered"
    )
    employment = rule(eligibility_for(applicant=person, kind=MeasureKind.EMPLOYMENT, on=TODAY), "registered")

    assert public_works.passed
    assert (
        public_works.reason
        == f"Registered as unemployed since 05/02/2024 (certificate {entry.certificate_number})."
    )
    assert not employment.passed


def test_someone_on_no_register_fails_the_public_works_rule_naming_both_registers() -> None:
    result = rule(
        eligibility_for(applicant=ApplicantFactory(), kind=MeasureKind.PUBLIC_WORKS, on=TODAY), "registered"
    )

    assert not result.passed
    assert "Not registered as a job seeker or as unemployed" in result.reason


# --- youth practice: the age limit of the programme --------------------------------


def test_a_person_under_the_programmes_age_limit_passes(clerk: User) -> None:
    programme = youth_programme(clerk.office)
    person = ApplicantFactory(birth_date=datetime.date(1996, 6, 2), graduated_on=datetime.date(2023, 6, 30))

    result = rule(
        eligibility_for(applicant=person, kind=MeasureKind.YOUTH_PRACTICE, programme=programme, on=TODAY),
        "age_limit",
    )

    assert result.passed
    assert result.reason == "Age 27: under the programme's limit of 29."


def test_a_person_who_has_reached_the_age_limit_fails_with_the_reason(clerk: User) -> None:
    programme = youth_programme(clerk.office)
    person = ApplicantFactory(birth_date=datetime.date(1995, 6, 1))

    result = rule(
        eligibility_for(applicant=person, kind=MeasureKind.YOUTH_PRACTICE, programme=programme, on=TODAY),
        "age_limit",
    )

    assert not result.passed
    assert result.reason == "Age 29: the programme “Programme youth_practice” is for people under 29."


def test_without_a_date_of_birth_the_age_limit_fails_and_says_why(clerk: User) -> None:
    programme = youth_programme(clerk.office)

    result = rule(
        eligibility_for(
            applicant=ApplicantFactory(birth_date=None),
            kind=MeasureKind.YOUTH_PRACTICE,
            programme=programme,
            on=TODAY,
        ),
        "age_limit",
    )

    assert not result.passed
    assert "The date of birth is not recorded" in result.reason


def test_a_programme_without_an_age_limit_has_no_age_rule(clerk: User) -> None:
    programme = make_programme(clerk.office, kind="youth_practice")

    results = eligibility_for(
        applicant=ApplicantFactory(), kind=MeasureKind.YOUTH_PRACTICE, programme=programme, on=TODAY
    )

    assert [r.code for r in results] == ["registered"]


# --- youth practice: the years since graduation ----------------------------------


def test_a_recent_graduate_passes_the_graduation_rule(clerk: User) -> None:
    programme = youth_programme(clerk.office)
    person = ApplicantFactory(graduated_on=datetime.date(2021, 6, 1))

    result = rule(
        eligibility_for(applicant=person, kind=MeasureKind.YOUTH_PRACTICE, programme=programme, on=TODAY),
        "since_graduation",
    )

    assert result.passed
    assert result.reason == "Graduated on 06/01/2021: within 3 years since graduation."


def test_a_graduate_of_long_ago_fails_the_graduation_rule_with_the_reason(clerk: User) -> None:
    programme = youth_programme(clerk.office)
    person = ApplicantFactory(graduated_on=datetime.date(2021, 5, 31))

    result = rule(
        eligibility_for(applicant=person, kind=MeasureKind.YOUTH_PRACTICE, programme=programme, on=TODAY),
        "since_graduation",
    )

    assert not result.passed
    assert result.reason == (
        "Graduated on 05/31/2021: more than 3 years since graduation have passed (the limit ended on 05/31/2024)."
    )


def test_without_a_graduation_date_the_graduation_rule_fails_and_says_why(clerk: User) -> None:
    programme = youth_programme(clerk.office)

    result = rule(
        eligibility_for(
            applicant=ApplicantFactory(graduated_on=None),
            kind=MeasureKind.YOUTH_PRACTICE,
            programme=programme,
            on=TODAY,
        ),
        "since_graduation",
    )

    assert not result.passed
    assert result.reason.startswith("No graduation date is recorded: youth practice is for recent graduates")


# --- social jobs: target groups ------------------------------------------------


def test_a_member_of_a_target_group_passes_the_social_jobs_rule() -> None:
    person = ApplicantFactory()
    in_group(person, "disability", since=datetime.date(2020, 1, 1))

    result = rule(eligibility_for(applicant=person, kind=MeasureKind.SOCIAL_JOBS, on=TODAY), "target_group")

    assert result.passed
    assert result.reason == "Member of a target group: Persons with disabilities."


def test_a_person_in_no_target_group_fails_the_social_jobs_rule_with_the_reason() -> None:
    person = ApplicantFactory()
    in_group(person, "low_income", since=datetime.date(2020, 1, 1), until=datetime.date(2024, 5, 31))

    result = rule(eligibility_for(applicant=person, kind=MeasureKind.SOCIAL_JOBS, on=TODAY), "target_group")

    assert not result.passed
    assert result.reason.startswith("Social jobs are for members of target groups (Low-income persons, ")
    assert result.reason.endswith("no membership is recorded for this person on 06/01/2024.")


def test_target_groups_of_reads_the_memberships_in_force_on_the_day() -> None:
    person = ApplicantFactory()
    in_group(person, "youth", since=datetime.date(2024, 1, 1), until=datetime.date(2024, 12, 31))

    assert [g.code for g in target_groups_of(person, on=TODAY)] == ["youth"]
    assert target_groups_of(person, on=datetime.date(2025, 1, 1)) == []


# --- enforced when the executor signs ---------------------------------------------


def test_signing_a_referral_for_someone_not_registered_is_refused_and_no_place_is_taken(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    programme = make_programme(clerk.office, kind="public_works", places=3)
    application = s3_in_review(
        clerk=clerk, executor=executor, applicant=applicant, measure_kind="public_works"
    )

    with pytest.raises(svc.ServiceError) as refused:
        svc.application_sign_result(
            application_id=application.pk,
            executor=executor,
            result_text="Направление.",
            programme_id=programme.pk,
        )

    assert refused.value.message.startswith("Not registered as a job seeker or as unemployed")
    application.refresh_from_db()
    programme.refresh_from_db()
    assert application.state == State.IN_REVIEW
    assert programme.places_taken == 0
    assert not ResultDocument.objects.filter(application=application).exists()
    assert not Referral.objects.exists()


def test_signing_a_social_jobs_referral_outside_the_target_groups_is_refused_with_the_reason(
    clerk: User, executor: User, job_seeker: Applicant
) -> None:
    programme = make_programme(clerk.office, kind="social_jobs")
    application = s3_in_review(
        clerk=clerk, executor=executor, applicant=job_seeker, measure_kind="social_jobs"
    )

    with pytest.raises(svc.ServiceError) as refused:
        svc.application_sign_result(
            application_id=application.pk,
            executor=executor,
            result_text="Направление.",
            programme_id=programme.pk,
        )

    assert refused.value.message.startswith("Social jobs are for members of target groups")
    programme.refresh_from_db()
    assert programme.places_taken == 0


def test_preparing_a_youth_practice_referral_for_browser_signing_checks_the_rules_too(
    clerk: User, executor: User, job_seeker: Applicant
) -> None:
    job_seeker.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 40)
    job_seeker.save(update_fields=["birth_date"])
    programme = youth_programme(clerk.office)
    application = s3_in_review(
        clerk=clerk, executor=executor, applicant=job_seeker, measure_kind="youth_practice"
    )

    with pytest.raises(svc.ServiceError) as refused:
        svc.result_prepare(
            application_id=application.pk,
            executor=executor,
            result_text="Направление.",
            programme_id=programme.pk,
        )

    assert refused.value.message.startswith("Age 40: the programme")


# --- shown to the executor and to the citizen ----------------------------------------


def test_the_executors_request_page_shows_each_rule_met_or_not_with_its_reason(
    client: Client, clerk: User, executor: User, job_seeker: Applicant
) -> None:
    application = s3_in_review(
        clerk=clerk, executor=executor, applicant=job_seeker, measure_kind="social_jobs"
    )

    page = (
        login(client, executor).get(reverse("services:application", args=[application.pk])).content.decode()
    )

    assert 'id="eligibility"' in page
    assert 'data-rule="registered" data-passed="true"' in page
    assert "Registered as a job seeker since" in page
    assert 'data-rule="target_group" data-passed="false"' in page
    assert "Social jobs are for members of target groups" in page
    assert "A result cannot be signed while a rule is not met" in page


def test_the_executors_page_shows_a_repeated_s1_registration_as_a_failed_rule(
    client: Client, clerk: User, executor: User, job_seeker: Applicant
) -> None:
    from tests.flows import desk_application

    again = desk_application(
        clerk=clerk, executor=executor, applicant=job_seeker, service_code="S1", until=State.IN_REVIEW
    )

    page = login(client, executor).get(reverse("services:application", args=[again.pk])).content.decode()

    assert 'data-rule="not_registered_yet" data-passed="false"' in page
    assert "Already registered as a job seeker since" in page


def test_the_citizens_s3_draft_page_shows_the_rules_for_the_chosen_programme(
    client: Client, citizen: User, applicant: Applicant, aktau: Office
) -> None:
    applicant.birth_date = datetime.date(1960, 1, 1)
    applicant.save(update_fields=["birth_date"])
    programme = youth_programme(aktau)
    draft = svc.application_create_draft(
        actor=citizen,
        applicant_id=applicant.pk,
        office_id=aktau.pk,
        service_code="S3",
        measure_kind="youth_practice",
        data={"programme": programme.pk},
    )
    client.force_login(citizen)
    client.cookies["django_language"] = "en"

    page = client.get(reverse("cabinet-requests:edit", args=[draft.pk])).content.decode()

    assert 'data-rule="registered" data-passed="false"' in page
    assert 'data-rule="age_limit" data-passed="false"' in page
    assert "is for people under 29" in page
    assert "Checked for the programme" in page
