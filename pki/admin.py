"""Staff certificates in the admin (read only; keys are never shown) and the
certification authorities trusted for citizens' signatures."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pki.ca import subject_text
from pki.models import StaffCertificate, TrustedCA
from pki.tasks import trusted_ca_refresh_crl


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


@admin.register(TrustedCA)
class TrustedCAAdmin(admin.ModelAdmin):
    """Trusted CAs are managed here (DESIGN.md §2); revocation lists are
    fetched hourly, or at once with the action."""

    list_display = ("name", "is_active", "valid_until", "crl_fetched_at", "crl_next_update", "crl_state")
    list_filter = ("is_active",)
    search_fields = ("name", "fingerprint", "crl_url")
    fields = (
        "name",
        "is_active",
        "certificate_pem",
        "crl_url",
        "subject",
        "valid_until",
        "fingerprint",
        "crl_fetched_at",
        "crl_next_update",
        "crl_error",
    )
    readonly_fields = (
        "subject",
        "valid_until",
        "fingerprint",
        "crl_fetched_at",
        "crl_next_update",
        "crl_error",
    )
    actions = ["fetch_crl_now"]

    @admin.display(description=_("subject"))
    def subject(self, obj: TrustedCA) -> str:
        return subject_text(obj.certificate.subject) if obj.pk else ""

    @admin.display(description=_("certificate valid until"))
    def valid_until(self, obj: TrustedCA) -> Any:
        return obj.certificate.not_valid_after_utc if obj.pk else None

    @admin.display(description=_("revocation list"))
    def crl_state(self, obj: TrustedCA) -> str:
        if not obj.crl_url:
            return str(_("not used"))
        if obj.crl_der is None:
            return str(_("not loaded yet"))
        if obj.crl_is_stale:
            return str(_("out of date"))
        return str(_("current"))

    @admin.action(description=_("Fetch CRL now"))
    def fetch_crl_now(self, request: HttpRequest, queryset: QuerySet[TrustedCA]) -> None:
        fetched, failed = 0, []
        for trusted in queryset.exclude(crl_url=""):
            if trusted_ca_refresh_crl(trusted_ca_id=trusted.pk):
                fetched += 1
            else:
                failed.append(trusted.name)
        if fetched:
            self.message_user(
                request,
                ngettext(
                    "The revocation list of %(count)d authority was fetched.",
                    "The revocation lists of %(count)d authorities were fetched.",
                    fetched,
                )
                % {"count": fetched},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                _(
                    "Could not fetch the revocation list of: %(names)s. The lists fetched before are kept; see “last fetch problem”."
                )
                % {"names": ", ".join(failed)},
                messages.ERROR,
            )
        if not fetched and not failed:
            self.message_user(
                request, _("None of the chosen authorities has a revocation list address."), messages.WARNING
            )
