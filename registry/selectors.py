"""Reads of the registry app, scoped to what the user may see.

Public: ``target_groups_of``, ``open_register_entry``,
``register_entries_for_office``, ``referrals_for_office``, ``entry_for_staff``,
``referral_for_staff``, ``keyset_page``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from registry.constants import Register
from registry.models import Referral, RegisterEntry, TargetGroup, TargetGroupMembership

if TYPE_CHECKING:
    from applicants.models import Applicant, User

PAGE_SIZE = 50
M = TypeVar("M", bound=models.Model)


def target_groups_of(applicant: Applicant | int, *, on: datetime.date) -> list[TargetGroup]:
    """The active target groups the applicant belongs to on the day."""
    applicant_id = applicant if isinstance(applicant, int) else applicant.pk
    memberships = (
        TargetGroupMembership.objects.filter(applicant_id=applicant_id, since__lte=on, group__is_active=True)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .select_related("group")
        .order_by("group__order", "group__code")
    )
    groups: dict[int, TargetGroup] = {}
    for membership in memberships:
        groups.setdefault(membership.group_id, membership.group)
    return list(groups.values())


def open_register_entry(applicant: Applicant | int, *, register: str) -> RegisterEntry | None:
    applicant_id = applicant if isinstance(applicant, int) else applicant.pk
    return RegisterEntry.objects.filter(
        applicant_id=applicant_id, register=register, closed_on__isnull=True
    ).first()


def _office_filter(user: User) -> Q:
    if user.has_perm("services.act_in_any_office"):
        return Q()
    return Q(office_id=user.office_id)


def register_entries_for_office(*, user: User, register: str | None = None) -> QuerySet[RegisterEntry]:
    """The open entries of the user's office, newest first."""
    entries = RegisterEntry.objects.filter(_office_filter(user), closed_on__isnull=True)
    if register in Register.values:
        entries = entries.filter(register=register)
    return entries.select_related("applicant", "application", "office").order_by("-id")


def referrals_for_office(*, user: User, outcome: str | None = None) -> QuerySet[Referral]:
    referrals = Referral.objects.filter(_office_filter(user))
    if outcome:
        referrals = referrals.filter(outcome=outcome)
    return referrals.select_related(
        "applicant", "application", "vacancy__employer", "programme", "outcome_recorded_by"
    ).order_by("-id")


def entry_for_staff(*, user: User, entry_id: int) -> RegisterEntry:
    entry = (
        RegisterEntry.objects.filter(_office_filter(user), pk=entry_id).select_related("applicant").first()
    )
    if entry is None:
        raise Http404
    return entry


def referral_for_staff(*, user: User, referral_id: int) -> Referral:
    referral = (
        Referral.objects.filter(_office_filter(user), pk=referral_id).select_related("applicant").first()
    )
    if referral is None:
        raise Http404
    return referral


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    next_before: int | None


def keyset_page(queryset: QuerySet[M], *, before: Any, size: int = PAGE_SIZE) -> Page[M]:
    """Rows by descending id below ``before`` (an id from the previous page):
    one query, however deep the page, and never a row twice."""
    try:
        cursor = int(before) if before not in (None, "") else None
    except (TypeError, ValueError):
        cursor = None
    if cursor is not None:
        queryset = queryset.filter(pk__lt=cursor)
    rows = list(queryset.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_before=rows[-1].pk if more and rows else None)
