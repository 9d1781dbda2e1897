"""Celery tasks of the services app. Thin: ids in, reload, call a service.

With no broker configured (``CELERY_TASK_ALWAYS_EAGER``) they run
in-process.
"""

from __future__ import annotations

import datetime
import smtplib

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from services.notifications import applicant_notify_of_change


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def notify_applicant_of_change(application_id: int, audit_entry_id: int) -> bool:
    """P5: e-mail the applicant about one audited change of their request;
    idempotent by the audit entry's id."""
    return applicant_notify_of_change(application_id=application_id, audit_entry_id=audit_entry_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def render_result_document(result_id: int) -> str | None:
    """Issue 5: the PDF of a signed result, rendered once after the signing
    commits; a second run finds it stored and does nothing. The document's
    code, or None for a result that no longer exists."""
    from services.documents import result_document_render
    from services.models import ResultDocument

    if not ResultDocument.objects.filter(pk=result_id).exists():
        return None
    return result_document_render(result_id=result_id).code


# A result signed this long ago without its PDF lost its rendering task.
RENDER_GRACE = datetime.timedelta(minutes=2)


@shared_task(ignore_result=True)
def render_missing_result_documents() -> int:
    """Every few minutes (beat): enqueue the rendering of signed results
    that still have no PDF; rendering is idempotent, so a task that was only
    slow costs nothing. The number enqueued."""
    from services.document_selectors import results_awaiting_document

    ids = results_awaiting_document(signed_before=timezone.now() - RENDER_GRACE)
    for result_id in ids:
        render_result_document.delay(result_id)
    return len(ids)
