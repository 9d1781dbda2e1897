"""The figures the centre reports upward (issue 5, item 5), for a period
and an office or the whole region.

Public: ``report_offices`` and ``report_scope`` (what a user may report
on), ``report`` (the figures as small typed tables, read with a fixed
number of grouped queries whatever the volume), and ``report_tables``
(the same figures as titled rows, the one source of the page's tables and
charts and of the CSV and XLSX downloads).

The report lives in ``services`` because it reads applications, results
and step records; the registry never imports services.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from applicants.models import User
from registry.constants import MeasureKind, ReferralOutcome, Register
from registry.models import Referral, RegisterEntry
from reglament.localized import localized
from reglament.models import Office, Region
from services import selectors
from services.constants import GroundStage, ResultKind, State
from services.models import Application, ResultDocument, Service

# Seen by whoever may act in any office: every office of the region, and the region itself.
REGION_WIDE_PERMISSION = "services.act_in_any_office"


# --- what a user may report on ------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """One office, or (``office is None``) every office of the region."""

    region: Region
    office: Office | None
    tz: zoneinfo.ZoneInfo

    @property
    def label(self) -> str:
        if self.office is not None:
            return self.office.name
        return _("%(region)s, all offices") % {"region": self.region.name}

    @property
    def key(self) -> str:
        return self.office.code if self.office is not None else "region"


def may_report_on_region(*, user: User) -> bool:
    return user.is_active and user.has_perm(REGION_WIDE_PERMISSION)


def report_offices(*, user: User) -> QuerySet[Office]:
    """The offices a user may choose: an administrator any office of their
    region, anyone else only their own."""
    offices = Office.objects.select_related("calendar", "region").order_by("code")
    if not user.is_active or user.office_id is None:
        return offices.none()
    if may_report_on_region(user=user):
        return offices.filter(region__offices=user.office_id)
    return offices.filter(pk=user.office_id)


def report_scope(*, user: User, office: Office | None) -> ReportScope:
    """The scope of a report: the office chosen (one the user may choose),
    the user's own office when none is chosen and they may not see the
    region, or the whole region for those who may."""
    if user.office_id is None:
        raise PermissionDenied
    own = report_offices(user=user).filter(pk=user.office_id).first()
    if own is None:
        raise PermissionDenied
    if office is None and may_report_on_region(user=user):
        return ReportScope(region=own.region, office=None, tz=own.tz)
    office = office or own
    if office.pk != own.pk and not (may_report_on_region(user=user) and office.region_id == own.region_id):
        raise PermissionDenied
    return ReportScope(region=office.region, office=office, tz=office.tz)


def _in_scope(rows: QuerySet[Any], *, user: User, scope: ReportScope) -> QuerySet[Any]:
    """Rows that carry an office, narrowed to the scope and, for anyone who
    may not act in any office, to their own office whatever the scope says."""
    if not may_report_on_region(user=user):
        rows = rows.filter(office_id=user.office_id)
    if scope.office is not None:
        return rows.filter(office=scope.office)
    return rows.filter(office__region=scope.region)


# --- the tables -------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRow:
    """Applications whose intake ended in the period: registered, or refused at the desk."""

    service_code: str
    service: str
    registered: int
    refused_at_intake: int

    @property
    def received(self) -> int:
        return self.registered + self.refused_at_intake


@dataclass(frozen=True)
class ResultRow:
    """Results signed in the period, per service and kind (G5: refusals included)."""

    service_code: str
    service: str
    kind: str
    kind_label: str
    count: int


@dataclass(frozen=True)
class RefusalRow:
    """Refusals decided in the period, per service and paragraph-10 ground."""

    stage: str
    service_code: str
    service: str
    ground_code: str
    ground: str
    legal_reference: str
    count: int


@dataclass(frozen=True)
class RegisterRow:
    """The size of a register at the start and at the end of the period
    and the flows in between: ``at_end == at_start + opened - closed``."""

    register: str
    label: str
    at_start: int
    opened: int
    closed: int
    at_end: int


@dataclass(frozen=True)
class ClosureRow:
    """Entries of a register closed in the period, per reason."""

    register: str
    register_label: str
    reason_code: str
    reason: str
    count: int


@dataclass(frozen=True)
class ReferralRow:
    """Referrals issued in the period, per kind, with what came of them so far."""

    kind: str
    label: str
    pending: int
    hired: int
    not_hired: int
    did_not_come: int

    @property
    def issued(self) -> int:
        return self.pending + self.hired + self.not_hired + self.did_not_come


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    start: datetime.date
    end: datetime.date
    received: list[ReceivedRow]
    results: list[ResultRow]
    intake_refusals: list[RefusalRow]
    review_refusals: list[RefusalRow]
    registers: list[RegisterRow]
    closures: list[ClosureRow]
    referrals: list[ReferralRow]
    compliance: dict[str, list[selectors.ComplianceRow]] = field(default_factory=dict)


def _bounds(scope: ReportScope, start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """[start, end] as local days of the scope: from the first midnight to the midnight after the end."""
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=scope.tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=scope.tz),
    )


def _received(
    applications: QuerySet[Application], services: list[Service], since: Any, until: Any
) -> list[ReceivedRow]:
    registered = Q(registered_at__gte=since, registered_at__lt=until)
    refused = Q(state=State.INTAKE_REFUSED, decided_at__gte=since, decided_at__lt=until)
    counts = {
        code: (r, i)
        for code, r, i in applications.filter(registered | refused)
        .values_list("service__code")
        .annotate(r=Count("pk", filter=registered), i=Count("pk", filter=refused))
        .order_by()
    }
    return [
        ReceivedRow(
            service_code=s.code,
            service=s.name,
            registered=counts.get(s.code, (0, 0))[0],
            refused_at_intake=counts.get(s.code, (0, 0))[1],
        )
        for s in services
    ]


def _results(
    applications: QuerySet[Application], names: dict[str, str], since: Any, until: Any
) -> list[ResultRow]:
    kinds = dict(ResultKind.choices)
    order = list(kinds)
    rows = (
        ResultDocument.objects.filter(application__in=applications, signed_at__gte=since, signed_at__lt=until)
        .values_list("application__service__code", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return sorted(
        (
            ResultRow(
                service_code=code,
                service=names.get(code, code),
                kind=kind,
                kind_label=str(kinds.get(kind, kind)),
                count=n,
            )
            for code, kind, n in rows
        ),
        key=lambda r: (r.service_code, order.index(r.kind) if r.kind in order else len(order)),
    )


def _refusals(
    applications: QuerySet[Application], names: dict[str, str], since: Any, until: Any
) -> dict[str, list[RefusalRow]]:
    rows = (
        applications.filter(refusal_ground__isnull=False, decided_at__gte=since, decided_at__lt=until)
        .filter(state__in=[State.INTAKE_REFUSED, State.REFUSAL_SIGNED, State.ISSUED])
        .values(
            "service__code",
            "refusal_ground__stage",
            "refusal_ground__code",
            *(
                f"refusal_ground__{f}_{lang}"
                for f in ("name", "legal_reference")
                for lang in ("ru", "kk", "en")
            ),
        )
        .annotate(n=Count("pk"))
        .order_by("refusal_ground__stage", "service__code", "refusal_ground__code")
    )
    found: dict[str, list[RefusalRow]] = {GroundStage.INTAKE: [], GroundStage.REVIEW: []}
    for row in rows:
        ground = _Fields(row, "refusal_ground__")
        found.setdefault(row["refusal_ground__stage"], []).append(
            RefusalRow(
                stage=row["refusal_ground__stage"],
                service_code=row["service__code"],
                service=names.get(row["service__code"], row["service__code"]),
                ground_code=row["refusal_ground__code"],
                ground=localized(ground, "name"),
                legal_reference=localized(ground, "legal_reference"),
                count=row["n"],
            )
        )
    return found


class _Fields:
    """A ``values()`` row read as an object by ``localized`` (``name_ru`` … under a prefix)."""

    def __init__(self, row: dict[str, Any], prefix: str) -> None:
        self._row, self._prefix = row, prefix

    def __getattr__(self, name: str) -> Any:
        return self._row.get(self._prefix + name, "")


def _registers(
    entries: QuerySet[RegisterEntry], start: datetime.date, end: datetime.date
) -> list[RegisterRow]:
    open_at_start = Q(opened_on__lt=start) & (Q(closed_on__isnull=True) | Q(closed_on__gte=start))
    open_at_end = Q(opened_on__lte=end) & (Q(closed_on__isnull=True) | Q(closed_on__gt=end))
    opened = Q(opened_on__gte=start, opened_on__lte=end)
    closed = Q(closed_on__gte=start, closed_on__lte=end)
    counts = {
        row[0]: row[1:]
        for row in entries.filter(opened_on__lte=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))
        .values_list("register")
        .annotate(
            at_start=Count("pk", filter=open_at_start),
            opened=Count("pk", filter=opened),
            closed=Count("pk", filter=closed),
            at_end=Count("pk", filter=open_at_end),
        )
        .order_by()
    }
    return [
        RegisterRow(register, str(label), *counts.get(register, (0, 0, 0, 0)))
        for register, label in Register.choices
    ]


def _closures(entries: QuerySet[RegisterEntry], start: datetime.date, end: datetime.date) -> list[ClosureRow]:
    labels = dict(Register.choices)
    order = list(labels)
    rows = (
        entries.filter(closed_on__gte=start, closed_on__lte=end)
        .values(
            "register",
            "close_reason__code",
            "close_reason__order",
            *(f"close_reason__name_{lang}" for lang in ("ru", "kk", "en")),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    return sorted(
        (
            ClosureRow(
                register=row["register"],
                register_label=str(labels.get(row["register"], row["register"])),
                reason_code=row["close_reason__code"] or "",
                reason=localized(_Fields(row, "close_reason__"), "name") or _("Reason not recorded"),
                count=row["n"],
            )
            for row in rows
        ),
        key=lambda r: (order.index(r.register) if r.register in order else len(order), r.reason_code),
    )


def _referrals(referrals: QuerySet[Referral], start: datetime.date, end: datetime.date) -> list[ReferralRow]:
    counts: dict[str, dict[str, int]] = {}
    for kind, outcome, n in (
        referrals.filter(issued_on__gte=start, issued_on__lte=end)
        .values_list("kind", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(kind, {})[outcome] = n
    return [
        ReferralRow(
            kind=kind,
            label=str(label),
            pending=counts.get(kind, {}).get(ReferralOutcome.PENDING, 0),
            hired=counts.get(kind, {}).get(ReferralOutcome.HIRED, 0),
            not_hired=counts.get(kind, {}).get(ReferralOutcome.NOT_HIRED, 0),
            did_not_come=counts.get(kind, {}).get(ReferralOutcome.DID_NOT_COME, 0),
        )
        for kind, label in MeasureKind.choices
    ]


def report(*, user: User, scope: ReportScope, start: datetime.date, end: datetime.date) -> Report:
    """The figures of ``scope`` for the local days [start, end].

    A fixed number of queries whatever the volume: the services (1),
    one grouped query each for intake, results, refusals, register sizes,
    register closures and referrals (6), and the step compliance of
    ``selectors.compliance`` (1 to 3)."""
    since, until = _bounds(scope, start, end)
    applications = _in_scope(selectors.staff_applications(user=user), user=user, scope=scope)
    entries = _in_scope(RegisterEntry.objects.all(), user=user, scope=scope)
    services = list(Service.objects.order_by("code"))
    names = {s.code: s.name for s in services}
    refusals = _refusals(applications, names, since, until)
    return Report(
        scope=scope,
        start=start,
        end=end,
        received=_received(applications, services, since, until),
        results=_results(applications, names, since, until),
        intake_refusals=refusals.get(GroundStage.INTAKE, []),
        review_refusals=refusals.get(GroundStage.REVIEW, []),
        registers=_registers(entries, start, end),
        closures=_closures(entries, start, end),
        referrals=_referrals(_in_scope(Referral.objects.all(), user=user, scope=scope), start, end),
        compliance=selectors.compliance(
            user=user,
            start=since,
            end=until,
            office=scope.office,
            region=scope.region if scope.office is None else None,
        ),
    )


# --- the same figures as titled rows (page, charts, CSV, XLSX) -----------------------


Cell = str | int


@dataclass(frozen=True)
class Table:
    """One table of the report as people read it. ``chart`` names the
    column drawn as bars (labelled by the first ``label_columns`` cells)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    chart: int | None = None
    label_columns: int = 1

    def bars(self) -> list[tuple[str, int]]:
        if self.chart is None:
            return []
        return [
            (" · ".join(str(c) for c in row[: self.label_columns]), int(row[self.chart])) for row in self.rows
        ]


