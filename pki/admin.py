"""Staff certificates in the admin: read only; keys are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pki.models import StaffCertificate


@admin.register(StaffCertificate)
class StaffCertificateAdmin(admin.ModelAdmin):
    list_display = ("user", "serial", "subject", "not_before", "not_after", "revoked_at", "valid_now")
    list_filter = ("not_after", "revoked_at")
    list_select_related = ("user",)
    search_fields = (
        "serial",
        "subject",
        "user__username",
        "user__last_name",
        "user__first_name",
        "user__iin",
    )
    date_hierarchy = "not_before"
    fields = ("user", "serial", "subject", "not_before", "not_after", "revoked_at", "certificate_pem")
    readonly_fields = fields

    @admin.display(boolean=True, description=_("valid now"))
    def valid_now(self, obj: StaffCertificate) -> bool:
        return obj.is_valid_now

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
