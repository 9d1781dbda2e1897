"""Client systems are made in the admin or by a management command, their
secret shown once; requests and pushes are read only there; and the
gateway's OpenAPI document is complete."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import yaml
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from applicants.models import User
from audit.models import AuditEntry
from gateway.models import CallbackDelivery, GatewayClient, GatewayRequest
from gateway.services import secret_digest
from reglament.models import Office
from tests.gateway.conftest import Credentials, get, message, person, post

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"key id (?P<key>[0-9a-f]{16}), secret (?P<secret>\S+) ")


@pytest.fixture
def admin_browser(administrator: User) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(administrator)
    return browser


def shown(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_client_made_in_the_admin_is_shown_its_secret_once(admin_browser: Client, aktau: Office) -> None:
    response = admin_browser.post(
        "/admin/gateway/gatewayclient/add/",
        {"name": "egov.kz", "callback_url": "https://egov.example.kz/callback", "is_active": "on"},
        follow=True,
    )

    assert response.status_code == 200
    found = [SECRET.search(text) for text in shown(response)]
    match = next(m for m in found if m is not None)
    client = GatewayClient.objects.get()
    assert client.key_id == match["key"]
    assert client.secret_sha256 == secret_digest(match["secret"])
    assert match["secret"] not in admin_browser.get(f"/admin/gateway/gatewayclient/{client.pk}/change/").text
    credentials = Credentials(client=client, secret=match["secret"])
    assert post(Client(), credentials, message(person(), office=aktau)).status_code == 201


def test_a_client_with_a_callback_that_is_not_http_is_not_made(admin_browser: Client) -> None:
    response = admin_browser.post(
        "/admin/gateway/gatewayclient/add/",
        {"name": "egov.kz", "callback_url": "ftp://egov.example.kz/callback", "is_active": "on"},
    )

    assert response.status_code == 200
    assert not GatewayClient.objects.exists()


def test_rotating_the_secret_stops_the_old_one(
    admin_browser: Client, egov: Credentials, aktau: Office
) -> None:
    response = admin_browser.post(
        "/admin/gateway/gatewayclient/",
        {"action": "rotate_secret", "_selected_action": [egov.client.pk]},
        follow=True,
    )

    match = next(m for m in (SECRET.search(text) for text in shown(response)) if m is not None)
    assert post(Client(), egov, message(person(), office=aktau)).status_code == 401
    rotated = Credentials(client=GatewayClient.objects.get(), secret=match["secret"])
    assert post(Client(), rotated, message(person(), office=aktau)).status_code == 201
    assert AuditEntry.objects.filter(action="gateway_client_rotate_secret").count() == 1


def test_editing_a_client_is_audited(admin_browser: Client, egov: Credentials) -> None:
    admin_browser.post(
        f"/admin/gateway/gatewayclient/{egov.client.pk}/change/",
        {"name": "egov.kz", "callback_url": "https://new.example.kz/cb"},
    )

    client = GatewayClient.objects.get()
    assert (client.callback_url, client.is_active) == ("https://new.example.kz/cb", False)
    assert AuditEntry.objects.get(action="gateway_client_update").changes["is_active"] == [True, False]


def test_requests_and_pushes_are_read_only_and_searchable_in_the_admin(
    admin_browser: Client, egov: Credentials, aktau: Office
) -> None:
    accepted = post(Client(), egov, message(person(), office=aktau)).json()
    request = GatewayRequest.objects.get()
    delivery = CallbackDelivery.objects.get()

    found = admin_browser.get("/admin/gateway/gatewayrequest/", {"q": accepted["correlationId"][:8]})
    assert accepted["correlationId"] in found.text
    assert admin_browser.get("/admin/gateway/gatewayrequest/", {"q": accepted["number"]}).status_code == 200
    detail = admin_browser.get(f"/admin/gateway/gatewayrequest/{request.pk}/change/")
    assert detail.status_code == 200
    assert "messageId" in detail.text  # the signed content is shown
    assert admin_browser.get("/admin/gateway/gatewayrequest/add/").status_code == 403
    pushes = admin_browser.get("/admin/gateway/callbackdelivery/", {"outcome": "pending"})
    assert str(delivery.delivery_id) in pushes.text
    assert (
        admin_browser.get("/admin/gateway/callbackdelivery/", {"q": str(delivery.delivery_id)}).status_code
        == 200
    )
    assert admin_browser.get(f"/admin/gateway/callbackdelivery/{delivery.pk}/change/").status_code == 200


def test_the_command_prints_the_key_id_and_the_secret_once(aktau: Office) -> None:
    out = io.StringIO()

    call_command(
        "gateway_client_create",
        "--name",
        "egov.kz",
        "--callback-url",
        "https://egov.example.kz/cb",
        stdout=out,
    )

    client = GatewayClient.objects.get()
    key = re.search(r"key id: (\S+)", out.getvalue())
    secret = re.search(r"secret: (\S+)", out.getvalue())
    assert key is not None and secret is not None
    assert key[1] == client.key_id
    assert client.secret_sha256 == secret_digest(secret[1])
    credentials = Credentials(client=client, secret=secret[1])
    accepted = post(Client(), credentials, message(person(), office=aktau)).json()
    assert get(Client(), credentials, accepted["correlationId"]).status_code == 200


def test_the_command_refuses_a_callback_that_is_not_http(db: None) -> None:
    with pytest.raises(CommandError):
        call_command(
            "gateway_client_create",
            "--name",
            "x",
            "--callback-url",
            "file:///etc/passwd",
            stdout=io.StringIO(),
        )
    assert not GatewayClient.objects.exists()


def test_the_openapi_schema_of_the_gateway_generates_without_warnings(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"

    # --fail-on-warn turns any warning of drf-spectacular into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    create = schema["paths"]["/api/gateway/requests/"]["post"]
    status = schema["paths"]["/api/gateway/requests/{correlation_id}/"]["get"]
    assert {"201", "200", "400", "401", "409", "422"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert "404" in status["responses"]
    assert create["security"] == [{"gatewayKey": []}]
    assert schema["components"]["securitySchemes"]["gatewayKey"]["name"] == "Authorization"
    assert {"RequestInput", "RequestStatus", "Problem"} <= set(schema["components"]["schemas"])
