"""Rate limits of the public verification page (/verify/<code>/).

Anyone may look a code up and upload a PDF and a signature to check, with
no account, so each client address gets ``VERIFY_LOOKUPS_PER_MINUTE``
look-ups and ``VERIFY_CHECKS_PER_MINUTE`` uploaded checks (each costs a
hash and a CMS verification) a minute: enough for a person or an employer
checking a pile of papers, not for guessing codes or for tying up the web
workers. Counted in the cache, shared by the web processes (Redis in
production); when the cache cannot be reached the page is served rather
than refused.

Public: ``verify_rate_exceeded``, ``WINDOW_SECONDS``.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from applicants.throttle import client_ip

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def _limit(kind: str) -> int:
    name = "VERIFY_CHECKS_PER_MINUTE" if kind == "check" else "VERIFY_LOOKUPS_PER_MINUTE"
    return int(getattr(settings, name, 0))


def _count(key: str) -> int:
    if cache.add(key, 1, timeout=WINDOW_SECONDS + 5):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
        return 1


def verify_rate_exceeded(request: HttpRequest, *, kind: str) -> bool:
    """Count this request of ``kind`` ("lookup" or "check") for its client
    address; True when it goes past the minute's limit."""
    limit = _limit(kind)
    if limit <= 0:
        return False
    window = int(time.time()) // WINDOW_SECONDS
    key = f"verify-rate:{kind}:{client_ip(request) or 'unknown'}:{window}"
    try:
        count = _count(key)
    except Exception:  # the cache is down: serve the page rather than refuse it
        logger.warning("Verification rate limit not counted: the cache is unreachable", exc_info=True)
        return False
    if count > limit:
        logger.warning("Verification %s refused: over %s a minute from one address", kind, limit)
        return True
    return False
