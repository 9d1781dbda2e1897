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
family; for the gateway, ``request_signature_verify`` (P6 over given
bytes) and ``request_data_clean``. Every state change is also sent as
``services.signals.application_state_changed`` inside its transaction.
Executors' signatures made in the browser: ``result_prepare``,
``refusal_prepare`` (``PreparedResult``) and ``ResultSignatureRefused``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from applicants.models import Applicant, User
from audit.models import AuditEntry
from audit.services import audit_record
from pki.cms import SignatureError
from pki.services import staff_sign
from registry.constants import MeasureKind, ProgrammeKind, Register
from registry.eligibility import eligibility_for_request, failing
from registry.models import Programme, Vacancy
from registry.services import RegistryError, referral_record, register_entry_open
from reglament.constants import ProcedureCode
from reglament.deadlines import due_at
from reglament.models import Office, Procedure, ReglamentVersion
from reglament.selectors import reglament_version_in_force
from services.constants import REMOTE_CHANNELS, TAKEN_STATES, Channel, GroundStage, ResultKind, State
from services.models import (
    Application,
    Attachment,
    EducationLevel,
    JournalEntry,
    PresentedDocument,
    RefusalGround,
    RegistrationCounter,
    RequiredDocument,
    ResultDocument,
    Service,
    StepRecord,
)
from services.notifications import notify_on_commit
from services.signals import application_state_changed
from services.uploads import check_file_count, safe_display_name, validate_upload


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


class AlreadyDone(ServiceError):
    """The same form was posted again (a double click, a replay): its first
    post made ``application``; nothing more is done."""

    code = "already_done"

    def __init__(self, message: str, *, application: Application) -> None:
        super().__init__(message)
        self.application = application


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
    step = StepRecord.objects.create(
        application=application,
        procedure=procedure,
        code=code,
        norm_minutes=procedure.norm_minutes,
        started_at=at,
        due_at=due_at(office=application.office, start=at, norm_minutes=procedure.norm_minutes),
    )
    # The queue orders by the running step's due time without a join.
    application.due_at = step.due_at
    Application.objects.filter(pk=application.pk).update(due_at=step.due_at)
    return step


def _finish_step(
    application: Application, *, code: str, performer: User | None, at: datetime.datetime
) -> None:
    StepRecord.objects.filter(application=application, code=code, finished_at__isnull=True).update(
        finished_at=at, performer=performer
    )
    if code == ProcedureCode.ISSUANCE or application.state == State.INTAKE_REFUSED:
        application.due_at = None
        Application.objects.filter(pk=application.pk).update(due_at=None)


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
    entry = audit_record(
        actor=actor,
        action=action,
        target=application,
        from_state=before,
        to_state=application.state,
        remark=remark,
    )
    _state_changed(application, entry=entry, action=action, before=before)


def _passes_at_once(application: Application) -> bool:
    """A state the same transaction leaves again: a signed request is
    registered at once (P8) and a remote result is delivered when it is
    signed (P10). The applicant is told where the request lands."""
    if application.state == State.SUBMITTED:
        return True
    return application.state in (State.RESULT_SIGNED, State.REFUSAL_SIGNED) and (
        application.channel in REMOTE_CHANNELS
    )


def _state_changed(application: Application, *, entry: AuditEntry, action: str, before: str) -> None:
    """Tell the receivers (the gateway's status push) in this transaction,
    and e-mail the applicant once it commits: one e-mail per action, about
    the state the action leaves the request in."""
    if before != application.state:
        if not _passes_at_once(application):
            notify_on_commit(application, entry)
        application_state_changed.send(
            sender=Application,
            application_id=application.pk,
            audit_entry_id=entry.pk,
            action=action,
            from_state=before,
            to_state=application.state,
            channel=application.channel,
        )


# --- creating applications -------------------------------------------------


def application_receive(
    *,
    clerk: User,
    applicant_id: int,
    service_code: str,
    measure_kind: str = "",
    data: dict[str, Any] | None = None,
    intake_key: uuid.UUID | None = None,
) -> Application:
    """G4, desk: the clerk starts receiving an applicant's documents.

    The intake clock (step 1) starts now. ``intake_key`` is the key of the
    form that asked: a second post of the same form (a double click, a
    replay) raises ``AlreadyDone`` with the application the first one made.
    """
    _require_role(clerk, "register_application", _("receive documents"))
    if clerk.office is None:
        raise NotPermitted(_("Your account belongs to no office; ask the administrator."))
    with transaction.atomic():
        now = timezone.now()
        office = Office.objects.select_related("calendar", "region").get(pk=clerk.office.pk)
        service = _service(service_code)
        # The applicant's row lock queues two posts of one form: the second
        # sees the application the first committed.
        applicant = Applicant.objects.select_for_update().filter(pk=applicant_id).first()
        if applicant is None:
            raise InvalidInput(_("There is no such applicant."))
        earlier = Application.objects.filter(intake_key=intake_key).first() if intake_key else None
        if earlier is not None:
            raise AlreadyDone(
                _("This intake was already started (the form was sent twice); nothing more was done."),
                application=earlier,
            )
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
            intake_key=intake_key,
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


