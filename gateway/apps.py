from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = _("E-government gateway")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from services.signals import application_state_changed

        application_state_changed.connect(_on_application_state_changed, dispatch_uid="gateway.status_push")
        # The administrators' group gets the gateway's permissions (clients,
        # requests, pushes) once they exist: this app migrates after services,
        # where the role groups are first built.
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="gateway.ensure_roles")


def _ensure_roles(**kwargs: Any) -> None:
    from applicants.services import ensure_role_groups

    ensure_role_groups()


def _on_application_state_changed(
    *, application_id: int, audit_entry_id: int, to_state: str, channel: str, **kwargs: Any
) -> None:
    """Status push: an outbox row in the transaction of the change itself."""
    from gateway.services import delivery_record_state_change
    from services.constants import Channel

    # Only gateway applications get callbacks; the others cost no query.
    if channel != Channel.GATEWAY:
        return
    delivery_record_state_change(
        application_id=application_id, audit_entry_id=audit_entry_id, to_state=to_state
    )
