"""Reads of the services app, already scoped to what the user may see.

Staff reads go through ``staff_applications``: a view never filters by
office itself. Lists use keyset pagination (``Page``), so their cost does
not grow with the table."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from applicants.models import User
from audit.models import AuditEntry
from registry.constants import MeasureKind, ProgrammeKind
from registry.models import Programme, Vacancy
from reglament.constants import ProcedureCode
from reglament.models import Office, Region, ReglamentVersion
from reglament.selectors import reglament_versions_in_force
from services.constants import ACTION_LABELS, LIVE_STATES, Channel, State
from services.models import Application, JournalEntry, Service, StepRecord


@dataclass(frozen=True)
class CatalogueEntry:
    service: Service
    version: ReglamentVersion | None


def catalogue(*, region: Region | None, on: datetime.date) -> list[CatalogueEntry]:
    """The three services with the reglament version in force on a day
    (procedures prefetched). Two queries for the versions, one for services."""
    versions: dict[str, ReglamentVersion] = {}
    if region is not None:
        for version in reglament_versions_in_force(region=region, on=on):
            versions.setdefault(version.service_code, version)
    return [CatalogueEntry(service=s, version=versions.get(s.code)) for s in Service.objects.order_by("code")]


# --- staff pages: every read scoped to the user's office -----------------------


def staff_applications(*, user: User) -> QuerySet[Application]:
    """The applications a staff member may see: their own office's only.
    Administrators (who act in any office) see all; anyone else none."""
    applications = Application.objects.all()
    if not user.is_active:
        return applications.none()
    if user.has_perm("services.act_in_any_office"):
        return applications
    if user.office_id is None:
        return applications.none()
    return applications.filter(office_id=user.office_id)


@dataclass(frozen=True)
class Page:
    """A keyset page: the rows and the cursor of the next page, if any."""

    rows: list[Any]
    next_cursor: str | None


def _cursor(moment: datetime.datetime | None, pk: int) -> str:
    return f"{moment.isoformat() if moment else ''}|{pk}"


def parse_cursor(raw: str | None) -> tuple[datetime.datetime, int] | None:
    """A cursor from the URL; anything malformed means the first page."""
    if not raw or "|" not in raw:
        return None
    moment, _sep, pk = raw.partition("|")
    try:
        parsed = datetime.datetime.fromisoformat(moment)
        return (parsed, int(pk)) if parsed.tzinfo is not None else None
    except ValueError:
        return None


def _keyset(
    rows: QuerySet[Any], *, field: str, after: tuple[datetime.datetime, int] | None, size: int
) -> Page:
    if after is not None:
        moment, pk = after
        rows = rows.filter(Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk}))
    found = list(rows.order_by(field, "pk")[: size + 1])
    more = len(found) > size
    found = found[:size]
    next_cursor = _cursor(getattr(found[-1], field), found[-1].pk) if more and found else None
    return Page(rows=found, next_cursor=next_cursor)


def queue_page(*, executor: User, after: tuple[datetime.datetime, int] | None = None, size: int = 50) -> Page:
    """G2 step 2: the office's registered requests nobody has taken, most
    urgent first. One query whatever the size of the table (an index on
    office, state, due time)."""
    rows = (
        staff_applications(user=executor)
        .filter(state=State.REGISTERED)
        .select_related("service", "applicant")
        .only(
            "pk",
            "number",
            "due_at",
            "registered_at",
            "state",
            "channel",
            "measure_kind",
            "service__code",
            "service__name_ru",
            "service__name_kk",
            "service__name_en",
            "applicant__iin",
            "applicant__last_name",
            "applicant__first_name",
            "applicant__patronymic",
        )
    )
    return _keyset(rows, field="due_at", after=after, size=size)


def taken_by(*, executor: User) -> QuerySet[Application]:
    """The requests an executor has taken and not yet signed."""
    return (
        staff_applications(user=executor)
        .filter(state=State.IN_REVIEW, executor=executor)
        .select_related("service", "applicant")
        .order_by("due_at", "pk")
    )


def intakes_under_way(*, clerk: User) -> QuerySet[Application]:
    return (
        staff_applications(user=clerk)
        .filter(state=State.RECEIVED)
        .select_related("service", "applicant")
        .order_by("due_at", "pk")
    )


def issuance_page(*, clerk: User, after: tuple[datetime.datetime, int] | None = None, size: int = 50) -> Page:
    """G2 step 3: desk results waiting to be handed over."""
    rows = (
        staff_applications(user=clerk)
        .filter(state__in=[State.RESULT_SIGNED, State.REFUSAL_SIGNED], channel=Channel.DESK)
        .select_related("service", "applicant", "result")
    )
    return _keyset(rows, field="due_at", after=after, size=size)


def journal_page(
    *,
    user: User,
    office: Office,
    day: datetime.date,
    after: tuple[datetime.datetime, int] | None = None,
    size: int = 100,
) -> Page:
    """The service journal of one office for one local day."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=office.tz)
    end = start + datetime.timedelta(days=1)
    visible = staff_applications(user=user).filter(office=office)
    rows = JournalEntry.objects.filter(
        office=office, issued_at__gte=start, issued_at__lt=end, application__in=visible
    ).select_related("application__service", "application__applicant", "application__result", "issued_by")
    return _keyset(rows, field="issued_at", after=after, size=size)