def application_submit(
    *,
    application_id: int,
    actor: User,
    signature: bytes,
    signed_document: bytes | None = None,
    gateway_message: bytes | None = None,
) -> Application:
    """P5–P8: the applicant's signed request is checked (P6) and, when the
    signature is confirmed, handed to the provider and registered at once
    with its incoming number (P8); the review clock starts.

    The signed bytes are rebuilt from the database
    (``services.request_document.canonical_request``) and the signature must
    chain to a trusted CA, be in date, not revoked, made with a signing key,
    and carry the applicant's own IIN. Each failure is a
    ``SignatureRefused`` with its own message (P7): nothing is submitted and
    the refusal is audited. ``signed_document`` — what the signing page gave
    NCALayer — only tells a request changed after signing apart from a
    signature of some other document; it is never trusted as the request.

    ``gateway_message`` (gateway requests only): the canonical bytes of the
    gateway message the request was made from, rebuilt by the gateway from
    the very fields it created the request with; the signature is checked
    over them instead of the portal's canonical request.
    """
    with _audited_refusal(actor=actor, action="submit", application_id=application_id), transaction.atomic():
        application = _lock(application_id)
        before = application.state
        _require_state(application, application.submit, _("submitted"))
        if not application.reglament_version.via_portal:
            raise InvalidInput(_("This service is served at the chancellery only."))
        if application.channel not in REMOTE_CHANNELS:
            raise InvalidInput(_("Only portal and gateway requests are submitted electronically."))
        if not signature:
            raise SignatureRefused(_("The request is not signed."), code="unsigned")
        if gateway_message is not None and application.channel != Channel.GATEWAY:
            raise InvalidInput(_("Only gateway requests are signed as gateway messages."))
        # django-fsm checks the transition's conditions with its permission,
        # and one condition is that the request carries a signature.
        application.request_signature = signature
        if not has_transition_perm(application.submit, actor):
            raise NotPermitted(_("You can submit only your own requests."))
        now = timezone.now()
        content, verified = _verified_request(
            application, signature=signature, signed_document=signed_document, at=now, content=gateway_message
        )
        application.submit()
        application.save(update_fields=["state", "request_signature"])
        _start_step(application, version=application.reglament_version, code=ProcedureCode.INTAKE, at=now)
        entry = audit_record(
            actor=actor,
            action="submit",
            target=application,
            from_state=before,
            to_state=application.state,
            remark=f"signed with certificate {verified.serial}",
            changes={
                "certificate_serial": verified.serial,
                "request_sha256": hashlib.sha256(content).hexdigest(),
            },
        )
        _state_changed(application, entry=entry, action="submit", before=before)
        # P8: the signed request goes to the provider's workstation and is
        # registered there at once; a failure here undoes the submission too.
        return _register(application, None)


def _register(application: Application, actor: User | None) -> Application:
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
        update_fields=["state", "number", "number_year", "number_seq", "registered_at", "reglament_version"]
    )
    _finish_step(application, code=ProcedureCode.INTAKE, performer=actor, at=now)
    _start_step(application, version=version, code=ProcedureCode.REVIEW, at=now)
    _audit_transition(application, actor=actor, action="register", before=before, remark=number)
    return application


def application_register(*, application_id: int, actor: User | None) -> Application:
    """G2 step 1 ends: the application gets its incoming number and the
    executor's clock starts. ``actor`` None is the portal's automatic
    registration of a signed request (P8)."""
    with (
        _audited_refusal(actor=actor, action="register", application_id=application_id),
        transaction.atomic(),
    ):
        return _register(_lock(application_id), actor)


def _refuse_intake(application: Application, actor: User, ground_id: int | None, reason: str) -> Application:
    before = application.state
    _require_role(actor, "refuse_intake", _("refuse intake"))
    _require_office(application, actor)
    _require_state(application, application.refuse_intake, _("refused at intake"))
    application.refusal_ground = _ground(ground_id, service=application.service, stage=GroundStage.INTAKE)
    application.refusal_reason = _reason(reason)
    if not has_transition_perm(application.refuse_intake, actor):
        raise NotPermitted(_("Your role does not allow you to %(action)s.") % {"action": _("refuse intake")})
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


def application_refuse_intake(
    *, application_id: int, actor: User, ground_id: int | None, reason: str
) -> Application:
    """Refusal of intake (S2, paragraph 9): before registration, with its own number."""
    with (
        _audited_refusal(actor=actor, action="refuse_intake", application_id=application_id),
        transaction.atomic(),
    ):
        return _refuse_intake(_lock(application_id), actor, ground_id, reason)


# --- the intake desk: the paragraph-9 checklist ------------------------------


@dataclass(frozen=True)
class ChecklistLine:
    """What the clerk ticked for one required document."""

    document_id: int
    presented: bool
    number: str = ""
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = None
    scan: UploadedFile | None = None


@dataclass(frozen=True)
class PackageProblems:
    """Why a package cannot be registered: mandatory documents missing,
    presented documents expired (paragraph 9; S2 refuses intake for both)."""

    missing: list[RequiredDocument] = field(default_factory=list)
    expired: list[tuple[RequiredDocument, datetime.date]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.expired)

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append(
                _("Missing: %(documents)s.") % {"documents": "; ".join(d.name for d in self.missing)}
            )
        if self.expired:
            parts.append(
                _("Expired: %(documents)s.")
                % {
                    "documents": "; ".join(
                        _("%(document)s (valid until %(date)s)")
                        % {"document": d.name, "date": day.strftime("%d.%m.%Y")}
                        for d, day in self.expired
                    )
                }
            )
        return " ".join(parts)


def required_documents(application: Application) -> list[RequiredDocument]:
    """The service's paragraph-9 documents that apply to this application
    (S3: the measure's own documents only)."""
    return [
        d
        for d in RequiredDocument.objects.filter(service_id=application.service_id).order_by("order", "pk")
        if not d.measure_kind or d.measure_kind == application.measure_kind
    ]


def package_problems(application: Application, *, today: datetime.date) -> PackageProblems:
    presented = {p.document_id: p for p in application.presented_documents.all()}
    problems = PackageProblems()
    for document in required_documents(application):
        line = presented.get(document.pk)
        if line is None or not line.presented:
            if document.mandatory:
                problems.missing.append(document)
            continue
        if document.expires and line.expires_on is not None and line.expires_on < today:
            problems.expired.append((document, line.expires_on))
    return problems


def _record_checklist(application: Application, clerk: User, lines: list[ChecklistLine]) -> None:
    today = timezone.localdate()
    documents = {d.pk: d for d in required_documents(application)}
    for line in lines:
        document = documents.get(line.document_id)
        if document is None:
            raise InvalidInput(_("This document is not on the list of this service."))
        if line.issued_on and line.issued_on > today:
            raise InvalidInput(
                _("The issue date of “%(document)s” is in the future; check it.")
                % {"document": document.name}
            )
        if line.issued_on and line.expires_on and line.expires_on < line.issued_on:
            raise InvalidInput(
                _("“%(document)s” cannot expire before it was issued; check the dates.")
                % {"document": document.name}
            )
        if line.presented and document.expires and line.expires_on is None:
            raise InvalidInput(
                _("Give the expiry date of “%(document)s”: it is checked at intake.")
                % {"document": document.name}
            )
        row, _created = PresentedDocument.objects.get_or_create(application=application, document=document)
        row.presented = line.presented
        row.number = line.number.strip()
        row.issued_on = line.issued_on
        row.expires_on = line.expires_on
        update = ["presented", "number", "issued_on", "expires_on"]
        if line.scan is not None:
            digest = hashlib.sha256()
            for chunk in line.scan.chunks():
                digest.update(chunk)
            line.scan.seek(0)
            row.scan.save("scan", line.scan, save=False)
            row.scan_sha256 = digest.hexdigest()
            update += ["scan", "scan_sha256"]
        row.save(update_fields=update)
    audit_record(
        actor=clerk,
        action="checklist",
        target=application,
        from_state=application.state,
        changes={str(line.document_id): line.presented for line in lines},
    )


