"""The retry-later answer itself (config.unavailable): what a database
error raised outside a view (a middleware, handler500) turns into. The
whole path under a real PostgreSQL restart is test_database_restart.py."""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from config.unavailable import server_error

pytestmark = pytest.mark.faults


def answer_to(error: Exception, path: str, **headers: str) -> HttpResponse:
    request = RequestFactory().get(path, **headers)
    try:
        raise error
    except Exception:  # handler500 runs inside the handling of the error
        return server_error(request)


def test_a_database_error_outside_a_view_is_a_retry_later_page_in_the_readers_language() -> None:
    response = answer_to(
        OperationalError("server closed the connection"), "/staff/desk/", HTTP_ACCEPT_LANGUAGE="kk"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Language"] == "kk"
    assert '<html lang="kk">' in response.content.decode()


def test_the_api_gets_a_problem_document() -> None:
    response = answer_to(InterfaceError("connection already closed"), "/api/gateway/requests/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.content)["code"] == "unavailable"


def test_any_other_error_is_still_a_500() -> None:
    response = answer_to(ValueError("a bug"), "/staff/desk/")

    assert response.status_code == 500


def test_any_other_error_gets_the_portals_own_500_page_in_the_readers_language() -> None:
    from django.utils import translation

    request = RequestFactory().get("/staff/desk/")
    with translation.override("kk"):
        try:
            raise ValueError("a bug")
        except ValueError:
            response = server_error(request)

    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="kk">' in page
    assert "Employment centre e-services" not in page  # translated, not the English source
    assert 'href="/"' in page
