"""Reads of the pki app. Public: ``staff_certificate_current``,
``staff_without_valid_certificate``, ``STAFF_ROLES``."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from applicants.constants import Role
from pki.models import StaffCertificate

if TYPE_CHECKING:
    from applicants.models import User

# The roles that sign (or may have to) on behalf of an employment centre.
STAFF_ROLES = (Role.CLERK, Role.EXECUTOR, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _valid_at(moment: datetime.datetime) -> Q:
    return Q(not_before__lte=moment, not_after__gt=moment) & (
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=moment)
    )


def staff_certificate_current(*, user: User, at: datetime.datetime | None = None) -> StaffCertificate | None:
    """The user's newest certificate valid at ``at`` (now), or None."""
    moment = at or timezone.now()
    return (
        StaffCertificate.objects.filter(_valid_at(moment), user=user).order_by("-not_before", "-pk").first()
    )


def staff_without_valid_certificate(*, at: datetime.datetime | None = None) -> QuerySet[User]:
    """Active users of a staff role with no certificate valid at ``at`` (now)."""
    from applicants.models import User

    moment = at or timezone.now()
    holders = StaffCertificate.objects.filter(_valid_at(moment)).values("user_id")
    return (
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in STAFF_ROLES])
        .exclude(pk__in=holders)
        .distinct()
        .order_by("username")
    )