def report_tables(report: Report) -> list[Table]:
    """Every table of the report, in the page's order, with translated headings."""
    compliance_columns = [_("Steps finished"), _("Within the norm"), _("Within the norm, %")]
    compliance_titles = {
        "step": (_("Compliance with the norms per step"), _("Step")),
        "service": (_("Compliance with the norms per service"), _("Service")),
        "person": (_("Compliance with the norms per person"), _("Who")),
    }

    def refusal_table(key: str, title: str, rows: list[RefusalRow]) -> Table:
        return Table(
            key=key,
            title=title,
            columns=[_("Service"), _("Ground"), _("Legal reference"), _("Refusals")],
            rows=[[r.service_code, r.ground, r.legal_reference, r.count] for r in rows],
            chart=3,
            label_columns=2,
        )

    return [
        Table(
            key="received",
            title=_("Applications received per service"),
            columns=[_("Code"), _("Service"), _("Registered"), _("Refused at intake"), _("Received")],
            rows=[
                [r.service_code, r.service, r.registered, r.refused_at_intake, r.received]
                for r in report.received
            ],
            chart=4,
        ),
        Table(
            key="results",
            title=_("Results per service and kind"),
            columns=[_("Service"), _("Kind of result"), _("Signed")],
            rows=[[r.service_code, r.kind_label, r.count] for r in report.results],
            chart=2,
            label_columns=2,
        ),
        refusal_table(
            "intake-refusals", _("Refusals of intake per service and ground"), report.intake_refusals
        ),
        refusal_table(
            "review-refusals", _("Refusals of the service per service and ground"), report.review_refusals
        ),
        Table(
            key="registers",
            title=_("Registers: size and flows"),
            columns=[_("Register"), _("At the start"), _("Entered"), _("Closed"), _("At the end")],
            rows=[[r.label, r.at_start, r.opened, r.closed, r.at_end] for r in report.registers],
            chart=4,
        ),
        Table(
            key="closures",
            title=_("Register entries closed per reason"),
            columns=[_("Register"), _("Reason"), _("Closed")],
            rows=[[r.register_label, r.reason, r.count] for r in report.closures],
            chart=2,
            label_columns=2,
        ),
        Table(
            key="referrals",
            title=_("Referrals per kind and outcome"),
            columns=[
                _("Kind"),
                _("Issued"),
                _("Hired"),
                _("Not hired"),
                _("Did not come"),
                _("Awaiting outcome"),
            ],
            rows=[
                [r.label, r.issued, r.hired, r.not_hired, r.did_not_come, r.pending] for r in report.referrals
            ],
            chart=1,
        ),
        *(
            Table(
                key=f"compliance-{by}",
                title=compliance_titles[by][0],
                columns=[compliance_titles[by][1], *compliance_columns],
                rows=[[r.label, r.done, r.on_time, r.percent] for r in report.compliance.get(by, [])],
                chart=3,
            )
            for by in selectors.COMPLIANCE_GROUPINGS
        ),
    ]
