"""Public pages of one service: where and how to apply, the paragraph-9
documents, the result, the procedures with their norms, the refusal grounds,
the legal acts that govern it, and its business-process handbook (G6).

Everything is read from the reglament version in force today in the portal's
region (the first region by code, as on the home page).

Public: ``service_page``, ``service_handbook``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from reglament.constants import ActStatus
from reglament.localized import localized
from reglament.models import LegalAct, Office, Procedure, Region, ReglamentVersion
from reglament.selectors import reglament_version_in_force
from services.handbook import handbook, handbook_svg
from services.models import Service

STATUS_BADGES = {
    ActStatus.IN_FORCE: "text-bg-success",
    ActStatus.AMENDED: "text-bg-info",
    ActStatus.REPEALED: "text-bg-secondary",
    ActStatus.PENDING: "text-bg-warning",
}


@dataclass(frozen=True)
class DocumentRow:
    name: str
    note: str
    mandatory: bool
    expires: bool
    measure: str


@dataclass(frozen=True)
class GroundRow:
    name: str
    stage: str
    reference: str


@dataclass(frozen=True)
class ActRow:
    """A legal act with how it relates to the reglament in force and its status today."""

    act: LegalAct
    relation: str
    status: str
    status_label: str
    badge: str
    in_force_from: datetime.date | None
    repealed_on: datetime.date | None


def _region() -> Region | None:
    return Region.objects.order_by("code").first()


def _version_in_force(
    *, service: Service, region: Region | None, on: datetime.date
) -> ReglamentVersion | None:
    if region is None:
        return None
    return reglament_version_in_force(region=region, service_code=service.code, on=on)


def _act_row(act: LegalAct, *, relation: str, on: datetime.date) -> ActRow:
    status = act.status_on(on)
    repealer = act.repealed_by
    return ActRow(
        act=act,
        relation=relation,
        status=status.value,
        status_label=str(status.label),
        badge=STATUS_BADGES[status],
        in_force_from=act.effective_date(),
        repealed_on=repealer.effective_date() if repealer is not None else None,
    )


def _legal_acts(*, version: ReglamentVersion, on: datetime.date) -> list[ActRow]:
    """The act that approved the version, the acts it amends, the acts that
    amend it and the act that repeals it — each with its status on a day (L1)."""
    related = LegalAct.objects.select_related("repealed_by").prefetch_related("amended_by")
    act = (
        LegalAct.objects.select_related("repealed_by")
        .prefetch_related(
            Prefetch("amends", queryset=related.order_by("adopted_on", "number")),
            Prefetch("amended_by", queryset=related.order_by("adopted_on", "number")),
            "repealed_by__amended_by",
        )
        .get(pk=version.legal_act_id)
    )
    rows = [_act_row(act, relation=gettext("Approves the reglament in force."), on=on)]
    for amended in act.amends.all():
        relation = gettext("Amended by %(act)s.") % {"act": act}
        rows.append(_act_row(amended, relation=relation, on=on))
    for amending in act.amended_by.all():
        relation = gettext("Amends %(act)s.") % {"act": act}
        rows.append(_act_row(amending, relation=relation, on=on))
    if act.repealed_by is not None:
        relation = gettext("Repeals %(act)s.") % {"act": act}
        rows.append(_act_row(act.repealed_by, relation=relation, on=on))
    return rows


@require_GET
def service_page(request: HttpRequest, code: str) -> HttpResponse:
    """One service as the reglament in force today describes it."""
    service = get_object_or_404(Service, code=code)
    today = timezone.localdate()
    region = _region()
    version = _version_in_force(service=service, region=region, on=today)
    procedures: list[Procedure] = []
    acts: list[ActRow] = []
    if version is not None:
        # One read of the procedures, for the page and its handbook list alike.
        prefetch_related_objects(
            [version], Prefetch("procedures", queryset=Procedure.objects.order_by("order"))
        )
        procedures = list(version.procedures.all())
        acts = _legal_acts(version=version, on=today)
    documents = [
        DocumentRow(
            name=document.name,
            note=localized(document, "note"),
            mandatory=document.mandatory,
            expires=document.expires,
            measure=str(document.get_measure_kind_display()) if document.measure_kind else "",
        )
        for document in service.documents.order_by("order", "pk")
    ]
    grounds = [
        GroundRow(
            name=ground.name,
            stage=str(ground.get_stage_display()),
            reference=localized(ground, "legal_reference"),
        )
        for ground in service.grounds.filter(is_active=True).order_by("stage", "code")
    ]
    offices = (
        Office.objects.filter(is_active=True, region=region).order_by("code")
        if region is not None and version is not None and version.via_desk
        else Office.objects.none()
    )
    return render(
        request,
        "services/public/service.html",
        {
            "service": service,
            "region": region,
            "version": version,
            "procedures": procedures,
            "documents": documents,
            "grounds": grounds,
            "acts": acts,
            "offices": offices,
            "chancellery_only": version is not None and version.via_desk and not version.via_portal,
            "handbook": handbook(service_code=service.code, version=version),
            "today": today,
        },
    )


@require_GET
def service_handbook(request: HttpRequest, code: str) -> HttpResponse:
    """G6: the service's business-process handbook as SVG, in the visitor's language."""
    service = get_object_or_404(Service, code=code)
    version = _version_in_force(service=service, region=_region(), on=timezone.localdate())
    response = HttpResponse(
        handbook_svg(service_code=service.code, version=version), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "public, max-age=300"
    # The language comes from the cookie or Accept-Language: caches keep one copy per language.
    response["Content-Language"] = get_language() or ""
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    # Opened on its own, the drawing may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
