"""Writes of the services app: one function per transition, one transaction each.

Every function locks the application row (``select_for_update``), checks
the actor's role and office, the state and the conditions — each with its
own message — calls the django-fsm transition, saves with
``update_fields``, keeps the step clocks of G2 and writes the audit trail.
A refused action changes nothing and is itself recorded in the audit trail.

Public: ``application_receive``, ``application_create_draft``,
``application_submit``, ``application_register``,
``application_refuse_intake``, ``application_take``,
``application_reassign``, ``application_sign_result``,
``application_refuse``, ``application_issue``, and the ``ServiceError``
family.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from applicants.models import Applicant, User
from audit.services import audit_record
from registry.constants import MeasureKind
from reglament.constants import ProcedureCode
from reglament.deadlines import due_at
from reglament.models import Office, Procedure, ReglamentVersion
from reglament.selectors import reglament_version_in_force
from services.constants import REMOTE_CHANNELS, TAKEN_STATES, Channel, GroundStage, State
from services.models import (
    Application,
    RefusalGround,
    RegistrationCounter,
    Service,
    StepRecord,
)


class ServiceError(Exception):
    """A refused action. ``message`` is translated and shown to the user as is."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(ServiceError):
    code = "not_permitted"


class WrongOffice(ServiceError):
    code = "wrong_office"


class WrongState(ServiceError):
    code = "wrong_state"


class AlreadyTaken(WrongState):
    code = "already_taken"


class InvalidInput(ServiceError):
    code = "invalid"


class NoReglamentInForce(ServiceError):
    code = "no_reglament"


# --- helpers ---------------------------------------------------------------


@contextmanager
def _audited_refusal(*, actor: User | None, action: str, application_id: int | None) -> Iterator[None]:
    """Record a refused action after its transaction has rolled back."""
    try:
        yield
    except ServiceError as exc:
        if application_id is not None:
            target = Application.objects.filter(pk=application_id).first()
            if target is not None:
                audit_record(
                    actor=actor,
                    action=action,
                    target=target,
                    from_state=target.state,
                    remark=exc.message,
                    changes={"refused": exc.code},
                    succeeded=False,
                )
        raise


def _lock(application_id: int) -> Application:
    try:
        return (
            Application.objects.select_for_update(of=("self",))
            .select_related("office__calendar", "office__region", "service", "reglament_version")
            .get(pk=application_id)
        )
    except Application.DoesNotExist as exc:
        raise InvalidInput(_("There is no such application.")) from exc


def _require_role(actor: User, perm: str, what: str) -> None:
    if not actor.is_active or not actor.has_perm(f"services.{perm}"):
        raise NotPermitted(_("Your role does not allow you to %(action)s.") % {"action": what})


def _require_office(application: Application, actor: User) -> None:
    if application.office_id != actor.office_id and not actor.has_perm("services.act_in_any_office"):
        raise WrongOffice(
            _("Application %(number)s belongs to another office; you can act only within your own.")
            % {"number": application}
        )


def _require_state(application: Application, method: Callable[..., Any], what: str) -> None:
    if not can_proceed(method, check_conditions=False):
        raise WrongState(
            _("Application %(number)s is “%(state)s”; it cannot be %(action)s now.")
            % {
                "number": application,
                "state": application.get_state_display(),
                "action": what,
            }
        )


