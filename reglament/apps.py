from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReglamentConfig(AppConfig):
    name = "reglament"
    verbose_name = _("Reglaments and offices")
