"""Writes of the applicants app. Public: ``applicant_create``,
``applicant_update``, ``ensure_role_groups``, ``kz_phone_normalise``,
``citizen_register``.

Every change to an applicant's data is audited with the fields that changed.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applicants.constants import Role
from applicants.models import Applicant, User
from audit.services import audit_record

APPLICANT_FIELDS = (
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "graduated_on",
    "phone",
    "email",
    "address",
)

# What each role may do; app_label.codename. The administrator gets every
# permission of the portal's apps on top of these.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.CLERK: (
        "services.register_application",
        "services.refuse_intake",
        "services.issue_result",
        "services.view_application",
        "applicants.add_applicant",
        "applicants.change_applicant",
        "applicants.view_applicant",
        "registry.view_registerentry",
        "registry.change_registerentry",
        "registry.view_referral",
        "registry.change_referral",
    ),
    Role.EXECUTOR: (
        "services.take_application",
        "services.sign_result",
        "services.view_application",
        "applicants.view_applicant",
    ),
    Role.SUPERVISOR: (
        "services.reassign_application",
        "services.view_application",
        "services.view_steprecord",
        "services.revoke_rendereddocument",
        "applicants.view_applicant",
        "audit.view_auditentry",
        "registry.view_registerentry",
        "registry.change_registerentry",
        "registry.view_referral",
    ),
    Role.ADMINISTRATOR: ("services.act_in_any_office",),
    Role.GATEWAY: ("services.submit_via_gateway",),
}
ADMINISTERED_APPS = ("reglament", "services", "applicants", "registry", "audit", "gateway")


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def ensure_role_groups() -> None:
    """Create the role groups with their permissions (idempotent; run after migrate)."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        permissions = _permissions(names)
        if role == Role.ADMINISTRATOR:
            permissions += list(
                Permission.objects.filter(content_type__app_label__in=ADMINISTERED_APPS).exclude(
                    content_type__app_label="audit",
                    codename__in=["add_auditentry", "change_auditentry", "delete_auditentry"],
                )
            )
            permissions += list(Permission.objects.filter(content_type__app_label="auth"))
        group.permissions.set(permissions)


def _clean(applicant: Applicant) -> None:
    try:
        applicant.full_clean(exclude=["user"])
    except ValidationError:
        raise


def applicant_create(*, actor: User | None, iin: str, **fields: Any) -> Applicant:
    unknown = set(fields) - set(APPLICANT_FIELDS)
    if unknown:
        raise TypeError(f"unknown applicant fields: {sorted(unknown)}")
    with transaction.atomic():
        applicant = Applicant(iin=iin, **fields)
        _clean(applicant)
        applicant.save()
        audit_record(
            actor=actor,
            action="applicant_create",
            target=applicant,
            changes={k: _jsonable(v) for k, v in fields.items() if v not in ("", None)},
        )
    return applicant


def applicant_update(*, actor: User | None, applicant_id: int, **fields: Any) -> Applicant:
    """Change an applicant's data; the audit entry keeps every old and new value."""
    unknown = set(fields) - set(APPLICANT_FIELDS)
    if unknown:
        raise TypeError(f"unknown applicant fields: {sorted(unknown)}")
    with transaction.atomic():
        applicant = Applicant.objects.select_for_update().get(pk=applicant_id)
        changes = {}
        for name, value in fields.items():
            old = getattr(applicant, name)
            if old != value:
                changes[name] = {"from": _jsonable(old), "to": _jsonable(value)}
                setattr(applicant, name, value)
        if not changes:
            return applicant
        _clean(applicant)
        applicant.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, action="applicant_update", target=applicant, changes=changes)
    return applicant


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- The citizen's account (P1) ---------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s()\-.]")
PHONE_EXAMPLE = "+7 701 234 56 78"
ACCOUNT_EXISTS_MESSAGE = _("An account with this IIN already exists. Log in or reset your password.")


