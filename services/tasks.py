"""Celery tasks of the services app. Thin: ids in, reload, call a service.

With no broker configured (``CELERY_TASK_ALWAYS_EAGER``) they run
in-process.
"""

from __future__ import annotations

import datetime
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from services.notifications import notification_enqueue, notification_send, notifications_pending

SMTP_FAILURES = (smtplib.SMTPException, ConnectionError, TimeoutError)
# Outbox rows enqueued by one sweep; the rest wait a minute.
OUTBOX_BATCH = 500


@shared_task(autoretry_for=SMTP_FAILURES, retry_backoff=True, max_retries=5, ignore_result=True)
def send_notification(notification_id: int) -> bool:
    """P5: e-mail the applicant about one audited change of their request
    (one outbox row); idempotent: a sent row is never sent again."""
    return notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def send_pending_notifications() -> int:
    """Every minute (beat): enqueue the outbox rows still pending after
    ``NOTIFICATION_OUTBOX_GRACE_SECONDS`` — their task was lost with the
    broker or a worker. Sending is idempotent, so a task that was only slow
    costs nothing. The number enqueued."""
    grace = datetime.timedelta(seconds=settings.NOTIFICATION_OUTBOX_GRACE_SECONDS)
    ids = notifications_pending(created_before=timezone.now() - grace)[:OUTBOX_BATCH]
    return sum(notification_enqueue(notification_id=notification_id) for notification_id in ids)


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


@shared_task(ignore_result=True)
def purge_attachments_past_retention() -> int:
    """Daily (beat): remove the files of applications closed longer ago than
    ``ATTACHMENT_RETENTION_DAYS`` (``services.retention``); idempotent. The
    number of applications whose files were removed."""
    from services.retention import attachments_purge

    return len(attachments_purge())
