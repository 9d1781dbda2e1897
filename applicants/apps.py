from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicantsConfig(AppConfig):
    name = "applicants"
    verbose_name = _("People and roles")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        # After the last of the portal's apps, when all permissions exist.
        post_migrate.connect(_ensure_roles, sender=apps.get_app_config("services"))


def _ensure_roles(**kwargs: object) -> None:
    from applicants.services import ensure_role_groups

    ensure_role_groups()