def application_history(*, application: Application) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type__app_label="services", target_type__model="application", target_id=str(application.pk)
    ).order_by("created_at", "pk")


def application_history_lines(*, application: Application) -> list[AuditEntry]:
    """The history as people read it: actions and states by their names."""
    states = dict(State.choices)
    lines = list(application_history(application=application).select_related("actor"))
    for entry in lines:
        entry.action_label = str(ACTION_LABELS.get(entry.action, entry.action))  # type: ignore[attr-defined]
        entry.to_state_label = str(states.get(entry.to_state, entry.to_state))  # type: ignore[attr-defined]
    return lines


# --- the supervisor's dashboard ------------------------------------------------


def state_counts(*, user: User) -> dict[tuple[str, str], int]:
    """Live counts per state and service, in one query."""
    rows = (
        staff_applications(user=user)
        .filter(state__in=LIVE_STATES)
        .values_list("state", "service__code")
        .annotate(n=Count("pk"))
    )
    return {(state, code): n for state, code, n in rows}


def overdue_steps(*, user: User, now: datetime.datetime, size: int = 50) -> list[StepRecord]:
    """Open steps past their due time, the longest overdue first (read in
    due order from the partial index of open steps, stopping at ``size``)."""
    visible = staff_applications(user=user)
    return list(
        StepRecord.objects.filter(finished_at__isnull=True, due_at__lt=now, application__in=visible)
        .select_related(
            "application__service", "application__applicant", "application__executor", "performer"
        )
        .order_by("due_at", "pk")[:size]
    )


@dataclass(frozen=True)
class ComplianceRow:
    key: str
    label: str
    done: int
    on_time: int

    @property
    def share(self) -> float:
        return self.on_time / self.done if self.done else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


COMPLIANCE_GROUPINGS = ("step", "service", "person")


