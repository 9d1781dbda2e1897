"""Employers, vacancies and active-measure programmes (S3); the job-seeker
and unemployed registers, referrals with their outcomes, and target groups.

Registry never imports ``services``: the links to applications are by
string ("services.Application"). Writes are in ``registry.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from applicants.identifiers import validate_bin
from applicants.models import Applicant
from registry.constants import MeasureKind, ProgrammeKind, ReferralOutcome, Register
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


# --- the registers (S1, S2) -------------------------------------------------


class RegisterCloseReason(LocalizedName):
    """Why an entry of a register was closed (editable data)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("reason for closing a register entry")
        verbose_name_plural = _("reasons for closing register entries")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class RegisterEntry(models.Model):
    """One person on the job-seeker or unemployed register, opened when the
    S1 notification or the S2 certificate is signed, closed with a reason."""

    register = models.CharField(_("register"), max_length=16, choices=Register.choices)
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="register_entries"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="register_entries"
    )
    application = models.OneToOneField(
        "services.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="register_entry",
    )
    certificate_number = models.CharField(
        _("certificate number"),
        max_length=32,
        blank=True,
        help_text=_("S2: the number of the certificate of registration as unemployed."),
    )
    opened_on = models.DateField(_("entered on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.ForeignKey(
        RegisterCloseReason,
        verbose_name=_("reason for closing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, close_reason__isnull=True)
                | Q(closed_on__isnull=False, close_reason__isnull=False),
                name="register_entry_closed_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="register_entry_closes_after_opening",
            ),
            models.UniqueConstraint(
                fields=["register", "applicant"],
                condition=Q(closed_on__isnull=True),
                name="register_entry_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(register=Register.UNEMPLOYED) | ~Q(certificate_number=""),
                name="register_entry_unemployed_has_certificate",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "register", "opened_on"], name="register_entry_office_idx"),
            models.Index(
                fields=["office", "register", "id"],
                condition=Q(closed_on__isnull=True),
                name="register_entry_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_register_display()}: {self.applicant}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


# --- referrals (S3) ------------------------------------------------------------


class Referral(models.Model):
    """A signed S3 referral and, later, what came of it."""

    application = models.OneToOneField(
        "services.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="referral",
    )
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="referrals"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="referrals"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MeasureKind.choices)
    vacancy = models.ForeignKey(
        Vacancy,
        verbose_name=_("vacancy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    issued_on = models.DateField(_("issued on"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ReferralOutcome.choices, default=ReferralOutcome.PENDING
    )
    outcome_reason = models.TextField(_("reason"), blank=True)
    outcome_recorded_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("outcome recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=ReferralOutcome.NOT_HIRED) | ~Q(outcome_reason=""),
                name="referral_not_hired_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(outcome=ReferralOutcome.PENDING) | Q(outcome_recorded_at__isnull=False),
                name="referral_outcome_has_time",
            ),
            models.CheckConstraint(
                condition=Q(kind=MeasureKind.EMPLOYMENT, programme__isnull=True)
                | (~Q(kind=MeasureKind.EMPLOYMENT) & Q(vacancy__isnull=True)),
                name="referral_target_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "issued_on"], name="referral_office_issued_idx"),
            models.Index(fields=["office", "outcome", "id"], name="referral_office_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.applicant}"


# --- target groups (social jobs) --------------------------------------------------


class TargetGroup(LocalizedName):
    """A group the law gives priority for social jobs (editable data)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class TargetGroupMembership(models.Model):
    """An applicant belongs to a target group for a period, on a document."""

    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="target_groups"
    )
    group = models.ForeignKey(
        TargetGroup, verbose_name=_("target group"), on_delete=models.PROTECT, related_name="memberships"
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    document_note = models.CharField(
        _("confirming document"),
        max_length=300,
        blank=True,
        help_text=_("What the membership was confirmed with, e.g. a disability certificate number."),
    )

    class Meta:
        verbose_name = _("target group membership")
        verbose_name_plural = _("target group memberships")
        ordering = ["applicant", "since"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="target_group_membership_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["applicant", "group", "since"], name="target_group_membership_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant}: {self.group}"
