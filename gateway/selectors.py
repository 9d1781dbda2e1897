"""Reads of the gateway app, scoped to what the caller may see.

Public: ``gateway_client_for_key``, ``gateway_requests_of_client``,
``deliveries_due``.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from gateway.models import CallbackDelivery, GatewayClient, GatewayRequest


def gateway_client_for_key(*, key_id: str) -> GatewayClient | None:
    """The client system with this key id (active or not), with its user."""
    return GatewayClient.objects.select_related("user").filter(key_id=key_id).first()


def gateway_requests_of_client(*, client: GatewayClient) -> QuerySet[GatewayRequest]:
    """The requests a client delivered: a client never sees another's."""
    return GatewayRequest.objects.filter(client=client, application__isnull=False).select_related(
        "application__service", "application__office", "application__result"
    )


def deliveries_due(*, now: datetime.datetime) -> QuerySet[CallbackDelivery]:
    """Status pushes not delivered, not given up, and due by ``now``; the
    oldest first (served by the partial index ``callback_delivery_due_idx``)."""
    return CallbackDelivery.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
