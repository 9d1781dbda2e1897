"""The Celery app. With no REDIS_URL, tasks run eagerly in-process (settings)."""

import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**kwargs: Any) -> None:
    """Workers and beat log through settings.LOGGING, with the same masking
    filters as the web (Celery's own set-up would drop them)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
