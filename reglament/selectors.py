"""Reads of the reglament app.

Public: ``reglament_version_in_force``, ``reglament_versions_in_force``,
``procedure_for``.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q, QuerySet

from reglament.models import Procedure, Region, ReglamentVersion


def _in_force_on(day: datetime.date) -> Q:
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gt=day))


def reglament_version_in_force(
    *, region: Region | int, service_code: str, on: datetime.date
) -> ReglamentVersion | None:
    """L1: the version of a service's reglament that governs a given day."""
    region_id = region if isinstance(region, int) else region.pk
    return (
        ReglamentVersion.objects.filter(_in_force_on(on), region_id=region_id, service_code=service_code)
        .select_related("legal_act")
        .order_by("-effective_from")
        .first()
    )


def reglament_versions_in_force(*, region: Region | int, on: datetime.date) -> QuerySet[ReglamentVersion]:
    """Every service's version in force on a day, procedures prefetched in order."""
    region_id = region if isinstance(region, int) else region.pk
    return (
        ReglamentVersion.objects.filter(_in_force_on(on), region_id=region_id)
        .select_related("legal_act")
        .prefetch_related(Prefetch("procedures", queryset=Procedure.objects.order_by("order")))
        .order_by("service_code", "-effective_from")
    )


def procedure_for(*, version: ReglamentVersion, code: str) -> Procedure:
    return Procedure.objects.get(version=version, code=code)
