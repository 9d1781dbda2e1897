"""How client systems authenticate: ``Authorization: Gateway <key id>:<secret>``.

Public: ``GatewayAuthentication`` (a DRF authentication class; the request's
``user`` is the client's gateway-role user and ``auth`` the
``GatewayClient``) and its OpenAPI description.

Only the SHA-256 of a secret is stored; the digest of the presented secret
is compared in constant time, and an unknown key id costs the same
comparison, so timing tells nothing about which key ids exist.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from applicants.models import User
from gateway.constants import AUTH_SCHEME
from gateway.models import GatewayClient
from gateway.selectors import gateway_client_for_key
from gateway.services import gateway_request_refusal_record, secret_digest

logger = logging.getLogger(__name__)

# Compared against when the key id is unknown (the digest of no secret).
_NO_CLIENT_DIGEST = secret_digest("")
# Far above a key id (16 hex digits) and a secret (43 characters).
_MAX_CREDENTIALS_LENGTH = 512


class InactiveClient(exceptions.PermissionDenied):
    default_code = "client_inactive"


def _refused(code: str) -> exceptions.AuthenticationFailed:
    messages = {
        "credentials_malformed": _("The Authorization header must read “Gateway <key id>:<secret>”."),
        "credentials_invalid": _("The key id or the secret is wrong."),
    }
    return exceptions.AuthenticationFailed(messages[code], code=code)


class GatewayAuthentication(BaseAuthentication):
    """``Authorization: Gateway <key id>:<secret>``; any other scheme is not ours."""

    def authenticate(self, request: Request) -> tuple[User, GatewayClient] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != AUTH_SCHEME.lower().encode("ascii"):
            return None
        if len(parts) != 2 or len(parts[1]) > _MAX_CREDENTIALS_LENGTH:
            raise _refused("credentials_malformed")
        try:
            credentials = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise _refused("credentials_malformed") from exc
        key_id, colon, secret = credentials.partition(":")
        # Control characters (NUL above all) never reach the database.
        if not colon or not key_id or not secret or not credentials.isprintable():
            raise _refused("credentials_malformed")
        client = gateway_client_for_key(key_id=key_id)
        expected = client.secret_sha256 if client is not None else _NO_CLIENT_DIGEST
        matches = hmac.compare_digest(secret_digest(secret), expected)
        if client is None or not matches:
            if client is not None:
                gateway_request_refusal_record(
                    client=client, code="credentials_invalid", detail="wrong secret"
                )
            else:
                # No client to file it under: logged only.
                logger.warning("Gateway call with an unknown key id %r", key_id[:32])
            raise _refused("credentials_invalid")
        if not client.is_active or not client.user.is_active:
            gateway_request_refusal_record(
                client=client, code="client_inactive", detail="client switched off"
            )
            raise InactiveClient(_("This client system is switched off; ask the portal's administrator."))
        return client.user, client

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer a missing or wrong key with 401, not 403.
        return f'{AUTH_SCHEME} realm="gateway"'


class GatewayAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "gateway.authentication.GatewayAuthentication"
    name = "gatewayKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _(
                    "“Gateway <key id>:<secret>”. The key id and the secret are issued once "
                    "by the portal's administrator (admin or manage.py gateway_client_create)."
                )
            ),
        }
