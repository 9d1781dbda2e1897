"""Writing the audit trail. Public: ``audit_record``."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEntry


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return f"{actor.get_username()} (#{actor.pk})"


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    from_state: str = "",
    to_state: str = "",
    remark: str = "",
    changes: dict[str, Any] | None = None,
    succeeded: bool = True,
) -> AuditEntry:
    """Append one entry. ``actor`` is a user or None for the system itself.

    Refused actions are recorded too (``succeeded=False``), by callers that
    write them after their own transaction has rolled back.
    """
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=_actor_label(actor),
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=str(target.pk),
        target_label=str(target)[:300],
        from_state=from_state,
        to_state=to_state,
        remark=remark,
        changes=changes or {},
        succeeded=succeeded,
    )