def application_register_at_desk(
    *, application_id: int, clerk: User, lines: list[ChecklistLine]
) -> Application:
    """The desk's *Register*: record the checklist and register, in one
    transaction. An incomplete or expired package is not registered."""
    with (
        _audited_refusal(actor=clerk, action="register", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        _require_role(clerk, "register_application", _("register applications"))
        _require_office(application, clerk)
        _require_state(application, application.register, _("registered"))
        _record_checklist(application, clerk, lines)
        problems = package_problems(application, today=timezone.localdate())
        if problems:
            advice = (
                _("Refuse intake and give the applicant the receipt.")
                if _intake_refusal_possible(application)
                else _("Ask the applicant to bring them.")
            )
            raise InvalidInput(f"{problems.describe()} {advice}")
        return _register(application, clerk)


def _intake_refusal_possible(application: Application) -> bool:
    return RefusalGround.objects.filter(
        services=application.service_id, stage=GroundStage.INTAKE, is_active=True
    ).exists()


def application_refuse_intake_at_desk(
    *, application_id: int, clerk: User, lines: list[ChecklistLine], ground_id: int | None, reason: str
) -> Application:
    """The desk's refusal of intake (S2): the checklist shows what is missing
    or expired; the receipt is printed from it."""
    with (
        _audited_refusal(actor=clerk, action="refuse_intake", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        _require_role(clerk, "refuse_intake", _("refuse intake"))
        _require_office(application, clerk)
        _require_state(application, application.refuse_intake, _("refused at intake"))
        _record_checklist(application, clerk, lines)
        if not package_problems(application, today=timezone.localdate()):
            raise InvalidInput(_("The package is complete and valid: register it instead of refusing."))
        return _refuse_intake(application, clerk, ground_id, reason)


def _take(application: Application, executor: User) -> Application:
    before = application.state
    _require_role(executor, "take_application", _("take requests"))
    _require_office(application, executor)
    if application.state in TAKEN_STATES:
        raise AlreadyTaken(
            _("Application %(number)s has already been taken by another executor.") % {"number": application}
        )
    _require_state(application, application.take, _("taken"))
    application.take(executor=executor)
    application.save(update_fields=["state", "executor"])
    StepRecord.objects.filter(application=application, code=ProcedureCode.REVIEW).update(performer=executor)
    _audit_transition(application, actor=executor, action="take", before=before)
    return application


def application_take(*, application_id: int, executor: User) -> Application:
    """G2 step 2: an executor takes a registered request. Of two executors
    taking the same request at once, the second waits for the row lock and
    is then told it is already taken."""
    with _audited_refusal(actor=executor, action="take", application_id=application_id), transaction.atomic():
        return _take(_lock(application_id), executor)


class NothingToTake(ServiceError):
    code = "empty_queue"


def application_take_next(*, executor: User) -> Application:
    """*Take next*: the most urgent registered request of the executor's
    office. Rows locked by another executor's *Take next* are skipped
    (``SKIP LOCKED``), so two executors never get the same one."""
    _require_role(executor, "take_application", _("take requests"))
    if executor.office_id is None:
        raise NotPermitted(_("Your account belongs to no office; ask the administrator."))
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("office__calendar", "office__region", "service", "reglament_version")
            .filter(office_id=executor.office_id, state=State.REGISTERED)
            .order_by("due_at", "id")
            .first()
        )
        if application is None:
            raise NothingToTake(_("There are no requests waiting in your office's queue."))
        return _take(application, executor)


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


def _require_taker(application: Application, executor: User, method: Callable[..., Any]) -> None:
    if application.executor_id != executor.pk or not has_transition_perm(method, executor):
        raise NotPermitted(
            _("Only the executor who took application %(number)s may sign it.") % {"number": application}
        )


_REFERRAL_KINDS = {
    MeasureKind.EMPLOYMENT: ResultKind.REFERRAL_EMPLOYMENT,
    MeasureKind.YOUTH_PRACTICE: ResultKind.REFERRAL_YOUTH_PRACTICE,
    MeasureKind.SOCIAL_JOBS: ResultKind.REFERRAL_SOCIAL_JOBS,
    MeasureKind.PUBLIC_WORKS: ResultKind.REFERRAL_PUBLIC_WORKS,
}
_PROGRAMME_FOR_MEASURE = {
    MeasureKind.YOUTH_PRACTICE: ProgrammeKind.YOUTH_PRACTICE,
    MeasureKind.SOCIAL_JOBS: ProgrammeKind.SOCIAL_JOBS,
    MeasureKind.PUBLIC_WORKS: ProgrammeKind.PUBLIC_WORKS,
}


def result_kind_for(application: Application) -> str:
    """S1 notification, S2 certificate, S3 one of the four referrals."""
    if application.service.code == "S1":
        return ResultKind.NOTIFICATION
    if application.service.code == "S2":
        return ResultKind.CERTIFICATE
    return _REFERRAL_KINDS[MeasureKind(application.measure_kind)]


def _referral_target(
    application: Application, *, vacancy_id: int | None, programme_id: int | None, reserve: bool = True
) -> tuple[Vacancy | None, Programme | None]:
    """S3: an employment referral names an open vacancy of the office; the
    other three take a place of a programme of the matching kind — taken
    atomically, so a programme is never over-booked. ``reserve=False``
    (preparing a result for signing) only checks that a place is free."""
    if application.service.code != "S3":
        if vacancy_id or programme_id:
            raise InvalidInput(_("Only referrals (S3) name a vacancy or a programme."))
        return None, None
    if application.measure_kind == MeasureKind.EMPLOYMENT:
        if vacancy_id is None:
            raise InvalidInput(_("Choose an open vacancy of your office for the referral."))
        vacancy = Vacancy.objects.filter(pk=vacancy_id, office_id=application.office_id, is_open=True).first()
        if vacancy is None:
            raise InvalidInput(_("Choose an open vacancy of your office for the referral."))
        return vacancy, None
    if programme_id is None:
        raise InvalidInput(_("Choose a programme of the right kind in your office for the referral."))
    programme = Programme.objects.filter(
        pk=programme_id,
        office_id=application.office_id,
        kind=_PROGRAMME_FOR_MEASURE[MeasureKind(application.measure_kind)],
    ).first()
    if programme is None:
        raise InvalidInput(_("Choose a programme of the right kind in your office for the referral."))
    free = Programme.objects.filter(pk=programme.pk, places_taken__lt=F("places"))
    taken = free.update(places_taken=F("places_taken") + 1) if reserve else free.exists()
    if not taken:
        raise InvalidInput(
            _("The programme “%(programme)s” has no free places left; choose another.")
            % {"programme": programme.name}
        )
    return None, programme


def _require_eligible(application: Application, *, programme: Programme | None) -> None:
    """Issue 5, item 4: the eligibility rules (``registry.eligibility``) are
    checked again at signing; the first failing rule's reason refuses it."""
    failed = failing(
        eligibility_for_request(
            applicant=application.applicant,
            service_code=application.service.code,
            measure_kind=application.measure_kind,
            programme=programme,
            on=_local_date(application.office, timezone.now()),
        )
    )
    if failed:
        raise InvalidInput(failed[0].reason)


def _enter_in_registry(
    application: Application,
    *,
    executor: User,
    vacancy: Vacancy | None,
    programme: Programme | None,
    at: datetime.datetime,
) -> None:
    """Issue 5, item 3: a signed result enters its register in the signing's
    own transaction — S1 the job seekers, S2 the unemployed with the
    certificate's number, S3 the referrals."""
    on = _local_date(application.office, at)
    code = application.service.code
    try:
        if code == "S1":
            register_entry_open(application=application, register=Register.JOB_SEEKERS, on=on, actor=executor)
        elif code == "S2":
            register_entry_open(
                application=application,
                register=Register.UNEMPLOYED,
                on=on,
                certificate_number=application.number or "",
                actor=executor,
            )
        elif code == "S3":
            referral_record(
                application=application,
                kind=application.measure_kind,
                vacancy=vacancy,
                programme=programme,
                on=on,
                actor=executor,
            )
    except RegistryError as exc:
        raise InvalidInput(exc.message) from exc


def _canonical_result(
    application: Application,
    *,
    kind: str,
    text: str,
    at: datetime.datetime,
    vacancy: Vacancy | None = None,
    programme: Programme | None = None,
) -> bytes:
    """The exact bytes the executor signs: stable key order, UTF-8."""
    body = {
        "number": application.number,
        "kind": kind,
        "service": application.service.code,
        "office": application.office.code,
        "applicant": {"iin": application.applicant.iin, "name": application.applicant.full_name},
        "text": text,
        "signed_at": at.isoformat(),
        "vacancy": vacancy.pk if vacancy else None,
        "programme": programme.pk if programme else None,
        "ground": application.refusal_ground.code if application.refusal_ground else None,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sign_result(
    application: Application,
    *,
    executor: User,
    kind: str,
    text: str,
    at: datetime.datetime,
    vacancy: Vacancy | None = None,
    programme: Programme | None = None,
    signature: bytes | None = None,
    signed_document: bytes | None = None,
) -> ResultDocument:
    """The signed result: with ``signature`` (made in the browser through
    NCALayer over the canonical bytes with ``at`` as their ``signed_at``)
    checked in full, else signed here with the key the portal keeps."""
    content = _canonical_result(
        application, kind=kind, text=text, at=at, vacancy=vacancy, programme=programme
    )
    if signature is not None:
        certificate = _verified_result_signature(
            application,
            executor=executor,
            content=content,
            signature=signature,
            signed_document=signed_document,
        )
    else:
        _require_server_signing()
        try:
            signature, certificate = staff_sign(user=executor, data=content)
        except SignatureError as exc:
            raise InvalidInput(str(exc)) from exc
    return ResultDocument.objects.create(
        application=application,
        kind=kind,
        content=content,
        content_sha256=hashlib.sha256(content).hexdigest(),
        signature=signature,
        certificate_serial=certificate.serial,
        signed_by=executor,
        signed_at=at,
        vacancy=vacancy,
        programme=programme,
    )


def application_sign_result(
    *,
    application_id: int,
    executor: User,
    result_text: str,
    vacancy_id: int | None = None,
    programme_id: int | None = None,
    signature: bytes | None = None,
    signed_at: datetime.datetime | None = None,
    signed_document: bytes | None = None,
) -> Application:
    """G2 step 2 ends: the executor who took the request signs its result
    with their e-signature; the signed result is never edited again.

    With ``signature`` the executor signed in the browser (NCALayer) the
    document ``result_prepare`` showed them, fixed at ``signed_at``: the
    bytes are rebuilt from these fields and the database and the signature
    is checked in full (``_verified_result_signature``). Without it the
    portal signs with the key it keeps, only while ``STAFF_SERVER_SIGNING``
    is on. ``signed_document`` (what the page gave NCALayer) only tells a
    result changed after preparing apart from a signature of another
    document; it is never trusted as the result.
    """
    with (
        _audited_refusal(actor=executor, action="sign_result", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        before = application.state
        _require_role(executor, "sign_result", _("sign results"))
        _require_office(application, executor)
        _require_state(application, application.prepare_result, _("signed"))
        if signature is None:
            _require_server_signing()
        text = (result_text or "").strip() if signature is None else _signed_text(result_text)
        if not text:
            raise InvalidInput(_("Prepare the text of the result before signing."))
        application.result_text = text
        _require_taker(application, executor, application.prepare_result)
        vacancy, programme = _referral_target(application, vacancy_id=vacancy_id, programme_id=programme_id)
        _require_eligible(application, programme=programme)
        now = timezone.now()
        if signature is not None:
            _check_signed_at(application, signed_at=signed_at, now=now)
        application.prepare_result(at=now)
        application.save(update_fields=["state", "result_text", "decided_at"])
        _sign_result(
            application,
            executor=executor,
            kind=result_kind_for(application),
            text=text,
            at=signed_at if signature is not None and signed_at is not None else now,
            vacancy=vacancy,
            programme=programme,
            signature=signature,
            signed_document=signed_document,
        )
        _enter_in_registry(application, executor=executor, vacancy=vacancy, programme=programme, at=now)
        _audit_transition(application, actor=executor, action="sign_result", before=before)
        _after_decision(application, executor=executor, now=now)
    return application


def application_refuse(
    *,
    application_id: int,
    executor: User,
    ground_id: int | None,
    reason: str,
    signature: bytes | None = None,
    signed_at: datetime.datetime | None = None,
    signed_document: bytes | None = None,
) -> Application:
    """G5: a motivated refusal citing a ground of paragraph 10, signed —
    in the browser (``signature``, ``signed_at``, ``signed_document`` as for
    ``application_sign_result``) or by the portal's key when allowed."""
    with (
        _audited_refusal(actor=executor, action="refuse", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        before = application.state
        _require_role(executor, "sign_result", _("sign refusals"))
        _require_office(application, executor)
        _require_state(application, application.refuse, _("refused"))
        if signature is None:
            _require_server_signing()
        application.refusal_ground = _ground(ground_id, service=application.service, stage=GroundStage.REVIEW)
        application.refusal_reason = _reason(reason if signature is None else _signed_text(reason))
        _require_taker(application, executor, application.refuse)
        now = timezone.now()
        if signature is not None:
            _check_signed_at(application, signed_at=signed_at, now=now)
        application.refuse(at=now)
        application.save(update_fields=["state", "refusal_ground", "refusal_reason", "decided_at"])
        _sign_result(
            application,
            executor=executor,
            kind=ResultKind.REFUSAL,
            text=application.refusal_reason,
            at=signed_at if signature is not None and signed_at is not None else now,
            signature=signature,
            signed_document=signed_document,
        )
        _audit_transition(
            application, actor=executor, action="refuse", before=before, remark=application.refusal_reason
        )
        _after_decision(application, executor=executor, now=now)
    return application


# --- executors' signatures made in the browser (NCALayer) ------------------------
# The executor's own key signs in NCALayer, as the citizen's does (the issue
# "Executors sign in the browser through the same NCALayer client"): the
# portal shows the exact bytes (``result_prepare``/``refusal_prepare``),
# NCALayer signs them, and ``application_sign_result``/``application_refuse``
# rebuild them from the posted fields and the database and check the
# signature in full. Signing with the keys the portal keeps is an explicit
# option (``STAFF_SERVER_SIGNING``).

DEFAULT_SIGNING_WINDOW_MINUTES = 30


class ServerSigningDisabled(NotPermitted):
    code = "server_signing_off"


class ResultSignatureRefused(InvalidInput):
    """The executor's signature of a result or refusal is not accepted.
    ``code`` is the reason: a ``pki.errors`` code, or ``unsigned``,
    ``document_changed``, ``crl_not_loaded``, ``signed_at_missing``,
    ``signed_at_future``, ``signed_at_expired``, ``signed_at_before_take``,
    ``not_staff_certificate``, ``another_executor``, ``not_current_certificate``."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PreparedResult:
    """A result or refusal ready to be signed in the browser: the exact bytes
    and the moment fixed in them, and the key NCALayer should offer."""

    content: bytes
    signed_at: datetime.datetime
    kind: str
    text: str
    signer_iin: str | None
    certificate_serial: str

    @property
    def readable(self) -> str:
        """The same content laid out for reading; the signed bytes are ``content``."""
        return json.dumps(json.loads(self.content), ensure_ascii=False, sort_keys=True, indent=2)


def _require_server_signing() -> None:
    from django.conf import settings

    if not getattr(settings, "STAFF_SERVER_SIGNING", not getattr(settings, "PRODUCTION", False)):
        raise ServerSigningDisabled(
            _(
                "The portal does not sign with the keys it keeps: prepare the document for signing "
                "and sign it with NCALayer."
            )
        )


def _signed_text(text: str) -> str:
    # The text travels to the page and back in a form field, and browsers
    # post line breaks as CRLF or LF depending on the field: the signed
    # bytes always have LF.
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _certificate_iin(certificate: Any) -> str | None:
    from cryptography.x509.oid import NameOID

    for attribute in certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = attribute.value
        if isinstance(value, str) and value.startswith("IIN") and len(value) == 15 and value[3:].isdigit():
            return value[3:]
    return None


def _taken_at(application: Application) -> datetime.datetime | None:
    """When the request last came to its executor: taken, or handed over."""
    from services.selectors import application_history

    entry = (
        application_history(application=application)
        .filter(action__in=("take", "reassign"), succeeded=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    return entry.created_at if entry is not None else None


def _check_signed_at(
    application: Application, *, signed_at: datetime.datetime | None, now: datetime.datetime
) -> None:
    """The moment fixed at preparation is recent, not ahead of the clock,
    and not from before the request came to this executor: an old prepared
    document is not signed into a result."""
    from django.conf import settings
    from django.utils.translation import ngettext

    minutes = int(getattr(settings, "STAFF_SIGNING_WINDOW_MINUTES", DEFAULT_SIGNING_WINDOW_MINUTES))
    if signed_at is None or signed_at.tzinfo is None:
        raise ResultSignatureRefused(
            _("The time the document was prepared is missing; prepare it for signing again."),
            code="signed_at_missing",
        )
    if signed_at > now:
        raise ResultSignatureRefused(
            _("The time the document was prepared lies in the future; prepare it for signing again."),
            code="signed_at_future",
        )
    if now - signed_at > datetime.timedelta(minutes=minutes):
        raise ResultSignatureRefused(
            ngettext(
                "The document was prepared more than %(minutes)d minute ago; prepare it for signing again.",
                "The document was prepared more than %(minutes)d minutes ago; prepare it for signing again.",
                minutes,
            )
            % {"minutes": minutes},
            code="signed_at_expired",
        )
    taken_at = _taken_at(application)
    if taken_at is not None and signed_at < taken_at:
        raise ResultSignatureRefused(
            _("The document was prepared before you took this request; prepare it for signing again."),
            code="signed_at_before_take",
        )


def _verified_result_signature(
    application: Application,
    *,
    executor: User,
    content: bytes,
    signature: bytes,
    signed_document: bytes | None,
) -> Any:
    """The executor's current ``StaffCertificate`` that made ``signature``
    over ``content``: a chain to a trusted CA, in date now, not revoked, a
    signing key, and the very certificate the portal holds for this
    executor. ResultSignatureRefused otherwise."""
    from pki.errors import DigestMismatch
    from pki.selectors import verify_trusted

    if not signature:
        raise ResultSignatureRefused(_("The document is not signed."), code="unsigned")
    now = timezone.now()
    try:
        # Validity is judged now: the result is being signed now.
        verified = verify_trusted(data=content, signature=signature, at=now)
    except DigestMismatch as exc:
        if _prepared_earlier(application, signature=signature, signed_document=signed_document):
            raise ResultSignatureRefused(
                _(
                    "The result changed after it was prepared for signing; check it, prepare it again and sign it."
                ),
                code="document_changed",
            ) from exc
        raise ResultSignatureRefused(
            _(
                "The signature is for a different document, not for this result; "
                "prepare the document for signing and sign it."
            ),
            code=exc.code,
        ) from exc
    except SignatureError as exc:
        raise ResultSignatureRefused(str(exc), code=exc.code) from exc
    return _result_signer(executor, verified.certificate, at=now)


def _prepared_earlier(application: Application, *, signature: bytes, signed_document: bytes | None) -> bool:
    """The signature covers ``signed_document``, and that is a result
    document of this very request (changed since it was prepared)."""
    from pki.cms import verify_detached
    from pki.errors import DigestMismatch

    if not signed_document:
        return False
    try:
        body = json.loads(signed_document)
    except ValueError:
        return False
    if (
        not isinstance(body, dict)
        or body.get("number") != application.number
        or body.get("service") != application.service.code
    ):
        return False
    try:
        verify_detached(data=signed_document, signature=signature, trusted_roots=())
    except DigestMismatch:
        return False
    except SignatureError:
        # Refused later than the digest check (no root is given, so the
        # chain always is): the signature is over that document.
        return True
    return True


def _result_signer(executor: User, certificate: Any, *, at: datetime.datetime) -> Any:
    """The signer's certificate is the executor's current staff certificate,
    compared byte for byte: a name or an IIN can be copied into another
    certificate, the certificate cannot."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from pki.models import StaffCertificate
    from pki.selectors import staff_certificate_current

    held = StaffCertificate.objects.filter(serial=f"{certificate.serial_number:x}").first()
    if held is None or held.certificate.public_bytes(Encoding.DER) != certificate.public_bytes(Encoding.DER):
        raise ResultSignatureRefused(
            _(
                "The signature was not made with a staff signing certificate of the employment centre "
                "(perhaps with a personal one); sign with your staff signing key."
            ),
            code="not_staff_certificate",
        )
    if held.user_id != executor.pk:
        raise ResultSignatureRefused(
            _("The signature was made with another staff member's certificate; sign with your own key."),
            code="another_executor",
        )
    current = staff_certificate_current(user=executor, at=at)
    if current is None or current.pk != held.pk:
        raise ResultSignatureRefused(
            _(
                "This certificate of yours has been replaced or revoked; sign with your current signing "
                "key (certificate %(serial)s)."
            )
            % {"serial": current.serial if current is not None else "-"},
            code="not_current_certificate",
        )
    return held


def _prepared(
    application: Application,
    *,
    executor: User,
    kind: str,
    text: str,
    vacancy: Vacancy | None = None,
    programme: Programme | None = None,
) -> PreparedResult:
    from pki.errors import NoSigningCertificate
    from pki.selectors import staff_certificate_current

    now = timezone.now()
    certificate = staff_certificate_current(user=executor, at=now)
    if certificate is None:
        raise InvalidInput(str(NoSigningCertificate()))
    content = _canonical_result(
        application, kind=kind, text=text, at=now, vacancy=vacancy, programme=programme
    )
    return PreparedResult(
        content=content,
        signed_at=now,
        kind=kind,
        text=text,
        signer_iin=_certificate_iin(certificate.certificate),
        certificate_serial=certificate.serial,
    )


def result_prepare(
    *,
    application_id: int,
    executor: User,
    result_text: str,
    vacancy_id: int | None = None,
    programme_id: int | None = None,
) -> PreparedResult:
    """The first half of signing a result in the browser: the same checks as
    ``application_sign_result`` (without taking a programme place), then
    the exact bytes to sign with ``signed_at`` fixed now. Changes nothing;
    a refusal is audited as a refused ``sign_result``."""
    with (
        _audited_refusal(actor=executor, action="sign_result", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        _require_role(executor, "sign_result", _("sign results"))
        _require_office(application, executor)
        _require_state(application, application.prepare_result, _("signed"))
        text = _signed_text(result_text)
        if not text:
            raise InvalidInput(_("Prepare the text of the result before signing."))
        application.result_text = text
        _require_taker(application, executor, application.prepare_result)
        vacancy, programme = _referral_target(
            application, vacancy_id=vacancy_id, programme_id=programme_id, reserve=False
        )
        _require_eligible(application, programme=programme)
        return _prepared(
            application,
            executor=executor,
            kind=result_kind_for(application),
            text=text,
            vacancy=vacancy,
            programme=programme,
        )


def refusal_prepare(
    *, application_id: int, executor: User, ground_id: int | None, reason: str
) -> PreparedResult:
    """The first half of signing a motivated refusal in the browser (as
    ``result_prepare``); a refusal is audited as a refused ``refuse``."""
    with (
        _audited_refusal(actor=executor, action="refuse", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        _require_role(executor, "sign_result", _("sign refusals"))
        _require_office(application, executor)
        _require_state(application, application.refuse, _("refused"))
        application.refusal_ground = _ground(ground_id, service=application.service, stage=GroundStage.REVIEW)
        text = _reason(_signed_text(reason))
        application.refusal_reason = text
        _require_taker(application, executor, application.refuse)
        return _prepared(application, executor=executor, kind=ResultKind.REFUSAL, text=text)


def application_issue(
    *, application_id: int, clerk: User, recipient_document: str, recipient_name: str = ""
) -> Application:
    """G2 step 3: the clerk checks the recipient's identity document and the
    result is handed over against the applicant's signature in the service
    journal."""
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
        document = (recipient_document or "").strip()
        if not document:
            raise InvalidInput(_("Write the number of the recipient's identity document."))
        now = timezone.now()
        application.issue(at=now)
        application.save(update_fields=["state", "issued_at"])
        _finish_step(application, code=ProcedureCode.ISSUANCE, performer=clerk, at=now)
        JournalEntry.objects.create(
            application=application,
            office=application.office,
            issued_at=now,
            issued_by=clerk,
            recipient_name=(recipient_name or "").strip() or application.applicant.full_name,
            recipient_document=document,
        )
        _audit_transition(application, actor=clerk, action="issue", before=before)
    return application


# --- the citizen's cabinet: drafts and attachments (P5) ------------------------
# Only the citizen who owns a request changes it, and only while it is a
# draft: once signed and submitted (P8) it belongs to the provider.

_S1_TEXT_LIMITS = {"specialty": 200, "work_history": 2000, "desired_job": 200}
DESIRED_PAY_MAX = 10_000_000  # tenge a month, exclusive: a format check, not a rule of the law


def _require_owner(application: Application, actor: User) -> None:
    if not (
        actor.is_active
        and actor.pk is not None
        and Applicant.objects.filter(pk=application.applicant_id, user_id=actor.pk).exists()
    ):
        raise NotPermitted(_("You can change only your own requests."))


def _require_draft(application: Application) -> None:
    if application.state != State.DRAFT:
        raise WrongState(
            _("Request %(number)s is “%(state)s”; only a draft can be changed.")
            % {"number": application, "state": application.get_state_display()}
        )


def _document_of(application: Application, document_id: int | None) -> RequiredDocument:
    document = next((d for d in required_documents(application) if d.pk == document_id), None)
    if document is None:
        raise InvalidInput(_("This document is not on the list of this service."))
    return document


def _text(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("The request's data are malformed; reload the page and try again."))
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(
            _("At most %(limit)d characters are allowed in one answer.") % {"limit": limit},
        )
    return value


def _request_data(
    service: Service, office: Office, measure_kind: str, data: dict[str, Any]
) -> dict[str, Any]:
    """P5 structure and format checks, again, whatever the form let through.
    A draft may be incomplete; what it holds must be well-formed."""
    allowed = (
        {"education_level", "desired_pay", *_S1_TEXT_LIMITS}
        if service.code == "S1"
        else ({"vacancy"} if measure_kind == MeasureKind.EMPLOYMENT else {"programme"})
    )
    unknown = set(data) - allowed
    if unknown:
        raise InvalidInput(_("The request's data are malformed; reload the page and try again."))
    if service.code == "S1":
        cleaned: dict[str, Any] = {key: _text(data, key, limit) for key, limit in _S1_TEXT_LIMITS.items()}
        level = data.get("education_level") or ""
        if level and level not in EducationLevel.values:
            raise InvalidInput(_("Choose the level of education from the list."))
        cleaned["education_level"] = level
        pay = data.get("desired_pay")
        if pay is not None and (
            isinstance(pay, bool) or not isinstance(pay, int) or not 0 < pay < DESIRED_PAY_MAX
        ):
            raise InvalidInput(
                _("Give the desired monthly pay in whole tenge, more than 0 and under 10 million.")
            )
        cleaned["desired_pay"] = pay
        return cleaned
    today = timezone.localdate()
    if measure_kind == MeasureKind.EMPLOYMENT:
        vacancy = data.get("vacancy")
        if vacancy is not None and not (
            isinstance(vacancy, int)
            and Vacancy.objects.filter(pk=vacancy, office=office, is_open=True)
            .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
            .exists()
        ):
            raise InvalidInput(_("Choose an open vacancy of the chosen office."))
        return {"vacancy": vacancy}
    programme = data.get("programme")
    if programme is not None and not (
        isinstance(programme, int)
        and Programme.objects.filter(
            pk=programme,
            office=office,
            kind=_PROGRAMME_FOR_MEASURE[MeasureKind(measure_kind)],
            places_taken__lt=F("places"),
            ends_on__gte=today,
        ).exists()
    ):
        raise InvalidInput(_("Choose a programme of the chosen office that still has free places."))
    return {"programme": programme}


def draft_update(
    *,
    application_id: int,
    actor: User,
    data: dict[str, Any],
    measure_kind: str | None = None,
    office_id: int | None = None,
) -> Application:
    """P5: the citizen saves the request form of a draft. The data are kept
    in ``Application.data``; a draft survives leaving the page. Choosing
    another office takes the reglament in force there; choosing another kind
    of measure (S3) drops the files attached for the previous kind only."""
    with (
        _audited_refusal(actor=actor, action="update_draft", application_id=application_id),
        transaction.atomic(),
    ):
        application = _lock(application_id)
        _require_owner(application, actor)
        _require_draft(application)
        fields = ["data"]
        changes: dict[str, Any] = {}
        if office_id is not None and office_id != application.office_id:
            office = (
                Office.objects.select_related("calendar", "region")
                .filter(pk=office_id, is_active=True)
                .first()
            )
            if office is None:
                raise InvalidInput(_("Choose an office of the employment centre."))
            version = _version_in_force(office, application.service, timezone.now())
            if not version.via_portal:
                raise InvalidInput(
                    _("The service “%(service)s” is served at the chancellery only; please visit an office.")
                    % {"service": application.service.name}
                )
            changes["office"] = [application.office_id, office.pk]
            application.office, application.reglament_version = office, version
            fields += ["office", "reglament_version"]
        if measure_kind is not None and measure_kind != application.measure_kind:
            new_kind = _measure_kind(application.service, measure_kind)
            changes["measure_kind"] = [application.measure_kind, new_kind]
            application.measure_kind = new_kind
            fields.append("measure_kind")
            stale = list(
                application.attachments.exclude(document__measure_kind="").exclude(
                    document__measure_kind=new_kind
                )
            )
            if stale:
                changes["removed_attachments"] = [a.pk for a in stale]
                _delete_attachments(stale)
        cleaned = _request_data(application.service, application.office, application.measure_kind, data)
        changes["fields"] = sorted(k for k in cleaned if cleaned[k] != application.data.get(k))
        application.data = cleaned
        application.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="update_draft",
            target=application,
            from_state=application.state,
            to_state=application.state,
            changes=changes,
        )
    return application


def _delete_attachments(attachments: list[Attachment]) -> None:
    """Rows now; files once the transaction has committed (a rollback keeps both)."""
    names = [a.file.name for a in attachments if a.file]
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    if names:
        storage = attachments[0].file.storage

        def delete_files() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(delete_files)


def attachment_add(
    *, application_id: int, actor: User, document_id: int | None, upload: UploadedFile
) -> Attachment:
    """P5: the citizen attaches an electronic copy of a paragraph-9 document
    to their draft. Checked by content, size and count (``services.uploads``);
    stored under a random name with its SHA-256."""
    with _audited_refusal(actor=actor, action="attach", application_id=application_id), transaction.atomic():
        application = _lock(application_id)
        _require_owner(application, actor)
        _require_draft(application)
        document = _document_of(application, document_id)
        try:
            check_file_count(application.attachments.count())
            content_type, content = validate_upload(upload)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages)) from exc
        attachment = Attachment(
            application=application,
            document=document,
            sha256=hashlib.sha256(content).hexdigest(),
            content_type=content_type,
            size=len(content),
            original_name=safe_display_name(upload.name, content_type=content_type),
            uploaded_at=timezone.now(),
        )
        attachment.file.save("upload", ContentFile(content), save=False)
        try:
            attachment.save()
            audit_record(
                actor=actor,
                action="attach",
                target=application,
                from_state=application.state,
                to_state=application.state,
                remark=attachment.original_name,
                changes={
                    "attachment": attachment.pk,
                    "document": document.pk,
                    "sha256": attachment.sha256,
                    "size": attachment.size,
                    "content_type": content_type,
                },
            )
        except Exception:
            attachment.file.storage.delete(attachment.file.name)
            raise
    return attachment


def attachment_remove(*, application_id: int, actor: User, attachment_id: int) -> None:
    """P5: the citizen removes a file from their draft."""
    with _audited_refusal(actor=actor, action="detach", application_id=application_id), transaction.atomic():
        application = _lock(application_id)
        _require_owner(application, actor)
        _require_draft(application)
        attachment = application.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise InvalidInput(_("There is no such file in this request."))
        _delete_attachments([attachment])
        audit_record(
            actor=actor,
            action="detach",
            target=application,
            from_state=application.state,
            to_state=application.state,
            remark=attachment.original_name,
            changes={
                "attachment": attachment_id,
                "document": attachment.document_id,
                "sha256": attachment.sha256,
            },
        )


# --- citizens' request signatures (P6, P7) ----------------------------------------


class SignatureRefused(InvalidInput):
    """P7: the request's signature is not confirmed. ``code`` is the reason
    (the ``pki.errors`` code, or ``iin_mismatch``, ``crl_not_loaded``,
    ``document_changed``, ``unsigned``)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def _verified_request(
    application: Application,
    *,
    signature: bytes,
    signed_document: bytes | None,
    at: datetime.datetime,
    content: bytes | None = None,
) -> tuple[bytes, Any]:
    """The canonical request (or the given ``content``: a gateway message)
    and the checked signature over it, or SignatureRefused."""
    from services.request_document import canonical_request

    if content is None:
        content = canonical_request(application)
        portal_request = True
    else:
        portal_request = False
    try:
        verified = request_signature_verify(
            content=content, signature=signature, iin=application.applicant.iin, at=at
        )
    except SignatureRefused as exc:
        if (
            exc.code == "digest_mismatch"
            and portal_request
            and _signed_earlier_version(
                application, signature=signature, signed_document=signed_document, at=at
            )
        ):
            raise SignatureRefused(
                _("The request was changed after it was signed; please check it and sign it again."),
                code="document_changed",
            ) from exc
        raise
    return content, verified


def _signed_earlier_version(
    application: Application, *, signature: bytes, signed_document: bytes | None, at: datetime.datetime
) -> bool:
    """The signature covers ``signed_document`` and that is an earlier form
    of this very request (the draft was changed after it was signed)."""
    from pki.cms import verify_detached
    from pki.errors import DigestMismatch
    from services.request_document import FORMAT

    if not signed_document:
        return False
    try:
        body = json.loads(signed_document)
    except ValueError:
        return False
    if not isinstance(body, dict) or body.get("format") != FORMAT or body.get("draft") != application.pk:
        return False
    try:
        verify_detached(data=signed_document, signature=signature, trusted_roots=(), at=at)
    except DigestMismatch:
        return False
    except SignatureError:
        # Refused later than the digest check (no root is given, so the
        # chain always is): the signature is over this earlier form.
        return True
    return True


def request_signature_verify(*, content: bytes, signature: bytes, iin: str, at: datetime.datetime) -> Any:
    """P6 over given bytes: the detached ``signature`` of ``content`` chains
    to a trusted CA, is in date at ``at`` (not at the signing time the
    signature claims for itself), is not revoked, was made with a signing
    key, and its certificate carries ``iin``. Returns the
    ``pki.cms.VerifiedSignature``; raises SignatureRefused with the reason's
    code otherwise. Reads only: the caller audits."""
    from pki.errors import DigestMismatch
    from pki.selectors import verify_trusted

    try:
        verified = verify_trusted(data=content, signature=signature, at=at)
    except DigestMismatch as exc:
        raise SignatureRefused(
            _("The signature is for a different document, not for this request; please sign this request."),
            code=exc.code,
        ) from exc
    except SignatureError as exc:
        raise SignatureRefused(str(exc), code=exc.code) from exc
    # P6: the IIN in the request equals the IIN in the certificate.
    if verified.iin != iin:
        raise SignatureRefused(
            _("The certificate belongs to another person: its IIN does not match the applicant's."),
            code="iin_mismatch",
        )
    return verified


def request_data_clean(
    *, service_code: str, office_id: int, measure_kind: str, data: dict[str, Any]
) -> dict[str, Any]:
    """P5 structure and format checks of a request's data, for requests that
    arrive whole (the gateway): the cleaned data, or InvalidInput."""
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        raise InvalidInput(_("Choose an office of the employment centre."))
    return _request_data(_service(service_code), office, measure_kind, data)
