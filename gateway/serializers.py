"""The REST transport's input and output (P8). Public: ``RequestInputSerializer``
(a posted message, checked for form only, turned into an ``IncomingMessage``),
``RequestStatusSerializer`` (what a client is told about its request),
``ProblemSerializer`` (RFC 7807 bodies) and ``CallbackSerializer`` (the body
of a status push, for the schema).

Checks here are of form — types, lengths, the IIN's check digit, base64.
Whether the office, the service and the signature are acceptable is decided
by ``gateway.services.gateway_request_accept``, for any transport.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applicants.identifiers import validate_iin
from gateway.constants import MAX_DATA_BYTES, MAX_SIGNATURE_CHARS
from gateway.messages import IncomingMessage
from gateway.models import GatewayRequest
from registry.constants import MeasureKind
from services.constants import ResultKind, State
from services.models import EducationLevel
from services.services import _S1_TEXT_LIMITS, DESIRED_PAY_MAX


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: a number is not silently made text
    (the signed bytes would then differ from what the fields say)."""

    default_error_messages = {"not_a_string": _("A string is expected.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return str(super().to_internal_value(data))


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as a JSON string (not as a number)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


# What JSON Schema can say of an IIN and a base64 signature; the check digit
# and the CMS inside are checked by the field's validators.
IIN_PATTERN = "^[0-9]{12}$"
BASE64_PATTERN = "^[A-Za-z0-9+/]+={0,2}$"
# DRF trims text and refuses NUL characters; a required text is refused
# when nothing but whitespace is left.
TEXT_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
OPTIONAL_TEXT_PATTERN = "^[^\\u0000]*$"


@extend_schema_field({"type": "string", "pattern": TEXT_PATTERN})
class TextField(StrictCharField):
    """A required text: at least one character that is not whitespace."""


@extend_schema_field({"type": "string", "pattern": OPTIONAL_TEXT_PATTERN})
class OptionalTextField(StrictCharField):
    """A text that may be blank."""


@extend_schema_field({"type": "string", "pattern": IIN_PATTERN})
class IinField(StrictCharField):
    pass


@extend_schema_field({"type": "string", "pattern": BASE64_PATTERN, "maxLength": MAX_SIGNATURE_CHARS})
class SignatureField(StrictCharField):
    pass


def _request_data_schema() -> dict[str, Any]:
    """The answers a request's ``data`` may hold (S1's form, S3's choice), as
    ``services.services.request_data_clean`` takes them: anything else is
    refused (422), so the schema names every key."""
    text = {
        key: {"type": "string", "maxLength": limit, "pattern": OPTIONAL_TEXT_PATTERN}
        for key, limit in _S1_TEXT_LIMITS.items()
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "education_level": {"type": "string", "enum": ["", *EducationLevel.values]},
            **text,
            "desired_pay": {"type": "integer", "minimum": 1, "maximum": DESIRED_PAY_MAX - 1},
            "vacancy": {"type": "integer", "description": str(_("S3, employment: an open vacancy's id."))},
            "programme": {"type": "integer", "description": str(_("S3, other measures: a programme's id."))},
        },
    }


@extend_schema_field(_request_data_schema())
class RequestDataField(serializers.DictField):
    pass


def _iin(value: str) -> None:
    try:
        validate_iin(value)
    except DjangoValidationError as exc:
        code = exc.error_list[0].code or "invalid"
        raise serializers.ValidationError(exc.messages, code=f"iin_{code}") from exc


class ApplicantInputSerializer(serializers.Serializer[dict[str, Any]]):
    iin = IinField(
        validators=[_iin],
        trim_whitespace=False,
        help_text=_("The applicant's IIN: 12 digits, the last a check digit."),
    )
    lastName = TextField(max_length=150)
    firstName = TextField(max_length=150)
    patronymic = OptionalTextField(max_length=150, required=False, allow_blank=True, default="")

    default_error_messages = {"unknown_field": _("Unknown field “%(field)s”.")}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Every field is signed: one the message does not define is refused.
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError(
                {unknown[0]: self.error_messages["unknown_field"] % {"field": unknown[0]}},
                code="unknown_field",
            )
        return super().to_internal_value(data)


class _MeasureKindField(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return str(super().to_internal_value(data))


class RequestInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A signed request of the national portal (P8)."""

    messageId = StrictUUIDField(
        help_text=_("The client's id of this message; the same id again is the same request (idempotent).")
    )
    serviceCode = TextField(max_length=16, help_text=_("S1 or S3 (S2 is served at the chancellery only)."))
    officeCode = TextField(max_length=32, help_text=_("The code of the employment centre."))
    applicant = ApplicantInputSerializer()
    measureKind = _MeasureKindField(
        choices=MeasureKind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("S3 only: the kind of active employment measure."),
    )
    # Named like Serializer.data (a property DRF keeps; declared fields are
    # popped from the class), as the wire format says.
    data = RequestDataField(  # type: ignore[assignment]
        required=False,
        default=dict,
        help_text=_(
            "The answers of the request form (S1: specialty, education_level …; S3: vacancy or programme)."
        ),
    )
    signature = SignatureField(
        max_length=MAX_SIGNATURE_CHARS,
        trim_whitespace=False,
        help_text=_(
            "Base64 of the applicant's detached CMS signature over the UTF-8 JSON of the other "
            "fields of this body as sent, keys sorted, no spaces (separators “,” and “:”), "
            "non-ASCII characters unescaped."
        ),
    )

    default_error_messages = {"unknown_field": _("Unknown field “%(field)s”.")}
    _known = frozenset(
        {"messageId", "serviceCode", "officeCode", "applicant", "measureKind", "data", "signature"}
    )

    def validate_data(self, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        if size > MAX_DATA_BYTES:
            raise serializers.ValidationError(
                _("The request's data may take at most %(limit)d bytes.") % {"limit": MAX_DATA_BYTES},
                code="data_too_large",
            )
        return value

    def validate_signature(self, value: str) -> bytes:
        try:
            signature = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError(
                _("The signature must be base64 of a CMS (PKCS#7) signature."), code="signature_not_base64"
            ) from exc
        if not signature:
            raise serializers.ValidationError(_("The request is not signed."), code="unsigned")
        return signature

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - self._known)
        if unknown:
            raise serializers.ValidationError(
                {unknown[0]: self.error_messages["unknown_field"] % {"field": unknown[0]}},
                code="unknown_field",
            )
        return attrs

    def message(self) -> IncomingMessage:
        """The valid message; the signed fields exactly as they were posted."""
        attrs = self.validated_data
        applicant = attrs["applicant"]
        posted: dict[str, Any] = self.initial_data
        return IncomingMessage(
            message_id=attrs["messageId"],
            service_code=attrs["serviceCode"],
            office_code=attrs["officeCode"],
            iin=applicant["iin"],
            last_name=applicant["lastName"].strip(),
            first_name=applicant["firstName"].strip(),
            patronymic=applicant["patronymic"].strip(),
            measure_kind=attrs["measureKind"],
            data=attrs["data"],
            signature=attrs["signature"],
            signed_fields={key: value for key, value in posted.items() if key != "signature"},
        )


def _closed(auto_schema: Any, serializer: Any, direction: Any) -> dict[str, Any]:
    schema: dict[str, Any] = auto_schema._map_serializer(serializer, direction, bypass_extensions=True)
    return {**schema, "additionalProperties": False}


class RequestInputSchema(OpenApiSerializerExtension):
    """The schema says what the serializer enforces: a field the message
    does not define is refused (every field is signed)."""

    target_class = RequestInputSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return _closed(auto_schema, self.target_class, direction)


class ApplicantInputSchema(OpenApiSerializerExtension):
    target_class = ApplicantInputSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return _closed(auto_schema, self.target_class, direction)


class ResultSerializer(serializers.Serializer[dict[str, Any]]):
    """P10: the signed result (or motivated refusal)."""

    kind = serializers.ChoiceField(choices=ResultKind.choices)
    content = serializers.CharField(help_text=_("Base64 of the signed document."))
    signature = serializers.CharField(help_text=_("Base64 of the provider's detached CMS signature of it."))
    signedAt = serializers.DateTimeField()


class RequestStatusSerializer(serializers.Serializer[GatewayRequest]):
    """Where a request stands. The answer to a repeated message is built
    the same way, so it equals the first answer while the status is unchanged."""

    correlationId = serializers.UUIDField(source="correlation_id")
    messageId = StrictUUIDField(source="message_id")
    serviceCode = serializers.CharField(source="application.service.code")
    officeCode = serializers.CharField(source="application.office.code")
    status = serializers.ChoiceField(source="application.state", choices=State.choices)
    number = serializers.CharField(
        source="application.number", allow_null=True, help_text=_("The incoming registration number.")
    )
    receivedAt = serializers.DateTimeField(source="received_at")
    registeredAt = serializers.DateTimeField(source="application.registered_at", allow_null=True)
    decidedAt = serializers.DateTimeField(source="application.decided_at", allow_null=True)
    issuedAt = serializers.DateTimeField(source="application.issued_at", allow_null=True)
    result = serializers.SerializerMethodField(
        help_text=_("P10: the signed result, once there is one (also pushed to the callback URL).")
    )

    @extend_schema_field(ResultSerializer(allow_null=True))
    def get_result(self, request: GatewayRequest) -> dict[str, Any] | None:
        from gateway.services import result_body
        from services.models import ResultDocument

        application = request.application
        try:
            result = application.result if application is not None else None
        except ResultDocument.DoesNotExist:
            return None
        return result_body(result) if result is not None else None


class ProblemErrorSerializer(serializers.Serializer[dict[str, Any]]):
    field = serializers.CharField(help_text=_("The JSON path of the field, e.g. applicant.iin."))
    code = serializers.CharField()
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer[dict[str, Any]]):
    """RFC 7807 problem details, with a stable ``code`` for programs."""

    type = serializers.CharField(help_text=_("A URI naming the kind of problem."))
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text=_("Stable, for programs: e.g. iin_check_digit, unknown_service."))
    field = serializers.CharField(
        allow_null=True, required=False, help_text=_("The JSON path of the field at fault, if one is.")
    )
    errors = ProblemErrorSerializer(many=True, required=False)  # type: ignore[assignment]


class CallbackSerializer(serializers.Serializer[dict[str, Any]]):
    """What the portal POSTs to a client's callback URL on each status change.
    ``deliveryId`` is the same on every retry of one push (also sent as the
    ``Idempotency-Key`` header): a client keeps the ids it has seen."""

    deliveryId = serializers.UUIDField()
    correlationId = serializers.UUIDField()
    messageId = StrictUUIDField()
    status = serializers.ChoiceField(choices=State.choices)
    number = serializers.CharField(allow_null=True)
    changedAt = serializers.DateTimeField()
    result = ResultSerializer(allow_null=True)
