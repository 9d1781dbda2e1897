"""Issue 5, item 3: the job-seeker and unemployed registers — entered when
the result is signed, closed with a reason and a date."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from applicants.models import Applicant, User
from audit.models import AuditEntry
from registry.constants import Register
from registry.models import RegisterCloseReason, RegisterEntry
from registry.services import RegistryError, register_entry_close
from services import services as svc
from services.constants import State
from tests.factories import ApplicantFactory
from tests.flows import desk_application
from tests.registry.conftest import listed

pytestmark = pytest.mark.django_db


def test_the_close_reasons_are_seeded_as_editable_data() -> None:
    assert set(RegisterCloseReason.objects.values_list("code", flat=True)) >= {
        "employed",
        "training",
        "did_not_report",
        "own_request",
        "moved_away",
        "other",
    }
    assert RegisterCloseReason.objects.get(code="employed").name_kk


def test_a_signed_s1_result_enters_the_applicant_in_the_job_seeker_register(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.RESULT_SIGNED
    )

    entry = RegisterEntry.objects.get(application=application)
    assert entry.register == Register.JOB_SEEKERS
    assert entry.applicant == applicant and entry.office == clerk.office
    assert entry.opened_on == timezone.localdate()
    assert entry.certificate_number == "" and entry.closed_on is None
    assert AuditEntry.objects.filter(action="register_entry_open", target_id=str(entry.pk)).exists()


def test_a_signed_s2_result_enters_the_unemployed_register_with_the_certificate_number(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S2", until=State.RESULT_SIGNED
    )

    entry = RegisterEntry.objects.get(application=application)
    assert entry.register == Register.UNEMPLOYED
    assert entry.certificate_number == application.number


def test_a_refusal_enters_no_register(clerk: User, executor: User, applicant: Applicant) -> None:
    from tests.flows import ground

    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.IN_REVIEW
    )
    svc.application_refuse(
        application_id=application.pk,
        executor=executor,
        ground_id=ground("unreliable-documents").pk,
        reason="Сведения не подтверждены.",
    )

    assert not RegisterEntry.objects.exists()


def test_a_second_s1_for_someone_already_registered_is_refused_at_signing_and_nothing_is_saved(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.RESULT_SIGNED
    )
    second = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.IN_REVIEW
    )

    with pytest.raises(svc.ServiceError) as refused:
        svc.application_sign_result(
            application_id=second.pk, executor=executor, result_text="Зарегистрирован."
        )

    assert "Already registered as a job seeker since" in refused.value.message
    assert "must be closed before a new registration" in refused.value.message
    second.refresh_from_db()
    assert second.state == State.IN_REVIEW
    assert not hasattr(second, "result")
    assert RegisterEntry.objects.filter(applicant=applicant).count() == 1
    assert AuditEntry.objects.filter(action="sign_result", target_id=str(second.pk), succeeded=False).exists()


def test_after_the_entry_is_closed_the_person_can_be_registered_again(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    first = listed(applicant, clerk=clerk, on=timezone.localdate() - datetime.timedelta(days=10))
    register_entry_close(entry_id=first.pk, reason_code="own_request", on=timezone.localdate(), actor=clerk)

    desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.RESULT_SIGNED
    )

    assert RegisterEntry.objects.filter(applicant=applicant, closed_on__isnull=True).count() == 1


def test_a_clerk_closes_an_entry_with_a_reason_and_a_date_and_it_is_audited(
    clerk: User, applicant: Applicant
) -> None:
    entry = listed(applicant, clerk=clerk, on=timezone.localdate() - datetime.timedelta(days=20))
    closed_on = timezone.localdate() - datetime.timedelta(days=2)

    register_entry_close(entry_id=entry.pk, reason_code="employed", on=closed_on, actor=clerk)

    entry.refresh_from_db()
    assert entry.closed_on == closed_on
    assert entry.close_reason is not None and entry.close_reason.code == "employed"
    assert entry.closed_by == clerk
    audit = AuditEntry.objects.get(action="register_entry_close", target_id=str(entry.pk))
    assert audit.actor == clerk and audit.succeeded
    assert audit.changes == {"reason": "employed", "closed_on": closed_on.isoformat()}


@pytest.mark.parametrize(
    ("reason_code", "days_from_today", "message"),
    [
        ("employed", -30, "cannot be closed before it was opened"),
        ("employed", 1, "cannot be closed on a date in the future"),
        ("no-such-reason", 0, "Choose the reason for closing from the list."),
        ("", 0, "Choose the reason for closing from the list."),
    ],
)
def test_closing_with_a_bad_date_or_reason_is_refused_with_a_message_and_nothing_changes(
    clerk: User, applicant: Applicant, reason_code: str, days_from_today: int, message: str
) -> None:
    entry = listed(applicant, clerk=clerk, on=timezone.localdate() - datetime.timedelta(days=5))

    with pytest.raises(RegistryError) as refused:
        register_entry_close(
            entry_id=entry.pk,
            reason_code=reason_code,
            on=timezone.localdate() + datetime.timedelta(days=days_from_today),
            actor=clerk,
        )

    assert message in refused.value.message
    entry.refresh_from_db()
    assert entry.closed_on is None and entry.close_reason is None
    refusal = AuditEntry.objects.get(action="register_entry_close", target_id=str(entry.pk))
    assert not refusal.succeeded and refusal.remark == refused.value.message


def test_an_entry_cannot_be_closed_twice(clerk: User, applicant: Applicant) -> None:
    entry = listed(applicant, clerk=clerk, on=timezone.localdate() - datetime.timedelta(days=5))
    register_entry_close(entry_id=entry.pk, reason_code="moved_away", on=timezone.localdate(), actor=clerk)

    with pytest.raises(RegistryError) as refused:
        register_entry_close(entry_id=entry.pk, reason_code="employed", on=timezone.localdate(), actor=clerk)

    assert "already closed on" in refused.value.message
    entry.refresh_from_db()
    assert entry.close_reason is not None and entry.close_reason.code == "moved_away"


def test_a_clerk_of_another_office_cannot_close_the_entry(
    clerk: User, zhanaozen_clerk: User, applicant: Applicant
) -> None:
    entry = listed(applicant, clerk=clerk)

    with pytest.raises(RegistryError) as refused:
        register_entry_close(
            entry_id=entry.pk, reason_code="employed", on=timezone.localdate(), actor=zhanaozen_clerk
        )

    assert refused.value.code == "wrong_office"
    entry.refresh_from_db()
    assert entry.closed_on is None


def test_an_executor_may_not_close_entries(clerk: User, executor: User, applicant: Applicant) -> None:
    entry = listed(applicant, clerk=clerk)

    with pytest.raises(RegistryError) as refused:
        register_entry_close(
            entry_id=entry.pk, reason_code="employed", on=timezone.localdate(), actor=executor
        )

    assert refused.value.code == "not_permitted"


def test_the_database_allows_one_open_entry_per_person_and_register(clerk: User) -> None:
    from django.db import IntegrityError, transaction

    person = ApplicantFactory()
    listed(person, clerk=clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        listed(person, clerk=clerk)
    listed(person, clerk=clerk, register=Register.UNEMPLOYED)  # the other register is separate

    assert RegisterEntry.objects.filter(applicant=person).count() == 2
