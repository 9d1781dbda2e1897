"""Client systems of the gateway, the requests they delivered, and the
outbox of status pushes back to them.

A client's secret is never stored: only its SHA-256 (the secret is 256
random bits, so a slow password hash would add nothing but latency to every
call). A request row ties the client's ``messageId`` to the application it
made — one per client and message id, enforced by the database — and keeps
the exact bytes the applicant signed. A delivery row is one status change to
push; it is written in the transaction of the change (transactional outbox)
and sent by ``gateway.tasks``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.constants import State
from services.models import Application


class GatewayClient(models.Model):
    """A system allowed to deliver requests (the national e-government portal)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    key_id = models.CharField(_("key id"), max_length=32, unique=True, editable=False)
    secret_sha256 = models.CharField(_("SHA-256 of the secret"), max_length=64, editable=False)
    callback_url = models.URLField(
        _("callback URL"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Status changes of the client's requests are POSTed here (http or https)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as user"),
        on_delete=models.PROTECT,
        related_name="gateway_client",
        editable=False,
        help_text=_("The user of the gateway role that files the client's requests."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("gateway client")
        verbose_name_plural = _("gateway clients")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(callback_url__startswith="http://") | Q(callback_url__startswith="https://"),
                name="gateway_client_callback_is_http",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GatewayRequest(models.Model):
    """One message a client delivered, and the application it made (P8)."""

    correlation_id = models.UUIDField(_("correlation id"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        GatewayClient, verbose_name=_("client"), on_delete=models.PROTECT, related_name="requests"
    )
    message_id = models.UUIDField(_("message id"))
    # Set in the transaction that creates the row; a committed row always has one.
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gateway_request",
    )
    content = models.BinaryField(_("signed content"), editable=False)
    content_sha256 = models.CharField(_("SHA-256 of the signed content"), max_length=64)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("gateway request")
        verbose_name_plural = _("gateway requests")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "message_id"], name="gateway_request_one_per_message")
        ]

    def __str__(self) -> str:
        return str(self.correlation_id)


class CallbackDelivery(models.Model):
    """One status change of a gateway request, to be POSTed to its client once."""

    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        GatewayClient, verbose_name=_("client"), on_delete=models.PROTECT, related_name="deliveries"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="+"
    )
    # One push per audited change, however often the change is signalled.
    audit_entry_id = models.PositiveBigIntegerField(_("audit entry"), unique=True)
    status = models.CharField(_("status"), max_length=16, choices=State.choices)
    payload = models.JSONField(_("payload"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True, help_text=_("Empty once delivered or given up.")
    )
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("callback delivery")
        verbose_name_plural = _("callback deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(next_attempt_at__isnull=True),
                name="callback_delivery_delivered_is_final",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True, next_attempt_at__isnull=False),
                name="callback_delivery_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.client}: {self.status}"

    @property
    def given_up(self) -> bool:
        return self.delivered_at is None and self.next_attempt_at is None
