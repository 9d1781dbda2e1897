"""Writes of the applicants app. Public: ``applicant_create``,
``applicant_update``, ``ensure_role_groups``.

Every change to an applicant's data is audited with the fields that changed.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from applicants.constants import Role
from applicants.models import Applicant
from audit.services import audit_record

if TYPE_CHECKING:
    from applicants.models import User

APPLICANT_FIELDS = ("last_name", "first_name", "patronymic", "birth_date", "phone", "email", "address")

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
        "applicants.view_applicant",
        "audit.view_auditentry",
    ),
    Role.ADMINISTRATOR: ("services.act_in_any_office",),
    Role.GATEWAY: ("services.submit_via_gateway",),
}
ADMINISTERED_APPS = ("reglament", "services", "applicants", "registry", "audit")


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
