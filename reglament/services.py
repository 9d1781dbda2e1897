"""Writes of the reglament app. Public: ``reglament_edition_copy``."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reglament.models import LegalAct, Procedure, Region, ReglamentVersion


def reglament_edition_copy(
    *,
    region: Region,
    legal_act: LegalAct,
    effective_from: datetime.date,
    norms: dict[str, int] | None = None,
) -> list[ReglamentVersion]:
    """L2: a new edition of every service's reglament under ``legal_act``,
    copied from the latest edition, with some norms changed if asked.

    The editions it follows are closed on ``effective_from`` so exactly one
    version governs each day.
    """
    norms = norms or {}
    created = []
    with transaction.atomic():
        latest: dict[str, ReglamentVersion] = {}
        for version in ReglamentVersion.objects.filter(region=region).order_by(
            "service_code", "-effective_from"
        ):
            latest.setdefault(version.service_code, version)
        for version in latest.values():
            if version.effective_from >= effective_from:
                raise ValidationError(
                    _("A new edition must start after %(date)s, when the current one started.")
                    % {"date": version.effective_from.strftime("%d.%m.%Y")}
                )
        for _code, previous in sorted(latest.items()):
            procedures = list(previous.procedures.order_by("order"))
            if previous.effective_to is None or previous.effective_to > effective_from:
                previous.effective_to = effective_from
                previous.save(update_fields=["effective_to"])
            previous.pk = None
            previous._state.adding = True
            previous.legal_act = legal_act
            previous.effective_from = effective_from
            previous.effective_to = None
            previous.save()
            for procedure in procedures:
                procedure.pk = None
                procedure._state.adding = True
                procedure.version = previous
                procedure.norm_minutes = norms.get(procedure.code, procedure.norm_minutes)
            Procedure.objects.bulk_create(procedures)
            created.append(previous)
    return created
