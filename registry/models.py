"""Employers, vacancies and active-measure programmes (S3)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from applicants.identifiers import validate_bin
from registry.constants import ProgrammeKind
from reglament.localized import LocalizedName, localized
from reglament.models import Office


class Employer(LocalizedName):
    bin = models.CharField(_("BIN"), max_length=12, unique=True, validators=[validate_bin])
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name_ru"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bin__regex=r"^[0-9]{12}$"), name="employer_bin_is_twelve_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.bin})"


class Vacancy(models.Model):
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="vacancies"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="vacancies"
    )
    position_ru = models.CharField(_("position (Russian)"), max_length=200)
    position_kk = models.CharField(_("position (Kazakh)"), max_length=200, blank=True)
    position_en = models.CharField(_("position (English)"), max_length=200, blank=True)
    monthly_salary = models.PositiveIntegerField(_("monthly salary, tenge"))
    places = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    opened_on = models.DateField(_("opened on"))
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        ordering = ["-opened_on"]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="vacancy_has_places"),
        ]

    def __str__(self) -> str:
        return f"{self.position} — {self.employer.name}"

    @property
    def position(self) -> str:
        return localized(self, "position")


class Programme(LocalizedName):
    """Youth practice, social jobs or public works, with a limited number of places."""

    kind = models.CharField(_("kind"), max_length=16, choices=ProgrammeKind.choices)
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="programmes"
    )
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="programmes",
        null=True,
        blank=True,
    )
    places = models.PositiveSmallIntegerField(_("places"))
    places_taken = models.PositiveSmallIntegerField(_("places taken"), default=0)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    monthly_pay = models.PositiveIntegerField(_("monthly pay, tenge"))
    max_age = models.PositiveSmallIntegerField(
        _("age limit (under)"),
        null=True,
        blank=True,
        help_text=_("Youth practice: applicants must be younger than this."),
    )
    max_years_since_graduation = models.PositiveSmallIntegerField(
        _("years since graduation (at most)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("places")), name="programme_never_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="programme_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def free_places(self) -> int:
        return self.places - self.places_taken
