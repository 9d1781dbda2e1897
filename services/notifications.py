"""E-mail to the applicant at every change of their request (P5, P10).

``notify_on_commit(application, audit_entry)`` is called where a change is
audited; once the transaction commits it enqueues
``services.tasks.notify_applicant_of_change`` (run in-process when no
broker is configured). ``applicant_notify_of_change`` is what the task
does: one e-mail per audit entry, in Russian and Kazakh together (the
citizen's language is not known), to the applicant's e-mail when they have
a portal account. The audit entry's id is the idempotency key.

Public: ``notify_on_commit``, ``applicant_notify_of_change``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from audit.models import AuditEntry
from reglament.localized import localized
from services.constants import State
from services.models import Application, Notification

logger = logging.getLogger(__name__)

LANGUAGES = ("ru", "kk")


def notify_on_commit(application: Application, audit_entry: AuditEntry) -> None:
    """Enqueue the applicant's e-mail once the current transaction commits
    (never for a change that is rolled back). A failure to enqueue or send
    is logged, never shown to whoever made the change."""
    from services.tasks import notify_applicant_of_change  # the task imports this module

    application_id, audit_entry_id = application.pk, audit_entry.pk
    if audit_entry_id is None or not audit_entry.succeeded:
        return
    transaction.on_commit(
        lambda: notify_applicant_of_change.delay(application_id, audit_entry_id), robust=True
    )


def _request_url(application: Application) -> str:
    try:
        path = reverse("cabinet-requests:detail", args=[application.pk])
    except NoReverseMatch:
        return ""
    return f"{getattr(settings, 'PORTAL_BASE_URL', '').rstrip('/')}{path}"


def _in_language(application: Application, entry: AuditEntry, language: str) -> dict[str, str]:
    with translation.override(language):
        state = State(entry.to_state).label if entry.to_state in State.values else entry.to_state
        return {
            "state": str(state),
            "service": localized(application.service, "name", language),
            "office": localized(application.office, "name", language),
        }


def applicant_notify_of_change(*, application_id: int, audit_entry_id: int) -> bool:
    """Send the e-mail for one audited change, once. True when sent now."""
    application = (
        Application.objects.select_related("applicant", "service", "office__calendar")
        .filter(pk=application_id)
        .first()
    )
    entry = AuditEntry.objects.filter(pk=audit_entry_id, succeeded=True).first()
    if application is None or entry is None or entry.target_id != str(application.pk):
        logger.warning(
            "No notification: application %s or audit entry %s not found", application_id, audit_entry_id
        )
        return False
    applicant = application.applicant
    if applicant.user_id is None or not applicant.email:
        return False
    with transaction.atomic():
        # The unique marker makes a second run (a retry, a duplicate
        # delivery) wait for the first and then send nothing; if sending
        # fails, the marker is rolled back with it and a retry may send.
        _marker, created = Notification.objects.get_or_create(
            audit_entry_id=entry.pk, defaults={"application": application}
        )
        if not created:
            return False
        local_time = entry.created_at.astimezone(application.office.tz)
        context = {
            "application": application,
            "number": application.number or "",
            "when": local_time.strftime("%d.%m.%Y %H:%M"),
            "url": _request_url(application),
            "ru": _in_language(application, entry, "ru"),
            "kk": _in_language(application, entry, "kk"),
        }
        subject = render_to_string("services/cabinet/email/change_subject.txt", context)
        body = render_to_string("services/cabinet/email/change.txt", context)
        send_mail(
            subject=" ".join(subject.split()),
            message=body,
            from_email=None,
            recipient_list=[applicant.email],
        )
    return True
