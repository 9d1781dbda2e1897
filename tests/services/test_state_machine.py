"""DESIGN.md §4: every allowed transition, and every forbidden one refused
with a clear message, the database unchanged and the refusal audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from applicants.models import Applicant, User
from audit.models import AuditEntry
from reglament.constants import ProcedureCode
from services import services as svc
from services.constants import Channel, State
from services.models import Application, RegistrationCounter, StepRecord
from tests.factories import ApplicantFactory
from tests.flows import desk_application, ground
from tests.signing import citizen_certificate, sign_request

pytestmark = pytest.mark.django_db


def snapshot(application: Application) -> dict[str, Any]:
    """Everything a refused action must leave as it was."""
    row = Application.objects.filter(pk=application.pk).values().get()
    row.pop("request_signature", None)
    return {
        "application": row,
        "steps": list(StepRecord.objects.filter(application=application).values().order_by("pk")),
        "counters": list(RegistrationCounter.objects.values_list("office_id", "year", "last_number")),
        "audit_ok": AuditEntry.objects.filter(succeeded=True).count(),
    }


def assert_refused(
    application: Application,
    call: Any,
    error: type[svc.ServiceError],
    message_part: str,
) -> None:
    before = snapshot(application)
    refused_before = AuditEntry.objects.filter(succeeded=False).count()
    with pytest.raises(error) as excinfo:
        call()
    assert message_part in excinfo.value.message
    assert snapshot(application) == before
    refusal = AuditEntry.objects.filter(succeeded=False).order_by("-pk").first()
    assert AuditEntry.objects.filter(succeeded=False).count() == refused_before + 1
    assert refusal is not None and refusal.remark == excinfo.value.message


# --- allowed transitions ------------------------------------------------------


def test_a_walk_in_s2_goes_from_intake_to_issuance_with_every_step_timed(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.ISSUED)

    assert application.state == State.ISSUED
    assert application.number is not None and application.number.startswith("AKT-")
    steps = {s.code: s for s in application.steps.all()}
    assert set(steps) == {ProcedureCode.INTAKE, ProcedureCode.REVIEW, ProcedureCode.ISSUANCE}
    assert [steps[c].norm_minutes for c in ("intake", "review", "issuance")] == [10, 15, 5]
    assert steps["intake"].performer == clerk
    assert steps["review"].performer == executor
    assert steps["issuance"].performer == clerk
    assert all(s.finished_at is not None for s in steps.values())
    actions = list(
        AuditEntry.objects.filter(
            target_type__model="application", target_id=str(application.pk), succeeded=True
        )
        .order_by("pk")
        .values_list("action", "from_state", "to_state")
    )
    assert actions == [
        ("receive", "", "received"),
        ("register", "received", "registered"),
        ("take", "registered", "in_review"),
        ("sign_result", "in_review", "result_signed"),
        ("issue", "result_signed", "issued"),
    ]
    assert application.result.kind == "certificate"
    assert application.journal_entry.recipient_document == "N 012345678"
    assert application.due_at is None


def test_registration_starts_the_review_clock_from_the_registration_time(
    clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    review = application.steps.get(code=ProcedureCode.REVIEW)
    assert review.started_at == application.registered_at
    assert review.due_at > review.started_at
    assert review.finished_at is None


def test_an_s2_intake_is_refused_with_a_ground_and_its_own_number(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)

    refused = svc.application_refuse_intake(
        application_id=application.pk,
        actor=clerk,
        ground_id=ground("expired-document").pk,
        reason="Удостоверение личности просрочено 01.02.2026.",
    )

    assert refused.state == State.INTAKE_REFUSED
    assert refused.number is not None
    assert refused.refusal_ground == ground("expired-document")
    assert refused.steps.get(code="intake").finished_at is not None


def test_an_s3_request_is_refused_after_review_with_a_ground(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(
        clerk=clerk,
        executor=executor,
        applicant=applicant,
        service_code="S3",
        measure_kind="public_works",
        until=State.IN_REVIEW,
    )

    refused = svc.application_refuse(
        application_id=application.pk,
        executor=executor,
        ground_id=ground("unreliable-documents").pk,
        reason="Сведения о месте работы не подтвердились.",
    )

    assert refused.state == State.REFUSAL_SIGNED
    assert refused.steps.get(code="issuance").finished_at is None
    issued = svc.application_issue(
        application_id=application.pk, clerk=clerk, recipient_document="N 012345678"
    )
    assert issued.state == State.ISSUED


def test_a_portal_s1_request_is_submitted_registered_and_delivered_electronically_when_signed(
    citizen: User, applicant: Applicant, executor: User, aktau: Any
) -> None:
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    assert draft.state == State.DRAFT

    signature = sign_request(draft, citizen_certificate(applicant))
    # P8: the signed request reaches the provider and is registered at once.
    registered = svc.application_submit(application_id=draft.pk, actor=citizen, signature=signature)
    assert registered.state == State.REGISTERED
    assert registered.number is not None and registered.number.startswith("AKT-")
    svc.application_take(application_id=draft.pk, executor=executor)
    signed = svc.application_sign_result(
        application_id=draft.pk, executor=executor, result_text="Уведомление."
    )

    # P10: a portal result reaches the applicant as soon as it is signed.
    assert signed.state == State.ISSUED
    assert signed.channel == Channel.PORTAL
    assert signed.steps.get(code="issuance").finished_at == signed.issued_at


def test_a_supervisor_reassigns_a_taken_request_and_the_new_executor_signs_it(
    clerk: User, executor: User, second_executor: User, supervisor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)

    svc.application_reassign(
        application_id=application.pk, supervisor=supervisor, executor_id=second_executor.pk
    )
    signed = svc.application_sign_result(
        application_id=application.pk, executor=second_executor, result_text="Справка."
    )

    assert signed.executor == second_executor
    assert signed.state == State.RESULT_SIGNED
    assert AuditEntry.objects.filter(action="reassign", succeeded=True).exists()


# --- forbidden: wrong state ----------------------------------------------------


def test_registering_twice_is_refused_and_gives_no_second_number(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    assert_refused(
        application,
        lambda: svc.application_register(application_id=application.pk, actor=clerk),
        svc.WrongState,
        "cannot be registered now",
    )


def test_issuing_a_result_that_is_not_signed_is_refused(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    assert_refused(
        application,
        lambda: svc.application_issue(
            application_id=application.pk, clerk=clerk, recipient_document="N 012345678"
        ),
        svc.WrongState,
        "cannot be issued now",
    )


def test_intake_cannot_be_refused_after_registration(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    assert_refused(
        application,
        lambda: svc.application_refuse_intake(
            application_id=application.pk, actor=clerk, ground_id=ground("expired-document").pk, reason="x"
        ),
        svc.WrongState,
        "cannot be refused at intake now",
    )


def test_second_executor_cannot_take_a_taken_request(
    clerk: User, executor: User, second_executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)

    assert_refused(
        application,
        lambda: svc.application_take(application_id=application.pk, executor=second_executor),
        svc.AlreadyTaken,
        "already been taken",
    )


def test_a_signed_result_cannot_be_signed_again(clerk: User, executor: User, applicant: Applicant) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, until=State.RESULT_SIGNED
    )

    assert_refused(
        application,
        lambda: svc.application_sign_result(
            application_id=application.pk, executor=executor, result_text="new"
        ),
        svc.WrongState,
        "cannot be signed now",
    )


# --- forbidden: wrong role -------------------------------------------------------


def test_an_executor_cannot_register(clerk: User, executor: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)

    assert_refused(
        application,
        lambda: svc.application_register(application_id=application.pk, actor=executor),
        svc.NotPermitted,
        "register applications",
    )


def test_a_clerk_cannot_take_a_request(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    assert_refused(
        application,
        lambda: svc.application_take(application_id=application.pk, executor=clerk),
        svc.NotPermitted,
        "take requests",
    )


def test_only_the_executor_who_took_a_request_may_sign_it(
    clerk: User, executor: User, second_executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)

    assert_refused(
        application,
        lambda: svc.application_sign_result(
            application_id=application.pk, executor=second_executor, result_text="Справка."
        ),
        svc.NotPermitted,
        "Only the executor who took",
    )


def test_an_executor_cannot_issue_a_result(clerk: User, executor: User, applicant: Applicant) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, until=State.RESULT_SIGNED
    )

    assert_refused(
        application,
        lambda: svc.application_issue(
            application_id=application.pk, clerk=executor, recipient_document="N 012345678"
        ),
        svc.NotPermitted,
        "issue results",
    )


def test_a_clerk_cannot_reassign(
    clerk: User, executor: User, second_executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)

    assert_refused(
        application,
        lambda: svc.application_reassign(
            application_id=application.pk, supervisor=clerk, executor_id=second_executor.pk
        ),
        svc.NotPermitted,
        "reassign requests",
    )


def test_a_citizen_cannot_submit_another_citizens_request(
    citizen: User, applicant: Applicant, aktau: Any
) -> None:
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    other = ApplicantFactory()
    from tests.factories import UserFactory

    stranger = UserFactory(username=other.iin, iin=other.iin)
    signature = sign_request(draft, citizen_certificate(other))

    assert_refused(
        draft,
        lambda: svc.application_submit(application_id=draft.pk, actor=stranger, signature=signature),
        svc.NotPermitted,
        "only your own requests",
    )


# --- forbidden: wrong office ------------------------------------------------------


def test_a_clerk_of_zhanaozen_cannot_register_an_aktau_application(
    clerk: User, zhanaozen_clerk: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)

    assert_refused(
        application,
        lambda: svc.application_register(application_id=application.pk, actor=zhanaozen_clerk),
        svc.WrongOffice,
        "belongs to another office",
    )


def test_an_executor_of_zhanaozen_cannot_take_an_aktau_request(
    clerk: User, zhanaozen_executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    assert_refused(
        application,
        lambda: svc.application_take(application_id=application.pk, executor=zhanaozen_executor),
        svc.WrongOffice,
        "belongs to another office",
    )


def test_an_administrator_may_act_in_any_office(
    zhanaozen_clerk: User, administrator: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=zhanaozen_clerk, applicant=applicant)

    registered = svc.application_register(application_id=application.pk, actor=administrator)

    assert registered.number is not None and registered.number.startswith("ZHO-")


# --- forbidden: wrong channel ------------------------------------------------------


def test_s2_never_enters_through_the_portal(citizen: User, applicant: Applicant, aktau: Any) -> None:
    before = Application.objects.count()

    with pytest.raises(svc.InvalidInput) as excinfo:
        svc.application_create_draft(
            actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S2"
        )

    assert "served at the chancellery only" in excinfo.value.message
    assert Application.objects.count() == before


def test_a_desk_application_cannot_be_submitted_electronically(
    clerk: User, citizen: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)

    assert_refused(
        application,
        lambda: svc.application_submit(application_id=application.pk, actor=citizen, signature=b"cms"),
        svc.WrongState,
        "cannot be submitted now",
    )


def test_the_portal_registers_only_remote_requests_by_itself(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)

    assert_refused(
        application,
        lambda: svc.application_register(application_id=application.pk, actor=None),
        svc.NotPermitted,
        "registered by a clerk",
    )


def test_an_unsigned_portal_request_is_not_submitted(citizen: User, applicant: Applicant, aktau: Any) -> None:
    draft = svc.application_create_draft(
        actor=citizen,
        applicant_id=applicant.pk,
        office_id=aktau.pk,
        service_code="S3",
        measure_kind="employment",
    )
    citizen_certificate(applicant)  # the citizen has a key, but sends no signature

    assert_refused(
        draft,
        lambda: svc.application_submit(application_id=draft.pk, actor=citizen, signature=b""),
        svc.InvalidInput,
        "not signed",
    )


# --- forbidden: missing or wrong ground ---------------------------------------------


def test_a_refusal_without_a_ground_is_refused(clerk: User, executor: User, applicant: Applicant) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.IN_REVIEW
    )

    assert_refused(
        application,
        lambda: svc.application_refuse(
            application_id=application.pk, executor=executor, ground_id=None, reason="x"
        ),
        svc.InvalidInput,
        "Choose the ground",
    )


def test_a_refusal_without_a_reason_is_refused(clerk: User, executor: User, applicant: Applicant) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, service_code="S1", until=State.IN_REVIEW
    )

    assert_refused(
        application,
        lambda: svc.application_refuse(
            application_id=application.pk,
            executor=executor,
            ground_id=ground("unreliable-documents").pk,
            reason="  ",
        ),
        svc.InvalidInput,
        "Write the reason",
    )


def test_an_intake_ground_cannot_motivate_a_refusal_after_review(
    clerk: User, executor: User, applicant: Applicant
) -> None:
    application = desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)

    assert_refused(
        application,
        lambda: svc.application_refuse(
            application_id=application.pk,
            executor=executor,
            ground_id=ground("expired-document").pk,
            reason="x",
        ),
        svc.InvalidInput,
        "does not apply",
    )


def test_an_s1_intake_cannot_be_refused_on_an_s2_ground(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, service_code="S1")

    assert_refused(
        application,
        lambda: svc.application_refuse_intake(
            application_id=application.pk, actor=clerk, ground_id=ground("incomplete-package").pk, reason="x"
        ),
        svc.InvalidInput,
        "does not apply",
    )


def test_an_s3_request_needs_a_kind_of_measure(clerk: User, applicant: Applicant) -> None:
    before = Application.objects.count()

    with pytest.raises(svc.InvalidInput) as excinfo:
        svc.application_receive(clerk=clerk, applicant_id=applicant.pk, service_code="S3")

    assert "kind of active employment measure" in excinfo.value.message
    assert Application.objects.count() == before


def test_the_state_field_cannot_be_written_directly(clerk: User, applicant: Applicant) -> None:
    application = desk_application(clerk=clerk, applicant=applicant)

    with pytest.raises(AttributeError):
        application.state = State.ISSUED


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "сейчас оно не может быть зарегистрировано"),
        ("kk", "қазір тіркеу мүмкін емес"),
    ],
)
def test_a_refusal_is_told_in_the_users_language(
    clerk: User, applicant: Applicant, language: str, expected: str
) -> None:
    application = desk_application(clerk=clerk, applicant=applicant, until=State.REGISTERED)

    with translation.override(language), pytest.raises(svc.WrongState) as excinfo:
        svc.application_register(application_id=application.pk, actor=clerk)

    assert expected in excinfo.value.message


def test_a_signed_result_cannot_be_edited(clerk: User, executor: User, applicant: Applicant) -> None:
    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, until=State.RESULT_SIGNED
    )
    result = application.result
    result.content = b"something else"

    with pytest.raises(PermissionError):
        result.save()

    result.refresh_from_db()
    assert b"something else" not in bytes(result.content)


def test_the_result_signature_verifies_against_the_test_ca_with_openssl(
    clerk: User, executor: User, applicant: Applicant, settings: Any, tmp_path: Any
) -> None:
    import subprocess
    from pathlib import Path

    application = desk_application(
        clerk=clerk, executor=executor, applicant=applicant, until=State.RESULT_SIGNED
    )
    content, signature = tmp_path / "result.json", tmp_path / "result.p7s"
    content.write_bytes(bytes(application.result.content))
    signature.write_bytes(bytes(application.result.signature))
    ca = Path(settings.PKI_CA_DIR) / "ca.cert.pem"

    verified = subprocess.run(  # noqa: S603 - fixed arguments
        [
            "/usr/bin/openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(signature),
            "-content",
            str(content),
            "-CAfile",
            str(ca),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        check=False,
    )

    assert verified.returncode == 0, verified.stderr
    assert applicant.iin.encode() in bytes(application.result.content)
