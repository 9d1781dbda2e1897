"""Writes of the gateway app, each one transaction, each audited.

Public:
- ``gateway_client_create``, ``gateway_client_update``,
  ``gateway_client_secret_rotate``, ``secret_digest``:
  client systems and their secrets (shown once, stored as a digest);
- ``gateway_request_accept``: P8, a signed request in — checked like the
  portal checks it (P6), then applicant, application, submission and
  registration in one transaction; idempotent per client and ``messageId``;
- ``gateway_request_refusal_record``: the audit entry of a refused message;
- ``delivery_record_state_change``: the outbox row of a status change, in
  the change's own transaction (called by the receiver of
  ``services.signals.application_state_changed``);
- ``delivery_attempt``: one POST of one outbox row to its client, under the
  row's lock, with exponential back-off and a bounded number of attempts;
  ``delivery_reschedule``: an undelivered push sent again now (admin);
- ``MessageRefused``, ``MessageConflict``.

Settings: ``GATEWAY_CALLBACK_BASE_DELAY``, ``GATEWAY_CALLBACK_MAX_DELAY``
(seconds), ``GATEWAY_CALLBACK_MAX_ATTEMPTS``, ``GATEWAY_CALLBACK_TIMEOUT``
(seconds).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.constants import Role
from applicants.models import Applicant, User
from applicants.services import applicant_create, ensure_role_groups
from audit.services import audit_record
from gateway.constants import PUSHED_STATES
from gateway.messages import IncomingMessage
from gateway.models import CallbackDelivery, GatewayClient, GatewayRequest
from reglament.models import Office
from reglament.selectors import reglament_version_in_force
from services import services as svc
from services.constants import Channel
from services.models import ResultDocument, Service

logger = logging.getLogger(__name__)


class MessageRefused(svc.ServiceError):
    """A gateway message not taken: ``code`` for the client's program,
    ``field`` the JSON path of the field at fault (if one is), ``status``
    the HTTP status the REST transport answers with."""

    status = 422

    def __init__(
        self, message: str, *, code: str, field: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        if status is not None:
            self.status = status


class MessageConflict(MessageRefused):
    """The client reused a ``messageId`` for a different request."""

    status = 409


# --- client systems ------------------------------------------------------------


def secret_digest(secret: str) -> str:
    """What is stored of a client's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _gateway_group() -> Group:
    group = Group.objects.filter(name=Role.GATEWAY.value).first()
    if group is None:
        ensure_role_groups()
        group = Group.objects.get(name=Role.GATEWAY.value)
    return group


def gateway_client_create(
    *, actor: User | None, name: str, callback_url: str, is_active: bool = True
) -> tuple[GatewayClient, str]:
    """A new client system with its own user of the gateway role. Returns the
    client and its secret — the only time the secret exists in clear.
    Raises ValidationError keyed by field."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        user = User(username=f"gateway.{key_id}", first_name=name.strip()[:150])
        user.set_unusable_password()
        client = GatewayClient(
            name=name.strip(),
            key_id=key_id,
            secret_sha256=secret_digest(secret),
            callback_url=callback_url.strip(),
            is_active=is_active,
        )
        client.full_clean(exclude=["user"])
        user.save()
        user.groups.add(_gateway_group())
        client.user = user
        client.save()
        audit_record(
            actor=actor,
            action="gateway_client_create",
            target=client,
            changes={"name": client.name, "key_id": key_id, "callback_url": client.callback_url},
        )
    return client, secret


def gateway_client_update(
    *, actor: User | None, client_id: int, name: str, callback_url: str, is_active: bool
) -> GatewayClient:
    """Rename a client, move its callback URL, or switch it on or off (a
    switched-off client is refused at once, and its pushes are given up)."""
    with transaction.atomic():
        client = GatewayClient.objects.select_for_update().select_related("user").get(pk=client_id)
        before = {"name": client.name, "callback_url": client.callback_url, "is_active": client.is_active}
        client.name, client.callback_url, client.is_active = name.strip(), callback_url.strip(), is_active
        client.full_clean(exclude=["user"])
        client.save(update_fields=["name", "callback_url", "is_active"])
        after = {"name": client.name, "callback_url": client.callback_url, "is_active": client.is_active}
        changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
        if changes:
            audit_record(actor=actor, action="gateway_client_update", target=client, changes=changes)
    return client


def gateway_client_secret_rotate(*, actor: User | None, client_id: int) -> str:
    """A new secret for a client; the old one stops working at once."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        client = GatewayClient.objects.select_for_update().get(pk=client_id)
        client.secret_sha256 = secret_digest(secret)
        client.save(update_fields=["secret_sha256"])
        audit_record(actor=actor, action="gateway_client_rotate_secret", target=client)
    return secret


