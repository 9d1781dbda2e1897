"""The user model and applicant records.

Citizens log in with their IIN (stored as ``iin`` and used as the username);
staff log in with a username and belong to one office (G1). Roles are auth
groups named after ``Role``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applicants.constants import Role
from applicants.identifiers import mask_iin, validate_iin
from applicants.logging import mask_identifiers
from reglament.models import Office


class User(AbstractUser):
    iin = models.CharField(
        _("IIN"), max_length=12, unique=True, null=True, blank=True, validators=[validate_iin]
    )
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Staff belong to one office; citizens to none."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username

    def get_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    def has_role(self, role: Role) -> bool:
        # Groups are prefetched by the auth backend's permission cache only,
        # so read names once per instance.
        names: set[str] | None = getattr(self, "_role_names", None)
        if names is None:
            names = set(self.groups.values_list("name", flat=True))
            self._role_names = names
        return role.value in names

    @property
    def is_staff_member(self) -> bool:
        return self.office_id is not None


class Applicant(models.Model):
    """A person the centre serves, keyed by a valid IIN."""

    iin = models.CharField(_("IIN"), max_length=12, unique=True, validators=[validate_iin])
    last_name = models.CharField(_("last name"), max_length=150)
    first_name = models.CharField(_("first name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    graduated_on = models.DateField(
        _("graduated on"),
        null=True,
        blank=True,
        help_text=_("From the education document; youth practice counts the years since then."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    user = models.OneToOneField(
        User,
        verbose_name=_("portal account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applicant",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(iin__regex=r"^[0-9]{12}$"), name="applicant_iin_is_twelve_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_iin})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def masked_iin(self) -> str:
        return mask_iin(self.iin)

    @property
    def masked_name(self) -> str:
        """For public pages: surname initial only."""
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name[:1]}*** {initials}".strip()


class LoginAttempt(models.Model):
    """One try at the staff door. Kept in the database, not the cache, so a
    lock holds across web processes and restarts (``applicants.throttle``)."""

    username = models.CharField(_("login as typed"), max_length=150, help_text=_("Lowercased."))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        indexes = [
            models.Index(fields=["username", "created_at"], name="loginattempt_username_idx"),
            models.Index(fields=["ip", "created_at"], name="loginattempt_ip_idx"),
        ]

    def __str__(self) -> str:
        # Audit entries copy this label: a typed IIN never appears in full.
        return f"{mask_identifiers(self.username)} @ {self.ip or '?'}"
