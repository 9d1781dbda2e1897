"""Celery tasks of the gateway app: status pushes to client systems.

Thin: ids in, ``gateway.services.delivery_attempt`` does the work under the
outbox row's lock. ``deliver_status`` is enqueued when an outbox row commits
and retries itself when the row's next attempt is due;
``deliver_due_statuses`` (every minute, ``CELERY_BEAT_SCHEDULE``) enqueues
every due row again, so a push survives a lost task, a worker restart or a
broker that was down at commit time: the row in the database is the truth,
and a row already delivered is never sent again.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from gateway.selectors import deliveries_due
from gateway.services import delivery_attempt

# Rows enqueued by one run of the periodic task; the rest wait a minute.
DUE_BATCH = 500


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=None)
def deliver_status(self: Any, delivery_id: int) -> None:
    """POST one outbox row once; on failure, run again when it is next due
    (the back-off and the bound on attempts are the service's)."""
    next_attempt_at = delivery_attempt(delivery_id=delivery_id)
    if next_attempt_at is not None and not (self.request.is_eager or self.request.called_directly):
        raise self.retry(eta=next_attempt_at)


@shared_task(ignore_result=True)
def deliver_due_statuses() -> int:
    """Enqueue every due, undelivered status push; returns how many."""
    ids = list(deliveries_due(now=timezone.now()).values_list("pk", flat=True)[:DUE_BATCH])
    for delivery_id in ids:
        deliver_status.delay(delivery_id)
    return len(ids)
