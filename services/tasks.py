"""Celery tasks of the services app. Thin: ids in, reload, call a service.

With no broker configured (``CELERY_TASK_ALWAYS_EAGER``) they run
in-process.
"""

from __future__ import annotations

import smtplib

from celery import shared_task

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
