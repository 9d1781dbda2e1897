"""The portal's gauges in Prometheus' text format (issue 6, Production).

Every figure is read from PostgreSQL or Redis at scrape time, so any
gunicorn worker of any web node answers with the same numbers: there is no
per-process counter to add up.

Public: ``Gauge``, ``collect``, ``render``, ``celery_queue_length``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from gateway.models import CallbackDelivery
from services.models import Application, Notification, ResultDocument, StepRecord

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# kombu's Redis transport keeps a queue's priority levels in lists of their
# own: "celery", "celery\x06\x163", "celery\x06\x166", "celery\x06\x169".
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


@dataclass
class Gauge:
    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((labels, value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render(gauges: Iterable[Gauge]) -> str:
    lines = []
    for gauge in gauges:
        lines.append(f"# HELP {gauge.name} {gauge.help}")
        lines.append(f"# TYPE {gauge.name} gauge")
        for labels, value in gauge.samples:
            text = ",".join(f'{key}="{_escape(str(label))}"' for key, label in sorted(labels.items()))
            lines.append(
                f"{gauge.name}{{{text}}} {_number(value)}" if text else f"{gauge.name} {_number(value)}"
            )
    return "\n".join(lines) + "\n"


def celery_queue_length(queue: str = "celery") -> int | None:
    """Messages waiting in the broker's queue; None with no Redis broker (tasks run in-process)."""
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        keys = [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]
        pipeline = client.pipeline(transaction=False)
        for key in keys:
            pipeline.llen(key)
        return sum(int(length) for length in pipeline.execute())
    finally:
        client.close()


def collect() -> list[Gauge]:
    now = timezone.now()
    applications = Gauge("portal_applications", "Applications by service, state and office.")
    rows = (
        Application.objects.values("service__code", "state", "office__code")
        .annotate(n=Count("pk"))
        .order_by("service__code", "state", "office__code")
    )
    for row in rows:
        applications.add(
            row["n"], service=row["service__code"], state=row["state"], office=row["office__code"]
        )

    overdue = Gauge(
        "portal_steps_overdue",
        "Open steps (intake, review, issuance) past their norm, by office and step.",
    )
    late = (
        StepRecord.objects.filter(finished_at__isnull=True, due_at__lt=now)
        .values("application__office__code", "code")
        .annotate(n=Count("pk"))
        .order_by("application__office__code", "code")
    )
    for row in late:
        overdue.add(row["n"], office=row["application__office__code"], step=row["code"])

    pushes = Gauge(
        "portal_gateway_pushes_pending",
        "Status pushes to gateway clients not yet delivered and still being retried.",
    )
    pushes.add(
        CallbackDelivery.objects.filter(delivered_at__isnull=True, next_attempt_at__isnull=False).count()
    )
    given_up = Gauge("portal_gateway_pushes_given_up", "Status pushes given up after every attempt.")
    given_up.add(
        CallbackDelivery.objects.filter(delivered_at__isnull=True, next_attempt_at__isnull=True).count()
    )

    notifications = Gauge("portal_notifications_pending", "E-mails to applicants written but not yet sent.")
    notifications.add(Notification.objects.filter(sent_at__isnull=True).count())

    awaiting = Gauge("portal_rendered_documents_awaiting", "Signed results whose PDF is not rendered yet.")
    awaiting.add(ResultDocument.objects.filter(rendered__isnull=True).count())

    gauges = [applications, overdue, pushes, given_up, notifications, awaiting]
    queue = Gauge("portal_celery_queue_length", "Tasks waiting in the Celery broker, by queue.")
    broker_up = Gauge("portal_broker_up", "1 when the Celery broker (Redis) answered this scrape.")
    try:
        length = celery_queue_length()
    except redis.RedisError:
        broker_up.add(0)
    else:
        broker_up.add(1)
        if length is not None:
            queue.add(length, queue="celery")
    gauges += [queue, broker_up]
    return gauges
