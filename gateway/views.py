"""The REST transport of the gateway (P8): signed requests in, their status out.

Public: ``RequestListView`` (POST a message), ``RequestDetailView`` (GET a
request's status). Both are thin: authenticate the client, check the form
(``gateway.serializers``), call ``gateway.services`` or read through
``gateway.selectors``; every refusal is an RFC 7807 problem
(``gateway.problems``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiCallback,
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gateway.authentication import GatewayAuthentication
from gateway.constants import MAX_BODY_BYTES
from gateway.models import GatewayClient
from gateway.parsers import GatewayJSONParser
from gateway.problems import problem_exception_handler
from gateway.selectors import gateway_requests_of_client
from gateway.serializers import (
    CallbackSerializer,
    ProblemSerializer,
    RequestInputSerializer,
    RequestStatusSerializer,
)
from gateway.services import gateway_request_accept

PROBLEM = "application/problem+json"
JSON = "application/json"


class IsGatewayClient(BasePermission):
    message = _("Only client systems of the gateway may call this API.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, GatewayClient)


class JSONOnly(BaseContentNegotiation):
    """Always JSON: a client's Accept header never turns an answer into a 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        for parser in parsers:
            if request.content_type.split(";")[0].strip().lower() == parser.media_type:
                return parser
        return None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = _("The message is too large.")


class _GatewayView(APIView):
    authentication_classes = [GatewayAuthentication]
    permission_classes = [IsGatewayClient]
    parser_classes = [GatewayJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return problem_exception_handler


def _client(request: Request) -> GatewayClient:
    client = request.auth
    if not isinstance(client, GatewayClient):  # IsGatewayClient let it through
        raise exceptions.NotAuthenticated()
    return client


def _problems(*codes: int) -> dict[Any, Any]:
    descriptions = {
        400: _(
            "Malformed: not JSON (or JSON no message may hold: a NUL character, a lone surrogate, "
            "a number out of range, nesting deeper than 16 levels), a field missing, unknown or of "
            "the wrong type, a malformed IIN …"
        ),
        401: _("No or wrong credentials."),
        403: _("The client system is switched off."),
        404: _("No request with this correlation id among the client's own."),
        409: _("The message id was used before for a different request."),
        413: _("The message is too large."),
        415: _("The body is not application/json."),
        422: _(
            "Not accepted: unknown office or service, a chancellery-only service (S2), data the "
            "service does not take, or a signature not confirmed (its own code per reason)."
        ),
    }
    return {
        (code, PROBLEM): OpenApiResponse(ProblemSerializer, description=descriptions[code]) for code in codes
    }


_EXAMPLE_MESSAGE = {
    "messageId": "7d4a3c9e-2f61-4d1b-9a55-0b8e3f2c1a77",
    "serviceCode": "S1",
    "officeCode": "AKT",
    "applicant": {
        "iin": "931002451325",
        "lastName": "Жумабаев",
        "firstName": "Ерлан",
        "patronymic": "Болатович",
    },
    "measureKind": "",
    "data": {"specialty": "водитель", "desired_job": "водитель категории C"},
    "signature": "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCA…",
}


class RequestListView(_GatewayView):
    @extend_schema(
        operation_id="gateway_request_create",
        tags=["gateway"],
        summary=_("Deliver a signed request (P8)"),
        description=_(
            "The national e-government portal delivers an applicant's signed S1 or S3 request. "
            "The signature is checked as the portal checks its own (P6: trusted chain, validity, "
            "revocation, signing key, the applicant's IIN); the request is then registered with "
            "its incoming number. The same messageId again with the same content answers 200 with "
            "the request made the first time and makes nothing; with different content, 409. "
            "Status changes are POSTed to the client's callback URL."
        ),
        request=RequestInputSerializer,
        examples=[OpenApiExample("S1 request", value=_EXAMPLE_MESSAGE, request_only=True)],
        callbacks=[
            OpenApiCallback(
                "statusChange",
                "{callbackUrl}",
                extend_schema(
                    summary=_("A status change, POSTed to the client's callback URL"),
                    description=_(
                        "Sent for each change (registered, in review, result or refusal signed, "
                        "issued) until the client answers 2xx, with growing waits between tries. "
                        "Every try of one change has the same deliveryId (also the Idempotency-Key "
                        "header): a client keeps the ids it has seen and ignores a repeat."
                    ),
                    request=CallbackSerializer,
                    responses={(200, JSON): OpenApiResponse(description=_("Any 2xx answer: received."))},
                ),
            )
        ],
        responses={
            (201, JSON): OpenApiResponse(RequestStatusSerializer, description=_("Accepted and registered.")),
            (200, JSON): OpenApiResponse(
                RequestStatusSerializer, description=_("This message was accepted before; nothing was made.")
            ),
            **_problems(400, 401, 403, 409, 413, 415, 422),
        },
    )
    def post(self, request: Request) -> Response:
        # DRF parses JSON straight from the stream, past Django's own limit.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        try:
            posted = request.data
        except RequestDataTooBig as exc:
            raise PayloadTooLarge() from exc
        serializer = RequestInputSerializer(data=posted)
        serializer.is_valid(raise_exception=True)
        accepted = gateway_request_accept(client=_client(request), message=serializer.message())
        body = RequestStatusSerializer(accepted.request).data
        location = reverse("gateway:request-detail", args=[accepted.request.correlation_id])
        return Response(
            body,
            status=status.HTTP_201_CREATED if accepted.created else status.HTTP_200_OK,
            headers={"Location": request.build_absolute_uri(location)},
        )


class RequestDetailView(_GatewayView):
    @extend_schema(
        operation_id="gateway_request_status",
        tags=["gateway"],
        summary=_("Status of a delivered request"),
        description=_(
            "Where one of the client's own requests stands, with the signed result once there is "
            "one. Another client's request is not found (404)."
        ),
        parameters=[
            OpenApiParameter(
                "correlation_id",
                type=uuid.UUID,
                location=OpenApiParameter.PATH,
                description=_("The correlation id the portal answered the request with."),
            )
        ],
        responses={(200, JSON): RequestStatusSerializer, **_problems(401, 403, 404)},
    )
    def get(self, request: Request, correlation_id: str) -> Response:
        try:
            key = uuid.UUID(correlation_id)
        except ValueError as exc:
            raise exceptions.NotFound(_("There is no request with this correlation id.")) from exc
        gateway_request = (
            gateway_requests_of_client(client=_client(request)).filter(correlation_id=key).first()
        )
        if gateway_request is None:
            raise exceptions.NotFound(_("There is no request with this correlation id."))
        return Response(RequestStatusSerializer(gateway_request).data)
