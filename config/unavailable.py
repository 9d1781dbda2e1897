"""The portal when its database is unreachable (issue 6, faults): a 503
with ``Retry-After`` instead of a 500.

``DatabaseUnavailableMiddleware`` turns a ``django.db.OperationalError`` or
``InterfaceError`` raised by a view into that answer; ``server_error`` (the
``handler500``) does the same for one raised by a middleware (the session
saved after the view, say). The page renders without the database: no
session, user or messages, the language from the cookie or Accept-Language.
The API (``/api/``) answers ``application/problem+json``. Each transaction
was rolled back whole, so the page can say nothing was saved.

Public: ``DatabaseUnavailableMiddleware``, ``server_error``, ``unavailable``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Seconds a client is asked to wait: a PostgreSQL restart or a fail-over.
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


def unavailable(request: HttpRequest) -> HttpResponse:
    """The retry-later answer, in the reader's language, touching no database."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if request.path.startswith(API_PREFIX):
            body = {
                "type": "urn:employment-portal:problem:unavailable",
                "title": _("The service is temporarily unavailable"),
                "status": 503,
                "detail": _("Try again later; nothing was saved by this request."),
                "code": "unavailable",
            }
            response = HttpResponse(
                json.dumps(body, ensure_ascii=False),
                status=503,
                content_type="application/problem+json; charset=utf-8",
            )
        else:
            page = render_to_string(
                "503.html", {"retry_after": RETRY_AFTER_SECONDS, "language_code": language}
            )
            response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that lost its database answers 503, not 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
        return unavailable(request)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database error raised outside a view is a 503 too;
    anything else is Django's own 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, error)
        return unavailable(request)
    from django.views.defaults import server_error as default_server_error

    response: HttpResponseServerError = default_server_error(request)
    return response
