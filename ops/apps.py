from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the portal: backups and their restore, health and metrics."""

    name = "ops"
    verbose_name = _("Operations")