# --- requests in (P8) ----------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """The request a message made; ``created`` False when it was made before."""

    request: GatewayRequest
    created: bool


def gateway_request_refusal_record(
    *, client: GatewayClient, code: str, detail: str, message_id: str = ""
) -> None:
    """Audit a refused message (after its transaction has rolled back)."""
    audit_record(
        actor=client.user,
        action="gateway_receive",
        target=client,
        remark=detail,
        changes={"refused": code, "message_id": message_id},
        succeeded=False,
    )


def _replay(client: GatewayClient, message: IncomingMessage, digest: str) -> Accepted | None:
    existing = (
        GatewayRequest.objects.select_related("application")
        .filter(client=client, message_id=message.message_id)
        .first()
    )
    if existing is None:
        return None
    if existing.content_sha256 != digest:
        raise MessageConflict(
            _(
                "The message id %(id)s was already used for a different request; "
                "give every new request a new message id."
            )
            % {"id": message.message_id},
            code="message_id_reused",
            field="messageId",
        )
    return Accepted(request=existing, created=False)


def _local_date(office: Office, moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(office.tz).date()


def _applicant(message: IncomingMessage, actor: User) -> Applicant:
    """The applicant record of the IIN; made from the message when there is
    none. An existing record keeps the names the staff typed."""
    existing = Applicant.objects.filter(iin=message.iin).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return applicant_create(
                actor=actor,
                iin=message.iin,
                last_name=message.last_name,
                first_name=message.first_name,
                patronymic=message.patronymic,
            )
    except (IntegrityError, ValidationError) as exc:
        # Another message made the record of this IIN meanwhile.
        existing = Applicant.objects.filter(iin=message.iin).first()
        if existing is not None:
            return existing
        if isinstance(exc, ValidationError):
            raise MessageRefused(" ".join(exc.messages), code="invalid_applicant", field="applicant") from exc
        raise


def _accept(client: GatewayClient, message: IncomingMessage, content: bytes, digest: str) -> GatewayRequest:
    actor = client.user
    now = timezone.now()
    # First of all: a concurrent delivery of the same message waits here on
    # the unique index until this transaction ends.
    request = GatewayRequest.objects.create(
        client=client, message_id=message.message_id, content=content, content_sha256=digest, received_at=now
    )
    office = (
        Office.objects.select_related("region", "calendar")
        .filter(code=message.office_code, is_active=True)
        .first()
    )
    if office is None:
        raise MessageRefused(
            _("There is no office with the code “%(code)s”.") % {"code": message.office_code},
            code="unknown_office",
            field="officeCode",
        )
    service = Service.objects.filter(code=message.service_code).first()
    if service is None:
        raise MessageRefused(
            _("There is no service with the code “%(code)s”.") % {"code": message.service_code},
            code="unknown_service",
            field="serviceCode",
        )
    # The reglament says which channels a service has (S2: the chancellery only).
    version = reglament_version_in_force(
        region=office.region_id, service_code=service.code, on=_local_date(office, now)
    )
    if version is not None and not version.via_portal:
        raise MessageRefused(
            _(
                "The service “%(service)s” is served at the chancellery only; "
                "the applicant has to visit an office."
            )
            % {"service": service.name},
            code="chancellery_only",
            field="serviceCode",
        )
    # Checked before the data, which are read by the kind of measure.
    if service.code == "S3" and not message.measure_kind:
        raise MessageRefused(
            _("A referral (S3) names the kind of active employment measure."),
            code="measure_kind_required",
            field="measureKind",
        )
    if service.code != "S3" and message.measure_kind:
        raise MessageRefused(
            _("A kind of measure is given only for referrals (S3)."),
            code="measure_kind_not_allowed",
            field="measureKind",
        )
    applicant = _applicant(message, actor)
    try:
        data = svc.request_data_clean(
            service_code=service.code,
            office_id=office.pk,
            measure_kind=message.measure_kind,
            data=message.data,
        )
    except svc.InvalidInput as exc:
        raise MessageRefused(exc.message, code="invalid_data", field="data") from exc
    draft = svc.application_create_draft(
        actor=actor,
        applicant_id=applicant.pk,
        office_id=office.pk,
        service_code=service.code,
        channel=Channel.GATEWAY,
        measure_kind=message.measure_kind,
        data=data,
    )
    # Linked before submission, so the status pushes of this very
    # transaction find their client.
    request.application = draft
    request.save(update_fields=["application"])
    application = svc.application_submit(
        application_id=draft.pk, actor=actor, signature=message.signature, gateway_message=content
    )
    request.application = application
    audit_record(
        actor=actor,
        action="gateway_receive",
        target=request,
        remark=application.number or "",
        changes={
            "message_id": str(message.message_id),
            "application": application.pk,
            "content_sha256": digest,
        },
    )
    return request


def gateway_request_accept(*, client: GatewayClient, message: IncomingMessage) -> Accepted:
    """P8: take a signed request from a client system.

    In one transaction: the applicant record is found by IIN (or made), the
    application is made on the gateway channel, its signature is checked
    over the message's canonical bytes exactly as the portal checks its own
    (P6: trusted chain, validity, revocation, signing key, the applicant's
    IIN), and it is submitted and registered with its incoming number — so
    it enters the executor's queue. The same ``messageId`` again from the
    same client returns the request made the first time and makes nothing
    (``created`` False), also when both arrive at once; with different
    content it is a ``MessageConflict``. Any refusal leaves nothing behind
    but its audit entry.
    """
    content = message.content
    digest = hashlib.sha256(content).hexdigest()
    try:
        replay = _replay(client, message, digest)
        if replay is not None:
            return replay
        try:
            with transaction.atomic():
                request = _accept(client, message, content, digest)
        except IntegrityError:
            # The same message committed by a concurrent call first.
            replay = _replay(client, message, digest)
            if replay is None:
                raise
            return replay
    except svc.ServiceError as exc:
        gateway_request_refusal_record(
            client=client, code=exc.code, detail=exc.message, message_id=str(message.message_id)
        )
        raise
    return Accepted(request=request, created=True)


# --- status pushes out ---------------------------------------------------------


def _b64(value: bytes | memoryview) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def result_body(result: ResultDocument) -> dict[str, Any]:
    """P10: the signed result as the client receives it."""
    return {
        "kind": result.kind,
        "content": _b64(result.content),
        "signature": _b64(result.signature),
        "signedAt": result.signed_at.isoformat(),
    }


def delivery_record_state_change(
    *, application_id: int, audit_entry_id: int, to_state: str
) -> CallbackDelivery | None:
    """The outbox row of one status change of a gateway request, written in
    the transaction of the change; its POST is enqueued once that commits."""
    if to_state not in PUSHED_STATES:
        return None
    request = (
        GatewayRequest.objects.select_related("client", "application")
        .filter(application_id=application_id)
        .first()
    )
    if request is None or request.application is None:
        logger.warning("Gateway application %s has no gateway request: no status push", application_id)
        return None
    if CallbackDelivery.objects.filter(audit_entry_id=audit_entry_id).exists():
        return None
    application = request.application
    result = ResultDocument.objects.filter(application_id=application_id).first()
    now = timezone.now()
    delivery = CallbackDelivery(
        client=request.client,
        application=application,
        audit_entry_id=audit_entry_id,
        status=to_state,
        next_attempt_at=now,
        created_at=now,
    )
    delivery.payload = {
        "deliveryId": str(delivery.delivery_id),
        "correlationId": str(request.correlation_id),
        "messageId": str(request.message_id),
        "status": to_state,
        "number": application.number,
        "changedAt": now.isoformat(),
        "result": result_body(result) if result is not None else None,
    }
    with transaction.atomic():
        delivery.save()
    delivery_pk = delivery.pk

    def enqueue() -> None:
        from gateway.tasks import deliver_status  # the tasks module imports this one

        deliver_status.delay(delivery_pk)

    # If the broker is down, the beat task sends the row later.
    transaction.on_commit(enqueue, robust=True)
    return delivery


def delivery_reschedule(*, actor: User | None, delivery_id: int) -> bool:
    """Send an undelivered push again now (after the client's endpoint was
    repaired, say), with a fresh count of attempts. False when it was
    delivered already: a delivered push is never sent twice."""
    with transaction.atomic():
        delivery = CallbackDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.delivered_at is not None:
            return False
        delivery.attempts, delivery.next_attempt_at = 0, timezone.now()
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="gateway_callback_reschedule",
            target=delivery.application,
            changes={"delivery": str(delivery.delivery_id)},
        )
        delivery_pk = delivery.pk

        def enqueue() -> None:
            from gateway.tasks import deliver_status

            deliver_status.delay(delivery_pk)

        transaction.on_commit(enqueue, robust=True)
    return True


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A callback that redirects is a failed callback, not a new address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post(delivery: CallbackDelivery, *, attempt: int) -> str:
    """POST the payload; '' on a 2xx answer, otherwise why not."""
    url = delivery.client.callback_url
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        return "the callback URL is not http or https"
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": str(delivery.delivery_id),
            "X-Gateway-Delivery-Id": str(delivery.delivery_id),
            "X-Gateway-Attempt": str(attempt),
            "User-Agent": "employment-portal-gateway/1",
        },
    )
    try:
        with _OPENER.open(request, timeout=settings.GATEWAY_CALLBACK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        return f"cannot connect: {exc.reason}"[:1000]
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # HTTPException: an answer that is not HTTP (it is no OSError); let
        # through, it would roll the attempt back and skip the back-off.
        return f"{type(exc).__name__}: {exc}"[:1000]
    if 200 <= status < 300:
        return ""
    return f"HTTP {status}"


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failure: doubling from the base, capped."""
    seconds = settings.GATEWAY_CALLBACK_BASE_DELAY * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.GATEWAY_CALLBACK_MAX_DELAY))


def delivery_attempt(*, delivery_id: int) -> datetime.datetime | None:
    """POST one outbox row to its client once it is due, under the row's
    lock: a second worker skips a row being sent, and a delivered row is
    never sent again. Returns when the next attempt is due, or None
    (delivered, given up, not due yet, or being sent elsewhere)."""
    with transaction.atomic():
        delivery = (
            CallbackDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("client", "application")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.delivered_at is not None or delivery.next_attempt_at is None:
            return None
        if delivery.next_attempt_at > timezone.now():
            return None  # an earlier attempt failed; its retry is scheduled
        client = delivery.client
        if not client.is_active:
            error = "the client is switched off"
        else:
            error = _post(delivery, attempt=delivery.attempts + 1)
            delivery.attempts += 1
        now = timezone.now()
        delivery.last_error = error
        if not error:
            delivery.delivered_at, delivery.next_attempt_at = now, None
        elif not client.is_active or delivery.attempts >= settings.GATEWAY_CALLBACK_MAX_ATTEMPTS:
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save(update_fields=["attempts", "delivered_at", "next_attempt_at", "last_error"])
        if delivery.delivered_at is not None or delivery.given_up:
            audit_record(
                actor=None,
                action="gateway_callback",
                target=delivery.application,
                to_state=delivery.status,
                remark=error or client.callback_url,
                changes={
                    "delivery": str(delivery.delivery_id),
                    "client": client.pk,
                    "attempts": delivery.attempts,
                    "delivered": delivery.delivered_at is not None,
                },
                succeeded=delivery.delivered_at is not None,
            )
    if error:
        logger.warning("Callback %s to %s failed: %s", delivery.delivery_id, client.name, error)
    return delivery.next_attempt_at
