"""RFC 7807 problem bodies for every refusal of the REST transport.

Public: ``problem_exception_handler`` (the gateway views' DRF exception
handler), ``ProblemJSONRenderer``, ``PROBLEM_TYPE``.

Every refusal is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail``, a stable ``code`` for the client's program, the
``field`` at fault (a JSON path such as ``applicant.iin``) and, for form
errors, the list of ``errors``. A refusal of an authenticated client that
the services did not audit themselves (they audit what they refuse) is
audited here, so every refused message leaves a record.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from gateway.models import GatewayClient
from gateway.services import MessageRefused, gateway_request_refusal_record
from services import services as svc

PROBLEM_MEDIA_TYPE = "application/problem+json"
# ``type`` is this URN with the code appended: stable and not a web address
# that could move (RFC 7807 allows any URI).
PROBLEM_TYPE = "urn:employment-portal:gateway:problem:"


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_MEDIA_TYPE


def _titles() -> dict[int, str]:
    return {
        400: _("The message is malformed"),
        401: _("Authentication required"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict with an earlier message"),
        413: _("The message is too large"),
        415: _("Unsupported media type"),
        422: _("The message cannot be accepted"),
    }


def _flatten(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested error details as a flat list of {field, code, detail}."""
    if isinstance(detail, dict):
        errors: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            errors += _flatten(value, f"{path}.{name}" if path and name else (name or path))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, value in enumerate(detail):
            # A list of plain messages belongs to the field itself; a list
            # of nested details is indexed.
            item_path = path if not isinstance(value, dict | list) else f"{path}[{index}]"
            errors += _flatten(value, item_path)
        return errors
    return [{"field": path, "code": str(getattr(detail, "code", "invalid")), "detail": str(detail)}]


def problem(
    *,
    status_code: int,
    code: str,
    detail: str,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE}{code}",
        "title": _titles().get(status_code, _("The request is refused")),
        "status": status_code,
        "detail": detail,
        "code": code,
        "field": field,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_MEDIA_TYPE)


def _problem_of(exc: Exception) -> Response | None:
    if isinstance(exc, MessageRefused):
        return problem(status_code=exc.status, code=exc.code, detail=exc.message, field=exc.field)
    if isinstance(exc, svc.SignatureRefused):
        return problem(status_code=422, code=exc.code, detail=exc.message, field="signature")
    if isinstance(exc, svc.ServiceError):
        return problem(status_code=422, code=exc.code, detail=exc.message)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = (
            errors[0]
            if errors
            else {"field": "", "code": "invalid", "detail": _("The message is malformed.")}
        )
        return problem(
            status_code=400,
            code=first["code"],
            detail=first["detail"],
            field=first["field"] or None,
            errors=errors,
        )
    if isinstance(exc, exceptions.ParseError):
        return problem(
            status_code=400,
            code="malformed_json",
            detail=_("The body is not well-formed JSON: %(error)s") % {"error": exc.detail},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        headers: dict[str, str] = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = str(exc.auth_header)  # type: ignore[attr-defined]
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        return problem(status_code=exc.status_code, code=str(code), detail=str(exc.detail), headers=headers)
    return None


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler for the gateway views: a problem body for
    every refusal (anything else is a fault of the portal, left to Django)."""
    response = _problem_of(exc)
    if response is None:
        return None
    request = context.get("request")
    client = getattr(request, "_auth", None)
    # The services audit their own refusals; authentication audits its own.
    audited = isinstance(exc, svc.ServiceError) or response.status_code in (
        status.HTTP_401_UNAUTHORIZED,
        status.HTTP_403_FORBIDDEN,
    )
    if isinstance(client, GatewayClient) and request is not None and request.method == "POST" and not audited:
        body = response.data
        gateway_request_refusal_record(
            client=client, code=body["code"], detail=body["detail"], message_id=_message_id(request)
        )
    return response


def _message_id(request: Any) -> str:
    data = getattr(request, "_full_data", None)
    if isinstance(data, dict) and isinstance(data.get("messageId"), str):
        return data["messageId"][:64]
    return ""
