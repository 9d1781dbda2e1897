"""The beat schedule names tasks that exist: a typo there fails silently in
production (beat sends a message no worker knows)."""

from __future__ import annotations

from django.conf import settings

from config.celery import app


def test_every_periodic_task_is_a_registered_task() -> None:
    app.loader.import_default_modules()

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not a task"


def test_the_revocation_lists_and_the_gateway_outbox_are_scheduled() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"pki.tasks.refresh_crls", "gateway.tasks.deliver_due_statuses"} <= tasks
