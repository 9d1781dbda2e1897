"""Legal acts, reglament versions and procedures (L1, L2, G2), regions and
offices (G1) with their work calendars.

Reglaments are versioned records, not code: the norms of every procedure,
the channels and the result forms are read from here.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reglament.constants import (
    ActKind,
    ActStatus,
    DayKind,
    ProcedureCode,
    ResultForm,
    ServiceCode,
    ServiceForm,
    Unit,
)
from reglament.localized import LocalizedName, localized
from reglament.worktime import WorkSchedule

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("“%(value)s” is not a known time zone (for example Asia/Aqtau)."),
            params={"value": value},
        ) from exc


def validate_weekend(value: str) -> None:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not all(p.isdigit() and 0 <= int(p) <= 6 for p in parts) or len(parts) >= 7:
        raise ValidationError(
            _("List weekday numbers separated by commas, Monday = 0 … Sunday = 6 (for example 5,6).")
        )


class Region(LocalizedName):
    code = models.SlugField(_("code"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WorkCalendar(models.Model):
    """An office's working time: hours, lunch, weekend, and its day exceptions.

    National holidays are rows of CalendarDay with no calendar; a calendar's
    own rows (a local transferred day) are added to them.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Aqtau", validators=[validate_timezone]
    )
    work_start = models.TimeField(_("working day starts"), default=datetime.time(9, 0))
    work_end = models.TimeField(_("working day ends"), default=datetime.time(18, 0))
    lunch_start = models.TimeField(
        _("lunch break starts"), null=True, blank=True, default=datetime.time(13, 0)
    )
    lunch_end = models.TimeField(_("lunch break ends"), null=True, blank=True, default=datetime.time(14, 0))
    weekend = models.CharField(
        _("weekend days"),
        max_length=20,
        default="5,6",
        validators=[validate_weekend],
        help_text=_("Weekday numbers separated by commas, Monday = 0 … Sunday = 6."),
    )

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        constraints = [
            models.CheckConstraint(
                condition=Q(work_start__lt=models.F("work_end")),
                name="work_calendar_day_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=(Q(lunch_start__isnull=True) & Q(lunch_end__isnull=True))
                | (
                    Q(lunch_start__gt=models.F("work_start"))
                    & Q(lunch_start__lt=models.F("lunch_end"))
                    & Q(lunch_end__lt=models.F("work_end"))
                ),
                name="work_calendar_lunch_inside_the_working_day",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.work_start is None or self.work_end is None:
            return  # the field errors already say what is missing
        if self.work_start >= self.work_end:
            raise ValidationError(_("The working day must start before it ends."))
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValidationError(_("Give both the start and the end of the lunch break, or neither."))
        if (
            self.lunch_start
            and self.lunch_end
            and not (self.work_start < self.lunch_start < self.lunch_end < self.work_end)
        ):
            raise ValidationError(_("The lunch break must lie inside the working day."))

    def intervals(self) -> tuple[tuple[datetime.time, datetime.time], ...]:
        if self.lunch_start and self.lunch_end:
            return ((self.work_start, self.lunch_start), (self.lunch_end, self.work_end))
        return ((self.work_start, self.work_end),)

    def schedule(self, *, first_year: int, last_year: int) -> WorkSchedule:
        """The working-time schedule with the exceptions of the given years."""
        days = CalendarDay.objects.filter(
            Q(calendar__isnull=True) | Q(calendar=self),
            day__year__gte=first_year,
            day__year__lte=last_year,
        ).values_list("day", "kind")
        off = frozenset(d for d, kind in days if kind in (DayKind.HOLIDAY, DayKind.DAY_OFF))
        working = frozenset(d for d, kind in days if kind == DayKind.WORKING)
        return WorkSchedule(
            tz=zoneinfo.ZoneInfo(self.timezone),
            intervals=self.intervals(),
            weekend=frozenset(int(p) for p in self.weekend.split(",") if p.strip()),
            holidays=off,
            extra_working_days=working,
        )


class CalendarDay(LocalizedName):
    """A day that differs from the ordinary week: holiday or transferred day."""

    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="days",
        help_text=_("Leave empty for a day that applies to the whole country."),
    )
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day"],
                condition=Q(calendar__isnull=True),
                name="calendar_day_one_national_entry_per_date",
            ),
            models.UniqueConstraint(
                fields=["calendar", "day"],
                condition=Q(calendar__isnull=False),
                name="calendar_day_one_entry_per_calendar_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class Office(LocalizedName):
    """An employment centre (G1): staff and applications belong to one."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="offices"
    )
    code = models.CharField(
        _("code"),
        max_length=8,
        unique=True,
        help_text=_("Short Latin letters used in registration numbers, e.g. AKT."),
    )
    calendar = models.ForeignKey(WorkCalendar, verbose_name=_("work calendar"), on_delete=models.PROTECT)
    address_ru = models.CharField(_("address (Russian)"), max_length=300, blank=True)
    address_kk = models.CharField(_("address (Kazakh)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["region__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2,8}$"),
                name="office_code_is_latin_capitals",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return localized(self, "address")

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.calendar.timezone)


class LegalAct(models.Model):
    """A normative legal act (L1): adopted, registered, published, in force,
    amended, repealed."""

    kind = models.CharField(_("kind"), max_length=16, choices=ActKind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acts",
        help_text=_("Empty for national acts."),
    )
    issuer_ru = models.CharField(_("issuer (Russian)"), max_length=300)
    issuer_kk = models.CharField(_("issuer (Kazakh)"), max_length=300, blank=True)
    issuer_en = models.CharField(_("issuer (English)"), max_length=300, blank=True)
    number = models.CharField(_("number"), max_length=32)
    adopted_on = models.DateField(_("adopted on"))
    title_ru = models.TextField(_("title (Russian)"))
    title_kk = models.TextField(_("title (Kazakh)"), blank=True)
    title_en = models.TextField(_("title (English)"), blank=True)
    justice_number = models.CharField(_("state registration number"), max_length=32, blank=True)
    justice_date = models.DateField(_("state registration date"), null=True, blank=True)
    first_published_on = models.DateField(_("first official publication"), null=True, blank=True)
    effect_delay_days = models.PositiveSmallIntegerField(
        _("put into effect after (calendar days)"),
        default=10,
        help_text=_(
            "L1: an act is put into effect this many calendar days after its first official publication."
        ),
    )
    in_force_from = models.DateField(
        _("in force from"),
        null=True,
        blank=True,
        help_text=_("Filled from the publication date when left empty."),
    )
    amends = models.ManyToManyField(
        "self",
        verbose_name=_("amends"),
        symmetrical=False,
        blank=True,
        related_name="amended_by",
    )
    repealed_by = models.ForeignKey(
        "self",
        verbose_name=_("repealed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeals",
    )
    source_note = models.TextField(
        _("note on the sources"),
        blank=True,
        help_text=_("What the dates rest on, and what is still to be confirmed."),
    )

    if TYPE_CHECKING:
        amended_by: RelatedManager[LegalAct]

    class Meta:
        verbose_name = _("legal act")
        verbose_name_plural = _("legal acts")
        ordering = ["-adopted_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_ru", "number", "adopted_on"],
                name="legal_act_unique_per_issuer_number_and_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} № {self.number} {self.adopted_on:%d.%m.%Y}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.in_force_from is None:
            self.in_force_from = self.effective_date()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def issuer(self) -> str:
        return localized(self, "issuer")

    def effective_date(self) -> datetime.date | None:
        """L1: in force on state registration, put into effect N days after publication."""
        if self.in_force_from:
            return self.in_force_from
        if self.first_published_on:
            return self.first_published_on + datetime.timedelta(days=self.effect_delay_days)
        return None

    def status_on(self, day: datetime.date) -> ActStatus:
        start = self.effective_date()
        if self.repealed_by is not None:
            repeal = self.repealed_by.effective_date()
            if repeal is not None and repeal <= day:
                return ActStatus.REPEALED
        if start is None or day < start:
            return ActStatus.PENDING
        for amendment in self.amended_by.all():
            amended = amendment.effective_date()
            if amended is not None and amended <= day:
                return ActStatus.AMENDED
        return ActStatus.IN_FORCE


class ReglamentVersion(models.Model):
    """One edition of a service's reglament in a region (L2).

    An application keeps a link to the version in force on the day it was
    registered (L1).
    """

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="reglaments"
    )
    service_code = models.CharField(_("service"), max_length=2, choices=ServiceCode.choices)
    legal_act = models.ForeignKey(
        LegalAct,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="reglament_versions",
    )
    title_ru = models.CharField(_("service name (Russian)"), max_length=300)
    title_kk = models.CharField(_("service name (Kazakh)"), max_length=300, blank=True)
    title_en = models.CharField(_("service name (English)"), max_length=300, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective until"),
        null=True,
        blank=True,
        help_text=_("The first day on which this version no longer applies; empty if open."),
    )
    via_desk = models.BooleanField(_("served at the chancellery"), default=True)
    via_portal = models.BooleanField(_("served through the e-government portal"), default=False)
    service_form = models.CharField(_("form of the service"), max_length=32, choices=ServiceForm.choices)
    result_form = models.CharField(_("form of the result"), max_length=32, choices=ResultForm.choices)
    result_ru = models.TextField(_("result (Russian)"))
    result_kk = models.TextField(_("result (Kazakh)"), blank=True)
    result_en = models.TextField(_("result (English)"), blank=True)
    refusal_basis_ru = models.TextField(_("grounds for refusal (Russian)"), blank=True)
    refusal_basis_kk = models.TextField(_("grounds for refusal (Kazakh)"), blank=True)
    refusal_basis_en = models.TextField(_("grounds for refusal (English)"), blank=True)

    if TYPE_CHECKING:
        procedures: RelatedManager[Procedure]

    class Meta:
        verbose_name = _("reglament version")
        verbose_name_plural = _("reglament versions")
        ordering = ["region", "service_code", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                name="reglament_version_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(via_desk=True) | Q(via_portal=True),
                name="reglament_version_has_a_channel",
            ),
            models.UniqueConstraint(
                fields=["region", "service_code", "effective_from"],
                name="reglament_version_one_per_service_and_start",
            ),
        ]
        indexes = [models.Index(fields=["region", "service_code", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.service_code} {self.title} ({self.effective_from:%d.%m.%Y})"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def result(self) -> str:
        return localized(self, "result")

    def norm_minutes(self, code: str) -> int:
        return self.procedures.get(code=code).norm_minutes


class Procedure(LocalizedName):
    """A procedure of G2 with its time norm, as the reglament version states it."""

    version = models.ForeignKey(
        ReglamentVersion,
        verbose_name=_("reglament version"),
        on_delete=models.CASCADE,
        related_name="procedures",
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("procedure"), max_length=16, choices=ProcedureCode.choices)
    unit = models.CharField(_("performed by"), max_length=16, choices=Unit.choices)
    norm_minutes = models.PositiveIntegerField(_("norm, working minutes"))
    outcome_ru = models.CharField(_("outcome (Russian)"), max_length=300)
    outcome_kk = models.CharField(_("outcome (Kazakh)"), max_length=300, blank=True)
    outcome_en = models.CharField(_("outcome (English)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="procedure_one_per_code_and_version"),
            models.UniqueConstraint(fields=["version", "order"], name="procedure_one_per_order_and_version"),
            models.CheckConstraint(condition=Q(norm_minutes__gt=0), name="procedure_norm_is_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name} — {self.norm_minutes}"

    @property
    def outcome(self) -> str:
        return localized(self, "outcome")
