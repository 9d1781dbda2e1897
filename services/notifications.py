"""E-mail to the applicant at every change of their request (P5, P10),
through an outbox.

``notify_on_commit(application, audit_entry)`` is called where a change is
audited: it writes a pending ``Notification`` row in the change's own
transaction and, once that commits, enqueues
``services.tasks.send_notification``. The row, not the queue, is the truth:
when the broker is down the enqueueing fails at once (the publish retry
policy and connection timeouts in settings), the change itself is kept, and
``services.tasks.send_pending_notifications`` (every minute, beat) enqueues
every row still pending. ``notification_send`` sends one row once: the row
is locked while the e-mail goes out and marked sent in the same
transaction, so a duplicate task sends nothing. One e-mail per audit entry,
in Russian and Kazakh together (the citizen's language is not known), to the
applicant's e-mail when they have a portal account.

Public: ``notify_on_commit``, ``notification_send``, ``notifications_pending``.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerError

from audit.models import AuditEntry
from reglament.localized import localized
from services.constants import State
from services.models import Application, Notification

logger = logging.getLogger(__name__)

LANGUAGES = ("ru", "kk")


def notify_on_commit(application: Application, audit_entry: AuditEntry) -> Notification | None:
    """Write the applicant's e-mail to the outbox in the current transaction
    (it is never sent for a change that is rolled back) and enqueue its
    sending once the transaction commits. A broker that is down is logged,
    never shown to whoever made the change: the sweep sends it later."""
    if audit_entry.pk is None or not audit_entry.succeeded:
        return None
    applicant = application.applicant
    if applicant.user_id is None or not applicant.email:
        return None
    notification, created = Notification.objects.get_or_create(
        audit_entry_id=audit_entry.pk, defaults={"application": application}
    )
    if created:
        notification_id = notification.pk
        transaction.on_commit(lambda: notification_enqueue(notification_id=notification_id), robust=True)
    return notification


def notification_enqueue(*, notification_id: int) -> bool:
    """Hand one outbox row to the queue; False when the broker refused it
    (the row stays pending for the sweep)."""
    from services.tasks import send_notification  # the task imports this module

    try:
        send_notification.delay(notification_id)
    except (BrokerError, OSError) as error:
        logger.warning("Notification %s left in the outbox: broker unavailable (%s)", notification_id, error)
        return False
    return True


def notifications_pending(*, created_before: datetime.datetime) -> list[int]:
    """Ids of outbox rows written before ``created_before`` and not sent yet,
    oldest first."""
    return list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lt=created_before)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
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


def notification_send(*, notification_id: int) -> bool:
    """Send one outbox row's e-mail, once. True when sent now.

    The row is locked while the e-mail goes out and marked sent in the same
    transaction: a second run (a retry, a duplicate delivery, the sweep)
    skips a row being sent and finds a sent one done; if sending fails, the
    row stays pending and a retry or the sweep sends it."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("application__applicant", "application__service", "application__office__calendar")
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        application = notification.application
        entry = AuditEntry.objects.filter(pk=notification.audit_entry_id, succeeded=True).first()
        applicant = application.applicant
        if entry is None or applicant.user_id is None or not applicant.email:
            logger.warning("Notification %s dropped: nothing to send it to", notification_id)
            notification.delete()
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
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])
    return True
