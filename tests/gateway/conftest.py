"""Gateway fixtures: client systems with their credentials, messages signed
by the applicant with a certificate of the trusted test CA, and a real
local HTTP server standing in for a client's callback endpoint."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from applicants.models import Applicant
from gateway.messages import canonical_message
from gateway.models import GatewayClient
from gateway.services import gateway_client_create
from pki.ca import IssuedCertificate
from pki.cms import sign_detached
from reglament.models import Office
from tests.factories import valid_iin
from tests.signing import citizen_certificate

API = "/api/gateway/requests/"


@dataclass
class Credentials:
    client: GatewayClient
    secret: str

    @property
    def header(self) -> str:
        return f"Gateway {self.client.key_id}:{self.secret}"


def make_client(name: str, callback_url: str = "http://127.0.0.1:9/callback") -> Credentials:
    client, secret = gateway_client_create(actor=None, name=name, callback_url=callback_url)
    return Credentials(client=client, secret=secret)


@pytest.fixture
def egov(db: None) -> Credentials:
    return make_client("egov.kz")


@pytest.fixture
def other_client(db: None) -> Credentials:
    return make_client("another system")


def person() -> Applicant:
    """An applicant not known to the portal yet (never saved)."""
    return Applicant(iin=valid_iin(), last_name="Нурланова", first_name="Айжан", patronymic="Серикқызы")


def sign(fields: dict[str, Any], cert: IssuedCertificate) -> str:
    """The applicant's detached CMS over the message's canonical bytes, in base64."""
    signature = sign_detached(data=canonical_message(fields), key=cert.key, certificate=cert.certificate)
    return base64.b64encode(signature).decode("ascii")


def message(
    who: Applicant,
    *,
    office: Office,
    service_code: str = "S1",
    data: dict[str, Any] | None = None,
    cert: IssuedCertificate | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A message as the national portal sends it, signed by ``who`` (or with ``cert``)."""
    body: dict[str, Any] = {
        "messageId": str(uuid.uuid4()),
        "serviceCode": service_code,
        "officeCode": office.code,
        "applicant": {
            "iin": who.iin,
            "lastName": who.last_name,
            "firstName": who.first_name,
            "patronymic": who.patronymic,
        },
        "data": data
        if data is not None
        else {"specialty": "водитель", "desired_job": "водитель категории C"},
    }
    body.update(overrides)
    body["signature"] = sign(body, cert or citizen_certificate(who))
    return body


def _headers(credentials: Credentials | None) -> dict[str, str]:
    # Messages follow Accept-Language (Russian by default); the tests read English.
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if credentials is not None:
        headers["HTTP_AUTHORIZATION"] = credentials.header
    return headers


def post(api: Client, credentials: Credentials | None, body: Any) -> Any:
    headers = _headers(credentials)
    payload = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return api.post(API, data=payload, content_type="application/json", **headers)


def get(api: Client, credentials: Credentials | None, correlation_id: str) -> Any:
    headers = _headers(credentials)
    return api.get(f"{API}{correlation_id}/", **headers)


@dataclass
class CallbackServer:
    """A real HTTP endpoint on 127.0.0.1: answers with ``answers`` in turn
    (then 200) and keeps every POST it received."""

    url: str
    answers: list[int]
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def callback_server() -> Iterator[CallbackServer]:
    lock = threading.Lock()
    state = CallbackServer(url="", answers=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                state.received.append({"headers": dict(self.headers), "body": json.loads(body)})
                code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/gateway/callback"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
