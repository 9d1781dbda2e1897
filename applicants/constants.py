"""Roles (as auth groups) and other choices of the applicants app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles; each is an auth group of the same name (G3, DESIGN §2)."""

    CLERK = "clerk", _("Chancellery clerk")
    EXECUTOR = "executor", _("Responsible executor")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")
    GATEWAY = "gateway", _("Gateway client system")
