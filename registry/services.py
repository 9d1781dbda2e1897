"""Writes of the registry app: the job-seeker and unemployed registers and
the referrals register (issue 5, item 3). One transaction each, audited.

Public: ``register_entry_open``, ``register_entry_close``,
``referral_record``, ``referral_outcome_record`` and ``RegistryError``.
Opening an entry and recording a referral are called by
``services.services`` inside the transaction that signs the result; the
registry never imports ``services`` — an application is taken as it comes.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import audit_record
from registry.constants import MeasureKind, ReferralOutcome, Register
from registry.models import Programme, Referral, RegisterCloseReason, RegisterEntry, Vacancy

if TYPE_CHECKING:
    from applicants.models import User

OUTCOME_REASON_LIMIT = 1000


class RegistryError(Exception):
    """A refused registry action. ``message`` is translated and shown as is."""

    code = "refused"

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _require(actor: User, perm: str, office_id: int, what: str) -> None:
    if not (actor.is_active and actor.has_perm(perm)):
        raise RegistryError(_("You are not allowed to %(what)s.") % {"what": what}, code="not_permitted")
    if actor.office_id != office_id and not actor.has_perm("services.act_in_any_office"):
        raise RegistryError(_("This record belongs to another office."), code="wrong_office")


def _audited_refusal_of(target: Any, *, actor: User, action: str, exc: RegistryError) -> None:
    """A refused action is recorded after its transaction has rolled back."""
    if target is not None:
        audit_record(
            actor=actor,
            action=action,
            target=target,
            remark=exc.message,
            changes={"refused": exc.code},
            succeeded=False,
        )


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# --- the registers ------------------------------------------------------------


def open_entry_of(*, applicant_id: int, register: str) -> RegisterEntry | None:
    return (
        RegisterEntry.objects.filter(applicant_id=applicant_id, register=register, closed_on__isnull=True)
        .order_by("-opened_on")
        .first()
    )


def register_entry_open(
    *,
    application: Any,
    register: Register,
    on: datetime.date,
    certificate_number: str = "",
    actor: User | None = None,
) -> RegisterEntry:
    """Enter the applicant of a signed S1 (job seekers) or S2 (unemployed,
    with the certificate number) result in the register."""
    if register == Register.UNEMPLOYED and not certificate_number:
        raise RegistryError(_("An entry in the unemployed register needs the certificate number."))
    with transaction.atomic():
        existing = open_entry_of(applicant_id=application.applicant_id, register=register)
        if existing is not None:
            raise RegistryError(_already_registered(existing), code="already_registered")
        try:
            with transaction.atomic():
                entry = RegisterEntry.objects.create(
                    register=register,
                    applicant_id=application.applicant_id,
                    office_id=application.office_id,
                    application=application,
                    certificate_number=certificate_number,
                    opened_on=on,
                )
        except IntegrityError as exc:
            # Another signing entered the same person a moment ago.
            raise RegistryError(
                _("This person has just been entered in the register by another request."),
                code="already_registered",
            ) from exc
        audit_record(
            actor=actor,
            action="register_entry_open",
            target=entry,
            to_state="open",
            changes={"register": register, "opened_on": on.isoformat(), "certificate": certificate_number},
        )
    return entry


def _already_registered(entry: RegisterEntry) -> str:
    if entry.register == Register.UNEMPLOYED:
        return _(
            "This person is already registered as unemployed since %(date)s (certificate %(number)s); "
            "close that entry before registering again."
        ) % {"date": _day(entry.opened_on), "number": entry.certificate_number}
    return _(
        "This person is already registered as a job seeker since %(date)s; "
        "close that entry before registering again."
    ) % {"date": _day(entry.opened_on)}


def register_entry_close(
    *, entry_id: int, reason_code: str, on: datetime.date | None, actor: User
) -> RegisterEntry:
    """Take a person off a register with a reason and the date it happened."""
    try:
        with transaction.atomic():
            try:
                entry = RegisterEntry.objects.select_for_update().get(pk=entry_id)
            except RegisterEntry.DoesNotExist as exc:
                raise RegistryError(_("There is no such register entry."), code="not_found") from exc
            _require(actor, "registry.change_registerentry", entry.office_id, _("close register entries"))
            if entry.closed_on is not None:
                raise RegistryError(
                    _("This entry was already closed on %(date)s.") % {"date": _day(entry.closed_on)},
                    code="already_closed",
                )
            reason = RegisterCloseReason.objects.filter(code=reason_code or "", is_active=True).first()
            if reason is None:
                raise RegistryError(_("Choose the reason for closing from the list."), code="invalid")
            if on is None:
                raise RegistryError(_("Give the date the entry is closed on."), code="invalid")
            if on < entry.opened_on:
                raise RegistryError(
                    _("An entry cannot be closed before it was opened (%(date)s).")
                    % {"date": _day(entry.opened_on)},
                    code="invalid",
                )
            if on > timezone.localdate():
                raise RegistryError(_("An entry cannot be closed on a date in the future."), code="invalid")
            entry.closed_on, entry.close_reason, entry.closed_by = on, reason, actor
            entry.save(update_fields=["closed_on", "close_reason", "closed_by"])
            audit_record(
                actor=actor,
                action="register_entry_close",
                target=entry,
                from_state="open",
                to_state="closed",
                remark=reason.name,
                changes={"reason": reason.code, "closed_on": on.isoformat()},
            )
        return entry
    except RegistryError as exc:
        _audited_refusal_of(
            RegisterEntry.objects.filter(pk=entry_id).first(),
            actor=actor,
            action="register_entry_close",
            exc=exc,
        )
        raise


# --- referrals -----------------------------------------------------------------


def referral_record(
    *,
    application: Any,
    kind: MeasureKind | str,
    vacancy: Vacancy | None,
    programme: Programme | None,
    on: datetime.date,
    actor: User | None = None,
) -> Referral:
    """Enter a signed S3 referral in the referrals register, outcome pending.
    The programme place itself is taken by the signing (one UPDATE)."""
    with transaction.atomic():
        referral = Referral.objects.create(
            application=application,
            applicant_id=application.applicant_id,
            office_id=application.office_id,
            kind=kind,
            vacancy=vacancy,
            programme=programme,
            issued_on=on,
        )
        audit_record(
            actor=actor,
            action="referral_record",
            target=referral,
            to_state=ReferralOutcome.PENDING,
            changes={
                "kind": str(kind),
                "vacancy": vacancy.pk if vacancy else None,
                "programme": programme.pk if programme else None,
            },
        )
    return referral


def referral_outcome_record(*, referral_id: int, outcome: str, reason: str, actor: User) -> Referral:
    """Record what came of a referral. Once recorded it may be corrected by
    recording again: the audit trail keeps the earlier outcome and who
    changed it (a clerk's slip must not need the administrator)."""
    try:
        with transaction.atomic():
            try:
                referral = Referral.objects.select_for_update().get(pk=referral_id)
            except Referral.DoesNotExist as exc:
                raise RegistryError(_("There is no such referral."), code="not_found") from exc
            _require(actor, "registry.change_referral", referral.office_id, _("record referral outcomes"))
            if outcome not in ReferralOutcome.values or outcome == ReferralOutcome.PENDING:
                raise RegistryError(_("Choose the outcome of the referral from the list."), code="invalid")
            reason = (reason or "").strip()
            if len(reason) > OUTCOME_REASON_LIMIT:
                raise RegistryError(
                    _("At most %(limit)d characters are allowed in one answer.")
                    % {"limit": OUTCOME_REASON_LIMIT},
                    code="invalid",
                )
            if outcome == ReferralOutcome.NOT_HIRED and not reason:
                raise RegistryError(
                    _("Say why the person was not hired: the reason is required for this outcome."),
                    code="invalid",
                )
            before = referral.outcome
            if before == outcome and referral.outcome_reason == reason:
                raise RegistryError(_("This outcome is already recorded."), code="unchanged")
            referral.outcome = outcome
            referral.outcome_reason = reason
            referral.outcome_recorded_at = timezone.now()
            referral.outcome_recorded_by = actor
            referral.save(
                update_fields=["outcome", "outcome_reason", "outcome_recorded_at", "outcome_recorded_by"]
            )
            audit_record(
                actor=actor,
                action="referral_outcome_record"
                if before == ReferralOutcome.PENDING
                else "referral_outcome_correct",
                target=referral,
                from_state=before,
                to_state=outcome,
                remark=reason,
                changes={"outcome": outcome},
            )
        return referral
    except RegistryError as exc:
        _audited_refusal_of(
            Referral.objects.filter(pk=referral_id).first(),
            actor=actor,
            action="referral_outcome_record",
            exc=exc,
        )
        raise
