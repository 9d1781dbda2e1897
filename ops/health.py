"""What readiness means (issue 6, Production): the database answers, the
broker answers (when there is one) and the file storage answers.

Public: ``readiness``.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"
PROBE_NAME = ".health-probe"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def _broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        # The demo runs tasks in-process: nothing to wait for.
        return NOT_CONFIGURED
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def _storage() -> str:
    # A look-up of one name: a HEAD on S3, a stat on the filesystem.
    default_storage.exists(PROBE_NAME)
    return OK


CHECKS = {"database": _database, "broker": _broker, "storage": _storage}


def readiness() -> dict[str, str]:
    """Each dependency's state; any failure reads ``unavailable`` (and is logged)."""
    states = {}
    for name, check in CHECKS.items():
        try:
            states[name] = check()
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readiness: %s is unavailable", name, exc_info=True)
            states[name] = UNAVAILABLE
    return states