def _local_date(office: Office, moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(office.tz).date()


def _version_in_force(office: Office, service: Service, moment: datetime.datetime) -> ReglamentVersion:
    version = reglament_version_in_force(
        region=office.region_id, service_code=service.code, on=_local_date(office, moment)
    )
    if version is None:
        raise NoReglamentInForce(
            _("No reglament of the service “%(service)s” is in force on %(date)s; ask the administrator.")
            % {"service": service.name, "date": _local_date(office, moment).strftime("%d.%m.%Y")}
        )
    return version


def _procedure(version: ReglamentVersion, code: str) -> Procedure:
    try:
        return version.procedures.get(code=code)
    except Procedure.DoesNotExist as exc:
        raise NoReglamentInForce(
            _("The reglament %(version)s has no procedure “%(code)s”; ask the administrator.")
            % {"version": version, "code": code}
        ) from exc


def _start_step(
    application: Application, *, version: ReglamentVersion, code: str, at: datetime.datetime
) -> StepRecord:
    """G2: a step's clock runs from ``at`` for the norm of the governing version."""
    procedure = _procedure(version, code)
    return StepRecord.objects.create(
        application=application,
        procedure=procedure,
        code=code,
        norm_minutes=procedure.norm_minutes,
        started_at=at,
        due_at=due_at(office=application.office, start=at, norm_minutes=procedure.norm_minutes),
    )


def _finish_step(
    application: Application, *, code: str, performer: User | None, at: datetime.datetime
) -> None:
    StepRecord.objects.filter(application=application, code=code, finished_at__isnull=True).update(
        finished_at=at, performer=performer
    )


def _next_number(office: Office, at: datetime.datetime) -> tuple[str, int, int]:
    """The office's next registration number for the year; the counter row
    stays locked until the caller's transaction ends, so numbers never
    repeat, and a rolled-back registration gives its number back."""
    year = _local_date(office, at).year
    RegistrationCounter.objects.bulk_create(
        [RegistrationCounter(office=office, year=year)], ignore_conflicts=True
    )
    counter = RegistrationCounter.objects.select_for_update().get(office=office, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{office.code}-{year}-{counter.last_number:06d}", year, counter.last_number


def _ground(ground_id: int | None, *, service: Service, stage: str) -> RefusalGround:
    if ground_id is None:
        raise InvalidInput(_("Choose the ground of refusal."))
    ground = RefusalGround.objects.filter(pk=ground_id, is_active=True, stage=stage, services=service).first()
    if ground is None:
        raise InvalidInput(_("This ground of refusal does not apply to this service at this step."))
    return ground


def _reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InvalidInput(_("Write the reason for the refusal: the applicant will read it."))
    return cleaned


def _audit_transition(
    application: Application, *, actor: User | None, action: str, before: str, remark: str = ""
) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=application,
        from_state=before,
        to_state=application.state,
        remark=remark,
    )


# --- creating applications -------------------------------------------------


def application_receive(
    *,
    clerk: User,
    applicant_id: int,
    service_code: str,
    measure_kind: str = "",
    data: dict[str, Any] | None = None,
) -> Application:
    """G4, desk: the clerk starts receiving an applicant's documents.

    The intake clock (step 1) starts now.
    """
    _require_role(clerk, "register_application", _("receive documents"))
    if clerk.office is None:
        raise NotPermitted(_("Your account belongs to no office; ask the administrator."))
    with transaction.atomic():
        now = timezone.now()
        office = Office.objects.select_related("calendar", "region").get(pk=clerk.office.pk)
        service = _service(service_code)
        applicant = Applicant.objects.filter(pk=applicant_id).first()
        if applicant is None:
            raise InvalidInput(_("There is no such applicant."))
        version = _version_in_force(office, service, now)
        if not version.via_desk:
            raise InvalidInput(_("This service is not served at the chancellery."))
        application = Application.objects.create(
            service=service,
            office=office,
            applicant=applicant,
            channel=Channel.DESK,
            state=State.RECEIVED,
            reglament_version=version,
            measure_kind=_measure_kind(service, measure_kind),
            data=data or {},
            created_at=now,
            created_by=clerk,
        )
        _start_step(application, version=version, code=ProcedureCode.INTAKE, at=now)
        audit_record(actor=clerk, action="receive", target=application, to_state=application.state)
    return application


def application_create_draft(
    *,
    actor: User,
    applicant_id: int,
    office_id: int,
    service_code: str,
    channel: str = Channel.PORTAL,
    measure_kind: str = "",
    data: dict[str, Any] | None = None,
) -> Application:
    """P5: a citizen (or the gateway) starts a request. S2 is refused here:
    its reglament serves it at the chancellery only."""
    if channel not in REMOTE_CHANNELS:
        raise InvalidInput(_("Drafts are made on the portal or through the gateway only."))
    with transaction.atomic():
        now = timezone.now()
        applicant = Applicant.objects.filter(pk=applicant_id).first()
        if applicant is None:
            raise InvalidInput(_("There is no such applicant."))
        if applicant.user_id != actor.pk and not actor.has_perm("services.submit_via_gateway"):
            raise NotPermitted(_("You can file requests only in your own name."))
        office = (
            Office.objects.select_related("calendar", "region").filter(pk=office_id, is_active=True).first()
        )
        if office is None:
            raise InvalidInput(_("Choose an office of the employment centre."))
        service = _service(service_code)
        version = _version_in_force(office, service, now)
        if not version.via_portal:
            raise InvalidInput(
                _("The service “%(service)s” is served at the chancellery only; please visit an office.")
                % {"service": service.name}
            )
        application = Application.objects.create(
            service=service,
            office=office,
            applicant=applicant,
            channel=channel,
            state=State.DRAFT,
            reglament_version=version,
            measure_kind=_measure_kind(service, measure_kind),
            data=data or {},
            created_at=now,
            created_by=actor,
        )
        audit_record(actor=actor, action="create_draft", target=application, to_state=application.state)
    return application


def _service(code: str) -> Service:
    service = Service.objects.filter(code=code).first()
    if service is None:
        raise InvalidInput(_("There is no service with the code “%(code)s”.") % {"code": code})
    return service


def _measure_kind(service: Service, measure_kind: str) -> str:
    if service.code == "S3":
        if measure_kind not in MeasureKind.values:
            raise InvalidInput(_("Choose the kind of active employment measure."))
        return measure_kind
    if measure_kind:
        raise InvalidInput(_("A kind of measure is chosen only for referrals (S3)."))
    return ""


# --- transitions -----------------------------------------------------------


def application_submit(*, application_id: int, actor: User, signature: bytes) -> Application:
    """P8: a signed request is handed to the provider; the intake clock starts."""
    with _audited_refusal(actor=actor, action="submit", application_id=application_id), transaction.atomic():
        application = _lock(application_id)
        before = application.state
        _require_state(application, application.submit, _("submitted"))
        if not application.reglament_version.via_portal:
            raise InvalidInput(_("This service is served at the chancellery only."))
        if application.channel not in REMOTE_CHANNELS:
            raise InvalidInput(_("Only portal and gateway requests are submitted electronically."))
        if not signature:
            raise InvalidInput(_("The request is not signed."))
        application.request_signature = signature
        if not has_transition_perm(application.submit, actor):
            raise NotPermitted(_("You can submit only your own requests."))
        now = timezone.now()
        application.submit()
        application.save(update_fields=["state", "request_signature"])
        _start_step(application, version=application.reglament_version, code=ProcedureCode.INTAKE, at=now)
        _audit_transition(application, actor=actor, action="submit", before=before)
    return application


def application_register(*, application_id: int, actor: User | None) -> Application:
    """G2 step 1 ends: the application gets its incoming number and the
    executor's clock starts. ``actor`` None is the portal's automatic
    registration of a signed request (P8)."""
    with (
        _audited_refusal(actor=actor, action="register", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        before = application.state
        if actor is not None:
            _require_role(actor, "register_application", _("register applications"))
            _require_office(application, actor)
        elif application.channel not in REMOTE_CHANNELS:
            raise NotPermitted(_("Desk applications are registered by a clerk."))
        _require_state(application, application.register, _("registered"))
        now = timezone.now()
        # L1: the version in force on the day of registration governs.
        version = _version_in_force(application.office, application.service, now)
        number, year, seq = _next_number(application.office, now)
        application.reglament_version = version
        if actor is not None and not has_transition_perm(application.register, actor):
            raise NotPermitted(
                _("Your role does not allow you to %(action)s.") % {"action": _("register applications")}
            )
        application.register(number=number, year=year, seq=seq, at=now)
        application.save(
            update_fields=[
                "state",
                "number",
                "number_year",
                "number_seq",
                "registered_at",
                "reglament_version",
            ]
        )
        _finish_step(application, code=ProcedureCode.INTAKE, performer=actor, at=now)
        _start_step(application, version=version, code=ProcedureCode.REVIEW, at=now)
        _audit_transition(application, actor=actor, action="register", before=before, remark=number)
    return application


def application_refuse_intake(
    *, application_id: int, actor: User, ground_id: int | None, reason: str
) -> Application:
    """Refusal of intake (S2, paragraph 9): before registration, with its own number."""
    with (
        _audited_refusal(actor=actor, action="refuse_intake", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        before = application.state
        _require_role(actor, "refuse_intake", _("refuse intake"))
        _require_office(application, actor)
        _require_state(application, application.refuse_intake, _("refused at intake"))
        application.refusal_ground = _ground(ground_id, service=application.service, stage=GroundStage.INTAKE)
        application.refusal_reason = _reason(reason)
        if not has_transition_perm(application.refuse_intake, actor):
            raise NotPermitted(
                _("Your role does not allow you to %(action)s.") % {"action": _("refuse intake")}
            )
        now = timezone.now()
        number, year, seq = _next_number(application.office, now)
        application.refuse_intake(number=number, year=year, seq=seq, at=now)
        application.save(
            update_fields=[
                "state",
                "number",
                "number_year",
                "number_seq",
                "decided_at",
                "refusal_ground",
                "refusal_reason",
            ]
        )
        _finish_step(application, code=ProcedureCode.INTAKE, performer=actor, at=now)
        _audit_transition(
            application, actor=actor, action="refuse_intake", before=before, remark=application.refusal_reason
        )
    return application


def application_take(*, application_id: int, executor: User) -> Application:
    """G2 step 2: an executor takes a registered request. Of two executors
    taking the same request at once, the second waits for the row lock and
    is then told it is already taken."""
    with _audited_refusal(actor=executor, action="take", application_id=application_id), transaction.atomic():
        application = _lock(application_id)
        before = application.state
        _require_role(executor, "take_application", _("take requests"))
        _require_office(application, executor)
        if application.state in TAKEN_STATES:
            raise AlreadyTaken(
                _("Application %(number)s has already been taken by another executor.")
                % {"number": application}
            )
        _require_state(application, application.take, _("taken"))
        application.take(executor=executor)
        application.save(update_fields=["state", "executor"])
        StepRecord.objects.filter(application=application, code=ProcedureCode.REVIEW).update(
            performer=executor
        )
        _audit_transition(application, actor=executor, action="take", before=before)
    return application


def application_reassign(*, application_id: int, supervisor: User, executor_id: int) -> Application:
    """A supervisor hands a taken request to another executor of the office."""
    with (
        _audited_refusal(actor=supervisor, action="reassign", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        before = application.state
        _require_role(supervisor, "reassign_application", _("reassign requests"))
        _require_office(application, supervisor)
        _require_state(application, application.reassign, _("reassigned"))
        new_executor = User.objects.filter(
            pk=executor_id, is_active=True, office_id=application.office_id
        ).first()
        if new_executor is None or not new_executor.has_perm("services.sign_result"):
            raise InvalidInput(_("Choose an executor of this office."))
        previous = application.executor
        application.reassign(executor=new_executor)
        application.save(update_fields=["executor"])
        StepRecord.objects.filter(application=application, code=ProcedureCode.REVIEW).update(
            performer=new_executor
        )
        _audit_transition(
            application,
            actor=supervisor,
            action="reassign",
            before=before,
            remark=f"{previous} → {new_executor}",
        )
    return application


def _after_decision(application: Application, *, executor: User, now: datetime.datetime) -> None:
    _finish_step(application, code=ProcedureCode.REVIEW, performer=executor, at=now)
    _start_step(application, version=application.reglament_version, code=ProcedureCode.ISSUANCE, at=now)
    if application.channel in REMOTE_CHANNELS:
        # P10: a portal result is delivered electronically when it is signed.
        before = application.state
        application.issue(at=now)
        application.save(update_fields=["state", "issued_at"])
        _finish_step(application, code=ProcedureCode.ISSUANCE, performer=None, at=now)
        _audit_transition(application, actor=None, action="deliver", before=before, remark="P10")


def application_sign_result(*, application_id: int, executor: User, result_text: str) -> Application:
    """G2 step 2 ends: the executor who took the request signs its result."""
    with (
        _audited_refusal(actor=executor, action="sign_result", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        before = application.state
        _require_role(executor, "sign_result", _("sign results"))
        _require_office(application, executor)
        _require_state(application, application.prepare_result, _("signed"))
        if application.executor_id != executor.pk:
            raise NotPermitted(
                _("Only the executor who took application %(number)s may sign it.") % {"number": application}
            )
        text = (result_text or "").strip()
        if not text:
            raise InvalidInput(_("Prepare the text of the result before signing."))
        application.result_text = text
        if not has_transition_perm(application.prepare_result, executor):
            raise NotPermitted(
                _("Only the executor who took application %(number)s may sign it.") % {"number": application}
            )
        now = timezone.now()
        application.prepare_result(at=now)
        application.save(update_fields=["state", "result_text", "decided_at"])
        _audit_transition(application, actor=executor, action="sign_result", before=before)
        _after_decision(application, executor=executor, now=now)
    return application


def application_refuse(
    *, application_id: int, executor: User, ground_id: int | None, reason: str
) -> Application:
    """G5: a motivated refusal citing a ground of paragraph 10."""
    with (
        _audited_refusal(actor=executor, action="refuse", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        before = application.state
        _require_role(executor, "sign_result", _("sign refusals"))
        _require_office(application, executor)
        _require_state(application, application.refuse, _("refused"))
        if application.executor_id != executor.pk:
            raise NotPermitted(
                _("Only the executor who took application %(number)s may sign it.") % {"number": application}
            )
        application.refusal_ground = _ground(ground_id, service=application.service, stage=GroundStage.REVIEW)
        application.refusal_reason = _reason(reason)
        if not has_transition_perm(application.refuse, executor):
            raise NotPermitted(
                _("Only the executor who took application %(number)s may sign it.") % {"number": application}
            )
        now = timezone.now()
        application.refuse(at=now)
        application.save(update_fields=["state", "refusal_ground", "refusal_reason", "decided_at"])
        _audit_transition(
            application, actor=executor, action="refuse", before=before, remark=application.refusal_reason
        )
        _after_decision(application, executor=executor, now=now)
    return application


def application_issue(*, application_id: int, clerk: User) -> Application:
    """G2 step 3: the result is handed over against the applicant's
    signature in the service journal."""
    with _audited_refusal(actor=clerk, action="issue", application_id=application_id), transaction.atomic():
        application = _lock(application_id)
        before = application.state
        _require_role(clerk, "issue_result", _("issue results"))
        _require_office(application, clerk)
        _require_state(application, application.issue, _("issued"))
        if not has_transition_perm(application.issue, clerk):
            raise NotPermitted(
                _("Your role does not allow you to %(action)s.") % {"action": _("issue results")}
            )
        now = timezone.now()
        application.issue(at=now)
        application.save(update_fields=["state", "issued_at"])
        _finish_step(application, code=ProcedureCode.ISSUANCE, performer=clerk, at=now)
        _audit_transition(application, actor=clerk, action="issue", before=before)
    return application
