"""Bodies the fuzz of the schema does not make (issue 6, Security): JSON
that parses but can be neither signed as UTF-8 nor kept in PostgreSQL, and
bodies that are not JSON at all. Each is a 4xx problem, never a 5xx, and
makes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from gateway.models import GatewayRequest
from reglament.models import Office
from services.models import Application
from tests.gateway.conftest import API, Credentials, message, person, post

pytestmark = pytest.mark.django_db


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] and body["detail"]
    return body


def _nothing_made() -> None:
    assert not Application.objects.exists()
    assert not GatewayRequest.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"messageId": "\\ud800"}', id="lone surrogate"),
        pytest.param('{"messageId": "a\\u0000b"}', id="NUL character"),
        pytest.param('{"data": {"x\\u0000": "1"}}', id="NUL in a key"),
        pytest.param('{"data": {"a": 1e400}}', id="number out of range"),
        pytest.param('{"data": {"a": NaN}}', id="NaN"),
        pytest.param('{"data": {"a": Infinity}}', id="Infinity"),
        pytest.param("[" * 5000 + "]" * 5000, id="nested 5000 deep"),
        pytest.param('{"data": ' + '{"a": ' * 20 + "1" + "}" * 21, id="nested 20 deep"),
        pytest.param("{", id="truncated"),
        pytest.param("", id="empty"),
        pytest.param(b"\xff\xfe{}", id="not UTF-8"),
    ],
)
def test_a_body_that_cannot_be_signed_or_stored_is_malformed_json(
    raw: str | bytes, credentials: Credentials, aktau: Office
) -> None:
    response = post(Client(), credentials, raw)

    body = _problem(response, 400)
    assert body["code"] in {"malformed_json", "required"}
    _nothing_made()
    assert AuditEntry.objects.filter(action="gateway_receive", succeeded=False).exists()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"specialty": "a\x00b"}, id="NUL in form data"),
        pytest.param({"specialty": "\ud800"}, id="lone surrogate in form data"),
    ],
)
def test_a_signed_message_with_unstorable_form_data_is_refused(
    data: dict[str, Any], credentials: Credentials, aktau: Office
) -> None:
    fields = message(person(), office=aktau)
    fields["data"] = data  # after signing: the text cannot be signed as UTF-8

    response = post(Client(), credentials, json.dumps(fields, ensure_ascii=True))

    assert _problem(response, 400)["code"] == "malformed_json"
    _nothing_made()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    content_type: str, credentials: Credentials, aktau: Office
) -> None:
    body = json.dumps(message(person(), office=aktau))

    response = Client().post(API, data=body, content_type=content_type, HTTP_AUTHORIZATION=credentials.header)

    _problem(response, 415)
    _nothing_made()


def test_an_authorization_header_of_control_characters_is_refused(aktau: Office) -> None:
    response = Client().post(
        API, data="{}", content_type="application/json", HTTP_AUTHORIZATION="Gateway \x00\x01:\x7f"
    )

    _problem(response, 401)
