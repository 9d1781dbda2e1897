from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Government services")

    def ready(self) -> None:
        from services.signals import application_state_changed

        application_state_changed.connect(_on_application_state_changed, dispatch_uid="services.render_pdf")


def _on_application_state_changed(*, application_id: int, to_state: str, **kwargs: Any) -> None:
    """Issue 5: once a signed result or refusal commits, its PDF is rendered
    by a task (never inside the signing transaction, never for a rollback)."""
    from django.db import transaction

    from services.constants import State
    from services.models import ResultDocument
    from services.tasks import render_result_document

    if to_state not in (State.RESULT_SIGNED, State.REFUSAL_SIGNED):
        return
    result_id = (
        ResultDocument.objects.filter(application_id=application_id).values_list("pk", flat=True).first()
    )
    if result_id is None:
        return
    transaction.on_commit(lambda: render_result_document.delay(result_id), robust=True)