def kz_phone_normalise(value: str) -> str:
    """A Kazakhstan phone number as ``+7 7XX XXX XX XX``.

    Takes what people type — ``8 (701) 234-56-78``, ``+77012345678``,
    ``701 234 56 78`` — and raises ValidationError saying what is wrong.
    """
    typed = value.strip()
    compact = _PHONE_SEPARATORS.sub("", typed)
    if compact.startswith("+"):
        if not compact.startswith("+7"):
            raise ValidationError(
                _("Only Kazakhstan numbers are accepted: they start with +7, like %(example)s."),
                code="country",
                params={"example": PHONE_EXAMPLE},
            )
        digits = compact[1:]
    else:
        digits = compact
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            _(
                "A phone number has digits only (spaces, brackets and dashes are fine); "
                "“%(value)s” has other characters."
            ),
            code="not_digits",
            params={"value": typed},
        )
    if len(digits) == 11 and digits[0] in "78" and not compact.startswith("+"):
        national = digits[1:]  # 8 701 … (the trunk prefix) or 7 701 … (the code without +)
    elif len(digits) == 11 and compact.startswith("+7"):
        national = digits[1:]
    elif len(digits) == 10 and not compact.startswith("+"):
        national = digits
    else:
        raise ValidationError(
            _("Enter the phone number with all its digits: +7 and 10 more, like %(example)s."),
            code="length",
            params={"example": PHONE_EXAMPLE},
        )
    if not national.startswith("7"):
        raise ValidationError(
            _("This is not a Kazakhstan number: after +7 it starts with 7, like %(example)s."),
            code="country",
            params={"example": PHONE_EXAMPLE},
        )
    return f"+7 {national[:3]} {national[3:6]} {national[6:8]} {national[8:]}"


def _account_with_iin(iin: str) -> User | None:
    """An account already holding this IIN, as its IIN, its login or its applicant record."""
    existing = User.objects.filter(Q(iin=iin) | Q(username=iin)).order_by("pk").first()
    if existing is None:
        existing = User.objects.filter(applicant__iin=iin).first()
    return existing


def _collect(errors: dict[str, list[ValidationError]], field: str, error: ValidationError) -> None:
    errors.setdefault(field, []).extend(error.error_list)


def _account_open(*, user: User, iin: str, phone: str) -> User | None:
    """Save the account and link the applicant record; the account already
    holding the IIN (nothing saved) when there is one."""
    with transaction.atomic():
        # Locks a staff-made record so two registrations cannot both link it.
        applicant = Applicant.objects.select_for_update().filter(iin=iin).first()
        existing = _account_with_iin(iin)
        if existing is not None:
            return existing
        user.save()
        if applicant is None:
            applicant = applicant_create(
                actor=user,
                iin=iin,
                last_name=user.last_name,
                first_name=user.first_name,
                patronymic=user.patronymic,
                phone=phone,
                email=user.email,
            )
            record = "created"
        else:
            # The names the staff typed from the identity document stay.
            applicant = applicant_update(actor=user, applicant_id=applicant.pk, phone=phone, email=user.email)
            record = "linked"
        applicant.user = user
        applicant.save(update_fields=["user", "updated_at"])
        audit_record(
            actor=user,
            action="citizen_register",
            target=user,
            remark=f"portal account opened; applicant record #{applicant.pk} {record}",
            changes={"applicant": applicant.pk, "applicant_record": record},
        )
    return None


def citizen_register(
    *,
    iin: str,
    last_name: str,
    first_name: str,
    patronymic: str,
    phone: str,
    email: str,
    password: str,
) -> User:
    """P1: open a citizen's account and link it to their applicant record.

    One transaction: the user (login = IIN), then the applicant record — made
    new, or, when the centre already has one for this IIN with no account,
    linked, keeping the names the staff typed and taking the citizen's phone
    and e-mail. Raises ValidationError keyed by field (``iin``, ``phone``,
    ``email``, ``password``…); an IIN that already has an account gets one
    message that says no more than that, and the refusal is audited.
    """
    iin = iin.strip()
    errors: dict[str, list[ValidationError]] = {}
    try:
        phone = kz_phone_normalise(phone)
    except ValidationError as error:
        _collect(errors, "phone", error)
        phone = ""
    required = {"iin": iin, "last_name": last_name, "first_name": first_name, "email": email}
    for field, value in required.items():
        if not value.strip():
            _collect(errors, field, ValidationError(_("This field is required."), code="required"))
    user = User(
        username=iin,
        iin=iin,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        patronymic=patronymic.strip(),
        email=User.objects.normalize_email(email.strip()),
        phone=phone,
    )
    try:
        # Formats only: whether the IIN is taken is checked under the lock below.
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as error:
        for field, field_errors in error.error_dict.items():
            if field != "username":  # the login is the IIN: its errors are the IIN's
                _collect(errors, field, ValidationError(field_errors))
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        _collect(errors, "password", error)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)

    try:
        existing = _account_open(user=user, iin=iin, phone=phone)
    except IntegrityError:
        # Another request saved this IIN between the check and the insert: an
        # account (refused below) or a staff-made record (link it this time).
        existing = _account_with_iin(iin)
        if existing is None:
            user.pk = None
            user._state.adding = True
            existing = _account_open(user=user, iin=iin, phone=phone)
    if existing is not None:
        audit_record(
            actor=None,
            action="citizen_register",
            target=existing,
            remark="refused: an account with this IIN already exists",
            succeeded=False,
        )
        raise ValidationError({"iin": [ValidationError(ACCOUNT_EXISTS_MESSAGE, code="account_exists")]})
    return user