def compliance(
    *,
    user: User,
    start: datetime.datetime,
    end: datetime.datetime,
    office: Office | None = None,
    region: Region | None = None,
) -> dict[str, list[ComplianceRow]]:
    """Share of steps finished within their norm in [start, end), grouped by
    step, service and person (the keys of ``COMPLIANCE_GROUPINGS``).

    The steps of the period are read once, counted per (step, service,
    person) in the database — a few dozen rows whatever the volume — and
    the three groupings are summed from those here: one pass over the
    period instead of three. ``office`` or ``region`` narrow what the user
    may see further (the reports of one office or of the whole region)."""
    visible = staff_applications(user=user)
    if office is not None:
        visible = visible.filter(office=office)
    if region is not None:
        visible = visible.filter(office__region=region)
    rows = (
        StepRecord.objects.filter(finished_at__gte=start, finished_at__lt=end, application__in=visible)
        .values_list("code", "application__service__code", "performer_id")
        .annotate(
            done=Count("pk"),
            on_time=Count("pk", filter=Q(finished_at__lte=F("due_at"))),
        )
        .order_by()
    )
    totals: dict[str, dict[Any, list[int]]] = {by: {} for by in COMPLIANCE_GROUPINGS}
    for code, service_code, performer_id, done, on_time in rows:
        for by, key in (("step", code), ("service", service_code), ("person", performer_id)):
            counted = totals[by].setdefault(key, [0, 0])
            counted[0] += done
            counted[1] += on_time
    performers = [key for key in totals["person"] if key is not None]
    labels: dict[str, dict[Any, str]] = {
        "step": {code: str(label) for code, label in ProcedureCode.choices},
        "service": {s.code: s.name for s in Service.objects.all()} if totals["service"] else {},
        "person": {u.pk: str(u) for u in User.objects.filter(pk__in=performers)} if performers else {},
    }
    electronic = str(_("Electronic delivery"))

    def ordered(by: str) -> list[Any]:
        keys = list(totals[by])
        if by == "step":
            order = [code for code, _label in ProcedureCode.choices]
            return sorted(keys, key=lambda k: order.index(k) if k in order else len(order))
        # People by name, electronic delivery (no performer) last.
        if by == "person":
            return sorted(keys, key=lambda k: (k is None, labels["person"].get(k, "")))
        return sorted(keys, key=str)

    return {
        by: [
            ComplianceRow(
                key=str(key),
                label=labels[by].get(key, electronic if key is None else str(key)),
                done=totals[by][key][0],
                on_time=totals[by][key][1],
            )
            for key in ordered(by)
        ]
        for by in COMPLIANCE_GROUPINGS
    }


# --- the citizen's cabinet: every read scoped to the citizen's own requests ------


def citizen_applications(*, user: User | Any) -> QuerySet[Application]:
    """The requests a citizen may see: those of the applicant record linked
    to their account, and nobody else's. Staff and strangers see none here."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.pk is None:
        return Application.objects.none()
    return Application.objects.filter(applicant__user_id=user.pk)


def citizen_application(*, user: User | Any, pk: int) -> QuerySet[Application]:
    """One of the citizen's own requests, for ``get_object_or_404``."""
    return citizen_applications(user=user).filter(pk=pk)


def citizen_request_list(*, user: User | Any) -> QuerySet[Application]:
    """The cabinet's list: newest first, with the time of the last audited
    change (two queries whatever the number of requests)."""
    last_change = (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(Application),
            target_id=Cast(OuterRef("pk"), output_field=CharField()),
            succeeded=True,
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    return (
        citizen_applications(user=user)
        .select_related("service", "office__calendar")
        .annotate(last_change=Subquery(last_change))
        .order_by("-created_at", "-pk")
    )


def last_saved(*, application: Application) -> datetime.datetime | None:
    """When the citizen last saved the draft's form."""
    entry = (
        application_history(application=application)
        .filter(action="update_draft", succeeded=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    return entry.created_at if entry is not None else None


_PROGRAMME_KIND = {
    MeasureKind.YOUTH_PRACTICE: ProgrammeKind.YOUTH_PRACTICE,
    MeasureKind.SOCIAL_JOBS: ProgrammeKind.SOCIAL_JOBS,
    MeasureKind.PUBLIC_WORKS: ProgrammeKind.PUBLIC_WORKS,
}


def open_vacancies(*, office: Office, today: datetime.date) -> QuerySet[Vacancy]:
    """S3 employment: the office's vacancies open today."""
    return (
        Vacancy.objects.filter(office=office, is_open=True)
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .select_related("employer")
        .order_by("-opened_on", "pk")
    )


def programmes_with_places(*, office: Office, measure_kind: str, today: datetime.date) -> QuerySet[Programme]:
    """S3 youth practice, social jobs, public works: the office's programmes
    of that kind that have not ended and still have free places."""
    kind = _PROGRAMME_KIND.get(MeasureKind(measure_kind)) if measure_kind in MeasureKind.values else None
    if kind is None:
        return Programme.objects.none()
    return (
        Programme.objects.filter(office=office, kind=kind, ends_on__gte=today, places_taken__lt=F("places"))
        .select_related("employer")
        .order_by("starts_on", "pk")
    )
