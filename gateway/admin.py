"""The gateway in the admin: client systems (a new client's secret and a
rotated one are shown once, in a message), and the requests they delivered
and the status pushes back to them, read only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gateway.models import CallbackDelivery, GatewayClient, GatewayRequest
from gateway.services import (
    delivery_reschedule,
    gateway_client_create,
    gateway_client_secret_rotate,
    gateway_client_update,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _show_secret(request: HttpRequest, client: GatewayClient, secret: str) -> None:
    messages.warning(
        request,
        _(
            "Credentials of “%(name)s”: key id %(key_id)s, secret %(secret)s — copy the secret now, "
            "it is not shown again. The client sends “Authorization: Gateway %(key_id)s:<secret>”."
        )
        % {"name": client.name, "key_id": client.key_id, "secret": secret},
    )


@admin.register(GatewayClient)
class GatewayClientAdmin(admin.ModelAdmin):
    """Clients are switched off, never deleted: their requests refer to them."""

    list_display = ("name", "key_id", "callback_url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_id", "callback_url")
    fields = ("name", "callback_url", "is_active", "key_id", "user", "created_at")
    readonly_fields = ("key_id", "user", "created_at")
    actions = ["rotate_secret"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: GatewayClient, form: ModelForm[Any], change: bool
    ) -> None:
        actor = request.user if request.user.is_authenticated else None
        if change:
            gateway_client_update(
                actor=actor,
                client_id=obj.pk,
                name=obj.name,
                callback_url=obj.callback_url,
                is_active=obj.is_active,
            )
            return
        client, secret = gateway_client_create(
            actor=actor, name=obj.name, callback_url=obj.callback_url, is_active=obj.is_active
        )
        # The admin goes on with ``obj`` (the change log, the redirect).
        for field in ("pk", "key_id", "secret_sha256", "user_id", "created_at"):
            setattr(obj, field, getattr(client, field))
        obj._state.adding = False
        _show_secret(request, client, secret)

    @admin.action(description=_("Rotate the secret (the old one stops working at once)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[GatewayClient]) -> None:
        actor = request.user if request.user.is_authenticated else None
        for client in queryset:
            secret = gateway_client_secret_rotate(actor=actor, client_id=client.pk)
            _show_secret(request, client, secret)


@admin.register(GatewayRequest)
class GatewayRequestAdmin(_ReadOnly):
    list_display = ("correlation_id", "client", "message_id", "application", "received_at")
    list_filter = ("client", "received_at")
    list_select_related = ("client", "application")
    search_fields = ("correlation_id", "message_id", "application__number", "content_sha256")
    date_hierarchy = "received_at"
    fields = (
        "correlation_id",
        "client",
        "message_id",
        "application",
        "received_at",
        "content_sha256",
        "signed_content",
    )
    readonly_fields = fields

    @admin.display(description=_("signed content"))
    def signed_content(self, obj: GatewayRequest) -> str:
        return bytes(obj.content).decode("utf-8", errors="replace")


class OutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("delivered", _("Delivered")), ("pending", _("Pending")), ("given_up", _("Given up"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        if self.value() == "pending":
            return queryset.filter(delivered_at__isnull=True, next_attempt_at__isnull=False)
        if self.value() == "given_up":
            return queryset.filter(delivered_at__isnull=True, next_attempt_at__isnull=True)
        return queryset


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(_ReadOnly):
    list_display = (
        "delivery_id",
        "client",
        "application",
        "status",
        "outcome",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = (OutcomeFilter, "status", "client")
    list_select_related = ("client", "application")
    search_fields = ("delivery_id", "application__number", "last_error")
    date_hierarchy = "created_at"
    fields = (
        "delivery_id",
        "client",
        "application",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
        "created_at",
        "payload",
    )
    readonly_fields = fields
    actions = ["send_again_now"]

    @admin.display(description=_("outcome"))
    def outcome(self, obj: CallbackDelivery) -> str:
        if obj.delivered_at is not None:
            return str(_("Delivered"))
        return str(_("Given up")) if obj.given_up else str(_("Pending"))

    @admin.action(description=_("Send again now (not for delivered pushes)"))
    def send_again_now(self, request: HttpRequest, queryset: QuerySet[CallbackDelivery]) -> None:
        actor = request.user if request.user.is_authenticated else None
        count = sum(
            delivery_reschedule(actor=actor, delivery_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("%(count)d push will be sent again.", "%(count)d pushes will be sent again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
