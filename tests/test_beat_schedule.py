"""The beat schedule names tasks that exist: a typo there fails silently in
production (beat sends a message no worker knows)."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings

from config.celery import app


def test_every_periodic_task_is_a_registered_task() -> None:
    app.loader.import_default_modules()

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not a task"


def test_the_revocation_lists_and_the_gateway_outbox_are_scheduled() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"pki.tasks.refresh_crls", "gateway.tasks.deliver_due_statuses"} <= tasks


def test_the_notification_outbox_is_swept_every_minute() -> None:
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "services.tasks.send_pending_notifications"
    ]

    assert [entry["schedule"] for entry in entries] == [60.0]


def test_attachments_past_retention_are_purged_once_a_day_at_night() -> None:
    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "services.tasks.purge_attachments_past_retention"
    ]
    schedule = entry["schedule"]

    assert isinstance(schedule, crontab)
    assert schedule.hour == {3} and schedule.minute == {30}
    assert schedule.day_of_week == set(range(7)) and schedule.day_of_month == set(range(1, 32))
