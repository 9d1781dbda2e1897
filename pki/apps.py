from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PkiConfig(AppConfig):
    name = "pki"
    verbose_name = _("E-signature certificates")
